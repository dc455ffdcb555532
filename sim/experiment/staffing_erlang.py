"""Staffing targets and the Erlang starting point: offered load per pool and interval,
and the headcount the Erlang C / A formulas ask for."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analytic.staffing import Target, parse_target, required_agents
from sim.scenario.identity import mean_multiplier
from sim.scenario.operations import Reserve, sl_target_s
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S

#: Largest offered load (Erlangs) the Erlang start is computed for.
MAX_LOAD = 100_000


class StaffingError(ValueError):
    """A staffing request that cannot be answered as asked (worded for a planner)."""


@dataclass(frozen=True)
class Goal:
    """A target to staff for; ``channel_default``: service level at each channel's own target."""

    target: Target
    channel_default: bool = False

    def __str__(self) -> str:
        text = str(self.target)
        return f"{text.split(' @')[0]} @channel target" if self.channel_default else text


def parse_goal(value: Goal | Target | str) -> Goal:
    """Read a target; ``'service_level>=0.8'`` without ``@time`` uses each channel's target.

    Raises
    ------
    StaffingError
        For a malformed target.
    """
    if isinstance(value, Goal):
        return value
    if isinstance(value, Target):
        return Goal(value)
    try:
        return Goal(parse_target(value))
    except ValueError as exc:
        if "needs an answer time" not in str(exc):
            raise StaffingError(str(exc)) from None
        return Goal(parse_target(f"{value} @0s"), channel_default=True)


def goal_columns(goals: Sequence[Goal]) -> list[str]:
    """Table column of each goal: its KPI, with ``@time`` when a KPI appears twice."""
    kpis = [g.target.kpi for g in goals]
    return [g.target.kpi if kpis.count(g.target.kpi) == 1
            else f"{g.target.kpi}@{'channel' if g.channel_default else f'{g.target.within_s:g}s'}"
            for g in goals]


# -- the Erlang start -----------------------------------------------------------------------
def _mix(named: str | None, declared: dict[str, Any]) -> list[tuple[str, float]]:
    if named is not None:
        return [(named, 1.0)]
    if len(declared) <= 1:
        return [(n, 1.0) for n in declared] or [("default", 1.0)]
    total = sum(d.share or 0.0 for d in declared.values()) or 1.0
    return [(n, (d.share or 0.0) / total) for n, d in declared.items()]


