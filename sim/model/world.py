"""The world: one replication of a scenario, wired in one place and played in SimPy.

Lifecycle: ``World(scenario, replication)`` resolves the scenario into codes,
pools, routing, demand and streams and wires the parts together; :meth:`World.run`
plays the replication to the end of the horizon; :meth:`World.records` hands the
facts to metrics. Arrival playback (:mod:`sim.model.arrivals`, ``self.arrivals``)
feeds fresh customers in; staffing (:mod:`sim.model.staffing`, ``self.staffing``)
moves agents on and off duty; this module holds the contact lifecycle in between:
arrival, blocking, queueing, abandonment, overflow, answer, completion, and the
agent taking its next contact or going idle.

Contacts are rows in the recorder's columns, not objects; SimPy events carry
plain callbacks, so a contact costs a handful of events (arrival, patience,
completion) and no generator process.

Routing rules (see :mod:`sim.model.routing`): a fresh contact may go to every pool
that serves its channel and has the intent among its skills, except pools that are
only reached by overflow, handoff or escalation from another such pool, unless a
``routing`` rule of the scenario says otherwise; overflow makes a waiting contact
eligible for a second pool after a wait threshold; a handoff
(:mod:`sim.model.handoffs`) creates the next piece of work (``step + 1``) in the
receiving pool, where it waits without abandoning.

Journeys (:mod:`sim.model.journeys`, ``self.jm``), backstage systems
(:mod:`sim.model.backstage`, ``self.bs``), outages with failover
(:mod:`sim.model.outages`, ``self.out``) and technician visits
(:mod:`sim.model.field`, ``self.field``), channels' opening hours
(:mod:`sim.model.hours`, ``self.hours``), call-backs (:mod:`sim.model.callbacks`,
``self.cb``), email interrupt (:mod:`sim.model.interrupt`, ``self.intr``) and
agents with identity (tenure, sticky recontacts: :mod:`sim.model.identity`,
``self.ident``) are opt-in: each is None when the
scenario does not use it, and the classic model runs untouched. A backlog at the
start (:mod:`sim.model.backlog`) enters the queues at time 0, before any fresh
arrival. Outages with ``drops`` cut the work in progress (:meth:`World.drop_work`);
customers they drop, and customers an outage blocks, retry per the scenario's
``recontact.retry`` or, without one, per the default outage retry
(:data:`sim.model.outages.DEFAULT_RETRY`).

Wiring: each part gets the shared :class:`sim.model.context.ModelContext` (clock,
scenario, streams, recorder, name codes) and, as keyword arguments, the world
callbacks (``arrive``, ``finish``, ``release``, ...) and the other parts it uses,
built before it. No part imports this module; the world alone knows them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from sim.model.arrivals import Arrivals
from sim.model.backlog import backlog_items
from sim.model.backstage import Backstage
from sim.model.callbacks import CALLBACK_RANK, Callbacks, uses_callbacks
from sim.model.clock import Clock
from sim.model.closed import DEFLECTED, LOST, ClosedHours
from sim.model.context import Codes, ModelContext
from sim.model.demand import Demand
from sim.model.field import FieldOps, uses_field
from sim.model.handoffs import Handoffs
from sim.model.hours import OpeningHours, uses_hours
from sim.model.identity import Identity, uses_identity
from sim.model.interrupt import Interrupts, uses_interrupt
from sim.model.journeys import Journeys, uses_journeys
from sim.model.lines import resolve_lines
from sim.model.outages import DEFAULT_RETRY, Outages
from sim.model.recorder import IN_SERVICE, WAITING, Recorder, scenario_facts
from sim.model.routing import Agent, Router, build_pools, entry_pools
from sim.model.shrinkage import pool_steps, reports_scheduled, scheduled_time, uses_shrinkage
from sim.model.staffing import Staffing
from sim.model.streams import Sampler, Streams, UniformBlock
from sim.model.wrapup import AfterCallWork, uses_wrapup
from sim.records import ABANDONED, BLOCKED, DROPPED, HANDLED, Records
from sim.scenario.schema import Pool, Scenario

INF = math.inf


class World:
    """A scenario resolved into a runnable SimPy model for one replication."""

    def __init__(self, scenario: Scenario, replication: int) -> None:
        self.scenario = scenario
        self.replication = replication
        self.env = Clock()
        self.streams = Streams(scenario.seed, replication)
        self.end_s = scenario.end_s
        s = scenario
        self.channel_names = tuple(s.channels)
        self.intent_names = tuple(s.intents)
        self.segment_names = tuple(s.segments) if s.segments else ("default",)
        self.pool_names = tuple(s.pools)
        ch_code = {n: i for i, n in enumerate(self.channel_names)}
        in_code = {n: i for i, n in enumerate(self.intent_names)}
        sg_code = {n: i for i, n in enumerate(self.segment_names)}
        pl_code = {n: i for i, n in enumerate(self.pool_names)}
        self.codes = Codes(ch_code, in_code, sg_code, pl_code)
        channels = list(s.channels.values())
        self.rank = [1 if c.kind == "email" else 0 for c in channels]
        self.capacity = [INF if c.queue_capacity is None else c.queue_capacity for c in channels]
        self.inflation = [c.concurrency_inflation for c in channels]
        self.priority = [s.segments[n].priority if s.segments else 0 for n in self.segment_names]
        self.waiting = [0] * len(channels)
        # a contact's (rank, -priority), the head of its queue key, made once:
        # [asynchronous][channel][segment] (an asynchronous contact ranks as an email)
        self.ranks = [[[(1 if offline else r, -prio) for prio in self.priority]
                       for r in self.rank] for offline in (False, True)]
        journeys = uses_journeys(s)
        identity = uses_identity(s)
        self.rec = Recorder(len(self.pool_names), len(channels), s.warmup, self.end_s, s.interval,
                            journeys=journeys, agents=identity)
        # what every part shares; parts get their world callbacks as explicit arguments
        self.ctx = ModelContext(self.env, s, self.streams, self.rec, self.codes,
                                self.channel_names, self.intent_names, self.segment_names,
                                self.pool_names, self.end_s)
        self.pools = build_pools(s, ch_code, self.intent_names)
        self.router = Router(self.pools, self.rec.outcome)
        # per channel: the blended pools whose part-loaded chat agents drain while a
        # contact of that channel (a call) waits; see :meth:`_undrain`
        self.undrain = [tuple(p.index for p in self.pools
                              if p.blended and c in p.channels and p.chat_capacity.get(c, 1) == 1)
                        for c in range(len(channels))]
        self.staffing = Staffing(self.env, self.pools, self.rec.staffed, self.free,
                                 self.router.file)
        self._off_duty = self.staffing.off_duty
        entry = entry_pools(s, self.pools, self.codes)
        # nested lists: three subscripts are cheaper than hashing a tuple, per contact
        self.entry = [[[entry[(c, i, g)] for g in range(len(sg_code))]
                       for i in range(len(in_code))] for c in range(len(ch_code))]
        # per pool and channel: (target pool, after) where the target serves that channel;
        # a contact overflows only if the target also has its intent among its skills
        self.overflow = [
            [(pl_code[p.overflow.to], p.overflow.after)
             if p.overflow and ch in s.pools[p.overflow.to].channels else None
             for ch in ch_code]
            for p in s.pools.values()
        ]
        self.overflows = [any(o[c] is not None for o in self.overflow) for c in range(len(ch_code))]
        # blending policy: per channel, the pools where an email that waited long enough
        # ranks as a live contact (pool -> after); see :meth:`_age`
        self.aging: list[dict[int, float]] = [
            {p.index: p.age_after[c] for p in self.pools if c in p.age_after}
            for c in range(len(ch_code))]
        patience = {}
        for ci, ch in enumerate(channels):
            for si, sname in enumerate(self.segment_names):
                seg = s.segments.get(sname) if s.segments else None
                # a segment's patience is for live queues; emails never abandon
                live = ch.kind in ("voice", "chat")
                patience[(ci, si)] = seg.patience if seg and seg.patience and live else ch.patience
        self.patience = patience
        # the parts, each given the context, the world callbacks it needs and the parts
        # it uses (built before it); the opt-in ones are None when the scenario does
        # not use them, which keeps the classic hot path
        ctx = self.ctx
        # agents with identity: tenure multipliers, sticky recontacts (sim.model.identity)
        self.ident = Identity(ctx, self.pools) if identity else None
        self.sticky = self.ident if self.ident is not None and self.ident.sticky else None
        self.bs = (Backstage(ctx, finish=self.finish, release=self.wrap_up)
                   if s.backstage else None)  # backstage systems
        self.field = (FieldOps(ctx, backstage=self.bs)
                      if uses_field(s) else None)  # technician visits
        self.jm = (Journeys(ctx, arrive=self.arrive, pools=self.pools, patience=patience,
                            backstage=self.bs, field=self.field,
                            uplift=None if self.sticky is None else self.sticky.uplift)
                   if journeys else None)
        self.handoffs = Handoffs(ctx, arrive=self.arrive, journeys=self.jm)
        self.has_handoffs = [bool(rules) for rules in self.handoffs.rules]
        self.out = (Outages(ctx, set_headcount=self.staffing.set_headcount,
                            entry=self.entry, pools=self.pools, backstage=self.bs,
                            journeys=self.jm, drop=self.drop_work)
                    if s.outages or s.failover else None)
        # outages with ``drops``: the contacts in service, so they can be cut (None: none)
        self._serving: dict[int, tuple[Agent, float]] | None = (
            {} if any(o.drops for o in s.outages) else None)
        self._retry_u: UniformBlock | None = None  # the default outage retry's draws
        self._retry_delay: Sampler | None = None
        self._retry_patience: dict[tuple[int, int], Sampler] = {}
        self._outage_tries: dict[int, int] = {}  # journey -> default outage retries made
        self._since: float | None = None  # a backlog contact arriving: its arrival time
        self.backlog_rows: list[int] = []  # rows of the backlog at the start
        self.hours = OpeningHours(s) if uses_hours(s) else None  # channels' opening hours
        # what customers who find a channel closed do (sim.model.closed)
        self.closed = None if self.hours is None else ClosedHours(s, self.streams, self.hours)
        # after-call work: the agent stays busy after the customer left (sim.model.wrapup)
        self.acw = AfterCallWork(s, self.streams) if uses_wrapup(s) else None
        # email interrupt: calls take agents away from emails (sim.model.interrupt)
        self.intr = (Interrupts(ctx, self.pools, answer_waiting=self._answer_waiting,
                                complete=self._complete, backstage=self.bs)
                     if uses_interrupt(s) else None)
        specs = resolve_lines(s, ch_code, in_code, sg_code)
        # call-backs (virtual hold) on voice channels (sim.model.callbacks)
        self.cb = Callbacks(s, self.streams, specs, self.pools) if uses_callbacks(s) else None
        self.demand = Demand(
            s,
            specs,
            self.streams,
            [s.intents[n].handle_time for n in self.intent_names],
            patience,
            self.intent_names,
            self.segment_names,
        )
        # fresh customers from demand lines: straight in, or via the journey machine (sessions)
        enter = self.arrive if self.jm is None else self.jm.enter
        self.arrivals = Arrivals(self.env, self.demand, [spec.channel for spec in specs], enter)
        self._handle_of: dict[int, float] = {}  # base handle time of each waiting contact
        self.deferred: dict[int, float] = {}  # row -> when the customer tried (channel closed)
        self._deferred = 0  # deferred arrivals not made yet (without the journey machine)
        self._returning: float | None = None  # a deferred customer arriving: when they tried
        self.cutoff_s = self.end_s  # when the follow-up after the horizon stopped

    # -- running -------------------------------------------------------------------
    def run(self) -> World:
        """Play the replication to the end of the horizon, then the follow-up."""
        # the order matters: events due at the same time fire in the order scheduled
        set_hc = self.staffing.set_headcount if self.out is None else self.out.set_headcount
        s = self.scenario
        until = self.end_s + s.run_out
        # breaks, absence and adherence inside shifts (sim.model.shrinkage): own streams
        steps = (partial(_pool_steps, s.start, until, self.streams) if uses_shrinkage(s)
                 else None)
        self.staffing.start(s, until, set_hc, steps)
        if self.out is not None:
            self.out.start()
        if self.scenario.initial_backlog:  # at time 0, after the staff, before any arrival
            self.after(0.0, self._seed_backlog)
        self.arrivals.start(self.end_s)
        self.env.run(until=self.end_s)
        self.cutoff_s = self._follow_up()
        return self

    def _follow_up(self) -> float:
        """Play on after the horizon, with no new customers, until every contact,
        scheduled recontact, handoff and visit under way has ended (checked every
        hour of simulated time, then every day) or ``run_out`` has passed.

        Returns the time the run stopped (the cut-off of what is still open).
        """
        limit = self.end_s + self.scenario.run_out
        t = self.end_s
        lo = 0  # rows before this one are known to have ended
        while t < limit:
            lo = self._first_open(lo)
            if lo == self.rec.n and not self._scheduled():
                break
            t = min(limit, t + (3600.0 if t - self.end_s < 86400.0 else 86400.0))
            self.env.run(until=t)
        return t

    def _seed_backlog(self) -> None:
        """Put the backlog at the start in the queues, the oldest first (each with its
        arrival time in the past, so its wait counts its age)."""
        enter = self.arrive if self.jm is None else self.jm.enter
        arrivals = self.arrivals
        for item in backlog_items(self.scenario, self.streams, self.codes):
            journey = arrivals.next_journey
            arrivals.next_journey += 1
            self._since = -item.age_s
            try:
                enter(item.channel, item.intent, item.segment, INF, item.handle_s, journey)
            finally:
                self._since = None

    def _first_open(self, lo: int) -> int:
        """The first row at or after ``lo`` still waiting or in service (``rec.n``: none)."""
        n = self.rec.n
        if lo >= n:
            return n
        # a view of the outcome buffer, released before the run goes on (it can grow)
        view = np.frombuffer(self.rec.outcome, dtype=np.int8, count=n)
        hit = np.flatnonzero(view[lo:] < 0)
        del view
        return lo + int(hit[0]) if hit.size else n

    def _scheduled(self) -> bool:
        """True while a contact, piece or visit of a journey is scheduled to come."""
        return bool(self._deferred or (self.jm is not None and self.jm.pending)
                    or self.handoffs.pending
                    or (self.field is not None and self.field.open_visits()))

    def after(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` (no arguments) ``delay`` seconds from now."""
        self.ctx.after(delay, action)

    # -- contact lifecycle -------------------------------------------------------------
    def arrive(
        self,
        channel: int,
        intent: int,
        segment: int,
        patience: float,
        handle: float,
        journey: int,
        step: int = 0,
        pools: tuple[int, ...] | None = None,
        attempt: int = 0,
        repeated: bool = False,
        offline: bool = False,
    ) -> int:
        """A contact arrives on ``channel``: answer it, block it, or queue it.

        Live channels only: on self-service and bot channels customers start a
        session instead (:meth:`sim.model.journeys.Journeys.session`). ``attempt``,
        ``repeated`` and ``offline`` are journey facts (see
        :data:`sim.records.JOURNEY_COLUMNS`). A customer contact on a closed channel
        is moved to its opening (:mod:`sim.model.hours`) and -1 is returned.
        """
        now = self.env.now
        rec = self.rec
        down = False
        hours = self.hours
        if hours is not None and step == 0 and hours.delay(channel, now) > 0:
            return self._defer(channel, intent, segment, patience, handle, journey, None,
                               attempt, repeated, offline)
        if self.out is not None:  # outages and failover may re-route or block it
            if hours is None or step:
                channel, pools, repeated, handle, down = self.out.route(
                    channel, intent, segment, pools, step, repeated, handle, journey)
            else:  # a failover landing on a closed channel waits for it to open
                moved, channel, repeated, handle, down = self.out.route_channel(
                    channel, step, repeated, handle, journey, intent)
                if moved:
                    pools = None
                    if hours.delay(channel, now) > 0:
                        return self._defer(channel, intent, segment, patience, handle,
                                           journey, None, attempt, repeated, offline)
                pools, repeated, handle = self.out.route_pools(
                    channel, intent, segment, pools, repeated, handle, journey)
        row = rec.new_contact(now, journey, step, channel, intent, segment, attempt, repeated,
                              offline)
        if self._since is not None:  # a backlog contact: it arrived before the run
            rec.arrival[row] = self._since
            self.backlog_rows.append(row)
        if pools is None:
            pools = self.entry[channel][intent][segment]
        if self.sticky is not None and attempt and not (step or down or offline) and \
                self._to_previous_agent(row, channel, intent, segment, patience, handle,
                                        journey, pools, now):
            return row  # answered or waiting for the agent who served it before
        agent = None if down else self.router.pick_agent(
            pools, channel, self.ranks[offline][channel][segment])
        if agent is None and self.intr is not None and not (down or offline):
            agent = self.intr.take(pools, channel)  # a call puts an email aside
        if agent is not None:
            self._answer(agent, row, channel, intent, handle, now)
            return row
        if down or (step == 0 and self.waiting[channel] >= self.capacity[channel]):
            rec.outcome[row] = BLOCKED
            rec.end[row] = now
            if down:  # blocked by an outage: the retry rule, or the default outage retry
                self._outage_retry(row, patience, handle)
            elif self.jm is not None:
                self.jm.unresolved(row, retry=True)
            return row
        called_back = False
        cb = self.cb
        if step == 0:  # the channel's queue holds customers, not other pools' pieces of work
            if cb is not None and not offline and cb.rules[channel] is not None:
                # an accepted call-back leaves the live queue and never abandons
                called_back = cb.offer(row, channel, self.waiting[channel], pools)
            if not called_back:
                self.waiting[channel] += 1
                rec.queued.add((channel, now, 1.0))
        if called_back and cb is not None and not cb.keeps_place(channel):
            key = (CALLBACK_RANK, -self.priority[segment], now, row)
        else:
            key = self.ranks[offline][channel][segment] + (now, row)
        self._handle_of[row] = handle
        if patience < INF and not called_back:
            self.env.call(patience, partial(self._abandon, row, channel))
        self.router.enqueue_all(pools, channel, key)
        if self.overflows[channel] or self.aging[channel]:
            self._start_timers(row, channel, intent, key, pools)
        return row

    def _to_previous_agent(self, row: int, channel: int, intent: int, segment: int,
                           patience: float, handle: float, journey: int,
                           pools: tuple[int, ...], now: float) -> bool:
        """A recontact with sticky agents (:mod:`sim.model.identity`): answered at once by
        the agent who served the journey before, or waiting for that agent (in the
        channel's queue, free to abandon, no call-back offered); True if so. False: it
        routes as usual (not sticky, that agent off duty, or the queue full)."""
        sticky = self.sticky
        assert sticky is not None
        agent, wait = sticky.prefer(journey, channel, pools)
        if agent is None:
            return False
        if not wait:
            self._answer(agent, row, channel, intent, handle, now)
            return True
        if self.waiting[channel] >= self.capacity[channel]:
            return False
        self.waiting[channel] += 1
        self.rec.queued.add((channel, now, 1.0))
        key = self.ranks[False][channel][segment] + (now, row)
        self._handle_of[row] = handle
        if patience < INF:
            self.env.call(patience, partial(self._abandon, row, channel))
        sticky.hold(agent, row, partial(self._queue_held, row, channel, intent, key, pools))
        return True

    def _queue_held(self, row: int, channel: int, intent: int, key: tuple,
                    pools: tuple[int, ...]) -> None:
        """A recontact stops waiting for its previous agent (:mod:`sim.model.identity`):
        it joins its pools' queues with its place by arrival time, or a free agent takes
        it; overflow timers start now."""
        self.router.enqueue_all(pools, channel, key)
        agent = self.router.pick_agent(pools, channel, key[:2])
        if agent is None and self.intr is not None:
            agent = self.intr.take(pools, channel)  # a call puts an email aside
        if agent is not None:
            self._answer_waiting(agent, row, channel)
            return
        self._start_timers(row, channel, intent, key, pools)

    def _start_timers(self, row: int, channel: int, intent: int, key: tuple,
                      pools: tuple[int, ...]) -> None:
        """A contact starts waiting: its overflow timers, and for an email its ageing
        timers (blending policy), one per pool that has them."""
        if self.overflows[channel]:
            for p in pools:
                self._schedule_overflow(p, row, channel, intent, key, pools)
        if self.aging[channel] and key[0]:
            for p in dict.fromkeys(pools):
                self._schedule_age(p, row, channel, key)

    def _schedule_age(self, p: int, row: int, channel: int, key: tuple) -> None:
        """Start the timer after which the email ``row`` ranks as a live contact in pool
        ``p`` (if ``p`` has ``age_priority`` on its channel); the age counts from the
        contact's arrival (``key[2]``)."""
        after = self.aging[channel].get(p)
        if after is None:
            return
        self.env.call(max(0.0, key[2] + after - self.env.now),
                      partial(self._age, p, row, channel, key))

    def _age(self, p: int, row: int, channel: int, key: tuple) -> None:
        """The email has waited its pool's ``age_priority.after``: it is queued again in
        pool ``p`` with a live rank (the old entry stays behind it and is skipped once
        the email is answered), and a free agent of ``p`` may take it now."""
        if self.rec.outcome[row] != WAITING:
            return
        live = (0, *key[1:])
        self.router.enqueue(p, channel, live)
        agent = self.router.pick_agent((p,), channel, live[:2])
        if agent is not None:
            self._answer_waiting(agent, row, channel)

    def _schedule_overflow(self, p: int, row: int, channel: int, intent: int, key: tuple,
                           queued_in: tuple[int, ...]) -> None:
        """Start pool ``p``'s overflow timer for a contact waiting in its queue, if the
        target can serve the contact and does not hold it already."""
        over = self.overflow[p][channel]
        if over is None:
            return
        target, after = over
        if target in queued_in or not self.pools[target].proficiency[intent]:
            return
        self.env.call(after, partial(self._overflow, row, channel, intent, key, target,
                                     queued_in))

    def _defer(self, channel: int, intent: int, segment: int, patience: float, handle: float,
               journey: int, pools: tuple[int, ...] | None, attempt: int, repeated: bool,
               offline: bool) -> int:
        """The customer contact lands on a closed channel: the customer gives up, is
        deflected to self-service, or comes back when it is open (:mod:`sim.model.closed`;
        without a ``closed`` section: at the opening, no random draw). Returns -1 (no
        row yet)."""
        assert self.hours is not None and self.closed is not None
        now = self.env.now
        if self._returning is not None:  # back from a deferral and closed again (rounding)
            tried, wait = self._returning, self.hours.delay(channel, now)
        else:
            tried = now
            fate, wait = self.closed.decide(channel, intent, segment, journey, now,
                                            again=attempt > 0)
            if fate == LOST:  # gave up: no contact, the need ends unresolved
                return -1
            if fate == DEFLECTED:  # to a self-service or bot channel, now
                assert self.jm is not None  # a self-service channel exists: journeys on
                self.jm.session(self.closed.deflect_to(channel), intent, segment, handle,
                                journey, attempt, repeated)
                return -1

        def action() -> None:
            self._returning = tried
            try:
                row = self.arrive(channel, intent, segment, patience, handle, journey, 0,
                                  pools, attempt, repeated, offline)
            finally:
                self._returning = None
            if row >= 0:  # the customer first tried at ``tried``: the night counts
                self.deferred[row] = tried

        if self.jm is not None:  # the journey is pending meanwhile
            self.jm.later(wait, journey, action)
        else:
            self._deferred += 1

            def arrive_later() -> None:
                self._deferred -= 1
                action()

            self.after(wait, arrive_later)
        return -1

    # -- outages that cut the work in progress ------------------------------------------
    def drop_work(self, kind: str, code: int) -> None:
        """An outage with ``drops`` starts: cut the work in progress.

        ``kind == "channel"`` (a telephony outage): every contact of channel
        ``code`` waiting in a queue or in service is dropped (asynchronous back-office
        pieces and promised call-backs are not on the line and stay). ``kind ==
        "pool"`` (a site outage): the voice and chat contacts held by the agents the
        outage took (those now leaving) are dropped; contacts queued at the ACD stay
        queued for the other agents. A contact held at a backstage system when the
        outage starts finishes by that system's rules. Dropped contacts end with
        outcome ``dropped`` (an agent holding one is freed at once, with no wrap-up)
        and their customers retry
        (:meth:`_outage_retry`).
        """
        rec = self.rec
        now = self.env.now
        n = rec.n
        view = np.frombuffer(rec.outcome, dtype=np.int8, count=n)
        waiting = np.flatnonzero(view == WAITING).tolist()
        del view
        offline = rec.offline if rec.with_journeys else None
        dropped: list[tuple[int, float]] = []
        pending = self.cb.pending if self.cb is not None else ()
        if kind == "channel":
            for row in waiting:
                if rec.channel[row] != code or (offline is not None and offline[row]):
                    continue
                if row in pending:  # a call-back promised: the customer is not on the line
                    continue
                rec.outcome[row] = DROPPED
                rec.end[row] = now
                rec.wait[row] = now - rec.arrival[row]
                if not rec.step[row]:
                    self.waiting[code] -= 1
                    rec.queued.add((code, now, -1.0))
                dropped.append((row, self._handle_of.pop(row)))
        serving = self._serving
        assert serving is not None
        live = ("voice", "chat")
        kinds = [self.scenario.channels[c].kind for c in self.channel_names]
        cut = []
        for row, (agent, _handle) in serving.items():
            ch = rec.channel[row]
            if offline is not None and offline[row]:
                continue
            if (ch == code if kind == "channel"
                    else agent.pool == code and agent.leaving and kinds[ch] in live):
                cut.append(row)
        for row in cut:
            agent, handle = serving.pop(row)
            rec.outcome[row] = DROPPED
            rec.end[row] = now
            rec.handle[row] = now - rec.answer[row]
            dropped.append((row, handle))
            self.release(agent)
        if kind == "channel" and self.undrain[code]:
            self._undrain(code)
        for row, handle in dropped:
            self._outage_retry(row, INF, handle)

    def _outage_retry(self, row: int, patience: float, handle: float) -> None:
        """A customer blocked or dropped by an outage: retry per ``recontact.retry``, or
        else per :data:`sim.model.outages.DEFAULT_RETRY` (a share tries again after an
        exponential delay, up to a number of tries in all) rather than vanish."""
        rec = self.rec
        jm = self.jm
        rc = self.scenario.recontact
        if rec.step[row]:  # a handoff piece: the customer was not trying anything
            if jm is not None:
                jm.unresolved(row, retry=True)
            return
        if jm is not None and rc is not None and rc.retry is not None:
            jm.unresolved(row, retry=True)
            return
        journey = rec.journey[row]
        tries = self._outage_tries.get(journey, 0)
        if tries + 1 >= DEFAULT_RETRY.max_tries:
            return
        if self._retry_u is None:
            self._retry_u = UniformBlock(self.streams.get("outage-retry"))
            self._retry_delay = Sampler(DEFAULT_RETRY.delay, self.streams.get(
                "outage-retry-delay"))
        if self._retry_u.next() >= DEFAULT_RETRY.probability:
            return
        assert self._retry_delay is not None
        self._outage_tries[journey] = tries + 1
        delay = self._retry_delay.next()
        channel, intent, segment = rec.channel[row], rec.intent[row], rec.segment[row]
        attempt = rec.attempt[row] + 1 if rec.with_journeys else tries + 1
        if jm is not None:
            jm.later(delay, journey, lambda: jm.new_contact(
                channel, intent, segment, journey, attempt, jm.take_lost(journey, False)))
            return
        key = (channel, segment)
        if patience == INF and self.patience.get(key) is not None:  # a fresh patience
            sampler = self._retry_patience.get(key)
            if sampler is None:
                sampler = self._retry_patience[key] = Sampler(
                    self.patience[key], self.streams.get(
                        f"outage-retry-patience/{self.channel_names[channel]}"
                        f"/{self.segment_names[segment]}"))
            patience = sampler.next()
        self._deferred += 1

        def again() -> None:
            self._deferred -= 1
            self.arrive(channel, intent, segment, patience, handle, journey, 0, None, attempt)

        self.after(delay, again)

    def _abandon(self, row: int, channel: int) -> None:
        rec = self.rec
        if rec.outcome[row] != WAITING:
            return
        now = self.env.now
        rec.outcome[row] = ABANDONED
        rec.end[row] = now
        rec.wait[row] = now - rec.arrival[row]
        self.waiting[channel] -= 1  # only customers abandon (pieces have no patience)
        rec.queued.add((channel, now, -1.0))
        self._handle_of.pop(row, None)
        if self.undrain[channel]:
            self._undrain(channel)
        if self.jm is not None:
            self.jm.unresolved(row, retry=True)

    def _undrain(self, channel: int) -> None:
        """A contact on ``channel`` that part-loaded chat agents of a blended pool cannot
        take (a call) left the queue: the chats they held back while it waited go to
        their free slots now, unless another such contact still ranks before them."""
        router = self.router
        for p in self.undrain[channel]:
            for agent in router.part_loaded(p):
                while agent.load < agent.cap:
                    key = router.pick_contact(agent)
                    if key is None:
                        break
                    row = key[3]
                    self._answer_waiting(agent, row, self.rec.channel[row])

    def _overflow(self, row: int, channel: int, intent: int, key: tuple, target: int,
                  queued_in: tuple[int, ...]) -> None:
        """The contact has waited ``after`` for a pool with overflow: it becomes eligible
        for the target too, and the target's own overflow timer starts (tiered
        overflow A -> B -> C chains; a pool already holding the contact is skipped)."""
        if self.rec.outcome[row] != WAITING:
            return
        self.router.enqueue(target, channel, key)
        agent = self.router.pick_agent((target,), channel, key[:2])
        if agent is None and self.intr is not None and key[0] == 0:
            agent = self.intr.take((target,), channel)
        if agent is not None:
            self._answer_waiting(agent, row, channel)
            return
        if self.aging[channel] and key[0]:
            self._schedule_age(target, row, channel, key)
        self._schedule_overflow(target, row, channel, intent, key, (*queued_in, target))

    def _answer_waiting(self, agent: Agent, row: int, channel: int) -> None:
        rec = self.rec
        now = self.env.now
        cb = self.cb
        if cb is not None and row in cb.pending:  # the agent calls the customer back
            reached, attempt = cb.call(row)
            if not reached:
                self._handle_of.pop(row)
                self._callback_failed(agent, row, attempt, now)
                if self.undrain[channel]:
                    self._undrain(channel)
                return
        elif not rec.step[row]:
            self.waiting[channel] -= 1
            rec.queued.add((channel, now, -1.0))
        handle = self._handle_of.pop(row)
        self._answer(agent, row, channel, rec.intent[row], handle, now)
        if self.undrain[channel]:
            self._undrain(channel)

    def _callback_failed(self, agent: Agent, row: int, attempt: float, now: float) -> None:
        """The agent's call-back does not reach the customer: the agent is busy for the
        ``attempt``, the contact ends abandoned (never answered) and the customer tries
        again per the retry rules, or is lost."""
        rec = self.rec
        if agent.idle:
            self.router.take(agent)
        if agent.load == 0:
            rec.busy.add((agent.pool, now, 1.0))
        agent.load += 1
        agent.chat_mode = False  # a call takes the whole agent
        if agent.bucket:
            self.router.unfile(agent)
        rec.outcome[row] = ABANDONED
        rec.end[row] = now
        rec.wait[row] = now - rec.arrival[row]
        self.after(attempt, lambda: self.release(agent))
        if self.jm is not None:
            self.jm.unresolved(row, retry=True)

    def _answer(
        self, agent: Agent, row: int, channel: int, intent: int, handle: float, now: float
    ) -> None:
        rec = self.rec
        base = handle
        p = agent.pool
        pool = self.pools[p]
        if agent.idle:
            self.router.take(agent)
        if agent.load == 0:
            rec.busy.add((p, now, 1.0))
        agent.load += 1
        cap = pool.chat_capacity.get(channel)
        if cap is not None and cap > 1:  # a multi-slot chat
            if agent.load == 1:
                rec.chat_agents.add((p, now, 1.0))
            rec.chats.add((p, now, 1.0))
            agent.chat_mode = True
            agent.cap = cap
            self.router.file(agent)
            handle *= 1.0 + self.inflation[channel] * (agent.load - 1)
        else:  # a call or an email takes the whole agent: no more chats meanwhile
            agent.chat_mode = False
            if agent.bucket:
                self.router.unfile(agent)
        if self.ident is not None:  # records the agent; tenure multiplier, sticky facts
            handle = self.ident.answer(agent, row, handle)
        # routing never gives a pool work outside its skills (proficiency > 0)
        handle /= pool.proficiency[intent]
        rec.outcome[row] = IN_SERVICE
        rec.answer[row] = now
        rec.wait[row] = now - rec.arrival[row]
        rec.pool[row] = p
        if self.intr is not None and self.intr.start(agent, row, channel, intent, handle, base):
            return  # an email calls may interrupt (sim.model.interrupt)
        if self.bs is not None:
            systems = self.bs.need[p][intent]
            if systems:
                self.bs.serve(agent, row, channel, handle, systems)
                return
        if self._serving is not None:  # outages may drop it: track it while in service
            self._serving[row] = (agent, base)
            self.env.call(handle, partial(self._complete_tracked, agent, row, channel, handle))
            return
        self.env.call(handle, partial(self._complete, agent, row, channel, handle))

    def _complete_tracked(self, agent: Agent, row: int, channel: int, handle: float) -> None:
        serving = self._serving
        assert serving is not None
        if serving.pop(row, None) is not None:  # else an outage dropped it meanwhile
            self._complete(agent, row, channel, handle)

    def _complete(self, agent: Agent, row: int, channel: int, handle: float) -> None:
        self.finish(row, channel, agent.pool, handle)
        if self.acw is None:
            self.release(agent)
        else:
            self.wrap_up(agent, row, channel)

    def wrap_up(self, agent: Agent, row: int, channel: int) -> None:
        """The agent finished handling ``row``: release it now, or after its after-call
        work (:mod:`sim.model.wrapup`; the customer has left, the agent stays busy)."""
        acw = 0.0 if self.acw is None else self.acw.draw(row, channel, self.rec.intent[row])
        if acw > 0:
            self.after(acw, lambda: self.release(agent))
        else:
            self.release(agent)

    def finish(self, row: int, channel: int, pool: int, handle: float) -> None:
        """A piece of work of ``pool`` ends: hand it off, resolve it, or not."""
        rec = self.rec
        rec.end[row] = self.env.now
        rec.handle[row] = handle
        rec.outcome[row] = HANDLED
        if not (self.has_handoffs[pool] and self.handoffs.maybe(row, channel, pool)):
            if self.jm is not None:
                to = self.jm.served(row, pool, channel)
                if to is not None:  # unresolved, and the pool escalates the work
                    self.handoffs.transfer(row, channel, to)

    def release(self, agent: Agent) -> None:
        """The agent is done with one contact."""
        agent.load -= 1
        now = self.env.now
        if agent.chat_mode:
            rec = self.rec
            rec.chats.add((agent.pool, now, -1.0))
            if agent.load == 0:
                rec.chat_agents.add((agent.pool, now, -1.0))
        if agent.load == 0:
            self.rec.busy.add((agent.pool, now, -1.0))
        self.free(agent)

    def free(self, agent: Agent) -> None:
        """An agent finished a contact: leave, take the next contact, or go idle."""
        router = self.router
        if self.intr is not None and self.intr.resume(agent):
            return  # back to a call waiting, or to the email a call interrupted
        if agent.leaving:
            if self.sticky is not None:  # recontacts waiting for it: queued as usual now
                self.sticky.release_all(agent)
            if agent.load == 0:
                self._off_duty(agent, self.env.now)
            return
        if self.sticky is not None and self._take_held(agent):
            return
        while True:
            key = router.pick_contact(agent)
            if key is None:
                break
            row = key[3]
            self._answer_waiting(agent, row, self.rec.channel[row])
            if not agent.chat_mode or agent.load >= agent.cap:
                return
        if agent.load == 0:
            agent.chat_mode = False
            if agent.bucket:
                router.unfile(agent)
            router.make_idle(agent, self.env.now)
        else:
            router.file(agent)

    def _take_held(self, agent: Agent) -> bool:
        """A free agent takes a recontact waiting for it (sticky agents) first; True if it
        is then full."""
        assert self.sticky is not None
        row = self.sticky.take_held(agent)
        if row is None:
            return False
        self._answer_waiting(agent, row, self.rec.channel[row])
        return not agent.chat_mode or agent.load >= agent.cap

    # -- results --------------------------------------------------------------------
    def records(self) -> Records:
        """The facts of this replication, as columnar arrays."""
        base = scenario_facts(self.scenario)
        base.update(
            replication=self.replication,
            segments=self.segment_names,
            pending_journeys=np.asarray(
                self.jm.pending_journeys() if self.jm else [], dtype=np.int64),
            pending_handoffs=self.handoffs.pending,
            cutoff_s=self.cutoff_s,
            deferred_rows=np.fromiter(self.deferred.keys(), dtype=np.int64,
                                      count=len(self.deferred)),
            deferred_from_s=np.fromiter(self.deferred.values(), dtype=float,
                                        count=len(self.deferred)),
        )
        if reports_scheduled(self.scenario):  # rostered agent time, before shrinkage
            base["pool_scheduled_s"] = scheduled_time(self.scenario)
        if self.backlog_rows:
            base["backlog_rows"] = np.asarray(self.backlog_rows, dtype=np.int64)
        if self.acw is not None:
            base["acw_s"] = self.acw.column(self.rec.n)
        if self.cb is not None:  # each contact's call-back: offered, accepted, reached
            base["callback"] = self.cb.column(self.rec.n)
        if self.ident is not None:  # tenure groups of the agents' numbers, sticky settings
            base["extra"] = {**base.get("extra", {}), **self.ident.facts()}
        if self.closed is not None:  # tries on closed channels (out-of-hours demand)
            base["closed_tries"] = self.closed.facts()
        if self.bs is not None:
            base.update(self.bs.facts(self.rec.n))
        if self.out is not None:
            base["outages"] = self.out.facts()
        if self.field is not None:
            base.update(self.field.facts())
        if self.demand.shocks is not None:  # demand shock windows, for inside/outside KPIs
            base["extra"] = {**base.get("extra", {}), "events": self.demand.shocks.facts()}
        if self.intr is not None:  # times each contact was put aside for a call
            base.setdefault("extra", {})["interruptions"] = self.intr.facts(self.rec.n)
        return self.rec.finish(self.end_s, base)


def _pool_steps(start_clock_s: float, end_s: float, streams: Streams, pool: Pool,
                name: str) -> tuple[list[float], list[int]]:
    return pool_steps(pool, name, start_clock_s, end_s, streams)


def simulate(scenario: Scenario, replication: int) -> Records:
    """Run one replication of ``scenario`` and return its records.

    The result depends only on the scenario (including its seed) and the
    replication index, so replications can run anywhere, in any order.
    """
    return World(scenario, replication).run().records()
