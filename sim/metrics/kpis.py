"""Per-replication KPIs: the facts of one :class:`~sim.records.Records`, as figures.

The result is a tidy frame with one row per ``(group, member, kpi)``:

* ``group == "all"`` (``member == ""``) — the whole operation;
* ``"channel"``, ``"segment"``, ``"intent"`` — customer KPIs split by the channel,
  segment and intent of the customer's contact (every name of the records appears,
  with ``offered == 0`` and NaN ratios when it received nothing);
* ``"pool"`` — agent-side KPIs of each pool.

Which contacts count
--------------------
Only contacts whose customer tried in the measured window (``in_window``) count.
Customer KPIs use *customer contacts*, the ``step == 0`` rows; rows with
``step > 0`` are internal handoff pieces. Self-service and bot *sessions* are
counted apart (``sessions``): they are never offered to an agent, so a customer
who goes from the bot to the phone is offered once, on the phone. Pool KPIs use
every row (any step) an agent of that pool answered. The model follows the
window's contacts after the horizon (``run_out``), so few are still open when it
stops; those are left out of the service-level denominator while they could still
be answered in time.

Waiting-time KPIs of the whole operation (and of a segment, intent, outage or
event) are taken over the *live* channels (voice and chat), where seconds
matter: an email's day in the queue is reported by its channel, not averaged
into the answer speed of calls. An operation with no live channel uses all.

Definitions (times in seconds)
------------------------------
offered
    customer contacts offered to agents (not self-service or bot sessions).
sessions
    self-service and bot sessions.
handled
    contacts served by an agent (outcome handled or transferred).
abandon_rate
    abandoned / offered, both without *short abandons* (abandoned within the
    channel's ``short_abandon`` wait, if it sets one).
blocked_rate
    blocked / offered.
dropped
    contacts an outage with ``drops`` cut off in queue or in service (outcome
    ``dropped``); only records of scenarios with such an outage carry it
    (:data:`DROP_KPIS`).
p_wait
    share of queued contacts (answered or abandoned) whose wait was > 0.
asa_s
    mean wait of answered contacts.
mean_wait_s
    mean wait of answered or abandoned contacts (abandoned: up to abandonment).
service_level
    contacts answered within their target (the channel's, or the segment's own
    ``service_level_target`` on that channel) / offered contacts whose
    outcome is decided, without short abandons; channels with no target are left
    out. A contact still waiting when the run stops is a miss once it has waited
    longer than the target.
backlog_end, backlog_age_p90_s
    customer contacts still waiting in a queue at the end of the horizon (all
    tried before it; step 0), and the 90th percentile of their age then.
utilization
    busy / staffed agent-seconds (``all``: over all pools); an agent holding at
    least one chat is busy.
slot_occupancy
    share of the pool's capacity in use: chat-seconds held, plus other busy time
    times the slots (a call takes the whole agent), / (staffed agent-seconds x
    slots per agent). Equals utilization for single-slot pools.
mean_concurrency
    chats held on average by an agent holding at least one (multi-slot pools).
staffed_agents_mean, busy_agents_mean
    staffed / busy agent-seconds divided by the window length (``all``: summed
    over pools).
scheduled_agents_mean
    pools or shifts with shrinkage only: rostered agent-seconds (before the headcount cut,
    breaks, absence and adherence; :mod:`sim.model.shrinkage`) divided by the
    window length.
mean_sojourn_s
    mean over completed journeys (first contact in window, no piece open, last
    piece handled) of last end - first arrival, over all handoff steps.
aht_s
    mean handle time of finished, served contacts: talk + after-call work (wrap-up),
    as planners read it; with after-call work also ``talk_s`` and ``acw_s``, its parts.

Out-of-hours demand (``out_of_hours``, ``out_of_hours_lost``,
``out_of_hours_deflected``: tries on a closed channel) is defined in
:mod:`sim.metrics.closed`; call-backs (``callbacks_offered``, ``callbacks_accepted``,
``callbacks_not_reached``, ``callback_wait_s``) in :mod:`sim.metrics.callbacks`; email
interrupt (``emails_interrupted``, ``emails_interrupted_share``) in
:mod:`sim.metrics.interrupts`; tenure groups (group ``tenure``, ``handled_share``,
``handle_multiplier``) and sticky recontacts (``same_agent_rate``, ...) in
:mod:`sim.metrics.identity`.

Journey KPIs (resolution latency, recontact rate, FCR, containment, effort, cost)
are defined in :mod:`sim.metrics.journey_kpis`.

Adding KPIs
-----------
Each KPI family is one function ``family(ctx, group) -> {kpi: values per member}``
listed in :data:`FAMILIES`; it returns ``{}`` for groups it does not apply to. Add
the names to :data:`KPI_ORDER` (display order) and the function to ``FAMILIES``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.metrics.callbacks import callback_kpis
from sim.metrics.closed import out_of_hours_kpis
from sim.metrics.context import Family, KpiContext, service_level_rows, timed
from sim.metrics.definitions import CUSTOMER_GROUPS, GROUPS, KPI_ORDER
from sim.metrics.field import FIELD_KPIS, field_kpis, field_pool_frame
from sim.metrics.identity import sticky_kpis, tenure_frame, tenure_pool_kpis
from sim.metrics.interrupts import INTERRUPT_KPIS, interrupt_kpis
from sim.metrics.journey_kpis import JOURNEY_KPIS, containment_kpis, cost_kpis, journey_kpis
from sim.metrics.stats import ratio
from sim.records import DROPPED, Records

__all__ = ["DROP_KPIS", "FAMILIES", "GROUPS", "KPI_ORDER", "SHRINKAGE_KPIS", "WRAP_UP_KPIS",
           "kpi_names", "replication_kpis"]

#: KPIs only scenarios with after-call work produce (the parts of ``aht_s``).
WRAP_UP_KPIS = ("talk_s", "acw_s")
#: KPIs only scenarios whose shifts have shrinkage produce (see sim.model.shrinkage).
SHRINKAGE_KPIS = ("scheduled_agents_mean",)
#: KPIs only scenarios with an outage that drops work in progress produce.
DROP_KPIS = ("dropped",)

# the KPI names of each family must all be listed in the definitions
assert set(JOURNEY_KPIS) | set(FIELD_KPIS) | set(INTERRUPT_KPIS) <= set(KPI_ORDER), \
    "a KPI without a definition"


def kpi_names() -> list[str]:
    """KPI names in a stable display order.

    Returns
    -------
    list of str
        The contract KPIs first (``offered`` .. ``aht_s``), then the pool staffing
        figures ``staffed_agents_mean`` and ``busy_agents_mean``, then the journey
        KPIs of :mod:`sim.metrics.journey_kpis` (``journeys`` .. ``cost_per_journey``).
    """
    return list(KPI_ORDER)


def volume_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``offered``, ``sessions``, ``abandon_rate``, ``blocked_rate`` and, with outages that
    drop work, ``dropped`` (customer groups)."""
    if group not in CUSTOMER_GROUPS:
        return {}
    agent = ~ctx.session
    offered = ctx.count(group, agent)
    short = ctx.count(group, agent & ctx.short)
    out = {
        "offered": offered,
        "sessions": ctx.count(group, ctx.session),
        "abandon_rate": ratio(ctx.count(group, agent & ctx.abandoned & ~ctx.short),
                              offered - short),
        "blocked_rate": ratio(ctx.count(group, agent & ctx.blocked), offered),
    }
    if getattr(ctx.records, "outage_drops", False):
        out["dropped"] = ctx.count(group, agent & (ctx.outcome == DROPPED))
    return out


