"""Time-weighted figures per reporting interval, computed from the row-level tables.

* :func:`customer_queue_means` — how many *customers* waited on each channel, on
  average, in each interval: only the customer's own contacts (``step == 0``, not
  back-office pieces the customer is not on the line for), from arrival until
  answer or abandonment. The model's own queue length per channel also counts
  handoff pieces and other teams' tickets filed under the channel (an overnight
  back-office queue would swamp the phone's), which is not what a planner reads
  as "callers waiting".
* :func:`downtime_means` — the share of each interval each outage target was down,
  mean over replications.

Both use the same interval grid as the interval table (``warmup + i * interval``,
the last interval cut at the end of the horizon), so their figures line up with
the other interval plots.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["covered_time", "customer_queue_means", "downtime_means", "interval_grid"]


def interval_grid(scenario: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, lengths)`` of the reporting intervals of the measured window (sim s)."""
    warmup, horizon = float(scenario.warmup), float(scenario.horizon)
    step = float(getattr(scenario, "interval", 1800.0))
    n = max(1, int(np.ceil(horizon / step - 1e-9)))
    starts = warmup + step * np.arange(n)
    lengths = np.clip(np.minimum(step, warmup + horizon - starts), 0.0, None)
    return starts, lengths


def covered_time(a: np.ndarray, b: np.ndarray, starts: np.ndarray,
                 lengths: np.ndarray) -> np.ndarray:
    """Sum over spans ``[a_i, b_i)`` of their overlap with each interval (seconds).

    ``F(t) = sum_{a<t}(t - a) - sum_{b<t}(t - b)`` is the covered time before ``t``;
    the overlap with ``[s, e)`` is ``F(e) - F(s)``. O((n + k) log n).
    """
    a = np.sort(np.asarray(a, dtype=float))
    b = np.sort(np.asarray(b, dtype=float))
    ca, cb = np.r_[0.0, np.cumsum(a)], np.r_[0.0, np.cumsum(b)]

    def f(t: np.ndarray) -> np.ndarray:
        na = np.searchsorted(a, t, side="left")
        nb = np.searchsorted(b, t, side="left")
        return (na * t - ca[na]) - (nb * t - cb[nb])

    return f(starts + lengths) - f(starts)


def customer_queue_means(results: Any) -> pd.DataFrame:
    """Mean customers waiting per channel and interval, mean over replications.

    Returns ``[name, interval, customers_waiting]`` (empty without a contacts table).
    """
    c = getattr(results, "contacts", None)
    if c is None or c.empty or not {"step", "arrival_s", "wait_s", "channel"} <= set(c):
        return pd.DataFrame()
    starts, lengths = interval_grid(results.scenario)
    # the customers' own contacts, column by column (a row selection would copy them all)
    keep = np.asarray(c["step"]) == 0
    if "asynchronous" in c:
        keep &= ~c["asynchronous"].to_numpy(dtype=bool)
    arrival = c["arrival_s"].to_numpy(float)[keep]
    wait = c["wait_s"].to_numpy(float)[keep]
    still = (np.isnan(wait) & (c["outcome"] == "open").to_numpy(dtype=bool)[keep]) \
        if "outcome" in c else np.zeros(arrival.size, bool)
    end = np.where(still, np.inf, arrival + wait)
    ok = np.isfinite(arrival) & (np.isfinite(end) | still) & (end > arrival)
    reps = sorted(c["replication"].unique()) if "replication" in c else [0]
    rep_col = c["replication"].to_numpy()[keep] if "replication" in c \
        else np.zeros(arrival.size)
    names = [str(n) for n, ch in results.scenario.channels.items()
             if ch.kind not in ("self_service", "bot", "field")]
    safe = np.where(lengths > 0, lengths, 1.0)
    out = []
    for name in names:
        total = np.zeros(starts.size)
        on_channel = ok & (c["channel"] == name).to_numpy(dtype=bool)[keep]
        for r in reps:
            sel = on_channel & (rep_col == r)
            total += covered_time(arrival[sel], np.minimum(end[sel], 1e300), starts,
                                  lengths) / safe
        out.append(pd.DataFrame({"name": name, "interval": np.arange(starts.size),
                                 "customers_waiting": total / max(len(reps), 1)}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def downtime_means(results: Any) -> pd.DataFrame:
    """Share of each interval each outage target was down, mean over replications.

    Returns ``[target, kind, interval, down_share]`` (empty without outages).
    """
    o = getattr(results, "outages", None)
    if not isinstance(o, pd.DataFrame) or o.empty or not {"start_s", "end_s"} <= set(o):
        return pd.DataFrame()
    starts, lengths = interval_grid(results.scenario)
    safe = np.where(lengths > 0, lengths, 1.0)
    n_reps = max(int(getattr(results, "replications", 1) or 1), 1)
    tcol = "target" if "target" in o else next((c for c in ("system", "name") if c in o), None)
    targets = o[tcol].astype(str) if tcol else pd.Series(["outage"] * len(o), index=o.index)
    out = []
    for target in dict.fromkeys(targets):
        sel = o[targets == target]
        kind = str(sel["kind"].iloc[0]) if "kind" in sel else ""
        total = np.zeros(starts.size)
        for _, spans in sel.groupby("replication") if "replication" in sel else [(0, sel)]:
            total += covered_time(spans["start_s"].to_numpy(float),
                                  spans["end_s"].to_numpy(float), starts, lengths) / safe
        out.append(pd.DataFrame({"target": target, "kind": kind,
                                 "interval": np.arange(starts.size),
                                 "down_share": np.clip(total / n_reps, 0.0, 1.0)}))
    return pd.concat(out, ignore_index=True)
