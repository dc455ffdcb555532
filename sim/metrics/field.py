"""Field KPIs: technician visits folded per journey and per technician pool.

The model (:mod:`sim.model.field`) writes one row per booked visit into
``records.visits`` (:data:`sim.records.VISIT_COLUMNS`) and the technician pools'
working time and costs into ``records.field_ops``. Records without field work have
neither, and every function here then contributes nothing, so the outputs of such
scenarios are unchanged.

What visits do to the journey figures (:mod:`sim.metrics.journeys`)
    A journey whose need took a visit is *resolved* when a visit fixes it (the
    resolution latency runs to the end of that visit), *open* while a visit is
    booked or under way at the end of the run, and *given up* when the cap of
    visits was reached or no slot was free. Its visits add the ``visits`` effort
    driver, a ``field`` stage (from the first booking to the end of the last
    visit) and their cost; a need resolved by a visit is not a first-contact
    resolution.

Which journeys count
    As for the other journey KPIs: journeys whose first contact arrived in the
    measured window, split by that contact's channel, segment and intent.

Definitions
-----------
visits
    visits made (the technician reached the door: fixed, missing part, no-show,
    not fixed) by those journeys.
days_to_visit, days_to_visit_p90
    mean and 90th percentile of the appointment lead of the first visit: slot
    start minus booking time, in days (known at booking, so never censored).
first_visit_fix_rate
    journeys whose first visit fixed the fault / journeys whose first visit was made.
visits_per_journey
    mean visits made over journeys that needed a visit and are no longer open
    (fixed, or given up after the cap or without a slot).
technician_utilization
    ``all`` only: technician time out on visits (from setting off, travel and any
    wait at the depot included, to leaving the customer) / working time, both
    within the measured window. Overtime after an overrunning visit counts as busy,
    so the figure can exceed 1 in an overloaded operation.

By technician pool (``by_pool``, next to the agent pools): ``visits`` (made, set off
within the window), ``days_to_visit`` and ``first_visit_fix_rate`` of the first
visits booked within the window, ``technician_utilization`` and ``cost_total``
(working time at ``cost_per_hour``).

Cost
    ``cost_total`` of the whole operation adds the technicians' working time in the
    window at their pool's ``cost_per_hour`` and ``cost_per_visit`` for each visit
    that set off in the window; a journey is charged its visits' fees and their busy
    time at the hourly rate, loaded by the pool's working / busy ratio (as agent time
    is, see :mod:`sim.metrics.journeys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.metrics.definitions import CUSTOMER_GROUPS
from sim.metrics.stats import ratio
from sim.records import (
    FIXED,
    MISSING_PART,
    NO_SHOW,
    NOT_FIXED,
    VISIT_COLUMNS,
    VISIT_OPEN,
    VISIT_OUTCOME_NAMES,
    Records,
)

if TYPE_CHECKING:
    from sim.metrics.context import KpiContext

__all__ = ["FIELD_KPIS", "VisitJourneys", "field_cost", "field_kpis", "field_pool_frame",
           "visit_journeys", "visits_table"]

FIELD_KPIS: tuple[str, ...] = (
    "visits",
    "days_to_visit",
    "days_to_visit_p90",
    "first_visit_fix_rate",
    "visits_per_journey",
    "technician_utilization",
)
POOL_KPIS: tuple[str, ...] = ("visits", "days_to_visit", "first_visit_fix_rate",
                              "technician_utilization", "cost_total")
MADE = (FIXED, MISSING_PART, NO_SHOW, NOT_FIXED)
DAY_S = 86400.0


@dataclass(frozen=True)
class VisitJourneys:
    """Visit facts per journey, aligned with the journey ids they were folded for."""

    needed: np.ndarray          # the journey booked (or tried to book) a visit
    visits: np.ndarray          # visits made
    fixed: np.ndarray           # a visit fixed the need
    fix_end_s: np.ndarray       # end of the fixing visit (NaN if none)
    open: np.ndarray            # a visit booked or under way when the run ended
    first_booked_s: np.ndarray  # booking of the first visit (NaN if none)
    first_slot_s: np.ndarray    # its slot start (NaN if none or unbooked)
    first_outcome: np.ndarray   # its outcome code (-1 if none)
    field_s: np.ndarray         # first booking to the end of the last visit made (0 if none)
    cost: np.ndarray            # visit fees and loaded technician time


def _visit_arrays(records: Records) -> dict[str, np.ndarray]:
    v = records.visits or {}
    return {k: np.asarray(v[k]) if k in v else np.zeros(0, dtype=dt)
            for k, dt in VISIT_COLUMNS.items()}


def _busy(records: Records, v: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per visit: busy seconds in all, and within the measured window."""
    start = v["start_s"].astype(float)
    end = np.where(np.isnan(v["end_s"]), records.end_s, v["end_s"]).astype(float)
    total = np.nan_to_num(end - start)
    inside = np.clip(np.minimum(end, records.end_s) - np.maximum(start, records.warmup_s),
                     0.0, None)
    return total, np.nan_to_num(inside)


