"""Staffing by simulation: the fewest agents per interval of the day that meet every target.

1. **Erlang start.** Per pool and interval of the day (the scenario's ``interval``)
   the offered load is the arrival rate of the demand the pool serves (profile ×
   day factor; split equally over the pools a contact may enter; plus handoffs
   into the pool) × mean handle time / proficiency, on the *busiest weekday* of
   the simulated days. ``required_agents`` gives a head count per target (Erlang A
   with the mean patience where customers abandon, Erlang C otherwise or with
   ``erlang="c"``); the largest is the Erlang schedule.
2. **Search.** Candidates are simulated on common random numbers (same seed).
   Each (pool, interval) is judged on the mean over replications of its KPIs and
   moves on its own: up by 1, 2, 4, ... while it misses, down by 1, 2, 4, ... while
   it meets, then by bisection once a failing and a meeting count are known, until
   every interval meets every target with ``n`` agents where ``n - 1`` failed (at
   most ``max_rounds`` simulations). Without intraday profiles the day is one
   interval and the pool gets a ``size``: the exact smallest ``n``.
3. **Judging** (from the contacts table, so any ``@time`` works): a pool answers
   for the contacts its agents answered, the unanswered customer contacts that
   could enter it and the handoff pieces still waiting for it; contacts still
   waiting at the end count with their wait so far. Days with the same demand (day
   factors) are pooled; an interval takes its worst day group.

Limits: intervals interact (queues carry over, handoffs link pools), so the
search is greedy: each interval is minimal given its neighbours, not globally;
the plan is one day repeated daily, sized for the worst day group; intervals the
run does not measure (warm-up, outside the horizon) keep the Erlang count; the
Erlang start ignores overflow, escalations from bots and recontacts (the
simulation includes them); with few replications the answer is as noisy as the
KPI means it is judged on.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.analytic.staffing import Target, parse_target, required_agents
from sim.experiment.executors import open_session
from sim.experiment.runner import run
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S, WEEKDAYS, format_clock

__all__ = ["Goal", "StaffingError", "StaffingPlan", "goal_columns", "parse_goal", "staff",
           "write_scenario"]


class StaffingError(ValueError):
    """A staffing request that cannot be answered as asked (worded for a planner)."""


@dataclass(frozen=True)
class Goal:
    """A target to staff for; ``channel_default``: service level at each channel's own target."""

    target: Target
    channel_default: bool = False

    def __str__(self) -> str:
        text = str(self.target)
        return f"{text.split(' @')[0]} @channel target" if self.channel_default else text


def parse_goal(value: Goal | Target | str) -> Goal:
    """Read a target; ``'service_level>=0.8'`` without ``@time`` uses each channel's target.

    Raises
    ------
    StaffingError
        For a malformed target.
    """
    if isinstance(value, Goal):
        return value
    if isinstance(value, Target):
        return Goal(value)
    try:
        return Goal(parse_target(value))
    except ValueError as exc:
        if "needs an answer time" not in str(exc):
            raise StaffingError(str(exc)) from None
        return Goal(parse_target(f"{value} @0s"), channel_default=True)


def goal_columns(goals: Sequence[Goal]) -> list[str]:
    """Table column of each goal: its KPI, with ``@time`` when a KPI appears twice."""
    kpis = [g.target.kpi for g in goals]
    return [g.target.kpi if kpis.count(g.target.kpi) == 1
            else f"{g.target.kpi}@{'channel' if g.channel_default else f'{g.target.within_s:g}s'}"
            for g in goals]


# -- the Erlang start -----------------------------------------------------------------------
def _mix(named: str | None, declared: dict[str, Any]) -> list[tuple[str, float]]:
    if named is not None:
        return [(named, 1.0)]
    if len(declared) <= 1:
        return [(n, 1.0) for n in declared] or [("default", 1.0)]
    total = sum(d.share or 0.0 for d in declared.values()) or 1.0
    return [(n, (d.share or 0.0) / total) for n, d in declared.items()]


