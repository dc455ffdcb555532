"""Invariants every replication must satisfy; any test (or a cautious user) can check them.

``check_records(records)`` raises :class:`InvariantError` naming the first broken
rule: every contact accounted for, no negative waits or durations, times that never
go backwards, busy agents never above those on duty, shares within [0, 1],
call-backs offered only to customer calls, accepted ones never abandoning
(a call-back that did not reach the customer ends abandoned, never answered), only
answered emails put aside for calls (email interrupt), never dropped, the
answering agent named exactly on answered contacts.
"""

from __future__ import annotations

import numpy as np

from sim.records import (
    ABANDONED,
    AGENT_COLUMN,
    BLOCKED,
    CB_ACCEPTED,
    CB_FAILED,
    CB_NOT_OFFERED,
    DROPPED,
    ESCALATED,
    HANDLED,
    OPEN,
    TRANSFERRED,
    Records,
)

_OUTCOMES = (HANDLED, ABANDONED, BLOCKED, OPEN, TRANSFERRED, ESCALATED, DROPPED)


class InvariantError(AssertionError):
    """A replication broke a rule that no correct simulation can break."""


def _require(ok: bool, rule: str) -> None:
    if not ok:
        raise InvariantError(rule)


def check_records(rec: Records) -> None:
    """Check the conservation and sanity rules on one replication's records."""
    c = rec.contacts
    out = c["outcome"]
    n = rec.n_contacts
    _require(bool(np.isin(out, _OUTCOMES).all()), "every contact ends handled, abandoned, blocked, "
             "transferred, escalated, dropped or open")
    _require(sum(int((out == k).sum()) for k in _OUTCOMES) == n, "every contact accounted for")
    _require(np.array_equal(c["contact_id"], np.arange(n)), "contact ids are 0..n-1")
    arrival, answer, end = c["arrival_s"], c["answer_s"], c["end_s"]
    _require(bool((np.diff(arrival[c["step"] == 0]) >= 0).all()), "arrival times never go back")
    cutoff = rec.cutoff
    backlog = np.zeros(n, dtype=bool)
    if rec.backlog_rows is not None:  # waiting at time 0: arrived before the run
        backlog[rec.backlog_rows] = True
    _require(bool((arrival[backlog] <= 0).all()), "the backlog at the start arrived by time 0")
    _require(bool(((arrival[~backlog] >= 0) & (arrival[~backlog] <= cutoff)).all()),
             "arrivals within the run")
    first = np.unique(c["journey_id"], return_index=True)[1]  # rows are in arrival order
    late = np.zeros(n, dtype=bool)
    late[first] = arrival[first] >= rec.end_s
    if rec.deferred_rows is not None:  # moved to an opening after the horizon
        late[rec.deferred_rows] = False
    _require(not bool(late.any()), "no fresh customer arrives after the horizon")
    answered = ~np.isnan(answer)
    _require(bool((answer[answered] >= arrival[answered]).all()), "answered after arrival")
    done = ~np.isnan(end)
    _require(bool((end[done] >= arrival[done]).all()), "ended after arrival")
    _require(bool((end[done] <= cutoff + 1e-9).all()), "ended within the run")
    wait = c["wait_s"][~np.isnan(c["wait_s"])]
    _require(bool((wait >= 0).all()), "no negative waits")
    handle = c["handle_s"][~np.isnan(c["handle_s"])]
    _require(bool((handle >= 0).all()), "no negative handle times")
    _require(bool(np.isnan(end[out == OPEN]).all()), "open contacts have no end")
    session = rec.self_service_channels()[c["channel"]] if n else np.zeros(0, dtype=bool)
    _require(bool((c["pool"][((out == HANDLED) | (out == TRANSFERRED)) & ~session] >= 0).all()),
             "handled contacts name the pool that answered")
    _require(bool((c["pool"][session] < 0).all() and (out[~session] != ESCALATED).all()),
             "self-service sessions need no agent, and only they escalate")
    _require(bool(np.isnan(answer[(out == BLOCKED)]).all()), "blocked contacts were never answered")
    dropped = out == DROPPED
    _require(bool((~np.isnan(end[dropped])).all() and (~np.isnan(c["wait_s"][dropped])).all()),
             "dropped contacts ended, after a wait, when the outage cut them")
    _require(rec.outage_drops or not bool(dropped.any()),
             "only outages with 'drops' drop contacts")
    _require(int((out == TRANSFERRED).sum()) == int((c["step"] > 0).sum()) + rec.pending_handoffs,
             "each handoff piece follows one transfer (or is still on its way)")
    _require(bool((rec.pool_busy_s <= rec.pool_staffed_s + 1e-6).all()),
             "busy agents never exceed agents on duty")
    _require(bool((rec.pool_busy_s >= -1e-9).all() and (rec.queue_area >= -1e-9).all()),
             "time-weighted quantities are non-negative")
    if rec.callback is not None:
        _check_callbacks(rec)
    if (getattr(rec, "extra", None) or {}).get("interruptions") is not None:
        _check_interruptions(rec)
    if AGENT_COLUMN[0] in c:  # agents with identity (sim.model.identity)
        _require(bool(((c[AGENT_COLUMN[0]] >= 0) == (c["pool"] >= 0)).all()),
                 "a contact names the agent who answered it exactly when a pool answered it")
    if rec.pool_chats_s is not None and rec.pool_chat_agents_s is not None:
        slots = (np.ones(len(rec.pools)) if rec.pool_chat_slots is None
                 else np.asarray(rec.pool_chat_slots, dtype=float))[:, None]
        holding = rec.pool_chat_agents_s
        _require(bool((holding >= -1e-9).all() and (holding <= rec.pool_busy_s + 1e-6).all()
                      and (rec.pool_chats_s >= holding - 1e-6).all()
                      and (rec.pool_chats_s <= holding * slots + 1e-6).all()),
                 "chat agents hold between one chat and their slots, and are busy")


