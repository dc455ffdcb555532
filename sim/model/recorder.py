"""The recorder: the model writes facts here, and nothing else.

Contacts are rows in compact typed column buffers (``array.array``), preallocated
in blocks filled with each column's initial value (no answer yet, still waiting,
...), so a new contact writes only what is known on arrival and is updated in place
as it is answered and ends; no per-contact Python object outlives its event.
Time-weighted quantities (agents staffed and busy per pool, contacts queued per
channel) are integrated into per-interval buckets of the measured window
(:mod:`sim.model.timearea`: changes are logged, and folded in every
:data:`_FOLD_EVERY` contacts and at the end). :meth:`Recorder.finish` hands
everything over as :class:`sim.records.Records` numpy arrays that share the
buffers' memory (no copy: a replication's peak memory is its buffers once, not
twice); ``contact_id`` and ``in_window`` are made there.

With journeys on, each contact also gets the journey columns (attempt, resolved,
repeated information, asynchronous); without, they are filled in at the end for
the classic model (first attempt, a handled contact resolves), so the hot path of
a plain scenario pays nothing for them. With agents that have identity (tenure,
sticky recontacts), each contact also records the number of the agent who answered
it (:data:`sim.records.AGENT_COLUMN`).
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import numpy as np

from sim.model.timearea import TimeArea
from sim.records import AGENT_COLUMN, CONTACT_COLUMNS, HANDLED, JOURNEY_COLUMNS, OPEN, Records
from sim.scenario.operations import segment_target
from sim.scenario.schema import Scenario

NAN = math.nan

#: array.array type codes for the record dtypes.
_TYPECODES = {"int64": "q", "int32": "i", "int16": "h", "int8": "b", "float64": "d",
              "bool": "b"}

# Outcome while the contact is still in the system (converted to OPEN at the end).
WAITING = -1
IN_SERVICE = -2

#: The value a contact's column holds until the model writes it (0 for the others).
_FILL = {"pool": -1, "agent": -1, "answer_s": NAN, "end_s": NAN, "wait_s": NAN, "handle_s": NAN,
         "outcome": WAITING}
#: Columns made by :meth:`Recorder.finish` rather than written per contact.
_DERIVED = ("contact_id", "in_window")
#: Rows added to the buffers when they are full: this many, or 1/8 of the rows so far.
_MIN_GROWTH = 4096
#: Contacts between two folds of the time-weighted counts' logs (see sim.model.timearea).
_FOLD_EVERY = 8192
#: The columns the model writes through a ``memoryview`` (attribute -> column): it stores
#: a Python number about twice as fast as ``array.array``, which parses each one. The
#: views are made again when the buffers grow; the outcome stays the array itself (the
#: router keeps it), and so do the journey columns of a recorder without journeys.
_VIEWS = {"journey": "journey_id", "step": "step", "channel": "channel", "intent": "intent",
          "segment": "segment", "pool": "pool", "arrival": "arrival_s", "answer": "answer_s",
          "end": "end_s", "wait": "wait_s", "handle": "handle_s"}
_JOURNEY_VIEWS = {"attempt": "attempt", "resolved": "resolved", "repeated": "repeated_info",
                  "offline": "asynchronous"}


def buffer_view(buf: array[Any], dtype: str, n: int) -> np.ndarray:
    """The first ``n`` entries of ``buf`` as a numpy array sharing its memory."""
    if len(buf) > n:
        del buf[n:]  # hand the unused preallocated rows back
    if not n:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(buf, dtype=dtype)


class Recorder:
    """Column buffers for contacts plus time-weighted accumulators."""

    # the hot path's columns, indexed by row and written in place: memoryviews (see
    # _VIEWS; typeshed's memoryview takes ints only, hence Any)
    journey: Any
    step: Any
    channel: Any
    intent: Any
    segment: Any
    pool: Any
    arrival: Any
    answer: Any
    end: Any
    wait: Any
    handle: Any
    attempt: Any  # with journeys; else the (empty) arrays
    resolved: Any
    repeated: Any
    offline: Any

    def __init__(
        self, n_pools: int, n_channels: int, warmup_s: float, end_s: float, interval_s: float,
        journeys: bool = False, agents: bool = False,
    ) -> None:
        self.n = 0         # contacts recorded so far (rows in use)
        self.capacity = 0  # rows allocated in every buffer
        self.cols: dict[str, array[Any]] = {
            name: array(_TYPECODES[dt]) for name, dt in CONTACT_COLUMNS.items()
            if name not in _DERIVED}
        self.journey_cols: dict[str, array[Any]] = {
            name: array(_TYPECODES[dt]) for name, dt in JOURNEY_COLUMNS.items()}
        j = self.journey_cols
        self.with_journeys = journeys
        if journeys:
            self.new_contact = self._new_journey_contact  # type: ignore[method-assign]
        # agents with identity (sim.model.identity): the number of the agent who answered
        self.agent = array(_TYPECODES[AGENT_COLUMN[1]])
        self.with_agents = agents
        grown = {**self.cols, **(j if journeys else {}),
                 **({AGENT_COLUMN[0]: self.agent} if agents else {})}
        self._buffers = [(buf, _FILL.get(name, 0)) for name, buf in grown.items()]
        self.outcome = self.cols["outcome"]
        self._views = [(attr, self.cols[name]) for attr, name in _VIEWS.items()]
        if journeys:
            self._views += [(attr, j[name]) for attr, name in _JOURNEY_VIEWS.items()]
        else:
            for attr, name in _JOURNEY_VIEWS.items():
                setattr(self, attr, j[name])
        self._bind()
        self.warmup_s = warmup_s
        self.end_s = end_s
        self.staffed = TimeArea(n_pools, warmup_s, end_s, interval_s)
        self.busy = TimeArea(n_pools, warmup_s, end_s, interval_s)
        # multi-slot chat: chats in progress, and agents holding at least one chat
        self.chats = TimeArea(n_pools, warmup_s, end_s, interval_s)
        self.chat_agents = TimeArea(n_pools, warmup_s, end_s, interval_s)
        self.queued = TimeArea(n_channels, warmup_s, end_s, interval_s)
        self._areas = (self.staffed, self.busy, self.chats, self.chat_agents, self.queued)
        # new_contact's housekeeping (buffers full, or the areas' logs due to be folded)
        # happens at row ``_mark``, the first of ``capacity`` and ``_fold_at``
        self._fold_at = _FOLD_EVERY
        self._mark = 0

    def _checkpoint(self, row: int) -> None:
        """Grow the buffers if they are full; fold the areas' logs in if due."""
        if row == self.capacity:
            self._grow()
        if row >= self._fold_at:
            for area in self._areas:
                area.integrate()
            self._fold_at = row + _FOLD_EVERY
        self._mark = min(self.capacity, self._fold_at)

    def _bind(self) -> None:
        """Make the hot path's views of the buffers."""
        for attr, buf in self._views:
            setattr(self, attr, memoryview(buf))

    def _unbind(self) -> None:
        """Release the views (a buffer with a view cannot grow or shrink)."""
        for attr, _ in self._views:
            getattr(self, attr).release()

    def _grow(self) -> None:
        """Add rows to every buffer, holding each column's initial value."""
        extra = max(_MIN_GROWTH, self.capacity >> 3)
        self._unbind()
        for buf, fill in self._buffers:
            buf.extend(array(buf.typecode, (fill,)) * extra)
        self._bind()
        self.capacity += extra

    def new_contact(
        self, t: float, journey: int, step: int, channel: int, intent: int, segment: int,
        attempt: int = 0, repeated: bool = False, offline: bool = False,
    ) -> int:
        """Record a contact arriving at ``t``; returns its row (= contact id).

        ``attempt``, ``repeated`` and ``offline`` are the journey columns, kept only
        when the recorder was made with ``journeys=True``.
        """
        row = self.n
        if row == self._mark:
            self._checkpoint(row)
        self.n = row + 1
        self.journey[row] = journey
        self.step[row] = step
        self.channel[row] = channel
        self.intent[row] = intent
        self.segment[row] = segment
        self.arrival[row] = t
        return row

    def _new_journey_contact(
        self, t: float, journey: int, step: int, channel: int, intent: int, segment: int,
        attempt: int = 0, repeated: bool = False, offline: bool = False,
    ) -> int:
        row = self.n  # new_contact, inlined: this is the hot path of journey scenarios
        if row == self._mark:
            self._checkpoint(row)
        self.n = row + 1
        self.journey[row] = journey
        self.step[row] = step
        self.channel[row] = channel
        self.intent[row] = intent
        self.segment[row] = segment
        self.arrival[row] = t
        if attempt:
            self.attempt[row] = attempt
        if repeated:
            self.repeated[row] = 1
        if offline:
            self.offline[row] = 1
        return row

    def finish(self, t_end: float, base: dict) -> Records:
        """Close the accumulators at ``t_end`` and return the replication's records.

        The contact columns are the buffers themselves (trimmed, not copied), so the
        recorder takes no more contacts afterwards.
        """
        n = self.n
        self._unbind()
        contacts: dict[str, np.ndarray] = {}
        for name, dt in CONTACT_COLUMNS.items():
            if name == "contact_id":
                contacts[name] = np.arange(n, dtype=dt)
            elif name == "in_window":  # tried in [warm-up, horizon end), not in the follow-up
                tried = buffer_view(self.cols["arrival_s"], "float64", n).copy()
                rows = base.get("deferred_rows")
                if rows is not None and len(rows):  # closed channel: when the customer tried
                    tried[rows] = base["deferred_from_s"]
                backlog = base.get("backlog_rows")
                if backlog is not None and len(backlog):  # waiting at 0: in the warm-up,
                    tried[backlog] = 0.0  # or in the window when there is none
                contacts[name] = (tried >= self.warmup_s) & (tried < self.end_s)
            else:
                contacts[name] = buffer_view(self.cols[name], dt, n)
        outcome = contacts["outcome"]
        outcome[outcome < 0] = OPEN
        for name, dt in JOURNEY_COLUMNS.items():
            if self.with_journeys:
                contacts[name] = buffer_view(self.journey_cols[name], dt, n)
            elif name == "resolved":  # the classic model: a handled contact resolves
                contacts[name] = outcome == HANDLED
            else:
                contacts[name] = np.zeros(n, dtype=dt)
        if self.with_agents:
            name, dt = AGENT_COLUMN
            contacts[name] = buffer_view(self.agent, dt, n)
        return Records(
            contacts=contacts,
            pool_staffed_s=self.staffed.close(t_end),
            pool_busy_s=self.busy.close(t_end),
            pool_chats_s=self.chats.close(t_end),
            pool_chat_agents_s=self.chat_agents.close(t_end),
            queue_area=self.queued.close(t_end),
            **base,
        )


