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
  time until the customer came back; 0 for an escalation from a bot), and
* the nights a customer waited for a closed channel to open
  (``stage_closed_s``: from when the customer tried to the opening).

A journey starts when its customer first *tried* (``Records.tried_s``): the night
before a closed line opens counts in its resolution latency.

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

Repeats
    A customer contact that follows a contact an agent served (or a self-service /
    bot session that ended without escalating) is a *recontact* when it comes
    within the recontact window of that contact's end; one that follows an
    abandoned or blocked contact is a *retry*. An escalation from a bot follows an
    escalated session and is neither.

Cost
    Each journey is charged the fees of its customer contacts (``cost_per_contact``
    of the channel; a self-service / bot session that did not contain costs
    ``cost_per_failed_contact``; blocked contacts cost nothing) plus a share of
    each pool's staffed cost over the measured window. The share is in proportion
    to the agent time its rows took: handle time, divided by the pool's mean chat
    concurrency for a multi-slot chat row (an agent holding three chats spends a
    third of its time on each). Only the journeys that started in the window take
    a share, so the costs of the journeys of a window add up to the operation's
    total: idle time is shared out in proportion to the work each journey caused.

Everything is vectorised over rows (``ufunc.reduceat`` and ``bincount``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.metrics._journeys import JourneyFold, fold_journeys
from sim.metrics.effort import effort_score
from sim.metrics.field import visit_journeys
from sim.records import ABANDONED, BLOCKED, ESCALATED, HANDLED, TRANSFERRED, Records

__all__ = ["STAGES", "STATUS_NAMES", "JourneyFacts", "journey_facts", "row_costs", "staff_cost"]

#: Stage names, in flow order (columns ``stage_<name>_s``).
STAGES: tuple[str, ...] = (
    "self_service", "queue", "handling", "handoff_delay", "backstage", "recontact_gap",
    "closed",
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
    recontacted: np.ndarray         # came back within the window after a served contact
    served: np.ndarray              # an agent served (or a session contained) a contact
    retried: np.ndarray             # came back after an abandoned or blocked contact
    reached_agent: np.ndarray       # an agent answered one of its customer contacts
    first_agent_resolved: np.ndarray    # resolved at the first agent contact, no repeat
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
        """Resolved at the first contact an agent answered, with no customer contact
        after it (transfers within it allowed), without a technician visit."""
        fcr = self.first_agent_resolved
        return fcr if self.visits is None else fcr & (self.visits == 0)

    @property
    def open(self) -> np.ndarray:
        """Still open when the run stopped (its fate unknown)."""
        return self.status == OPEN_JOURNEY


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


def journey_rows(records: Records) -> np.ndarray:
    """Per row: does it belong to a journey whose first contact is in the window?"""
    c = records.contacts
    jid = np.asarray(c["journey_id"], dtype=np.int64)
    if jid.size == 0:
        return np.zeros(0, dtype=bool)
    # rows are in contact-id (arrival) order, so a journey's first row is its first hit
    ids, first = np.unique(jid, return_index=True)
    counted = (np.asarray(c["in_window"], dtype=bool)[first]
               & (np.asarray(c["step"])[first] == 0))
    return counted[np.searchsorted(ids, jid)]


def agent_time_weight(records: Records) -> np.ndarray:
    """Per row: the agent time it took — handle time, divided by the pool's mean chat
    concurrency for a chat held in a multi-slot pool; 0 without an agent."""
    c = records.contacts
    pool = np.asarray(c["pool"], dtype=np.int64)
    agent = pool >= 0
    weight = np.where(agent, np.nan_to_num(np.asarray(c["handle_s"], dtype=float)), 0.0)
    if records.pool_chats_s is None or records.pool_chat_agents_s is None:
        return weight
    chats = np.asarray(records.pool_chats_s, dtype=float).sum(axis=1)
    holding = np.asarray(records.pool_chat_agents_s, dtype=float).sum(axis=1)
    concurrency = np.ones(len(records.pools))
    np.divide(chats, holding, out=concurrency, where=holding > 0)
    kinds = records.channel_kinds or ("",) * len(records.channels)
    is_chat = np.array([k == "chat" for k in kinds], dtype=bool)
    channel = np.asarray(c["channel"], dtype=np.int64)
    shared = agent & is_chat[channel] & (concurrency[np.maximum(pool, 0)] > 1.0)
    weight[shared] /= concurrency[pool[shared]]
    return weight


def row_costs(records: Records) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the contact fee, and its share of its pool's staffed cost.

    Only rows of journeys that started in the measured window are charged (see the
    module docstring); summed over them, the shares give back every pool's staffed
    cost, except that of a pool that did no such work.
    """
    c = records.contacts
    channel = np.asarray(c["channel"], dtype=np.int64)
    outcome = np.asarray(c["outcome"])
    n_ch = len(records.channels)
    fee = np.zeros(n_ch) if records.contact_cost is None else np.asarray(records.contact_cost)
    failed = fee if records.failed_contact_cost is None else np.asarray(
        records.failed_contact_cost)
    counted = journey_rows(records)
    customer = (np.asarray(c["step"]) == 0) & (outcome != BLOCKED) & counted
    fees = np.where(outcome == ESCALATED, failed[channel], fee[channel]) * customer
    pool = np.asarray(c["pool"], dtype=np.int64)
    weight = np.where(counted, agent_time_weight(records), 0.0)
    agent = (pool >= 0) & (weight > 0)
    n_pools = len(records.pools)
    total = np.bincount(pool[agent], weights=weight[agent], minlength=n_pools)
    per_second = np.zeros(n_pools)
    np.divide(staff_cost(records), total, out=per_second, where=total > 0)
    staff = np.zeros(pool.shape[0])
    staff[agent] = weight[agent] * per_second[pool[agent]]
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
    tried = records.tried_s()[o]                     # before arrival if the line was closed
    end = np.asarray(c["end_s"], dtype=float)[o]
    pool = np.asarray(c["pool"], dtype=np.int64)[o]
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
    gap[1:] = tried[1:] - end[:-1]
    gap = np.where(follows, np.nan_to_num(gap), 0.0)
    stages = {
        "self_service": per_journey(np.where(session, handle, 0.0)),
        "queue": per_journey(wait),
        "handling": per_journey(np.where(session, 0.0, handle) - held),
        "handoff_delay": per_journey(np.where(step > 0, gap, 0.0)),
        "backstage": per_journey(backstage),
        "recontact_gap": per_journey(np.where(customer, gap, 0.0)),
        "closed": per_journey(arrival - tried),
    }
    # channel switches between consecutive customer contacts of a journey
    cidx = np.flatnonzero(customer)
    same = jpos[cidx][1:] == jpos[cidx][:-1]
    switched = same & (channel[cidx][1:] != channel[cidx][:-1])
    switches = np.bincount(jpos[cidx][1:][switched], minlength=n) if n else np.zeros(0)

    start = np.minimum.reduceat(tried, starts) if n else np.zeros(0)
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
    repeats = _repeats(customer, jpos, pool, outcome, session, tried, end, n,
                       records.recontact_window_s)
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
        recontacted=repeats["recontacted"],
        served=repeats["served"],
        retried=repeats["retried"],
        reached_agent=repeats["reached_agent"],
        first_agent_resolved=repeats["first_agent_only"] & resolved,
        cost=per_journey(fees[o] + staff[o]) + (0.0 if visits is None else visits.cost),
        effort_score=effort_score(drivers, records.effort_weights),
        stages=stages,
        visits=None if visits is None else visits.visits.astype(np.int64),
    )


def _repeats(customer: np.ndarray, jpos: np.ndarray, pool: np.ndarray, outcome: np.ndarray,
             session: np.ndarray, tried: np.ndarray, end: np.ndarray, n: int,
             window_s: float) -> dict[str, np.ndarray]:
    """Per journey: recontacts, retries and the first agent contact (rows sorted by
    journey; see the module docstring)."""
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return dict.fromkeys(("recontacted", "served", "retried", "reached_agent",
                              "first_agent_only"), empty)
    cidx = np.flatnonzero(customer)
    cj = jpos[cidx]
    agent = (pool >= 0) & ((outcome == HANDLED) | (outcome == TRANSFERRED))
    served = agent | (session & (outcome == HANDLED))
    gave_up = (outcome == ABANDONED) | (outcome == BLOCKED)
    prev, nxt = cidx[:-1], cidx[1:]
    same = cj[1:] == cj[:-1]               # consecutive customer contacts of one journey
    with np.errstate(invalid="ignore"):
        back = same & served[prev] & (tried[nxt] - end[prev] <= window_s)
    retry = same & gave_up[prev]

    def any_of(mask: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.bincount(where[mask], minlength=n) > 0

    # the first customer contact an agent answered, and whether another followed it
    first_agent = np.full(n, np.iinfo(np.int64).max)
    hit = agent[cidx]
    np.minimum.at(first_agent, cj[hit], cidx[hit])
    last_customer = np.full(n, -1)
    np.maximum.at(last_customer, cj, cidx)
    reached = first_agent < np.iinfo(np.int64).max
    return {
        "recontacted": any_of(back, cj[1:]),
        "served": any_of(served[cidx], cj),
        "retried": any_of(retry, cj[1:]),
        "reached_agent": reached,
        "first_agent_only": reached & (last_customer == first_agent),
    }
