"""Checking a scenario against a log: observed vs simulated KPIs, side by side.

The scenario is simulated over the log's period (its ``start`` set to the log's
first interval, ``horizon`` to the log's span, after the scenario's ``warmup`` unless
another is given), and each
KPI of the log is set against the replications' mean and 95% confidence interval:

* ``offered`` (whole operation, by channel and intent), ``abandon_rate``,
  ``blocked_rate``, ``asa_s``, ``talk_s`` and ``service_level`` (by the scenario's
  targets), with the definitions of :mod:`sim.metrics.kpis`;
* handle times like with like: a log's handle time is the agent's time with the
  customer, set against the simulated talk time (``talk_s``: the handle time before
  after-call work, which is ``aht_s`` in a scenario without it); only a log with a
  wrap-up column gives ``aht_s`` (handle + wrap-up, against the simulated talk +
  after-call work) and ``acw_s`` (against the simulated after-call work, 0 in a
  scenario without it);
* ``fcr`` and ``recontact_rate`` when the log flags resolution or the scenario
  models recontacts (journeys linked as in :mod:`sim.calibrate.repeats`);
* ``sessions`` and ``containment_rate`` of self-service / bot channels, and the
  handle time (``talk_s``) of every pool (event logs);
* offered per hour of day (the whole period's count in each hour), summarised by
  the mean absolute percentage error over the hours with arrivals.

A row outside the CI names, in ``unidentified``, the inputs the KPI depends on that
a log cannot identify (:data:`UNIDENTIFIED`): idle agents are invisible, so where
nobody waited the headcount is a bound; answered customers' patience is censored;
chat concurrency is per agent, the log names teams; journeys cut by the log's start
and end.

Status of each row: ``ok`` inside the 95% CI of the simulated mean; ``near``
outside it but inside the 95% range of single replications (mean ± t·sd·√(1+1/n):
where one simulated period like the log would fall — the log is one period, so
this is the fair test); ``off`` outside both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibrate.arrivals import Period, period_of
from sim.calibrate.read import ContactLog
from sim.calibrate.repeats import link
from sim.scenario.schema import Scenario
from sim.scenario.units import format_clock

__all__ = ["CheckResult", "check", "observed_kpis", "simulation_period"]

DEFAULT_WINDOW_S = 7 * 86400.0
KPI_COLUMNS = ("group", "member", "kpi", "observed", "sim_mean", "ci_low", "ci_high",
               "range_low", "range_high", "status", "unidentified")

_WAITS = ("headcount where nobody waited (idle agents are invisible in a log: the estimate "
          "is a bound) and the patience of answered customers (censored by the answer)")
#: KPI -> the inputs a log cannot pin down that the KPI depends on (shown when it misses).
UNIDENTIFIED = {
    "abandon_rate": _WAITS, "asa_s": _WAITS, "service_level": _WAITS, "p_wait": _WAITS,
    "mean_wait_s": _WAITS,
    "talk_s": ("chats an agent holds at once and their slow-down (the log names the team, "
               "not the agent), so handle times are fitted per intent over all channels"),
    "aht_s": ("chats an agent holds at once and their slow-down (the log names the team, "
              "not the agent), so handle times are fitted per intent over all channels"),
    "fcr": ("resolution of journeys that began in the warm-up or end after the log (their "
            "first or last contacts are outside it)"),
    "recontact_rate": ("repeats after the log ends and before it starts (the log is "
                       "censored at both ends; the recontact window is the scenario's)"),
    "offered": "recontacts of journeys that began before the log (their first contact is "
               "not in it)",
}


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _mean(x: pd.Series) -> float:
    return float(x.mean()) if len(x.dropna()) else math.nan


def _customer_kpis(c: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    answered = c["outcome"] == "answered"
    n = len(c)
    targets = c["channel"].map(lambda ch: scenario.channels[ch].sl_target_s
                               if ch in scenario.channels else math.nan).astype(float)
    has_target = targets.notna()
    within = answered & (c["wait_s"] <= targets)
    out = {
        "offered": float(n),
        "abandon_rate": _ratio(float((c["outcome"] == "abandoned").sum()), n),
        "blocked_rate": _ratio(float((c["outcome"] == "blocked").sum()), n),
        "asa_s": _mean(c.loc[answered, "wait_s"]),
        "talk_s": _mean(c.loc[answered, "handle_s"]),
        "service_level": _ratio(float(within[has_target].sum()), float(has_target.sum())),
    }
    if "wrap_s" in c:  # the log carries wrap-up: AHT as planners read it, and its part
        out["aht_s"] = _mean(c.loc[answered, "handle_s"] + c.loc[answered, "wrap_s"])
        out["acw_s"] = _mean(c.loc[answered, "wrap_s"])
    return out


#: Handle-time KPIs of a log (:func:`observed_kpis`), in the order shown.
HANDLE_KPIS = ("talk_s", "aht_s", "acw_s")


def observed_kpis(log: ContactLog, scenario: Scenario) -> pd.DataFrame:
    """The log's KPIs as a tidy frame ``[group, member, kpi, observed]``.

    Parameters
    ----------
    log
        The contacts of the log.
    scenario
        For the service-level targets and the recontact window.
    """
    c = log.contacts
    rows = [("all", "", k, v) for k, v in _customer_kpis(c, scenario).items()]
    for group in ("channel", "intent"):
        for member, part in c.groupby(group, sort=True):
            kp = _customer_kpis(part, scenario)
            keep = ("offered", "abandon_rate", "asa_s") if group == "channel" else ("offered",)
            rows += [(group, str(member), k, kp[k]) for k in (*keep, *HANDLE_KPIS) if k in kp]
    if log.sessions is not None and len(log.sessions):
        ses = log.sessions
        rows.append(("all", "", "sessions", float(len(ses))))
        rows.append(("all", "", "containment_rate", float(1.0 - ses["escalated"].mean())))
        for member, part in ses.groupby("channel", sort=True):
            rows.append(("channel", str(member), "sessions", float(len(part))))
    if log.pieces is not None and len(log.pieces):
        for member, part in log.pieces.groupby("pool", sort=True):
            rows.append(("pool", str(member), "talk_s", float(part["handle_s"].mean())))
    if log.has_resolution or scenario.recontact is not None:
        window = scenario.recontact.window if scenario.recontact else DEFAULT_WINDOW_S
        linked = link(c, window, log.has_resolution)
        answered = linked["outcome"].eq("answered")
        # fcr: journeys resolved at the first contact an agent answered, with no customer
        # contact after it / journeys that reached an agent (sim.metrics.definitions)
        first_ans = linked.loc[answered].groupby("journey", sort=False).head(1)
        last_attempt = linked.groupby("journey", sort=False)["attempt"].max()
        solved = (first_ans["resolved"].eq(1.0) if log.has_resolution
                  else pd.Series(True, index=first_ans.index))
        alone = first_ans["attempt"].to_numpy() == last_attempt[first_ans["journey"]].to_numpy()
        fcr = float((solved.to_numpy() & alone).mean()) if len(first_ans) else math.nan
        # recontact_rate: journeys that came back within the window after a served
        # contact (or a session that contained) / journeys with such a contact
        back = answered & linked["next_gap_s"].le(window)
        served_j = linked.loc[answered, "journey"].nunique()
        contained = 0
        if log.sessions is not None and len(log.sessions):
            contained = int((~log.sessions["escalated"]).sum())
        came = linked.loc[back, "journey"].nunique()
        rows += [("all", "", "fcr", fcr),
                 ("all", "", "recontact_rate", _ratio(float(came), float(served_j + contained)))]
    return pd.DataFrame(rows, columns=["group", "member", "kpi", "observed"])


def simulation_period(scenario: Scenario, period: Period,
                      warmup_s: float | None = None) -> Scenario:
    """The scenario moved onto the log's period: the measured window (after the warm-up,
    by default the scenario's own) starts at the log's first interval and lasts its span."""
    if warmup_s is None:
        warmup_s = float(scenario.warmup)
    return scenario.with_changes({
        "start": format_clock(0.0, (period.clock_start_s - warmup_s) % (7 * 86400.0)),
        "horizon": f"{period.span_s}s",
        "warmup": f"{warmup_s}s" if warmup_s > 0 else 0,
    })


def _status(obs: float, ci: tuple[float, float], rng: tuple[float, float]) -> str:
    if not math.isfinite(obs) or not all(math.isfinite(x) for x in ci):
        return "n/a"
    if ci[0] - 1e-12 <= obs <= ci[1] + 1e-12:
        return "ok"
    if rng[0] - 1e-12 <= obs <= rng[1] + 1e-12:
        return "near"
    return "off"


def _spread(values: np.ndarray) -> tuple[float, float, float, float, float]:
    """``(mean, ci_low, ci_high, range_low, range_high)`` of per-replication values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan,) * 5
    m = float(v.mean())
    if v.size < 2:
        return m, m, m, math.nan, math.nan
    t = float(stats.t.ppf(0.975, v.size - 1))
    sd = float(v.std(ddof=1))
    hw, pw = t * sd / math.sqrt(v.size), t * sd * math.sqrt(1 + 1 / v.size)
    return m, m - hw, m + hw, m - pw, m + pw


