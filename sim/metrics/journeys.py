"""Journey facts: each customer need folded from its contacts, with effort, cost and stages.

A journey's rows (customer contacts ``step == 0`` and handoff pieces ``step > 0``)
follow one another in time: a new row of a journey only arrives after the
previous one ended. So, in ``(journey_id, contact_id)`` order, the time from the
journey's first arrival to the end of its last row splits exactly into

* the time inside each row — queue wait (``stage_queue_s``), time with an agent
  (``stage_handling_s``), time in a self-service or bot session
  (``stage_self_service_s``) — and
* the gaps between rows — before a handoff piece (``stage_handoff_delay_s``: the
  handoff's delay) and before a customer contact (``stage_recontact_gap_s``: the
  time until the customer came back; 0 for an escalation from a bot).

``stage_backstage_s`` is the time at backstage systems (queued or served; for
live work the agent is held meanwhile, so it is taken out of ``stage_handling_s``;
for parked asynchronous work it is the time after the agent let go). For a
resolved journey the stages sum to ``resolution_latency_s``. With field channels a
journey that took a technician visit also has ``stage_field_s`` (first booking to
the end of its last visit) and its visits' status, effort and cost
(:mod:`sim.metrics.field`).

Status
    ``resolved`` (a contact resolved the need); ``open`` (not resolved, and a row
    was still in progress or a next contact / piece was scheduled when the run
    ended: its fate is unknown); ``gave_up`` (ended without resolution).

Cost
    Each journey is charged the fees of its customer contacts (``cost_per_contact``
    of the channel; a self-service / bot session that did not contain costs
    ``cost_per_failed_contact``; blocked contacts cost nothing) plus its agents'
    time at the pool's ``cost_per_hour``, *loaded* by the pool's staffed / busy
    ratio over the measured window, so idle agent time is shared out in proportion
    to the work each journey caused.

Everything is vectorised over rows (``ufunc.reduceat`` and ``bincount``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.metrics._journeys import JourneyFold, fold_journeys
from sim.metrics.effort import effort_score
from sim.metrics.field import visit_journeys
from sim.records import BLOCKED, ESCALATED, HANDLED, TRANSFERRED, Records

__all__ = ["STAGES", "STATUS_NAMES", "JourneyFacts", "journey_facts", "row_costs", "staff_cost"]

#: Stage names, in flow order (columns ``stage_<name>_s``).
STAGES: tuple[str, ...] = (
    "self_service", "queue", "handling", "handoff_delay", "backstage", "recontact_gap",
)

RESOLVED, GAVE_UP, OPEN_JOURNEY = 0, 1, 2
STATUS_NAMES = ("resolved", "gave_up", "open")


@dataclass(frozen=True)
class JourneyFacts:
    """Per-journey arrays (ascending ``journey_id``); see the module docstring."""

    journey_id: np.ndarray
    first_row: np.ndarray
    last_row: np.ndarray
    in_window: np.ndarray           # first contact in the measured window
    start_s: np.ndarray
    end_s: np.ndarray               # end of the last row (NaN if any row is open)
    status: np.ndarray              # RESOLVED, GAVE_UP, OPEN_JOURNEY
    resolution_latency_s: np.ndarray    # NaN unless resolved
    contacts: np.ndarray            # customer contacts (step 0 rows)
    transfers: np.ndarray
    channel_switches: np.ndarray
    repeated_info: np.ndarray
    failed_self_service: np.ndarray
    hold_s: np.ndarray              # queue waits while on the line
    attempts: np.ndarray
    recontacted: np.ndarray         # a repeat attempt within the recontact window
    cost: np.ndarray
    effort_score: np.ndarray
    stages: dict[str, np.ndarray]
    visits: np.ndarray | None = None    # technician visits made (None: no field channel)

    @property
    def resolved(self) -> np.ndarray:
        return self.status == RESOLVED

    @property
    def finished(self) -> np.ndarray:
        """Resolved or given up (their effort is final)."""
        return self.status != OPEN_JOURNEY

    @property
    def fcr(self) -> np.ndarray:
        """Resolved on the one and only customer contact (transfers within it allowed),
        without a technician visit."""
        fcr = self.resolved & (self.contacts == 1)
        return fcr if self.visits is None else fcr & (self.visits == 0)


def _column(records: Records, name: str, dtype: str) -> np.ndarray:
    c = records.contacts
    if name in c:
        return np.asarray(c[name]).astype(dtype, copy=False)
    if name == "resolved":
        return np.asarray(c["outcome"]) == HANDLED
    return np.zeros(records.n_contacts, dtype=dtype)


def _per_pool(records: Records, values: np.ndarray | None) -> np.ndarray:
    n = len(records.pools)
    return np.zeros(n) if values is None else np.asarray(values, dtype=float)


def staff_cost(records: Records) -> np.ndarray:
    """Cost of the staffed agent time of each pool over the measured window."""
    staffed = np.asarray(records.pool_staffed_s, dtype=float).sum(axis=1)
    return staffed * _per_pool(records, records.pool_cost_per_hour) / 3600.0


def row_costs(records: Records) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the contact fee, and the loaded cost of its agent time."""
    c = records.contacts
    channel = np.asarray(c["channel"], dtype=np.int64)
    outcome = np.asarray(c["outcome"])
    n_ch = len(records.channels)
    fee = np.zeros(n_ch) if records.contact_cost is None else np.asarray(records.contact_cost)
    failed = fee if records.failed_contact_cost is None else np.asarray(
        records.failed_contact_cost)
    customer = (np.asarray(c["step"]) == 0) & (outcome != BLOCKED)
    fees = np.where(outcome == ESCALATED, failed[channel], fee[channel]) * customer
    rate = _per_pool(records, records.pool_cost_per_hour)
    staffed = np.asarray(records.pool_staffed_s, dtype=float).sum(axis=1)
    busy = np.asarray(records.pool_busy_s, dtype=float).sum(axis=1)
    load = np.ones(len(records.pools))
    np.divide(staffed, busy, out=load, where=busy > 0)
    pool = np.asarray(c["pool"], dtype=np.int64)
    agent = pool >= 0
    handle = np.nan_to_num(np.asarray(c["handle_s"], dtype=float))
    staff = np.zeros(pool.shape[0])
    staff[agent] = handle[agent] * rate[pool[agent]] * load[pool[agent]] / 3600.0
    return fees, staff


