"""Safe limits: estimate what a run will cost before starting it, and refuse the absurd.

The estimate is arithmetic on the scenario (no simulation), an upper bound of
expected values over every driver of work and memory:

* customer contacts per replication: the demand lines' mean rate x day factors x
  arrival time, raised by demand shocks, by bot and self-service sessions that
  escalate to a live channel, by recontacts and retries (a geometric series up to
  ``max_attempts``, at the worst resolution), and by the pieces of work handoffs
  and escalations add (:func:`sim.scenario.loops.max_pieces`);
* technician visits, appointment slots (:func:`sim.scenario.bounds.slot_count`),
  random outage cycles and reporting intervals (rows per group);
* a fixed cost per simulated day and per replication.

Memory is the working set of each replication running at once (engine buffers,
records and the KPI computation in the worker, its own tables included) plus the
tables kept for all replications; wall time assumes a conservative engine speed.
The constants are measured (see ``tests/robustness/test_limits_measured.py`` and
``benchmarks/large.py``): a replication peaks at about 205 bytes per contact (the
engine's records, then the KPIs and journey facts in the worker, with or without
the contact and journey tables, which share the records' arrays) and keeps about
150 bytes per contact of tables, and runs at 8-20 µs per contact on the development
machine. The memory estimate is within 25% above the measured peak where the
contact count is known exactly (a plain line); the contact count itself is an upper
bound where journeys loop. A run that
would exhaust the machine's memory, take longer than a day, simulate more than 10
years or run more than 1,000 replications is refused with the estimate and the
flag that overrides it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from sim.scenario.bounds import interval_count, outage_cycles, run_span_s, slot_count
from sim.scenario.loops import max_pieces
from sim.scenario.schema import Scenario

#: Conservative engine speed for the time estimate (contacts per second per worker).
CONTACTS_PER_S = 30_000.0
#: Share of contacts assumed abandoned or blocked, for the retries they bring: all
#: of them, as with no agents or a queue capacity of 0 (an upper bound, like the rest).
RETRIED_SHARE = 1.0
#: Fixed work per simulated day even without demand (day batches, shift changes):
#: counted as this many contacts' worth of time.
CONTACT_EQUIVALENTS_PER_DAY = 50.0
#: Fixed time per replication (building the world, KPIs of every group, pickling).
REPLICATION_S = 0.03
#: Memory per contact kept in the output tables (the contact and journey tables as
#: compact columns, sim.metrics.row_table; stacked over replications without a copy).
#: Measured: 149 bytes on a plain line (issue 20).
BYTES_PER_KEPT_CONTACT = 155.0
#: Memory per contact while a replication runs (column buffers, records, then the
#: per-replication KPI and journey computations in the worker, whose peak it is; the
#: replication's own tables, when kept, are part of it).
#: Measured: 200-210 bytes per extra contact at 0.07-1M contacts (issue 20).
BYTES_PER_LIVE_CONTACT = 230.0
#: Memory per contact of the busiest simulated day: a day of arrivals is drawn at once.
BYTES_PER_DAILY_CONTACT = 32.0
#: Memory and work of one reporting-interval row of one group (channel, pool, total).
BYTES_PER_INTERVAL_ROW = 600.0
INTERVAL_ROWS_PER_CONTACT = 10.0
#: Memory of one appointment slot in a technician's calendar, and slots per contact
#: of work to build the calendars.
BYTES_PER_SLOT = 40.0
SLOTS_PER_CONTACT = 50.0
#: Work of one technician visit and of one outage cycle, in contacts.
CONTACTS_PER_VISIT = 2.0
CONTACTS_PER_OUTAGE = 2.0
#: Fixed memory of a replication (the world, random-number blocks).
BYTES_PER_REPLICATION = 14 * 2**20
#: Memory kept per replication finished (its KPI, interval and small tables).
BYTES_PER_KEPT_REPLICATION = 1 * 2**20
#: SciPy's special functions, imported for the confidence intervals of two or more
#: replications (a one-replication run never imports them). Measured: 11.8 MiB.
BYTES_STATISTICS = 12 * 2**20
MAX_WALL_S = 24 * 3600.0
#: Longest simulated time per replication accepted without --allow-large (10 years).
MAX_SIMULATED_S = 3650 * 86400.0
#: Most replications in one run without --allow-large (confidence intervals shrink
#: with the square root: 1,000 replications already pin a KPI to a few % of its spread).
MAX_RUN_REPLICATIONS = 1_000


class RunTooLargeError(ValueError):
    """The run would exceed the machine's memory or take too long."""


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to cost."""

    contacts_per_replication: float
    replications: int
    memory_bytes: float
    wall_s: float
    drivers: tuple[str, ...] = ()
    """Other drivers of the cost worth naming (slots, outage cycles, intervals, pieces)."""

    @property
    def contacts(self) -> float:
        return self.contacts_per_replication * self.replications


def machine_memory_bytes() -> float:
    """Physical memory of this machine (bytes)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def fresh_contacts(scenario: Scenario) -> float:
    """Expected first contacts of one replication: demand lines over the arrival time,
    raised by the demand shocks and by the live contacts that bot and self-service
    sessions escalate to."""
    arriving = scenario.warmup + scenario.horizon
    fresh = 0.0
    for line in scenario.demand:
        factors = line.day_factors or (1.0,) * 7
        escalated = 0.0
        channel = scenario.channels.get(line.channel)
        if channel is not None and channel.escalation is not None:
            escalated = sum(channel.escalation.to.values()) * (
                1.0 - _least_containment(scenario, line.channel))
        fresh += line.rate * (sum(factors) / 7.0) * arriving * (1.0 + escalated)
    boost = 1.0
    for shock in scenario.events:
        boost += max(0.0, shock.peak - 1.0) * min(1.0, shock.for_ / max(arriving, 1e-9))
    return fresh * boost


