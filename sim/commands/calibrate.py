"""``servicesim calibrate | check``: from a contact log to a scenario, and back.

``calibrate`` reads a contact log (or a pm4py-style event log), fits demand,
handle times, patience, resolution and recontacts, and staffing, and writes a
commented scenario file that validates. ``check`` simulates a scenario over the
log's period and sets observed against simulated KPIs. Thin wrappers over
:mod:`sim.calibrate`; every mistake (missing column, bad option) is one ``error:``
line and exit status 2.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from sim.commands.display import console as make_console
from sim.commands.display import error, styled
from sim.commands.experiments import EXECUTOR_HELP, WORKERS_HELP, fmt

FORMAT_HELP = ("'auto' (default: an event log when the file has an activity column such "
               "as concept:name), 'contacts' (one row per contact: case, arrival, channel, "
               "intent, wait, handle, outcome, ...) or 'eventlog' (pm4py: "
               "case:concept:name, concept:name, time:timestamp, org:resource).")
COLUMNS_HELP = ("Column names of your file, e.g. 'case=CustomerID,arrival=Start,wait=QueueSec'"
                " (fields: case, arrival, outcome, wait, handle, channel, intent, pool, segment,"
                " resolved, wrap; event logs: case, activity, timestamp, resource, channel, intent,"
                " segment).")
STATUS_STYLE = {"ok": "green", "near": "yellow", "off": "red"}


@contextmanager
def log_errors() -> Iterator[None]:
    """Turn log, scenario and option mistakes into ``error: ...`` and exit status 2."""
    from sim.calibrate import LogError
    from sim.experiment import ExecutorError
    from sim.experiment.limits import RunTooLargeError
    from sim.scenario import ScenarioError

    try:
        yield
    except (LogError, ScenarioError, ExecutorError, RunTooLargeError, ValueError) as exc:
        error(exc)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(130) from None


def _num(x: float) -> str:
    return f"{x:,.1f}" if math.isfinite(x) else "–"


def _table(title: str, heads: list[str]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for i, h in enumerate(heads):
        table.add_column(h, justify="left" if i == 0 else "right")
    return table


def _print_fit(cal: Any) -> None:
    from sim.calibrate.write import duration

    console = make_console()
    demand = _table(f"Demand ({cal.demand_rows})", ["channel / intent", "arrivals", "rate",
                                                     "peak hour"])
    for line in cal.lines:
        peak = int(line.hourly_rate().argmax())
        demand.add_row(f"{line.channel} / {line.intent}", f"{line.n:,}",
                       f"{line.rate_per_s * 3600:,.2f}/h", f"{peak:02d}:00")
    console.print(demand)
    handle = _table("Handle time by intent (AIC: lower is better)",
                    ["intent", "answered", "lognormal", "gamma", "exponential", "chosen"])
    for it in cal.intents.values():
        h = it.handle
        aic = [_num(h.aic.get(k, math.nan)) for k in ("lognormal", "gamma", "exponential")]
        cv = f", cv {h.cv:.2f}" if h.dist != "exponential" else ""
        handle.add_row(it.name, f"{h.n:,}", *aic, f"{h.dist} {duration(h.mean_s)}{cv}")
    console.print(handle)
    _print_wrap_up(console, cal)
    patience = _table("Patience by channel (answered waits censored)",
                      ["channel", "queued", "abandoned", "naive mean", "AIC exp.", "AIC lognormal",
                       "chosen"])
    for ch in cal.channels.values():
        p = ch.patience
        if p is None:
            patience.add_row(ch.name, f"{ch.n:,}", "0", "–", "–", "–", "never abandon")
            continue
        patience.add_row(ch.name, f"{p.n_queued:,}", f"{p.n_abandoned:,}",
                         duration(p.naive_mean_s), _num(p.aic["exponential"]),
                         _num(p.aic.get("lognormal", math.nan)),
                         f"{p.dist} {duration(p.mean_s)}")
    console.print(patience)
    j = cal.journeys
    if j is not None:
        rows = [f"journeys {j.journeys:,}", f"max attempts {j.max_attempts}"]
        for name, r in (("recontact", j.recontact), ("retry", j.retry)):
            if r is not None and r.delay is not None:
                rows.append(f"{name} p {r.probability:.3f}, delay {r.delay.dist} "
                            f"{duration(r.delay.mean_s)}")
        res = [f"{i.name} {i.resolution[0]:.3f}" for i in cal.intents.values() if i.resolution]
        if res:
            rows.append("resolution " + ", ".join(res))
        console.print("Journeys: " + "; ".join(rows))
    for pool in cal.pools.values():
        console.print(f"Pool {pool.name} ({', '.join(pool.channels)}): {pool.staffing_note}")


def _print_wrap_up(console: Any, cal: Any) -> None:
    """After-call work by intent (and channel), when the log has a wrap-up column."""
    from sim.calibrate.write import duration

    fitted = [it for it in cal.intents.values() if it.acw is not None]
    if not fitted:
        return
    table = _table("After-call work by intent (from the wrap-up column)",
                   ["intent / channel", "answered", "no wrap-up", "observed mean", "chosen"])
    for it in fitted:
        rows = [(it.name, it.acw)] + [(f"{it.name} / {ch}", w)
                                      for ch, w in it.acw_by_channel.items()]
        for label, w in rows:
            d = w.dist
            chosen = ("none" if w.none else f"fixed {duration(w.value_s)}" if d is None else
                      f"{d.dist} {duration(d.mean_s)}"
                      + (f", cv {d.cv:.2f}" if d.dist != "exponential" else ""))
            table.add_row(label, f"{w.n:,}", f"{w.n_zero:,}", duration(w.mean_s), chosen)
    console.print(table)


def calibrate(
    log: Path = typer.Argument(..., help="Contact log or event log (CSV or parquet)."),
    out: Path = typer.Option(Path("scenario.yaml"), "--out", "-o",
                             help="Scenario file to write."),
    columns: str | None = typer.Option(None, "--columns", help=COLUMNS_HELP),
    log_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    interval: str = typer.Option("30min", "--interval",
                                 help="Interval of the profiles and schedules: 15min, 30min or "
                                      "1h."),
    occupancy: float = typer.Option(0.85, "--occupancy",
                                    help="With --staffing schedule or size: assumed share "
                                         "of on-duty time agents are busy: headcount = busy "
                                         "agents / occupancy."),
    staffing: str = typer.Option("concurrency", "--staffing",
                                 help="'concurrency' (headcount per interval from the busy "
                                      "agents seen at once and the share of contacts that "
                                      "waited), 'schedule' (busy agents / --occupancy per "
                                      "interval) or 'size' (one size from the busiest "
                                      "interval)."),
    pool_size: str | None = typer.Option(None, "--pool-size",
                                         help="Known headcounts instead of the estimate: N "
                                              "for every pool, or POOL=N,..."),
    window: str = typer.Option("7d", "--recontact-window",
                               help="A contact of the same case within this time after the "
                                    "previous one's end is a repeat of the same need."),
    name: str | None = typer.Option(None, "--name", help="Scenario name."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the final line."),
) -> None:
    """Fit a scenario to a contact log and write it as a commented YAML file.

    Demand per channel and intent (rate, intraday profile, weekday factors), handle
    times (lognormal, gamma or exponential by AIC; after-call work likewise from a
    wrap-up column), patience (abandoned waits, with
    answered waits as censored), resolution, recontacts, retries and channel
    switches, and pools with approximate staffing. Skipped rows are counted by
    reason. The file validates; review it, then `servicesim check LOG FILE`.
    """
    from sim.calibrate import FitOptions, read_log, write_scenario
    from sim.calibrate import calibrate as fit
    from sim.calibrate.fit import parse_pool_sizes
    from sim.scenario.units import parse_duration

    with log_errors():
        options = FitOptions(interval_s=parse_duration(interval), occupancy=occupancy,
                             staffing=staffing, pool_sizes=parse_pool_sizes(pool_size),
                             window_s=parse_duration(window))
        contacts = read_log(str(log), log_format, columns)
        cal = fit(contacts, options)
        write_scenario(cal, out, name)
    if not quiet:
        for line in contacts.describe():
            print(line)
        _print_fit(cal)
    print(f"calibrated from {contacts.n:,} contacts"
          + (f" ({contacts.issues.total:,} skipped)" if contacts.issues.total else "")
          + f" → {out} (valid scenario)")


def check(
    log: Path = typer.Argument(..., help="Contact log or event log (CSV or parquet)."),
    scenario_file: Path = typer.Argument(..., help="Scenario to check against the log."),
    replications: int | None = typer.Option(None, "--replications", "-n", min=2,
                                            help="Replications (default: the file's)."),
    columns: str | None = typer.Option(None, "--columns", help=COLUMNS_HELP),
    log_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Folder for check.csv, check_hourly.csv, check.json."),
    warmup: str | None = typer.Option(None, "--warmup",
                                      help="Warm-up before the log's period (default: the "
                                           "scenario's)."),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Does the scenario reproduce the log? Observed vs simulated KPIs, side by side.

    Simulates the scenario over the log's period and compares offered (overall,
    by channel, by intent and per hour of day), ASA, abandonment, handle time,
    service level, FCR and recontact rate. Status: ok (inside the simulation's 95%
    CI), near (outside the CI, inside the spread of single replications), off.
    """
    from sim.calibrate import check as run_check
    from sim.calibrate import read_log
    from sim.scenario import load
    from sim.scenario.units import parse_duration

    with log_errors():
        scenario = load(scenario_file)
        contacts = read_log(str(log), log_format, columns)
        warmup_s = None if warmup is None else parse_duration(warmup)
        result = run_check(contacts, scenario, replications, executor=executor,
                           workers=workers, warmup_s=warmup_s,
                           progress=not quiet)
    _print_check(result, contacts)
    if out is not None:
        result.write(out)
        print(f"wrote {out / 'check.csv'}, {out / 'check_hourly.csv'}, {out / 'check.json'}")


