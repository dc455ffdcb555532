"""Journey KPIs: resolution, recontacts, containment, effort and cost of one replication.

These families join :data:`sim.metrics.kpis.FAMILIES`. Records without the journey
facts (made elsewhere, see :data:`sim.records.JOURNEY_COLUMNS`) are read with the
classic model: a handled last piece resolves the need, nobody recontacts, nothing
costs anything.

Which journeys count
--------------------
Journeys whose first customer *tried* in the measured window (the cohort). The
model follows them after the horizon, with no new arrivals, until each is
resolved or given up (``run_out``); those still open when it stops are counted
as they stand and their share is reported (``open_at_cutoff``). A journey is split
by the channel of its *first* contact, its segment and its intent.

Definitions
-----------
journeys
    journeys started in the window.
resolution_rate
    resolved / journeys.
resolution_latency_s, _p50, _p90
    mean, median and 90th percentile over resolved journeys of the time from when
    the customer first tried (a night waiting for a closed line counts) to the end
    of the resolving contact.
recontact_rate
    journeys in which the customer came back within the recontact window after a
    contact an agent served (or a self-service / bot session that ended without
    escalating) / journeys with such a served contact. A retry after an abandoned or
    blocked contact is not a recontact, nor is an escalation from a bot.
retry_rate
    journeys with a new attempt after an abandoned or blocked contact / journeys.
fcr
    first-contact resolution (COPC style): journeys resolved at the first customer
    contact an agent answered, with no customer contact after it (transfers within
    it allowed; not by a technician visit) / journeys that reached an agent. A bot
    session escalated to an agent who resolves counts as resolved at first contact.
containment_rate
    self-service and bot sessions (in window, ended) that contained the need /
    those sessions; split by the session's own channel, segment and intent.
contacts_per_journey, transfers_per_journey
    mean customer contacts and transfers per journey.
effort_score
    mean effort (1..7, :mod:`sim.metrics.effort`) over journeys that ended
    (resolved or given up).
open_at_cutoff
    journeys still open when the run stopped / journeys.
cost_total
    ``all``: staffed agent time at each pool's ``cost_per_hour`` over the window
    plus the fees of the cohort's contacts (and technician time and visit fees,
    :mod:`sim.metrics.field`); ``pool``: the pool's staffed cost; channel, segment,
    intent: the cost of their journeys, whose staff shares add up to the pools'
    staffed cost (see :mod:`sim.metrics.journeys`).
cost_per_journey
    cost_total / journeys (``all``), the mean journey cost otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.metrics.definitions import CUSTOMER_GROUPS
from sim.metrics.field import field_cost
from sim.metrics.journeys import staff_cost
from sim.metrics.stats import ratio
from sim.records import ESCALATED, HANDLED

if TYPE_CHECKING:
    from sim.metrics.context import KpiContext

__all__ = ["JOURNEY_KPIS", "containment_kpis", "cost_kpis", "journey_kpis"]

JOURNEY_KPIS: tuple[str, ...] = (
    "journeys",
    "resolution_rate",
    "resolution_latency_s",
    "resolution_latency_s_p50",
    "resolution_latency_s_p90",
    "recontact_rate",
    "retry_rate",
    "fcr",
    "containment_rate",
    "contacts_per_journey",
    "transfers_per_journey",
    "effort_score",
    "open_at_cutoff",
    "cost_total",
    "cost_per_journey",
)



def _members(ctx: KpiContext, group: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Member code of every journey, the in-window mask, and the number of members."""
    f = ctx.journey_facts
    codes = ctx.journeys.at_first(ctx.codes(group))
    return codes, f.in_window, len(ctx.names(group))


def _mean(codes: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    sel = mask & ~np.isnan(values)
    return ratio(np.bincount(codes[sel], weights=values[sel], minlength=n),
                  np.bincount(codes[sel], minlength=n))


def _percentile(codes: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int,
                q: float) -> np.ndarray:
    out = np.full(n, np.nan)
    sel = mask & ~np.isnan(values)
    for m in np.unique(codes[sel]):  # a loop over members, not over contacts
        out[m] = np.percentile(values[sel & (codes == m)], q)
    return out


def journey_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """Resolution, recontact, FCR, contacts, transfers and effort (customer groups)."""
    if group not in CUSTOMER_GROUPS:
        return {}
    f = ctx.journey_facts
    codes, win, n = _members(ctx, group)
    journeys = np.bincount(codes[win], minlength=n).astype(float)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[win & mask], minlength=n).astype(float)

    def share(mask: np.ndarray, of: np.ndarray | None = None) -> np.ndarray:
        return ratio(count(mask), journeys if of is None else count(of))

    resolved = win & f.resolved
    latency = f.resolution_latency_s
    return {
        "journeys": journeys,
        "resolution_rate": share(f.resolved),
        "resolution_latency_s": _mean(codes, resolved, latency, n),
        "resolution_latency_s_p50": _percentile(codes, resolved, latency, n, 50),
        "resolution_latency_s_p90": _percentile(codes, resolved, latency, n, 90),
        "recontact_rate": share(f.recontacted, f.served),
        "retry_rate": share(f.retried),
        "fcr": share(f.fcr, f.reached_agent),
        "open_at_cutoff": share(f.open),
        "contacts_per_journey": _mean(codes, win, f.contacts.astype(float), n),
        "transfers_per_journey": _mean(codes, win, f.transfers.astype(float), n),
        "effort_score": _mean(codes, win & f.finished, f.effort_score, n),
    }


def containment_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``containment_rate`` over ended self-service and bot sessions (customer groups)."""
    if group not in CUSTOMER_GROUPS:
        return {}
    session = ctx.records.self_service_channels()[ctx.channel] if ctx.channel.size \
        else np.zeros(0, dtype=bool)
    ended = session & ((ctx.outcome == HANDLED) | (ctx.outcome == ESCALATED))
    return {"containment_rate": ratio(ctx.count(group, ended & (ctx.outcome == HANDLED)),
                                       ctx.count(group, ended))}


def cost_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``cost_total`` (all, pools, customer groups) and ``cost_per_journey``."""
    r = ctx.records
    staff = staff_cost(r)
    if group == "pool":
        return {"cost_total": staff}
    if group not in CUSTOMER_GROUPS:
        return {}
    f = ctx.journey_facts
    codes, win, n = _members(ctx, group)
    journeys = np.bincount(codes[win], minlength=n).astype(float)
    if group == "all":
        total = np.array([staff.sum() + f.fee_total + field_cost(r)])
    else:
        total = np.bincount(codes[win], weights=f.cost[win], minlength=n)
    return {"cost_total": total, "cost_per_journey": ratio(total, journeys)}
