"""Field operations: technician visits booked on a slot calendar (the model side).

A need of an intent listed in a field channel's ``visits.needed`` may only be solved
on site. When an agent finishes handling such a contact (no handoff follows), the
need takes a visit with the listed probability (stream ``field-need/<intent>``):
the contact does not resolve it; instead the agent books an appointment and the
journey goes on in the field, ending when a visit fixes the fault (no recontact
follows the booking contact). Needs that take no visit, and every other intent,
follow the intent's ``resolution`` on the contact as usual.

The customer's territory
    drawn once per journey from ``visits.territories`` (stream
    ``field-territory/<channel>``).

The calendar
    Each technician has one appointment slot of length ``visits.slot`` after another
    in every block of working hours (as many as fit; a remainder shorter than a slot
    holds none), from the start of the run to its end plus ``booking_window``. A
    booking at time ``t`` takes the *earliest free slot starting at or after*
    ``t + lead_time`` among the technicians who serve the customer's territory and
    have the intent among their skills; ties go to the technician with the fewest
    bookings so far, then to the first in file order. Slots are not a FIFO queue:
    a later booking with a shorter lead can take a slot an earlier one skipped.
    With no free slot before ``t + booking_window`` the booking fails (outcome
    ``unbooked``) and the need stays unresolved. Free slots are found with a
    "next free slot" pointer per technician (a union-find with path compression),
    so a full calendar costs no scan.

A visit
    At the slot's start the technician sets off (``start_s``); if still busy with an
    earlier visit that overran, when that one ends. The technician is busy from then
    until leaving the customer. If the channel's ``parts.system`` (a backstage
    system) is down at that moment and the part was not ordered before,
    ``parts.on_outage`` applies: ``delay`` — the technician waits at the depot,
    checking every ``parts.recheck``, and sets off once the system is back;
    ``missing`` — the technician sets off without reserving parts and the visit
    will lack its part. Travel takes a ``travel`` draw. At the door the customer is
    away with probability ``no_show`` (the technician waits ``no_show_wait`` and
    leaves: ``no_show``); otherwise the work takes an ``on_site`` draw, after which
    the visit lacks its part with probability ``parts.missing`` (``missing_part``;
    never once the part was ordered), else fixes the fault with probability ``fix``
    for the intent (``fixed``), else ``not_fixed``.

Repeats
    A visit that did not fix is rebooked at once through the calendar, with the same
    ``lead_time`` (after a missing part: at least ``parts.delivery``; the part is
    ordered, so every later visit of the journey has it). After ``max_visits``
    visits the need stays unresolved. So with no no-shows, ``fix = 1`` and a cap of at
    least 2 a journey takes ``1 + missing`` visits on average; with success chance ``p = (1 -
    no_show) * fix`` per visit and no missing parts, ``(1 - (1 - p)^m) / p`` visits
    with ``m = max_visits``, and ends unresolved with probability ``(1 - p)^m``.

Facts
    One row per booked visit in column buffers (``VISIT_COLUMNS`` of
    :mod:`sim.records`); visits booked into slots after the run's end, or in
    progress at the end, stay ``open``. Every draw comes from a named stream
    (``field-*/<channel>``), so field work leaves every other stream untouched.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.streams import Sampler, UniformBlock
from sim.records import (
    FIXED,
    MISSING_PART,
    NO_SHOW,
    NOT_FIXED,
    UNBOOKED,
    VISIT_COLUMNS,
    VISIT_OPEN,
)
from sim.scenario.field import pool_channel
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S

if TYPE_CHECKING:
    from sim.model.backstage import Backstage
    from sim.model.context import ModelContext
    from sim.scenario.field import TechnicianPool, Visits

NAN = math.nan
_TYPECODES = {"int64": "q", "int32": "i", "int16": "h", "int8": "b", "float64": "d"}


def uses_field(s: Scenario) -> bool:
    """True if the scenario has a field channel (then :class:`FieldOps` runs)."""
    return any(c.kind == "field" for c in s.channels.values())


def working_blocks(pool: TechnicianPool, start_clock_s: float, t0: float,
                   t1: float) -> list[tuple[float, float]]:
    """Blocks of working hours ``(from, to)`` in sim seconds that overlap ``[t0, t1)``."""
    out = []
    first = int(math.floor((start_clock_s + t0) / DAY_S))
    last = int(math.ceil((start_clock_s + t1) / DAY_S))
    for day in range(first, last + 1):
        for block in pool.hours:
            if day % 7 in block.day_indices:
                a = day * DAY_S + block.start - start_clock_s
                b = day * DAY_S + block.end - start_clock_s
                if b > t0 and a < t1:
                    out.append((a, b))
    return sorted(out)


def slot_starts(pool: TechnicianPool, slot_s: float, start_clock_s: float,
                until_s: float) -> list[float]:
    """Start times of the appointment slots of one technician, from 0 to ``until_s``."""
    starts = set()
    for a, b in working_blocks(pool, start_clock_s, 0.0, until_s):
        n = int((b - a) / slot_s + 1e-9)
        for i in range(n):
            t = a + i * slot_s
            if 0.0 <= t < until_s:
                starts.add(t)
    return sorted(starts)


class Technician:
    """One technician: a slot calendar and whether they are out on a visit."""

    __slots__ = ("pool", "index", "order", "slots", "nxt", "booked", "busy", "queue")

    def __init__(self, pool: int, index: int, order: int, slots: list[float]) -> None:
        self.pool = pool
        self.index = index
        self.order = order
        self.slots = slots                      # shared by the pool's technicians
        self.nxt = list(range(len(slots) + 1))  # nxt[i] == i: slot i is free
        self.booked = 0
        self.busy = False
        self.queue: deque[int] = deque()        # visits waiting for an overrun to end

    def first_free(self, i: int) -> int:
        """Index of the first free slot at or after ``i`` (``len(slots)``: none)."""
        nxt = self.nxt
        root = i
        while nxt[root] != root:
            root = nxt[root]
        while nxt[i] != root:  # path compression
            nxt[i], i = root, nxt[i]
        return root


class FieldChannel:
    """A field channel's settings, random streams and eligible technicians."""

    def __init__(self, ctx: ModelContext, backstage: Backstage | None, name: str, code: int,
                 visits: Visits, territory_code: dict[str, int]) -> None:
        streams = ctx.streams
        self.name, self.code, self.v = name, code, visits
        acc, self.t_cum, self.t_codes = 0.0, [], []
        for t, share in visits.territories.items():
            acc += share
            self.t_cum.append(acc)
            self.t_codes.append(territory_code[t])
        self.territory_u = UniformBlock(streams.get(f"field-territory/{name}"))
        self.travel = Sampler(visits.travel, streams.get(f"field-travel/{name}"))
        self.on_site = Sampler(visits.on_site, streams.get(f"field-on-site/{name}"))
        self.wait = Sampler(visits.no_show_wait, streams.get(f"field-no-show-wait/{name}"))
        self.no_show_u = UniformBlock(streams.get(f"field-no-show/{name}"))
        self.parts_u = UniformBlock(streams.get(f"field-parts/{name}"))
        self.fix_u = UniformBlock(streams.get(f"field-fix/{name}"))
        self.fix = [visits.fix_p(i) for i in ctx.intent_names]
        parts = visits.parts
        self.missing = parts.missing if parts else 0.0
        self.delivery = parts.delivery if parts else 0.0
        self.system = (backstage.index[parts.system]
                       if parts and parts.system and backstage is not None else None)
        self.wait_for_system = parts is None or parts.on_outage == "delay"
        self.recheck = parts.recheck if parts else 900.0
        # (territory code, intent code) -> technicians who may make the visit
        self.eligible: dict[tuple[int, int], list[Technician]] = {}

    def territory(self) -> int:
        """Draw a customer's territory."""
        u = self.territory_u.next() if len(self.t_codes) > 1 else 0.0
        for c, code in zip(self.t_cum, self.t_codes, strict=True):
            if u < c:
                return code
        return self.t_codes[-1]


