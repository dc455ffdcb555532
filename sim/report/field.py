"""The run report's field-operations section: technician visits, when there are any.

Two tables built from the summary alone (no scripts, no figures): the field KPIs
of the whole operation (days to the first visit, first-visit fix rate, visits per
need, technician utilisation) and the same by technician pool. Scenarios without
field channels produce no field KPIs, and the section is left out.
"""

from __future__ import annotations

import pandas as pd

from sim.report.format import fmt_ci, fmt_value, kpi_info, label
from sim.report.html import esc, table, value_ci

__all__ = ["FIELD_REPORT_KPIS", "field_html"]

#: Field KPIs of the whole operation, in display order.
FIELD_REPORT_KPIS: tuple[str, ...] = (
    "visits", "days_to_visit", "days_to_visit_p90", "first_visit_fix_rate",
    "visits_per_journey", "technician_utilization",
)
POOL_COLUMNS: tuple[str, ...] = (
    "visits", "days_to_visit", "first_visit_fix_rate", "technician_utilization", "cost_total",
)


def _cell(row: pd.Series, kpi: str) -> str:
    return value_ci(fmt_value(kpi, row["mean"]), fmt_ci(kpi, row["ci_low"], row["ci_high"]))


def field_html(summary: pd.DataFrame) -> str:
    """The field section's HTML, or ``""`` when the summary has no field KPIs."""
    overall = summary[(summary["group"] == "all") & summary["kpi"].isin(FIELD_REPORT_KPIS)]
    if overall.empty or overall["mean"].notna().sum() == 0:
        return ""
    by_kpi = overall.set_index("kpi")
    rows = [[esc(label(k)), _cell(by_kpi.loc[k], k), esc(kpi_info(k).meaning)]
            for k in FIELD_REPORT_KPIS if k in by_kpi.index]
    parts = [
        "<p>Needs that an agent could only solve with a technician visit: the agent books "
        "the earliest free appointment slot after the minimum lead time in the customer's "
        "territory; a visit that does not fix the fault (customer away, part missing, not "
        "fixed) is rebooked, up to the cap of visits. The need is resolved when a visit "
        "fixes it, so these visits are part of the resolution latency, effort and cost "
        "above.</p>",
        table("Field operations: mean with 95% confidence interval",
              ["KPI", "Value", "Meaning"], rows, numeric=[False, True, False]),
    ]
    pools = summary[(summary["group"] == "pool") & (summary["kpi"] == "technician_utilization")]
    members = list(dict.fromkeys(str(m) for m in pools["member"]))
    if members:
        idx = summary[summary["group"] == "pool"].assign(
            member=lambda f: f["member"].astype(str)).set_index(["member", "kpi"])
        body = []
        for m in members:
            cells = [esc(m)]
            for k in POOL_COLUMNS:
                cells.append(_cell(idx.loc[(m, k)], k) if (m, k) in idx.index else "&ndash;")
            body.append(cells)
        parts.append(table("By technician pool: mean with 95% confidence interval below",
                           ["Technician pool", *(label(k) for k in POOL_COLUMNS)], body,
                           numeric=[False, *([True] * len(POOL_COLUMNS))]))
    return "\n".join(parts)
