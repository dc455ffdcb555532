"""The sweep report: KPIs against the swept settings, and the cheapest point that works.

Input is the tidy sweep table (:func:`sim.experiment.sweep.point_table`: the
swept settings as columns, then ``point_id, kpi, n, mean, ci_low, ci_high,
half_width``). The page shows the answer first (the cheapest point meeting the
targets, if targets were given, and how "cheapest" is decided), then one figure
per KPI with CI bands, the table of every point, the method and the manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report.format import fmt_ci, fmt_value, label, scoped_label
from sim.report.html import esc, figure_html, load_manifest, manifest_html, page, section, value_ci
from sim.report.html import table as html_table
from sim.report.plots import Plot
from sim.report.sweep_plots import SWEEP_KPIS, fig_sweep_kpi, short_names
from sim.report.targets import KpiTarget, cheapest_point, evaluate_points, parse_targets

__all__ = ["build_sweep_html", "sweep_figures", "write_sweep_report"]

OPS = {">=": "\u2265", "<=": "\u2264", ">": ">", "<": "<"}
#: Columns of the points table (blocked customers are lost customers, like abandons;
#: mean_sojourn_s is left out, see sim.report.format.SOJOURN_NOTE).
TABLE_KPIS = ("service_level", "abandon_rate", "blocked_rate", "asa_s", "utilization",
              "resolution_latency_s", "recontact_rate", "effort_score", "cost_total")


def plotted_kpis(table: pd.DataFrame, targets: Sequence[KpiTarget] = ()) -> list[str]:
    """The KPIs worth a figure: :data:`SWEEP_KPIS` present and not all zero.

    A KPI named in a target is always plotted.
    """
    rows = table[table["mean"].notna()]
    have = set(rows["kpi"])
    nonzero = set(rows.loc[rows["mean"] != 0, "kpi"])
    wanted = {t.kpi for t in targets}
    out = []
    for k in dict.fromkeys([*SWEEP_KPIS, *sorted(wanted)]):
        if k not in have:
            continue
        if k not in wanted and k not in nonzero:
            continue
        out.append(k)
    return out


def sweep_figures(table: pd.DataFrame, params: Sequence[str],
                  targets: Sequence[KpiTarget] = (),
                  best: dict[str, Any] | None = None) -> list[Plot]:
    """One figure per KPI of :data:`SWEEP_KPIS` present in the table."""
    out = []
    for kpi in plotted_kpis(table, targets):
        fig = fig_sweep_kpi(table, params, kpi, targets, best)
        if fig is not None:
            key = re.sub(r"[^A-Za-z0-9_]+", "_", kpi)
            names = short_names(params)
            how = (f" One line per {names[1]}" if len(params) > 1 else "") + \
                (f", one panel per {', '.join(names[2:])}" if len(params) > 2 else "")
            out.append(Plot(key, f"{scoped_label(kpi)} against {names[0]}",
                            "Lines are means over replications; the shaded band is the 95% "
                            "confidence interval of each point." + (how + "." if how else ""),
                            fig))
    return out


def _answer(table: pd.DataFrame, params: Sequence[str], targets: Sequence[KpiTarget],
            best: dict[str, Any] | None) -> str:
    if not targets:
        return ("<p>No targets were given, so no point is singled out. Give targets with "
                "<code>servicesim sweep ... --target 'service_level&gt;=0.8' --target "
                "'abandon_rate&lt;=5%'</code> to find the cheapest point that meets them.</p>")
    missing = sorted({t.kpi for t in targets} - set(table["kpi"]))
    items = "".join(f"<li><code>{esc(t.text)}</code> ({esc(label(t.kpi))} "
                    f"{esc(OPS.get(t.op, t.op))} {esc(fmt_value(t.kpi, t.value))})</li>"
                    for t in targets)
    text = f"<p>Targets:</p><ul>{items}</ul>"
    if missing:
        text += (f"<p class=\"callout\">Cannot be checked: the sweep has no KPI "
                 f"{esc(', '.join(missing))}.</p>")
    if best is None:
        return ("<p class=\"callout\"><strong>No point of the sweep meets all the "
                "targets.</strong> Widen the range of the sweep.</p>" + text)
    setting = ", ".join(f"{p} = {v}" for p, v in best["point"].items())
    rows = table[table["point_id"] == best["point_id"]].set_index("kpi")
    shown = list(dict.fromkeys([*(t.kpi for t in targets), "service_level", "abandon_rate",
                                "blocked_rate", "asa_s", "utilization"]))
    values = "; ".join(f"{scoped_label(k)} {fmt_value(k, rows.loc[k, 'mean'])} (95% CI "
                       f"{fmt_ci(k, rows.loc[k, 'ci_low'], rows.loc[k, 'ci_high'])})"
                       for k in shown if k in rows.index)
    ci = ("Its whole 95% confidence interval meets the targets too."
          if best["meets_ci"] else
          "Its mean meets the targets but its 95% confidence interval reaches past them: "
          "more replications, or the next point, give a safer margin.")
    return (f"<p class=\"answer\"><strong>Cheapest point meeting all targets: "
            f"{esc(setting)}.</strong> {esc(ci)}</p>"
            + (f"<p>At that point: {esc(values)}.</p>" if values else "") + text
            + f"<p class=\"muted\">Cheapest means the {esc(best['basis'])}; ties go to "
            "the earlier point of the grid. A point meets a target when its mean (over "
            "replications) does.</p>")


def points_table(table: pd.DataFrame, params: Sequence[str],
                 targets: Sequence[KpiTarget]) -> str:
    """Every point: settings, key KPIs (mean, CI) and whether it meets the targets."""
    kpis = [k for k in TABLE_KPIS if k in set(table["kpi"])]
    ev = evaluate_points(table, params, targets).set_index("point_id") if targets else None
    body = []
    for pid, frame in table.groupby("point_id", sort=False):
        first = frame.iloc[0]
        by = frame.set_index("kpi")
        cells = [esc(first[params[0]]), *(esc(first[p]) for p in params[1:])]
        for k in kpis:
            r = by.loc[k]
            cells.append(value_ci(fmt_value(k, r["mean"]), fmt_ci(k, r["ci_low"], r["ci_high"])))
        if ev is not None:
            e = ev.loc[pid]
            word = ("\u2714 yes, whole CI" if e["meets_ci"] else "\u2714 yes (mean)"
                    if e["meets"] else "\u2718 no")
            cells.append(f"<span class=\"meets\">{esc(word)}</span>")
        body.append(cells)
    heads = short_names(params)
    cols = [*heads, *(scoped_label(k) for k in kpis)] + (["Meets targets"] if targets else [])
    num = [False] * len(params) + [True] * len(kpis) + ([False] if targets else [])
    key = "".join(f"<li><strong>{esc(h)}</strong>: <code>{esc(p)}</code></li>"
                  for h, p in zip(heads, params, strict=True) if h != p)
    return ((f"<p>Settings:</p><ul>{key}</ul>\n" if key else "")
            + html_table("Every point of the sweep: mean with 95% confidence interval below",
                         cols, body, numeric=num).replace("<table>", "<table class=\"wide\">",
                                                          1))


def build_sweep_html(sweep_table: pd.DataFrame, params: Sequence[str],
                     targets: str | Iterable[str] | None = None,
                     manifest: dict[str, Any] | None = None,
                     plots: list[Plot] | None = None, scenario: Any = None) -> str:
    """The sweep report page as a string (see :func:`write_sweep_report`)."""
    params = list(params)
    parsed = parse_targets(targets)
    best = cheapest_point(sweep_table, params, parsed)
    plots = sweep_figures(sweep_table, params, parsed, best) if plots is None else plots
    manifest = manifest or {}
    name = manifest.get("scenario") or (scenario.name if scenario is not None else "scenario")
    n_points = sweep_table["point_id"].nunique() if len(sweep_table) else 0
    reps = manifest.get("replications") or (int(sweep_table["n"].max()) if len(sweep_table)
                                            else 0)
    body = [section("answer", "The answer", _answer(sweep_table, params, parsed, best))]
    if plots:
        body.append(section("figures", "KPIs against the swept settings", "".join(
            f"<h3>{esc(p.title)}</h3>" + figure_html(p.title, p.caption, p.figure.png,
                                                     p.figure.alt) for p in plots)))
    if n_points:
        body.append(section("points", "Every point", points_table(sweep_table, params, parsed)))
    grid = {p: list(dict.fromkeys(sweep_table[p])) for p in params} if len(sweep_table) else {}
    method = (f"<p>The base scenario was run at every point of the grid "
              f"{esc(json.dumps(grid, default=str))}, {reps} replications per point, with the "
              "same seed everywhere so that neighbouring points meet the same simulated "
              "customers and the curves come out smooth. Each KPI is the mean over "
              "replications with a 95% Student-t confidence interval.</p>")
    if scenario is not None:
        from sim.report.method import model_html

        versions = manifest.get("versions") if isinstance(manifest.get("versions"),
                                                          dict) else None
        method += model_html(scenario, int(reps), "sweep", versions)
    body.append(section("method", "How this model works", method))
    body.append(section("manifest", "Manifest: what produced this report",
                        manifest_html(manifest or None)))
    return page(f"Sweep: {name}", "\n".join(body), kind="servicesim sweep report",
                subtitle=f"{n_points} points over {', '.join(params)}; {reps} replications "
                         "per point",
                description=getattr(scenario, "description", "") or "",
                footer="<p>servicesim sweep report. Self-contained: loads nothing, runs no "
                       "scripts.</p>")


def write_sweep_report(sweep_table: pd.DataFrame, out_dir: str | Path, params: Sequence[str],
                       targets: str | Iterable[str] | None = None,
                       scenario: Any = None) -> Path:
    """Write ``report.html`` and ``plots/sweep_*.png`` for a sweep into ``out_dir``.

    Parameters
    ----------
    sweep_table
        The tidy sweep table (as returned by :func:`sim.experiment.sweep`).
    out_dir
        The sweep's output directory (its ``manifest.json`` is shown when present).
    params
        The swept settings (dotted paths), in grid order; the first is the x axis.
    targets
        Optional targets, e.g. ``["service_level>=0.8", "abandon_rate<=5%"]`` or one
        comma-separated string.
    scenario
        Optional base scenario, for the "How this model works" section.

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.

    Raises
    ------
    ValueError
        If a target cannot be parsed.
    """
    from sim import io
    from sim.report.run_report import write_plots

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = list(params)
    parsed = parse_targets(targets)
    best = cheapest_point(sweep_table, params, parsed)
    plots = sweep_figures(sweep_table, params, parsed, best)
    known = tuple(p.stem.removeprefix("sweep_") for p in (out / "plots").glob("sweep_*.png"))
    write_plots(out, plots, "sweep_", known)
    manifest = load_manifest(out)
    html_text = build_sweep_html(sweep_table, params, targets, manifest, plots, scenario)
    return io.write_text_atomic(out / "report.html", html_text)
