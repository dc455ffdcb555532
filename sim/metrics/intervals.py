"""The interval table: how the day unfolded, one reporting interval at a time.

Contact-centre planning works in reporting intervals (typically 15 or 30 min). For
every interval of the measured window this table holds one row per channel
(``scope == "channel"``) and one per agent pool (``scope == "pool"``):

* channel rows count customer contacts (``step == 0``, in window) by the interval
  of their *arrival* — offered, handled, abandoned, blocked, answered within the
  channel's target, service level (open contacts counted as in
  :func:`sim.metrics.kpis.service_level_rows`), ASA — the time-averaged queue length,
  and ``waiting_end``, the customer contacts waiting in the channel's queue at the
  interval's end (the backlog over time: a backlog at the start, or emails carried
  over from one day to the next, shows here);
* pool rows count the pieces of work an agent of the pool answered (any step, by
  arrival interval): handled and ASA; and the time-weighted staffing figures from
  the recorder's agent-second arrays: staffed agents, busy agents, utilisation.

With outages in the scenario, an ``outage`` column names the targets down at some
time in the interval (comma-separated; ``""``: none). Columns that do not apply to
a scope are NaN. The last interval may be cut short by
the end of the run; averages over time divide by its actual length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.metrics.context import service_level_rows
from sim.metrics.outages import interval_outages
from sim.metrics.stats import ratio
from sim.records import ABANDONED, BLOCKED, DROPPED, HANDLED, TRANSFERRED, Records
from sim.scenario.units import format_clock

__all__ = ["INTERVAL_COLUMNS", "interval_table"]

#: Column order of :func:`interval_table`.
INTERVAL_COLUMNS: tuple[str, ...] = (
    "replication",
    "interval",
    "start_s",
    "clock",
    "scope",
    "name",
    "offered",
    "handled",
    "abandoned",
    "blocked",
    "answered_within_target",
    "service_level",
    "asa_s",
    "queue_length_mean",
    "waiting_end",
    "staffed_agents",
    "busy_agents",
    "utilization",
)


def _binned(
    codes: np.ndarray, idx: np.ndarray, mask: np.ndarray, n_names: int, n_int: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Sum (or count) rows per ``(code, interval)`` into an ``(n_names, n_int)`` array."""
    if n_names * n_int == 0:
        return np.zeros((n_names, n_int))
    flat = codes[mask].astype(np.int64) * n_int + idx[mask]
    w = None if weights is None else weights[mask]
    return np.bincount(flat, weights=w, minlength=n_names * n_int).reshape(n_names, n_int)


def _waiting_at(records: Records, times: np.ndarray) -> np.ndarray:
    """Customer contacts waiting in each channel's queue at each of ``times``, shape
    ``(channels, len(times))``: arrived by then (a backlog at the start: before 0), not
    yet answered, abandoned or dropped (blocked ones never waited)."""
    c = records.contacts
    n_ch = len(records.channels)
    out = np.zeros((n_ch, len(times)))
    if not records.n_contacts:
        return out
    outcome = np.asarray(c["outcome"])
    arrival = np.asarray(c["arrival_s"], dtype=float)
    channel = np.asarray(c["channel"])
    queued = ((np.asarray(c["step"]) == 0) & (outcome != BLOCKED)
              & ~records.self_service_channels()[channel])
    # when each contact left the queue: answered, abandoned or dropped, else never
    left = np.array(c["answer_s"], dtype=float)
    unanswered = np.isnan(left)
    gone = unanswered & ((outcome == ABANDONED) | (outcome == DROPPED))
    left[gone] = arrival[gone] + np.asarray(c["wait_s"], dtype=float)[gone]
    del gone
    left[unanswered & ~((outcome == ABANDONED) | (outcome == DROPPED))] = np.inf
    del unanswered
    for ch in range(n_ch):
        rows = queued & (channel == ch)
        if rows.any():
            came = np.searchsorted(np.sort(arrival[rows]), times, side="right")
            went = np.searchsorted(np.sort(left[rows]), times, side="right")
            out[ch] = came - went
    return out