def contacts_per_fresh(scenario: Scenario) -> float:
    """Contacts (and pieces of work) one fresh contact turns into, at most on average:
    recontacts and retries, then handoffs and escalations."""
    attempts = 1.0
    rc = scenario.recontact
    if rc is not None:
        unresolved = 0.0
        for intent in scenario.intents.values():
            lowest = min([r for c in scenario.channels
                          if (r := intent.resolution_p(c)) is not None] or [1.0])
            unresolved = max(unresolved, 1.0 - lowest)
        q = min(1.0, rc.probability * unresolved
                + (rc.retry.probability * RETRIED_SHARE if rc.retry else 0.0))
        m = rc.max_attempts
        attempts = float(m) if q >= 1 else (1.0 - q**m) / (1.0 - q)
    return attempts * max_pieces(scenario)


def _least_containment(scenario: Scenario, channel: str) -> float:
    """The lowest chance a session on ``channel`` contains the need, over intents and
    segments (an intent its ``containment`` does not list: 0)."""
    spec = scenario.channels[channel].containment
    if spec is None:
        return 1.0
    if isinstance(spec, float):
        return spec
    if set(scenario.intents) - set(spec):
        return 0.0
    values = [v for by in spec.values()
              for v in (by.values() if isinstance(by, dict) else [by])]
    return min(values, default=0.0)


def _visits(scenario: Scenario, contacts: float) -> float:
    """Technician visits: contacts x the share booking a visit x visits per booking."""
    most = 0.0
    shares = {n: i.share for n, i in scenario.intents.items()}
    for channel in scenario.channels.values():
        v = channel.visits
        if v is None:
            continue
        if all(x is not None for x in shares.values()):
            need = sum((shares[i] or 0.0) * p for i, p in v.needed.items() if i in shares)
        else:
            need = max(v.needed.values(), default=0.0)
        fix = min([v.fix_p(i) for i in v.needed] or [1.0])
        missing = v.parts.missing if v.parts is not None else 0.0
        fail = min(1.0, v.no_show + missing + (1.0 - fix))
        per_booking = (float(v.max_visits) if fail >= 1
                       else (1.0 - fail**v.max_visits) / (1.0 - fail))
        most = max(most, need * per_booking)
    return contacts * most


