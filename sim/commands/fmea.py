"""``servicesim fmea``: which failure hurts most? Rank failure modes by annual impact.

A thin wrapper over :func:`sim.experiment.fmea.fmea`: one variant per backstage
system, live channel and pool failing at the busiest hour for its typical repair
time, against a baseline without outages on common random numbers.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.commands.experiments import (
    EXECUTOR_HELP,
    REPS_HELP,
    WORKERS_HELP,
    check_out_dir,
    fmt,
    output_errors,
    planner_errors,
)
from sim.commands.interrupts import outputs_first


def fmea(
    file: Path = typer.Argument(..., help="Scenario file."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Folder for fmea.csv and fmea.json "
                                         "(default: out/fmea-<scenario>)."),
    replications: int | None = typer.Option(None, "--replications", "-n", min=2,
                                            help=REPS_HELP),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Failure modes and effects: what does each outage cost, and how often does it happen?

    Every backstage system, channel and pool fails in turn at the busiest hour for its
    typical repair time (mttr, default 1h). You get the extra resolution latency,
    recontacts and effort with 95% CIs, weighted by how often each fails (from mtbf),
    ranked. Saves fmea.csv and fmea.json.
    """
    from sim.experiment.fmea import FMEA_KPIS
    from sim.experiment.fmea import fmea as run_fmea
    from sim.scenario import load

    out_dir = out if out is not None else Path("out") / f"fmea-{file.stem}"
    check_out_dir(out_dir)
    with planner_errors():
        scenario = load(file)
        result = run_fmea(scenario, replications=replications, executor=executor,
                          workers=workers, progress=not quiet)
    with output_errors(out_dir), outputs_first(out_dir):
        result.write(out_dir)
    if not quiet:
        from rich.table import Table

        from sim.commands.display import console

        table = Table(title=f"FMEA — {scenario.name} (paired differences vs no outage, 95% CI)")
        for col in ("#", "failure mode", "at", "for", "per year", *FMEA_KPIS, "score"):
            table.add_column(col, justify="left" if col in ("failure mode", "at") else "right")
        for r in result.table.itertuples(index=False):
            row = r._asdict()
            cells = [f"{fmt(k, row[f'{k}_diff'])} [{fmt(k, row[f'{k}_ci_low'])}, "
                     f"{fmt(k, row[f'{k}_ci_high'])}]" for k in FMEA_KPIS]
            per_year = f"{row['per_year']:.3g}" + ("*" if row["per_year_assumed"] else "")
            table.add_row(str(row["rank"]), f"{row['kind']}:{row['target']}", row["at"],
                          fmt("duration_s", row["duration_s"]), per_year, *cells,
                          f"{row['score']:.2f}")
        console().print(table)
        for note in result.notes:
            print(f"note: {note}")
    print(f"analysed {len(result.table)} failure modes, {result.replications} paired "
          f"replications each, in {result.wall_s:.1f} s → {out_dir}")


def register(app: typer.Typer) -> None:
    """Add ``fmea`` to the app."""
    app.command("fmea")(fmea)
