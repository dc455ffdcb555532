"""Call-backs (virtual hold): callers offered a call-back instead of waiting.

The model records each customer contact's call-back state
(:mod:`sim.model.callbacks`: not offered, declined, accepted, accepted but not
reached). Counted over customer contacts tried in the measured window, by the
whole operation, channel, segment and intent:

callbacks_offered
    calls offered a call-back (the expected wait exceeded the channel's
    ``callback.offer_above``);
callbacks_accepted
    of those, callers who accepted (they left the live queue and do not abandon);
callbacks_not_reached
    of those, call-backs whose call did not reach the customer (counted as
    abandoned contacts: the customer was not served);
callback_wait_s
    mean time from acceptance (the call's arrival) to the agent's call, over
    accepted call-backs that were called.

Abandonment avoided shows in ``abandon_rate`` (compare a scenario with and without
``callback``); the agents' time for call-backs is in ``aht_s`` and
``utilization``. Scenarios without call-backs report none of these KPIs.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.context import KpiContext
from sim.metrics.definitions import CUSTOMER_GROUPS
from sim.records import CB_ACCEPTED, CB_FAILED, CB_NOT_OFFERED

__all__ = ["CALLBACK_KPIS", "callback_kpis"]

CALLBACK_KPIS = ("callbacks_offered", "callbacks_accepted", "callbacks_not_reached",
                 "callback_wait_s")


def callback_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """The call-back KPIs (customer groups; none without call-backs)."""
    state = ctx.records.callback
    if state is None or group not in CUSTOMER_GROUPS:
        return {}
    state = np.asarray(state)
    accepted = (state == CB_ACCEPTED) | (state == CB_FAILED)
    return {
        "callbacks_offered": ctx.count(group, state != CB_NOT_OFFERED),
        "callbacks_accepted": ctx.count(group, accepted),
        "callbacks_not_reached": ctx.count(group, state == CB_FAILED),
        "callback_wait_s": ctx.mean(group, accepted, ctx.wait_s),
    }
