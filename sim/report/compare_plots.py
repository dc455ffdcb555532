"""Figures of a comparison report: differences with CIs, KPIs and waits per variant.

* :func:`fig_differences` — every variant's paired difference to the baseline, as a
  percentage of the baseline value, with its 95% CI (a forest plot);
* :func:`fig_variant_kpis` — the key KPIs of every scenario side by side, with CIs;
* :func:`fig_waits_by_channel` — average speed of answer per channel and scenario;
* :func:`fig_intraday_overlay` — service level interval by interval, one line per
  scenario, when the comparison kept interval tables (``comparison.intervals``).

Series differ by marker, line style and hatch as well as colour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.report._plotting import (
    HATCHES,
    Figure,
    clock_ticks,
    new_figure,
    series_style,
    short,
    to_png,
)
from sim.report.format import fmt_ci, fmt_diff, fmt_diff_ci, fmt_value, label

__all__ = ["DIFF_KPIS", "SIDE_KPIS", "fig_differences", "fig_intraday_overlay",
           "fig_variant_kpis", "fig_waits_by_channel"]

DIFF_KPIS: tuple[str, ...] = (
    "resolution_latency_s", "recontact_rate", "fcr", "effort_score", "service_level",
    "abandon_rate", "blocked_rate", "asa_s", "mean_wait_s", "p_wait", "utilization",
    "mean_sojourn_s", "aht_s", "handled", "cost_total",
)
SIDE_KPIS: tuple[str, ...] = (
    "resolution_latency_s", "recontact_rate", "effort_score", "service_level", "abandon_rate",
    "asa_s", "utilization", "mean_sojourn_s",
)


def _rows(table: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    return table[table["group"] == group]


def fig_differences(comparison: Any) -> Figure | None:
    """Forest plot: difference to the baseline in % of the baseline, with 95% CI."""
    t = _rows(comparison.table)
    base = t[t["variant"] == 0].set_index("kpi")["mean"]
    kpis = [k for k in DIFF_KPIS if k in base.index and np.isfinite(base[k]) and base[k] != 0
            and t[(t["kpi"] == k) & (t["variant"] > 0)]["diff"].notna().any()]
    if not kpis:
        return None
    n_var = len(comparison.labels) - 1
    fig, ax = new_figure(9.5, 0.42 * len(kpis) * max(1, n_var) + 1.8)
    y0 = np.arange(len(kpis))[::-1].astype(float)
    offsets = np.linspace(-0.25, 0.25, n_var) if n_var > 1 else np.zeros(1)
    words = []
    for v in range(1, n_var + 1):
        rows = t[t["variant"] == v].set_index("kpi")
        style = series_style(v - 1)
        for i, k in enumerate(kpis):
            if k not in rows.index:
                continue
            r = rows.loc[k]
            scale = 100.0 / abs(float(base[k]))
            d, lo, hi = r["diff"] * scale, r["diff_ci_low"] * scale, r["diff_ci_high"] * scale
            y = y0[i] + offsets[v - 1]
            ax.errorbar([d], [y], xerr=[[max(d - lo, 0)], [max(hi - d, 0)]], fmt=style["marker"],
                        color=style["color"], capsize=3, markersize=6,
                        label=short(comparison.labels[v]) if i == 0 else None)
            words.append(f"{comparison.labels[v]}, {label(k)}: {fmt_diff(k, r['diff'])} "
                         f"({fmt_diff_ci(k, r['diff_ci_low'], r['diff_ci_high'])}), "
                         f"{r['verdict']}")
    ax.axvline(0, color="#000000", linewidth=1.0)
    ax.set_yticks(y0, [label(k) for k in kpis])
    ax.set_xlabel(f"Difference to baseline '{short(comparison.labels[0])}' "
                  "(% of baseline value)")
    ax.grid(axis="y", visible=False)
    if n_var > 1:
        ax.legend(fontsize=9, title="Variant")
    alt = ("Forest plot of paired differences to the baseline with 95% confidence intervals "
           "(a difference is real when its interval does not cross zero). "
           + "; ".join(words) + ".")
    return Figure(to_png(fig), alt)


def _bars(ax: Any, labels: list[str], mean: np.ndarray, lo: np.ndarray, hi: np.ndarray,
          scale: float) -> None:
    x = np.arange(len(labels))
    for i in range(len(labels)):
        err = [[max(np.nan_to_num(mean[i] - lo[i]), 0) * scale],
               [max(np.nan_to_num(hi[i] - mean[i]), 0) * scale]]
        ax.bar(x[i], mean[i] * scale, color=series_style(i)["color"],
               hatch=HATCHES[i % len(HATCHES)], edgecolor="white", yerr=err, capsize=4,
               error_kw={"ecolor": "#222222"})
    ax.set_xticks(x, labels, rotation=20, ha="right")
    ax.grid(axis="x", visible=False)


def _unit(kpi: str) -> tuple[float, str]:
    from sim.report.format import kpi_info

    kind = kpi_info(kpi).kind
    if kind == "share":
        return 100.0, " (%)"
    if kind == "seconds":
        return 1.0, " (s)"
    return 1.0, ""


def fig_variant_kpis(comparison: Any) -> Figure | None:
    """Small multiples: each key KPI per scenario, with 95% CIs."""
    t = _rows(comparison.table)
    kpis = [k for k in SIDE_KPIS if t[t["kpi"] == k]["mean"].notna().any()]
    if not kpis:
        return None
    ncols = min(4, len(kpis))
    nrows = -(-len(kpis) // ncols)
    fig, axes = new_figure(2.6 * ncols + 1.0, 3.0 * nrows, nrows=nrows, ncols=ncols)
    axes = np.atleast_1d(axes).ravel()
    words = []
    for ax, k in zip(axes, kpis, strict=False):
        rows = t[t["kpi"] == k].sort_values("variant")
        scale, unit = _unit(k)
        _bars(ax, [short(x, 20) for x in rows["scenario"]], rows["mean"].to_numpy(float),
              rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float), scale)
        ax.set_title(label(k) + unit, fontsize=10.5)
        words.append(f"{label(k)}: " + ", ".join(
            f"{s} {fmt_value(k, m)} ({fmt_ci(k, lo, hi)})" for s, m, lo, hi in
            zip(rows["scenario"], rows["mean"], rows["ci_low"], rows["ci_high"], strict=True)))
    for ax in axes[len(kpis):]:
        ax.set_visible(False)
    alt = ("Bar charts of key KPIs per scenario, whiskers are 95% confidence intervals. "
           + "; ".join(words) + ".")
    return Figure(to_png(fig), alt)


def fig_waits_by_channel(comparison: Any) -> Figure | None:
    """Average speed of answer per channel, one bar per scenario, with 95% CIs."""
    t = comparison.table
    rows = t[(t["group"] == "channel") & (t["kpi"] == "asa_s")]
    if rows.empty or not rows["mean"].notna().any():
        return None
    channels = list(dict.fromkeys(rows["member"].astype(str)))
    n = len(comparison.labels)
    fig, ax = new_figure(max(6.0, 1.6 * len(channels) * n / 2 + 3), 3.6)
    width = 0.8 / n
    x = np.arange(len(channels))
    words = []
    for v, lab in enumerate(comparison.labels):
        r = rows[rows["variant"] == v].assign(member=lambda f: f["member"].astype(str))
        r = r.set_index("member").reindex(channels)
        mean = r["mean"].to_numpy(float)
        err = [np.clip(np.nan_to_num(mean - r["ci_low"].to_numpy(float)), 0, None),
               np.clip(np.nan_to_num(r["ci_high"].to_numpy(float) - mean), 0, None)]
        ax.bar(x + (v - (n - 1) / 2) * width, mean, width * 0.95, label=short(lab),
               color=series_style(v)["color"], hatch=HATCHES[v % len(HATCHES)],
               edgecolor="white", yerr=err, capsize=3, error_kw={"ecolor": "#222222"})
        words.append(f"{lab}: " + ", ".join(f"{c} {fmt_value('asa_s', m)}"
                                            for c, m in zip(channels, mean, strict=True)))
    ax.set_xticks(x, channels)
    ax.set_ylabel("Average speed of answer (s)")
    ax.legend(fontsize=9, title="Scenario")
    ax.grid(axis="x", visible=False)
    alt = ("Grouped bar chart of the average speed of answer by channel and scenario, with 95% "
           "confidence intervals. " + "; ".join(words) + ".")
    return Figure(to_png(fig), alt)


def _sl_by_interval(intervals: pd.DataFrame) -> pd.DataFrame:
    """Offered-weighted service level over channels, mean over replications, per interval."""
    ch = intervals[intervals["scope"].astype(str) == "channel"].copy()
    ch["w"] = ch["service_level"] * ch["offered"]
    g = ch.groupby(["replication", "interval"]).agg(w=("w", "sum"), o=("offered", "sum"),
                                                    clock=("clock", "first")).reset_index()
    g["sl"] = g["w"] / g["o"].where(g["o"] > 0)
    return g.groupby("interval").agg(sl=("sl", "mean"), clock=("clock", "first")).reset_index()


def fig_intraday_overlay(comparison: Any) -> Figure | None:
    """Service level by interval, one line per scenario (needs ``comparison.intervals``)."""
    frames = getattr(comparison, "intervals", None)
    if not frames or any(f is None or f.empty for f in frames):
        return None
    fig, ax = new_figure(9.5, 3.6)
    words = []
    last = None
    for v, (lab, frame) in enumerate(zip(comparison.labels, frames, strict=True)):
        m = _sl_by_interval(frame)
        ax.plot(m["interval"], m["sl"] * 100, label=short(lab), markersize=4,
                markevery=max(1, len(m) // 24), **series_style(v))
        if m["sl"].notna().any():
            i = int(np.nanargmin(m["sl"].to_numpy(float)))
            words.append(f"{lab} lowest {fmt_value('service_level', m['sl'].iloc[i])} at "
                         f"{m['clock'].iloc[i]}, mean {fmt_value('service_level', m['sl'].mean())}")
        last = m
    if last is not None:
        clock_ticks(ax, list(last["interval"]), list(last["clock"]))
    ax.set_ylim(0, 105)
    ax.set_ylabel("Service level (%)")
    ax.set_xlabel("Start of interval (clock time)")
    ax.legend(fontsize=9, title="Scenario")
    alt = ("Line chart of service level per interval (all channels, mean over replications), "
           "one line per scenario: " + "; ".join(words) + ".")
    return Figure(to_png(fig), alt)
