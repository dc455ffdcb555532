"""``servicesim run | compare | sweep``: run experiments and print what they found.

Thin wrappers over :mod:`sim.experiment`: parse options, call the library, print
KPI tables with rich. Every mistake a planner can make on the command line (a
scenario error, an unknown KPI in ``--precision``, a malformed ``--set``) is one
``error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from sim.commands.display import console, error, one_line, styled
from sim.commands.interrupts import outputs_first

EXECUTOR_HELP = (
    "Where replications run: 'processes' (all cores of this machine, the default), "
    "'serial' (one after the other, easiest to debug) or 'dask' (a Dask cluster)."
)
WORKERS_HELP = "How many replications run at the same time (default: one per CPU core)."
SCHEDULER_HELP = "Join an existing Dask cluster, e.g. tcp://host:8786 (with --executor dask)."
REPS_HELP = "Replications (independent simulated periods) per scenario; default: the file's."
SET_HELP = (
    "Change a setting for this run without editing the file: PATH=VALUE, e.g. "
    "--set horizon=2d --set pools.agents.size=55 (paths as for sweep; one value, "
    "not a range). Repeat for several settings; recorded in manifest.json."
)
TARGET_HELP = (
    "A target on a whole-operation KPI, as for 'servicesim staff': 'service_level>=0.8', "
    "'abandon_rate<=5%', 'asa_s<=30s', 'blocked_rate<=1%'. Repeat for several (or "
    "separate with commas)."
)
BY_HELP = (
    "Also compare by channel, pool, segment or intent (repeat or separate with "
    "commas, e.g. --by segment,intent): one table per breakdown."
)

#: KPIs shown per channel and per sweep point (when present).
SHORT_KPIS = ("offered", "asa_s", "service_level", "abandon_rate", "utilization")
PERCENT_KPIS = frozenset({"abandon_rate", "blocked_rate", "p_wait", "service_level",
                          "utilization", "recontact_rate", "fcr", "containment_rate",
                          "technician_utilization", "slot_occupancy", "open_at_cutoff",
                          "resolution_rate"})


def fmt(kpi: str, x: Any) -> str:
    """Format a KPI value for people: percentages, seconds, counts."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    x = float(x)
    if kpi in PERCENT_KPIS or kpi.endswith("_rate"):
        return f"{100 * x:.2f}%"
    if kpi.endswith("_s") or "_s_p" in kpi:
        return f"{x:,.1f} s" if abs(x) < 600 else f"{x / 60:,.1f} min"
    if kpi in ("offered", "handled"):
        return f"{x:,.0f}"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def ci(kpi: str, lo: Any, hi: Any) -> str:
    """Format a confidence interval."""
    return f"[{fmt(kpi, lo)}, {fmt(kpi, hi)}]"


@contextmanager
def planner_errors() -> Iterator[None]:
    """Turn expected mistakes into ``error: ...`` (exit 2) and Ctrl-C into exit 130."""
    from sim.experiment import (
        CompareError,
        ExecutorError,
        GridError,
        PrecisionError,
        SweepError,
        SweepInterrupted,
    )
    from sim.experiment.limits import RunTooLargeError
    from sim.scenario import ScenarioError

    try:
        yield
    except (ScenarioError, PrecisionError, GridError, SweepError, ExecutorError,
            RunTooLargeError, CompareError) as exc:
        error(exc)
        raise typer.Exit(2) from None
    except SweepInterrupted as exc:
        print(one_line(exc), file=sys.stderr)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        raise typer.Exit(130) from None


def check_out_dir(out_dir: Path) -> None:
    """Refuse, before any work is done, an output folder that is (or lies inside) a file."""
    for p in (out_dir, *out_dir.parents):
        if p.exists():
            if not p.is_dir():
                error(f"cannot write the results to '{out_dir}': '{p}' is a file, not a "
                      "folder; choose another --out")
                raise typer.Exit(2)
            return


