"""Where the time goes: latency samples and the stage decomposition of a journey.

A customer's time in the system is split into *stages*. When the journeys table
carries stage columns (``stage_<name>_s``: queue, handling, self-service,
handoff delay, backstage, recontact gap) they are averaged over the resolved
journeys of the measured window (whose stages sum to the resolution latency), and
the queue and handling stages are split by pool from the contact rows when
those add up to the same totals. Otherwise the time is decomposed from the contact
rows: for every pool, the wait in its queue and the time with its agents, summed
over the pieces of work of each completed journey (a handoff adds a piece) and
averaged over completed journeys. Whatever is left between the sum of the
stages and the mean time in the system (gaps between pieces) is shown as
"Other". The largest stage is the *bottleneck*.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.report.format import fmt_duration

__all__ = ["bottleneck_text", "latency_sample", "stage_breakdown"]


def _frame(results: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(results, name, None)
    return frame if isinstance(frame, pd.DataFrame) and not frame.empty else None


def _customer_handled(contacts: pd.DataFrame) -> pd.Series:
    """Mask of step-0, in-window contacts served to completion."""
    mask = contacts["outcome"] == "handled"
    if "step" in contacts:
        mask &= contacts["step"] == 0
    if "in_window" in contacts:
        mask &= contacts["in_window"].astype(bool)
    return mask


def latency_sample(results: Any) -> tuple[np.ndarray, str] | None:
    """Per-case times for the latency histogram, and what they measure.

    Uses, in order of preference: ``journeys.resolution_latency_s``; the time in
    the system of completed journeys (``journeys.sojourn_s``); or ``end_s -
    arrival_s`` of handled customer contacts. Returns ``None`` when none exists.
    """
    # column by column: a row selection of the tables would copy every column
    journeys = _frame(results, "journeys")
    if journeys is not None and "resolution_latency_s" in journeys:
        v = journeys["resolution_latency_s"].to_numpy(dtype=float)
        if "in_window" in journeys:
            v = v[journeys["in_window"].to_numpy(dtype=bool)]
        v = v[np.isfinite(v)]
        if v.size:
            return v, "resolution latency (first contact to resolution)"
    if journeys is not None and "sojourn_s" in journeys:
        v = journeys["sojourn_s"].to_numpy(dtype=float)
        if "completed" in journeys:
            v = v[journeys["completed"].to_numpy(dtype=bool)]
        v = v[np.isfinite(v)]
        if v.size:
            return v, "time in the system per journey (first arrival to end of last step)"
    contacts = _frame(results, "contacts")
    if contacts is not None and {"end_s", "arrival_s", "outcome"} <= set(contacts):
        handled = _customer_handled(contacts).to_numpy(dtype=bool)
        v = (contacts["end_s"].to_numpy(dtype=float)[handled]
             - contacts["arrival_s"].to_numpy(dtype=float)[handled])
        v = v[np.isfinite(v)]
        if v.size:
            return v, "time in the system per contact (arrival to end of service)"
    return None


#: Plain names of the stages a model records (``stage_<name>_s`` columns).
STAGE_NAMES: dict[str, str] = {
    "self_service": "In self-service or bot",
    "queue": "Waiting in queue",
    "handling": "With an agent",
    "handoff_delay": "Waiting for a handoff",
    "backstage": "Waiting on backstage systems",
    "recontact_gap": "Until the customer came back",
    "closed": "Waiting for a closed line to open",
    "field": "Waiting for and during technician visits",
}


def stage_population(journeys: pd.DataFrame) -> pd.DataFrame:
    """The journeys whose stages are averaged: resolved (else completed) in the window."""
    keep = None
    if "in_window" in journeys:
        keep = journeys["in_window"].to_numpy(dtype=bool)
    for col in ("resolved", "completed"):
        if col in journeys:
            flag = journeys[col].to_numpy(dtype=bool)
            keep = flag if keep is None else keep & flag
            break
    # one selection (not one copy per condition): the journeys table is the largest
    return journeys if keep is None else journeys[keep]


def _from_stage_columns(journeys: pd.DataFrame) -> pd.DataFrame | None:
    cols = [c for c in journeys.columns if c.startswith("stage_") and c.endswith("_s")]
    if not cols:
        return None
    rows = stage_population(journeys)
    if rows.empty:
        return None
    means = rows[cols].astype(float).mean()
    keys = [c[len("stage_"):-len("_s")] for c in cols]
    names = [STAGE_NAMES.get(k, k.replace("_", " ").strip().capitalize()) for k in keys]
    return pd.DataFrame({"stage": names, "seconds": means.to_numpy(dtype=float)})


def _split_by_pool(stages: pd.DataFrame, pop: pd.DataFrame,
                   contacts: pd.DataFrame | None) -> pd.DataFrame:
    """Split the queue and handling stages by pool, when the contact rows add up to them.

    The rows of the averaged journeys give each pool's share of the waits and of
    the handling; the split is used only when it reconciles (within 1%) with the
    stage totals, so the figure never shows numbers that disagree with the KPIs.
    """
    need = {"replication", "journey_id", "pool", "wait_s", "handle_s"}
    if contacts is None or not need <= set(contacts) or \
            not {"replication", "journey_id"} <= set(pop):
        return stages
    # the contact rows of the averaged journeys (as an inner merge on the journey key
    # would give them, in the contacts' order), and the pool sums of both stages at once
    rows = contacts.loc[_in_journeys(contacts, pop), ["pool", "wait_s", "handle_s"]]
    served = rows[rows["pool"].notna()]
    sums = served[["wait_s", "handle_s"]].astype(float).fillna(0.0).groupby(
        served["pool"].astype(str), sort=False).sum() / len(pop)
    out = []
    for row in stages.itertuples(index=False):
        key = {STAGE_NAMES["queue"]: ("wait_s", "Queue for"),
               STAGE_NAMES["handling"]: ("handle_s", "Service by")}.get(str(row.stage))
        if key is None:
            out.append((row.stage, row.seconds))
            continue
        col, prefix = key
        by_pool = sums[col]
        rest = float(row.seconds) - float(by_pool.sum())
        if abs(rest) > 0.01 * float(row.seconds) + 0.5:
            out.append((row.stage, row.seconds))  # does not reconcile: keep the total
            continue
        out.extend((f"{prefix} {name}", v) for name, v in by_pool.items())
        if rest > 0.01 * float(row.seconds):
            out.append((f"{row.stage} (no agent reached)", rest))
    return pd.DataFrame(out, columns=["stage", "seconds"])


def _in_journeys(contacts: pd.DataFrame, journeys: pd.DataFrame) -> np.ndarray:
    """Mask of the contact rows whose ``(replication, journey_id)`` is one of ``journeys``."""
    rc = contacts["replication"].to_numpy(dtype=np.int64)
    jc = contacts["journey_id"].to_numpy(dtype=np.int64)
    rj = journeys["replication"].to_numpy(dtype=np.int64)
    jj = journeys["journey_id"].to_numpy(dtype=np.int64)
    if rc.size == 0 or rj.size == 0:
        return np.zeros(rc.size, dtype=bool)
    lo = min(int(jc.min()), int(jj.min()))
    width = max(int(jc.max()), int(jj.max())) - lo + 1
    return np.isin((rc - int(rc.min())) * width + (jc - lo), (rj - int(rc.min())) * width
                   + (jj - lo))


def _pool_stages(rows: pd.DataFrame, n_journeys: int) -> pd.DataFrame:
    """Queue and service seconds per pool, summed over ``rows``, per journey."""
    pool = rows["pool"].astype(str)
    wait = rows["wait_s"].astype(float).fillna(0.0)
    handle = rows["handle_s"].astype(float).fillna(0.0)
    data = pd.DataFrame({"pool": pool, "wait": wait, "handle": handle})
    sums = data.groupby("pool", sort=False)[["wait", "handle"]].sum()
    cats = rows["pool"].cat.categories if isinstance(rows["pool"].dtype,
                                                     pd.CategoricalDtype) else sums.index
    out = []
    for name in [str(c) for c in cats if str(c) in sums.index]:
        out.append((f"Queue for {name}", sums.loc[name, "wait"] / n_journeys))
        out.append((f"Service by {name}", sums.loc[name, "handle"] / n_journeys))
    return pd.DataFrame(out, columns=["stage", "seconds"])


def _from_contacts(contacts: pd.DataFrame, journeys: pd.DataFrame | None) -> pd.DataFrame | None:
    need = {"pool", "wait_s", "handle_s", "outcome"}
    if not need <= set(contacts):
        return None
    if (journeys is not None and {"journey_id", "completed", "replication"} <= set(journeys)
            and {"journey_id", "replication"} <= set(contacts)):
        done = journeys.loc[journeys["completed"].astype(bool), ["replication", "journey_id"]]
        if done.empty:
            return None
        rows = contacts.merge(done, on=["replication", "journey_id"], how="inner")
        rows = rows[rows["pool"].notna()]
        stages = _pool_stages(rows, len(done))
        if "sojourn_s" in journeys:
            total = float(journeys.loc[journeys["completed"].astype(bool), "sojourn_s"].mean())
            rest = total - float(stages["seconds"].sum())
            if np.isfinite(rest) and rest > max(1.0, 0.01 * total):
                stages.loc[len(stages)] = ["Other (between steps)", rest]
        return stages
    rows = contacts[_customer_handled(contacts) & contacts["pool"].notna()]
    if rows.empty:
        return None
    return _pool_stages(rows, len(rows))


def stage_breakdown(results: Any) -> pd.DataFrame | None:
    """Mean seconds per completed journey in each stage, in flow order.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``stage``, ``seconds`` and ``share`` (of the total), stages with no
        time left out; ``None`` when neither journeys nor contacts were kept.
    """
    journeys = _frame(results, "journeys")
    contacts = _frame(results, "contacts")
    stages = _from_stage_columns(journeys) if journeys is not None else None
    if stages is not None and journeys is not None:
        stages = _split_by_pool(stages, stage_population(journeys), contacts)
    if stages is None and contacts is not None:
        stages = _from_contacts(contacts, journeys)
    if stages is None:
        return None
    stages = stages[np.isfinite(stages["seconds"]) & (stages["seconds"] > 0)]
    if stages.empty:
        return None
    stages = stages.reset_index(drop=True)
    stages["share"] = stages["seconds"] / stages["seconds"].sum()
    return stages


def bottleneck_text(stages: pd.DataFrame | None) -> str:
    """One sentence naming the largest stage, e.g. for a figure caption."""
    if stages is None or stages.empty:
        return "No completed journeys to decompose."
    top = stages.loc[stages["seconds"].idxmax()]
    total = float(stages["seconds"].sum())
    text = (f"Bottleneck (largest stage): {top['stage']}, {fmt_duration(float(top['seconds']))} "
            f"of the {fmt_duration(total)} a journey takes on average "
            f"({float(top['share']):.0%}).")
    queues = stages[stages["stage"].str.startswith(("Queue", "Waiting"))]
    if len(queues) and queues["seconds"].idxmax() != stages["seconds"].idxmax():
        q = queues.loc[queues["seconds"].idxmax()]
        text += (f" The longest wait is {str(q['stage']).lower()}: "
                 f"{fmt_duration(float(q['seconds']))} per journey.")
    return text
