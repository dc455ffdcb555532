"""Derived counts: settings that multiply into loops and arrays, bounded at validation.

Each field is bounded on its own (durations are 0 or 1 ms to 10 years, rates 0 or
one per 10 years to 1,000 a second: :mod:`sim.scenario.units`). Some settings only
explode in combination, and the engine would loop over or allocate the product:

* appointment slots: technicians x (run + ``booking_window``) / ``slot``;
* random outage cycles: run / (mean ``mtbf`` + mean ``mttr``);
* reporting intervals: horizon / ``interval``;
* handoff and escalation loops (:mod:`sim.scenario.loops`).

A scheduled outage that starts after the run is over is refused here too (one
before the start is refused with the cross-references).

Each count is computed here from the scenario alone (no simulation) and refused,
with the setting that made it explode, before anything is allocated. The same
counts feed the work estimate of :mod:`sim.experiment.limits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sim.scenario.errors import Issue, format_path, raise_issues
from sim.scenario.field import TechnicianPool, pool_channel
from sim.scenario.loops import check_loops
from sim.scenario.schema import Scenario
from sim.scenario.units import WEEK_S, format_duration

Add = Callable[[Sequence[str | int], str], None]
Locate = Callable[[Sequence[str | int]], int | None]

#: Appointment slots of all technicians together (one calendar entry each).
MAX_SLOTS = 2_000_000
#: Slots shorter than this are named as the cause of too many slots.
SHORT_SLOT_S = 1800.0
#: Expected failures of one random outage per replication.
MAX_OUTAGE_CYCLES = 10_000
#: Reporting intervals per replication.
MAX_INTERVALS = 200_000


def run_span_s(sc: Scenario) -> float:
    """Simulated time of one replication: warm-up, horizon and any follow-up."""
    run_out = float(getattr(sc, "run_out", 0.0) or 0.0)
    return float(sc.warmup + sc.horizon + run_out)


def slots_per_technician(sc: Scenario, pool: TechnicianPool) -> float:
    """Appointment slots in one technician's calendar (an upper bound): the slots of
    a week times the weeks from the start to the end of the run plus the booking
    window."""
    name = pool_channel(sc, pool)
    channel = sc.channels.get(name) if name is not None else None
    if channel is None or channel.visits is None:
        return 0.0
    slot = channel.visits.slot
    weekly = sum(math.floor((b.end - b.start) / slot + 1e-9) * len(b.day_indices)
                 for b in pool.hours)
    weeks = (run_span_s(sc) + channel.visits.booking_window) / WEEK_S + 1.0
    return float(weekly * weeks)


def slot_count(sc: Scenario) -> float:
    """Appointment slots of all technicians together."""
    return sum(p.size * slots_per_technician(sc, p) for p in sc.technicians.values())


def outage_cycles(sc: Scenario) -> list[tuple[int, float]]:
    """``(index, expected failures per replication)`` of each random outage."""
    out = []
    span = run_span_s(sc)
    for i, outage in enumerate(sc.outages):
        if outage.mtbf is None or outage.mttr is None:
            continue
        cycle = outage.mtbf.mean_s + outage.mttr.mean_s
        out.append((i, span / cycle if cycle > 0 else math.inf))
    return out


def interval_count(sc: Scenario) -> float:
    """Reporting intervals in one replication (they cover the horizon)."""
    return math.ceil(sc.horizon / sc.interval)


def check_derived(sc: Scenario, locate: Locate, *, file: str | None = None) -> None:
    """Raise :class:`ScenarioError` for the first derived count above its bound or loop
    without end (checked after the cross-references, which they rely on)."""
    out: list[Issue] = []

    def add(parts: Sequence[str | int], msg: str) -> None:
        out.append(Issue(format_path(parts), locate(parts), msg))

    check_bounds(sc, add)
    check_loops(sc, add)
    if out:
        raise_issues(out, file)


def check_bounds(sc: Scenario, add: Add) -> None:
    """Report every derived count above its bound (see the module)."""
    slots = slot_count(sc)
    if slots > MAX_SLOTS:
        name, pool = max(sc.technicians.items(),
                         key=lambda kv: kv[1].size * slots_per_technician(sc, kv[1]))
        most = pool.size * slots_per_technician(sc, pool)
        channel = pool_channel(sc, pool) or ""
        visits = sc.channels[channel].visits
        assert visits is not None
        # point at the slot length when it is the odd one out, else at the crew size
        where: tuple[str, ...] = (("channels", channel, "visits", "slot")
                                  if visits.slot < SHORT_SLOT_S else ("technicians", name, "size"))
        add(where,
            f"{format_duration(visits.slot)} slots over the run and a "
            f"{format_duration(visits.booking_window)} booking window make "
            f"{_count(slots)} appointment slots for the technicians (at most "
            f"{MAX_SLOTS:,}; '{name}' alone has {_count(most)}); use longer slots (2h is "
            "typical) or a shorter booking_window")
    for i, cycles in outage_cycles(sc):
        if cycles > MAX_OUTAGE_CYCLES:
            outage = sc.outages[i]
            assert outage.mtbf is not None and outage.mttr is not None
            add(("outages", i, "mtbf"),
                f"mtbf and mttr average {format_duration(outage.mtbf.mean_s)} and "
                f"{format_duration(outage.mttr.mean_s)}: {_about(cycles)} outages in "
                f"each replication of {format_duration(run_span_s(sc))} (at most "
                f"{MAX_OUTAGE_CYCLES:,}); a random outage is rare: give mtbf in days or "
                "months (or a scheduled outage with 'at' and 'for')")
    for i, outage in enumerate(sc.outages):
        if outage.at is not None and outage.at - sc.start >= run_span_s(sc):
            add(("outages", i, "at"),
                f"the outage starts {format_duration(outage.at - sc.start)} after the start, "
                f"when the run is over ({format_duration(run_span_s(sc))} per replication): "
                "it would never happen; move 'at' into the run or lengthen the horizon")
    intervals = interval_count(sc)
    if intervals > MAX_INTERVALS:
        add(("interval",),
            f"{format_duration(sc.interval)} reporting intervals over a "
            f"{format_duration(sc.horizon)} horizon make {_count(intervals)} rows per "
            f"replication (at most {MAX_INTERVALS:,}); use a longer interval")


def _about(x: float) -> str:
    """``about 1,234`` or ``endless``."""
    return f"about {_count(x)}" if math.isfinite(x) else "endless"


def _count(x: float) -> str:
    """``1,234`` or ``3.2e+15`` or ``unboundedly many``."""
    if not math.isfinite(x):
        return "unboundedly many"
    return f"{x:,.0f}" if x < 1e12 else f"{x:.1e}"
