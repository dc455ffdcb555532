"""Figures of a run report: the day, the agents, the waits, and where the time goes.

Each ``fig_*`` function takes a :class:`~sim.experiment.results.Results` and returns
a :class:`~sim.report._plotting.Figure` — ``(png_bytes, alt_text)`` — or ``None``
when the data it needs is absent (a run without the interval table, a model
without segments' effort KPIs, no outages). The alt text is a real text
alternative: it states the numbers a sighted reader would take from the plot.

Interval figures show, for every reporting interval, the mean over replications,
labelled by clock time (``Mon 09:30``), never by raw simulation seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.report._plotting import (
    HATCHES,
    OKABE_ITO,
    Figure,
    clock_ticks,
    new_figure,
    series_style,
    to_png,
)
from sim.report.format import fmt_duration, fmt_value, label, plural
from sim.report.queues import customer_queue_means, downtime_means, interval_grid
from sim.report.stages import latency_sample, stage_breakdown

__all__ = [
    "Plot",
    "fig_intraday",
    "fig_latency",
    "fig_outages",
    "fig_segments",
    "fig_stages",
    "fig_utilization",
    "interval_means",
    "RUN_FIGURE_KEYS",
    "light_results",
    "run_figures",
]

#: Attribute of a light copy of the results (:func:`light_results`): what the figures
#: would otherwise compute from the row-level tables, computed beforehand.
_INPUTS = "_figure_inputs"


def _input(results: Any, key: str, compute: Any) -> Any:
    pre = getattr(results, _INPUTS, None)
    if isinstance(pre, dict) and key in pre:
        return pre[key]
    return compute(results)


#: The columns of the row-level tables that the figures read (customers waiting, the
#: latency sample, the stage breakdown; and every ``stage_*_s`` column of the journeys).
FIGURE_COLUMNS: dict[str, frozenset[str]] = {
    "contacts": frozenset({"replication", "journey_id", "step", "channel", "pool",
                           "arrival_s", "end_s", "wait_s", "handle_s", "outcome",
                           "in_window", "asynchronous"}),
    "journeys": frozenset({"replication", "journey_id", "in_window", "completed", "resolved",
                           "sojourn_s", "resolution_latency_s"}),
}


def _figure_table(results: Any, name: str) -> pd.DataFrame | None:
    """The columns of table ``name`` the figures read (:data:`FIGURE_COLUMNS`); from
    compact columns only those are decoded, and the results keep theirs undecoded."""
    kept = results.kept(name) if hasattr(results, "kept") else getattr(results, name, None)
    if kept is None:
        return None
    wanted = [c for c in kept.columns
              if c in FIGURE_COLUMNS[name] or (c.startswith("stage_") and c.endswith("_s"))]
    if isinstance(kept, pd.DataFrame):
        return kept[wanted]
    return kept.frame(columns=wanted)


def light_results(results: Any) -> Any:
    """A copy of ``results`` that draws the same figures without the row-level tables.

    What the figures take from the contact and journey tables (customers waiting per
    interval, the latency sample, the stage breakdown) is computed now, from the
    columns they read (:data:`FIGURE_COLUMNS`), and kept on the copy; the tables
    themselves are left out, so the copy is small to send to another process
    (:mod:`sim.report.background`).
    """
    import copy
    from types import SimpleNamespace

    narrow = SimpleNamespace(scenario=results.scenario, replications=results.replications,
                             contacts=_figure_table(results, "contacts"),
                             journeys=_figure_table(results, "journeys"))
    inputs = {"queue_means": customer_queue_means(narrow),
              "latency": latency_sample(narrow),
              "stages": stage_breakdown(narrow)}
    light = copy.copy(results)
    for name in ("contacts", "journeys", "visits", "kpis"):
        if hasattr(light, name):
            setattr(light, name, None)
    setattr(light, _INPUTS, inputs)
    return light


@dataclass(frozen=True)
class Plot:
    """A figure with its place in a report: file stem, heading and caption."""

    key: str
    title: str
    caption: str
    figure: Figure


def interval_means(intervals: pd.DataFrame | None, scope: str) -> pd.DataFrame:
    """Mean over replications of every interval column, per ``(name, interval)``.

    Returns an empty frame when there is no interval table or no row of ``scope``.
    The ``clock`` and ``start_s`` of each interval are kept.
    """
    if intervals is None or intervals.empty or "scope" not in intervals:
        return pd.DataFrame()
    rows = intervals[intervals["scope"].astype(str) == scope].copy()
    if rows.empty:
        return pd.DataFrame()
    rows["name"] = rows["name"].astype(str)
    numeric = [c for c in rows.columns if c not in ("replication", "interval", "scope", "name",
                                                    "clock") and
               pd.api.types.is_numeric_dtype(rows[c])]
    g = rows.groupby(["name", "interval"], sort=False)
    out = g[numeric].mean()
    out["clock"] = g["clock"].first() if "clock" in rows else ""
    out["replications"] = g["replication"].nunique() if "replication" in rows else 1
    out = out.reset_index()
    order = {n: i for i, n in enumerate(dict.fromkeys(rows["name"]))}
    return out.sort_values(["name", "interval"], key=lambda s: s.map(order) if s.name == "name"
                           else s).reset_index(drop=True)


def _extremes(frame: pd.DataFrame, col: str, fmt: Any) -> tuple[str, str] | None:
    """``('<max> at <clock>', '<min> at <clock>')`` of one series, or None if all NaN."""
    values = frame[col].to_numpy(dtype=float)
    if values.size == 0 or np.all(np.isnan(values)):
        return None
    hi, lo = int(np.nanargmax(values)), int(np.nanargmin(values))
    clock = frame["clock"].to_numpy()
    return (f"{fmt(values[hi])} at {clock[hi]}", f"{fmt(values[lo])} at {clock[lo]}")


def _interval_words(results: Any) -> str:
    minutes = float(getattr(results.scenario, "interval", 1800.0)) / 60
    return f"{minutes:g}-minute interval"


def _n_reps(means: pd.DataFrame) -> int:
    return int(means["replications"].max()) if "replications" in means and len(means) else 0


def fig_intraday(results: Any) -> Figure | None:
    """Offered contacts, service level and mean queue length per channel over the day."""
    m = interval_means(getattr(results, "intervals", None), "channel")
    if m.empty:
        return None
    waiting = _input(results, "queue_means", customer_queue_means)
    queue = ("queue_length_mean", "Mean queue length", lambda v: f"{v:.1f}")
    if not waiting.empty:  # customers only: no back-office pieces, no other teams' work
        m = m.merge(waiting, on=["name", "interval"], how="left", sort=False)
        queue = ("customers_waiting", "Customers waiting (mean)", lambda v: f"{v:.1f}")
    panels = [("offered", "Offered contacts", lambda v: f"{v:,.0f}"),
              ("service_level", "Service level (%)", lambda v: fmt_value("service_level", v)),
              queue]
    panels = [p for p in panels if p[0] in m]
    if not panels:
        return None
    fig, axes = new_figure(9.5, 2.6 * len(panels) + 0.6, nrows=len(panels), sharex=True)
    axes = np.atleast_1d(axes)
    words: list[str] = []
    for ax, (col, title, fmt) in zip(axes, panels, strict=True):
        parts = []
        for i, (name, rows) in enumerate(m.groupby("name", sort=False)):
            y = rows[col].to_numpy(dtype=float) * (100.0 if col == "service_level" else 1.0)
            ax.plot(rows["interval"], y, label=name, linewidth=1.6, markersize=3.5,
                    markevery=max(1, len(y) // 24), **series_style(i))
            ext = _extremes(rows, col, fmt)
            if ext is not None:
                if col == "service_level":
                    parts.append(f"{name} lowest {ext[1]}, highest {ext[0]}")
                else:
                    parts.append(f"{name} highest {ext[0]}, lowest {ext[1]}")
        ax.set_ylabel(title)
        if col == "service_level":
            ax.set_ylim(0, 105)
        else:
            ax.set_ylim(bottom=0)
        words.append(f"{title.replace(' (%)', '')}: " + "; ".join(parts) + ".")
    first = m[m["name"] == m["name"].iloc[0]]
    clock_ticks(axes[-1], list(first["interval"]), list(first["clock"]))
    axes[0].legend(title="Channel", fontsize=9, loc="upper right")
    axes[-1].set_xlabel("Start of interval (clock time)")
    png = to_png(fig)
    alt = (f"Three stacked line charts by channel, one point per {_interval_words(results)} "
           f"(mean of {plural(_n_reps(m), 'replication')}). " + " ".join(words))
    return Figure(png, alt)


def fig_utilization(results: Any) -> Figure | None:
    """Agent utilisation of every pool over the day."""
    m = interval_means(getattr(results, "intervals", None), "pool")
    if m.empty or "utilization" not in m:
        return None
    fig, ax = new_figure(9.5, 3.6)
    parts = []
    for i, (name, rows) in enumerate(m.groupby("name", sort=False)):
        y = rows["utilization"].to_numpy(dtype=float) * 100
        ax.plot(rows["interval"], y, label=name, linewidth=1.6, markersize=3.5,
                markevery=max(1, len(y) // 24), **series_style(i))
        ext = _extremes(rows, "utilization", lambda v: fmt_value("utilization", v))
        overall = _summary_value(results, "pool", name, "utilization")
        if ext is not None:
            parts.append(f"{name} averages {fmt_value('utilization', overall)}, highest "
                         f"{ext[0]}, lowest {ext[1]}")
    ax.set_ylim(0, 105)
    ax.set_ylabel("Busy share of staffed time (%)")
    ax.set_xlabel("Start of interval (clock time)")
    first = m[m["name"] == m["name"].iloc[0]]
    clock_ticks(ax, list(first["interval"]), list(first["clock"]))
    ax.legend(title="Pool", fontsize=9, loc="lower right")
    alt = (f"Line chart of agent utilisation by pool per {_interval_words(results)} "
           f"(mean of {plural(_n_reps(m), 'replication')}): " + "; ".join(parts) + ".")
    return Figure(to_png(fig), alt)


def _summary_value(results: Any, group: str, member: str, kpi: str) -> float:
    s = getattr(results, "summary", None)
    if s is None or s.empty:
        return float("nan")
    rows = s[(s["group"] == group) & (s["member"].astype(str) == member) & (s["kpi"] == kpi)]
    return float(rows["mean"].iloc[0]) if len(rows) else float("nan")


def fig_latency(results: Any) -> Figure | None:
    """Histogram of resolution latency (journeys) or of time in the system (contacts)."""
    sample = _input(results, "latency", latency_sample)
    if sample is None:
        return None
    values, what = sample
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    mean = float(values.mean())
    shown = values[values <= p99] if p99 > 0 else values
    fig, ax = new_figure(9.5, 3.6)
    ax.hist(shown / 60.0, bins=50, color=OKABE_ITO[0], edgecolor="white", linewidth=0.4)
    marks = [("median", p50, "--", "#000000"), ("mean", mean, "-", OKABE_ITO[1]),
             ("90th percentile", p90, ":", "#5b2a86")]
    for name, x, ls, colour in marks:
        ax.axvline(x / 60.0, color=colour, linestyle=ls, linewidth=2.2,
                   label=f"{name} {fmt_duration(x)}")
    ax.set_xlabel("Minutes")
    ax.set_ylabel("Number of journeys" if "journey" in what or "resolution" in what
                  else "Number of contacts")
    ax.legend(fontsize=9)
    alt = (f"Histogram of {what} for {values.size:,} completed cases over all replications: "
           f"median {fmt_duration(p50)}, mean {fmt_duration(mean)}, 90th percentile "
           f"{fmt_duration(p90)}, longest {fmt_duration(float(values.max()))}. The longest 1% "
           f"(above {fmt_duration(p99)}) are left out of the plot so the bulk stays readable.")
    return Figure(to_png(fig), alt)


def fig_stages(results: Any, stages: pd.DataFrame | None = None) -> Figure | None:
    """Where the time goes: mean time per completed journey in each stage.

    ``stages`` is ``stage_breakdown(results)`` when the caller already has it.
    """
    if stages is None:
        stages = _input(results, "stages", stage_breakdown)
    if stages is None or stages.empty:
        return None
    fig, ax = new_figure(9.5, 0.55 * len(stages) + 1.6)
    y = np.arange(len(stages))[::-1]
    top = int(stages["seconds"].to_numpy().argmax())
    for i, row in enumerate(stages.itertuples()):
        ax.barh(y[i], row.seconds / 60.0, color=OKABE_ITO[1] if i == top else OKABE_ITO[0],
                hatch="//" if i == top else "", edgecolor="white")
        tag = "  ← bottleneck" if i == top else ""
        ax.text(row.seconds / 60.0, y[i], f" {fmt_duration(row.seconds)} ({row.share:.0%}){tag}",
                va="center", fontsize=9.5)
    ax.set_yticks(y, list(stages["stage"]))
    ax.set_xlabel("Mean minutes per journey")
    ax.set_xlim(0, stages["seconds"].max() / 60.0 * 1.45)
    ax.grid(axis="y", visible=False)
    total = float(stages["seconds"].sum())
    parts = "; ".join(f"{r.stage} {fmt_duration(r.seconds)} ({r.share:.0%})"
                      for r in stages.itertuples())
    alt = (f"Bar chart of the mean time a journey spends in each stage, "
           f"{fmt_duration(total)} in all: {parts}. The largest stage, the bottleneck, is "
           f"'{stages['stage'].iloc[top]}'.")
    return Figure(to_png(fig), alt)


SEGMENT_KPIS: tuple[str, ...] = ("effort_score", "recontact_rate", "fcr")


def fig_segments(results: Any) -> Figure | None:
    """Customer effort and recontacts by segment, with 95% CIs (when the KPIs exist)."""
    s = getattr(results, "summary", None)
    if s is None or s.empty:
        return None
    seg = s[s["group"] == "segment"]
    kpis = [k for k in SEGMENT_KPIS if k in set(seg["kpi"]) and seg[seg["kpi"] == k]["mean"]
            .notna().any()]
    if not kpis:
        return None
    fig, axes = new_figure(4.0 * len(kpis) + 1.0, 3.4, ncols=len(kpis))
    axes = np.atleast_1d(axes)
    words = []
    for ax, kpi in zip(axes, kpis, strict=True):
        rows = seg[seg["kpi"] == kpi]
        names = [str(n) for n in rows["member"]]
        scale = 100.0 if kpi != "effort_score" else 1.0
        mean = rows["mean"].to_numpy(dtype=float) * scale
        lo = np.clip(mean - rows["ci_low"].to_numpy(dtype=float) * scale, 0, None)
        hi = np.clip(rows["ci_high"].to_numpy(dtype=float) * scale - mean, 0, None)
        ys = np.arange(len(names))[::-1]
        for i in range(len(names)):
            ax.barh(ys[i], mean[i], color=OKABE_ITO[i % 7], hatch=HATCHES[i % len(HATCHES)],
                    edgecolor="white", xerr=[[np.nan_to_num(lo[i])], [np.nan_to_num(hi[i])]],
                    capsize=4, error_kw={"ecolor": "#222222"})
        ax.set_yticks(ys, names)
        ax.set_title(label(kpi) + (" (%)" if scale == 100 else " (1–7)"))
        ax.grid(axis="y", visible=False)
        words.append(f"{label(kpi)}: " + ", ".join(
            f"{n} {fmt_value(kpi, v)}" for n, v in zip(names, rows["mean"], strict=True)))
    alt = ("Bar charts by customer segment with 95% confidence intervals. "
           + "; ".join(words) + ".")
    return Figure(to_png(fig), alt)


_KIND_WORDS = {"backstage": "backstage system", "channel": "channel", "pool": "team"}


def fig_outages(results: Any) -> Figure | None:
    """Share of each interval each outage target was down (mean over replications),
    on the same clock-time interval axis as the other interval figures."""
    m = downtime_means(results)
    if m.empty:
        return _fig_outage_flags(results)
    from sim.scenario.units import format_clock

    starts, _ = interval_grid(results.scenario)
    clocks = [format_clock(float(t), float(getattr(results.scenario, "start", 0.0)))
              for t in starts]
    fig, ax = new_figure(9.5, 3.4)
    parts = []
    for i, (target, rows) in enumerate(m.groupby("target", sort=False)):
        kind = _KIND_WORDS.get(str(rows["kind"].iloc[0]), "")
        name = f"{target} ({kind})" if kind else str(target)
        y = rows["down_share"].to_numpy(dtype=float) * 100
        ax.step(rows["interval"], y, where="mid", label=name, linewidth=1.8,
                **series_style(i))
        hit = rows[rows["down_share"] > 0]
        if len(hit):
            peak = int(rows["down_share"].to_numpy().argmax())
            parts.append(f"{name}: down in {len(hit)} interval(s), most at {clocks[peak]} "
                         f"({rows['down_share'].iloc[peak]:.0%} of the interval on average)")
        else:
            parts.append(f"{name}: never down in the measured period")
    clock_ticks(ax, list(range(len(clocks))), clocks)
    ax.set_ylim(0, 105)
    ax.set_ylabel("Share of interval down (%)")
    ax.set_xlabel("Start of interval (clock time)")
    ax.legend(title="Down", fontsize=9, loc="upper right")
    alt = (f"Step chart of outages per {_interval_words(results)}: the share of each interval "
           f"each system, channel or team was down, mean of "
           f"{plural(int(results.replications), 'replication')}. " + "; ".join(parts) + ".")
    return Figure(to_png(fig), alt)


def _down(column: pd.Series) -> pd.Series:
    """An interval's outage flag as True/False: a number above 0, or a non-empty list of
    the targets down (the interval table's ``outage`` column: ``"billing,chat"``)."""
    if column.dtype == object:
        return column.astype(str).str.len() > 0
    return column.astype(float) > 0


def _fig_outage_flags(results: Any) -> Figure | None:
    """Share of replications with an outage per interval, from an interval flag column."""
    iv = getattr(results, "intervals", None)
    if iv is None or iv.empty:
        return None
    col = next((c for c in iv.columns if c.startswith("outage") or c in ("down", "in_outage")),
               None)
    if col is None:
        return None
    rows = iv[iv[col].notna()]
    flag = _down(rows[col])
    if rows.empty or not flag.any():
        return None
    m = rows.assign(flag=flag).groupby(
        ["name", "interval"], sort=False).agg(flag=("flag", "mean"), clock=("clock", "first"))
    m = m.reset_index()
    fig, ax = new_figure(9.5, 3.0)
    parts = []
    for i, (name, r) in enumerate(m.groupby("name", sort=False)):
        ax.step(r["interval"], r["flag"] * 100, where="post", label=str(name), **series_style(i))
        hit = r[r["flag"] > 0]
        parts.append(f"{name}: outage in {len(hit)} interval(s), first at "
                     f"{hit['clock'].iloc[0]}" if len(hit) else f"{name}: no outage")
    first = m[m["name"] == m["name"].iloc[0]]
    clock_ticks(ax, list(first["interval"]), list(first["clock"]))
    ax.set_ylabel("Replications with an outage (%)")
    ax.legend(fontsize=9)
    alt = "Outage timeline by interval. " + "; ".join(parts) + "."
    return Figure(to_png(fig), alt)


#: The figures of a run report, in page order.
RUN_FIGURE_KEYS = ("intraday", "utilization", "latency", "stages", "segments", "outages")


def run_figures(results: Any, keys: Any = None) -> list[Plot]:
    """Every figure of a run report that the results can support, in page order.

    ``keys`` draws only those figures (of :data:`RUN_FIGURE_KEYS`), e.g. to share
    the work between processes.
    """
    from sim.report.stages import bottleneck_text

    plots: list[Plot] = []
    specs = [
        ("intraday", "The day, interval by interval", fig_intraday,
         "Offered contacts, service level and customers waiting per channel (the customer's "
         "own contacts only: back-office pieces and handoffs are not callers waiting); each "
         "point is the mean over replications of one reporting interval."),
        ("utilization", "Agent utilisation over the day", fig_utilization,
         "Share of staffed agent time spent handling contacts, per pool and interval."),
        ("latency", "How long it takes, from first contact to done", fig_latency,
         "Distribution over all completed cases of all replications; the lines mark the "
         "median, the mean and the 90th percentile."),
        ("stages", "Where the time goes", fig_stages, None),
        ("segments", "Effort and recontacts by segment", fig_segments,
         "Bars are means over replications; whiskers are 95% confidence intervals."),
        ("outages", "Outages over the day", fig_outages,
         "Share of each reporting interval that each backstage system, channel or team "
         "was down, mean over replications."),
    ]
    if keys is not None:
        specs = [spec for spec in specs if spec[0] in keys]
    stages = (_input(results, "stages", stage_breakdown)  # once: figure and caption share it
              if any(spec[2] is fig_stages for spec in specs) else None)
    for key, title, fn, caption in specs:
        fig = fig_stages(results, stages) if fn is fig_stages else fn(results)
        if fig is None:
            continue
        if caption is None:
            caption = bottleneck_text(stages)
        plots.append(Plot(key, title, caption, fig))
    return plots