def interval_table(records: Records) -> pd.DataFrame:
    """Per-interval figures of one replication, by channel and by pool.

    Parameters
    ----------
    records : Records
        One replication's facts.

    Returns
    -------
    pandas.DataFrame
        One row per ``(interval, scope, name)``, interval-major (channels before
        pools, each in code order), with the columns of :data:`INTERVAL_COLUMNS`.
        ``start_s`` is the sim-clock start of the interval, ``clock`` its weekday
        and time (e.g. ``"Mon 09:30"``).
    """
    n_int = records.n_intervals
    n_ch, n_pool = len(records.channels), len(records.pools)
    starts = records.interval_starts_s()
    length = np.clip(np.minimum(records.interval_s, records.end_s - starts), 0.0, None)

    c = records.contacts
    outcome = np.asarray(c["outcome"])
    arrival = np.asarray(c["arrival_s"], dtype=float)
    wait = np.asarray(c["wait_s"], dtype=float)
    answered = ~np.isnan(np.asarray(c["answer_s"], dtype=float))
    in_window = np.asarray(c["in_window"], dtype=bool)
    channel = np.asarray(c["channel"])  # codes as recorded: views, not int64 copies
    pool = np.asarray(c["pool"])
    served = ((outcome == HANDLED) | (outcome == TRANSFERRED)) & (pool >= 0)  # by an agent

    if n_int > 0 and records.interval_s > 0:
        at = arrival - records.warmup_s  # one temporary, worked on in place
        at /= records.interval_s
        np.floor(at, out=at)
        np.nan_to_num(at, copy=False, nan=0.0)
        np.clip(at, 0, n_int - 1, out=at)
        idx = at.astype(np.int32)
        del at
    else:
        idx = np.zeros(arrival.shape, dtype=np.int32)
    cust = in_window & (np.asarray(c["step"]) == 0)

    # channel scope
    decided, within = service_level_rows(records, records.row_sl_target())
    ch = {
        "offered": _binned(channel, idx, cust, n_ch, n_int),
        "handled": _binned(channel, idx, cust & served, n_ch, n_int),
        "abandoned": _binned(channel, idx, cust & (outcome == ABANDONED), n_ch, n_int),
        "blocked": _binned(channel, idx, cust & (outcome == BLOCKED), n_ch, n_int),
        "answered_within_target": _binned(channel, idx, cust & decided & within, n_ch, n_int),
    }
    sl_den = _binned(channel, idx, cust & decided, n_ch, n_int)
    ch["service_level"] = ratio(ch["answered_within_target"], sl_den)
    ans = cust & answered & ~np.isnan(wait)
    ch["asa_s"] = ratio(
        _binned(channel, idx, ans, n_ch, n_int, wait), _binned(channel, idx, ans, n_ch, n_int)
    )
    queue_area = np.asarray(records.queue_area, dtype=float).reshape(n_ch, n_int)
    ch["queue_length_mean"] = ratio(queue_area, np.broadcast_to(length, (n_ch, n_int)))
    ch["waiting_end"] = _waiting_at(records, starts + length)

    # pool scope
    prow = in_window & (pool >= 0)
    pans = prow & answered & ~np.isnan(wait)
    staffed = np.asarray(records.pool_staffed_s, dtype=float).reshape(n_pool, n_int)
    busy = np.asarray(records.pool_busy_s, dtype=float).reshape(n_pool, n_int)
    plen = np.broadcast_to(length, (n_pool, n_int))
    po = {
        "handled": _binned(pool, idx, prow & served, n_pool, n_int),
        "asa_s": ratio(
            _binned(pool, idx, pans, n_pool, n_int, wait), _binned(pool, idx, pans, n_pool, n_int)
        ),
        "staffed_agents": ratio(staffed, plen),
        "busy_agents": ratio(busy, plen),
        "utilization": ratio(busy, staffed),
    }

    # assemble interval-major: for each interval, channels then pools
    n_names = n_ch + n_pool
    data: dict[str, object] = {
        "replication": np.full(n_int * n_names, records.replication, dtype=np.int64),
        "interval": np.repeat(np.arange(n_int, dtype=np.int64), n_names),
        "start_s": np.repeat(starts.astype(float), n_names),
        "clock": np.repeat(
            np.asarray([format_clock(float(s), records.start_s) for s in starts], dtype=object),
            n_names,
        ),
        "scope": np.tile(np.asarray(["channel"] * n_ch + ["pool"] * n_pool, dtype=object), n_int),
        "name": np.tile(np.asarray(list(records.channels) + list(records.pools), dtype=object),
                        n_int),
    }
    nan_ch = np.full((n_ch, n_int), np.nan)
    nan_po = np.full((n_pool, n_int), np.nan)
    for col in INTERVAL_COLUMNS[6:]:
        stacked = np.concatenate(  # (n_names, n_int)
            [np.asarray(ch.get(col, nan_ch), dtype=float),
             np.asarray(po.get(col, nan_po), dtype=float)],
            axis=0,
        )
        data[col] = stacked.T.ravel()
    columns = list(INTERVAL_COLUMNS)
    if records.outages is not None:  # which targets were down in each interval
        data["outage"] = np.repeat(interval_outages(records), n_names)
        columns.append("outage")
    return pd.DataFrame(data, columns=columns)
