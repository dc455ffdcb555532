"""Comparing scenarios on common random numbers: is the difference real?

The first scenario is the *baseline*; every other one is a *variant*. All of them
run the same replication indices with the same seed, so replication ``i`` of every
variant draws from the same random streams wherever the scenarios' structure
matches (same arrivals, same handle times, same patience): the replications are
*paired*. The difference of a KPI between variant and baseline is then estimated
from the per-replication differences, whose spread is far smaller than that of
either scenario alone, so real effects show up with few replications.

For each KPI (the whole operation and each channel) the comparison reports each
scenario's mean and 95% CI, the paired difference to the baseline with its CI,
the paired t-test's p-value, its Holm-adjusted p-value and a verdict: ``better`` /
``worse`` in the KPI's direction (:data:`KPI_DIRECTIONS`: lower is better for
waits, losses, latency, effort and cost; higher for service level, FCR,
containment and resolution), ``higher`` / ``lower`` for KPIs without a direction
(volumes such as offered and handled contacts, utilisation, handle time), else
``no significant difference``.

Multiplicity: a table of many KPIs x channels x variants would show some
"significant" differences by chance alone, so a verdict needs the difference to
stay significant after Holm's step-down correction over every variant row of the
table (family-wise error 5%); the CIs shown stay the unadjusted 95% intervals.

Variance reduction: ``independent_half_width / paired_half_width``, where the
independent half-width is Welch's interval computed from the *same* replications
treated as unpaired samples. Marginally each scenario's replications are exactly
an i.i.d. sample like the one an independent seed would give, so Welch's width
estimates what independent runs would achieve without paying for a second set of
runs; the ratio squared is the factor of replications CRN saved.

If the scenarios carry different seeds, the baseline's seed is used for all (the
notes say so), since pairing needs common streams.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.executors import DEFAULT_EXECUTOR, open_session
from sim.experiment.limits import check_limits, check_total
from sim.experiment.manifest import build_manifest, report_writer, scenario_fingerprint
from sim.experiment.progress import Progress, ProgressArg
from sim.experiment.runner import run_tasks
from sim.experiment.worker import ReplicationTask
from sim.scenario.schema import Scenario

#: The direction of every KPI: ``"lower"`` (lower is better), ``"higher"`` (higher is
#: better) or ``None`` (neither: a volume, a mix or a workload figure). Volumes such as
#: ``handled`` are deliberately neutral: a deflection design that moves customers to
#: self-service hands fewer contacts to agents, which is neither good nor bad in itself.
#: ``aht_s`` is neutral too: it follows the mix of reasons, and a shorter call is not
#: a better one if the customer has to call back (that shows in recontacts and FCR).
KPI_DIRECTIONS: dict[str, str | None] = {
    # waits, losses, latency, effort and cost: lower is better
    "asa_s": "lower", "mean_wait_s": "lower", "p_wait": "lower", "abandon_rate": "lower",
    "blocked_rate": "lower", "mean_sojourn_s": "lower", "resolution_latency_s": "lower",
    "resolution_latency_s_p50": "lower", "resolution_latency_s_p90": "lower",
    "recontact_rate": "lower", "retry_rate": "lower", "open_at_cutoff": "lower",
    "backlog_end": "lower", "backlog_age_p90_s": "lower", "effort_score": "lower",
    "cost_total": "lower", "cost_per_journey": "lower", "contacts_per_journey": "lower",
    "transfers_per_journey": "lower", "days_to_visit": "lower", "days_to_visit_p90": "lower",
    "visits_per_journey": "lower", "out_of_hours_lost": "lower", "dropped": "lower",
    "callbacks_not_reached": "lower", "callback_wait_s": "lower",
    # outcomes: higher is better
    "service_level": "higher", "fcr": "higher", "containment_rate": "higher",
    "resolution_rate": "higher", "first_visit_fix_rate": "higher",
    "first_visit_fix": "higher", "same_agent_resolution_rate": "higher",
    "other_agent_resolution_rate": "higher",
    # volumes, mix and workload: no direction
    "offered": None, "handled": None, "sessions": None, "journeys": None, "visits": None,
    "utilization": None, "slot_occupancy": None, "mean_concurrency": None,
    "staffed_agents_mean": None, "busy_agents_mean": None,
    "scheduled_agents_mean": None, "aht_s": None,
    "talk_s": None, "acw_s": None, "out_of_hours": None, "out_of_hours_deflected": None,
    "callbacks_offered": None, "callbacks_accepted": None,
    "emails_interrupted": None, "emails_interrupted_share": None,
    "same_agent_rate": None, "handle_multiplier": None, "handled_share": None,
    "technician_utilization": None,
}
LOWER_IS_BETTER = frozenset(k for k, d in KPI_DIRECTIONS.items() if d == "lower")
HIGHER_IS_BETTER = frozenset(k for k, d in KPI_DIRECTIONS.items() if d == "higher")
# Every other KPI (KPIs added later included) is neutral: the verdict says "higher"
# or "lower" and leaves the judgement to the planner.

#: Family-wise significance level of the verdicts (Holm's method, see compare_table).
ALPHA = 0.05
MULTIPLICITY_METHOD = (
    "Holm's step-down method over every variant comparison in the table (each KPI, "
    "each group and member, each variant): a verdict is better/worse/higher/lower only "
    "when the paired t-test's Holm-adjusted p-value is below 0.05, which keeps the "
    "chance of any false verdict in the whole table below 5%. The confidence intervals "
    "shown are the unadjusted 95% intervals of each difference."
)


def direction(kpi: str) -> str | None:
    """``"lower"``/``"higher"`` when lower/higher values of ``kpi`` are better, else None."""
    return KPI_DIRECTIONS.get(kpi)


#: Breakdowns a comparison can add to the whole operation (``--by``).
BREAKDOWNS = ("channel", "pool", "segment", "intent")
DEFAULT_GROUPS = ("all", "channel")


class CompareError(ValueError):
    """A comparison that cannot be set up as asked (e.g. an unknown ``--by`` group)."""


def parse_groups(texts: Iterable[str]) -> list[str]:
    """The breakdowns of ``--by`` options, repeated or comma-separated, in order.

    >>> parse_groups(["segment", "channel,intent"])
    ['segment', 'channel', 'intent']

    Raises
    ------
    CompareError
        For a name that is not one of :data:`BREAKDOWNS`.
    """
    out: list[str] = []
    for text in texts:
        for name in (s.strip().lower() for s in text.split(",")):
            if not name:
                continue
            if name not in BREAKDOWNS:
                raise CompareError(f"--by {name!r}: no such breakdown; use one of "
                                   + ", ".join(BREAKDOWNS))
            if name not in out:
                out.append(name)
    return out


def _check_groups(groups: Sequence[str]) -> list[str]:
    known = ("all", *BREAKDOWNS)
    bad = [g for g in groups if g not in known]
    if bad:
        raise CompareError(f"unknown KPI group {bad[0]!r}; use one of " + ", ".join(known))
    return list(dict.fromkeys(groups))


VR_METHOD = (
    "Welch half-width of the same replications treated as independent samples, "
    "divided by the paired (CRN) half-width"
)

COLUMNS = [
    "group", "member", "kpi", "variant", "scenario", "mean", "ci_low", "ci_high",
    "diff", "diff_ci_low", "diff_ci_high", "paired_half_width", "independent_half_width",
    "variance_reduction", "p_value", "p_holm", "verdict",
]


def verdict(kpi: str, lo: float, hi: float) -> str:
    """Judge a difference CI ``[lo, hi]`` of ``variant - baseline`` for ``kpi``.

    Returns ``"better"``/``"worse"`` (or ``"higher"``/``"lower"`` for neutral KPIs)
    when the CI excludes zero, ``"no significant difference"`` when it contains it,
    and ``"n/a"`` when it is undefined.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "n/a"
    if lo <= 0.0 <= hi:
        return "no significant difference"
    up = lo > 0.0
    if direction(kpi) == "lower":
        return "worse" if up else "better"
    if direction(kpi) == "higher":
        return "better" if up else "worse"
    return "higher" if up else "lower"


