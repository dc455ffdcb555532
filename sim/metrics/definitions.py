"""What every KPI means, in one place: the table of the report's method section.

The precise rules live next to the code that computes them
(:mod:`sim.metrics.kpis`, :mod:`sim.metrics.journey_kpis`,
:mod:`sim.metrics.field`); this module states each one in a sentence a council
can audit, in the terms contact-centre practice uses. A test checks that every
KPI the model produces has a definition here.
"""

from __future__ import annotations

__all__ = ["COHORT_RULE", "CUSTOMER_GROUPS", "GROUPS", "KPI_DEFINITIONS", "KPI_ORDER",
           "definition"]

#: Groups of the per-replication KPI frame, in output order.
GROUPS: tuple[str, ...] = ("all", "channel", "pool", "segment", "intent")
#: Groups whose members are customers' contacts (the rest: pools).
CUSTOMER_GROUPS = frozenset({"all", "channel", "segment", "intent", "outage", "event"})

#: Which contacts and journeys the KPIs count (stated once above the table).
COHORT_RULE = (
    "Every KPI counts the contacts and customer journeys whose customer first tried "
    "inside the measured window (after the warm-up, before the end of the horizon). "
    "The model then keeps running without new arrivals (the run-out) until each of "
    "them is answered, resolved or given up, so their outcomes are known rather than "
    "cut off at the horizon; the share still open when it stops is reported as "
    "'open at cut-off'. Self-service and bot sessions are counted as sessions, not as "
    "contacts offered to agents."
)