def handled_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``handled`` and ``aht_s`` (customer groups and pools); with after-call work,
    ``aht_s`` is talk + wrap-up, and ``talk_s`` and ``acw_s`` are its two parts."""
    acw = ctx.records.acw_s
    if acw is None:
        return {
            "handled": ctx.count(group, ctx.served),
            "aht_s": ctx.mean(group, ctx.finished_served, ctx.handle_s),
        }
    acw = np.asarray(acw, dtype=float)
    return {
        "handled": ctx.count(group, ctx.served),
        "aht_s": ctx.mean(group, ctx.finished_served, ctx.handle_s + acw),
        "talk_s": ctx.mean(group, ctx.finished_served, ctx.handle_s),
        "acw_s": ctx.mean(group, ctx.finished_served, acw),
    }


def waiting_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``asa_s`` (all groups); ``p_wait`` and ``mean_wait_s`` (customer groups)."""
    live = timed(ctx, group)
    out = {"asa_s": ctx.mean(group, live & ctx.answered, ctx.wait_s)}
    if group in CUSTOMER_GROUPS:
        queued = live & ctx.queued
        waited = queued & (ctx.wait_s > 0)
        out["p_wait"] = ratio(ctx.count(group, waited), ctx.count(group, queued))
        out["mean_wait_s"] = ctx.mean(group, queued, ctx.wait_s)
    return out


