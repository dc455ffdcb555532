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

Memory: the facts are computed from the record's columns in place of copies where
the fold allows it (a plain line's journeys are its rows, see
:mod:`sim.metrics._journeys`), temporaries are freed as soon as used, counts are
kept in the smallest integer type that holds them and a stage no journey spent
time in is a read-only zero view (:func:`zeros_view`), not an array of zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.metrics._journey_rows import JourneyRows, column, small_ints, zero_stage, zeros_view
from sim.metrics._journeys import JourneyFold, fold_journeys
from sim.metrics.effort import effort_score
from sim.metrics.field import visit_journeys
from sim.metrics.journey_costs import counted_rows, row_costs, staff_cost
from sim.records import ABANDONED, BLOCKED, ESCALATED, HANDLED, TRANSFERRED, Records

__all__ = ["STAGES", "STATUS_NAMES", "JourneyFacts", "journey_facts", "row_costs", "small_ints",
           "staff_cost", "zeros_view"]

#: Stage names, in flow order (columns ``stage_<name>_s``).
STAGES: tuple[str, ...] = (
    "self_service", "queue", "handling", "handoff_delay", "backstage", "recontact_gap",
    "closed",
)

RESOLVED, GAVE_UP, OPEN_JOURNEY = 0, 1, 2
STATUS_NAMES = ("resolved", "gave_up", "open")


@dataclass(frozen=True)
class JourneyFacts:
    """Per-journey arrays (ascending ``journey_id``); see the module docstring.

    Counts (``contacts``, ``transfers``, ``channel_switches``, ``repeated_info``,
    ``failed_self_service``, ``attempts``, ``visits``) are signed integers of the
    smallest type that holds them; a stage no journey spent time in is a read-only
    zero view. Treat every array as read-only: some are views of the records.
    """

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
    fee_total: float = 0.0          # contact fees of the counted rows (``row_costs``), summed

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


def journey_facts(records: Records, fold: JourneyFold | None = None) -> JourneyFacts:
    """Fold the contacts of one replication into :class:`JourneyFacts`.

    ``fold``: the replication's :func:`~sim.metrics._journeys.fold_journeys`, if
    already computed.
    """
    fold = fold_journeys(records) if fold is None else fold
    rows = JourneyRows(records, fold)
    n = rows.n
    step = rows.take("step")
    customer = step == 0
    channel = rows.take("channel")
    outcome = rows.take("outcome")
    session = records.self_service_channels()[channel] if channel.size \
        else np.zeros(0, bool)
    stages, on_hold = _stages(records, rows, step, session)
    del step
    # channel switches between consecutive customer contacts of a journey
    if rows.single:  # one row per journey: never two customer contacts in one
        switches = zeros_view(n, np.int8)
    else:
        cj = rows.jpos[customer]
        cch = channel[customer]
        switched = (cj[1:] == cj[:-1]) & (cch[1:] != cch[:-1])
        switches = small_ints(np.bincount(cj[1:][switched], minlength=n)) if n \
            else np.zeros(0, np.int8)
        del cj, cch, switched
    del channel
    deferred = records.deferred_rows is not None and len(records.deferred_rows) > 0
    tried = rows.fold.sorted_rows(records.tried_s()) if deferred else rows.take("arrival_s", float)
    end = rows.take("end_s", float)
    start = rows.reduce(np.minimum, tried) if n else np.zeros(0)
    resolved_row = rows.fold.sorted_rows(column(records, "resolved", "bool"))
    resolved = rows.any(resolved_row) if n else np.zeros(0, dtype=bool)
    resolved_end = rows.reduce(np.fmax, np.where(resolved_row, end, np.nan)) if n \
        else np.full(0, np.nan)
    del resolved_row
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
    del pending
    latency = np.where(resolved, resolved_end - start, np.nan)
    del resolved_end
    pool = rows.take("pool")
    repeats = _repeats(customer, rows, pool, outcome, session, tried, end,
                       records.recontact_window_s)
    del pool, tried, end
    # costs, in row order (the pools' totals add rows in that order), then per journey
    fees, staff = row_costs(records, counted_rows(records, fold))
    fee_total = float(fees.sum())
    fees += staff
    del staff
    cost = rows.per_journey(rows.fold.sorted_rows(fees))
    del fees
    if visits is not None:
        cost = cost + visits.cost
    contacts = rows.count(customer)
    transfers = rows.count(outcome == TRANSFERRED)
    repeated = rows.count(rows.fold.sorted_rows(column(records, "repeated_info", "bool")))
    failed = rows.count(session & (outcome == ESCALATED))
    del customer, outcome, session
    drivers: dict[str, np.ndarray] = {
        "contacts": np.maximum(contacts - 1, 0),
        "transfers": transfers,
        "channel_switches": switches,
        "repeated_info": repeated,
        "waiting_per_min": on_hold / 60.0,
        "failed_self_service": failed,
        "unresolved": status == GAVE_UP,
    }
    del on_hold
    hold_s = drivers["waiting_per_min"] * 60.0
    if visits is not None:
        drivers["visits"] = visits.visits
    effort = effort_score(drivers, records.effort_weights)
    del drivers
    attempt = rows.fold.sorted_rows(column(records, "attempt", "int64"))
    attempts = (small_ints(np.add(rows.reduce(np.maximum, attempt), 1, dtype=np.int64)) if n
                else np.zeros(0, np.int64))
    in_window = fold.at_first(np.asarray(records.contacts["in_window"], dtype=bool)) \
        & (fold.at_first(np.asarray(records.contacts["step"])) == 0)
    return JourneyFacts(
        journey_id=fold.journey_id,
        first_row=fold.first_row,
        last_row=fold.last_row,
        in_window=in_window,
        start_s=start,
        end_s=fold.last_end_s,
        status=status,
        resolution_latency_s=latency,
        contacts=contacts,
        transfers=transfers,
        channel_switches=switches,
        repeated_info=repeated,
        failed_self_service=failed,
        hold_s=hold_s,
        attempts=attempts,
        recontacted=repeats["recontacted"],
        served=repeats["served"],
        retried=repeats["retried"],
        reached_agent=repeats["reached_agent"],
        first_agent_resolved=repeats["first_agent_only"] & resolved,
        cost=cost,
        effort_score=effort,
        stages=stages,
        visits=None if visits is None else small_ints(visits.visits),
        fee_total=fee_total,
    )