KPI_DEFINITIONS: dict[str, str] = {
    "offered": "Customer contacts offered to agents (voice, chat, email, ...); "
               "self-service and bot sessions are not offered contacts.",
    "sessions": "Self-service and bot sessions.",
    "handled": "Contacts an agent served (finished or transferred).",
    "abandon_rate": "Abandoned / offered, both without short abandons (those within the "
                    "channel's short_abandon wait, when it sets one).",
    "blocked_rate": "Contacts refused because the queue was full / offered.",
    "p_wait": "Share of queued contacts (answered or abandoned) that waited at all. "
              "Whole operation, segment, intent: live channels (voice, chat) only.",
    "asa_s": "Average speed of answer: mean wait of answered contacts. Whole operation, "
             "segment, intent: live channels only; email is reported by its channel.",
    "mean_wait_s": "Mean wait of queued contacts, abandoned ones up to abandonment "
                   "(live channels, as for ASA).",
    "service_level": "Contacts answered within their target (the channel's, or their "
                     "segment's own target on that channel) / offered contacts "
                     "whose outcome is known, without short abandons. Email is judged on "
                     "its response. Whole operation, segment, intent: live channels only.",
    "backlog_end": "Customer contacts still waiting in a queue at the end of the horizon.",
    "backlog_age_p90_s": "90th percentile of their age then (from when the customer tried).",
    "utilization": "Busy / staffed agent time; an agent holding at least one chat is busy.",
    "slot_occupancy": "Share of capacity in use: chat time held plus other busy time times "
                      "the slots, / staffed time times the slots per agent (equals "
                      "utilization for single-slot teams).",
    "mean_concurrency": "Chats held at once, on average, by an agent holding at least one.",
    "mean_sojourn_s": "Mean time from a journey's first arrival to the end of its last "
                      "piece of work, over resolved journeys with nothing open.",
    "aht_s": "Average handle time of finished, served contacts: talk plus after-call "
             "work (wrap-up), as planners read it.",
    "talk_s": "With after-call work: the talk part of the handle time (the customer's "
              "time with the agent).",
    "acw_s": "With after-call work: the wrap-up part of the handle time (the agent is "
             "busy, the customer has left).",
    "scheduled_agents_mean": "With shrinkage: agents on the roster (scheduled, "
                             "paid), on average over the window, before the headcount-cut "
                             "shrinkage, breaks, absence and adherence; staffed / scheduled "
                             "is one minus the shrinkage as it happened.",
    "staffed_agents_mean": "Agents on duty, on average over the window.",
    "busy_agents_mean": "Agents busy, on average over the window.",
    "out_of_hours": "Customer tries on a channel while it was closed (channels with "
                    "opening hours); those who came back are counted as contacts too.",
    "out_of_hours_lost": "Of the tries on a closed channel: customers who gave up (the "
                         "channel's closed.lost share); no contact was made.",
    "out_of_hours_deflected": "Of the tries on a closed channel: customers sent at once "
                              "to a self-service or bot channel (closed.deflect).",
    "callbacks_offered": "Calls offered a call-back because their expected wait (position "
                         "x mean handle time / agents on duty) exceeded the channel's "
                         "callback.offer_above.",
    "callbacks_accepted": "Of those, callers who accepted: they left the live queue and do "
                          "not abandon; the agent calls them when their turn comes.",
    "callbacks_not_reached": "Of the accepted call-backs, those whose call did not reach "
                             "the customer; they count as abandoned contacts.",
    "callback_wait_s": "Mean time from accepting a call-back to the agent's call (also "
                       "counted in the contact's wait, ASA and service level).",
    "emails_interrupted": "Emails an agent put aside at least once to take a call (pools "
                          "with 'interrupt'); the agent resumed each one afterwards. Only "
                          "scenarios with an email interrupt report it.",
    "emails_interrupted_share": "Emails put aside at least once for a call / emails "
                                "answered. Their response time includes the time put "
                                "aside; their handle time counts only the time worked.",
    "dropped": "Contacts cut off in queue or in service by an outage with 'drops' (a "
               "telephony or site outage); their customers retry (recontact.retry, or the "
               "default outage retry). Only scenarios with such an outage report it.",
    "handle_multiplier": "Tenure mixes: by team, the mean handle-time multiplier of the work "
                         "it did (its talk time over the same contacts at standard speed); "
                         "by tenure group, the group's multiplier.",
    "handled_share": "Tenure mixes: the group's share of its team's handled contacts.",
    "same_agent_rate": "Sticky agents: answered recontacts (customer contacts after an "
                       "earlier one an agent answered) answered by the agent who answered "
                       "the journey's previous contact / answered recontacts.",
    "same_agent_resolution_rate": "Sticky agents: of the recontacts answered by their "
                                  "previous agent, the share that resolved the need at that "
                                  "contact.",
    "other_agent_resolution_rate": "Sticky agents: of the recontacts answered by another "
                                   "agent, the share that resolved the need at that "
                                   "contact.",
    "journeys": "Customer needs (journeys) that started in the window.",
    "resolution_rate": "Resolved journeys / journeys.",
    "resolution_latency_s": "Mean time from when the customer first tried (a night "
                            "waiting for a closed line counts) to the end of the "
                            "resolving contact, over resolved journeys.",
    "resolution_latency_s_p50": "Median of the resolution latency.",
    "resolution_latency_s_p90": "90th percentile of the resolution latency.",
    "recontact_rate": "Journeys in which the customer came back within the recontact "
                      "window after a contact an agent served (or a session that ended "
                      "without escalating) / journeys with such a served contact.",
    "retry_rate": "Journeys with a new attempt after an abandoned or blocked contact / "
                  "journeys (not a recontact).",
    "fcr": "First-contact resolution: journeys resolved at the first contact an agent "
           "answered, with no customer contact after it (transfers within it allowed; a "
           "bot session escalated to that agent counts) / journeys that reached an agent.",
    "containment_rate": "Self-service and bot sessions that resolved the need without an "
                        "agent / sessions that ended.",
    "contacts_per_journey": "Customer contacts per journey.",
    "transfers_per_journey": "Transfers between teams per journey.",
    "effort_score": "Customer effort, 1 (effortless) to 7, over journeys that ended.",
    "open_at_cutoff": "Journeys still open when the run stopped / journeys.",
    "cost_total": "Staffed agent time at each team's hourly cost over the window, plus "
                  "contact fees (and field costs). By channel, segment and intent: the "
                  "cost of their journeys, whose shares of staff cost follow the agent "
                  "time each took (a chat held with others counts its share), so the "
                  "parts add up to the total.",
    "cost_per_journey": "Total cost / journeys.",
    "visits": "Technician visits made.",
    "days_to_visit": "Days from booking to the first appointment slot.",
    "days_to_visit_p90": "90th percentile of days to visit.",
    "first_visit_fix_rate": "Needs fixed on the first visit / needs that had a visit.",
    "visits_per_journey": "Visits per need that needed one.",
    "technician_utilization": "Share of technicians' working time out on visits, travel "
                              "included.",
}


#: Every KPI name, in display order (the order of the definitions).
KPI_ORDER: tuple[str, ...] = tuple(KPI_DEFINITIONS)


def definition(kpi: str) -> str:
    """The definition of ``kpi`` (empty if it has none)."""
    return KPI_DEFINITIONS.get(kpi, "")
