"""The run report: one self-contained page describing one scenario's results.

Sections, top to bottom: the answer (the targets given with ``-t``, met or not,
or each channel's service level against its own target); the headline KPIs with
their 95% confidence intervals;
tables by channel, pool, segment and intent (and tenure group, for pools with a tenure
mix); KPIs inside vs outside each demand
shock (scenarios with ``events``); KPIs during vs outside outages, the outages and
the failover rules (scenarios with ``outages``); technician visits (field channels); the
figures (the day interval by interval, utilisation, the latency distribution,
where the time goes, effort and recontacts by segment, outages); how the model
works; the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.report.field import field_html
from sim.report.format import (
    HEADLINE_KPIS,
    SOJOURN_NOTE,
    fmt_ci,
    fmt_duration,
    fmt_value,
    kpi_info,
    label,
    plural,
    scoped_label,
)
from sim.report.html import (
    esc,
    figure_html,
    load_manifest,
    manifest_html,
    page,
    section,
    table,
    value_ci,
)
from sim.report.method import model_html
from sim.report.outages import outages_html
from sim.report.plots import Plot, run_figures
from sim.report.segment_targets import segment_targets_html
from sim.report.shocks import shocks_html

__all__ = ["GROUP_KPIS", "build_run_html", "write_run_report"]

CUSTOMER_KPIS = ["offered", "service_level", "abandon_rate", "blocked_rate",
                 "asa_s", "resolution_latency_s", "recontact_rate", "fcr",
                 "effort_score"]
#: KPIs shown in each breakdown table (those present are shown).
GROUP_KPIS: dict[str, list[str]] = {
    "channel": [*CUSTOMER_KPIS, "dropped", "out_of_hours", "out_of_hours_lost",
                "out_of_hours_deflected", "callbacks_offered", "callbacks_accepted",
                "callbacks_not_reached", "callback_wait_s", "emails_interrupted",
                "emails_interrupted_share", "same_agent_rate", "same_agent_resolution_rate",
                "other_agent_resolution_rate"],
    "pool": ["handled", "utilization", "asa_s", "aht_s", "talk_s", "acw_s",
             "handle_multiplier", "scheduled_agents_mean", "staffed_agents_mean",
             "busy_agents_mean", "emails_interrupted", "emails_interrupted_share",
             "cost_total"],
    "segment": CUSTOMER_KPIS,
    "intent": [*CUSTOMER_KPIS, "aht_s", "talk_s", "acw_s"],
    "tenure": ["handled", "handled_share", "aht_s", "talk_s", "acw_s", "handle_multiplier"],
}
GROUP_TITLES = {"channel": "By channel", "pool": "By team (pool)", "segment": "By segment",
                "intent": "By contact reason (intent)",
                "tenure": "By tenure group (team/group)"}

#: File names of the run report's figures (so stale ones can be removed).
PLOT_KEYS = ("intraday", "utilization", "latency", "stages", "segments", "outages")


#: KPIs left out of a table when they are zero everywhere (e.g. no queue limits).
HIDE_WHEN_ZERO = frozenset({"blocked_rate", "cost_total"})


def _present(summary: pd.DataFrame, group: str, kpis: list[str]) -> list[str]:
    rows = summary[(summary["group"] == group) & summary["mean"].notna()]
    have = set(rows["kpi"])
    nonzero = set(rows.loc[rows["mean"] != 0, "kpi"])
    return [k for k in kpis if k in have and (k not in HIDE_WHEN_ZERO or k in nonzero)]


def headline_html(summary: pd.DataFrame, replications: int) -> str:
    """Cards of the headline KPIs (whole operation) with 95% CIs."""
    rows = summary[summary["group"] == "all"].set_index("kpi")
    cards = []
    for kpi in _present(summary, "all", list(HEADLINE_KPIS)):
        r = rows.loc[kpi]
        info = kpi_info(kpi)
        cards.append(
            f"<div data-kpi=\"{esc(kpi)}\"><dt>{esc(scoped_label(kpi))}</dt>"
            f"<dd class=\"value\">{esc(fmt_value(kpi, r['mean']))}</dd>"
            f"<dd class=\"ci\">95% CI {esc(fmt_ci(kpi, r['ci_low'], r['ci_high']))}</dd>"
            f"<dd class=\"meaning\">{esc(info.meaning)}</dd></div>")
    if not cards:
        return "<p>No KPIs were computed.</p>"
    warn = ("<p class=\"callout\"><strong>One replication only:</strong> without a second "
            "replication there is no confidence interval, so nothing here says how much the "
            "figures would move in another run. Run at least 2 (better 10 or more).</p>\n"
            if replications < 2 else "")
    return (f"<p>Whole operation, mean of {plural(replications, 'replication')} with the 95% "
            "confidence interval (the range that contains the true long-run value with 95% "
            "confidence). Waits and service level of the whole operation count the live "
            "channels (voice and chat); email is judged per channel below.</p>\n" + warn
            + "<dl class=\"kpis\">\n" + "\n".join(cards) + "\n</dl>\n"
            + f"<p class=\"muted\">{esc(SOJOURN_NOTE)}</p>")


def group_table(summary: pd.DataFrame, group: str) -> str:
    """A breakdown table: one row per member, one column per KPI (mean and CI)."""
    kpis = _present(summary, group, GROUP_KPIS.get(group, []))
    rows = summary[summary["group"] == group]
    if not kpis or rows.empty:
        return ""
    members = list(dict.fromkeys(str(m) for m in rows["member"]))
    idx = rows.assign(member=rows["member"].astype(str)).set_index(["member", "kpi"])
    body = []
    for m in members:
        cells = [esc(m)]
        for k in kpis:
            if (m, k) in idx.index:
                r = idx.loc[(m, k)]
                cells.append(value_ci(fmt_value(k, r["mean"]), fmt_ci(k, r["ci_low"],
                                                                      r["ci_high"])))
            else:
                cells.append("&ndash;")
        body.append(cells)
    name = {"pool": "Pool", "intent": "Intent", "tenure": "Team/group"}.get(
        group, group.capitalize())
    caption = f"{GROUP_TITLES[group]}: mean with 95% confidence interval below"
    return table(caption, [name, *(scoped_label(k, group) for k in kpis)], body,
                 numeric=[False, *([True] * len(kpis))])


def run_verdicts(summary: pd.DataFrame, targets: Any) -> list[dict[str, Any]]:
    """Each target judged on the whole operation: ``{target, mean, ci_low, ci_high,
    met, met_ci}`` (``met_ci``: the whole 95% CI is on the right side)."""
    from sim.report.targets import parse_targets

    rows = summary[summary["group"] == "all"].set_index("kpi")
    out = []
    for t in parse_targets(targets):
        if t.kpi not in rows.index:
            out.append({"target": t, "mean": float("nan"), "ci_low": float("nan"),
                        "ci_high": float("nan"), "met": False, "met_ci": False})
            continue
        r = rows.loc[t.kpi]
        mean, lo, hi = float(r["mean"]), float(r["ci_low"]), float(r["ci_high"])
        bound = lo if t.upward else hi
        out.append({"target": t, "mean": mean, "ci_low": lo, "ci_high": hi,
                    "met": t.met(mean), "met_ci": t.met(mean) and t.met(bound)})
    return out


_OPS = {">=": "\u2265", "<=": "\u2264", ">": ">", "<": "<"}


def answer_html(summary: pd.DataFrame, sc: Any, targets: Any = None) -> str:
    """The verdict first: targets met or not, or each channel against its own target."""
    verdicts = run_verdicts(summary, targets) if targets else []
    if verdicts:
        items = []
        for v in verdicts:
            t = v["target"]
            word = ("met, with the whole 95% CI" if v["met_ci"] else
                    "met on average only: the 95% CI reaches past it" if v["met"] else
                    "not met" if v["mean"] == v["mean"] else "cannot be checked: no such KPI")
            sym = "\u2714" if v["met_ci"] else "\u26a0" if v["met"] else "\u2718"
            items.append(f"<li><span aria-hidden=\"true\">{sym}</span> "
                         f"<strong>{esc(scoped_label(t.kpi))} {esc(_OPS.get(t.op, t.op))} "
                         f"{esc(fmt_value(t.kpi, t.value))}</strong>: {esc(word)} "
                         f"({esc(fmt_value(t.kpi, v['mean']))}, 95% CI "
                         f"{esc(fmt_ci(t.kpi, v['ci_low'], v['ci_high']))})</li>")
        n_ci = sum(v["met_ci"] for v in verdicts)
        n_mean = sum(v["met"] for v in verdicts)
        if n_ci == len(verdicts):
            head = "Every target is met, with the whole 95% confidence interval."
        elif n_mean == len(verdicts):
            head = ("Every target is met on average, but not with the whole 95% confidence "
                    "interval: in some periods like this one it would be missed.")
        else:
            head = f"{len(verdicts) - n_mean} of {plural(len(verdicts), 'target')} not met."
        return (f"<p class=\"answer\"><strong>{esc(head)}</strong></p>\n<ul>"
                + "".join(items) + "</ul>\n<p class=\"muted\">Targets on the whole "
                "operation, judged on the mean and on its 95% confidence interval.</p>")
    ch = summary[summary["group"] == "channel"]
    idx = ch.assign(member=ch["member"].astype(str)).set_index(["member", "kpi"])
    items = []
    for name, c in sc.channels.items():
        if c.kind not in ("voice", "chat", "email") or (name, "service_level") not in idx.index:
            continue
        r = idx.loc[(name, "service_level")]
        lost = []
        for k in ("abandon_rate", "blocked_rate"):
            if (name, k) in idx.index and idx.loc[(name, k), "mean"] > 0:
                lost.append(f"{label(k).lower()} {fmt_value(k, idx.loc[(name, k), 'mean'])}")
        tail = f"; {', '.join(lost)}" if lost else ""
        items.append(f"<li><strong>{esc(name)}</strong>: "
                     f"{esc(fmt_value('service_level', r['mean']))} answered within "
                     f"{esc(fmt_duration(c.sl_target_s))} (95% CI "
                     f"{esc(fmt_ci('service_level', r['ci_low'], r['ci_high']))}){esc(tail)}"
                     "</li>")
    if not items:
        return "<p>No live channel: see the headline results.</p>"
    return ("<p class=\"answer\"><strong>Service level per channel, against each channel's "
            "own answer-time target:</strong></p>\n<ul>" + "".join(items) + "</ul>\n"
            "<p class=\"muted\">No targets were given. Give them with "
            "<code>servicesim run FILE -t 'service_level&gt;=0.8' -t "
            "'abandon_rate&lt;=5%'</code> to have this page say whether they are met.</p>")


def build_run_html(results: Any, manifest: dict[str, Any] | None = None,
                   plots: list[Plot] | None = None, targets: Any = None) -> str:
    """The run report page as a string.

    Parameters
    ----------
    results
        A :class:`sim.experiment.results.Results`.
    manifest
        The run's manifest (default: ``results.manifest()``).
    plots
        Pre-rendered figures (default: :func:`sim.report.plots.run_figures`).
    targets
        Optional targets on whole-operation KPIs (``"service_level>=0.8"``, see
        :func:`sim.report.targets.parse_targets`): the page opens with whether the
        run meets them. Without targets it opens with each channel's service level
        against its own answer-time target.
    """
    sc = results.scenario
    summary = results.summary
    if manifest is None:
        manifest = results.manifest()
    if plots is None:
        plots = run_figures(results)
    body = [section("answer", "The answer", answer_html(summary, sc, targets)
                    + segment_targets_html(summary, sc)),
            section("headline", "Headline results", headline_html(summary,
                                                                    results.replications))]
    tables = "".join(group_table(summary, g)
                     for g in ("channel", "pool", "segment", "intent", "tenure"))
    if tables:
        body.append(section("breakdown", "Results by channel, team, segment and reason", tables))
    shocks = shocks_html(summary, sc)
    if shocks:
        body.append(section("shocks", "Demand shocks: inside vs outside", shocks))
    outages = outages_html(summary, sc)  # scenarios with outages only
    if outages:
        body.append(section("outages", "Outages and failover", outages))
    field = field_html(summary)  # technician visits (field channels only)
    if field:
        body.append(section("field", "Field operations: technician visits", field))
    if plots:
        figs = "".join(f"<h3>{esc(p.title)}</h3>\n"
                       + figure_html(p.title, p.caption, p.figure.png, p.figure.alt)
                       for p in plots)
        body.append(section("figures", "Figures", figs))
    stopping = getattr(results, "stopping", None)
    if stopping is not None:
        text = stopping.describe() if hasattr(stopping, "describe") else str(stopping)
        body.append(section("stopping", "Sequential stopping",
                            "<p>Replications were added in batches, aiming for confidence "
                            f"intervals this narrow: {esc(text)}.</p>"))
    versions = manifest.get("versions") if isinstance(manifest.get("versions"), dict) else None
    body.append(section("method", "How this model works",
                        model_html(sc, results.replications, "run", versions)))
    body.append(section("manifest", "Manifest: what produced this report",
                        manifest_html(manifest)))
    footer = ("<p>servicesim run report. Self-contained: this page loads nothing from "
              "anywhere else and runs no scripts.</p>")
    return page(f"Simulation report: {sc.name}", "\n".join(body), kind="servicesim run report",
                subtitle=f"{plural(results.replications, 'replication')} of {_window(sc)}",
                description=sc.description, footer=footer)


def _window(sc: Any) -> str:
    from sim.report.format import fmt_duration
    from sim.scenario.units import format_clock

    warmup = (f"after {fmt_duration(sc.warmup)} of warm-up" if sc.warmup > 0
              else "with no warm-up")
    return f"{fmt_duration(sc.horizon)} measured from {format_clock(sc.warmup, sc.start)}, {warmup}"


def write_plots(out: Path, plots: list[Plot], prefix: str, known: tuple[str, ...]) -> list[str]:
    """Write ``plots`` as ``out/plots/<prefix><key>.png``; remove stale ones of ``known``."""
    from sim import io

    written = []
    for p in plots:
        name = f"{prefix}{p.key}.png"
        io.write_bytes_atomic(out / "plots" / name, p.figure.png)
        written.append(name)
    for key in known:
        name = f"{prefix}{key}.png"
        if name not in written:
            (out / "plots" / name).unlink(missing_ok=True)
    return written


def write_run_report(results: Any, out_dir: str | Path, targets: Any = None,
                     plots: list[Plot] | None = None) -> Path:
    """Write ``report.html`` and ``plots/*.png`` for a run into ``out_dir``.

    The manifest shown is ``out_dir/manifest.json`` when it exists (so the page
    shows the command recorded there), else ``results.manifest()``. ``plots`` are
    the figures when they were already drawn (``run_figures(results)``, e.g. by a
    :class:`~sim.report.background.FigureHelper`); by default they are drawn here.

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.
    """
    from sim import io

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out) or results.manifest()
    if plots is None:
        plots = run_figures(results)
    write_plots(out, plots, "", PLOT_KEYS)
    return io.write_text_atomic(out / "report.html",
                                build_run_html(results, manifest, plots, targets))
