"""Stages beyond the first answer: handoffs between teams, bot / self-service sessions,
and headcount from observed concurrency.

An event log shows every piece of work (:attr:`ContactLog.pieces`): who answered it,
when, and whether it was passed on. From it:

* **handoffs** — for each pool, intent and receiving pool: the share of the pool's
  pieces of the intent that were transferred there (``probability``), the receiving
  pool's handle time of those pieces, the delay from the transfer until the work
  reached the receiving queue, and whether the customer stayed on the line
  (``handoff``) or not (``ticket``: ``asynchronous``). Teams reached only by handoff
  or escalation (seniors, back office) are recovered this way; an escalation of
  unresolved contacts becomes a handoff with the observed probability.
* **sessions** of self-service / bot channels (:attr:`ContactLog.sessions`):
  duration (a distribution fitted like handle times), containment by intent (share
  not escalated), and where escalations went (the channel of the live contact that
  followed within a second; the rest of the escalations left the customer alone).
* **headcount by concurrency**, the staffing rule: a log shows only busy agents, so
  idle agents are invisible. When a contact of a pool had waited and was answered,
  every agent of that pool on duty was busy at that moment (a waiting customer
  takes the first free agent). So a contact waits exactly when N or more pieces are
  in progress, and (arrivals see time averages) the share of an interval's contacts
  that waited is the share of its time with at least N pieces in progress. The
  estimate for an interval is the smallest N whose share of time is at most the
  share that waited; where nobody waited that is one more than the most pieces in
  progress at once (a lower bound: idle agents cannot be seen); where everyone
  waited, the median number in progress (a closed back office: 0). The schedule takes,
  for each interval of the day (or of the week, when the log covers every
  weekday), the largest estimate over the days observed. Chat agents holding
  several chats count one per chat (the fitted chat channel has one chat per agent
  and the observed, concurrency-inflated, handle times).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.calibrate.arrivals import Period
from sim.calibrate.dists import DistFit, fit_durations

__all__ = ["HandoffFit", "SessionFit", "concurrency_staffing", "fit_handoffs",
           "fit_sessions"]

#: A wait shorter than this is no wait (timestamps are rounded).
WAITED_S = 0.5


@dataclass
class HandoffFit:
    """Transfers from one pool to another for one intent."""

    source: str
    target: str
    intent: str
    n_from: int
    n: int
    probability: float
    handle: DistFit | None
    delay: DistFit | None
    asynchronous: bool


@dataclass
class SessionFit:
    """A self-service or bot channel fitted from its sessions."""

    name: str
    kind: str
    n: int
    n_escalated: int
    duration: DistFit | None
    containment: dict[str, tuple[float, int]]
    escalation: dict[str, float] = field(default_factory=dict)
    escalation_counts: dict[str, int] = field(default_factory=dict)


def fit_handoffs(pieces: pd.DataFrame) -> list[HandoffFit]:
    """One :class:`HandoffFit` per (pool, intent, receiving pool) seen in the pieces."""
    out: list[HandoffFit] = []
    if pieces is None or pieces.empty:
        return out
    nxt = pieces.loc[pieces["from_pool"].notna()]
    for (src, intent), rows in pieces.groupby(["pool", "intent"], sort=True):
        moved = nxt.loc[(nxt["from_pool"] == src) & (nxt["intent"] == intent)]
        for target, got in moved.groupby("pool", sort=True):
            delays = got["delay_s"].to_numpy(dtype=float)
            delay = fit_durations(delays) if np.nanmean(delays) >= 1.0 else None
            out.append(HandoffFit(
                str(src), str(target), str(intent), len(rows), len(got),
                len(got) / len(rows), fit_durations(got["handle_s"].to_numpy(dtype=float)),
                delay, bool((got["kind"] == "ticket").mean() > 0.5)))
    return out


def session_kind(name: str) -> str:
    """``bot`` when the channel's name says so, else ``self_service``."""
    low = name.lower()
    return "bot" if any(w in low for w in ("bot", "assistant", "virtual", "ai")) else \
        "self_service"