@dataclass
class Comparison:
    """Result of :func:`compare`: the tidy comparison table and what produced it."""

    scenarios: list[Scenario]
    labels: list[str]
    table: pd.DataFrame
    summaries: list[pd.DataFrame]
    kpis: list[pd.DataFrame]
    replications: int
    wall_s: float
    notes: list[str] = field(default_factory=list)
    executor: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=lambda: list(DEFAULT_GROUPS))

    @property
    def baseline(self) -> str:
        return self.labels[0]

    def verdicts(self, group: str = "all") -> pd.DataFrame:
        """Variant rows of one group: KPI, variant, diff with CI and verdict."""
        t = self.table
        rows = t[(t["group"] == group) & (t["variant"] > 0)]
        return rows[["member", "kpi", "scenario", "diff", "diff_ci_low", "diff_ci_high",
                     "variance_reduction", "verdict"]].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """The ``compare.json`` document."""
        return {
            "baseline": self.labels[0],
            "variants": self.labels[1:],
            "scenario_hashes": [scenario_fingerprint(s) for s in self.scenarios],
            "seed": self.scenarios[0].seed,
            "replications": self.replications,
            "common_random_numbers": True,
            "confidence": 0.95,
            "variance_reduction_method": VR_METHOD,
            "multiplicity": {"method": "holm", "alpha": ALPHA,
                             "comparisons": family_size(self.table),
                             "rule": MULTIPLICITY_METHOD},
            "notes": list(self.notes),
            "rows": records_for_json(self.table),
        }

    def write(self, out_dir: str | Path, command: str | None = None) -> Path:
        """Write ``compare.csv``, ``compare.parquet``, ``compare.json``, ``manifest.json``."""
        from sim import io

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        io.write_text_atomic(out / "compare.csv", io.csv_text(self.table))
        io.write_parquet_atomic(out / "compare.parquet", self.table)
        io.write_json_atomic(out / "compare.json", self.to_dict())
        files = ["compare.csv", "compare.parquet", "compare.json", "manifest.json"]
        report = report_writer("write_compare_report")
        if report is not None:
            files += ["report.html", "plots/"]
        io.write_json_atomic(out / "manifest.json", self.manifest(command, files))
        if report is not None:  # after the manifest, which the report shows
            report(self, out)
        return out

    @property
    def family_size(self) -> int:
        """How many comparisons the Holm correction of the table covered."""
        return family_size(self.table)

    def manifest(self, command: str | None = None,
                 files: list[str] | None = None) -> dict[str, Any]:
        """The ``manifest.json`` document of this comparison."""
        return build_manifest(
            self.scenarios[0], kind="compare", replications=self.replications,
            wall_s=self.wall_s, executor=self.executor, command=command, files=files,
            extra={"variants": [
                {"label": lab, "scenario": s.name, "scenario_hash": scenario_fingerprint(s)}
                for lab, s in zip(self.labels, self.scenarios, strict=True)
            ], "notes": list(self.notes), "overrides": dict(self.overrides)},
        )