def _shape(s: Scenario, line: Any, slot_s: float, n_slots: int) -> np.ndarray:
    """A demand line's mean rate per (weekday, interval of the day), shape ``(7, n_slots)``."""
    prof = s.profiles[line.profile] if isinstance(line.profile, str) else line.profile
    shape = np.ones(n_slots)
    if prof is not None and n_slots > 1:
        w = np.asarray(prof.weights, dtype=float)
        w = w / w.mean()
        sub = math.gcd(int(prof.interval), int(slot_s))
        t = np.arange(0, DAY_S, sub) + sub / 2
        shape = w[(t // prof.interval).astype(int)].reshape(n_slots, -1).mean(axis=1)
    days = np.asarray(line.day_factors or (1.0,) * 7, dtype=float)
    return line.rate * days[:, None] * shape[None, :]


def _engine_routing(s: Scenario) -> tuple[Any, Any, tuple[dict, dict, dict, dict]]:
    """The engine's pools and name codes, as :class:`sim.model.world.World` builds them."""
    from sim.model.routing import build_pools

    segments = tuple(s.segments) if s.segments else ("default",)
    codes = tuple({n: i for i, n in enumerate(names)}
                  for names in (s.channels, s.intents, segments, s.pools))
    ch_code, in_code, _, _ = codes
    return build_pools(s, ch_code, tuple(s.intents)), segments, codes  # type: ignore[return-value]


def entry_pools(s: Scenario) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """(channel, intent, segment) -> pools a fresh customer contact may enter.

    The engine's own rule (:func:`sim.model.routing.entry_pools`): the scenario's
    ``routing`` first; else every pool serving the channel with the intent among its
    skills, except pools that receive that (channel, intent) by overflow, handoff or
    escalation from another pool (:func:`sim.model.routing.reached_pairs`), unless no
    other pool can serve it. Scenarios without segments use the segment ``default``.
    """
    from sim.model.routing import entry_pools as engine_entry

    pools, segments, codes = _engine_routing(s)
    names = list(s.pools)
    chans, intents = list(s.channels), list(s.intents)
    return {(chans[c], intents[i], segments[g]): tuple(names[p] for p in v)
            for (c, i, g), v in engine_entry(s, pools, codes).items()}


def feeds(s: Scenario) -> dict[str, tuple[str, ...]]:
    """Pool -> the pools it passes work to (overflow, handoffs, escalation)."""
    out = {}
    for n, p in s.pools.items():
        to = [p.overflow.to] if p.overflow else []
        to += [h.to for h in p.handoffs]
        to += [p.escalate_to] if p.escalate_to else []
        out[n] = tuple(dict.fromkeys(to))
    return out


def linked_groups(s: Scenario) -> list[tuple[str, ...]]:
    """Pools that feed each other, directly or not (connected components), in file order."""
    parent = {n: n for n in s.pools}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for a, tos in feeds(s).items():
        for b in tos:
            parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for n in s.pools:
        groups.setdefault(root(n), []).append(n)
    return [tuple(g) for g in groups.values()]


def pool_loads(s: Scenario, slot_s: float, n_slots: int) -> dict[str, dict[str, np.ndarray]]:
    """Per pool: ``rate`` (contacts/s), ``work`` (Erlangs: talk + after-call work),
    ``theta`` (rate × 1/patience), ``offline`` (Erlangs of asynchronous handoff work,
    also in ``work``) and ``unreserved`` (Erlangs of work on channels other than the
    pool's ``reserve`` channel, also in ``work``; 0 without a reserve).

    Each is an array ``(7, n_slots)``: weekday × interval of the day. Talk time is
    divided by the pool's proficiency and, with a ``tenure`` mix, multiplied by its
    mean handle-time multiplier over its agents (after-call work is not). Fresh demand
    enters the pools the engine routes it to (split equally); handoffs follow their
    probabilities, escalations the share a pool fails to resolve (``1 - resolution ×
    min(1, proficiency)``, after its handoffs) on intents below ``escalate_below``.
    Pieces passed on never abandon. Self-service and bot sessions that do not contain
    the need pass it to their ``escalation`` channels (lost context adds its extra
    handle time). Overflow, recontacts and retries are left to the simulation.
    """
    z = {p: {k: np.zeros((7, n_slots))
             for k in ("rate", "work", "theta", "offline", "unreserved")}
         for p in s.pools}
    entry = entry_pools(s)
    segments = tuple(s.segments) if s.segments else ("default",)

    def add(pool: str, intent: str, channel: str, r: np.ndarray, handle: float | None,
            theta: float, offline: bool = False, depth: int = 0) -> None:
        p, ch = s.pools[pool], s.channels[channel]
        prof = 1.0 if p.skills is None else (p.skills.get(intent, 0.0) or 1.0)
        h = handle if handle is not None else s.intents[intent].handle_time_on(channel).mean_s
        h *= mean_multiplier(p) / prof  # a tenure mix: the pool's mean multiplier (talk)
        # after-call work: the agent is busy for it too (talk + ACW), at any proficiency
        acw = s.intents[intent].acw_mean_s(channel)
        if ch.kind == "chat" and ch.max_concurrency > 1 and not offline:
            c = ch.max_concurrency  # rough: agents hold several chats
            h *= (1 + ch.concurrency_inflation * (c - 1) / 2) / c
            acw /= c  # a wrap-up holds one chat slot
        z[pool]["rate"] += r
        z[pool]["work"] += r * (h + acw)
        z[pool]["theta"] += r * theta
        if offline:
            z[pool]["offline"] += r * (h + acw)
        if p.reserve is not None and channel != p.reserve.channel:
            z[pool]["unreserved"] += r * (h + acw)
        if depth >= 10:
            return
        passed = 0.0
        for rule in p.handoffs:
            if rule.intents is None or intent in rule.intents:
                share = min(rule.probability, 1.0 - passed)
                passed += share
                hm = rule.handle_time.mean_s if rule.handle_time is not None else None
                add(rule.to, intent, channel, r * share, hm, 0.0,
                    rule.asynchronous, depth + 1)
        if p.escalate_to is not None and p.escalate_below is not None \
                and (p.skills is None or 0 < p.skills.get(intent, 0.0) < p.escalate_below):
            res = s.intents[intent].resolution_p(channel)
            if res is not None and res < 1:
                fail = 1.0 - res * min(1.0, prof)
                add(p.escalate_to, intent, channel, r * (1.0 - passed) * fail, None, 0.0,
                    False, depth + 1)

    def arrive(channel: str, intent: str, seg: str, r: np.ndarray, extra: float) -> None:
        ch = s.channels[channel]
        sdef = s.segments.get(seg)
        pat = sdef.patience if sdef is not None and sdef.patience else ch.patience
        theta = 0.0 if pat is None else 1.0 / pat.mean_s
        pools = entry.get((channel, intent, seg if seg in segments else segments[0]), ())
        handle = s.intents[intent].handle_time_on(channel).mean_s + extra
        for pool in pools:
            add(pool, intent, channel, r / len(pools), handle, theta)

    lost_s = s.context_loss.extra_handle_time.mean_s if s.context_loss else 0.0
    for line in s.demand:
        ch = s.channels[line.channel]
        base = _shape(s, line, slot_s, n_slots)
        for intent, ip in _mix(line.intent, s.intents):
            for seg, sp in _mix(line.segment, s.segments):
                r = base * ip * sp
                if not ch.is_self_service:
                    arrive(line.channel, intent, seg, r, 0.0)
                    continue
                if ch.escalation is None:  # a session that fails leaves the customer
                    continue
                fail = 1.0 - ch.containment_p(intent, seg)
                extra = (1.0 - ch.escalation.context_transfer) * lost_s
                for target, q in ch.escalation.to.items():
                    arrive(target, intent, seg, r * fail * q, extra)
    return z


def erlang_counts(s: Scenario, pool: str, load: dict[str, np.ndarray], goals: Sequence[Goal],
                  days: Sequence[int], model: str = "auto") -> np.ndarray:
    """Erlang head count per (weekday, interval) of :func:`pool_loads`; other days stay 0.

    ``model="auto"``: Erlang A with the pool's mean patience (abandonment rates
    averaged over its contacts) where customers abandon, else Erlang C; ``"c"``:
    always Erlang C, and abandon_rate targets are left to the simulation.

    A pool with a ``reserve`` takes work of its other channels only while the reserve
    stays idle, so where it has such work the agents beyond the reserve must carry the
    whole load (calls take them too) at those channels' targets: the count is the larger
    of the one above and that count plus the agents the reserve keeps (:func:`with_reserve`).
    """
    # the strictest target among the pool's channels and its segments' own targets there
    channels = s.pools[pool].channels
    reserve = s.pools[pool].reserve
    within = min(sl_target_s(s, c, g) for c in channels for g in (*s.segments, None))
    # with a reserve: the strictest target among the channels it holds agents back from
    others = [c for c in channels if reserve is not None and c != reserve.channel]
    within_others = min((sl_target_s(s, c, g) for c in others for g in (*s.segments, None)),
                        default=within)
    out = np.zeros(load["rate"].shape, dtype=np.int64)
    memo: dict[tuple[float, float, float, bool], int] = {}
    for d in days:
        for k in range(out.shape[-1]):  # type: ignore[misc]
            rate = round(float(load["rate"][d, k]), 12)
            work = round(float(load["work"][d, k]), 12)
            theta = round(float(load["theta"][d, k]), 12)
            held = reserve is not None and bool(load["unreserved"][d, k] > 0)
            key = (rate, work, theta, held)
            if key not in memo:
                n = _erlang_one(rate, work, theta, goals, within, model)
                if held:
                    assert reserve is not None
                    beyond = _erlang_one(rate, work, theta, goals, within_others, model)
                    n = max(n, with_reserve(beyond, reserve))
                memo[key] = n
            out[d, k] = memo[key]
    return out


def with_reserve(n: int, reserve: Reserve) -> int:
    """The fewest agents that leave ``n`` free for work of other channels besides those a
    voice ``reserve`` keeps idle: ``n + agents``, or with a ``share`` the smallest ``m``
    with ``m - ceil(share × m) >= n`` (the engine's rounding, :mod:`sim.model.routing`)."""
    if n <= 0:
        return n
    if reserve.agents is not None:
        return n + reserve.agents
    share = float(reserve.share or 0.0)
    m = n + math.ceil(share * n / (1.0 - share)) - 1  # at most one short of the answer
    while m - math.ceil(share * m - 1e-9) < n:
        m += 1
    return m


def _erlang_one(lam: float, a: float, theta: float, goals: Sequence[Goal], within: float,
                model: str) -> int:
    if lam <= 0 or a <= 0:
        return 0
    if a > MAX_LOAD:  # the formulas' arrays grow with the head count
        raise StaffingError(f"Erlang start: an offered load of {a:,.0f} Erlangs in one "
                            f"interval is beyond any contact centre (at most {MAX_LOAD:,}); "
                            "check the rates and handle times")
    patience = lam / theta if theta > 0 and model == "auto" else None
    counts = [math.floor(a) + 1 if patience is None else 1]  # Erlang C needs a stable queue
    for g in goals:
        if g.target.kpi == "abandon_rate" and patience is None:
            continue  # no formula: nobody abandons in Erlang C (the simulation judges it)
        t = dataclasses.replace(g.target, within_s=within) if g.channel_default else g.target
        try:
            counts.append(required_agents(lam, a / lam, t, patience))
        except ValueError as exc:
            raise StaffingError(f"Erlang start: {exc}") from None
    return max(counts)


# -- judging a simulated schedule ----------------------------------------------------------