@contextmanager
def output_errors(out_dir: Path) -> Iterator[None]:
    """An output folder that cannot be written is one ``error: ...`` line (exit 2)."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        error(f"cannot write the results to '{out_dir}': {reason}")
        raise typer.Exit(2) from None


def _console() -> Any:
    return console()


def _print_run_tables(results: Any) -> None:
    from rich.table import Table

    s = results.summary
    table = Table(title=f"{results.scenario.name}: whole operation "
                        f"({results.replications} replications, 95% CI)",
                  caption="asa_s, mean_wait_s, p_wait, service_level: live channels "
                          "(voice, chat); email by channel")
    for col, just in (("KPI", "left"), ("mean", "right"), ("95% CI", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for row in s[s["group"] == "all"].itertuples():
        table.add_row(row.kpi, fmt(row.kpi, row.mean), ci(row.kpi, row.ci_low, row.ci_high))
    console = _console()
    console.print(table)
    ch = s[(s["group"] == "channel") & s["kpi"].isin(SHORT_KPIS)]
    if not ch.empty:
        kpis = [k for k in SHORT_KPIS if k in set(ch["kpi"])]
        by = Table(title="By channel (mean)")
        by.add_column("channel")
        for k in kpis:
            by.add_column(k, justify="right")
        wide = ch.pivot(index="member", columns="kpi", values="mean")
        for member in dict.fromkeys(ch["member"]):
            by.add_row(str(member), *(fmt(k, wide.loc[member, k]) for k in kpis))
        console.print(by)
    if results.stopping is not None:
        console.print(results.stopping.describe())


def run(
    file: Path = typer.Argument(..., help="Scenario file (YAML) to simulate."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Folder for the results (default: out/<file name>)."),
    replications: int | None = typer.Option(None, "--replications", "-n", min=1,
                                            help=REPS_HELP),
    seed: int | None = typer.Option(None, "--seed", min=0,
                                    help="Random seed (default: the file's); same seed, "
                                         "same numbers."),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    precision: str | None = typer.Option(
        None, "--precision",
        help="Keep adding replications until the 95% CI of these KPIs is this narrow "
             "(± half-width), e.g. 'asa_s=2,abandon_rate=0.005' or 'asa_s=5%' "
             "(relative to the mean)."),
    max_replications: int | None = typer.Option(
        None, "--max-replications", min=1,
        help="With --precision: never run more than this many (default: 10x the first "
             "batch, at least 100)."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bar or tables; just the final line."),
    allow_large: bool = typer.Option(
        False, "--allow-large",
        help="Run even if the estimate says it would exhaust memory or take over a day."),
    event_log: bool = typer.Option(
        False, "--event-log",
        help="Also write every contact's events as event_log.csv and event_log.parquet "
             "(pm4py columns; see sim.calibrate.eventlog)."),
    sets: list[str] | None = typer.Option(None, "--set", "-s", help=SET_HELP),
    target: list[str] | None = typer.Option(
        None, "--target", "-t",
        help=TARGET_HELP + " The report opens with whether each is met."),
) -> None:
    """Simulate a scenario and report its KPIs with 95% confidence intervals.

    Runs the replications (in parallel by default), prints the KPIs of the whole
    operation and by channel, and saves summary.json, the contact, journey and
    interval tables and a manifest (scenario hash, seed, version) in the output
    folder.
    """
    from sim.report.background import FigureHelper

    out_dir = out if out is not None else Path("out") / file.stem
    check_out_dir(out_dir)
    targets = _targets(target)
    # the report's figures are drawn in a helper process, which imports matplotlib
    # now, beside the simulation (sim.report.background)
    with FigureHelper() as figures:
        _run(file, out_dir, replications, seed, executor, workers, scheduler, precision,
             max_replications, quiet, allow_large, event_log, sets, targets, figures)


def _run(file: Path, out_dir: Path, replications: int | None, seed: int | None,
         executor: str, workers: int | None, scheduler: str | None, precision: str | None,
         max_replications: int | None, quiet: bool, allow_large: bool, event_log: bool,
         sets: list[str] | None, targets: list[Any], figures: Any) -> None:
    from sim.experiment import GridError, parse_overrides
    from sim.experiment import run as run_experiment
    from sim.scenario import load

    with planner_errors():
        overrides = parse_overrides(sets or [])
        if seed is not None and "seed" in overrides:
            raise GridError("give the seed once: --seed S or --set seed=S, not both")
        scenario = load(file)
        warn_scenario(scenario)
        if seed is not None:
            scenario = scenario.with_changes({"seed": seed})
        results = run_experiment(
            scenario, replications=replications, executor=executor, workers=workers,
            scheduler=scheduler, progress=not quiet, precision=precision,
            max_replications=max_replications, allow_large=allow_large,
            overrides=overrides,
        )
        scenario = results.scenario
    with output_errors(out_dir), outputs_first(out_dir):
        # the report opens with the targets' verdict when there are targets
        results.write(out_dir, targets=[t.text for t in targets] or None, figures=figures)
        _event_log(results, out_dir, event_log)
    if not quiet:
        _print_run_tables(results)
    if targets:
        _print_run_verdicts(results, targets)
    print(f"{results.replications} replications of '{scenario.name}' in "
          f"{results.wall_s:.1f} s → {out_dir}")


#: The event log's files (``sim.calibrate.eventlog.FILES``), named here so that a run
#: without ``--event-log`` never imports the calibration package (and SciPy).
EVENT_LOG_FILES = ("event_log.csv", "event_log.parquet")


def _event_log(results: Any, out_dir: Path, enabled: bool) -> None:
    """Write the event log when asked; otherwise remove one left by an earlier run."""
    if enabled:
        from sim.calibrate.eventlog import export_event_log

        export_event_log(results, out_dir, True)
        return
    for name in EVENT_LOG_FILES:
        (out_dir / name).unlink(missing_ok=True)


def _print_run_verdicts(results: Any, targets: list[Any]) -> None:
    from sim.report.run_report import run_verdicts

    for v in run_verdicts(results.summary, [t.text for t in targets]):
        t = v["target"]
        word = ("met (whole 95% CI)" if v["met_ci"] else "met on average only (95% CI "
                "reaches past it)" if v["met"] else "NOT met")
        print(f"target {t.text}: {word}; mean {fmt(t.kpi, v['mean'])} "
              f"{ci(t.kpi, v['ci_low'], v['ci_high'])}")


def compare(
    files: list[Path] = typer.Argument(..., help="Baseline scenario first, then one or "
                                                 "more variants to compare with it."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder for the comparison "
                                    "(default: out/compare-<baseline>-<variant>...)."),
    replications: int | None = typer.Option(None, "--replications", "-n", min=2,
                                            help=REPS_HELP),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bar or tables; just the final line."),
    allow_large: bool = typer.Option(
        False, "--allow-large",
        help="Run even if the estimate says it would exhaust memory or take over a day."),
    sets: list[str] | None = typer.Option(
        None, "--set", "-s", help=SET_HELP.replace("this run", "every scenario compared")),
    by: list[str] | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Is the redesign really better? Compare variants with a baseline, KPI by KPI.

    The baseline and each variant meet the same simulated customers (common random
    numbers), so even small differences show. For every KPI you get the difference
    with its 95% confidence interval and a verdict: better, worse, or no
    significant difference. Saves compare.csv, compare.parquet and compare.json.
    """
    from sim.experiment import DEFAULT_GROUPS, parse_groups, parse_overrides
    from sim.experiment import compare as compare_experiment
    from sim.scenario import load

    if len(files) < 2:
        error("give a baseline and at least one variant scenario")
        raise typer.Exit(2)
    out_dir = out if out is not None else Path("out") / "-".join(
        ["compare", *(f.stem for f in files)])
    check_out_dir(out_dir)
    with planner_errors():
        overrides = parse_overrides(sets or [])
        breakdowns = parse_groups(by or [])
        scenarios = [load(f) for f in files]
        for sc in scenarios:
            warn_scenario(sc)
        names = [s.name for s in scenarios]
        labels = names if len(set(names)) == len(names) else [f.stem for f in files]
        result = compare_experiment(scenarios, replications=replications, executor=executor,
                                    workers=workers, scheduler=scheduler,
                                    progress=not quiet, labels=labels,
                                    groups=[*DEFAULT_GROUPS, *breakdowns],
                                    allow_large=allow_large, overrides=overrides)
    with output_errors(out_dir), outputs_first(out_dir):
        result.write(out_dir)
    if not quiet:
        _print_comparison(result, breakdowns)
    print(f"compared {len(files)} scenarios, {result.replications} paired replications each, "
          f"in {result.wall_s:.1f} s → {out_dir}")