@dataclass
class CheckResult:
    """Observed vs simulated KPIs and offered per hour of day."""

    kpis: pd.DataFrame
    hourly: pd.DataFrame
    mape: float
    replications: int
    scenario: str
    period: str

    def flagged(self) -> pd.DataFrame:
        """Rows outside the simulation's 95% CI."""
        return self.kpis[self.kpis["status"].isin(["near", "off"])]

    def unexplained(self) -> pd.DataFrame:
        """Rows outside the CI that no unidentifiable input of the log explains."""
        f = self.flagged()
        return f[f["unidentified"] == ""]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (NaN as null)."""
        def clean(frame: pd.DataFrame) -> list[dict[str, Any]]:
            recs = frame.to_dict(orient="records")
            return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                     for k, v in r.items()} for r in recs]
        return {"scenario": self.scenario, "period": self.period,
                "replications": self.replications,
                "offered_per_hour_mape": self.mape if math.isfinite(self.mape) else None,
                "kpis": clean(self.kpis), "offered_by_hour": clean(self.hourly)}

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``check.csv`` (KPIs), ``check_hourly.csv`` and ``check.json``, atomically."""
        from sim import io

        out = Path(out_dir)
        return [io.write_text_atomic(out / "check.csv", io.csv_text(self.kpis)),
                io.write_text_atomic(out / "check_hourly.csv", io.csv_text(self.hourly)),
                io.write_json_atomic(out / "check.json", self.to_dict())]


