"""Email interrupt: emails an agent put aside to take a call (:mod:`sim.model.interrupt`).

The model records how many times each contact was put aside
(``Records.extra["interruptions"]``; only scenarios with a pool's ``interrupt``
carry it). Counted over the contacts of the measured window, by the whole
operation, channel, segment, intent (customer contacts) and pool (every piece the
pool answered):

emails_interrupted
    emails put aside at least once for a call;
emails_interrupted_share
    of the emails answered, the share put aside at least once.

What the interruptions cost the emails shows in their response time (the email
channel's ``service_level``, ``mean_sojourn_s`` and resolution latency: the time
put aside counts); what they buy shows in the voice channel's ``asa_s``. Their
``handle_s`` is the time actually worked, so ``aht_s`` is unchanged by them.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.context import KpiContext
from sim.metrics.definitions import CUSTOMER_GROUPS
from sim.metrics.stats import ratio

__all__ = ["INTERRUPT_KPIS", "interrupt_kpis"]

INTERRUPT_KPIS = ("emails_interrupted", "emails_interrupted_share")


def interrupt_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """The email-interrupt KPIs (customer groups and pools; none without interrupts)."""
    r = ctx.records
    extra = getattr(r, "extra", None) or {}
    times = extra.get("interruptions")
    if times is None or (group not in CUSTOMER_GROUPS and group != "pool"):
        return {}
    hit = np.asarray(times) > 0
    kinds = r.channel_kinds or ("",) * len(r.channels)
    email = np.array([k == "email" for k in kinds], dtype=bool)[ctx.channel]
    interrupted = ctx.count(group, hit)
    return {
        "emails_interrupted": interrupted,
        "emails_interrupted_share": ratio(interrupted, ctx.count(group, email & ctx.answered)),
    }
