"""Judging a candidate staffing plan: per pool and interval, does simulation meet every goal?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.experiment.staffing_erlang import Goal, entry_pools, goal_columns
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S


@dataclass
class _Judge:
    """Per (pool, interval of the day) KPIs of one simulated candidate, and whether they meet."""

    s: Scenario
    goals: tuple[Goal, ...]
    pools: tuple[str, ...]
    slot_s: float
    day_group: np.ndarray                 # weekday -> day group
    entry: dict[tuple[str, str], tuple[str, ...]] = field(init=False)
    handoff_to: dict[str, tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.entry = entry_pools(self.s)
        self.handoff_to = {n: tuple(h.to for h in p.handoffs) for n, p in self.s.pools.items()}

    def _slot(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        clock = self.s.start + t_s
        slot = ((clock % DAY_S) // self.slot_s).astype(np.int64)
        return slot, self.day_group[(clock // DAY_S).astype(np.int64) % 7]

    def rows(self, c: pd.DataFrame) -> pd.DataFrame:
        """One row per (contact, owning pool) with the numerators and denominators of each goal."""
        c = c[c["in_window"].to_numpy(bool)].reset_index(drop=True)
        arrival = c["arrival_s"].to_numpy(float)
        outcome = c["outcome"].astype(str).to_numpy()
        answered = ~np.isnan(c["answer_s"].to_numpy(float))
        waiting = (outcome == "open") & ~answered
        wait = np.where(waiting, self.s.end_s - arrival, c["wait_s"].to_numpy(float))
        step = c["step"].to_numpy(np.int64)
        pool = c["pool"].astype(object).where(c["pool"].notna(), None).to_numpy()
        chan, intent = c["channel"].astype(str).to_numpy(), c["intent"].astype(str).to_numpy()
        owners: list[Any] = list(pool)
        prev: dict[tuple[int, int, int], Any] = {}
        if (~answered & (step > 0)).any():
            keys = zip(c["replication"], c["journey_id"], step + 1, strict=True)
            prev = dict(zip(keys, pool, strict=True))
        for i in np.flatnonzero(~answered):
            if step[i] == 0:
                owners[i] = self.entry.get((chan[i], intent[i]), ())
            else:
                key = (c["replication"].iat[i], c["journey_id"].iat[i], int(step[i]))
                owners[i] = self.handoff_to.get(prev.get(key) or "", ())
        slot, group = self._slot(arrival)
        sl_target = pd.Series(chan).map({n: ch.sl_target_s for n, ch in self.s.channels.items()})
        sl_target = sl_target.to_numpy(float)
        cols: dict[str, Any] = {"owner": owners, "replication": c["replication"].to_numpy(),
                                "group": group, "slot": slot, "offered": np.ones(len(c))}
        queued = answered | waiting | (outcome == "abandoned")
        for j, g in enumerate(self.goals):
            kpi = g.target.kpi
            if kpi == "service_level":
                w = sl_target if g.channel_default else float(g.target.within_s or 0)
                num, den = answered & (wait <= w), ~(waiting & (wait <= w))
            elif kpi == "abandon_rate":
                num, den = (step == 0) & (outcome == "abandoned"), step == 0
            elif kpi == "asa_s":
                num, den = np.where(answered | waiting, wait, 0.0), answered | waiting
            elif kpi == "mean_wait_s":
                num, den = np.where(queued, wait, 0.0), queued
            elif kpi == "p_wait":
                num, den = queued & (wait > 0), queued
            else:  # occupancy: from the interval table
                continue
            cols[f"n{j}"], cols[f"d{j}"] = np.asarray(num, float), np.asarray(den, float)
        df = pd.DataFrame(cols).explode("owner")
        return df[df["owner"].isin(self.pools)]

    def evaluate(self, res: Any) -> pd.DataFrame:
        """Mean, 95% CI and verdict per (pool, slot); index ``(pool, slot)``."""
        rows = self.rows(res.contacts)
        keys = ["owner", "group", "slot", "replication"]
        sums = rows.groupby(keys).sum(numeric_only=True)
        occ = [j for j, g in enumerate(self.goals) if g.target.kpi == "occupancy"]
        if occ and res.intervals is not None:
            iv = res.intervals[(res.intervals["scope"] == "pool")
                               & res.intervals["name"].isin(self.pools)]
            slot, group = self._slot(iv["start_s"].to_numpy(float))
            o = pd.DataFrame({"owner": iv["name"].to_numpy(), "replication": iv["replication"],
                              "group": group, "slot": slot, "b": iv["busy_agents"].fillna(0),
                              "s": iv["staffed_agents"].fillna(0)}).groupby(keys).sum()
            sums = sums.join(o, how="outer")
            for j in occ:
                sums[f"n{j}"], sums[f"d{j}"] = sums["b"], sums["s"]
        reps = max(1, int(res.replications))
        out: dict[str, pd.Series] = {}
        for j, (g, col) in enumerate(zip(self.goals, goal_columns(self.goals), strict=False)):
            with np.errstate(invalid="ignore", divide="ignore"):
                val = (sums[f"n{j}"] / sums[f"d{j}"].where(sums[f"d{j}"] > 0)).rename("v")
            per = val.groupby(level=[0, 1, 2]).agg(["mean", "std", "count"])
            tq = st.t.ppf(0.975, np.maximum(per["count"] - 1, 1))
            half = np.where(per["count"] > 1, tq * per["std"] / np.sqrt(per["count"]), np.nan)
            per["lo"], per["hi"] = per["mean"] - half, per["mean"] + half
            worst = (per["mean"].fillna(np.inf if g.target.op.startswith(">") else -np.inf))
            worst = worst.groupby(level=[0, 2]).idxmin() if g.target.op.startswith(">") \
                else worst.groupby(level=[0, 2]).idxmax()
            pick = per.loc[list(worst)].droplevel(1)
            out[col], out[f"{col}_ci_low"], out[f"{col}_ci_high"] = (
                pick["mean"], pick["lo"], pick["hi"])
            out[f"_ok{j}"] = pick["mean"].map(lambda v, t=g.target: v != v or t.met(v))
        offered = sums["offered"].groupby(level=[0, 1, 2]).sum().groupby(level=[0, 2]).max()
        table = pd.DataFrame(out)
        table.insert(0, "offered", offered.reindex(table.index).fillna(0) / reps)
        oks = [c for c in table.columns if c.startswith("_ok")]
        table["meets"] = table[oks].astype(bool).all(axis=1)
        table.index.names = ["pool", "slot"]
        return table.drop(columns=oks)


# -- the plan -------------------------------------------------------------------------------