#: Console wording of the verdicts (the files keep the full wording).
SHORT_VERDICT = {"no significant difference": "not significant"}


def _print_comparison(result: Any, breakdowns: list[str] | None = None) -> None:
    from rich.table import Table

    console = _console()
    t = result.table
    base = t[(t["group"] == "all") & (t["variant"] == 0)].set_index("kpi")
    for v, label in enumerate(result.labels[1:], start=1):
        rows = t[(t["group"] == "all") & (t["variant"] == v)]
        table = Table(title=f"'{label}' vs baseline '{result.labels[0]}' "
                            "(same customers, 95% CI)")
        for col in ("KPI", "baseline", "variant", "difference [95% CI]", "verdict",
                    "CI narrower"):
            table.add_column(col, justify="left" if col in ("KPI", "verdict") else "right",
                             no_wrap=col in ("KPI", "verdict"))
        for r in rows.itertuples():
            k = r.kpi
            style = {"better": "green", "worse": "red"}.get(r.verdict, "")
            word = SHORT_VERDICT.get(r.verdict, r.verdict)
            ratio = r.variance_reduction
            vr = f"{ratio:.1f}x" if math.isfinite(ratio) else "–"
            table.add_row(k, fmt(k, base.loc[k, "mean"]), fmt(k, r.mean),
                          f"{_signed(k, r.diff)} {ci(k, r.diff_ci_low, r.diff_ci_high)}",
                          styled(word, style), vr)
        console.print(table)
    for group in breakdowns or []:
        _print_breakdown(console, result, group)
    from sim.experiment.compare import family_size

    console.print("CI narrower: how many times narrower the paired interval is than with "
                  "independent runs (estimated from the same replications).")
    console.print(f"verdicts: significant after Holm's correction over "
                  f"{family_size(t)} comparisons (family-wise 5%); CIs are unadjusted 95%. "
                  "Whole-operation asa_s, mean_wait_s, p_wait and service_level count live "
                  "channels (voice, chat) only.")
    for note in result.notes:
        console.print(f"note: {note}")