def records_for_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN/inf replaced by ``None`` (strict JSON)."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for row in rows:
        for k, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                row[k] = None
            elif isinstance(v, np.generic):
                row[k] = v.item()
    return rows


def _labels(scenarios: Sequence[Scenario], labels: Sequence[str] | None) -> list[str]:
    if labels is not None:
        if len(labels) != len(scenarios):
            raise ValueError("give one label per scenario")
        out = list(labels)
    else:
        out = [s.name for s in scenarios]
    if len(set(out)) != len(out):
        out = [f"{lab} #{i + 1}" for i, lab in enumerate(out)]
    return out


def _wide(kpis: pd.DataFrame) -> pd.DataFrame:
    """(group, member, kpi) x replication matrix of values."""
    return kpis.set_index(["group", "member", "kpi", "replication"])["value"].unstack("replication")


def compare_table(
    labels: Sequence[str],
    kpis: Sequence[pd.DataFrame],
    summaries: Sequence[pd.DataFrame],
    groups: Sequence[str] = ("all", "channel"),
) -> pd.DataFrame:
    """Build the tidy comparison table from per-variant KPI frames and summaries."""
    from sim.metrics.stats import paired_ci, welch_ci

    base = summaries[0]
    keys = base[base["group"].isin(groups)][["group", "member", "kpi"]]
    wides = [_wide(k) for k in kpis]
    indexed = [s.set_index(["group", "member", "kpi"]) for s in summaries]
    nan = float("nan")
    rows: list[dict[str, Any]] = []
    for key in keys.itertuples(index=False, name=None):
        b = wides[0].loc[key].to_numpy(dtype=float)
        for v, label in enumerate(labels):
            summ = indexed[v].loc[key] if key in indexed[v].index else None
            row: dict[str, Any] = dict(zip(("group", "member", "kpi"), key, strict=True))
            row.update(
                variant=v, scenario=label,
                mean=float(summ["mean"]) if summ is not None else nan,
                ci_low=float(summ["ci_low"]) if summ is not None else nan,
                ci_high=float(summ["ci_high"]) if summ is not None else nan,
                diff=nan, diff_ci_low=nan, diff_ci_high=nan, paired_half_width=nan,
                independent_half_width=nan, variance_reduction=nan, verdict="baseline",
            )
            if v > 0:
                a = (wides[v].loc[key].reindex(wides[0].columns).to_numpy(dtype=float)
                     if key in wides[v].index else np.full_like(b, nan))
                d, lo, hi = paired_ci(a, b)
                _, wlo, whi = welch_ci(a, b)
                hw, whw = (hi - lo) / 2, (whi - wlo) / 2
                row.update(diff=d, diff_ci_low=lo, diff_ci_high=hi, paired_half_width=hw,
                           independent_half_width=whw, variance_reduction=_ratio(whw, hw),
                           p_value=paired_p_value(a, b), verdict=verdict(key[2], lo, hi))
            rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    variants = table["variant"] > 0
    table["p_holm"] = np.nan
    table.loc[variants, "p_holm"] = holm(table.loc[variants, "p_value"].to_numpy(float))
    # a CI that excludes zero is a significant difference on its own; with many
    # comparisons, only those that stay significant after Holm's correction keep it
    weak = variants & ~(table["p_holm"] < ALPHA) & table["verdict"].isin(
        ["better", "worse", "higher", "lower"])
    table.loc[weak, "verdict"] = "no significant difference"
    return table


