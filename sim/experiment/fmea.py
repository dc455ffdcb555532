"""Failure mode and effects analysis (FMEA) of a scenario's dependencies, by simulation.

A *failure mode* is one backstage system, live channel or pool going down. For
each, :func:`fmea` runs a variant of the scenario in which only that target fails
(completely) at the busiest hour of the measured window — the hour with the most
expected demand, from the demand lines' rates, profiles and weekday factors — for
its typical repair time (the mean of its ``mttr`` in ``outages``, or 1h when the
scenario gives none), and a baseline with no outages at all (failover rules and
``on_outage`` behaviours are kept). All run on common random numbers
(:func:`sim.experiment.compare.compare`), so the paired differences variant −
baseline of ``resolution_latency_s``, ``recontact_rate`` and ``effort_score``
isolate what the failure costs, with 95% CIs.

How often a mode occurs comes from its ``mtbf`` (occurrences per year = one year /
mean time between failures, summed over the target's random outages); a target
without one is assumed to fail once a year (``per_year_assumed``). The *annual
impact* of a KPI is occurrences per year × difference; the ranking ``score`` adds
the three annual impacts, each divided by the largest absolute one over the modes,
so each KPI weighs the same whatever its unit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.compare import compare
from sim.experiment.executors import DEFAULT_EXECUTOR
from sim.experiment.progress import ProgressArg
from sim.scenario.schema import LIVE_KINDS, Scenario
from sim.scenario.units import DAY_S, format_clock

YEAR_S = 365.0 * DAY_S
DEFAULT_REPAIR_S = 3600.0
FMEA_KPIS: tuple[str, ...] = ("resolution_latency_s", "recontact_rate", "effort_score")


@dataclass(frozen=True)
class FailureMode:
    """One target that can fail, for how long, and how often."""

    target: str
    kind: str              # backstage | channel | pool
    duration_s: float
    per_year: float
    per_year_assumed: bool


def failure_modes(scenario: Scenario) -> list[FailureMode]:
    """Every backstage system, live channel and pool of ``scenario`` as a failure mode."""
    targets = [(n, "backstage") for n in scenario.backstage]
    targets += [(n, "channel") for n, c in scenario.channels.items() if c.kind in LIVE_KINDS]
    targets += [(n, "pool") for n in scenario.pools]
    modes = []
    for name, kind in targets:
        mtbfs = [o.mtbf.mean_s for o in scenario.outages if o.target == name and o.mtbf]
        random = [o for o in scenario.outages if o.target == name and o.mtbf is not None]
        per_year = sum(YEAR_S / m for m in mtbfs if m > 0)
        repairs = [o.mttr.mean_s for o in random if o.mttr is not None]
        modes.append(FailureMode(name, kind, float(np.mean(repairs)) if repairs
                                 else DEFAULT_REPAIR_S, per_year if random else 1.0,
                                 not random))
    return modes


def busiest_hour(scenario: Scenario, duration_s: float = 0.0) -> float:
    """Sim time of the start of the busiest whole clock hour in the measured window.

    Demand is the sum of the lines' mean rates × their profile weight × weekday
    factor at the middle of each hour; the earliest of equally busy hours wins.
    Hours whose outage of ``duration_s`` would run past the end are skipped when
    possible.
    """
    s = scenario
    first = math.ceil((s.start + s.warmup) / 3600.0) * 3600.0 - s.start
    last = max(first, s.end_s - max(duration_s, 3600.0))
    best_t, best = first, -1.0
    for t in np.arange(first, last + 1e-9, 3600.0):
        clock = s.start + t + 1800.0
        day = int(clock // DAY_S) % 7
        tod = clock % DAY_S
        total = 0.0
        for line in s.demand:
            profile = s.profiles.get(line.profile) if isinstance(line.profile, str) \
                else line.profile
            weight = 1.0
            if profile is not None:
                w = np.asarray(profile.weights, dtype=float)
                weight = w[int(tod // profile.interval) % w.size] / w.mean()
            factor = line.day_factors[day] if line.day_factors is not None else 1.0
            total += line.rate * weight * factor
        if total > best + 1e-12:
            best_t, best = float(t), total
    return best_t


def _clock_text(t_s: float, start_s: float) -> str:
    clock = t_s + start_s
    day = int(clock // DAY_S)
    rem = clock - day * DAY_S
    return f"day {day + 1} {int(rem // 3600):02d}:{int(rem % 3600 // 60):02d}"


def without_outages(scenario: Scenario) -> Scenario:
    """The baseline of an FMEA: the scenario with no outages."""
    raw = scenario.raw
    raw["outages"] = []
    return Scenario.from_dict(raw)


def with_failure(scenario: Scenario, mode: FailureMode, at_s: float) -> Scenario:
    """The baseline with one scheduled outage of ``mode.target`` at sim time ``at_s``."""
    raw = scenario.raw
    raw["outages"] = [{"target": mode.target, "at": _clock_text(at_s, scenario.start),
                       "for": f"{mode.duration_s:g}s"}]
    return Scenario.from_dict(raw)


@dataclass
class Fmea:
    """Failure modes ranked by their annual impact; see the module docstring."""

    scenario: Scenario
    table: pd.DataFrame
    replications: int
    wall_s: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from sim.experiment.compare import records_for_json

        return {"scenario": self.scenario.name, "replications": self.replications,
                "kpis": list(FMEA_KPIS), "confidence": 0.95, "notes": list(self.notes),
                "modes": records_for_json(self.table)}

    def write(self, out_dir: str | Path) -> Path:
        """Write ``fmea.csv`` and ``fmea.json`` atomically (and a report if available)."""
        from sim import io
        from sim.experiment.manifest import report_writer

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        io.write_text_atomic(out / "fmea.csv", io.csv_text(self.table))
        io.write_json_atomic(out / "fmea.json", self.to_dict())
        report = report_writer("write_fmea_report")
        if report is not None:
            report(self, out)
        return out


def fmea(scenario: Scenario, replications: int | None = None,
         executor: str = DEFAULT_EXECUTOR, workers: int | None = None,
         progress: ProgressArg = False, targets: Sequence[str] | None = None) -> Fmea:
    """Rank the failure modes of ``scenario`` by their impact (see the module docstring).

    Parameters
    ----------
    scenario
        The validated scenario.
    replications
        Replications per variant (default: the scenario's; at least 2).
    executor, workers, progress
        As for :func:`sim.experiment.run`.
    targets
        Only these failure modes (default: every backstage system, live channel, pool).

    Returns
    -------
    Fmea
        ``table``: one row per mode, best-ranked first, with the paired differences
        (``<kpi>_diff``, ``_ci_low``, ``_ci_high``), annual impacts and ``score``.
    """
    started = time.perf_counter()
    modes = [m for m in failure_modes(scenario) if targets is None or m.target in targets]
    if not modes:
        raise ValueError("no failure modes to analyse")
    base = without_outages(scenario)
    starts = [busiest_hour(scenario, m.duration_s) for m in modes]
    variants = [with_failure(base, m, t) for m, t in zip(modes, starts, strict=False)]
    labels = ["baseline"] + [f"{m.kind}:{m.target}" for m in modes]
    n = max(2, int(replications if replications is not None else scenario.replications))
    comp = compare([base, *variants], replications=n, executor=executor, workers=workers,
                   progress=progress, labels=labels, groups=("all",))
    t = comp.table
    rows = []
    for v, (mode, at) in enumerate(zip(modes, starts, strict=False), start=1):
        row: dict[str, Any] = {"target": mode.target, "kind": mode.kind,
                               "at": format_clock(at, scenario.start), "at_s": at,
                               "duration_s": mode.duration_s, "per_year": mode.per_year,
                               "per_year_assumed": mode.per_year_assumed}
        for kpi in FMEA_KPIS:
            r = t[(t["group"] == "all") & (t["kpi"] == kpi) & (t["variant"] == v)]
            d, lo, hi = ((float(r["diff"].iloc[0]), float(r["diff_ci_low"].iloc[0]),
                          float(r["diff_ci_high"].iloc[0])) if len(r) else (math.nan,) * 3)
            row.update({f"{kpi}_diff": d, f"{kpi}_ci_low": lo, f"{kpi}_ci_high": hi,
                        f"{kpi}_annual": mode.per_year * d})
        rows.append(row)
    table = pd.DataFrame(rows)
    score = np.zeros(len(table))
    for kpi in FMEA_KPIS:
        annual = np.nan_to_num(table[f"{kpi}_annual"].to_numpy(dtype=float))
        scale = np.abs(annual).max()
        if scale > 0:
            score += annual / scale
    table["score"] = score
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    notes = list(comp.notes)
    if any(m.per_year_assumed for m in modes):
        notes.append("targets without 'mtbf' are assumed to fail once a year")
    return Fmea(scenario, table, n, time.perf_counter() - started, notes)