class FieldOps:
    """Bookings, the technicians' calendars and visits of one world (see the module).

    ``backstage`` holds the parts systems (a technician checks one is up before
    setting off); None when the scenario has no backstage systems.
    """

    def __init__(self, ctx: ModelContext, *, backstage: Backstage | None) -> None:
        self.ctx = ctx
        self.bs = backstage
        s = ctx.scenario
        ch_code, in_code, _, _ = ctx.codes
        self.end_s = ctx.end_s
        self.last_s = ctx.end_s + s.run_out  # visits are made until the follow-up ends
        self.pool_names = tuple(s.technicians)
        territories: dict[str, int] = {}
        self.channels: list[FieldChannel] = []
        self.need: list[tuple[FieldChannel, float] | None] = [None] * len(in_code)
        for name, ch in s.channels.items():
            if ch.kind != "field" or ch.visits is None:
                continue
            for t in ch.visits.territories:
                territories.setdefault(t, len(territories))
            fc = FieldChannel(ctx, backstage, name, ch_code[name], ch.visits, territories)
            self.channels.append(fc)
            for intent, p in ch.visits.needed.items():
                self.need[in_code[intent]] = (fc, p)
        self.territory_names = tuple(territories)
        self.need_u = [UniformBlock(ctx.streams.get(f"field-need/{n}"))
                       for n in ctx.intent_names]
        by_name = {fc.name: fc for fc in self.channels}
        self.techs: list[Technician] = []
        self.available = np.zeros(len(self.pool_names))  # technician-seconds in the window
        for p, pool in enumerate(s.technicians.values()):
            fc = by_name[pool_channel(s, pool) or ""]
            slots = slot_starts(pool, fc.v.slot, s.start, self.last_s + fc.v.booking_window)
            crew = [Technician(p, k, len(self.techs) + k, slots) for k in range(pool.size)]
            self.techs.extend(crew)
            for a, b in working_blocks(pool, s.start, s.warmup, self.end_s):
                self.available[p] += pool.size * max(0.0, min(b, self.end_s) - max(a, s.warmup))
            for t_name in fc.v.territories:
                if pool.territories is not None and t_name not in pool.territories:
                    continue
                for i_name in fc.v.needed:
                    if pool.skills is None or i_name in pool.skills:
                        key = (territories[t_name], in_code[i_name])
                        fc.eligible.setdefault(key, []).extend(crew)
        self.pool_cost = np.array([p.cost_per_hour for p in s.technicians.values()])
        self.visit_cost = np.array([c.visits.cost_per_visit if c.visits else 0.0
                                    for c in s.channels.values()])
        self.cols: dict[str, Any] = {name: array(_TYPECODES[dt])  # typed column buffers
                                     for name, dt in VISIT_COLUMNS.items()}
        # journey -> [visits booked, part ordered, territory, intent, field channel]
        self.jobs: dict[int, list[Any]] = {}
        self.no_parts: set[int] = set()  # visits that set off without reserving parts

    # -- booking ------------------------------------------------------------------
    def book(self, row: int) -> bool:
        """An agent handled contact ``row``: book a visit if its need takes one."""
        rec = self.ctx.rec
        intent = rec.intent[row]
        need = self.need[intent]
        if need is None:
            return False
        fc, p = need
        journey = rec.journey[row]
        if p <= 0 or journey in self.jobs:
            return False
        if p < 1 and self.need_u[intent].next() >= p:
            return False
        job = [0, False, fc.territory(), intent, fc]
        self.jobs[journey] = job
        self._book(journey, job, fc.v.lead_time)
        return True

    def _book(self, journey: int, job: list[Any], lead: float) -> None:
        now = self.ctx.env.now
        fc: FieldChannel = job[4]
        earliest, latest = now + lead, now + fc.v.booking_window
        best: tuple[tuple[float, int, int], Technician, int] | None = None
        for tech in fc.eligible.get((job[2], job[3]), ()):
            i = tech.first_free(bisect_left(tech.slots, earliest - 1e-6))
            if i >= len(tech.slots) or tech.slots[i] > latest:
                continue
            key = (tech.slots[i], tech.booked, tech.order)
            if best is None or key < best[0]:
                best = (key, tech, i)
        job[0] += 1
        v = self._new_row(journey, job, now)
        if best is None:
            self.cols["outcome"][v] = UNBOOKED
            return
        (slot, _, _), tech, i = best
        tech.nxt[i] = i + 1
        tech.booked += 1
        c = self.cols
        c["pool"][v], c["technician"][v], c["slot_start_s"][v] = tech.pool, tech.index, slot
        if slot < self.last_s:
            self.ctx.after(slot - now, lambda: self._dispatch(v, tech))

    def _new_row(self, journey: int, job: list[Any], now: float) -> int:
        c = self.cols
        v = len(c["journey_id"])
        for name, value in (("journey_id", journey), ("visit", job[0]), ("channel", job[4].code),
                            ("intent", job[3]), ("pool", -1), ("technician", -1),
                            ("territory", job[2]), ("booked_s", now), ("slot_start_s", NAN),
                            ("start_s", NAN), ("arrive_s", NAN), ("end_s", NAN),
                            ("travel_s", NAN), ("onsite_s", NAN), ("outcome", VISIT_OPEN)):
            c[name].append(value)
        return v

    # -- the visit ------------------------------------------------------------------
    def _dispatch(self, v: int, tech: Technician) -> None:
        if tech.busy:  # the previous visit overran: this one follows it
            tech.queue.append(v)
            return
        tech.busy = True
        self.cols["start_s"][v] = self.ctx.env.now
        self._set_off(v, tech)

    def _job(self, v: int) -> list[Any]:
        return self.jobs[self.cols["journey_id"][v]]

    def _set_off(self, v: int, tech: Technician) -> None:
        ctx = self.ctx
        job = self._job(v)
        fc: FieldChannel = job[4]
        if (fc.system is not None and not job[1] and self.bs is not None
                and self.bs.systems[fc.system].down):
            if fc.wait_for_system:
                ctx.after(fc.recheck, lambda: self._set_off(v, tech))
                return
            self.no_parts.add(v)
        travel = fc.travel.next()
        self.cols["travel_s"][v] = travel
        ctx.after(travel, lambda: self._arrive(v, tech))

    def _arrive(self, v: int, tech: Technician) -> None:
        ctx = self.ctx
        self.cols["arrive_s"][v] = ctx.env.now
        fc: FieldChannel = self._job(v)[4]
        p = fc.v.no_show
        if p > 0 and (p >= 1 or fc.no_show_u.next() < p):
            ctx.after(fc.wait.next(), lambda: self._end(v, tech, NO_SHOW))
            return
        ctx.after(fc.on_site.next(), lambda: self._work_done(v, tech))

    def _work_done(self, v: int, tech: Technician) -> None:
        job = self._job(v)
        fc: FieldChannel = job[4]
        q = fc.missing
        if not job[1] and (v in self.no_parts or (q > 0 and fc.parts_u.next() < q)):
            job[1] = True  # the part is ordered: every later visit brings it
            self.no_parts.discard(v)
            self._end(v, tech, MISSING_PART)
            return
        f = fc.fix[job[3]]
        fixed = f >= 1 or (f > 0 and fc.fix_u.next() < f)
        self._end(v, tech, FIXED if fixed else NOT_FIXED)

    def _end(self, v: int, tech: Technician, outcome: int) -> None:
        now = self.ctx.env.now
        c = self.cols
        c["end_s"][v] = now
        c["onsite_s"][v] = now - c["arrive_s"][v]
        c["outcome"][v] = outcome
        tech.busy = False
        if tech.queue:
            self._dispatch(tech.queue.popleft(), tech)
        if outcome == FIXED:
            return
        job = self._job(v)
        fc: FieldChannel = job[4]
        if job[0] >= fc.v.max_visits:
            return  # the cap: the need stays unresolved
        lead = fc.v.lead_time
        if outcome == MISSING_PART:
            lead = max(lead, fc.delivery)
        self._book(c["journey_id"][v], job, lead)

    def open_visits(self) -> bool:
        """True while a booked visit has not ended."""
        return VISIT_OPEN in self.cols["outcome"]

    # -- results -------------------------------------------------------------------
    def facts(self) -> dict[str, Any]:
        """The ``visits`` table and ``field_ops`` facts for :class:`sim.records.Records`."""
        visits = {name: np.frombuffer(buf, dtype=VISIT_COLUMNS[name]).copy() if len(buf)
                  else np.zeros(0, dtype=VISIT_COLUMNS[name]) for name, buf in self.cols.items()}
        return {
            "visits": visits,
            "field_ops": {
                "pools": self.pool_names,
                "territories": self.territory_names,
                "available_s": self.available.copy(),
                "cost_per_hour": self.pool_cost.copy(),
                "visit_cost": self.visit_cost.copy(),
            },
        }