def _print_breakdown(console: Any, result: Any, group: str) -> None:
    """One table per variant: the short KPIs of each member of ``group``."""
    from rich.table import Table

    t = result.table
    rows = t[(t["group"] == group) & t["kpi"].isin(SHORT_KPIS)]
    if rows.empty:
        console.print(f"no KPIs by {group} in these scenarios")
        return
    base = rows[rows["variant"] == 0].set_index(["member", "kpi"])
    order = {k: i for i, k in enumerate(SHORT_KPIS)}
    for v, label in enumerate(result.labels[1:], start=1):
        mine = rows[rows["variant"] == v]
        mine = mine.assign(_order=mine["kpi"].map(order)).sort_values(
            ["member", "_order"], kind="stable")
        table = Table(title=f"'{label}' vs baseline '{result.labels[0]}' by {group} "
                            "(same customers, 95% CI)")
        for col in (group, "KPI", "baseline", "variant", "difference [95% CI]", "verdict"):
            table.add_column(col, justify="left" if col in (group, "KPI", "verdict")
                             else "right", no_wrap=col != "difference [95% CI]")
        last = None
        for r in mine.itertuples():
            k = r.kpi
            style = {"better": "green", "worse": "red"}.get(r.verdict, "")
            word = SHORT_VERDICT.get(r.verdict, r.verdict)
            b = base.loc[(r.member, k), "mean"] if (r.member, k) in base.index else None
            table.add_row(str(r.member) if r.member != last else "", k, fmt(k, b),
                          fmt(k, r.mean),
                          f"{_signed(k, r.diff)} {ci(k, r.diff_ci_low, r.diff_ci_high)}",
                          styled(word, style))
            last = r.member
        console.print(table)


def _signed(kpi: str, x: float) -> str:
    text = fmt(kpi, x)
    return text if text.startswith(("-", "–")) else f"+{text}"


