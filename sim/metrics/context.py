"""The masks and group codes of one replication, shared by every KPI family.

A :class:`KpiContext` is built once per replication from its
:class:`~sim.records.Records`; the KPI families of :mod:`sim.metrics.kpis`,
:mod:`sim.metrics.journey_kpis` and :mod:`sim.metrics.field` read it and return
``{kpi: values per member}``. Data flows one way: records -> context -> families.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np

from sim.metrics._journey_rows import zeros_view
from sim.metrics._journeys import JourneyFold, fold_journeys
from sim.metrics.journeys import JourneyFacts, journey_facts
from sim.metrics.outages import OUTAGE_MEMBERS, during_outage
from sim.metrics.stats import ratio
from sim.records import ABANDONED, BLOCKED, HANDLED, OPEN, TRANSFERRED, Records

__all__ = ["Family", "KpiContext", "service_level_rows", "timed"]


class KpiContext:
    """Masks and group codes of one replication, shared by the KPI families.

    Parameters
    ----------
    records : Records
        One replication's facts.
    """

    def __init__(self, records: Records) -> None:
        self.records = records
        c = records.contacts
        self.outcome = np.asarray(c["outcome"])
        self.wait_s = np.asarray(c["wait_s"], dtype=float)
        self.handle_s = np.asarray(c["handle_s"], dtype=float)
        self.in_window = np.asarray(c["in_window"], dtype=bool)
        self.step = np.asarray(c["step"])
        # codes as recorded (small integers): views, not int64 copies
        self.channel = np.asarray(c["channel"])
        self.pool = np.asarray(c["pool"])
        self.answered = ~np.isnan(np.asarray(c["answer_s"], dtype=float))
        # served by an agent: self-service and bot sessions (pool -1) are not
        self.served = ((self.outcome == HANDLED) | (self.outcome == TRANSFERRED)) & (self.pool >= 0)
        self.abandoned = self.outcome == ABANDONED
        self.blocked = self.outcome == BLOCKED
        self.open = self.outcome == OPEN
        self.queued = self.answered | self.abandoned
        self.finished_served = self.served & ~np.isnan(self.handle_s)
        self.customer = self.in_window & (self.step == 0)
        self.pool_rows = self.in_window & (self.pool >= 0)
        self.window_s = float(records.end_s - records.warmup_s)
        n_ch = len(records.channels)
        sessions = records.self_service_channels()
        self.session = sessions[self.channel] if self.channel.size else np.zeros(0, bool)
        kinds = records.channel_kinds or ("",) * n_ch
        live = np.array([k in ("voice", "chat") for k in kinds], dtype=bool)
        if not live.any():  # no live channel: waiting KPIs over every agent channel
            live = ~sessions
        self.live = live[self.channel] if self.channel.size else np.zeros(0, bool)
        short = (np.full(n_ch, np.nan) if records.short_abandon_s is None
                 else np.asarray(records.short_abandon_s, dtype=float))
        with np.errstate(invalid="ignore"):
            self.short = self.abandoned & (self.wait_s <= short[self.channel])

    def names(self, group: str) -> tuple[str, ...]:
        """Member names of ``group`` in code order (``("",)`` for ``"all"``)."""
        if group == "all":
            return ("",)
        if group == "outage":
            return OUTAGE_MEMBERS
        r = self.records
        return {"channel": r.channels, "pool": r.pools, "segment": r.segments,
                "intent": r.intents}[group]

    def codes(self, group: str) -> np.ndarray:
        """Member code of every contact row for ``group`` (``pool``: -1 = none), in the
        records' own integer type (a view of their column)."""
        if group == "all":
            return zeros_view(self.records.n_contacts, np.int8)
        if group == "outage":  # 0: arrived during an outage, 1: outside
            arrival = self.records.contacts["arrival_s"]
            return (~during_outage(self.records, arrival)).view(np.int8)
        return np.asarray(self.records.contacts[group])

    def rows(self, group: str) -> np.ndarray:
        """Rows counted for ``group``: customer contacts, or pool-answered rows."""
        return self.pool_rows if group == "pool" else self.customer

    def count(self, group: str, mask: np.ndarray) -> np.ndarray:
        """Number of counted rows per member that satisfy ``mask``."""
        sel = self.rows(group) & mask
        return np.bincount(self.codes(group)[sel], minlength=len(self.names(group))).astype(
            float
        )

    def mean(self, group: str, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` per member over counted rows satisfying ``mask``."""
        sel = self.rows(group) & mask & ~np.isnan(values)
        codes = self.codes(group)[sel]
        n = len(self.names(group))
        return ratio(np.bincount(codes, weights=values[sel], minlength=n),
                     np.bincount(codes, minlength=n))

    @cached_property
    def journeys(self) -> JourneyFold:
        """The journeys of this replication (computed once)."""
        return fold_journeys(self.records)

    @cached_property
    def journey_facts(self) -> JourneyFacts:
        """Per-journey facts, effort and cost (computed once)."""
        return journey_facts(self.records, self.journeys)

    def pool_time(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """Staffed and busy agent-seconds per member (``all``: summed over pools)."""
        staffed = np.asarray(self.records.pool_staffed_s, dtype=float).sum(axis=1)
        busy = np.asarray(self.records.pool_busy_s, dtype=float).sum(axis=1)
        if group == "all":
            return np.array([staffed.sum()]), np.array([busy.sum()])
        return staffed, busy


#: A KPI family: ``family(ctx, group) -> {kpi: values per member}`` ({} if n/a).
Family = Callable[[KpiContext, str], dict[str, np.ndarray]]


def timed(ctx: KpiContext, group: str) -> np.ndarray:
    """Rows whose waits count for ``group``: a channel's own, else the live channels."""
    return np.ones_like(ctx.live) if group in ("channel", "pool") else ctx.live


def service_level_rows(records: Records, row_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per contact row: is its service-level outcome decided, and was it answered in time?

    ``row_target`` is each row's target (NaN: no target, never decided), by channel
    and segment (:meth:`Records.row_sl_target`). A
    contact still waiting when the run stops (:attr:`Records.cutoff`) is a miss once
    it has waited past the target, and undecided while it could still be answered
    in time.
    """
    c = records.contacts
    outcome = np.asarray(c["outcome"])
    wait = np.asarray(c["wait_s"], dtype=float)
    answered = ~np.isnan(np.asarray(c["answer_s"], dtype=float))
    open_ = outcome == OPEN
    waiting = np.flatnonzero(open_ & ~answered)  # the few still waiting at the cut-off
    missed = np.zeros(open_.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        within = answered & (wait <= row_target)
        missed[waiting] = (records.cutoff - np.asarray(c["arrival_s"], dtype=float)[waiting]
                           > row_target[waiting])
    return (~open_ | answered | missed) & ~np.isnan(row_target), within
