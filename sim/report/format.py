"""Numbers for people: KPI labels, units and formatting shared by plots and pages.

Every KPI has a *kind* that decides how it is shown: ``share`` (a rate shown as a
percentage), ``seconds`` (a time shown as a human duration such as ``3.5 min``),
``count``, ``score`` (effort, 1 to 7) or ``money``. KPIs not listed in
:data:`KPI_INFO` get a kind from their name (``*_s`` is a time, ``*_rate`` a
share), so KPIs added later are still shown sensibly.

Confidence intervals are *displayed* clipped to the possible range of the KPI
(a share cannot exceed 100%, a time cannot be negative); the files keep the raw
Student-t bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "HEADLINE_KPIS",
    "KPI_INFO",
    "KpiInfo",
    "fmt_ci",
    "fmt_diff",
    "fmt_duration",
    "fmt_value",
    "kpi_info",
    "label",
    "plural",
    "scoped_label",
]


@dataclass(frozen=True)
class KpiInfo:
    """How a KPI is named and shown.

    Attributes
    ----------
    label
        Plain-language name, e.g. ``"Service level"``.
    kind
        ``"share"``, ``"seconds"``, ``"count"``, ``"score"``, ``"money"`` or ``"number"``.
    meaning
        One sentence a council member understands.
    """

    label: str
    kind: str
    meaning: str = ""


KPI_INFO: dict[str, KpiInfo] = {
    "resolution_latency_s": KpiInfo(
        "Resolution latency", "seconds", "Time from a customer's first contact to resolution."),
    "resolution_latency_s_p50": KpiInfo(
        "Resolution latency (median)", "seconds", "Half of the needs are resolved faster."),
    "resolution_latency_s_p90": KpiInfo(
        "Resolution latency (90th pct.)", "seconds", "9 in 10 needs are resolved faster."),
    "recontact_rate": KpiInfo(
        "Recontact rate", "share",
        "Share of served customers who came back about the same need."),
    "retry_rate": KpiInfo(
        "Retry rate", "share", "Share of needs tried again after giving up or a busy line."),
    "fcr": KpiInfo("First-contact resolution", "share",
                   "Share of needs resolved by the first agent who answered."),
    "open_at_cutoff": KpiInfo("Open at cut-off", "share",
                              "Share of needs still open when the run stopped."),
    "sessions": KpiInfo("Self-service sessions", "count",
                        "Self-service and bot sessions (not offered to agents)."),
    "slot_occupancy": KpiInfo("Slot occupancy", "share",
                              "Share of agents' chat slots (or whole agents) in use."),
    "mean_concurrency": KpiInfo("Chats at once", "number",
                                "Chats an agent holds at once, on average."),
    "backlog_end": KpiInfo("Backlog at the end", "count",
                           "Contacts still waiting in a queue when the period ended."),
    "backlog_age_p90_s": KpiInfo("Backlog age (90th pct.)", "seconds",
                                 "9 in 10 waiting contacts were younger at the end."),
    "containment_rate": KpiInfo(
        "Containment rate", "share", "Share handled by self-service or bot alone."),
    "effort_score": KpiInfo(
        "Customer effort", "score", "1 = effortless ... 7 = very hard work for the customer."),
    "service_level": KpiInfo(
        "Service level", "share", "Share of contacts answered within the channel's target."),
    "abandon_rate": KpiInfo(
        "Abandonment", "share", "Share of contacts that hung up or left before an answer."),
    "blocked_rate": KpiInfo(
        "Blocked", "share", "Share of contacts refused because the queue was full."),
    "p_wait": KpiInfo("Had to wait", "share", "Share of queued contacts that waited at all."),
    "asa_s": KpiInfo("Average speed of answer", "seconds",
                     "Mean wait of the contacts that were answered."),
    "mean_wait_s": KpiInfo("Mean wait", "seconds",
                           "Mean wait of all queued contacts, including those who gave up."),
    "utilization": KpiInfo("Agent utilisation", "share",
                           "Share of staffed agent time spent handling contacts."),
    "mean_sojourn_s": KpiInfo("Time in the system", "seconds",
                              "Mean time from arrival to the end of the last piece of work."),
    "aht_s": KpiInfo("Average handle time", "seconds",
                     "Mean time an agent spends per contact: talk plus after-call work."),
    "talk_s": KpiInfo("Talk time", "seconds", "Mean time the customer spends with the agent."),
    "acw_s": KpiInfo("After-call work", "seconds",
                     "Mean wrap-up after a contact, the customer gone, the agent busy."),
    "dropped": KpiInfo("Dropped by outages", "count",
                       "Contacts cut off in queue or in service by an outage."),
    "out_of_hours": KpiInfo("Tried while closed", "count",
                            "Customer tries on a channel outside its opening hours."),
    "out_of_hours_lost": KpiInfo("Lost while closed", "count",
                                 "Of those, customers who gave up (no contact made)."),
    "out_of_hours_deflected": KpiInfo("Deflected while closed", "count",
                                      "Of those, customers sent to self-service instead."),
    "callbacks_offered": KpiInfo("Call-backs offered", "count",
                                 "Calls offered a call-back because the wait looked long."),
    "callbacks_accepted": KpiInfo("Call-backs accepted", "count",
                                  "Of those, callers who hung up to be called back."),
    "callbacks_not_reached": KpiInfo("Call-backs not reached", "count",
                                     "Accepted call-backs whose call found no one."),
    "callback_wait_s": KpiInfo("Call-back wait", "seconds",
                               "Mean time from accepting a call-back to the agent's call."),
    "emails_interrupted": KpiInfo("Emails interrupted", "count",
                                  "Emails an agent put aside to take a call, then resumed."),
    "emails_interrupted_share": KpiInfo("Emails interrupted (share)", "share",
                                        "Share of answered emails put aside for a call."),
    "handle_multiplier": KpiInfo("Handle-time multiplier", "number",
                                 "Talk time relative to standard speed (tenure mix)."),
    "handled_share": KpiInfo("Share of the team's contacts", "share",
                             "Share of the team's handled contacts this group took."),
    "same_agent_rate": KpiInfo("Recontacts to the same agent", "share",
                               "Share of answered recontacts answered by the customer's "
                               "previous agent."),
    "same_agent_resolution_rate": KpiInfo("Resolved by the same agent", "share",
                                          "Recontacts their previous agent answered that "
                                          "resolved the need."),
    "other_agent_resolution_rate": KpiInfo("Resolved by another agent", "share",
                                           "Recontacts another agent answered that "
                                           "resolved the need."),
    "resolution_rate": KpiInfo("Resolved", "share", "Share of customer needs resolved."),
    "journeys": KpiInfo("Customer needs", "count", "Journeys that started in the period."),
    "contacts_per_journey": KpiInfo("Contacts per need", "number",
                                    "Customer contacts it took per need."),
    "transfers_per_journey": KpiInfo("Transfers per need", "number",
                                     "Handoffs between teams per need."),
    "offered": KpiInfo("Contacts offered", "count", "Customer contacts offered to agents."),
    "handled": KpiInfo("Contacts handled", "count", "Contacts served by an agent."),
    "staffed_agents_mean": KpiInfo("Agents on duty (mean)", "number",
                                   "Average number of agents staffed."),
    "scheduled_agents_mean": KpiInfo("Agents scheduled (mean)", "number",
                                     "Average number of agents on the roster, before "
                                     "shrinkage (breaks, absence, adherence)."),
    "busy_agents_mean": KpiInfo("Agents busy (mean)", "number",
                                "Average number of agents handling contacts."),
    "cost_total": KpiInfo("Total cost", "money", "Staff cost over the measured period."),
    "cost_per_journey": KpiInfo("Cost per journey", "money", "Staff cost per customer need."),
    "visits": KpiInfo("Technician visits", "count", "Visits made to customers' premises."),
    "days_to_visit": KpiInfo("Days to visit", "number",
                             "Days from booking to the first appointment slot."),
    "days_to_visit_p90": KpiInfo("Days to visit (90th pct.)", "number",
                                 "9 in 10 first appointments are sooner."),
    "first_visit_fix_rate": KpiInfo("First-visit fix", "share",
                                    "Share of needs fixed on the first visit made."),
    "visits_per_journey": KpiInfo("Visits per need", "number",
                                  "Visits it took per need that needed one."),
    "technician_utilization": KpiInfo("Technician utilisation", "share",
                                      "Share of working time out on visits (travel included)."),
}

#: KPIs of the run report's headline, in order (those present are shown).
HEADLINE_KPIS: tuple[str, ...] = (
    "resolution_latency_s", "recontact_rate", "fcr", "effort_score", "service_level",
    "abandon_rate", "blocked_rate", "asa_s", "utilization", "offered", "handled",
)
#: Why ``mean_sojourn_s`` is in the files but not in the reports' headlines and tables.
SOJOURN_NOTE = (
    "Time in the system (mean_sojourn_s, from a journey's first arrival to the end of "
    "its last piece of work) is kept in the files but left out of the report: over "
    "resolved journeys it measures nearly the same span as resolution latency, which "
    "the report shows instead (resolution latency also counts the time a customer "
    "waited for a closed line)."
)

#: KPIs whose whole-operation (and segment, intent) value counts live channels only
#: (voice, chat): email is judged per channel, so its day-long waits do not swamp
#: the phone's seconds (see sim.metrics.definitions).
LIVE_SCOPE_KPIS = frozenset({"asa_s", "mean_wait_s", "p_wait", "service_level"})
LIVE_SCOPE = "live channels"

DASH = "\u2013"  # en dash for ranges
MINUS = "\u2212"


def kpi_info(kpi: str) -> KpiInfo:
    """The :class:`KpiInfo` of ``kpi``, guessed from its name when not listed."""
    if kpi in KPI_INFO:
        return KPI_INFO[kpi]
    pretty = kpi.replace("_", " ").strip().capitalize()
    if kpi.endswith("_s") or "_s_p" in kpi:
        return KpiInfo(pretty.removesuffix(" s"), "seconds")
    if kpi.endswith(("_rate", "_share")):
        return KpiInfo(pretty, "share")
    return KpiInfo(pretty, "number")


def label(kpi: str) -> str:
    """Plain-language name of a KPI."""
    return kpi_info(kpi).label


def scoped_label(kpi: str, group: str = "all") -> str:
    """The KPI's name, saying ``(live channels)`` where a whole-operation value (or a
    segment's, an intent's) counts voice and chat only."""
    name = label(kpi)
    if kpi in LIVE_SCOPE_KPIS and group in ("all", "segment", "intent"):
        return f"{name} ({LIVE_SCOPE})"
    return name


def _finite(x: object) -> bool:
    try:
        return x is not None and math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_duration(seconds: float) -> str:
    """A time for humans: ``'8.6 s'``, ``'45 s'``, ``'3.5 min'``, ``'2.4 h'``, ``'1.5 d'``."""
    if not _finite(seconds):
        return DASH
    s = float(seconds)
    sign = MINUS if s < 0 else ""
    s = abs(s)
    if s < 10:
        return f"{sign}{s:.1f} s"
    if s < 120:
        return f"{sign}{s:.0f} s"
    if s < 3600:
        return f"{sign}{s / 60:.1f} min"
    if s < 2 * 86400:
        return f"{sign}{s / 3600:.1f} h"
    return f"{sign}{s / 86400:.1f} d"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``'1 team'``, ``'3 teams'``."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def _number(x: float) -> str:
    a = abs(x)
    text = f"{a:,.0f}" if a >= 100 else f"{a:.1f}" if a >= 10 else f"{a:.2f}"
    return (MINUS if x < 0 else "") + text


def fmt_value(kpi: str, x: object) -> str:
    """Format one value of ``kpi`` (``'71.4%'``, ``'45 s'``, ``'1,220'``); ``'–'`` if missing."""
    if not _finite(x):
        return DASH
    v = float(x)  # type: ignore[arg-type]
    kind = kpi_info(kpi).kind
    if kind == "share":
        return f"{v * 100:.1f}%".replace("-", MINUS)
    if kind == "seconds":
        return fmt_duration(v)
    if kind == "count":
        return _number(v) if abs(v) < 100 else f"{v:,.0f}".replace("-", MINUS)
    if kind == "score":
        return f"{v:.2f}".replace("-", MINUS)
    if kind == "money":
        return _number(v)
    return _number(v)


def _clip(kpi: str, lo: float, hi: float) -> tuple[float, float]:
    """Clip CI bounds to the KPI's possible range (display only)."""
    kind = kpi_info(kpi).kind
    if kind in ("seconds", "count", "money"):
        lo, hi = max(lo, 0.0), max(hi, 0.0)
    elif kind == "share":
        lo, hi = min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)
    elif kind == "score":
        lo, hi = min(max(lo, 1.0), 7.0), min(max(hi, 1.0), 7.0)
    return lo, hi