def _hourly(log: ContactLog, contacts: pd.DataFrame, sim: Scenario, reps: int) -> pd.DataFrame:
    obs = np.bincount(log.contacts["arrival"].dt.hour.to_numpy(), minlength=24)
    live = ~contacts["channel"].astype(str).map(
        lambda ch: sim.channels[ch].is_self_service if ch in sim.channels else False
    ).to_numpy(dtype=bool)
    c = contacts.loc[(contacts["step"] == 0) & contacts["in_window"] & live]
    hour = (((c["arrival_s"].to_numpy() + sim.start) % 86400.0) // 3600).astype(np.int64)
    counts = np.zeros((reps, 24))
    np.add.at(counts, (c["replication"].to_numpy(), hour), 1)
    rows = []
    for h in range(24):
        m, lo, hi, rlo, rhi = _spread(counts[:, h])
        rows.append((h, float(obs[h]), m, lo, hi, rlo, rhi,
                     _status(float(obs[h]), (lo, hi), (rlo, rhi))))
    return pd.DataFrame(rows, columns=["hour", "observed", "sim_mean", "ci_low", "ci_high",
                                       "range_low", "range_high", "status"])


def check(log: ContactLog, scenario: Scenario, replications: int | None = None,
          executor: str = "processes", workers: int | None = None,
          warmup_s: float | None = None,
          progress: bool = False) -> CheckResult:
    """Simulate ``scenario`` over the log's period and compare KPIs with the log.

    Parameters
    ----------
    log
        The observed contacts.
    scenario
        The scenario to check (e.g. written by :func:`sim.calibrate.write_scenario`).
    replications
        Replications (default: the scenario's).
    executor, workers
        As for :func:`sim.experiment.run`.
    warmup_s
        Warm-up before the log's period starts (default: the scenario's own warm-up).
    progress
        Show a progress bar.

    Returns
    -------
    CheckResult
        Side-by-side KPIs with status, and offered per hour of day with its MAPE.
    """
    from sim.experiment import run

    interval = scenario.interval if scenario.interval in (900.0, 1800.0, 3600.0) else 3600.0
    period = period_of(log.contacts["arrival"], interval)
    sim = simulation_period(scenario, period, warmup_s)
    results = run(sim, replications=replications, executor=executor, workers=workers,
                  progress=progress, keep_intervals=False)
    obs = observed_kpis(log, sim)
    k = results.kpis
    wrap_up = bool((k["kpi"] == "talk_s").any())  # the scenario has after-call work
    rows = []
    for r in obs.itertuples(index=False):
        # like with like: without after-call work the simulated talk time is aht_s, and
        # the simulated wrap-up is 0 wherever contacts were handled
        kpi = r.kpi if wrap_up or r.kpi not in ("talk_s", "acw_s") else "aht_s"
        sel = k[(k["group"] == r.group) & (k["kpi"] == kpi)]
        if r.group != "all":
            sel = sel[sel["member"] == r.member]
        if sel.empty:
            continue
        values = sel["value"].to_numpy(dtype=float)
        if kpi != r.kpi and r.kpi == "acw_s":
            values = np.where(np.isfinite(values), 0.0, np.nan)
        m, lo, hi, rlo, rhi = _spread(values)
        status = _status(r.observed, (lo, hi), (rlo, rhi))
        why = UNIDENTIFIED.get(r.kpi, "") if status in ("near", "off") else ""
        rows.append((r.group, r.member, r.kpi, r.observed, m, lo, hi, rlo, rhi, status, why))
    table = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
    assert results.contacts is not None
    hourly = _hourly(log, results.contacts, sim, results.replications)
    seen = hourly["observed"] > 0
    ape = (hourly.loc[seen, "sim_mean"] - hourly.loc[seen, "observed"]).abs() / hourly.loc[
        seen, "observed"]
    mape = float(ape.mean()) if seen.any() else math.nan
    return CheckResult(table, hourly, mape, results.replications, scenario.name,
                       period.describe())
