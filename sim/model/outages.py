"""Outages and failover: backstage systems, channels and pools going down and back up.

Each outage of the scenario is either *scheduled* (``at`` a clock time, ``for`` a
duration) or *random* (alternating up times drawn from ``mtbf`` and repair times
from ``mttr``, from the replication's start; streams ``outage-up/<i>`` and
``outage-repair/<i>``). Overlapping outages of one target stack.

* a backstage system that is down: see :mod:`sim.model.backstage`;
* a live channel that is down: new customer contacts on it are blocked (they
  retry per ``recontact.retry``, or without one per :data:`DEFAULT_RETRY`) —
  unless a ``failover`` from it has *detected* the outage (``detection`` after it
  started): then ``share`` of them go to the backup channel (drawn per contact),
  the customer repeating themselves with
  ``context_loss`` (via :meth:`sim.model.journeys.Journeys.lose_context`);
* a pool that is down loses ``share`` of its on-duty agents (busy ones finish
  their contact first, as with a schedule change); after detection a failover
  from it sends ``share`` of the new work for it to the backup pool — only work the
  backup can serve (its channel among the backup's channels, its intent among the
  backup's skills); the rest stays with the pool that is down.

Work queued before an outage stays where it is, and work in service finishes —
unless the outage has ``drops: true``: then, when it starts, a voice or chat
channel's contacts in queue and in service are dropped (a telephony outage), and a
pool's contacts in service with the agents it takes are dropped (a site outage;
the ACD's queue stays). Dropped contacts end with outcome ``dropped``
(:data:`sim.records.DROPPED`), their agents are freed at once, and their customers
retry like blocked ones (:meth:`sim.model.world.World.drop_work`). A backstage
system's outage never drops work: a contact that needs it mid-handle follows the
system's ``on_outage`` rule. Failover ends (fails back) as
soon as the target is restored.

Default outage retry: a customer blocked or dropped by an outage in a scenario
without ``recontact.retry`` does not vanish silently: with probability 0.5 they
try again after an exponential delay of mean 15 min, at most 3 tries in all
(:data:`DEFAULT_RETRY`; streams ``outage-retry`` and ``outage-retry-delay``).

Every outage is logged as (target, kind, start_s, end_s) for the ``outages``
table of :class:`sim.records.Records`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.model.streams import Sampler, UniformBlock
from sim.scenario.distributions import Exponential

if TYPE_CHECKING:
    from sim.model.backstage import Backstage
    from sim.model.context import ModelContext
    from sim.model.journeys import Journeys
    from sim.model.routing import PoolState


class DefaultRetry(NamedTuple):
    """What a customer blocked or dropped by an outage does without ``recontact.retry``."""

    probability: float
    delay: Exponential
    max_tries: int  # tries in all, the first included


#: The default outage retry: half try again after an exponential 15 min, 3 tries at most.
DEFAULT_RETRY = DefaultRetry(
    0.5, Exponential.model_validate({"dist": "exponential", "mean": "15min"}), 3)


class Route:
    """A resolved failover: where to, how much, after how long, with what context loss."""

    __slots__ = ("to", "share", "detection", "context_loss", "share_u", "context_u")

    def __init__(self, to: int, share: float, detection: float, context_loss: float,
                 share_u: UniformBlock, context_u: UniformBlock) -> None:
        self.to = to
        self.share = share
        self.detection = detection
        self.context_loss = context_loss
        self.share_u = share_u
        self.context_u = context_u


class Outages:
    """Outage processes and failover routing of one world.

    ``set_headcount(pool, n)`` asks staffing for ``n`` agents on duty in ``pool``;
    ``entry[channel][intent][segment]`` are the pools a fresh contact may go to;
    ``pools`` are the live pools (which work a backup can serve). ``backstage`` (its
    systems go down) and ``journeys`` (context loss, a backup channel's handle time)
    are None when the scenario has none.
    """

    def __init__(self, ctx: ModelContext, *,
                 set_headcount: Callable[[int, int], None],
                 entry: Sequence[Sequence[Sequence[tuple[int, ...]]]],
                 pools: Sequence[PoolState],
                 backstage: Backstage | None,
                 journeys: Journeys | None,
                 drop: Callable[[str, int], None] | None = None) -> None:
        self.ctx = ctx
        self._drop = drop  # the world's drop_work(kind, code), for outages with drops
        self._set_headcount = set_headcount
        self.entry = entry
        self.pools = pools
        self.bs = backstage
        self.jm = journeys
        s = ctx.scenario
        streams = ctx.streams
        ch_code, _, _, pl_code = ctx.codes
        self.ch_code, self.pl_code = ch_code, pl_code
        n_ch, n_pool = len(ch_code), len(pl_code)
        self.channel_down = [0] * n_ch
        self.pool_lost = [0.0] * n_pool
        self.pool_down = [0] * n_pool
        self.scheduled = [0] * n_pool    # headcount the schedule asks for
        self.detected_ch = [False] * n_ch
        self.detected_pool = [False] * n_pool
        self.epoch: dict[tuple[str, int], int] = {}
        self.fo_channel: dict[int, Route] = {}
        self.fo_pool: dict[int, Route] = {}
        for fo in s.failover:
            key = f"{fo.from_}->{fo.to}"
            is_channel = fo.from_ in ch_code
            codes = ch_code if is_channel else pl_code
            route = Route(codes[fo.to], fo.share, fo.detection, fo.context_loss,
                          UniformBlock(streams.get(f"failover/{key}")),
                          UniformBlock(streams.get(f"failover-context/{key}")))
            (self.fo_channel if is_channel else self.fo_pool)[codes[fo.from_]] = route
        self.log: list[list] = []  # [target, kind, start_s, end_s, index in outages]

    # -- processes ------------------------------------------------------------------
    def start(self) -> None:
        """Schedule every outage of the scenario (called once, when the run starts)."""
        ctx = self.ctx
        s = ctx.scenario
        for i, outage in enumerate(s.outages):
            if outage.scheduled:
                t = float(outage.at) - s.start  # type: ignore[arg-type]
                if t >= 0 and t < ctx.end_s:
                    ctx.after(t, partial(self._down, i, float(outage.for_)))  # type: ignore[arg-type]
            else:
                up = Sampler(outage.mtbf, ctx.streams.get(f"outage-up/{i}"))
                repair = Sampler(outage.mttr, ctx.streams.get(f"outage-repair/{i}"))
                self._random(i, up, repair)

    def _random(self, i: int, up: Sampler, repair: Sampler) -> None:
        def fail() -> None:
            d = repair.next()
            self._down(i, d)
            self.ctx.after(d, lambda: self._random(i, up, repair))

        self.ctx.after(up.next(), fail)

    def _kind(self, target: str) -> str:
        if target in self.ctx.scenario.backstage:
            return "backstage"
        return "channel" if target in self.ch_code else "pool"

    def _down(self, i: int, duration: float) -> None:
        ctx = self.ctx
        outage = ctx.scenario.outages[i]
        kind = self._kind(outage.target)
        entry = [outage.target, kind, ctx.env.now, math.nan, i]
        self.log.append(entry)
        self._apply(outage.target, kind, outage.share, True)
        if outage.drops and self._drop is not None and kind != "backstage":
            codes = self.ch_code if kind == "channel" else self.pl_code
            self._drop(kind, codes[outage.target])

        def restore() -> None:
            entry[3] = ctx.env.now
            self._apply(outage.target, kind, outage.share, False)

        ctx.after(duration, restore)

    def _apply(self, target: str, kind: str, share: float, down: bool) -> None:
        if kind == "backstage":
            bs = self.bs
            assert bs is not None
            bs.set_down(bs.index[target], down)
            return
        sign = 1 if down else -1
        if kind == "channel":
            c = self.ch_code[target]
            self.channel_down[c] += sign
            self._detect(kind, c, self.channel_down[c], self.fo_channel.get(c), self.detected_ch)
            return
        p = self.pl_code[target]
        self.pool_down[p] += sign
        self.pool_lost[p] = max(0.0, self.pool_lost[p] + sign * share)
        self._set_headcount(p, self._effective(p))
        self._detect(kind, p, self.pool_down[p], self.fo_pool.get(p), self.detected_pool)

    def _detect(self, kind: str, code: int, count: int, route: Route | None,
                detected: list[bool]) -> None:
        key = (kind, code)
        if count == 0:  # restored: fail back
            detected[code] = False
            self.epoch[key] = self.epoch.get(key, 0) + 1
            return
        if count != 1 or route is None:
            return
        epoch = self.epoch.get(key, 0)

        def notice() -> None:
            if self.epoch.get(key, 0) == epoch:
                detected[code] = True

        if route.detection <= 0:
            notice()
        else:
            self.ctx.after(route.detection, notice)

    # -- staffing -----------------------------------------------------------------
    def _effective(self, p: int) -> int:
        lost = min(1.0, self.pool_lost[p])
        return int(round(self.scheduled[p] * (1.0 - lost)))

    def set_headcount(self, p: int, target: int) -> None:
        """A schedule step of pool ``p``: apply it net of the agents an outage took."""
        self.scheduled[p] = target
        self._set_headcount(p, self._effective(p))

    # -- routing --------------------------------------------------------------------
    def route(self, channel: int, intent: int, segment: int, pools: tuple[int, ...] | None,
              step: int, repeated: bool, handle: float, journey: int,
              ) -> tuple[int, tuple[int, ...], bool, float, bool]:
        """Where a new contact goes: ``(channel, pools, repeated, handle, blocked)``."""
        moved, channel, repeated, handle, blocked = self.route_channel(
            channel, step, repeated, handle, journey, intent)
        if moved:
            pools = None
        pools, repeated, handle = self.route_pools(
            channel, intent, segment, pools, repeated, handle, journey)
        return channel, pools, repeated, handle, blocked

    def route_channel(self, channel: int, step: int, repeated: bool, handle: float,
                      journey: int, intent: int = -1) -> tuple[bool, int, bool, float, bool]:
        """Channel failover of a new contact: ``(moved, channel, repeated, handle, blocked)``
        (the first half of :meth:`route`, so a move to a closed channel can be deferred)."""
        if step == 0 and self.channel_down[channel]:
            route = self.fo_channel.get(channel)
            if (route is not None and self.detected_ch[channel]
                    and not self.channel_down[route.to]
                    and (route.share >= 1 or route.share_u.next() < route.share)):
                jm = self.jm
                if jm is not None and intent >= 0:  # the backup channel's own handle time
                    handle = jm.rehandle(channel, route.to, intent, repeated, handle)
                repeated, handle = self._lose(route, journey, repeated, handle)
                return True, route.to, repeated, handle, False
            return False, channel, repeated, handle, True
        return False, channel, repeated, handle, False

    def route_pools(self, channel: int, intent: int, segment: int,
                    pools: tuple[int, ...] | None, repeated: bool, handle: float,
                    journey: int) -> tuple[tuple[int, ...], bool, float]:
        """Pool failover of a new contact: ``(pools, repeated, handle)`` (second half of
        :meth:`route`)."""
        if pools is None:
            pools = self.entry[channel][intent][segment]
        if self.fo_pool:
            out = []
            for p in pools:
                route = self.fo_pool.get(p)
                if (route is not None and self.detected_pool[p]
                        and self.pools[route.to].can_serve(channel, intent)
                        and (route.share >= 1 or route.share_u.next() < route.share)):
                    p = route.to
                    repeated, handle = self._lose(route, journey, repeated, handle)
                if p not in out:
                    out.append(p)
            pools = tuple(out)
        return pools, repeated, handle

    def _lose(self, route: Route, journey: int, repeated: bool,
              handle: float) -> tuple[bool, float]:
        jm = self.jm
        if jm is None or route.context_loss <= 0 or repeated:
            return repeated, handle
        if route.context_loss < 1 and route.context_u.next() >= route.context_loss:
            return repeated, handle
        jm.lose_context(journey)
        return jm.take_lost(journey, repeated), handle + jm.extra_handle()

    # -- results ------------------------------------------------------------------
    def facts(self) -> dict[str, np.ndarray]:
        """The outages table: target, kind, start_s, end_s (still down at the end: the end),
        outage (index into the scenario's ``outages``)."""
        end = self.ctx.end_s
        return {
            "target": np.asarray([e[0] for e in self.log], dtype=object),
            "kind": np.asarray([e[1] for e in self.log], dtype=object),
            "start_s": np.asarray([e[2] for e in self.log], dtype=float),
            "end_s": np.asarray([end if math.isnan(e[3]) else e[3] for e in self.log],
                                dtype=float),
            "outage": np.asarray([e[4] for e in self.log], dtype=np.int64),
        }
