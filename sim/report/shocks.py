"""The run report's demand-shock section: KPIs inside versus outside each shock.

One small table: for every demand shock of the scenario (``events``), a row for
the contacts that arrived inside its window and a row for those outside it, with
the customer KPIs a council reads against its targets. Built from the ``event``
group of the run's summary (see :mod:`sim.metrics.shocks`); empty when the
scenario has no shocks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.report.format import fmt_ci, fmt_value, label
from sim.report.html import esc, table, value_ci
from sim.scenario.events import describe_shock

__all__ = ["SHOCK_KPIS", "shocks_html"]

#: Columns of the table (those present in the summary are shown).
SHOCK_KPIS: tuple[str, ...] = ("offered_per_hour", "service_level", "asa_s", "abandon_rate",
                               "resolution_latency_s", "recontact_rate", "fcr")


def shocks_html(summary: pd.DataFrame, scenario: Any) -> str:
    """The section's HTML, or ``""`` when the scenario has no demand shocks."""
    events = getattr(scenario, "events", ())
    rows = summary[summary["group"] == "event"]
    if not events or rows.empty:
        return ""
    idx = rows.assign(member=rows["member"].astype(str)).set_index(["member", "kpi"])
    kpis = [k for k in SHOCK_KPIS if k in set(rows.loc[rows["mean"].notna(), "kpi"])]
    body = []
    for shock in events:
        for side in ("inside", "outside"):
            member = f"{shock.label}/{side}"
            cells = [esc(f"{shock.label}: {side}")]
            for k in kpis:
                if (member, k) in idx.index:
                    r = idx.loc[(member, k)]
                    cells.append(value_ci(fmt_value(k, r["mean"]),
                                          fmt_ci(k, r["ci_low"], r["ci_high"])))
                else:
                    cells.append("&ndash;")
            body.append(cells)
    items = "".join(f"<li>{esc(describe_shock(s, scenario.start))}</li>" for s in events)
    intro = ("<p>Contacts that arrived inside each demand shock's window compared with those "
             "outside it (the rest of the measured period), for the whole operation. Read "
             "targets missed inside a window in the light of the shock.</p>\n"
             f"<ul>{items}</ul>\n")
    caption = "Demand shocks: inside vs outside the window, mean with 95% confidence interval"
    return intro + table(caption, ["Shock", *(label(k) for k in kpis)], body,
                         numeric=[False, *([True] * len(kpis))])