def journey_facts(records: Records, fold: JourneyFold | None = None) -> JourneyFacts:
    """Fold the contacts of one replication into :class:`JourneyFacts`.

    ``fold``: the replication's :func:`~sim.metrics._journeys.fold_journeys`, if
    already computed.
    """
    fold = fold_journeys(records) if fold is None else fold
    c = records.contacts
    n = fold.journey_id.size
    o, starts = fold.order, fold.starts
    lengths = np.diff(np.r_[starts, o.size]).astype(np.int64)
    jpos = np.repeat(np.arange(n), lengths)          # journey index of each sorted row

    def per_journey(values: np.ndarray) -> np.ndarray:
        return np.bincount(jpos, weights=values, minlength=n) if n else np.zeros(0)

    step = np.asarray(c["step"])[o]
    channel = np.asarray(c["channel"], dtype=np.int64)[o]
    outcome = np.asarray(c["outcome"])[o]
    arrival = np.asarray(c["arrival_s"], dtype=float)[o]
    end = np.asarray(c["end_s"], dtype=float)[o]
    wait = np.nan_to_num(np.asarray(c["wait_s"], dtype=float)[o])
    handle = np.nan_to_num(np.asarray(c["handle_s"], dtype=float)[o])
    resolved_row = _column(records, "resolved", "bool")[o]
    repeated = _column(records, "repeated_info", "bool")[o]
    offline = _column(records, "asynchronous", "bool")[o]
    attempt = _column(records, "attempt", "int64")[o]
    session = records.self_service_channels()[channel] if o.size else np.zeros(0, bool)
    # An email's time in the queue is not time on hold: the customer is not on the line.
    kinds = records.channel_kinds or ("",) * len(records.channels)
    written = np.array([k == "email" for k in kinds], dtype=bool)
    not_live = written[channel] if o.size else np.zeros(0, bool)
    customer = step == 0
    backstage = (np.zeros(o.size) if records.backstage_s is None
                 else np.asarray(records.backstage_s, dtype=float)[o])
    # live work holds the agent at the systems (inside handle_s); parked work does not
    on_line = handle + wait + backstage > np.nan_to_num(end - arrival) + 1e-6
    held = np.where(on_line & ~session, backstage, 0.0)

    # gaps between consecutive rows of a journey
    follows = np.ones(o.size, dtype=bool)
    follows[starts] = False
    gap = np.zeros(o.size)
    gap[1:] = arrival[1:] - end[:-1]
    gap = np.where(follows, np.nan_to_num(gap), 0.0)
    stages = {
        "self_service": per_journey(np.where(session, handle, 0.0)),
        "queue": per_journey(wait),
        "handling": per_journey(np.where(session, 0.0, handle) - held),
        "handoff_delay": per_journey(np.where(step > 0, gap, 0.0)),
        "backstage": per_journey(backstage),
        "recontact_gap": per_journey(np.where(customer, gap, 0.0)),
    }
    # channel switches between consecutive customer contacts of a journey
    cidx = np.flatnonzero(customer)
    same = jpos[cidx][1:] == jpos[cidx][:-1]
    switched = same & (channel[cidx][1:] != channel[cidx][:-1])
    switches = np.bincount(jpos[cidx][1:][switched], minlength=n) if n else np.zeros(0)

    start = fold.first_arrival_s
    resolved = np.zeros(n, dtype=bool)
    resolved_end = np.full(n, np.nan)
    if n:
        resolved = np.logical_or.reduceat(resolved_row, starts)
        resolved_end = np.fmax.reduceat(np.where(resolved_row, end, np.nan), starts)
    pending = np.zeros(n, dtype=bool)
    if records.pending_journeys is not None and len(records.pending_journeys):
        pending = np.isin(fold.journey_id, records.pending_journeys)
    visits = None
    if records.visits is not None:  # technician visits (sim.metrics.field)
        visits = visit_journeys(records, fold.journey_id)
        resolved, pending = resolved | visits.fixed, pending | visits.open
        resolved_end = np.fmax(resolved_end, visits.fix_end_s)
        stages["field"] = visits.field_s
    status = np.where(resolved, RESOLVED,
                      np.where(fold.any_open | pending, OPEN_JOURNEY, GAVE_UP)).astype(np.int8)
    window = records.recontact_window_s
    repeat = customer & (attempt > 0) & (arrival - start[jpos] <= window) if n else customer
    fees, staff = row_costs(records)
    contacts = per_journey(customer.astype(float))
    drivers = {
        "contacts": np.maximum(contacts - 1, 0),
        "transfers": per_journey((outcome == TRANSFERRED).astype(float)),
        "channel_switches": switches.astype(float),
        "repeated_info": per_journey(repeated.astype(float)),
        "waiting_per_min": per_journey(np.where(offline | not_live, 0.0, wait)) / 60.0,
        "failed_self_service": per_journey((session & (outcome == ESCALATED)).astype(float)),
        "unresolved": (status == GAVE_UP).astype(float),
    }
    if visits is not None:
        drivers["visits"] = visits.visits.astype(float)
    return JourneyFacts(
        journey_id=fold.journey_id,
        first_row=fold.first_row,
        last_row=fold.last_row,
        in_window=np.asarray(c["in_window"], dtype=bool)[fold.first_row]
        & (np.asarray(c["step"])[fold.first_row] == 0),
        start_s=start,
        end_s=fold.last_end_s,
        status=status,
        resolution_latency_s=np.where(resolved, resolved_end - start, np.nan),
        contacts=contacts.astype(np.int64),
        transfers=drivers["transfers"].astype(np.int64),
        channel_switches=switches.astype(np.int64),
        repeated_info=drivers["repeated_info"].astype(np.int64),
        failed_self_service=drivers["failed_self_service"].astype(np.int64),
        hold_s=drivers["waiting_per_min"] * 60.0,
        attempts=(np.maximum.reduceat(attempt, starts) + 1) if n else np.zeros(0, np.int64),
        recontacted=np.logical_or.reduceat(repeat, starts) if n else np.zeros(0, bool),
        cost=per_journey(fees[o] + staff[o]) + (0.0 if visits is None else visits.cost),
        effort_score=effort_score(drivers, records.effort_weights),
        stages=stages,
        visits=None if visits is None else visits.visits.astype(np.int64),
    )
