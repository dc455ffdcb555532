"""The full-journey benchmark scenario: everything a contact can go through, at volume.

A care operation with a bot in front of phone and chat: bot sessions that contain
or escalate (with or without the transcript), two customer segments with
priorities, three intents with skills-based routing (cancellations to a retention
team, tech needs tier 1 cannot resolve escalated to seniors), resolution
probabilities, recontacts with channel switches, retries after abandonment,
context loss, and a billing backstage system with capacity and latency that fails
at random (mean time between failures 12 h, repairs ~1 h, agents work around it).

Demand is constant (no profile, fixed pool sizes), so the number of contacts grows
linearly with the horizon: :func:`journey_scenario` sizes the horizon for a target
number of recorded contacts. About 1.5 contacts are recorded per customer journey.
"""

from __future__ import annotations

from sim.scenario.schema import Scenario

#: Fresh customer journeys per hour, all channels.
JOURNEYS_PER_H = 3000.0
#: Recorded contacts per fresh journey (bot sessions, escalations, recontacts, retries,
#: senior escalations), measured on this scenario; used only to size the horizon.
CONTACTS_PER_JOURNEY = 1.55
#: Recorded contacts per simulated hour.
CONTACTS_PER_H = JOURNEYS_PER_H * CONTACTS_PER_JOURNEY


def journey_dict(horizon_h: float, seed: int = 1) -> dict:
    """The scenario as the planner would write it in YAML (a plain mapping)."""
    return {
        "name": "benchmark full journey",
        "horizon": f"{horizon_h * 3600:.0f}s",
        "warmup": "0s",
        "replications": 1,
        "seed": seed,
        "interval": "1h",
        "channels": {
            "phone": {"kind": "voice", "service_level_target": "30s",
                      "patience": {"dist": "lognormal", "mean": "4min", "cv": 1.0}},
            "chat": {"kind": "chat", "max_concurrency": 2, "concurrency_inflation": 0.25,
                     "service_level_target": "60s",
                     "patience": {"dist": "exponential", "mean": "8min"}},
            "bot": {"kind": "bot",
                    "duration": {"dist": "lognormal", "mean": "150s", "cv": 0.9},
                    "containment": {"billing": 0.55, "tech": 0.25, "cancel": 0.05},
                    "escalation": {"to": {"phone": 0.6, "chat": 0.4},
                                   "context_transfer": 0.7},
                    "cost_per_contact": 0.4},
        },
        "segments": {"retail": {"share": 0.85},
                     "premium": {"share": 0.15, "priority": 5}},
        "intents": {
            "billing": {"share": 0.5, "resolution": 0.85,
                        "handle_time": {"dist": "lognormal", "mean": "4min", "cv": 0.8}},
            "tech": {"share": 0.35, "resolution": 0.75, "resolution_by_channel": {"chat": 0.65},
                     "handle_time": {"dist": "lognormal", "mean": "7min", "cv": 1.0}},
            "cancel": {"share": 0.15, "resolution": 0.8,
                       "handle_time": {"dist": "lognormal", "mean": "6min", "cv": 0.6}},
        },
        "demand": [
            {"channel": "bot", "rate": f"{0.4 * JOURNEYS_PER_H:g}/h"},
            {"channel": "phone", "rate": f"{0.45 * JOURNEYS_PER_H:g}/h"},
            {"channel": "chat", "rate": f"{0.15 * JOURNEYS_PER_H:g}/h"},
        ],
        "routing": [{"intent": "cancel", "to": "retention"}],
        "pools": {
            "tier1": {"size": 305, "channels": ["phone", "chat"],
                      "skills": {"billing": 1.0, "tech": 0.55},
                      "escalate_below": 0.6, "escalate_to": "seniors", "cost_per_hour": 32},
            "seniors": {"size": 70, "channels": ["phone", "chat"],
                        "skills": {"billing": 1.0, "tech": 1.2}, "cost_per_hour": 45},
            "retention": {"size": 60, "channels": ["phone", "chat"],
                          "skills": {"cancel": 1.0}, "cost_per_hour": 40},
        },
        "recontact": {
            "probability": 0.6,
            "delay": {"dist": "exponential", "mean": "2h"},
            "channel_switch": {"phone": {"phone": 0.8, "chat": 0.2},
                               "chat": {"chat": 0.6, "phone": 0.4}},
            "max_attempts": 3,
            "retry": {"probability": 0.5, "delay": {"dist": "exponential", "mean": "15min"}},
        },
        "context_loss": {"extra_handle_time": {"dist": "lognormal", "mean": "90s", "cv": 0.5}},
        "backstage": {
            "billing": {"capacity": 60, "latency": {"dist": "lognormal", "mean": "3s", "cv": 1.0},
                        "needed_by": {"intents": ["billing"]}, "on_outage": "workaround",
                        "workaround": {"handle_factor": 1.5, "error_probability": 0.2}},
        },
        "outages": [{"target": "billing",
                     "mtbf": {"dist": "exponential", "mean": "12h"},
                     "mttr": {"dist": "lognormal", "mean": "1h", "cv": 0.8}}],
    }


def journey_scenario(contacts: int, seed: int = 1) -> Scenario:
    """The full-journey scenario with a horizon for about ``contacts`` recorded contacts."""
    return Scenario.model_validate(journey_dict(contacts / CONTACTS_PER_H, seed))