def service_level_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``service_level`` (customer groups); undecided open contacts and untargeted channels out."""
    if group not in CUSTOMER_GROUPS:
        return {}
    # each contact against its own target: its channel's, or its segment's on that channel
    eligible, within = service_level_rows(ctx.records, ctx.records.row_sl_target())
    eligible &= timed(ctx, group) & ~ctx.short & ~ctx.session
    return {
        "service_level": ratio(ctx.count(group, eligible & within),
                               ctx.count(group, eligible)),
    }


def backlog_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``backlog_end`` and ``backlog_age_p90_s`` (the whole operation and channels)."""
    if group not in ("all", "channel"):
        return {}
    r = ctx.records
    end = r.end_s
    tried = r.tried_s()
    arrival = np.asarray(r.contacts["arrival_s"], dtype=float)
    answer = np.asarray(r.contacts["answer_s"], dtype=float)
    # when each contact left the queue (still there at the cut-off: never)
    dropped = ctx.outcome == DROPPED  # cut off by an outage: left the queue then
    left = np.where(ctx.answered, answer,
                    np.where(ctx.abandoned | dropped, arrival + ctx.wait_s, np.inf))
    waiting = ((ctx.step == 0) & ~ctx.session & ~ctx.blocked & (tried < end)
               & (arrival <= end) & (left > end))
    codes = ctx.codes(group)
    n = len(ctx.names(group))
    age = end - tried
    p90 = np.full(n, np.nan)
    for m in np.unique(codes[waiting]):  # a loop over members, not contacts
        p90[m] = np.percentile(age[waiting & (codes == m)], 90)
    return {"backlog_end": np.bincount(codes[waiting], minlength=n).astype(float),
            "backlog_age_p90_s": p90}


def sojourn_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``mean_sojourn_s`` over completed journeys, by the first contact's member."""
    if group not in CUSTOMER_GROUPS:
        return {}
    j = ctx.journeys
    n = len(ctx.names(group))
    codes = j.at_first(ctx.codes(group))[j.completed]
    return {
        "mean_sojourn_s": ratio(
            np.bincount(codes, weights=j.sojourn_s[j.completed], minlength=n),
            np.bincount(codes, minlength=n),
        )
    }


