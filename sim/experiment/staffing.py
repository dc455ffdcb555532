"""Staffing by simulation: the fewest agents per interval of the day that meet every target.

1. **Erlang start.** Per pool and interval of the day (the scenario's ``interval``)
   the offered load is the arrival rate of the demand the engine routes to the pool
   (:func:`sim.model.routing.entry_pools`: routing rules, skills, and pools reached
   by overflow, handoff or escalation left out of fresh demand; profile × day factor;
   split equally over the pools a contact may enter) plus the work passed on to it
   (handoffs with their probabilities, escalations with the share the sending pool
   does not resolve) × mean handle time / proficiency, on the *busiest weekday* of
   the simulated days. ``required_agents`` gives a head count per target (Erlang A
   with the mean patience where customers abandon, Erlang C otherwise or with
   ``erlang="c"``); the largest is the Erlang schedule.
2. **Joint search.** Every planned pool is simulated together in each candidate, on
   common random numbers (same seed), so pools that feed each other (overflow,
   handoffs, escalation) are judged with the staffing of the others: the search is a
   fixed-point iteration. Each (pool, interval) moves on the verdict of the latest
   candidate: up by 1, 2, 4, ... while it misses, down by 1, 2, 4, ... while it meets,
   then by bisection once a failing and a meeting count are known (a bracket the
   other pools' moves contradict is reopened), until one candidate meets every
   target in every interval and no count moves: each count ``n`` met where ``n - 1``
   failed (at most ``max_rounds`` simulations). Without intraday profiles the day is
   one interval and the pool gets a ``size``.
3. **Judging** (:mod:`sim.experiment.staffing_judge`): each pool on the traffic it
   serves, channel by channel, on the targets that apply there (abandonment only
   where customers can abandon; nothing on asynchronous back-office work), and a
   target is met only when its whole 95% confidence interval over replications is
   on the right side (:data:`CONFIDENCE_RULE`). Days with the same demand (day
   factors) are pooled; an interval takes its worst day group. A plan that misses
   is returned with :attr:`StaffingPlan.meets_targets` False.

Head counts are rostered (paid) agents: a planned pool's shrinkage goes into every
candidate and the written scenario (a shifts pool's moves onto the pool), and the Erlang
start is grossed up for it (:mod:`sim.experiment.staffing_shrinkage`).

Pools that only take asynchronous handoff work keep the scenario's staffing (no
target applies to it). Limits: each interval is minimal given its neighbours and
the other pools, not globally; the plan is one day repeated daily, sized for the
worst day group; intervals the run does not measure (warm-up, outside the horizon)
keep the Erlang count; the Erlang start ignores overflow, bot escalations,
recontacts and retries (the simulation includes them); the verdict uses the same
random numbers the search tuned the plan on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analytic.staffing import Target
from sim.experiment.executors import open_session
from sim.experiment.runner import run
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S, WEEKDAYS, format_clock

__all__ = ["CONFIDENCE_RULE", "Goal", "StaffingError", "StaffingPlan", "Verification",
           "goal_columns", "parse_goal", "staff", "verify", "write_scenario"]


from sim.experiment.staffing_erlang import (  # noqa: F401 - re-exported
    Goal,
    StaffingError,
    entry_pools,
    erlang_counts,
    goal_columns,
    parse_goal,
    pool_loads,
)
from sim.experiment.staffing_judge import CONFIDENCE_RULE, _Judge
from sim.experiment.staffing_shrinkage import Carried, carry, gross_up
from sim.experiment.staffing_write import write_scenario  # noqa: F401 - re-exported


def _fmt_interval(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds % 3600 == 0 else (
        f"{seconds / 60:g}min" if seconds % 60 == 0 else f"{seconds:g}s")


def _schedule(counts: np.ndarray, slot_s: float) -> dict[str, Any]:
    if slot_s >= DAY_S:
        return {"interval": "1h", "headcount": [int(counts[0])] * 24}
    return {"interval": _fmt_interval(slot_s), "headcount": [int(x) for x in counts]}


def _changes(counts: dict[str, np.ndarray], slot_s: float,
             carried: dict[str, Carried] | None = None) -> dict[str, Any]:
    """``with_changes`` paths staffing each pool with ``counts`` (one count: ``size``),
    with the shrinkage ``carried`` from its shifts (:mod:`~sim.experiment.staffing_shrinkage`)."""
    out: dict[str, Any] = {}
    for p, c in counts.items():
        keep = "size" if slot_s >= DAY_S else "schedule"
        out.update({f"pools.{p}.{k}": None for k in ("size", "schedule", "shifts") if k != keep})
        out[f"pools.{p}.{keep}"] = int(c[0]) if keep == "size" else _schedule(c, slot_s)
        out.update({f"pools.{p}.{k}": v for k, v in (carried or {}).get(p, Carried())
                    .changes.items()})
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
    kept: tuple[str, ...] = ()
    carried: dict[str, Carried] = field(default_factory=dict)
    """Per planned pool, the shrinkage carried onto its new staffing (head counts are
    rostered agents; :mod:`sim.experiment.staffing_shrinkage`)."""

    @property
    def misses(self) -> int:
        """Measured (pool, interval) cells of the plan that miss a target when simulated."""
        m = self.table["meets"]
        return int((m.notna() & (m == False)).sum())  # noqa: E712 - nullable booleans

    @property
    def meets_targets(self) -> bool:
        """Whether the plan met every target in every measured interval when simulated
        (on the confidence rule, :data:`CONFIDENCE_RULE`)."""
        return self.misses == 0

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
        return _changes(self.erlang_agents if erlang else self.agents, self.interval_s,
                        self.carried)

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
            "converged": self.converged, "meets_targets": self.meets_targets,
            "intervals_missing_a_target": self.misses, "rule": CONFIDENCE_RULE,
            "kept": list(self.kept), "notes": self.notes,
            "shrinkage_carried": {p: c.text for p, c in self.carried.items() if c.text},
            "agent_hours_per_day": {"simulation": self._hours(self.agents),
                                    "erlang": self._hours(self.erlang_agents)},
            "schedules": {p: self.to_schedule(p) for p in self.pools},
            "intervals": rows.to_dict(orient="records"),
        }

    def write(self, out_dir: str | Path) -> Path:
        """Write ``staffing.csv`` and ``staffing.json`` into ``out_dir`` atomically."""
        from sim import io

        out = Path(out_dir)
        io.write_text_atomic(out / "staffing.csv", io.csv_text(self.side_by_side()))
        io.write_json_atomic(out / "staffing.json", self.to_dict())
        return out


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


def _day_groups(s: Scenario) -> np.ndarray:
    """Weekday -> group of days with the same demand (day factors)."""
    sig = [tuple(d.day_factors[k] if d.day_factors else 1.0 for d in s.demand)
           for k in range(7)]
    group_of = {x: i for i, x in enumerate(dict.fromkeys(sig))}
    return np.array([group_of[x] for x in sig])


@dataclass
class Verification:
    """A plan simulated again on other random numbers (:func:`verify`).

    Attributes
    ----------
    cells
        Per measured (pool, interval): the judge's table (KPIs, 95% CI, ``meets``).
    channels
        Per (channel, target) over the whole window: ``mean, ci_low, ci_high, meets``
        (the confidence rule), for the channels each target applies to.
    agent_hours
        Agent-hours per day of the plan checked.
    """

    cells: pd.DataFrame
    channels: pd.DataFrame
    agent_hours: float
    seed: int
    replications: int

    @property
    def misses(self) -> int:
        """Measured team-intervals missing a target."""
        return int((~self.cells["meets"].astype(bool)).sum())

    @property
    def meets_targets(self) -> bool:
        """Every team-interval and every channel meets every target."""
        return self.misses == 0 and bool(self.channels["meets"].fillna(True).all())


def verify(plan: StaffingPlan, erlang: bool = False, seed: int | None = None,
           replications: int | None = None, executor: str = "processes",
           workers: int | None = None) -> Verification:
    """Simulate ``plan`` (or its Erlang-only plan) on other random numbers and judge it.

    The same judge as the search (per team and channel, per interval, on the 95%
    bound), plus each channel's own KPI over the whole window. ``seed`` defaults to
    the scenario's seed + 1,000 (common random numbers between the two plans).
    """
    from sim.experiment.staffing_judge import bound_meets

    s = plan.to_scenario(erlang)
    seed = int(plan.scenario.seed + 1000 if seed is None else seed)
    s = s.with_changes({"seed": seed})
    reps = int(replications or plan.replications)
    occ = any(g.target.kpi == "occupancy" for g in plan.goals)
    res = run(s, replications=reps, executor=executor, workers=workers,
              keep_contacts=True, keep_intervals=occ)
    judge = _Judge(s, plan.goals, plan.pools, plan.interval_s, _day_groups(s))
    cells = judge.evaluate(res).reset_index()
    measured = plan.table[plan.table["judged"]][["pool", "slot"]]
    cells = cells.merge(measured, on=["pool", "slot"])
    rows = []
    for g in plan.goals:
        kpi = g.target.kpi
        if kpi == "occupancy" or (kpi == "service_level" and not g.channel_default):
            continue  # judged per team only (the channel KPI has no such form)
        for name, ch in s.channels.items():
            live = ch.kind in ("voice", "chat")
            if ch.is_self_service or (not live and kpi != "service_level"):
                continue
            try:
                k = res.kpi(kpi, "channel", name)
            except KeyError:
                continue
            lo, hi = float(k["ci_low"]), float(k["ci_high"])
            rows.append({"channel": name, "target": str(g), "mean": float(k["mean"]),
                         "ci_low": lo, "ci_high": hi,
                         "meets": bound_meets(g, float(k["mean"]), lo, hi)})
    hours = plan.erlang_agent_hours if erlang else plan.agent_hours
    return Verification(cells=cells, channels=pd.DataFrame(rows), agent_hours=hours,
                        seed=seed, replications=reps)


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
    max_rounds: int = 30,
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
    notes: list[str] = []
    offline_only = [p for p in names if loads[p]["work"].any()
                    and np.allclose(loads[p]["work"], loads[p]["offline"])]
    if offline_only:
        names = tuple(p for p in names if p not in offline_only)
        notes.append(f"{', '.join(offline_only)} only take(s) back-office work passed on "
                     "asynchronously (no customer waits on the line), which no target "
                     "applies to: staffing kept as in the scenario")
    if not names:
        raise StaffingError("no team to plan: every team asked for only takes back-office "
                            "work passed on asynchronously, which no target applies to")
    carried = {p: carry(scenario, p, whole_minutes=flat or slot_s % 60 == 0) for p in names}
    erl, busiest = {}, {}
    for p in names:
        on_duty = erlang_counts(scenario, p, loads[p], goals, days, erlang)[days].max(axis=0)
        erl[p] = gross_up(on_duty, carried[p].equivalent)
        if carried[p].text:
            notes.append(f"{p}: head counts are rostered (paid) agents; shrinkage in every "
                         f"candidate, {carried[p].text}; the Erlang start is the "
                         "agents needed on duty / (1 - shrinkage equivalent "
                         f"{100 * carried[p].equivalent:.4g}%), rounded up")
        busiest[p] = np.asarray(days)[loads[p]["work"][days].argmax(axis=0)]
    judge = _Judge(scenario, goals, names, slot_s, _day_groups(scenario))
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
                res = run(scenario.with_changes(_changes(h, slot_s, carried)), replications=reps,
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
                for k in map(int, np.flatnonzero(judged)):
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
                              for d, k in zip(day, slot, strict=False)])
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
        kept=tuple(offline_only), carried=carried,
    )