def _print_check(result: Any, contacts: Any) -> None:
    from sim.commands.experiments import ci

    console = make_console()
    for line in contacts.describe():
        console.print(line, markup=False, highlight=False)
    table = _table(f"'{result.scenario}' vs {contacts.source} ({result.period}; "
                   f"{result.replications} replications)",
                   ["KPI", "observed", "simulated", "95% CI", "status"])
    for r in result.kpis.itertuples(index=False):
        label = r.kpi if r.group == "all" else f"{r.kpi} ({r.group} {r.member})"
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(label, fmt(r.kpi, r.observed), fmt(r.kpi, r.sim_mean),
                      ci(r.kpi, r.ci_low, r.ci_high),
                      styled(r.status, style))
    console.print(table)
    hourly = _table("Offered per hour of day (whole period)",
                    ["hour", "observed", "simulated", "95% CI", "status"])
    for r in result.hourly.itertuples(index=False):
        style = STATUS_STYLE.get(r.status, "")
        hourly.add_row(f"{int(r.hour):02d}:00", f"{r.observed:,.0f}", f"{r.sim_mean:,.1f}",
                       f"[{r.ci_low:,.1f}, {r.ci_high:,.1f}]",
                       styled(r.status, style))
    console.print(hourly)
    mape = f"{100 * result.mape:.1f}%" if math.isfinite(result.mape) else "–"
    flagged = len(result.flagged())
    for r in result.flagged().itertuples(index=False):
        if r.unidentified:
            label = r.kpi if r.group == "all" else f"{r.kpi} ({r.group} {r.member})"
            console.print(f"{label} {r.status}: depends on what the log cannot identify: "
                          f"{r.unidentified}", markup=False, highlight=False)
    console.print(f"offered per hour: mean absolute percentage error {mape}; {flagged} of "
                  f"{len(result.kpis)} KPIs outside the 95% CI (ok = inside; near = within "
                  "the spread of single replications; off = outside both)")


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` and ``check`` to the app."""
    app.command("calibrate")(calibrate)
    app.command("check")(check)
