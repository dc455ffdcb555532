"""Agents with identity: KPIs of tenure groups and of sticky recontacts.

Records of scenarios whose agents have identity carry the ``agent`` contact column
(:data:`sim.records.AGENT_COLUMN`: the number of the agent who answered, within its
pool) and, in ``extra``, the tenure groups of the agents' numbers (``tenure``) and the
sticky settings (``sticky``); see :mod:`sim.model.identity`.

Tenure (pools with a ``tenure`` mix)
    Group ``tenure``, one member per pool and group, named ``pool/group``
    (``care/new_hires``), over the rows its agents answered in the window (any step):
    ``handled``, ``aht_s`` (with after-call work also ``talk_s`` and ``acw_s``), as
    for a pool; ``handled_share``: the group's share of the pool's handled contacts
    (below its share of agents when it is slower and the pool is busy);
    ``handle_multiplier``: the group's multiplier.

    Group ``pool``: ``handle_multiplier``, the mean multiplier of the work the pool
    did: its finished contacts' talk time over the same talk time at standard speed
    (each contact's divided by its agent's multiplier); 1 for pools without tenure.

Sticky recontacts (``recontact.sticky``)
    Over *answered recontacts*: customer contacts in the window (``step == 0``) after
    the journey's first, answered by an agent, in a journey with an earlier customer
    contact an agent answered. The *previous agent* is the agent (pool and number)
    who answered the latest such earlier contact.

    ``same_agent_rate``: answered recontacts answered by their previous agent /
    answered recontacts; ``same_agent_resolution_rate`` and
    ``other_agent_resolution_rate``: of those answered by the previous agent, and by
    another agent, the share that resolved the need at that contact (the row itself;
    a contact transferred on counts as not resolved there). Customer groups (by the
    recontact's channel, segment, intent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.metrics.definitions import CUSTOMER_GROUPS
from sim.metrics.stats import ratio
from sim.records import AGENT_COLUMN

if TYPE_CHECKING:
    from sim.metrics.context import KpiContext

__all__ = ["IDENTITY_KPIS", "STICKY_KPIS", "TENURE_KPIS", "previous_agent", "sticky_kpis",
           "tenure_frame", "tenure_pool_kpis", "tenure_rows"]

#: KPIs of the ``tenure`` group, in display order.
TENURE_KPIS = ("handled", "aht_s", "talk_s", "acw_s", "handled_share", "handle_multiplier")
#: KPIs of scenarios with sticky recontacts (customer groups).
STICKY_KPIS = ("same_agent_rate", "same_agent_resolution_rate", "other_agent_resolution_rate")
#: KPIs only scenarios whose agents have identity produce.
IDENTITY_KPIS = ("handle_multiplier", "handled_share", *STICKY_KPIS)


def _tenure(records: Any) -> dict[str, Any] | None:
    extra = getattr(records, "extra", None) or {}
    tenure = extra.get("tenure")
    return tenure if tenure and AGENT_COLUMN[0] in records.contacts else None


def tenure_rows(records: Any) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """Tenure members and, per contact row, its member code, its agent's multiplier and
    its member's pool code.

    Returns
    -------
    tuple
        ``(names, code, multiplier, member_pool)``: member names ``pool/group``; per row
        the member code of the agent who answered it (-1: not answered, or a pool
        without tenure) and that agent's multiplier (1 without tenure); per member, its
        pool code.
    """
    tenure = _tenure(records)
    c = records.contacts
    n = len(c["pool"])
    code = np.full(n, -1, dtype=np.int64)
    mult = np.ones(n)
    if tenure is None:
        return (), code, mult, np.zeros(0, dtype=np.int64)
    pool = np.asarray(c["pool"], dtype=np.int64)
    agent = np.asarray(c[AGENT_COLUMN[0]], dtype=np.int64)
    names: list[str] = []
    owner: list[int] = []
    for p, pname in enumerate(records.pools):
        spec = tenure.get(pname)
        if spec is None:
            continue
        plan = np.asarray(spec["plan"], dtype=np.int64)
        rows = (pool == p) & (agent >= 0) & (agent < plan.size)
        group = plan[agent[rows]]
        code[rows] = len(names) + group
        mult[rows] = np.asarray(spec["multipliers"], dtype=float)[group]
        names += [f"{pname}/{g}" for g in spec["groups"]]
        owner += [p] * len(spec["groups"])
    return tuple(names), code, mult, np.asarray(owner, dtype=np.int64)


def tenure_pool_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``handle_multiplier`` of each pool (records with tenure groups only)."""
    if group != "pool" or _tenure(ctx.records) is None:
        return {}
    _, _, mult, _ = tenure_rows(ctx.records)
    done = ctx.pool_rows & ctx.finished_served
    n = len(ctx.records.pools)
    pool = ctx.pool[done]
    talk = ctx.handle_s[done]
    out = ratio(np.bincount(pool, weights=talk, minlength=n),
                np.bincount(pool, weights=talk / mult[done], minlength=n))
    return {"handle_multiplier": out}