def utilization_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``utilization``, ``staffed_agents_mean``, ``busy_agents_mean`` (all, pools)."""
    if group not in ("all", "pool"):
        return {}
    staffed, busy = ctx.pool_time(group)
    window = np.full(staffed.shape, ctx.window_s if ctx.window_s > 0 else 0.0)
    out = {
        "utilization": ratio(busy, staffed),
        "staffed_agents_mean": ratio(staffed, window),
        "busy_agents_mean": ratio(busy, window),
    }
    r = ctx.records
    if r.pool_scheduled_s is not None:  # shifts with shrinkage: the roster beside it
        scheduled = np.asarray(r.pool_scheduled_s, dtype=float).sum(axis=1)
        if group == "all":
            scheduled = np.array([scheduled.sum()])
        out = {"scheduled_agents_mean": ratio(scheduled, window), **out}
    n = len(r.pools)
    # records made elsewhere carry no chat time: every pool single-slot
    chats = np.zeros(n) if r.pool_chats_s is None else np.asarray(r.pool_chats_s).sum(axis=1)
    holding = (np.zeros(n) if r.pool_chat_agents_s is None
               else np.asarray(r.pool_chat_agents_s).sum(axis=1))
    slots = np.ones(n) if r.pool_chat_slots is None else np.asarray(r.pool_chat_slots, float)
    busy_p = np.asarray(r.pool_busy_s, dtype=float).sum(axis=1)
    used = chats + np.maximum(busy_p - holding, 0.0) * slots
    capacity = np.asarray(r.pool_staffed_s, dtype=float).sum(axis=1) * slots
    if group == "all":
        used, capacity = np.array([used.sum()]), np.array([capacity.sum()])
        chats, holding = np.array([chats.sum()]), np.array([holding.sum()])
    out["slot_occupancy"] = ratio(used, capacity)
    out["mean_concurrency"] = ratio(chats, holding)
    return out


#: The KPI families, applied to every group; each returns only what applies to it.
FAMILIES: list[Family] = [
    volume_kpis,
    out_of_hours_kpis,
    callback_kpis,
    interrupt_kpis,
    handled_kpis,
    waiting_kpis,
    service_level_kpis,
    backlog_kpis,
    utilization_kpis,
    sojourn_kpis,
    journey_kpis,
    containment_kpis,
    cost_kpis,
    field_kpis,
    tenure_pool_kpis,
    sticky_kpis,
]


def _group_frame(ctx: KpiContext, group: str) -> pd.DataFrame:
    values: dict[str, np.ndarray] = {}
    for family in FAMILIES:
        values.update(family(ctx, group))
    unknown = set(values) - set(KPI_ORDER)
    if unknown:
        raise RuntimeError(f"KPI(s) {sorted(unknown)} missing from KPI_ORDER")
    names = ctx.names(group)
    kpis = [k for k in KPI_ORDER if k in values]
    if not names or not kpis:
        return pd.DataFrame(columns=["group", "member", "kpi", "value"])
    # member-major: every KPI of a member together
    stacked = np.stack([np.asarray(values[k], dtype=float) for k in kpis], axis=1)
    return pd.DataFrame(
        {
            "group": group,
            "member": np.repeat(np.asarray(names, dtype=object), len(kpis)),
            "kpi": np.tile(np.asarray(kpis, dtype=object), len(names)),
            "value": stacked.ravel(),
        }
    )


def replication_kpis(records: Records, ctx: KpiContext | None = None) -> pd.DataFrame:
    """Compute every KPI of one replication as a tidy frame.

    Parameters
    ----------
    records : Records
        One replication's facts, as produced by the model.
    ctx : KpiContext, optional
        The replication's context, when the caller also builds tables from it (its
        journeys are then folded once).

    Returns
    -------
    pandas.DataFrame
        Columns ``replication`` (int), ``group``, ``member``, ``kpi`` (str) and
        ``value`` (float; counts are floats too, undefined ratios NaN). Rows are
        ordered by group (:data:`GROUPS`), member (code order of the records) and
        KPI (:func:`kpi_names`).
    """
    ctx = KpiContext(records) if ctx is None else ctx
    groups = GROUPS + (("outage",) if records.outages is not None else ())
    frames = [_group_frame(ctx, g) for g in groups]
    if records.outages is not None:  # outages per replication and their downtime
        from sim.metrics.outage_summary import outage_log_frame

        frames.append(outage_log_frame(records))
    if getattr(records, "extra", {}).get("events"):  # demand shocks: inside vs outside
        from sim.metrics.shocks import event_frames

        frames += event_frames(ctx, FAMILIES)
    if records.visits is not None:  # technician pools, reported by pool (sim.metrics.field)
        frames.append(field_pool_frame(ctx))
    if (records.extra or {}).get("tenure"):  # tenure groups of pools (sim.metrics.identity)
        frames.append(tenure_frame(ctx))
    out = pd.concat([f for f in frames if len(f)], ignore_index=True)
    field = [n for n, k in zip(records.channels, records.channel_kinds, strict=False)
             if k == "field"]
    if field:  # technician visits are no channel traffic: they report by technician pool
        out = out[~((out["group"] == "channel") & out["member"].isin(field))]
        out = out.reset_index(drop=True)
    out.insert(0, "replication", np.int64(records.replication))
    out["replication"] = out["replication"].astype(np.int64)
    out["value"] = out["value"].astype(float)
    for col in ("group", "member", "kpi"):
        out[col] = out[col].astype(object)
    return out
