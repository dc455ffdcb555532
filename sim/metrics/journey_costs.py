"""What each contact row costs: its contact fee and its share of its pool's staffed time.

Each journey is charged the fees of its customer contacts (``cost_per_contact`` of
the channel; a self-service / bot session that did not contain costs
``cost_per_failed_contact``; blocked contacts cost nothing) plus a share of each
pool's staffed cost over the measured window, in proportion to the agent time its
rows took (see :mod:`sim.metrics.journeys`). Only the rows of journeys that started
in the window are charged, so the shares add up to the pools' staffed cost.
"""

from __future__ import annotations

import numpy as np

from sim.metrics._journeys import JourneyFold
from sim.records import BLOCKED, ESCALATED, Records

__all__ = ["agent_time_weight", "counted_rows", "journey_rows", "row_costs", "staff_cost"]


def _per_pool(records: Records, values: np.ndarray | None) -> np.ndarray:
    n = len(records.pools)
    return np.zeros(n) if values is None else np.asarray(values, dtype=float)


def staff_cost(records: Records) -> np.ndarray:
    """Cost of the staffed agent time of each pool over the measured window."""
    staffed = np.asarray(records.pool_staffed_s, dtype=float).sum(axis=1)
    return staffed * _per_pool(records, records.pool_cost_per_hour) / 3600.0


def journey_rows(records: Records) -> np.ndarray:
    """Per row: does it belong to a journey whose first contact is in the window?"""
    c = records.contacts
    jid = np.asarray(c["journey_id"], dtype=np.int64)
    if jid.size == 0:
        return np.zeros(0, dtype=bool)
    # rows are in contact-id (arrival) order, so a journey's first row is its first hit
    ids, first = np.unique(jid, return_index=True)
    counted = (np.asarray(c["in_window"], dtype=bool)[first]
               & (np.asarray(c["step"])[first] == 0))
    return counted[np.searchsorted(ids, jid)]


def counted_rows(records: Records, fold: JourneyFold) -> np.ndarray:
    """:func:`journey_rows` from the replication's journey fold (no second sort)."""
    c = records.contacts
    in_window = np.asarray(c["in_window"], dtype=bool)
    step = np.asarray(c["step"])
    if fold.order is None:  # every journey one row: the row is its journey's first hit
        return in_window & (step == 0)
    # a journey's first hit in row order is its lowest row index
    first = np.minimum.reduceat(fold.order, fold.starts) if fold.starts.size else fold.starts
    counted = in_window[first] & (step[first] == 0)
    out = np.empty(fold.order.size, dtype=bool)
    out[fold.order] = np.repeat(counted, np.diff(fold.starts, append=fold.order.size))
    return out


def agent_time_weight(records: Records) -> np.ndarray:
    """Per row: the agent time it took — handle time, divided by the pool's mean chat
    concurrency for a chat held in a multi-slot pool; 0 without an agent."""
    c = records.contacts
    pool = np.asarray(c["pool"])
    weight = np.nan_to_num(np.asarray(c["handle_s"], dtype=float))
    weight[pool < 0] = 0.0
    if records.pool_chats_s is None or records.pool_chat_agents_s is None:
        return weight
    chats = np.asarray(records.pool_chats_s, dtype=float).sum(axis=1)
    holding = np.asarray(records.pool_chat_agents_s, dtype=float).sum(axis=1)
    concurrency = np.ones(len(records.pools))
    np.divide(chats, holding, out=concurrency, where=holding > 0)
    kinds = records.channel_kinds or ("",) * len(records.channels)
    is_chat = np.array([k == "chat" for k in kinds], dtype=bool)
    if not (is_chat.any() and (concurrency > 1.0).any()):
        return weight  # no multi-slot chat: every row's weight is its handle time
    channel = np.asarray(c["channel"])
    shared = (pool >= 0) & is_chat[channel] & (concurrency[np.maximum(pool, 0)] > 1.0)
    weight[shared] /= concurrency[pool[shared]]
    return weight


def row_costs(records: Records, counted: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the contact fee, and its share of its pool's staffed cost.

    Only rows of journeys that started in the measured window are charged (see the
    module docstring); summed over them, the shares give back every pool's staffed
    cost, except that of a pool that did no such work. ``counted``: those rows, if
    already known (:func:`counted_rows`; default :func:`journey_rows`).
    """
    c = records.contacts
    channel = np.asarray(c["channel"])
    outcome = np.asarray(c["outcome"])
    n_ch = len(records.channels)
    fee = np.zeros(n_ch) if records.contact_cost is None else np.asarray(records.contact_cost)
    failed = fee if records.failed_contact_cost is None else np.asarray(
        records.failed_contact_cost)
    counted = journey_rows(records) if counted is None else counted
    customer = (np.asarray(c["step"]) == 0) & (outcome != BLOCKED) & counted
    fees = np.where(outcome == ESCALATED, failed[channel], fee[channel])
    fees *= customer
    del customer
    pool = np.asarray(c["pool"])
    weight = agent_time_weight(records)
    weight[~counted] = 0.0
    agent = (pool >= 0) & (weight > 0)
    n_pools = len(records.pools)
    total = np.bincount(pool[agent], weights=weight[agent], minlength=n_pools)
    per_second = np.zeros(n_pools)
    np.divide(staff_cost(records), total, out=per_second, where=total > 0)
    staff = np.zeros(pool.shape[0])
    staff[agent] = weight[agent] * per_second[pool[agent]]
    return fees, staff
