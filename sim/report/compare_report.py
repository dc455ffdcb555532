"""The comparison report: what changed, and what it does, with uncertainty.

For a baseline and one or more variants run on common random numbers
(:func:`sim.experiment.compare`), the page opens with the answer (per variant:
the settings changed, the KPIs that moved significantly and by how much), then
every verdict in words; the
scenario fields that differ (dotted paths, old → new); for every variant the KPIs
side by side with the paired difference, its 95% CI and the verdict (whole
operation and by channel), verdicts controlled for multiplicity with Holm's
method; the figures; how the model and the comparison work; the manifest.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sim.report.compare_plots import (
    fig_differences,
    fig_intraday_overlay,
    fig_variant_kpis,
    fig_waits_by_channel,
)
from sim.report.format import (
    SOJOURN_NOTE,
    fmt_diff,
    fmt_diff_ci,
    fmt_value,
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
    verdict_html,
)
from sim.report.method import model_html
from sim.report.plots import Plot

__all__ = ["build_compare_html", "compare_figures", "scenario_diff", "write_compare_report"]

_MISSING = object()
#: KPIs left out of the side-by-side tables when zero in both scenarios.
HIDE_WHEN_ZERO = frozenset({"blocked_rate", "cost_total", "cost_per_journey"})
PLOT_KEYS = ("differences", "kpis", "waits", "intraday")


def _lookup(data: Any, parts: list[str | int]) -> Any:
    for p in parts:
        if isinstance(p, int) and isinstance(data, list) and p < len(data):
            data = data[p]
        elif isinstance(p, str) and isinstance(data, dict) and p in data:
            data = data[p]
        else:
            return _MISSING
    return data


def _show(value: Any) -> str:
    if value is _MISSING or value is None:
        return "(not set)"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _dotted(parts: list[str | int]) -> str:
    """``['demand', 1, 'rate']`` -> ``'demand[1].rate'`` (the ``--set`` notation)."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _diff(a: Any, b: Any, path: list[str | int], out: list[list[str | int]]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            _diff(a.get(key, _MISSING), b.get(key, _MISSING), [*path, str(key)], out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, [*path, i], out)
    elif a is _MISSING and b is None or b is _MISSING and a is None:
        return
    elif a != b:
        out.append(path)