def segment_targets(s: Scenario) -> np.ndarray | None:
    """Service-level target per (channel, segment) code, shape ``(channels, segments)``:
    the segment's own target on the channel, else the channel's (None: no segment sets
    one). Channels without a queue keep NaN (no target)."""
    if not any(g.service_level_target is not None for g in s.segments.values()):
        return None
    table = np.array([[c.sl_target_s] * len(s.segments) for c in s.channels.values()],
                     dtype=float)
    for ci, (cname, ch) in enumerate(s.channels.items()):
        for gi, seg in enumerate(s.segments.values()):
            own = segment_target(seg.service_level_target, cname)
            if own is not None and not np.isnan(ch.sl_target_s):
                table[ci, gi] = own
    return table


def scenario_facts(s: Scenario) -> dict:
    """The :class:`~sim.records.Records` fields that come from the scenario itself."""
    channels = list(s.channels.values())
    return dict(
        warmup_s=s.warmup,
        end_s=s.end_s,
        interval_s=s.interval,
        start_s=s.start,
        channels=tuple(s.channels),
        intents=tuple(s.intents),
        segments=tuple(s.segments) if s.segments else ("default",),
        pools=tuple(s.pools),
        sl_target_s=np.array([c.sl_target_s for c in channels]),
        sl_target_by_segment=segment_targets(s),
        short_abandon_s=np.array([np.nan if c.short_abandon is None else c.short_abandon
                                  for c in channels], dtype=float),
        pool_chat_slots=np.array([
            max([s.channels[c].max_concurrency for c in p.channels
                 if s.channels[c].kind == "chat"], default=1) for p in s.pools.values()],
            dtype=np.int64),
        channel_kinds=tuple(c.kind for c in channels),
        pool_cost_per_hour=np.array([p.cost_per_hour for p in s.pools.values()]),
        contact_cost=np.array([c.cost_per_contact for c in channels]),
        failed_contact_cost=np.array([
            c.cost_per_contact if c.cost_per_failed_contact is None
            else c.cost_per_failed_contact for c in channels]),
        effort_weights=s.effort.model_dump(),
        recontact_window_s=s.recontact.window if s.recontact else 7 * 86400.0,
        outage_specs=tuple(o.target for o in s.outages),
        outage_drops=any(o.drops for o in s.outages),
    )
