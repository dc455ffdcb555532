"""The run report's outage section: KPIs during outages vs outside, the outages, failover.

Three parts, for scenarios with ``outages``:

* a table of the customer KPIs of contacts that arrived while some target was down
  versus the others (the ``outage`` group of the summary, see
  :mod:`sim.metrics.outages`);
* the outages: target, when and how long (scheduled), or how often and how long
  on average (random), with the outages and downtime per replication in the
  measured window (the ``outage_log`` group, see :mod:`sim.metrics.outage_summary`);
* the failover rules, in words.

Every scenario-provided string (targets, descriptions) is escaped; empty when the
scenario has no outages.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.metrics.outage_summary import OUTAGE_LOG_GROUP, target_kind
from sim.report.format import fmt_ci, fmt_duration, fmt_value, label
from sim.report.html import esc, table, value_ci
from sim.scenario.events import clock_text

__all__ = ["OUTAGE_REPORT_KPIS", "outages_html"]

#: Columns of the during / outside table (those present in the summary are shown).
OUTAGE_REPORT_KPIS: tuple[str, ...] = ("offered", "service_level", "asa_s", "abandon_rate",
                                       "blocked_rate", "recontact_rate",
                                       "resolution_latency_s")

_KIND_WORDS = {"backstage": "backstage system", "channel": "channel", "pool": "team (pool)"}


def _cell(idx: pd.DataFrame, member: str, kpi: str) -> str:
    if (member, kpi) not in idx.index:
        return "&ndash;"
    r = idx.loc[(member, kpi)]
    return value_ci(fmt_value(kpi, r["mean"]), fmt_ci(kpi, r["ci_low"], r["ci_high"]))


def _per_replication(idx: pd.DataFrame, member: str) -> str:
    """``'1.00 outages, 1.5 h down'`` with CIs, from the ``outage_log`` rows of a member."""
    if (member, "outages") not in idx.index:
        return "&ndash;"
    n = idx.loc[(member, "outages")]
    down = idx.loc[(member, "downtime_s")]
    ci = ("" if pd.isna(n["ci_low"]) else
          f" (95% CI {n['ci_low']:.2f}\u2013{n['ci_high']:.2f})")
    return value_ci(f"{n['mean']:.2f} outages{ci}",
                    f"{fmt_duration(down['mean'])} down (95% CI "
                    f"{fmt_ci('downtime_s', down['ci_low'], down['ci_high'])})")


def _failover_text(scenario: Any, fo: Any) -> str:
    detect = ("at once" if fo.detection <= 0 else
              f"once the outage is noticed, {fmt_duration(fo.detection)} after it starts")
    if fo.from_ in scenario.channels:
        rest = "the others are blocked and may retry"
        what = "new customer contacts"
    else:
        rest = "the others wait for the team's remaining agents"
        what = "new work"
    text = (f"While {fo.from_} is down, {fo.share:.0%} of its {what} go to {fo.to} {detect}; "
            f"{rest}.")
    if fo.context_loss > 0:
        text += f" {fo.context_loss:.0%} of the customers moved have to repeat themselves."
    return esc(text + " Traffic fails back as soon as the target is restored.")


def outages_html(summary: pd.DataFrame, scenario: Any) -> str:
    """The section's HTML, or ``""`` when the scenario has no outages."""
    outages = getattr(scenario, "outages", ())
    sides = summary[summary["group"] == "outage"]
    if not outages or sides.empty:
        return ""
    idx = sides.assign(member=sides["member"].astype(str)).set_index(["member", "kpi"])
    kpis = [k for k in OUTAGE_REPORT_KPIS if k in set(sides.loc[sides["mean"].notna(), "kpi"])]
    body = [[esc(title), *(_cell(idx, member, k) for k in kpis)]
            for member, title in (("during", "During an outage"),
                                  ("outside", "Outside outages"))]
    parts = [
        "<p>Customer contacts that arrived while some system, channel or team was down "
        "compared with the others, for the whole operation (journey KPIs by the journey's "
        "first contact). The backlog an outage leaves is worked off after it, so the "
        "difference understates what the outages cost.</p>\n",
        table("Outages: during vs outside, mean with 95% confidence interval",
              ["Contacts", *(label(k) for k in kpis)], body,
              numeric=[False, *([True] * len(kpis))]),
    ]
    log = summary[summary["group"] == OUTAGE_LOG_GROUP]
    lidx = log.assign(member=log["member"].astype(str)).set_index(["member", "kpi"])
    rows = []
    for i, o in enumerate(outages):
        what = f"{o.target} ({_KIND_WORDS[target_kind(scenario, o.target)]})"
        if o.scheduled:
            t0 = float(o.at) - scenario.start
            when = (f"scheduled: {clock_text(t0, scenario.start)} to "
                    f"{clock_text(t0 + float(o.for_), scenario.start)}")
            length = fmt_duration(float(o.for_))
        else:
            when = f"random: about every {fmt_duration(o.mtbf.mean_s)} (mean time between " \
                   "failures)"
            length = f"{fmt_duration(o.mttr.mean_s)} on average"
        if target_kind(scenario, o.target) == "pool" and o.share < 1:
            what += f", {o.share:.0%} of its agents"
        if o.description:
            what += f": {o.description}"
        rows.append([esc(what), esc(when), esc(length), _per_replication(lidx, str(i))])
    rows.append(["All outages", "", "", _per_replication(lidx, "all")])
    parts.append(table("The outages, and how many fell in the measured period per replication",
                       ["Outage", "When", "How long", "Per replication (measured period)"],
                       rows, numeric=[False, False, False, True]))
    failover = getattr(scenario, "failover", ())
    if failover:
        items = "".join(f"<li>{_failover_text(scenario, fo)}</li>" for fo in failover)
        parts.append(f"<p>Failover rules:</p>\n<ul>{items}</ul>\n")
    else:
        parts.append("<p>No failover: while a channel is down its new contacts are blocked "
                     "(and may retry); while a team is down its work waits for the agents "
                     "left.</p>\n")
    return "".join(parts)