def scenario_diff(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """The fields that differ between two scenarios: ``(path, old, new)``.

    Paths are written as for ``--set`` (``pools.front.size``, ``demand[1].rate``).
    Differences are found on the validated values (``model_dump(mode="json")``, so
    ``60s`` and ``1min`` are equal); values are shown as the planner wrote them
    where the input is known (``scenario.raw``), else as validated (seconds).
    """
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    paths: list[list[str | int]] = []
    _diff(a, b, [], paths)
    raw_a = getattr(old, "raw", a)
    raw_b = getattr(new, "raw", b)
    rows = []
    for p in paths:
        va, vb = _lookup(raw_a, p), _lookup(raw_b, p)
        if va is _MISSING and vb is _MISSING or va == vb:
            va, vb = _lookup(a, p), _lookup(b, p)
        rows.append((_dotted(p), _show(va), _show(vb)))
    return rows


def _diff_html(comparison: Any) -> str:
    base = comparison.scenarios[0]
    parts = []
    for lab, sc in zip(comparison.labels[1:], comparison.scenarios[1:], strict=True):
        rows = scenario_diff(base, sc)
        caption = f"'{lab}' compared with baseline '{comparison.labels[0]}'"
        if not rows:
            parts.append(f"<p>{esc(caption)}: no scenario field differs.</p>")
            continue
        parts.append(table(caption, ["Setting (path)", "Baseline", "Variant"],
                           [[f"<code>{esc(p)}</code>", esc(o), esc(n)] for p, o, n in rows]))
    return "".join(parts)


#: KPIs of the answer, in the order a council reads them (the rest follow).
ANSWER_ORDER: tuple[str, ...] = (
    "resolution_latency_s", "recontact_rate", "fcr", "effort_score", "cost_per_journey",
    "cost_total", "service_level", "abandon_rate", "blocked_rate", "asa_s",
    "containment_rate", "resolution_rate",
)
#: KPIs never reported (same span as resolution latency; see format.SOJOURN_NOTE).
LEFT_OUT = frozenset({"mean_sojourn_s"})
SIGNIFICANT = ("better", "worse", "higher", "lower")


def _rank(kpi: str) -> int:
    return ANSWER_ORDER.index(kpi) if kpi in ANSWER_ORDER else len(ANSWER_ORDER)


def _change_text(kpi: str, group: str, r: Any, base_mean: float) -> str:
    return (f"{scoped_label(kpi, group)} {r.verdict}: {fmt_value(kpi, base_mean)} \u2192 "
            f"{fmt_value(kpi, r.mean)} ({fmt_diff(kpi, r.diff)}, 95% CI "
            f"{fmt_diff_ci(kpi, r.diff_ci_low, r.diff_ci_high)})")


def _changed_settings(comparison: Any, variant: int, limit: int = 4) -> str:
    rows = [r for r in scenario_diff(comparison.scenarios[0], comparison.scenarios[variant])
            if r[0] not in ("name", "description")]  # labels, not settings
    if not rows:
        return "no scenario setting differs"
    shown = "; ".join(f"{p}: {o} \u2192 {n}" for p, o, n in rows[:limit])
    more = f" and {plural(len(rows) - limit, 'other setting')}" if len(rows) > limit else ""
    return shown + more


def _get(base: Any, group: str, r: Any) -> float:
    key = (group, r.member, r.kpi)
    return float(base.loc[key]) if key in base.index else float("nan")


def answer_html(comparison: Any) -> str:
    """The answer first: per variant, what changed, what moved significantly and by how
    much (whole operation, then channels), after Holm's correction."""
    t = comparison.table
    m = comparison.family_size
    parts = []
    for v, lab in enumerate(comparison.labels[1:], start=1):
        rows = t[(t["variant"] == v) & ~t["kpi"].isin(LEFT_OUT)]
        base = t[t["variant"] == 0].set_index(["group", "member", "kpi"])["mean"]
        sig = rows[rows["verdict"].isin(SIGNIFICANT)]
        whole = sig[sig["group"] == "all"]
        whole = whole.assign(_r=whole["kpi"].map(_rank)).sort_values("_r", kind="stable")
        items = [f"<li>{esc(_change_text(str(r.kpi), 'all', r, _get(base, 'all', r)))}</li>"
                 for r in whole.itertuples()]
        others = sig[sig["group"] != "all"]
        by_member: dict[str, list[str]] = {}
        for r in others.assign(_r=others["kpi"].map(_rank)).sort_values(
                ["group", "member", "_r"], kind="stable").itertuples():
            key = f"{r.group} {r.member}"
            by_member.setdefault(key, []).append(
                _change_text(str(r.kpi), str(r.group), r, _get(base, str(r.group), r)))
        n_all = int((rows["group"] == "all").sum())
        rest = n_all - len(whole)
        head = (f"<h3>'{esc(lab)}' against baseline '{esc(comparison.labels[0])}'</h3>\n"
                f"<p><strong>What changed:</strong> "
                f"{esc(_changed_settings(comparison, v))}.</p>\n")
        if items:
            body = (f"<p><strong>Whole operation, significant changes:</strong></p>\n"
                    f"<ul>{''.join(items)}</ul>\n<p>No significant difference on "
                    f"{plural(rest, 'other KPI')} of the whole operation.</p>\n")
        else:
            body = ("<p><strong>No significant difference on any KPI of the whole "
                    "operation.</strong></p>\n")
        if by_member:
            body += "<p>By " + "; ".join(
                f"<strong>{esc(k)}</strong>: " + esc("; ".join(v_)) for k, v_ in
                by_member.items()) + ".</p>\n"
        parts.append(head + body)
    rule = (f"<p class=\"muted\">A change counts as significant only when it stays "
            f"significant after Holm's correction for the {plural(m, 'comparison')} in this "
            "report (every KPI, group and variant), so the chance that any verdict here is a "
            "fluke is at most 5%. Better/worse follow each KPI's direction; volumes and "
            "workload (contacts offered and handled, sessions, utilisation, handle time) "
            "only go higher or lower. Intervals are the unadjusted 95% CIs of the paired "
            "difference.</p>")
    return "".join(parts) + rule


def _verdict_words(comparison: Any) -> str:
    t = comparison.table
    items = []
    for v, lab in enumerate(comparison.labels[1:], start=1):
        rows = t[(t["group"] == "all") & (t["variant"] == v) & ~t["kpi"].isin(LEFT_OUT)]
        by: dict[str, list[str]] = {}
        for r in rows.itertuples():
            by.setdefault(str(r.verdict), []).append(scoped_label(str(r.kpi)))
        bits = [f"<strong>{esc(word)}</strong> on {esc(', '.join(kpis))}"
                for word, kpis in sorted(by.items(), key=lambda kv: _ORDER.get(kv[0], 9))]
        items.append(f"<li>'{esc(lab)}' against baseline '{esc(comparison.labels[0])}': "
                     + "; ".join(bits) + ".</li>")
    return ("<p>Every verdict of the whole operation. A verdict says <em>better</em> or "
            "<em>worse</em> only when the difference is significant after Holm's "
            "correction for multiple comparisons; <em>higher</em>/<em>lower</em> for KPIs "
            "that are neither good nor bad in themselves (volumes, utilisation, handle "
            "time).</p>\n<ul>\n" + "\n".join(items) + "\n</ul>\n"
            f"<p class=\"muted\">{esc(SOJOURN_NOTE)}</p>")


_ORDER = {"better": 0, "worse": 1, "higher": 2, "lower": 3, "no significant difference": 4}


def variant_table(comparison: Any, variant: int, group: str = "all", member: str = "") -> str:
    """KPIs of baseline and one variant with the paired difference and verdict."""
    t = comparison.table
    sel = (t["group"] == group)
    if group != "all":
        sel &= t["member"].astype(str) == member
    base = t[sel & (t["variant"] == 0)].set_index("kpi")
    rows = t[sel & (t["variant"] == variant)]
    body = []
    for r in rows.itertuples():
        k = str(r.kpi)
        b = base.loc[k] if k in base.index else None
        if k in LEFT_OUT or (k in HIDE_WHEN_ZERO and r.mean == 0 and b is not None
                             and b["mean"] == 0):
            continue
        vr = r.variance_reduction
        identical = r.diff == 0 and r.diff_ci_low == 0 and r.diff_ci_high == 0
        body.append([
            esc(scoped_label(k, group)),
            value_ci(fmt_value(k, b["mean"]) if b is not None else "–",
                     _ci(k, b["ci_low"], b["ci_high"]) if b is not None else ""),
            value_ci(fmt_value(k, r.mean), _ci(k, r.ci_low, r.ci_high)),
            value_ci("none", "identical in every replication") if identical else
            value_ci(fmt_diff(k, r.diff), fmt_diff_ci(k, r.diff_ci_low, r.diff_ci_high)),
            verdict_html(str(r.verdict)),
            esc(f"{vr:.1f}×") if isinstance(vr, float) and math.isfinite(vr) else "&ndash;",
        ])
    where = "whole operation" if group == "all" else f"{group} {member}"
    caption = (f"'{comparison.labels[variant]}' vs baseline '{comparison.labels[0]}', "
               f"{where}: mean (95% CI), paired difference (95% CI) and verdict (Holm)")
    cols = ["KPI", comparison.labels[0], comparison.labels[variant], "Difference",
            "Verdict", "CI narrower by pairing"]
    return table(caption, cols, body, numeric=[False, True, True, True, False, True])


def _ci(kpi: str, lo: Any, hi: Any) -> str:
    from sim.report.format import fmt_ci

    return "95% CI " + fmt_ci(kpi, lo, hi)


def compare_figures(comparison: Any) -> list[Plot]:
    """The figures of a comparison report that the data supports."""
    specs = [
        ("differences", "Differences to the baseline", fig_differences,
         "Each marker is a paired difference as a percentage of the baseline value; whiskers "
         "are 95% confidence intervals. Whiskers that cross the zero line: no significant "
         "difference."),
        ("kpis", "Key KPIs per scenario", fig_variant_kpis,
         "Means over replications; whiskers are 95% confidence intervals of each scenario."),
        ("waits", "Waits per channel and scenario", fig_waits_by_channel,
         "Average speed of answer; whiskers are 95% confidence intervals."),
        ("intraday", "Service level over the day, per scenario", fig_intraday_overlay,
         "Service level of all channels per reporting interval, mean over replications."),
    ]
    out = []
    for key, title, fn, caption in specs:
        fig = fn(comparison)
        if fig is not None:
            out.append(Plot(key, title, caption, fig))
    return out


def _scenarios_table(comparison: Any) -> str:
    from sim.scenario import scenario_hash

    rows = []
    for v, (lab, sc) in enumerate(zip(comparison.labels, comparison.scenarios, strict=True)):
        rows.append([esc(lab), "baseline" if v == 0 else "variant", esc(sc.name),
                     esc(sc.description or "–"), f"<code>{esc(str(scenario_hash(sc))[:12])}"
                                                   "</code>"])
    return table("Scenarios compared", ["Label", "Role", "Scenario name", "Description",
                                        "Hash"], rows)


def build_compare_html(comparison: Any, manifest: dict[str, Any] | None = None,
                       plots: list[Plot] | None = None) -> str:
    """The comparison report page as a string (see :func:`write_compare_report`)."""
    base = comparison.scenarios[0]
    plots = compare_figures(comparison) if plots is None else plots
    manifest = manifest if manifest is not None else _manifest(comparison)
    notes = "".join(f"<p class=\"callout\"><strong>Note:</strong> {esc(n)}</p>"
                    for n in comparison.notes)
    body = [
        section("answer", "The answer: what changed and what it does",
                answer_html(comparison) + notes),
        section("verdicts", "Every verdict", _verdict_words(comparison)),
        section("scenarios", "What changed", _scenarios_table(comparison) + _diff_html(comparison)),
    ]
    detail = []
    channels = list(dict.fromkeys(
        comparison.table.loc[comparison.table["group"] == "channel", "member"].astype(str)))
    for v in range(1, len(comparison.labels)):
        detail.append(variant_table(comparison, v))
        if len(channels) > 1:
            for ch in channels:
                detail.append(variant_table(comparison, v, "channel", ch))
    body.append(section("kpis", "KPIs side by side", "".join(detail)))
    if plots:
        body.append(section("figures", "Figures", "".join(
            f"<h3>{esc(p.title)}</h3>" + figure_html(p.title, p.caption, p.figure.png,
                                                     p.figure.alt) for p in plots)))
    versions = manifest.get("versions") if isinstance(manifest.get("versions"), dict) else None
    body.append(section("method", "How this model works",
                        model_html(base, comparison.replications, "compare", versions)))
    body.append(section("manifest", "Manifest: what produced this report",
                        manifest_html(manifest)))
    title = "Comparison: " + " vs ".join(comparison.labels)
    return page(title, "\n".join(body), kind="servicesim comparison report",
                subtitle=f"{comparison.replications} paired replications per scenario, "
                         "common random numbers",
                description=base.description,
                footer="<p>servicesim comparison report. Self-contained: loads nothing, "
                       "runs no scripts.</p>")


def _manifest(comparison: Any) -> dict[str, Any]:
    """The comparison's own manifest (it knows its run; the report only shows it)."""
    return dict(comparison.manifest())


def write_compare_report(comparison: Any, out_dir: str | Path) -> Path:
    """Write ``report.html`` and ``plots/compare_*.png`` for a comparison.

    The manifest shown is ``out_dir/manifest.json`` when present, else one built
    from the comparison. Returns the path of ``report.html``.
    """
    from sim import io
    from sim.report.run_report import write_plots

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = compare_figures(comparison)
    write_plots(out, plots, "compare_", PLOT_KEYS)
    manifest = load_manifest(out) or _manifest(comparison)
    html_text = build_compare_html(comparison, manifest, plots)
    return io.write_text_atomic(out / "report.html", html_text)