def tenure_frame(ctx: KpiContext) -> pd.DataFrame:
    """Rows ``(group="tenure", member="pool/group", kpi, value)`` (empty: no tenure)."""
    names, code, _, owner = tenure_rows(ctx.records)
    if not names:
        return pd.DataFrame(columns=["group", "member", "kpi", "value"])
    m = len(names)
    counted = ctx.pool_rows & (code >= 0)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(code[counted & mask], minlength=m).astype(float)

    def mean(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        sel = counted & mask & ~np.isnan(values)
        return ratio(np.bincount(code[sel], weights=values[sel], minlength=m),
                     np.bincount(code[sel], minlength=m))

    handled = count(ctx.served)
    by_pool = np.bincount(owner, weights=handled, minlength=len(ctx.records.pools))
    tenure = _tenure(ctx.records) or {}
    member_mult = np.concatenate([np.asarray(tenure[p]["multipliers"], dtype=float)
                                  for p in ctx.records.pools if p in tenure])
    values: dict[str, np.ndarray] = {"handled": handled}
    acw = ctx.records.acw_s
    if acw is None:
        values["aht_s"] = mean(ctx.finished_served, ctx.handle_s)
    else:
        acw = np.asarray(acw, dtype=float)
        values["aht_s"] = mean(ctx.finished_served, ctx.handle_s + acw)
        values["talk_s"] = mean(ctx.finished_served, ctx.handle_s)
        values["acw_s"] = mean(ctx.finished_served, acw)
    values["handled_share"] = ratio(handled, by_pool[owner])
    values["handle_multiplier"] = member_mult
    kpis = [k for k in TENURE_KPIS if k in values]
    stacked = np.stack([values[k] for k in kpis], axis=1)
    return pd.DataFrame({
        "group": "tenure",
        "member": np.repeat(np.asarray(names, dtype=object), len(kpis)),
        "kpi": np.tile(np.asarray(kpis, dtype=object), m),
        "value": stacked.ravel(),
    })


def previous_agent(records: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per contact row: is it an answered recontact with a previous agent, and was it
    answered by that agent (see the module docstring)."""
    c = records.contacts
    n = len(c["pool"])
    recontact = np.zeros(n, dtype=bool)
    same = np.zeros(n, dtype=bool)
    if AGENT_COLUMN[0] not in c or not n:
        return recontact, same
    pool = np.asarray(c["pool"], dtype=np.int64)
    agent = np.asarray(c[AGENT_COLUMN[0]], dtype=np.int64)
    answered = (np.asarray(c["step"]) == 0) & (pool >= 0) & (agent >= 0)
    rows = np.flatnonzero(answered)  # contact ids are in arrival order
    order = np.argsort(np.asarray(c["journey_id"], dtype=np.int64)[rows], kind="stable")
    rows = rows[order]  # by journey, then arrival
    journey = np.asarray(c["journey_id"], dtype=np.int64)[rows]
    who = pool[rows] * (1 << 20) + agent[rows]
    later = np.zeros(rows.size, dtype=bool)
    later[1:] = journey[1:] == journey[:-1]  # the journey had an answered contact before
    recontact[rows[later]] = True
    match = np.zeros(rows.size, dtype=bool)
    match[1:] = later[1:] & (who[1:] == who[:-1])
    same[rows[match]] = True
    return recontact, same


def sticky_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """``same_agent_rate`` and the resolution of recontacts by the same or another
    agent (customer groups; records of scenarios with sticky recontacts only)."""
    extra = getattr(ctx.records, "extra", None) or {}
    if group not in CUSTOMER_GROUPS or "sticky" not in extra:
        return {}
    recontact, same = previous_agent(ctx.records)
    c = ctx.records.contacts
    resolved = np.asarray(c["resolved"], dtype=bool) if "resolved" in c else ctx.served
    other = recontact & ~same
    return {
        "same_agent_rate": ratio(ctx.count(group, same), ctx.count(group, recontact)),
        "same_agent_resolution_rate": ratio(ctx.count(group, same & resolved),
                                            ctx.count(group, same)),
        "other_agent_resolution_rate": ratio(ctx.count(group, other & resolved),
                                             ctx.count(group, other)),
    }