def fit_sessions(sessions: pd.DataFrame | None,
                 contacts: pd.DataFrame) -> dict[str, SessionFit]:
    """One :class:`SessionFit` per self-service / bot channel of the log."""
    out: dict[str, SessionFit] = {}
    if sessions is None or sessions.empty:
        return out
    live = contacts.loc[contacts["escalated_from"].notna()] if "escalated_from" in contacts \
        else contacts.iloc[:0]
    for name, rows in sessions.groupby("channel", sort=True):
        esc = rows["escalated"].to_numpy(dtype=bool)
        containment = {str(i): (float(1.0 - r["escalated"].mean()), len(r))
                       for i, r in rows.groupby("intent", sort=True)}
        to = live.loc[live["escalated_from"] == name, "channel"].value_counts().sort_index()
        n_esc = int(esc.sum())
        counts = {str(k): int(v) for k, v in to.items() if v > 0}
        share = {k: v / n_esc for k, v in counts.items()} if n_esc else {}
        out[str(name)] = SessionFit(str(name), session_kind(str(name)), len(rows), n_esc,
                                    fit_durations(rows["duration_s"].to_numpy(dtype=float)),
                                    containment, share, counts)
    return out


def _levels(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times of the step function "pieces in progress" and its level after each."""
    times = np.concatenate([a, b])
    delta = np.concatenate([np.ones(a.size), -np.ones(b.size)])
    order = np.lexsort((delta, times))  # at a tie, ends before starts
    return times[order], np.cumsum(delta[order])


def concurrency_staffing(pieces: pd.DataFrame, period: Period) -> tuple[np.ndarray, str]:
    """Headcount per slot ``(7, per_day)`` of one pool (see the module docstring).

    Parameters
    ----------
    pieces
        The pool's answered pieces (``queued``, ``answer``, ``end``).
    period
        The log's period.

    Returns
    -------
    tuple
        ``(headcount per slot (NaN where never observed), what the estimate rests on)``.
    """
    t0 = period.start
    n_int = round(period.span_s / period.interval_s)
    est = np.zeros(n_int)
    waited_n = 0
    if len(pieces):
        a = (pd.DatetimeIndex(pieces["answer"]) - t0).total_seconds().to_numpy()
        b = (pd.DatetimeIndex(pieces["end"]) - t0).total_seconds().to_numpy()
        q = (pd.DatetimeIndex(pieces["queued"]) - t0).total_seconds().to_numpy()
        times, level = _levels(a, b)
        # most pieces in progress at once, per interval (incl. the level carried in)
        k = np.clip((times // period.interval_s).astype(np.int64), 0, n_int - 1)
        inside = (times >= 0) & (times < period.span_s)
        np.maximum.at(est, k[inside], level[inside])
        grid = period.interval_s * np.arange(n_int)
        at = np.searchsorted(times, grid, side="right") - 1
        carried = np.where(at >= 0, level[np.maximum(at, 0)], 0.0)
        est = np.maximum(est, carried)
        # PASTA: an arrival waits exactly when all N agents are busy, so the share of
        # the interval with >= N pieces in progress is the share of arrivals that waited
        waited = (a - q > WAITED_S)
        qk = np.clip((q // period.interval_s).astype(np.int64), 0, n_int - 1)
        in_q = (q >= 0) & (q < period.span_s)
        arrivals = np.bincount(qk[in_q], minlength=n_int)[:n_int]
        waits = np.bincount(qk[in_q & waited], minlength=n_int)[:n_int]
        waited_n = int(waits.sum())
        nxt = np.append(times[1:], times[-1])
        lv = level.astype(np.int64)
        for i in np.flatnonzero(arrivals):
            lo, hi = i * period.interval_s, (i + 1) * period.interval_s
            dur = np.clip(nxt, lo, hi) - np.clip(times, lo, hi)
            per_level = np.bincount(lv, weights=dur, minlength=lv.max() + 2)
            at_least = np.cumsum(per_level[::-1])[::-1] / period.interval_s
            share_wait = waits[i] / arrivals[i]
            if share_wait >= 1.0 - 1e-9:  # everyone waited: all on duty busy all along
                est[i] = float(np.flatnonzero(at_least >= 0.5 * at_least[0])[-1])
                continue
            ok = np.flatnonzero(at_least[1:] <= share_wait + 1e-9) + 1
            est[i] = float(ok[0]) if ok.size else est[i] + 1.0
    stamps = t0 + pd.to_timedelta(period.interval_s * np.arange(n_int), unit="s")
    d, kk = period.slots(stamps)
    out = np.full((7, period.per_day), np.nan)
    for di, ki, v in zip(d, kk, est, strict=True):
        out[di, ki] = v if np.isnan(out[di, ki]) else max(out[di, ki], v)
    note = (f"headcount N per interval = the smallest N with the share of time N or more "
            f"pieces were in progress at most the share of its contacts that waited "
            f"({waited_n:,} waited); where nobody waited, one more than the most in "
            "progress at once (a lower bound: idle agents are invisible); largest over the "
            "days observed")
    return out, note