def sweep(
    file: Path = typer.Argument(..., help="Base scenario file (YAML)."),
    sets: list[str] = typer.Option(
        ..., "--set", "-s",
        help="A setting to vary and its values: PATH=START:STOP:STEP (inclusive) or "
             "PATH=V1,V2,...; e.g. --set pools.tier1.size=40:60:5 or --set "
             "intents.general.handle_time.mean=4min,5min. Repeat for a grid."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Folder for the sweep (default: out/sweep-<file>)."),
    replications: int | None = typer.Option(None, "--replications", "-n", min=1,
                                            help=REPS_HELP),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    resume: bool = typer.Option(True, "--resume/--fresh",
                                help="Keep points already finished in the output folder "
                                     "(default) or start over."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bar or table; just the final line."),
    allow_large: bool = typer.Option(
        False, "--allow-large",
        help="Run even if the estimate says it would exhaust memory or take over a day."),
    target: list[str] | None = typer.Option(
        None, "--target", "-t",
        help=TARGET_HELP + " The report and the last lines name the cheapest point meeting "
                           "every target."),
) -> None:
    """What if? Run the scenario for every combination of the --set values.

    Tabulates the KPIs of each combination (e.g. each team size) in sweep.csv,
    sweep.parquet and sweep.json. Each finished combination is saved at once: after
    Ctrl-C, running the same command again carries on where it stopped.
    """
    from sim.experiment import parse_sets
    from sim.experiment import sweep as sweep_experiment
    from sim.scenario import load

    out_dir = out if out is not None else Path("out") / f"sweep-{file.stem}"
    check_out_dir(out_dir)
    targets = _targets(target)
    with planner_errors(), output_errors(out_dir):
        grid = parse_sets(sets)
        scenario = load(file)
        warn_scenario(scenario)
        table = sweep_experiment(scenario, grid, out_dir, replications=replications,
                                 executor=executor, workers=workers, scheduler=scheduler,
                                 resume=resume, progress=not quiet,
                                 allow_large=allow_large, targets=[t.text for t in targets])
    if not quiet:
        _print_sweep(table, list(grid))
    n_points = table["point_id"].nunique() if len(table) else 0
    if targets:
        print(sweep_answer(table, list(grid), targets))
    print(f"swept {n_points} points of '{scenario.name}' → {out_dir / 'sweep.csv'}")


def _targets(texts: list[str] | None) -> list[Any]:
    """Parse ``--target`` options (exit 2 with one ``error:`` line if one is malformed)."""
    from sim.report.targets import parse_targets

    try:
        return parse_targets([part for text in texts or [] for part in text.split(",")])
    except ValueError as exc:
        error(f"--target: {exc}")
        raise typer.Exit(2) from None


def warn_scenario(scenario: Any) -> None:
    """Print a ``warning: ...`` line on stderr for each suspicious (valid) setting."""
    from sim.scenario.describe import scenario_warnings

    for text in scenario_warnings(scenario):
        print(f"warning: {one_line(text)}", file=sys.stderr)


def sweep_answer(table: Any, params: list[str], targets: list[Any]) -> str:
    """One line: the cheapest point meeting every target, or that none does."""
    from sim.report.targets import cheapest_point

    best = cheapest_point(table, params, targets)
    wanted = ", ".join(t.text for t in targets)
    if best is None:
        return f"no point of the sweep meets every target ({wanted}); widen the range"
    setting = ", ".join(f"{p}={v}" for p, v in best["point"].items())
    margin = ("whole 95% CI meets them" if best["meets_ci"]
              else "mean meets them, 95% CI reaches past")
    return f"cheapest point meeting {wanted}: {setting} ({margin}; {best['basis']})"


def _print_sweep(table: Any, paths: list[str]) -> None:
    from rich.table import Table

    kpis = [k for k in SWEEP_SHORT_KPIS if k in set(table["kpi"])]
    heads = _short_names(paths)
    view = Table(title="Sweep (mean per point, whole operation; ASA and SL: live channels)",
                 caption="; ".join(f"{h} = {p}" for h, p in zip(heads, paths, strict=True)
                                   if h != p))
    for h in heads:
        view.add_column(h, justify="right", no_wrap=True)
    for k in kpis:
        view.add_column(KPI_HEADS.get(k, k), justify="right", no_wrap=True)
    for _, rows in table.groupby("point_id", sort=False):
        means = dict(zip(rows["kpi"], rows["mean"], strict=True))
        first = rows.iloc[0]
        view.add_row(*(str(first[p]) for p in paths), *(fmt(k, means.get(k)) for k in kpis))
    _console().print(view)


KPI_HEADS = {"asa_s": "ASA", "service_level": "SL", "abandon_rate": "abandoned",
             "blocked_rate": "blocked", "utilization": "util."}
#: KPIs of the sweep's console table (blocked customers are lost customers too).
SWEEP_SHORT_KPIS = ("offered", "asa_s", "service_level", "abandon_rate", "blocked_rate",
                    "utilization")


def _short_names(paths: list[str]) -> list[str]:
    """The shortest dotted suffix of each path that tells them apart."""
    out = []
    for p in paths:
        parts = p.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(q == tail or q.endswith("." + tail) for q in paths) == 1:
                break
        out.append(tail)
    return out


def register(app: typer.Typer) -> None:
    """Add ``run``, ``compare`` and ``sweep`` to the app."""
    app.command("run")(run)
    app.command("compare")(compare)
    app.command("sweep")(sweep)