def paired_p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p-value of the paired t-test of ``a - b`` (NaN pairs dropped).

    Differences that are the same in every replication give 0 (a sure difference)
    or 1 (none); fewer than two pairs give NaN.
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return float("nan")
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if not sd > 0:
        return 1.0 if mean == 0 else 0.0
    from scipy import stats

    t = mean / (sd / math.sqrt(d.size))
    return float(2.0 * stats.t.sf(abs(t), d.size - 1))


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (step-down, family = the finite entries of ``p``).

    The ``i``-th smallest of ``m`` p-values is multiplied by ``m - i`` (``i`` from 0)
    and the results made non-decreasing; capped at 1. NaN stays NaN.

    >>> [round(x, 3) for x in holm(np.array([0.01, 0.04, 0.03]))]
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = idx.size
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    scaled = np.minimum(1.0, p[order] * (m - np.arange(m)))
    out[order] = np.maximum.accumulate(scaled)
    return out


def family_size(table: pd.DataFrame) -> int:
    """How many comparisons the Holm correction of ``table`` covered."""
    return int(((table["variant"] > 0) & table["p_value"].notna()).sum())


def _ratio(num: float, den: float) -> float:
    if not (math.isfinite(num) and math.isfinite(den)) or den <= 0:
        return float("nan")
    return num / den


def compare(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressArg = False,
    labels: Sequence[str] | None = None,
    groups: Sequence[str] = DEFAULT_GROUPS,
    allow_large: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> Comparison:
    """Run a baseline and variants on common random numbers and compare their KPIs.

    Parameters
    ----------
    scenarios
        Baseline first, then one or more variants.
    replications
        Replications per scenario (default: the baseline's ``replications``); at
        least 2.
    executor, workers, scheduler, progress
        As for :func:`sim.experiment.run`.
    labels
        Display names (default: scenario names, numbered if they collide).
    groups
        KPI groups to compare: ``"all"`` (the whole operation) and any of
        :data:`BREAKDOWNS` (default: the whole operation and by channel).
    overrides
        Settings changed in *every* scenario for this comparison, by dotted path
        (``{"horizon": "2d"}``; the ``--set`` options of ``servicesim compare``),
        recorded in the manifest; the scenario hashes are those of the changed
        scenarios.

    Returns
    -------
    Comparison
        The table (one row per group × member × KPI × scenario) and run facts.
    """
    if len(scenarios) < 2:
        raise ValueError("compare needs a baseline and at least one variant")
    groups = _check_groups(groups)
    changes = dict(overrides or {})
    if changes:
        scenarios = [s.with_changes(changes) for s in scenarios]
    names = _labels(scenarios, labels)
    seed = scenarios[0].seed
    notes: list[str] = []
    runs = [scenarios[0]]
    for label, s in zip(names[1:], scenarios[1:], strict=True):
        if s.seed != seed:
            notes.append(f"'{label}' has seed {s.seed}; run with the baseline's seed {seed} "
                         "so that all scenarios share common random numbers")
            s = s.with_changes({"seed": seed})
        runs.append(s)
    n = int(replications if replications is not None else scenarios[0].replications)
    if n < 2:
        raise ValueError("compare needs at least 2 replications for confidence intervals")
    check_total([check_limits(s, n, workers, keep_contacts=False, allow_large=allow_large,
                              executor=executor) for s in runs], allow_large)
    started = time.perf_counter()
    tasks = [ReplicationTask(s, r, keep_intervals=False, keep_contacts=False, tag=v)
             for r in range(n) for v, s in enumerate(runs)]
    session = open_session(executor, workers, scheduler, max_tasks=len(tasks))
    with session, Progress(progress, "compare: replications", len(tasks)) as bar:
        outputs = run_tasks(session, tasks, bar)
    from sim.metrics import summarize

    kpis = [pd.concat([o.kpis for o in outputs if o.tag == v], ignore_index=True)
            for v in range(len(runs))]
    summaries = [summarize(k) for k in kpis]
    table = compare_table(names, kpis, summaries, groups)
    return Comparison(runs, names, table, summaries, kpis, n,
                      time.perf_counter() - started, notes, session.describe(),
                      overrides=changes, groups=groups)
