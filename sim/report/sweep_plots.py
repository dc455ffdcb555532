"""Figures of a sweep report: each KPI against the swept setting, with CI bands.

The first swept setting is the x axis; every combination of the other settings
gets its own line (for two settings: one line per value of the second). The band
around a line is the 95% confidence interval of each point. A target on the KPI
is drawn as a dashed horizontal line and the cheapest point meeting all targets
is marked with a star.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics.summary import kpi_range
from sim.report._plotting import OKABE_ITO, Figure, new_figure, series_style, short, to_png
from sim.report.format import fmt_value, kpi_info, label
from sim.report.targets import KpiTarget

__all__ = ["SWEEP_KPIS", "fig_sweep_kpi", "x_positions"]

#: KPIs plotted in a sweep report, in order (those in the table are shown).
SWEEP_KPIS: tuple[str, ...] = (
    "service_level", "abandon_rate", "asa_s", "utilization", "resolution_latency_s",
    "mean_sojourn_s", "recontact_rate", "effort_score", "cost_total",
)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def x_positions(values: Sequence[Any]) -> tuple[dict[Any, float], bool]:
    """Map the first setting's values to x positions; numeric values map to themselves."""
    uniq = list(dict.fromkeys(values))
    if uniq and all(_is_number(v) for v in uniq):
        return {v: float(v) for v in uniq}, True
    return {v: float(i) for i, v in enumerate(uniq)}, False


def _hashable(v: Any) -> Any:
    """A grid value as a dict key: lists and mappings become their compact JSON text."""
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, sort_keys=True, separators=(", ", ": "), default=str)
    return v


def clip_band(kpi: str, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CI bounds clipped to the KPI's possible range (:func:`sim.metrics.summary.kpi_range`)."""
    low, high = kpi_range(kpi)
    return np.clip(lo, low, high), np.clip(hi, low, high)


def _series(points: pd.DataFrame, params: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    rest = list(params[1:])
    if not rest:
        return [("", points)]
    out = []
    for key, frame in points.groupby(rest, sort=False):
        keys = key if isinstance(key, tuple) else (key,)
        name = ", ".join(f"{p} = {v}" for p, v in zip(rest, keys, strict=True))
        out.append((name, frame))
    return out


def fig_sweep_kpi(table: pd.DataFrame, params: Sequence[str], kpi: str,
                  targets: Sequence[KpiTarget] = (),
                  best: dict[str, Any] | None = None) -> Figure | None:
    """One KPI against the swept setting(s), with 95% CI bands."""
    rows = table[table["kpi"] == kpi]
    if rows.empty or not rows["mean"].notna().any() or not params:
        return None
    rows = rows.copy()
    for p in params:  # list / mapping values (a swept shift pattern) must be hashable
        rows[p] = rows[p].map(_hashable)
    xmap, numeric = x_positions(list(rows[params[0]]))
    scale = 100.0 if kpi_info(kpi).kind == "share" else 1.0
    unit = " (%)" if scale == 100 else " (s)" if kpi_info(kpi).kind == "seconds" else ""
    fig, ax = new_figure(8.5, 3.8)
    words = []
    for i, (name, frame) in enumerate(_series(rows, params)):
        x = np.array([xmap[v] for v in frame[params[0]]])
        order = np.argsort(x, kind="stable")
        x = x[order]
        m = frame["mean"].to_numpy(float)[order] * scale
        lo, hi = clip_band(kpi, frame["ci_low"].to_numpy(float)[order],
                           frame["ci_high"].to_numpy(float)[order])
        lo, hi = lo * scale, hi * scale
        style = series_style(i)
        ax.fill_between(x, lo, hi, color=style["color"], alpha=0.18, linewidth=0)
        ax.plot(x, m, label=short(name, 60) or None, linewidth=1.8, markersize=5, **style)
        xs = [frame[params[0]].iloc[j] for j in order]
        pairs = ", ".join(f"{xv}: {fmt_value(kpi, mv / scale)}" for xv, mv in zip(xs, m,
                                                                                    strict=True))
        words.append((f"{name}: " if name else "") + pairs)
    for t in targets:
        if t.kpi == kpi:
            ax.axhline(t.value * scale, color="#000000", linestyle="--", linewidth=1.3,
                       label=f"target {t.text}")
    if best is not None:
        sel = rows[rows["point_id"] == best["point_id"]]
        if len(sel):
            bx = xmap[sel[params[0]].iloc[0]]
            ax.plot([bx], [float(sel["mean"].iloc[0]) * scale], marker="*", markersize=16,
                    color=OKABE_ITO[4], markeredgecolor="#000000", linestyle="none",
                    label="cheapest point meeting targets")
    if not numeric or len(xmap) <= 12:
        ax.set_xticks(list(xmap.values()), [short(v, 16) for v in xmap])
    ax.set_xlabel(params[0])
    ax.set_ylabel(label(kpi) + unit)
    if kpi_info(kpi).kind == "share":
        ax.set_ylim(0, min(105.0, ax.get_ylim()[1]))
    elif kpi_info(kpi).kind in ("seconds", "count", "money"):
        ax.set_ylim(bottom=0)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=8.5)
    alt = (f"Line chart of {label(kpi).lower()} against {params[0]} with 95% confidence bands"
           + (f", one line per combination of {', '.join(params[1:])}" if len(params) > 1
              else "") + ". Values: " + "; ".join(words) + ".")
    tgt = [t.text for t in targets if t.kpi == kpi]
    if tgt:
        alt += f" Target: {', '.join(tgt)}."
    if best is not None:
        alt += (" Cheapest point meeting all targets: "
                + ", ".join(f"{p} = {v}" for p, v in best["point"].items()) + ".")
    return Figure(to_png(fig), alt)