def _stages(records: Records, rows: JourneyRows, step: np.ndarray, session: np.ndarray
            ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The time of each journey in each stage (see the module docstring), and the sum of
    its queue waits while on the line (``hold_s`` before the minutes round trip)."""
    wait = rows.zeroed("wait_s")
    handle = rows.zeroed("handle_s")
    kinds = records.channel_kinds or ("",) * len(records.channels)
    # An email's time in the queue is not time on hold: the customer is not on the line.
    written = np.array([k == "email" for k in kinds], dtype=bool)
    channel = rows.take("channel")
    not_live = written[channel] if channel.size else np.zeros(0, bool)
    del channel
    offline = rows.fold.sorted_rows(column(records, "asynchronous", "bool"))
    on_hold = rows.per_journey(np.where(offline | not_live, 0.0, wait))
    del offline, not_live
    n = rows.n
    stages: dict[str, np.ndarray] = {}
    stages["self_service"] = zero_stage(rows.per_journey(np.where(session, handle, 0.0)))
    stages["queue"] = zero_stage(rows.per_journey(wait))
    own = np.where(session, 0.0, handle)
    if records.backstage_s is None:
        stages["handling"] = zero_stage(rows.per_journey(own))
        del own
        stages["backstage"] = zeros_view(n)
    else:
        backstage = rows.fold.sorted_rows(np.asarray(records.backstage_s, dtype=float))
        arrival = rows.take("arrival_s", float)
        # live work holds the agent at the systems (inside handle_s); parked work does not
        on_line = handle + wait + backstage > np.nan_to_num(rows.take("end_s", float) - arrival) \
            + 1e-6
        del arrival
        own -= np.where(on_line & ~session, backstage, 0.0)
        del on_line
        stages["handling"] = zero_stage(rows.per_journey(own))
        del own
        stages["backstage"] = zero_stage(rows.per_journey(backstage))
        del backstage
    del wait, handle
    gap = _gaps(records, rows)
    if gap is None:  # one row per journey: no gap between rows
        stages["handoff_delay"] = zeros_view(n)
        stages["recontact_gap"] = zeros_view(n)
    else:
        stages["handoff_delay"] = zero_stage(rows.per_journey(np.where(step > 0, gap, 0.0)))
        stages["recontact_gap"] = zero_stage(rows.per_journey(np.where(step == 0, gap, 0.0)))
        del gap
    if records.deferred_rows is not None and len(records.deferred_rows):
        closed = rows.take("arrival_s", float) - rows.fold.sorted_rows(records.tried_s())
    else:
        arrival = rows.take("arrival_s", float)
        closed = arrival - arrival
    stages["closed"] = zero_stage(rows.per_journey(closed))
    del closed
    return {name: stages[name] for name in STAGES}, on_hold


def _gaps(records: Records, rows: JourneyRows) -> np.ndarray | None:
    """Per row in journey order: the time since the journey's previous row ended (0 for a
    journey's first row); ``None`` when every journey is one row."""
    if rows.single:
        return None
    deferred = records.deferred_rows is not None and len(records.deferred_rows) > 0
    tried = rows.fold.sorted_rows(records.tried_s()) if deferred else rows.take("arrival_s", float)
    end = rows.take("end_s", float)
    gap = np.zeros(tried.size)
    np.subtract(tried[1:], end[:-1], out=gap[1:])
    del tried, end
    np.nan_to_num(gap, copy=False)
    gap[rows.starts] = 0.0
    return gap


def _repeats(customer: np.ndarray, rows: JourneyRows, pool: np.ndarray, outcome: np.ndarray,
             session: np.ndarray, tried: np.ndarray, end: np.ndarray,
             window_s: float) -> dict[str, np.ndarray]:
    """Per journey: recontacts, retries and the first agent contact (rows sorted by
    journey; see the module docstring)."""
    n = rows.n
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return dict.fromkeys(("recontacted", "served", "retried", "reached_agent",
                              "first_agent_only"), empty)
    agent = (pool >= 0) & ((outcome == HANDLED) | (outcome == TRANSFERRED))
    served = agent | (session & (outcome == HANDLED))
    if rows.single:  # each journey is one contact: no repeat, its first agent is its last
        reached = agent & customer
        none = zeros_view(n, bool)
        return {"recontacted": none, "served": served & customer, "retried": none,
                "reached_agent": reached, "first_agent_only": reached}
    cidx = np.flatnonzero(customer)
    cj = rows.jpos[cidx]
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
