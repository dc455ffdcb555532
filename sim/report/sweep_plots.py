"""Figures of a sweep report: each KPI against the swept setting, with CI bands.

The first swept setting is the x axis; the second gives one line per value (with
a legend); a third and further settings give one panel per combination of their
values (small multiples with a shared y axis), so a three-setting sweep stays
readable. The band around a line is the 95% confidence interval of each point. A target on the KPI
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

__all__ = ["SWEEP_KPIS", "fig_sweep_kpi", "short_names", "sweep_panels", "x_positions"]

#: KPIs plotted in a sweep report, in order (those in the table are shown).
SWEEP_KPIS: tuple[str, ...] = (
    "service_level", "abandon_rate", "blocked_rate", "asa_s", "utilization",
    "resolution_latency_s", "recontact_rate", "effort_score", "cost_total",
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


def short_names(paths: Sequence[str]) -> list[str]:
    """The shortest dotted suffix of each setting's path that tells them apart
    (``pools.front.size`` -> ``front.size`` when another ``*.size`` is swept)."""
    out = []
    for p in paths:
        parts = p.split(".")
        tail = p
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(q == tail or q.endswith("." + tail) for q in paths) == 1:
                break
        out.append(tail)
    return out


def sweep_panels(points: pd.DataFrame, params: Sequence[str]
                 ) -> list[tuple[str, list[tuple[str, pd.DataFrame]]]]:
    """Small multiples: ``[(panel title, [(line name, rows), ...]), ...]``.

    The first setting is the x axis; the second (if any) gives one line per value,
    named by the value alone (the legend's title names the setting); every further
    setting gives one panel per combination of values, so three settings never make
    a single tangle of lines.
    """
    names = short_names(params)
    line_by = list(params[1:2])
    panel_by = list(params[2:])

    def lines(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
        if not line_by:
            return [("", frame)]
        return [(str(key[0] if isinstance(key, tuple) else key), rows)
                for key, rows in frame.groupby(line_by, sort=False)]

    if not panel_by:
        return [("", lines(points))]
    out = []
    for key, frame in points.groupby(panel_by, sort=False):
        keys = key if isinstance(key, tuple) else (key,)
        title = ", ".join(f"{n} = {v}" for n, v in zip(names[2:], keys, strict=True))
        out.append((title, lines(frame)))
    return out


def fig_sweep_kpi(table: pd.DataFrame, params: Sequence[str], kpi: str,
                  targets: Sequence[KpiTarget] = (),
                  best: dict[str, Any] | None = None) -> Figure | None:
    """One KPI against the swept setting(s), with 95% CI bands (one panel per
    combination of the third and later settings)."""
    rows = table[table["kpi"] == kpi]
    if rows.empty or not rows["mean"].notna().any() or not params:
        return None
    rows = rows.copy()
    for p in params:  # list / mapping values (a swept shift pattern) must be hashable
        rows[p] = rows[p].map(_hashable)
    xmap, numeric = x_positions(list(rows[params[0]]))
    info = kpi_info(kpi)
    scale = 100.0 if info.kind == "share" else 1.0
    unit = " (%)" if scale == 100 else " (s)" if info.kind == "seconds" else ""
    names = short_names(params)
    panels = sweep_panels(rows, params)
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = new_figure(9.5 if ncols > 1 else 8.5, 3.0 * nrows + 1.0, nrows=nrows,
                           ncols=ncols, sharex=True)
    flat = list(np.atleast_1d(axes).ravel())
    words = []
    best_id = best["point_id"] if best is not None else None
    handles: dict[str, Any] = {}
    top = 0.0
    for ax, (title, series) in zip(flat, panels, strict=False):
        for i, (name, frame) in enumerate(series):
            x = np.array([xmap[v] for v in frame[params[0]]])
            order = np.argsort(x, kind="stable")
            x = x[order]
            m = frame["mean"].to_numpy(float)[order] * scale
            lo, hi = clip_band(kpi, frame["ci_low"].to_numpy(float)[order],
                               frame["ci_high"].to_numpy(float)[order])
            lo, hi = lo * scale, hi * scale
            top = max(top, float(np.nanmax(hi)) if np.isfinite(hi).any() else 0.0,
                      float(np.nanmax(m)) if np.isfinite(m).any() else 0.0)
            style = series_style(i)
            ax.fill_between(x, lo, hi, color=style["color"], alpha=0.18, linewidth=0)
            (line,) = ax.plot(x, m, linewidth=1.8, markersize=5, **style)
            if name:
                handles.setdefault(short(name, 30), line)
            xs = [frame[params[0]].iloc[j] for j in order]
            pairs = ", ".join(f"{xv}: {fmt_value(kpi, mv / scale)}"
                              for xv, mv in zip(xs, m, strict=True))
            where = ", ".join(w for w in (title, f"{names[1]} = {name}" if name else "") if w)
            words.append((f"{where}: " if where else "") + pairs)
            if best_id is not None and (frame["point_id"] == best_id).any():
                sel = frame[frame["point_id"] == best_id]
                (star,) = ax.plot([xmap[sel[params[0]].iloc[0]]],
                                  [float(sel["mean"].iloc[0]) * scale], marker="*",
                                  markersize=16, color=OKABE_ITO[4], markeredgecolor="#000000",
                                  linestyle="none")
                handles["cheapest point meeting targets"] = star
        for t in targets:
            if t.kpi == kpi:
                ref = ax.axhline(t.value * scale, color="#000000", linestyle="--",
                                 linewidth=1.3)
                handles[f"target {t.text}"] = ref
        if title:
            ax.set_title(short(title, 40), fontsize=10.5)
        if not numeric or len(xmap) <= 12:
            ax.set_xticks(list(xmap.values()), [short(v, 12) for v in xmap])
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    for k, ax in enumerate(flat[:len(panels)]):
        if k // ncols == nrows - 1 or k + ncols >= len(panels):
            ax.set_xlabel(names[0])
        if k % ncols == 0:
            ax.set_ylabel(label(kpi) + unit)
        if info.kind == "share":
            ax.set_ylim(0, min(105.0, max(top * 1.08, 1.0)))
        elif info.kind in ("seconds", "count", "money"):
            ax.set_ylim(0, max(top * 1.08, 1e-9))
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="outside lower center",
                   ncols=min(4, len(handles)), fontsize=9,
                   title=names[1] if len(params) > 1 else None, title_fontsize=9)
    alt = (f"Line chart of {label(kpi).lower()} against {params[0]} with 95% confidence bands"
           + (f", one line per value of {params[1]}" if len(params) > 1 else "")
           + (f", one panel per combination of {', '.join(params[2:])}" if len(params) > 2
              else "") + ". Values: " + "; ".join(words) + ".")
    tgt = [t.text for t in targets if t.kpi == kpi]
    if tgt:
        alt += f" Target: {', '.join(tgt)}."
    if best is not None:
        alt += (" Cheapest point meeting all targets: "
                + ", ".join(f"{p} = {v}" for p, v in best["point"].items()) + ".")
    return Figure(to_png(fig), alt)
