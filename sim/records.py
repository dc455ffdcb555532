"""Records: the facts one replication produced, as columnar numpy arrays.

This is the hand-over point between the model (which writes facts) and metrics
(which turns facts into KPIs). It imports neither SimPy nor pandas-heavy code, so
both sides can depend on it.

Tables
------
contacts
    one row per contact (a customer's attempt on one channel, or one department's
    piece of work after a handoff): see :data:`CONTACT_COLUMNS`.
pool_time
    agent-seconds staffed and busy per pool and reporting interval, clipped to the
    measured window: arrays of shape ``(n_pools, n_intervals)``; for multi-slot
    chat also chat-seconds in progress (``pool_chats_s``) and agent-seconds of
    agents holding at least one chat (``pool_chat_agents_s``), so mean concurrency
    is their ratio.
queue_time
    time-integrated queue length per channel and reporting interval (contact-seconds),
    shape ``(n_channels, n_intervals)``, so mean queue length = value / interval.
visits
    field channels only: one row per technician visit booked (:data:`VISIT_COLUMNS`),
    with ``field_ops`` naming the technician pools and territories and giving their
    working time in the measured window and costs (see :mod:`sim.model.field`).

Journeys
--------
Every contact belongs to a journey (one customer need). Customer contacts
(``step == 0``) are the customer's own: the first contact, a retry after
abandonment, a recontact after an unresolved contact, or the live contact a
self-service / bot session escalated to. Rows with ``step > 0`` are handoff pieces
(another department's work on the same contact). The engine also writes the
:data:`JOURNEY_COLUMNS`; records made elsewhere may lack them, and metrics then
assume the classic model (every handled contact resolves, nothing repeats).

Self-service and bot sessions are contact rows on their channel with ``pool = -1``,
no answer and no wait, ``handle_s`` = time in the session, and outcome
``HANDLED`` (contained: the need is resolved) or ``ESCALATED`` (not contained).

Codes
-----
``channel``, ``intent``, ``segment`` and ``pool`` columns hold small integer codes
indexing the name tuples carried alongside (``pool = -1``: never reached an agent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Outcome codes of a contact.
HANDLED = 0      # served to completion by an agent
ABANDONED = 1    # left the queue before being answered
BLOCKED = 2      # refused on arrival (queue at capacity)
OPEN = 3         # still waiting or in service when the replication ended
TRANSFERRED = 4  # served, then handed off to another pool (the next piece is a new row)
ESCALATED = 5    # a self-service / bot session that did not contain the need
DROPPED = 6      # cut off in queue or in service by an outage with ``drops`` (not the
#                  customer's choice); answer_s is set if it was in service

OUTCOME_NAMES = ("handled", "abandoned", "blocked", "open", "transferred", "escalated",
                 "dropped")

# Call-back state of a contact (Records.callback; see sim.model.callbacks).
CB_NOT_OFFERED, CB_DECLINED, CB_ACCEPTED, CB_FAILED = 0, 1, 2, 3
CALLBACK_NAMES = ("not_offered", "declined", "accepted", "not_reached")

#: Column name -> numpy dtype of the contacts table.
CONTACT_COLUMNS: dict[str, str] = {
    "contact_id": "int64",     # unique within the replication, in arrival order
    "journey_id": "int64",     # the customer need this contact belongs to
    "step": "int16",           # 0 for the first piece of work, +1 for each handoff
    "channel": "int16",
    "intent": "int16",
    "segment": "int16",
    "pool": "int16",           # pool whose agent answered (-1 if never answered)
    "arrival_s": "float64",    # time the contact entered the queue (sim clock, s)
    "answer_s": "float64",     # time an agent picked it up (nan if never)
    "end_s": "float64",        # completion / abandonment / blocking time (nan if open)
    "wait_s": "float64",       # queue wait: answer or abandon time - arrival (nan if blocked)
    "handle_s": "float64",     # time with the agent (nan if not answered / not finished)
    "outcome": "int8",         # HANDLED, ABANDONED, BLOCKED, OPEN, TRANSFERRED, ..., DROPPED
    "in_window": "bool",       # tried in the measured window [warm-up, horizon end)
}

#: Journey facts per contact, written by the engine (optional in hand-made records).
JOURNEY_COLUMNS: dict[str, str] = {
    "attempt": "int16",        # customer attempt: 0 first, +1 per retry / recontact
    "resolved": "bool",        # this contact resolved the journey's need
    "repeated_info": "bool",   # context was lost: the customer repeated themselves
    "asynchronous": "bool",    # back-office piece: the customer was not on the line
}

#: Optional contact column of scenarios whose agents have identity (a pool's ``tenure``,
#: ``recontact.sticky``): the number of the agent who answered the contact within its
#: ``pool`` (0, 1, ...; -1: never answered). ``(pool, agent)`` names one agent.
AGENT_COLUMN: tuple[str, str] = ("agent", "int32")


#: Column name -> numpy dtype of the outages table (one row per outage).
OUTAGE_COLUMNS: dict[str, str] = {
    "target": "object",   # the backstage system, channel or pool that was down
    "kind": "object",     # backstage | channel | pool
    "start_s": "float64",
    "end_s": "float64",   # restoration (the run's end if still down then)
    "outage": "int64",    # index into the scenario's outages (Records.outage_specs)
}

# Outcome codes of a technician visit (field channels, see sim.model.field).
FIXED, MISSING_PART, NO_SHOW, NOT_FIXED, VISIT_OPEN, UNBOOKED = range(6)
VISIT_OUTCOME_NAMES = ("fixed", "missing_part", "no_show", "not_fixed", "open", "unbooked")

#: Column name -> numpy dtype of the visits table (one row per booked visit).
VISIT_COLUMNS: dict[str, str] = {
    "journey_id": "int64",
    "visit": "int16",          # 1 for the journey's first visit, +1 for each repeat
    "channel": "int16",        # the field channel
    "intent": "int16",
    "pool": "int16",           # technician pool (code into field_ops["pools"]; -1 unbooked)
    "technician": "int32",     # technician within the pool (-1 unbooked)
    "territory": "int16",      # code into field_ops["territories"]
    "booked_s": "float64",     # when the visit was booked
    "slot_start_s": "float64",  # start of the appointment slot (nan if unbooked)
    "start_s": "float64",      # technician set off (nan if not yet)
    "arrive_s": "float64",     # arrived at the customer
    "end_s": "float64",        # left the customer (nan if open)
    "travel_s": "float64",
    "onsite_s": "float64",
    "outcome": "int8",         # FIXED, MISSING_PART, NO_SHOW, NOT_FIXED, VISIT_OPEN, UNBOOKED
}


@dataclass
class Records:
    """Everything one replication recorded, ready for :mod:`sim.metrics`."""

    replication: int
    warmup_s: float
    end_s: float
    interval_s: float
    start_s: float                      # clock offset of sim time 0 (s after Monday 00:00)
    channels: tuple[str, ...]
    intents: tuple[str, ...]
    segments: tuple[str, ...]
    pools: tuple[str, ...]
    sl_target_s: np.ndarray             # per channel code: answer-within target (s)
    contacts: dict[str, np.ndarray]     # CONTACT_COLUMNS
    pool_staffed_s: np.ndarray          # (n_pools, n_intervals) agent-seconds on duty
    pool_busy_s: np.ndarray             # (n_pools, n_intervals) agent-seconds busy
    queue_area: np.ndarray              # (n_channels, n_intervals) contact-seconds queued
    extra: dict[str, object] = field(default_factory=dict)
    # -- multi-slot chat (None: records made elsewhere; zeros: no chat in the pool) --
    pool_chats_s: np.ndarray | None = None        # (n_pools, n_intervals) chat-seconds
    pool_chat_agents_s: np.ndarray | None = None  # agent-seconds holding >= 1 chat
    pool_chat_slots: np.ndarray | None = None     # per pool: chats an agent may hold
    short_abandon_s: np.ndarray | None = None     # per channel: short-abandon threshold (NaN)
    # -- journey facts (defaults: the classic model, for records made elsewhere) --
    channel_kinds: tuple[str, ...] = ()     # per channel code: voice, chat, ..., bot
    pool_cost_per_hour: np.ndarray | None = None    # per pool code
    contact_cost: np.ndarray | None = None          # per channel code: cost of a contact
    failed_contact_cost: np.ndarray | None = None   # per channel code: of a failed session
    effort_weights: dict[str, float] | None = None  # sim.scenario.behaviour.Effort fields
    recontact_window_s: float = 7 * 86400.0
    pending_journeys: np.ndarray | None = None      # journeys waiting for a next contact
    pending_handoffs: int = 0                       # handoff pieces not yet arrived
    # -- the follow-up after the horizon (see Scenario.run_out) --
    cutoff_s: float | None = None     # when the run stopped (None: at end_s)
    deferred_rows: np.ndarray | None = None    # rows whose channel was closed when tried
    deferred_from_s: np.ndarray | None = None  # when those customers tried
    # -- shifts with shrinkage (None: none; see sim.model.shrinkage) --
    pool_scheduled_s: np.ndarray | None = None  # (n_pools, n_intervals) rostered agent-s
    # -- after-call work (None: the scenario has none; see sim.model.wrapup) --
    acw_s: np.ndarray | None = None             # per contact: the agent's wrap-up after it
    # -- call-backs (None: no channel offers them; see sim.model.callbacks) --
    callback: np.ndarray | None = None  # per contact: CALLBACK_NAMES code (int8)
    # -- segment targets (None: every segment uses its channel's sl_target_s) --
    sl_target_by_segment: np.ndarray | None = None  # (n_channels, n_segments) target (s)
    # -- tries on closed channels (None: no opening hours; see sim.model.closed) --
    closed_tries: dict[str, np.ndarray] | None = None  # channel, intent, segment, tried_s, fate
    # -- backstage systems and outages (None: the scenario has none) --
    backstage_s: np.ndarray | None = None       # per contact: time at backstage systems
    backstage_wait_s: np.ndarray | None = None  # per contact: of which queued at them
    outages: dict[str, np.ndarray] | None = None  # OUTAGE_COLUMNS, one row per outage
    outage_specs: tuple[str, ...] = ()  # target of each outage of the scenario, in order
    outage_drops: bool = False  # some outage drops work in progress (the ``dropped`` KPI)
    # -- backlog at the start (None: none; see sim.model.backlog) --
    backlog_rows: np.ndarray | None = None  # rows waiting at time 0 (arrival_s <= 0)
    # -- field visits (None: the scenario has no field channel; see sim.model.field) --
    visits: dict[str, np.ndarray] | None = None   # VISIT_COLUMNS, one row per visit
    field_ops: dict[str, Any] | None = None       # technician pools, territories, hours, costs

    @property
    def n_contacts(self) -> int:
        return int(self.contacts["contact_id"].shape[0])

    @property
    def has_journey_facts(self) -> bool:
        """True when the contacts carry every journey column (engine records do)."""
        return all(name in self.contacts for name in JOURNEY_COLUMNS)

    def outage_windows(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end times of every outage (empty arrays without outages)."""
        if not self.outages:
            return np.zeros(0), np.zeros(0)
        return (np.asarray(self.outages["start_s"], dtype=float),
                np.asarray(self.outages["end_s"], dtype=float))

    def self_service_channels(self) -> np.ndarray:
        """Boolean per channel code: a self-service or bot channel."""
        kinds = self.channel_kinds or ("",) * len(self.channels)
        return np.array([k in ("self_service", "bot") for k in kinds], dtype=bool)

    @property
    def cutoff(self) -> float:
        """When the run stopped: the end of the follow-up (or of the horizon)."""
        return self.end_s if self.cutoff_s is None else float(self.cutoff_s)

    def row_sl_target(self) -> np.ndarray:
        """Per contact: its service-level target (s), by channel and, where a segment sets
        its own, segment (NaN: no target)."""
        channel = np.asarray(self.contacts["channel"], dtype=np.int64)
        table = self.sl_target_by_segment
        if table is not None:
            segment = np.asarray(self.contacts["segment"], dtype=np.int64)
            return np.asarray(table, dtype=float)[channel, segment]
        target = np.asarray(self.sl_target_s, dtype=float)
        return target[channel] if target.size else np.full(channel.shape, np.nan)

    def tried_s(self) -> np.ndarray:
        """Per contact: when the customer tried (the arrival, or earlier if the channel
        was closed and the contact was moved to its opening)."""
        tried = np.asarray(self.contacts["arrival_s"], dtype=float).copy()
        if self.deferred_rows is not None and len(self.deferred_rows):
            tried[self.deferred_rows] = self.deferred_from_s
        return tried

    @property
    def n_intervals(self) -> int:
        return int(self.pool_staffed_s.shape[1])

    def interval_starts_s(self) -> np.ndarray:
        """Sim-clock start of each reporting interval (the first starts at the warm-up)."""
        return self.warmup_s + self.interval_s * np.arange(self.n_intervals)