def _pool_time(records: Records, v: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per technician pool: working and busy technician-seconds within the window."""
    ops = records.field_ops or {}
    available = np.asarray(ops.get("available_s", np.zeros(0)), dtype=float)
    _, inside = _busy(records, v)
    pool = v["pool"].astype(np.int64)
    ok = pool >= 0
    busy = np.bincount(pool[ok], weights=inside[ok], minlength=available.size)
    return available, busy


def _visit_costs(records: Records, v: dict[str, np.ndarray]) -> np.ndarray:
    """Per visit: fee (visits made) plus busy time at the loaded hourly rate."""
    ops = records.field_ops or {}
    rate = np.asarray(ops.get("cost_per_hour", np.zeros(0)), dtype=float)
    fee = np.asarray(ops.get("visit_cost", np.zeros(len(records.channels))), dtype=float)
    available, busy = _pool_time(records, v)
    load = np.ones(available.size)
    np.divide(available, busy, out=load, where=busy > 0)
    total, _ = _busy(records, v)
    pool = v["pool"].astype(np.int64)
    ok = pool >= 0
    staff = np.zeros(pool.size)
    staff[ok] = total[ok] * rate[pool[ok]] * load[pool[ok]] / 3600.0
    made = np.isin(v["outcome"], MADE)
    return staff + fee[v["channel"].astype(np.int64)] * made


def visit_journeys(records: Records, journey_id: np.ndarray) -> VisitJourneys:
    """Fold the visits of ``records`` onto ``journey_id`` (ascending journey ids)."""
    v = _visit_arrays(records)
    n = journey_id.size
    pos = np.searchsorted(journey_id, v["journey_id"].astype(np.int64))
    pos = np.clip(pos, 0, max(n - 1, 0))
    outcome = v["outcome"]
    made = np.isin(outcome, MADE)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(pos[mask], minlength=n) if n else np.zeros(0, np.int64)

    end = v["end_s"].astype(float)
    fix_end = np.full(n, np.nan)
    fixed_rows = outcome == FIXED
    fix_end[pos[fixed_rows]] = end[fixed_rows]
    first = v["visit"] == 1
    first_booked, first_slot = np.full(n, np.nan), np.full(n, np.nan)
    first_outcome = np.full(n, -1, dtype=np.int64)
    first_booked[pos[first]] = v["booked_s"][first]
    first_slot[pos[first]] = v["slot_start_s"][first]
    first_outcome[pos[first]] = outcome[first]
    last_end = np.full(n, np.nan)
    if made.any():
        np.fmax.at(last_end, pos[made], end[made])
    cost = np.bincount(pos, weights=_visit_costs(records, v), minlength=n) if n else np.zeros(0)
    return VisitJourneys(
        needed=count(np.ones(pos.size, dtype=bool)) > 0,
        visits=count(made),
        fixed=count(fixed_rows) > 0,
        fix_end_s=fix_end,
        open=count(outcome == VISIT_OPEN) > 0,
        first_booked_s=first_booked,
        first_slot_s=first_slot,
        first_outcome=first_outcome,
        field_s=np.nan_to_num(last_end - first_booked),
        cost=cost,
    )


def field_cost(records: Records) -> float:
    """Technician working time in the window at its hourly rate, plus the fees of
    the visits that set off in the window (0 without field work)."""
    if records.visits is None:
        return 0.0
    v = _visit_arrays(records)
    ops = records.field_ops or {}
    available, _ = _pool_time(records, v)
    rate = np.asarray(ops.get("cost_per_hour", np.zeros(available.size)), dtype=float)
    fee = np.asarray(ops.get("visit_cost", np.zeros(len(records.channels))), dtype=float)
    start = v["start_s"].astype(float)
    set_off = (start >= records.warmup_s) & (start < records.end_s)
    fees = fee[v["channel"].astype(np.int64)[set_off]].sum() if set_off.any() else 0.0
    return float((available * rate).sum() / 3600.0 + fees)


def _mean(codes: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    sel = mask & ~np.isnan(values)
    return ratio(np.bincount(codes[sel], weights=values[sel], minlength=n),
                  np.bincount(codes[sel], minlength=n).astype(float))


def _p90(codes: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    sel = mask & ~np.isnan(values)
    for m in np.unique(codes[sel]):
        out[m] = np.percentile(values[sel & (codes == m)], 90)
    return out


def field_kpis(ctx: KpiContext, group: str) -> dict[str, np.ndarray]:
    """The field KPIs of the customer groups (see the module docstring)."""
    r = ctx.records
    if r.visits is None or group not in CUSTOMER_GROUPS:
        return {}
    f = ctx.journey_facts
    vj = visit_journeys(r, f.journey_id)
    n = len(ctx.names(group))
    codes = ctx.journeys.at_first(ctx.codes(group))
    win = f.in_window
    lead_days = (vj.first_slot_s - vj.first_booked_s) / DAY_S
    first_made = win & np.isin(vj.first_outcome, MADE)
    finished = win & vj.needed & f.finished
    out = {
        "visits": np.bincount(codes[win], weights=vj.visits[win].astype(float), minlength=n),
        "days_to_visit": _mean(codes, win, lead_days, n),
        "days_to_visit_p90": _p90(codes, win, lead_days, n),
        "first_visit_fix_rate": _mean(codes, first_made,
                                      (vj.first_outcome == FIXED).astype(float), n),
        "visits_per_journey": _mean(codes, finished, vj.visits.astype(float), n),
    }
    if group == "all":
        available, busy = _pool_time(r, _visit_arrays(r))
        out["technician_utilization"] = ratio(np.array([busy.sum()]),
                                               np.array([available.sum()]))
    return out


def field_pool_frame(ctx: KpiContext) -> pd.DataFrame:
    """Rows ``(group="pool", member=<technician pool>, kpi, value)`` of the by-pool KPIs."""
    r = ctx.records
    if r.visits is None or not r.field_ops:
        return pd.DataFrame(columns=["group", "member", "kpi", "value"])
    names = tuple(r.field_ops["pools"])
    n = len(names)
    v = _visit_arrays(r)
    available, busy = _pool_time(r, v)
    pool = v["pool"].astype(np.int64)
    start = v["start_s"].astype(float)
    made = np.isin(v["outcome"], MADE) & (start >= r.warmup_s) & (start < r.end_s)
    first = (v["visit"] == 1) & (pool >= 0) & (v["booked_s"] >= r.warmup_s)
    first_made = first & np.isin(v["outcome"], MADE)
    lead = (v["slot_start_s"] - v["booked_s"]) / DAY_S
    rate = np.asarray(r.field_ops.get("cost_per_hour", np.zeros(n)), dtype=float)
    safe = np.where(pool >= 0, pool, 0)
    values = {
        "visits": np.bincount(pool[made], minlength=n).astype(float),
        "days_to_visit": _mean(safe, first, lead, n),
        "first_visit_fix_rate": _mean(safe, first_made,
                                      (v["outcome"] == FIXED).astype(float), n),
        "technician_utilization": ratio(busy, available),
        "cost_total": available * rate / 3600.0,
    }
    kpis = list(POOL_KPIS)
    stacked = np.stack([np.asarray(values[k], dtype=float) for k in kpis], axis=1)
    return pd.DataFrame({
        "group": "pool",
        "member": np.repeat(np.asarray(names, dtype=object), len(kpis)),
        "kpi": np.tile(np.asarray(kpis, dtype=object), n),
        "value": stacked.ravel(),
    })


def _decode(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    codes = np.asarray(codes, dtype=np.int64)
    codes = np.where((codes >= 0) & (codes < len(names)), codes, -1)
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names), dtype=object))


def visits_table(records: Records) -> pd.DataFrame | None:
    """One row per booked visit, codes decoded to names (``None`` without field work).

    Columns: ``replication``, then :data:`sim.records.VISIT_COLUMNS` in order, with
    ``channel``, ``intent``, ``pool`` (the technician pool; missing if unbooked),
    ``territory`` and ``outcome`` (fixed, missing_part, no_show, not_fixed, open,
    unbooked) as categoricals.
    """
    if records.visits is None:
        return None
    v = _visit_arrays(records)
    ops = records.field_ops or {}
    names = {"channel": records.channels, "intent": records.intents,
             "pool": tuple(ops.get("pools", ())), "territory": tuple(ops.get("territories", ())),
             "outcome": VISIT_OUTCOME_NAMES}
    n = v["journey_id"].size
    data: dict[str, object] = {"replication": np.full(n, records.replication, dtype=np.int64)}
    for col, dtype in VISIT_COLUMNS.items():
        data[col] = _decode(v[col], names[col]) if col in names else v[col].astype(dtype)
    return pd.DataFrame(data)