def _shape(s: Scenario, line: Any, slot_s: float, n_slots: int) -> np.ndarray:
    """A demand line's mean rate per (weekday, interval of the day), shape ``(7, n_slots)``."""
    prof = s.profiles[line.profile] if isinstance(line.profile, str) else line.profile
    shape = np.ones(n_slots)
    if prof is not None and n_slots > 1:
        w = np.asarray(prof.weights, dtype=float)
        w = w / w.mean()
        sub = math.gcd(int(prof.interval), int(slot_s))
        t = np.arange(0, DAY_S, sub) + sub / 2
        shape = w[(t // prof.interval).astype(int)].reshape(n_slots, -1).mean(axis=1)
    days = np.asarray(line.day_factors or (1.0,) * 7, dtype=float)
    return line.rate * days[:, None] * shape[None, :]


def entry_pools(s: Scenario) -> dict[tuple[str, str], tuple[str, ...]]:
    """(channel, intent) -> pools a fresh contact may enter (as the world routes)."""
    reached = {p.overflow.to for p in s.pools.values() if p.overflow}
    reached |= {h.to for p in s.pools.values() for h in p.handoffs}
    out = {}
    for ch in s.channels:
        for it in s.intents:
            able = [n for n, p in s.pools.items() if ch in p.channels
                    and (p.skills is None or p.skills.get(it, 0.0) > 0)]
            out[(ch, it)] = tuple([n for n in able if n not in reached] or able)
    return out


def pool_loads(s: Scenario, slot_s: float, n_slots: int) -> dict[str, dict[str, np.ndarray]]:
    """Per pool: ``rate`` (contacts/s), ``work`` (Erlangs) and ``theta`` (rate × 1/patience).

    Each is an array ``(7, n_slots)``: weekday × interval of the day.
    """
    z = {p: {k: np.zeros((7, n_slots)) for k in ("rate", "work", "theta")} for p in s.pools}
    entry = entry_pools(s)

    def add(pool: str, intent: str, channel: str, r: np.ndarray, handle: float | None,
            theta: float, depth: int = 0) -> None:
        p, ch = s.pools[pool], s.channels[channel]
        prof = 1.0 if p.skills is None else (p.skills.get(intent, 0.0) or 1.0)
        h = handle if handle is not None else s.intents[intent].handle_time.mean_s
        if ch.kind == "chat" and ch.max_concurrency > 1:  # rough: agents hold several chats
            c = ch.max_concurrency
            h *= (1 + ch.concurrency_inflation * (c - 1) / 2) / c
        z[pool]["rate"] += r
        z[pool]["work"] += r * h / prof
        z[pool]["theta"] += r * theta
        for rule in p.handoffs:
            if depth < 10 and (rule.intents is None or intent in rule.intents):
                hm = rule.handle_time.mean_s if rule.handle_time is not None else None
                add(rule.to, intent, channel, r * rule.probability, hm, 0.0, depth + 1)

    for line in s.demand:
        base = _shape(s, line, slot_s, n_slots)
        ch = s.channels[line.channel]
        for intent, ip in _mix(line.intent, s.intents):
            pools = entry[(line.channel, intent)]
            for seg, sp in _mix(line.segment, s.segments):
                sdef = s.segments.get(seg)
                pat = sdef.patience if sdef is not None and sdef.patience else ch.patience
                theta = 0.0 if pat is None else 1.0 / pat.mean_s
                for pool in pools:
                    add(pool, intent, line.channel, base * ip * sp / len(pools), None, theta)
    return z


def erlang_counts(s: Scenario, pool: str, load: dict[str, np.ndarray], goals: Sequence[Goal],
                  days: Sequence[int], model: str = "auto") -> np.ndarray:
    """Erlang head count per (weekday, interval) of :func:`pool_loads`; other days stay 0.

    ``model="auto"``: Erlang A with the pool's mean patience (abandonment rates
    averaged over its contacts) where customers abandon, else Erlang C; ``"c"``:
    always Erlang C, and abandon_rate targets are left to the simulation.
    """
    within = min(s.channels[c].sl_target_s for c in s.pools[pool].channels)
    out = np.zeros(load["rate"].shape, dtype=np.int64)
    memo: dict[tuple[float, ...], int] = {}
    for d in days:
        for k in range(out.shape[1]):
            key = tuple(round(float(load[x][d, k]), 12) for x in ("rate", "work", "theta"))
            if key not in memo:
                memo[key] = _erlang_one(*key, goals, within, model)
            out[d, k] = memo[key]
    return out


def _erlang_one(lam: float, a: float, theta: float, goals: Sequence[Goal], within: float,
                model: str) -> int:
    if lam <= 0 or a <= 0:
        return 0
    patience = lam / theta if theta > 0 and model == "auto" else None
    counts = [math.floor(a) + 1 if patience is None else 1]  # Erlang C needs a stable queue
    for g in goals:
        if g.target.kpi == "abandon_rate" and patience is None:
            continue  # no formula: nobody abandons in Erlang C (the simulation judges it)
        t = dataclasses.replace(g.target, within_s=within) if g.channel_default else g.target
        try:
            counts.append(required_agents(lam, a / lam, t, patience))
        except ValueError as exc:
            raise StaffingError(f"Erlang start: {exc}") from None
    return max(counts)


# -- judging a simulated schedule ----------------------------------------------------------
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
            prev = dict(zip(zip(c["replication"], c["journey_id"], step + 1), pool))
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
        for j, (g, col) in enumerate(zip(self.goals, goal_columns(self.goals))):
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
def _fmt_interval(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds % 3600 == 0 else (
        f"{seconds / 60:g}min" if seconds % 60 == 0 else f"{seconds:g}s")


def _schedule(counts: np.ndarray, slot_s: float) -> dict[str, Any]:
    if slot_s >= DAY_S:
        return {"interval": "1h", "headcount": [int(counts[0])] * 24}
    return {"interval": _fmt_interval(slot_s), "headcount": [int(x) for x in counts]}


def _changes(counts: dict[str, np.ndarray], slot_s: float) -> dict[str, Any]:
    """``with_changes`` paths staffing each pool with ``counts`` (one count: ``size``)."""
    out: dict[str, Any] = {}
    for p, c in counts.items():
        keep = "size" if slot_s >= DAY_S else "schedule"
        out.update({f"pools.{p}.{k}": None for k in ("size", "schedule", "shifts") if k != keep})
        out[f"pools.{p}.{keep}"] = int(c[0]) if keep == "size" else _schedule(c, slot_s)
    return out


@dataclass
class StaffingPlan:
    """The answer of :func:`staff`: head counts per pool and interval, simulation and Erlang.

    Attributes
    ----------
    table, erlang_table
        One row per (pool, interval of the day): ``pool, slot, start, clock, agents,
        offered_load, judged, offered, meets`` and per target its mean over
        replications with ``_ci_low`` / ``_ci_high`` (NaN where not simulated).
        ``table`` is the simulation answer, ``erlang_table`` the Erlang schedule with
        the KPIs it achieved in the simulation.
    agents, erlang_agents
        Head count arrays per pool (one entry when ``flat``).
    history
        Every simulated candidate: ``round, pool, slot, agents, meets`` and KPI means.
    """

    scenario: Scenario
    goals: tuple[Goal, ...]
    pools: tuple[str, ...]
    interval_s: float
    flat: bool
    agents: dict[str, np.ndarray]
    erlang_agents: dict[str, np.ndarray]
    table: pd.DataFrame
    erlang_table: pd.DataFrame
    history: pd.DataFrame
    replications: int
    rounds: int
    converged: bool
    notes: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def _hours(self, counts: dict[str, np.ndarray]) -> dict[str, float]:
        return {p: float(counts[p].sum() * self.interval_s / 3600) for p in self.pools}

    @property
    def agent_hours(self) -> float:
        """Agent-hours per day of the simulation answer (all planned pools)."""
        return sum(self._hours(self.agents).values())

    @property
    def erlang_agent_hours(self) -> float:
        """Agent-hours per day of the Erlang-only answer."""
        return sum(self._hours(self.erlang_agents).values())

    def to_schedule(self, pool: str, erlang: bool = False) -> dict[str, Any]:
        """The pool's plan as a scenario ``schedule`` mapping (units as strings)."""
        return _schedule((self.erlang_agents if erlang else self.agents)[pool], self.interval_s)

    def changes(self, erlang: bool = False) -> dict[str, Any]:
        """``with_changes`` paths that put the plan into the scenario (flat: ``size``)."""
        return _changes(self.erlang_agents if erlang else self.agents, self.interval_s)

    def to_scenario(self, erlang: bool = False) -> Scenario:
        """The scenario staffed with this plan (validated)."""
        return self.scenario.with_changes(self.changes(erlang))

    def side_by_side(self) -> pd.DataFrame:
        """Erlang and simulation answers per (pool, interval), for printing and CSV."""
        keys = ["pool", "slot", "start", "clock", "offered_load", "judged"]
        e = self.erlang_table.drop(columns=["offered"]).set_index(keys).add_prefix("erlang_")
        sim = self.table.drop(columns=["offered"]).set_index(keys).add_prefix("sim_")
        both = e.join(sim).reset_index()
        both.insert(6, "offered", self.table["offered"].to_numpy())
        return both

    def to_dict(self) -> dict[str, Any]:
        """The ``staffing.json`` document (no NaN: missing values are null)."""
        rows = self.side_by_side().astype(object)
        rows = rows.where(rows.notna(), None)
        return {
            "scenario": self.scenario.name, "targets": [str(g) for g in self.goals],
            "pools": list(self.pools), "interval": _fmt_interval(self.interval_s),
            "flat": self.flat, "replications": self.replications, "rounds": self.rounds,
            "converged": self.converged, "notes": self.notes,
            "agent_hours_per_day": {"simulation": self._hours(self.agents),
                                    "erlang": self._hours(self.erlang_agents)},
            "schedules": {p: self.to_schedule(p) for p in self.pools},
            "intervals": rows.to_dict(orient="records"),
        }

    def write(self, out_dir: str | Path) -> Path:
        """Write ``staffing.csv`` and ``staffing.json`` into ``out_dir`` atomically."""
        from sim import io

        out = Path(out_dir)
        io.write_text_atomic(out / "staffing.csv", self.side_by_side().to_csv(index=False))
        io.write_json_atomic(out / "staffing.json", self.to_dict())
        return out


def write_scenario(plan: StaffingPlan, source: str | Path, dest: str | Path,
                   erlang: bool = False) -> Scenario:
    """Write ``source`` (YAML) to ``dest`` with each planned pool's staffing replaced.

    Comments and layout survive (ruamel round trip); flat plans write ``size``,
    others a ``schedule``. The text is validated before it is written atomically.
    """
    from io import StringIO

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from ruamel.yaml.util import load_yaml_guess_indent

    from sim import io
    from sim.scenario.loader import load_text

    text = Path(source).read_text(encoding="utf-8")
    _, indent, seq_indent = load_yaml_guess_indent(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    offset = seq_indent or 0  # ruamel guesses the sequence indent and the dash offset
    yaml.indent(mapping=max(2, (indent or 2) - offset), sequence=indent or 2, offset=offset)
    data = yaml.load(text)
    for p in plan.pools:
        node = data["pools"][p]
        keys = list(node.keys())
        old = [k for k in ("size", "schedule", "shifts") if k in node]
        pos = keys.index(old[0]) if old else 0
        for k in old:
            del node[k]
        if isinstance(node, CommentedMap):
            node.fa.set_block_style()
        counts = (plan.erlang_agents if erlang else plan.agents)[p]
        if plan.flat:
            node.insert(pos, "size", int(counts[0]))
        else:
            sched = plan.to_schedule(p, erlang)
            seq = CommentedSeq(sched["headcount"])
            seq.fa.set_flow_style()
            node.insert(pos, "schedule", CommentedMap(interval=sched["interval"], headcount=seq))
        key = "size" if plan.flat else "schedule"
        node.yaml_add_eol_comment(f"servicesim staff: {', '.join(map(str, plan.goals))}", key)
    buf = StringIO()
    yaml.dump(data, buf)
    scenario = load_text(buf.getvalue(), file=str(dest))
    io.write_text_atomic(dest, buf.getvalue())
    return scenario


# -- the search -----------------------------------------------------------------------------
def _check_request(s: Scenario, goals: Sequence[Goal], pools: Sequence[str] | None,
                   erlang: str, max_rounds: int) -> tuple[str, ...]:
    from sim.scenario.errors import did_you_mean

    if not goals:
        raise StaffingError("give at least one target, e.g. --target 'service_level>=0.8'")
    if erlang not in ("auto", "c"):
        raise StaffingError(f"erlang must be 'auto' or 'c', got {erlang!r}")
    if max_rounds < 1:
        raise StaffingError(f"max_rounds must be at least 1, got {max_rounds}")
    for p in pools or ():
        if p not in s.pools:
            hint = did_you_mean(p, list(s.pools))
            raise StaffingError(f"no pool '{p}' in the scenario" + (f"; {hint}" if hint else ""))
    if s.interval < 60 or DAY_S % s.interval:
        raise StaffingError("the scenario's interval must divide a day (e.g. 15min, 30min, 1h) "
                            f"to plan per interval, got {s.interval:g}s")
    return tuple(dict.fromkeys(pools)) if pools else tuple(s.pools)


def _step(h: int, ok: bool, st8: dict[str, int]) -> int:
    """Move one (pool, interval): record the verdict at ``h``, return the next count."""
    if ok:
        st8["hi"], st8["up"] = h, 1
        if st8["lo"] >= h:
            st8["lo"] = -2
    else:
        st8["lo"], st8["down"] = h, 1
        if st8["hi"] <= h:
            st8["hi"] = 1 << 40
    lo, hi = st8["lo"], st8["hi"]
    if hi == 1 << 40:
        nxt, st8["up"] = min(lo + st8["up"], st8["cap"]), 2 * st8["up"]
        return nxt
    if lo == -2:
        if hi == 0:
            return 0
        nxt, st8["down"] = max(0, hi - st8["down"]), 2 * st8["down"]
        return nxt
    return (lo + hi) // 2 if hi - lo > 1 else hi


def staff(
    scenario: Scenario,
    targets: Sequence[Target | Goal | str],
    pools: Sequence[str] | None = None,
    replications: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    erlang: str = "auto",
    per_interval: bool | None = None,
    max_rounds: int = 15,
    log: Callable[[str], None] | None = None,
) -> StaffingPlan:
    """The fewest agents per pool and interval of the day that meet every target in simulation.

    Parameters
    ----------
    scenario
        The scenario; its ``interval`` is the planning interval, its seed gives every
        candidate the same customers (common random numbers).
    targets
        Targets such as ``"service_level>=0.8 @20s"``, ``"service_level>=0.8"`` (each
        channel's own target), ``"abandon_rate<=0.05"``, ``"asa_s<=30"``,
        ``"p_wait<=0.3"``, ``"occupancy<=0.85"``.
    pools
        Pools to plan (default: all); the others keep their staffing.
    replications
        Replications per candidate (default: the scenario's).
    executor, workers, scheduler
        Where replications run (see :func:`sim.experiment.run`).
    erlang
        Erlang start: ``"auto"`` (Erlang A where customers abandon, else C) or ``"c"``.
    per_interval
        Plan per interval (a ``schedule``) or one head count (``size``); default: per
        interval unless no demand line has a profile.
    max_rounds
        Most candidates to simulate.
    log
        Called with a line of progress per simulated candidate.

    Returns
    -------
    StaffingPlan

    Raises
    ------
    StaffingError
        Bad targets, unknown pools, an interval that does not divide a day.
    ScenarioError
        When the scenario cannot take the staffing (e.g. schedule validation).
    """
    started = time.perf_counter()
    goals = tuple(parse_goal(t) for t in targets)
    names = _check_request(scenario, goals, pools, erlang, max_rounds)
    flat = all(d.profile is None for d in scenario.demand) if per_interval is None \
        else not per_interval
    slot_s = DAY_S if flat else float(scenario.interval)
    n = round(DAY_S / slot_s)
    d0, d1 = (int((scenario.start + t) // DAY_S) for t in (0.0, scenario.end_s - 1e-6))
    days = sorted({d % 7 for d in range(d0, d1 + 1)})
    loads = pool_loads(scenario, slot_s, n)
    erl, busiest = {}, {}
    for p in names:
        erl[p] = erlang_counts(scenario, p, loads[p], goals, days, erlang)[days].max(axis=0)
        busiest[p] = np.asarray(days)[loads[p]["work"][days].argmax(axis=0)]
    sig = [tuple(d.day_factors[k] if d.day_factors else 1.0 for d in scenario.demand)
           for k in range(7)]
    group_of = {x: i for i, x in enumerate(dict.fromkeys(sig))}
    judge = _Judge(scenario, goals, names, slot_s, np.array([group_of[x] for x in sig]))
    judged = np.ones(n, dtype=bool)
    if not flat:
        a, b = scenario.start + scenario.warmup, scenario.start + scenario.end_s
        ts = np.arange(a - a % slot_s, b, slot_s)
        judged[:] = False
        judged[((ts % DAY_S) // slot_s).astype(int)] = True
    reps = int(replications or scenario.replications)
    occ = any(g.target.kpi == "occupancy" for g in goals)
    h = {p: erl[p].astype(np.int64).copy() for p in names}
    state = {(p, k): {"lo": -2, "hi": 1 << 40, "up": 1, "down": 1, "cap": 4 * int(erl[p].max())
                      + 50} for p in names for k in range(n)}
    cache: dict[Any, pd.DataFrame] = {}
    history: list[pd.DataFrame] = []
    notes: list[str] = []
    rounds, converged, best, last = 0, False, None, h

    def shape(table: pd.DataFrame) -> pd.DataFrame:
        idx = pd.MultiIndex.from_product([names, range(n)], names=["pool", "slot"])
        return table.reindex(idx)

    def hours(cfg: dict[str, np.ndarray]) -> float:
        return sum(float(v.sum()) for v in cfg.values()) * slot_s / 3600

    session = open_session(executor, workers, scheduler)
    session.start()
    try:
        for _ in range(4 * max_rounds):
            key = tuple(tuple(int(x) for x in h[p]) for p in names)
            fresh = key not in cache
            if fresh:
                if rounds >= max_rounds:
                    break
                last = {p: v.copy() for p, v in h.items()}
                res = run(scenario.with_changes(_changes(h, slot_s)), replications=reps,
                          session=session, keep_contacts=True, keep_intervals=occ)
                rounds += 1
                cache[key] = shape(judge.evaluate(res))
                rec = cache[key].assign(round=rounds, agents=np.concatenate(
                    [h[p] for p in names]), judged=np.tile(judged, len(names)))
                history.append(rec.reset_index())
            table = cache[key]
            ok = table["meets"].astype("boolean").fillna(True).to_numpy(bool).reshape(len(names), n)
            ok_all = bool(ok[:, judged].all())
            if log is not None and fresh:
                log(f"round {rounds}: {int((~ok[:, judged]).sum())} of {ok[:, judged].size} "
                    f"intervals miss a target with {hours(h):.1f} agent-hours/day")
            if ok_all and (best is None or hours(h) < hours(best)):
                best = {p: v.copy() for p, v in h.items()}
            nxt = {p: v.copy() for p, v in h.items()}
            for i, p in enumerate(names):
                for k in np.flatnonzero(judged):
                    nxt[p][k] = _step(int(h[p][k]), bool(ok[i, k]), state[(p, k)])
            if ok_all and all((nxt[p] == h[p]).all() for p in names):
                converged = True
                break
            h = nxt
    finally:
        session.close()
    final = h if converged else (best if best is not None else last)
    if not converged:
        notes.append(f"stopped after {rounds} simulated candidates before every interval "
                     "settled; " + ("the plan is the cheapest candidate that met every target"
                                    if best is not None else "no candidate met every target"))
    if not judged.all():
        notes.append(f"{int((~judged).sum())} intervals of the day are not measured by the run "
                     "(warm-up or outside the horizon): they keep the Erlang head count")
    if erlang == "c" or not any(loads[p]["theta"].any() for p in names):
        if any(g.target.kpi == "abandon_rate" for g in goals):
            notes.append("the Erlang start ignores abandon_rate (Erlang C: nobody abandons)")

    def table_for(cfg: dict[str, np.ndarray]) -> pd.DataFrame:
        t = cache[tuple(tuple(int(x) for x in cfg[p]) for p in names)].reset_index()
        slot = t["slot"].to_numpy()
        day = np.concatenate([busiest[p] for p in names])
        t.insert(2, "start", ["all day" if flat else format_clock(k * slot_s)[4:] for k in slot])
        t.insert(3, "clock", [f"{WEEKDAYS[d].capitalize()} all day" if flat
                              else format_clock(d * DAY_S + k * slot_s)
                              for d, k in zip(day, slot)])
        t.insert(4, "agents", np.concatenate([cfg[p] for p in names]))
        t.insert(5, "offered_load", np.concatenate(
            [loads[p]["work"][busiest[p], np.arange(n)] for p in names]))
        t.insert(6, "judged", np.tile(judged, len(names)))
        t["meets"] = t["meets"].astype("boolean").where(t["judged"], pd.NA)
        return t

    return StaffingPlan(
        scenario=scenario, goals=goals, pools=names, interval_s=slot_s, flat=flat,
        agents=final, erlang_agents=erl, table=table_for(final), erlang_table=table_for(erl),
        history=pd.concat(history, ignore_index=True), replications=reps, rounds=rounds,
        converged=converged, notes=notes, wall_s=time.perf_counter() - started,
    )
