"""``servicesim fmea``: which failure hurts most? Failure modes rated and ranked by RPN.

A thin wrapper over :func:`sim.experiment.fmea.fmea`: one variant per backstage
system, live channel and pool failing at the busiest hour for its typical repair
time, against a baseline without outages on common random numbers; rated
severity x occurrence x detection (:mod:`sim.experiment.fmea_scoring`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from sim.commands.experiments import (
    EXECUTOR_HELP,
    REPS_HELP,
    WORKERS_HELP,
    check_out_dir,
    output_errors,
    planner_errors,
)
from sim.commands.interrupts import outputs_first


def _parse_detection(texts: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for text in texts:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            target, sep, value = part.partition("=")
            if not sep or not target.strip() or not value.strip().isdigit():
                raise typer.BadParameter(f"{part!r}: give TARGET=N with N a whole number "
                                         "1-10 (1: caught before customers feel it, "
                                         "10: not caught)", param_hint="--detection")
            out[target.strip()] = int(value)
    return out


def fmea(
    file: Path = typer.Argument(..., help="Scenario file."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Folder for fmea.csv and fmea.json "
                                         "(default: out/fmea-<scenario>)."),
    replications: int | None = typer.Option(None, "--replications", "-n", min=2,
                                            help=REPS_HELP),
    only: list[str] = typer.Option([], "--only", metavar="TARGET",
                                   help="Only this failure mode (repeatable)."),
    detection: list[str] = typer.Option(
        [], "--detection", "-d", metavar="TARGET=N",
        help="Detection rating 1-10 of a target (1: caught before customers feel it, "
             "10: not caught; default 1). Repeatable or comma-separated."),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Failure modes and effects: what does each outage cost customers, how often, ranked.

    Every backstage system, channel and pool fails in turn at its busiest hour for its
    typical repair time (mttr, default 1h), against a baseline without outages on
    common random numbers. Per occurrence you get the customers lost (journeys ended
    unresolved), abandoned and blocked contacts, extra resolution latency, recontacts
    and effort with 95% CIs, and the FMEA ratings: severity (1-10, customers lost
    first), occurrence (1-10, from mtbf; default once a year), detection (1-10, yours
    with --detection; default 1) and RPN = S x O x D, highest risk first. Saves
    fmea.csv and fmea.json (with the scales).
    """
    from sim.experiment.fmea import fmea as run_fmea
    from sim.scenario import load

    detections = _parse_detection(detection)
    out_dir = out if out is not None else Path("out") / f"fmea-{file.stem}"
    check_out_dir(out_dir)
    with planner_errors():
        scenario = load(file)
        result = run_fmea(scenario, replications=replications, executor=executor,
                          workers=workers, progress=not quiet, targets=only or None,
                          detection=detections)
    with output_errors(out_dir), outputs_first(out_dir):
        result.write(out_dir)
    if not quiet:
        _print_table(scenario.name, result)
    print(f"analysed {len(result.table)} failure modes, {result.replications} paired "
          f"replications each, in {result.wall_s:.1f} s → {out_dir}")


def _count(x: float) -> str:
    return "–" if x != x else f"{x:+,.0f}"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}min"


def _print_table(name: str, result: Any) -> None:
    from rich import box
    from rich.table import Table

    from sim.commands.display import console

    table = Table(title=f"FMEA — {name}: per occurrence vs no outage",
                  box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False)
    right = ("lost", "%", "aband", "block", "S", "O", "D", "RPN")
    for col in ("#", "failure mode", "when", *right):
        table.add_column(col, justify="right" if col in right or col == "#" else "left",
                         no_wrap=col != "failure mode", overflow="fold")
    for r in result.table.itertuples(index=False):
        row = r._asdict()
        half = (row["lost_ci_high"] - row["lost_ci_low"]) / 2
        lost = _count(row["lost_diff"]) + ("" if half != half else f" ±{half:,.0f}")
        table.add_row(str(row["rank"]), f"{row['kind']}:{row['target']}",
                      f"{row['at']} {_hours(row['duration_s'])}", lost,
                      f"{100 * row['lost_share']:.0f}%", _count(row["abandoned_diff"]),
                      _count(row["blocked_diff"]),
                      str(row["severity"]) + ("!" if row["act_anyway"] else ""),
                      str(row["occurrence"]) + ("*" if row["per_year_assumed"] else ""),
                      str(row["detection"]) + ("*" if row["detection_assumed"] else ""),
                      str(row["rpn"]))
    console().print(table)
    print("lost ± 95% CI: customers whose journey ended unresolved, beyond the baseline "
          "(%: of those who came while it was down; in S only when significant); aband, "
          "block: extra abandoned and blocked contacts. S severity 1-10 (! 9+: act "
          "whatever the RPN), O occurrence, D detection, RPN = S x O x D; * assumed. "
          "Scales, latency, recontacts, effort: fmea.json / fmea.csv.")
    for note in result.notes:
        print(f"note: {note}")


def register(app: typer.Typer) -> None:
    """Add ``fmea`` to the app."""
    app.command("fmea")(fmea)
