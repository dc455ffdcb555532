"""Judging a candidate staffing plan: per pool and interval, does simulation meet every goal?

Where a target applies
    Each pool is judged on the traffic it actually serves, channel by channel (a
    *queue*: pool × channel): the contacts and pieces of work its agents answered,
    plus those still unanswered that were waiting for it (a fresh contact for the
    pools the engine routes it to and their overflow pools; a piece of work passed
    on for the pools its previous piece's pool hands off, escalates or overflows
    to). A target applies to a queue when the KPI means something there:

    * ``abandon_rate``: customer contacts (step 0) on live channels (voice, chat);
      pieces passed on between teams never abandon, so a team reached only by
      escalation or handoff has no abandonment to judge;
    * ``asa_s``, ``mean_wait_s``, ``p_wait`` and ``service_level @time``: live
      channels, customer contacts and pieces the customer waits for on the line;
    * ``service_level`` at the channel's own target: every agent channel (email on
      its response time);
    * ``occupancy``: the pool's agents.

    Asynchronous (back-office) pieces are judged by none of them: the customer is
    not waiting. Short abandons (within the channel's ``short_abandon``) count
    nowhere, as in the run's KPIs.

The confidence rule
    Each KPI is computed per replication (days of the same day group pooled), then
    its mean and two-sided 95% t-interval over replications. A queue *meets* a
    target only when the whole interval is on the right side: the lower bound for
    ``>=`` targets, the upper bound for ``<=`` ones. With a single replication
    carrying traffic there is no interval and its value is judged; a queue with no
    traffic has nothing to judge. A pool meets in an interval when every queue of
    it meets every target, on its worst day group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.experiment.staffing_erlang import Goal, entry_pools, feeds, goal_columns
from sim.scenario.operations import sl_target_s
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S

#: The rule, in words, for the command's output and the plan's notes.
CONFIDENCE_RULE = ("a target is met when its whole 95% confidence interval over "
                   "replications is on the right side of it (the lower bound for '>=', "
                   "the upper bound for '<='), in every interval, for every team and "
                   "channel it applies to")


def bound_meets(g: Goal, mean: float, lo: float, hi: float) -> bool | None:
    """The confidence rule for one KPI estimate (None: nothing to judge)."""
    if mean != mean:
        return None
    at_least = g.target.op.startswith(">")
    b = lo if at_least else hi
    return bool(g.target.met(mean if b != b else b))


def _margin(g: Goal, mean: pd.Series, lo: pd.Series, hi: pd.Series) -> pd.Series:
    """How far the judged bound is on the right side of the target (negative: misses)."""
    at_least = g.target.op.startswith(">")
    b = (lo if at_least else hi).fillna(mean)
    return (b - g.target.value) if at_least else (g.target.value - b)


@dataclass
class _Judge:
    """Per (pool, interval of the day) KPIs of one simulated candidate, and whether they meet."""

    s: Scenario
    goals: tuple[Goal, ...]
    pools: tuple[str, ...]
    slot_s: float
    day_group: np.ndarray                 # weekday -> day group
    entry: dict[tuple[str, str, str], tuple[str, ...]] = field(init=False)
    passes_to: dict[str, tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.entry = entry_pools(self.s)
        self.passes_to = feeds(self.s)
        overflow = {n: p.overflow.to for n, p in self.s.pools.items() if p.overflow}
        for key, first in list(self.entry.items()):  # a waiting contact may overflow on
            chain = list(first)
            for p in first:
                while p in overflow and overflow[p] not in chain and len(chain) < 50:
                    p = overflow[p]
                    chain.append(p)
            self.entry[key] = tuple(chain)

    def _slot(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        clock = self.s.start + t_s
        slot = ((clock % DAY_S) // self.slot_s).astype(np.int64)
        return slot, self.day_group[(clock // DAY_S).astype(np.int64) % 7]

    def rows(self, c: pd.DataFrame) -> pd.DataFrame:
        """One row per (contact, pool it counts for) with each goal's numerator and
        denominator; ``channel`` names the queue."""
        s = self.s
        kinds = {n: ch.kind for n, ch in s.channels.items()}
        chan_all = c["channel"].astype(str).to_numpy()
        session = np.array([s.channels[x].is_self_service for x in chan_all], dtype=bool)
        c = c[c["in_window"].to_numpy(bool) & ~session].reset_index(drop=True)
        chan = c["channel"].astype(str).to_numpy()
        arrival = c["arrival_s"].to_numpy(float)
        outcome = c["outcome"].astype(str).to_numpy()
        answered = ~np.isnan(c["answer_s"].to_numpy(float))
        waiting = (outcome == "open") & ~answered
        wait = c["wait_s"].to_numpy(float)
        wait = np.where(waiting, np.fmax(wait, s.end_s - arrival), wait)
        step = c["step"].to_numpy(np.int64)
        offline = (c["asynchronous"].to_numpy(bool) if "asynchronous" in c
                   else np.zeros(len(c), bool))
        live = np.array([kinds[x] in ("voice", "chat") for x in chan], dtype=bool) & ~offline
        short_s = np.array([s.channels[x].short_abandon or np.nan for x in chan], dtype=float)
        with np.errstate(invalid="ignore"):
            short = (outcome == "abandoned") & (wait <= short_s)
        pool = c["pool"].astype(object).where(c["pool"].notna(), None).to_numpy()
        intent = c["intent"].astype(str).to_numpy()
        segment = c["segment"].astype(str).to_numpy()
        owners: list[Any] = list(pool)
        prev: dict[tuple[int, int, int], Any] = {}
        if (~answered & (step > 0)).any():
            keys = zip(c["replication"], c["journey_id"], step + 1, strict=True)
            prev = dict(zip(keys, pool, strict=True))
        for i in np.flatnonzero(~answered):
            if step[i] == 0:
                owners[i] = self.entry.get((chan[i], intent[i], segment[i]), ())
            else:
                key = (c["replication"].iat[i], c["journey_id"].iat[i], int(step[i]))
                owners[i] = self.passes_to.get(prev.get(key) or "", ())
        slot, group = self._slot(arrival)
        sl_target = np.array([sl_target_s(s, x, g) for x, g in zip(chan, segment, strict=True)],
                             dtype=float)  # the channel's target, or the segment's own
        cols: dict[str, Any] = {"owner": owners, "channel": chan,
                                "replication": c["replication"].to_numpy(),
                                "group": group, "slot": slot, "offered": np.ones(len(c))}
        queued = (answered | waiting | (outcome == "abandoned")) & ~short
        for j, g in enumerate(self.goals):
            kpi = g.target.kpi
            if kpi == "service_level":
                w = sl_target if g.channel_default else float(g.target.within_s or 0)
                scope = ~offline if g.channel_default else live
                with np.errstate(invalid="ignore"):
                    num = answered & (wait <= w)
                    den = ~short & ~np.isnan(w + sl_target) & ~(waiting & (wait <= w))
                num, den = num & scope, den & scope
            elif kpi == "abandon_rate":
                den = live & (step == 0) & ~short & (outcome != "blocked")
                num = den & (outcome == "abandoned")
            elif kpi == "asa_s":
                den = live & (answered | waiting)
                num = np.where(den, wait, 0.0)
            elif kpi == "mean_wait_s":
                den = live & queued
                num = np.where(den, wait, 0.0)
            elif kpi == "p_wait":
                den = live & queued
                num = den & (wait > 0)
            else:  # occupancy: from the interval table
                continue
            cols[f"n{j}"] = np.asarray(num, float)
            cols[f"d{j}"] = np.asarray(den, float)
        df = pd.DataFrame(cols).explode("owner")
        return df[df["owner"].isin(self.pools)]

    def units(self, res: Any) -> pd.DataFrame:
        """Per (pool, channel, day group, slot) and goal: mean, 95% CI and verdict.

        Index ``(pool, channel, group, slot)``; columns ``{col}``, ``{col}_ci_low``,
        ``{col}_ci_high``, ``{col}_ok`` (None: nothing to judge) per goal and
        ``offered`` (per replication)."""
        rows = self.rows(res.contacts)
        keys = ["owner", "channel", "group", "slot", "replication"]
        sums = rows.groupby(keys).sum(numeric_only=True)
        occ = [j for j, g in enumerate(self.goals) if g.target.kpi == "occupancy"]
        if occ and res.intervals is not None:
            iv = res.intervals[(res.intervals["scope"] == "pool")
                               & res.intervals["name"].isin(self.pools)]
            slot, group = self._slot(iv["start_s"].to_numpy(float))
            o = pd.DataFrame({"owner": iv["name"].to_numpy(), "channel": "*",
                              "replication": iv["replication"].to_numpy(),
                              "group": group, "slot": slot,
                              "b": iv["busy_agents"].fillna(0).to_numpy(),
                              "s": iv["staffed_agents"].fillna(0).to_numpy()})
            o = o.groupby(keys).sum()
            sums = sums.join(o, how="outer")
            for j in occ:
                sums[f"n{j}"], sums[f"d{j}"] = sums["b"], sums["s"]
        reps = max(1, int(res.replications))
        lv = [0, 1, 2, 3]
        out: dict[str, Any] = {}
        for j, (g, col) in enumerate(zip(self.goals, goal_columns(self.goals), strict=True)):
            with np.errstate(invalid="ignore", divide="ignore"):
                val = sums[f"n{j}"] / sums[f"d{j}"].where(sums[f"d{j}"] > 0)
            per = val.groupby(level=lv).agg(["mean", "std", "count"])
            tq = st.t.ppf(0.975, np.maximum(per["count"] - 1, 1))
            half = np.where(per["count"] > 1, tq * per["std"].fillna(0)
                            / np.sqrt(per["count"]), np.nan)
            lo, hi = per["mean"] - half, per["mean"] + half
            out[col], out[f"{col}_ci_low"], out[f"{col}_ci_high"] = per["mean"], lo, hi
            out[f"{col}_margin"] = _margin(g, per["mean"], lo, hi)
        table = pd.DataFrame(out)
        offered = sums["offered"].groupby(level=lv).sum() / reps
        table.insert(0, "offered", offered.reindex(table.index).fillna(0))
        table.index.names = ["pool", "channel", "group", "slot"]
        return table

    def evaluate(self, res: Any) -> pd.DataFrame:
        """Per (pool, slot): the binding queue's mean and 95% CI per goal, and the verdict.

        For each goal the row shows the queue (channel, day group) with the least
        margin, ``{col}_where`` names its channel; ``meets`` is True when every queue
        meets every goal that applies (NaN-free: a pool-interval with nothing to
        judge meets)."""
        units = self.units(res)
        cols = goal_columns(self.goals)
        table = pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["pool", "slot"]))
        flat = units.reset_index()
        parts: dict[str, pd.Series] = {}
        ok = pd.Series(True, index=flat.set_index(["pool", "slot"]).index.unique())
        for col in cols:
            m = flat[flat[f"{col}_margin"].notna()]
            if m.empty:
                for suffix in ("", "_ci_low", "_ci_high", "_where"):
                    parts[col + suffix] = pd.Series(dtype=object if suffix else float)
                continue
            worst = m.loc[m.groupby(["pool", "slot"])[f"{col}_margin"].idxmin()]
            worst = worst.set_index(["pool", "slot"])
            parts[col] = worst[col].astype(float)
            parts[f"{col}_ci_low"] = worst[f"{col}_ci_low"].astype(float)
            parts[f"{col}_ci_high"] = worst[f"{col}_ci_high"].astype(float)
            parts[f"{col}_where"] = worst["channel"].astype(str)
            bad = worst[f"{col}_margin"] < -1e-12
            ok = ok & ~bad.reindex(ok.index, fill_value=False)
        offered = flat.groupby(["pool", "slot", "group"])["offered"].sum() \
            .groupby(level=[0, 1]).max()
        table = pd.DataFrame(parts).reindex(ok.index)
        table.insert(0, "offered", offered.reindex(ok.index).fillna(0))
        table["meets"] = ok
        table.index.names = ["pool", "slot"]
        return table


# -- the plan -------------------------------------------------------------------------------
