"""Failure mode and effects analysis (FMEA) of a scenario's dependencies, by simulation.

A *failure mode* is one backstage system, live channel or pool going down. For
each, :func:`fmea` runs a variant of the scenario in which only that target fails
(completely) at its busiest hour in the measured window — the hour with the most
expected demand on the channels it serves (a channel: its own demand; a pool:
its channels'; a backstage system: all), from the demand lines' rates, profiles
and weekday factors — for its typical repair time (the mean of its ``mttr`` in
``outages``, or 1h when the scenario gives none), and a baseline with no outages
at all (failover rules and ``on_outage`` behaviours are kept). All run on common
random numbers (:func:`sim.experiment.compare.compare`), so the paired
differences variant − baseline isolate what one failure costs, with 95% CIs:

* customers **lost**: extra journeys that ended unresolved (``journeys`` ×
  (1 − ``resolution_rate`` − ``open_at_cutoff``) of each replication) — the
  customer abandoned, was blocked or was failed and did not come back;
* extra **abandoned** and **blocked** contacts (``abandon_rate`` / ``blocked_rate``
  × ``offered``), whether or not the customer came back;
* the KPIs of :data:`FMEA_KPIS` (abandonment, blocking, resolution, latency,
  recontacts, retries, effort);
* the customers *exposed*: journeys that started while the target was down
  (KPI group ``outage``, member ``during``).

How often a mode occurs comes from its ``mtbf`` (occurrences per year = one year /
mean time between failures, summed over the target's random outages); a target
without one is assumed to fail once a year (``per_year_assumed``).

Each mode is then rated as in FMEA practice — severity, occurrence and detection
on 1-10 scales, ``RPN = S × O × D`` — by :mod:`sim.experiment.fmea_scoring`,
whose docstring states the scales. Severity is driven by the customers lost, so
a failure that loses customers never looks beneficial, whatever it does to the
latency of those still served. Modes are ranked by RPN, then severity, then lost
customers a year.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment import fmea_scoring as scoring
from sim.experiment.compare import CompareError, compare
from sim.experiment.executors import DEFAULT_EXECUTOR
from sim.experiment.progress import ProgressArg
from sim.metrics.stats import paired_ci
from sim.scenario.schema import LIVE_KINDS, Scenario
from sim.scenario.units import DAY_S, format_clock

YEAR_S = 365.0 * DAY_S
DEFAULT_REPAIR_S = 3600.0
#: KPIs whose paired differences the FMEA table reports (``<kpi>_diff`` ...).
FMEA_KPIS: tuple[str, ...] = ("abandon_rate", "blocked_rate", "resolution_rate",
                              "resolution_latency_s", "recontact_rate", "retry_rate",
                              "effort_score")
#: Counts per occurrence derived from the KPIs of each replication (``<count>_diff`` ...).
FMEA_COUNTS: tuple[str, ...] = ("lost", "abandoned", "blocked")
#: KPIs whose significant worsening rates a mode "degraded" (severity 2).
DEGRADING_KPIS: tuple[str, ...] = ("resolution_latency_s", "recontact_rate", "retry_rate",
                                   "effort_score")


class FmeaError(CompareError):
    """An FMEA that cannot be set up as asked (no modes, unknown target, bad rating)."""


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


def mode_channels(scenario: Scenario, mode: FailureMode) -> set[str] | None:
    """The channels whose demand a failure of ``mode`` meets (None: all of them)."""
    if mode.kind == "channel":
        return {mode.target}
    if mode.kind == "pool":
        return set(scenario.pools[mode.target].channels)
    return None


def busiest_hour(scenario: Scenario, duration_s: float = 0.0,
                 channels: set[str] | None = None) -> float:
    """Sim time of the start of the busiest whole clock hour in the measured window.

    Demand is the sum of the lines' mean rates × their profile weight × weekday
    factor at the middle of each hour, over the demand lines of ``channels``
    (default: all; if none of the lines is on them, all); the earliest of equally
    busy hours wins. Hours whose outage of ``duration_s`` would run past the end
    are skipped when possible.
    """
    s = scenario
    lines = [ln for ln in s.demand if channels is None or ln.channel in channels] \
        or list(s.demand)
    first = math.ceil((s.start + s.warmup) / 3600.0) * 3600.0 - s.start
    last = max(first, s.end_s - max(duration_s, 3600.0))
    best_t, best = first, -1.0
    for t in np.arange(first, last + 1e-9, 3600.0):
        clock = s.start + t + 1800.0
        day = int(clock // DAY_S) % 7
        tod = clock % DAY_S
        total = 0.0
        for line in lines:
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


def _per_replication(kpis: pd.DataFrame, group: str, member: str,
                     kpi: str, reps: pd.Index) -> np.ndarray:
    """One KPI of one group member, per replication in ``reps`` order (NaN if absent)."""
    rows = kpis[(kpis["group"] == group) & (kpis["member"] == member) & (kpis["kpi"] == kpi)]
    return rows.set_index("replication")["value"].reindex(reps).to_numpy(dtype=float)


def customer_counts(kpis: pd.DataFrame, reps: pd.Index) -> dict[str, np.ndarray]:
    """Lost customers, abandoned and blocked contacts per replication, from the KPIs.

    ``lost`` = ``journeys`` × (1 − ``resolution_rate`` − ``open_at_cutoff``): journeys
    that ended unresolved (still open at the cut-off are not counted: their fate is
    unknown); ``abandoned`` / ``blocked`` = ``abandon_rate`` / ``blocked_rate`` ×
    ``offered``. A KPI left undefined (nothing offered) counts 0.
    """
    def get(kpi: str) -> np.ndarray:
        return np.nan_to_num(_per_replication(kpis, "all", "", kpi, reps))

    journeys = get("journeys")
    resolved = _per_replication(kpis, "all", "", "resolution_rate", reps)
    unresolved = np.where(np.isnan(resolved), 0.0,
                          1.0 - np.nan_to_num(resolved) - get("open_at_cutoff"))
    offered = get("offered")
    return {"lost": np.maximum(journeys * unresolved, 0.0),
            "abandoned": offered * get("abandon_rate"),
            "blocked": offered * get("blocked_rate")}


@dataclass
class Fmea:
    """Failure modes rated and ranked by risk priority; see the module docstring."""

    scenario: Scenario
    table: pd.DataFrame
    replications: int
    wall_s: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from sim.experiment.compare import records_for_json

        return {"scenario": self.scenario.name, "replications": self.replications,
                "kpis": list(FMEA_KPIS), "counts": list(FMEA_COUNTS), "confidence": 0.95,
                "scoring": scoring.scoring_doc(), "notes": list(self.notes),
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


def _detections(modes: Sequence[FailureMode],
                detection: Mapping[str, int] | None) -> dict[str, int]:
    given = dict(detection or {})
    known = {m.target for m in modes}
    unknown = sorted(set(given) - known)
    if unknown:
        raise FmeaError(f"--detection {unknown[0]}: no such failure mode; use one of "
                        + ", ".join(sorted(known)))
    try:
        return {t: scoring.check_detection(r) for t, r in given.items()}
    except ValueError as exc:
        raise FmeaError(str(exc)) from None


def fmea(scenario: Scenario, replications: int | None = None,
         executor: str = DEFAULT_EXECUTOR, workers: int | None = None,
         progress: ProgressArg = False, targets: Sequence[str] | None = None,
         detection: Mapping[str, int] | None = None) -> Fmea:
    """Rate and rank the failure modes of ``scenario`` (see the module docstring).

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
    detection
        Detection rating 1-10 per target (default
        :data:`sim.experiment.fmea_scoring.DEFAULT_DETECTION` for all).

    Returns
    -------
    Fmea
        ``table``: one row per mode, highest risk first: when and how long it fails,
        ``per_year``; ``exposed`` customers; per occurrence the paired differences of
        the counts :data:`FMEA_COUNTS` and KPIs :data:`FMEA_KPIS` (``<name>_diff``,
        ``_ci_low``, ``_ci_high``); ``lost_share``, ``lost_per_year``; the ratings
        ``severity``, ``occurrence``, ``detection``, ``rpn``, ``effect`` (the reason
        for the severity) and ``act_anyway`` (severity 9 or 10).

    Raises
    ------
    FmeaError
        No failure mode to analyse, or a detection rating for an unknown target or
        outside 1-10.
    """
    started = time.perf_counter()
    all_modes = failure_modes(scenario)
    if targets is not None:
        unknown = sorted(set(targets) - {m.target for m in all_modes})
        if unknown:
            raise FmeaError(f"no failure mode '{unknown[0]}'; use one of "
                            + ", ".join(m.target for m in all_modes))
    modes = [m for m in all_modes if targets is None or m.target in targets]
    if not modes:
        raise FmeaError("no failure modes to analyse")
    detections = _detections(modes, detection)
    base = without_outages(scenario)
    starts = [busiest_hour(scenario, m.duration_s, mode_channels(scenario, m))
              for m in modes]
    variants = [with_failure(base, m, t) for m, t in zip(modes, starts, strict=False)]
    labels = ["baseline"] + [f"{m.kind}:{m.target}" for m in modes]
    n = max(2, int(replications if replications is not None else scenario.replications))
    comp = compare([base, *variants], replications=n, executor=executor, workers=workers,
                   progress=progress, labels=labels, groups=("all",))
    reps = pd.Index(sorted(comp.kpis[0]["replication"].unique()))
    base_counts = customer_counts(comp.kpis[0], reps)
    t = comp.table
    rows = [_mode_row(scenario, mode, at, v, t, comp.kpis[v], reps, base_counts,
                      detections.get(mode.target))
            for v, (mode, at) in enumerate(zip(modes, starts, strict=False), start=1)]
    table = pd.DataFrame(rows)
    table = table.sort_values(["rpn", "severity", "lost_per_year"], ascending=False,
                              kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    notes = list(comp.notes)
    notes.append("RPN = severity x occurrence x detection (1-10 each); severity counts "
                 "customers lost first (see 'scoring' in fmea.json)")
    if any(m.per_year_assumed for m in modes):
        notes.append("targets without 'mtbf' are assumed to fail once a year "
                     "(occurrence 3)")
    if not detections:
        notes.append(f"detection rated {scoring.DEFAULT_DETECTION} for all (give yours with "
                     "--detection TARGET=N): the ranking is by severity x occurrence")
    elif any(m.target not in detections for m in modes):
        notes.append(f"detection rated {scoring.DEFAULT_DETECTION} where not given")
    unsure = table[(table["lost_diff"] > 0.5) & ~(table["lost_ci_low"] > 0)]
    if len(unsure):
        notes.append("may lose customers, not significant with these replications "
                     "(more replications would tell): " + ", ".join(unsure["target"]))
    acts = table[table["act_anyway"]]
    if len(acts):
        notes.append(f"severity {scoring.ACT_ANYWAY_SEVERITY}+ (act whatever the RPN): "
                     + ", ".join(acts["target"]))
    return Fmea(scenario, table, n, time.perf_counter() - started, notes)


def _mode_row(scenario: Scenario, mode: FailureMode, at: float, v: int, t: pd.DataFrame,
              kpis: pd.DataFrame, reps: pd.Index, base_counts: dict[str, np.ndarray],
              detection: int | None) -> dict[str, Any]:
    """One row of the FMEA table: the effect of variant ``v`` and its ratings."""
    row: dict[str, Any] = {"target": mode.target, "kind": mode.kind,
                           "at": format_clock(at, scenario.start), "at_s": at,
                           "duration_s": mode.duration_s, "per_year": mode.per_year,
                           "per_year_assumed": mode.per_year_assumed}
    exposed = np.nan_to_num(_per_replication(kpis, "outage", "during", "journeys", reps))
    row["exposed"] = float(exposed.mean())
    counts = customer_counts(kpis, reps)
    for name in FMEA_COUNTS:
        d, lo, hi = paired_ci(counts[name], base_counts[name])
        row.update({f"{name}_diff": d, f"{name}_ci_low": lo, f"{name}_ci_high": hi})
    degraded = False
    for kpi in FMEA_KPIS:
        r = t[(t["group"] == "all") & (t["kpi"] == kpi) & (t["variant"] == v)]
        d, lo, hi = ((float(r["diff"].iloc[0]), float(r["diff_ci_low"].iloc[0]),
                      float(r["diff_ci_high"].iloc[0])) if len(r) else (math.nan,) * 3)
        row.update({f"{kpi}_diff": d, f"{kpi}_ci_low": lo, f"{kpi}_ci_high": hi})
        degraded |= kpi in DEGRADING_KPIS and scoring.harm(d, lo) > 0
    lost = scoring.harm(row["lost_diff"], row["lost_ci_low"])
    turned = (scoring.harm(row["abandoned_diff"], row["abandoned_ci_low"])
              + scoring.harm(row["blocked_diff"], row["blocked_ci_low"]))
    sev = scoring.severity(lost, row["exposed"], turned, degraded)
    occ = scoring.occurrence(mode.per_year)
    det = detection if detection is not None else scoring.DEFAULT_DETECTION
    row.update({
        "lost_share": scoring.share(lost, row["exposed"]),
        "lost_per_year": mode.per_year * lost,
        "severity": sev, "occurrence": occ, "detection": det,
        "detection_assumed": detection is None, "rpn": scoring.rpn(sev, occ, det),
        "effect": _effect(lost, turned, degraded, row["exposed"]),
        "act_anyway": sev >= scoring.ACT_ANYWAY_SEVERITY,
    })
    return row


def _effect(lost: float, turned: float, degraded: bool, exposed: float) -> str:
    """Why the mode got its severity, in words."""
    if lost > 0:
        return (f"{lost:,.0f} customers lost ({100 * scoring.share(lost, exposed):.1f}% "
                f"of {exposed:,.0f} who came while it was down)")
    if turned > 0:
        return (f"no significant loss; {turned:,.0f} more contacts abandoned or blocked "
                f"({100 * scoring.share(turned, exposed):.1f}% of {exposed:,.0f})")
    if degraded:
        return "none lost or turned away; slower, more recontacts/retries or effort"
    return "no significant effect"
