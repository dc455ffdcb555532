"""The run report's answer per segment: each segment with its own service-level
target (and goal) against what it got.

A segment's ``service_level_target`` is the answer time its contacts are judged on
(:mod:`sim.scenario.operations`); its ``service_level_goal`` the share to answer
within it (premium 90% within 15 s). The block lists, per such segment, the
service level with its 95% confidence interval and, with a goal, whether it is met
with the whole interval, on the mean only, or not.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.report.format import fmt_ci, fmt_value
from sim.report.html import esc
from sim.scenario.units import format_duration

__all__ = ["segment_targets_html"]


def _target_text(target: Any) -> str:
    if target is None:
        return "its channels' targets"
    if isinstance(target, float):
        return format_duration(target)
    return ", ".join(f"{ch} {format_duration(v)}" for ch, v in target.items())


def segment_targets_html(summary: pd.DataFrame, sc: Any) -> str:
    """A list of the segments with their own target or goal ("" when none has)."""
    rows = summary[(summary["group"] == "segment") & (summary["kpi"] == "service_level")]
    by = {str(m): r for m, r in zip(rows["member"], rows.itertuples(), strict=True)}
    items = []
    for name, seg in sc.segments.items():
        goal = seg.service_level_goal
        if (seg.service_level_target is None and goal is None) or name not in by:
            continue
        r = by[name]
        got = (f"{fmt_value('service_level', r.mean)} answered within "
               f"{_target_text(seg.service_level_target)} (95% CI "
               f"{fmt_ci('service_level', r.ci_low, r.ci_high)})")
        verdict = ""
        if goal is not None:
            lo = r.ci_low if r.ci_low == r.ci_low else r.mean
            verdict = ("; goal {0} met, with the whole 95% CI" if lo >= goal else
                       "; goal {0} met on average only" if r.mean >= goal else
                       "; goal {0} not met").format(f"{goal:.0%}")
        items.append(f"<li><strong>{esc(name)}</strong>: {esc(got)}{esc(verdict)}</li>")
    if not items:
        return ""
    return ("<p><strong>Service level per segment, against each segment's own target:"
            "</strong></p>\n<ul>" + "".join(items) + "</ul>\n")