def _check_interruptions(rec: Records) -> None:
    """Only answered emails are put aside for calls, and never dropped; an interrupted
    email's handle time (the time worked) fits between its answer and its end."""
    c = rec.contacts
    times = np.asarray(rec.extra["interruptions"])
    out = c["outcome"]
    _require(times.shape == out.shape and bool((times >= 0).all()),
             "one interruption count per contact")
    hit = times > 0
    email = np.array([k == "email" for k in rec.channel_kinds]
                     or [True] * len(rec.channels))[c["channel"]]
    _require(bool(email[hit].all() and (~np.isnan(c["answer_s"][hit])).all()),
             "only answered emails are put aside for a call")
    _require(bool((out[hit] != DROPPED).all()), "an interrupted email is never dropped")
    done = hit & ~np.isnan(c["end_s"]) & ~np.isnan(c["handle_s"])
    worked = c["handle_s"][done]
    _require(bool((worked <= c["end_s"][done] - c["answer_s"][done] + 1e-6).all()),
             "an interrupted email was worked no longer than it was in hand")


def _check_callbacks(rec: Records) -> None:
    """Call-back states agree with the contacts' outcomes."""
    c = rec.contacts
    state = np.asarray(rec.callback)
    out = c["outcome"]
    _require(state.shape == out.shape and bool(np.isin(state, (0, 1, 2, 3)).all()),
             "one call-back state per contact")
    kinds = np.array([k == "voice" for k in rec.channel_kinds] or [True] * len(rec.channels))
    offered = state != CB_NOT_OFFERED
    _require(bool((c["step"][offered] == 0).all() and kinds[c["channel"][offered]].all()),
             "call-backs are offered to customer calls on voice channels only")
    accepted = state == CB_ACCEPTED
    _require(bool((out[accepted] != ABANDONED).all() and (out[accepted] != BLOCKED).all()),
             "an accepted call-back never abandons")
    failed = state == CB_FAILED
    _require(bool((out[failed] == ABANDONED).all() and np.isnan(c["answer_s"][failed]).all()),
             "a call-back that did not reach the customer ends abandoned, never answered")


def check_kpis(kpis) -> None:  # noqa: ANN001 - a tidy pandas frame
    """Shares (rates, levels, utilisation) lie within [0, 1]."""
    shares = kpis[kpis.kpi.isin(["abandon_rate", "blocked_rate", "p_wait", "service_level",
                                 "utilization", "recontact_rate", "fcr", "containment_rate",
                                 "retry_rate", "slot_occupancy", "open_at_cutoff",
                                 "resolution_rate", "emails_interrupted_share"])]
    values = shares.value.dropna()
    _require(bool(((values >= -1e-12) & (values <= 1 + 1e-12)).all()), "KPI shares within [0, 1]")
    if "callbacks_offered" in set(kpis.kpi):  # accepted <= offered, not reached <= accepted
        keys = ["replication", "group", "member"] if "replication" in kpis else ["group", "member"]
        wide = kpis[kpis.kpi.isin(["callbacks_offered", "callbacks_accepted",
                                   "callbacks_not_reached"])].pivot_table(
            index=keys, columns="kpi", values="value")
        _require(bool((wide.callbacks_accepted <= wide.callbacks_offered).all()
                      and (wide.callbacks_not_reached <= wide.callbacks_accepted).all()),
                 "call-backs accepted within those offered, not reached within those accepted")