def fmt_ci(kpi: str, lo: object, hi: object, clip: bool = True) -> str:
    """A 95% CI as ``'62.1%–80.3%'`` (clipped to the possible range); ``'–'`` if undefined."""
    if not (_finite(lo) and _finite(hi)):
        return "n/a"
    a, b = float(lo), float(hi)  # type: ignore[arg-type]
    if clip:
        a, b = _clip(kpi, a, b)
    return f"{fmt_value(kpi, a)}{DASH}{fmt_value(kpi, b)}"


def fmt_diff(kpi: str, d: object) -> str:
    """A signed difference: ``'+2.1 pp'`` for shares (percentage points), ``'−12 s'``."""
    if not _finite(d):
        return DASH
    v = float(d)  # type: ignore[arg-type]
    sign = "+" if v > 0 else MINUS if v < 0 else "\u00b1"
    kind = kpi_info(kpi).kind
    if kind == "share":
        return f"{sign}{abs(v) * 100:.1f} pp"
    if kind == "seconds":
        return sign + fmt_duration(abs(v))
    if kind == "score":
        return f"{sign}{abs(v):.2f}"
    return sign + _number(abs(v))


def fmt_diff_ci(kpi: str, lo: object, hi: object) -> str:
    """A CI of a difference, both bounds signed: ``'−3.2 pp to +0.4 pp'``."""
    if not (_finite(lo) and _finite(hi)):
        return "n/a"
    return f"{fmt_diff(kpi, lo)} to {fmt_diff(kpi, hi)}"