def estimate(
    scenario: Scenario, replications: int | None = None, workers: int = 1,
    keep_contacts: bool = True
) -> Estimate:
    """Estimate contacts, memory and wall time of running ``scenario``.

    ``workers`` is how many replications run at the same time.
    """
    reps = replications or scenario.replications
    per_rep = fresh_contacts(scenario) * contacts_per_fresh(scenario)
    span = run_span_s(scenario)
    slots = slot_count(scenario)
    cycles = sum(c for _, c in outage_cycles(scenario))
    rows = interval_count(scenario) * (1 + len(scenario.channels) + len(scenario.pools)
                                       + len(scenario.technicians))
    work = (per_rep + _visits(scenario, per_rep) * CONTACTS_PER_VISIT
            + cycles * CONTACTS_PER_OUTAGE + slots / SLOTS_PER_CONTACT
            + rows / INTERVAL_ROWS_PER_CONTACT + span / 86400.0 * CONTACT_EQUIVALENTS_PER_DAY)
    at_once = max(1, min(workers, reps))
    daily = per_rep / max(1.0, (scenario.warmup + scenario.horizon) / 86400.0)
    # a replication's own tables are in its working set and then among those kept
    per_live = BYTES_PER_LIVE_CONTACT - (BYTES_PER_KEPT_CONTACT if keep_contacts else 0.0)
    live = (per_rep * per_live + daily * BYTES_PER_DAILY_CONTACT
            + rows * BYTES_PER_INTERVAL_ROW
            + slots * BYTES_PER_SLOT + BYTES_PER_REPLICATION) * at_once
    kept = per_rep * reps * BYTES_PER_KEPT_CONTACT if keep_contacts else 0.0
    kept += rows * reps * BYTES_PER_INTERVAL_ROW / 3
    kept += reps * BYTES_PER_KEPT_REPLICATION + (BYTES_STATISTICS if reps > 1 else 0.0)
    wall = (work / CONTACTS_PER_S + REPLICATION_S) * reps / at_once
    drivers = []
    if slots >= 1e5:
        drivers.append(f"{_big(slots)} appointment slots")
    if cycles >= 1e3:
        drivers.append(f"{_big(cycles)} outage cycles per replication")
    if rows >= 1e5:
        drivers.append(f"{_big(rows)} interval rows per replication")
    pieces = max_pieces(scenario)
    if pieces >= 2:
        drivers.append(f"{pieces:.1f} pieces of work per contact (handoffs)")
    return Estimate(per_rep, reps, live + kept, wall, tuple(drivers))


def check_limits(
    scenario: Scenario,
    replications: int | None = None,
    workers: int | None = 1,
    keep_contacts: bool = True,
    allow_large: bool = False,
    executor: str | None = None,
) -> Estimate:
    """Return the estimate, or raise :class:`RunTooLargeError` if the run is unreasonable.

    ``workers`` None means one per core; with the ``serial`` executor one
    replication runs at a time whatever ``workers`` says.
    """
    if executor == "serial":
        workers = 1
    elif workers is None:
        from sim.experiment.executors import cpu_count

        workers = cpu_count()
    est = estimate(scenario, replications, workers, keep_contacts)
    if allow_large:
        return est
    memory = machine_memory_bytes()
    advice = ("shorten the horizon, lower the rates or replications, "
              "or pass --allow-large to run it anyway")
    contacts = f"{_big(est.contacts)} contacts over {est.replications} replications"
    if est.drivers:
        contacts += "; " + "; ".join(est.drivers)
    if est.replications > MAX_RUN_REPLICATIONS:
        raise RunTooLargeError(
            f"{est.replications:,} replications is more than the {MAX_RUN_REPLICATIONS:,} "
            "any estimate needs (a 95% CI narrows with the square root of the count); "
            "use --precision to stop when the CIs are narrow enough, or pass --allow-large "
            "to run them anyway")
    if not est.memory_bytes <= 0.6 * memory:  # also catches inf and nan
        raise RunTooLargeError(
            f"this run would need about {_big(est.memory_bytes / 2**30)} GiB of memory "
            f"({contacts}) but the machine has {memory / 2**30:,.1f} GiB; {advice}"
        )
    simulated = scenario.warmup + scenario.horizon
    if not simulated <= MAX_SIMULATED_S:
        raise RunTooLargeError(
            f"this run simulates {_big(simulated / 86400)} days per replication, more than the "
            f"{MAX_SIMULATED_S / 86400:,.0f}-day limit (reporting intervals and shifts alone "
            f"would take long); {advice}"
        )
    if not est.wall_s <= MAX_WALL_S:
        raise RunTooLargeError(
            f"this run would take about {_big(est.wall_s / 3600)} hours ({contacts}); {advice}"
        )
    return est


def check_total(estimates: list[Estimate], allow_large: bool = False) -> None:
    """Refuse a sweep or comparison whose runs together would take more than a day
    (each was checked on its own by :func:`check_limits`)."""
    wall = sum(e.wall_s for e in estimates)
    if allow_large or wall <= MAX_WALL_S:
        return
    contacts = sum(e.contacts for e in estimates)
    raise RunTooLargeError(
        f"these {len(estimates):,} runs would take about {_big(wall / 3600)} hours together "
        f"({_big(contacts)} contacts); use fewer points or replications, or pass "
        "--allow-large to run them anyway")


def _big(x: float) -> str:
    """A readable figure for any size: ``1,234``, ``3.2e+15``, ``unbounded``."""
    if not math.isfinite(x):
        return "unboundedly many"
    if x < 1e13:
        return f"{x:,.0f}" if x >= 10 else f"{x:,.1f}"
    return f"{x:.1e}"
