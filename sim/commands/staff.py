"""``servicesim staff FILE --target ...``: how many agents, interval by interval.

Thin wrapper over :func:`sim.experiment.staffing.staff`: parse the options, run the
search, print the Erlang and simulated answers side by side with rich, save
``staffing.csv`` / ``staffing.json`` and, with ``--write``, the staffed scenario.
Every planner mistake (a scenario error, a malformed target, an unknown pool) is
one ``error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import typer

from sim.commands.display import assemble, error, styled
from sim.commands.display import console as make_console
from sim.commands.experiments import EXECUTOR_HELP, SCHEDULER_HELP, WORKERS_HELP
from sim.commands.interrupts import outputs_first

HELP = "\n\n".join([
    "How many agents do I need, interval by interval, to meet my targets?",
    "Starts from the Erlang formulas (per interval of the day, for the busiest day "
    "simulated), then simulates the scenario with that staffing and adjusts each interval, "
    "adding agents where a target is missed and removing them where it is met, until every "
    "interval meets every target with the fewest agents. The simulation includes what the "
    "formulas miss: callers hanging up, skills, agents on several channels, handoffs "
    "between teams.",
    "Example:  servicesim staff day.yaml -t 'service_level>=0.8' -t 'abandon_rate<=0.05'",
    "'service_level>=0.8' uses each channel's own answer time; write "
    "'service_level>=0.8 @20s' for another one. Other targets: 'asa_s<=30', "
    "'p_wait<=0.3', 'occupancy<=0.85'. Demand without an intraday profile gets one head "
    "count for the whole day (a team size).",
    "Each team is judged on the traffic it serves, channel by channel; a target counts "
    "as met only when its whole 95% confidence interval over replications is on the right "
    "side (the lower bound for '>=', the upper bound for '<=').",
    "Head counts are rostered (paid) agents: a team's shrinkage, breaks, absence and "
    "adherence stay in every candidate (a team with shifts has them moved onto the team; "
    "a note says what was carried and how).",
    "Saves staffing.csv and staffing.json (both answers side by side, with the KPIs each "
    "achieved); --write saves the scenario with the planned staffing. When the plan still "
    "misses a target the command says so, does not write the scenario and exits with "
    "status 1, unless --write-anyway.",
])

#: Exit status of a plan that misses its targets (2 is for mistakes in the input).
MISSES_TARGETS = 1


def _fail(message: str) -> typer.Exit:
    error(message)
    return typer.Exit(2)


#: Short column heads for the KPIs of targets.
HEADS = {"service_level": "SL", "abandon_rate": "abandon", "asa_s": "ASA",
         "mean_wait_s": "mean wait", "p_wait": "P(wait)", "occupancy": "occupancy"}


def _cell(kpi: str, mean: Any, lo: Any = None, hi: Any = None) -> str:
    """``88.3%`` or, with a CI, ``88.3% ±4.1`` (half-width in the KPI's unit)."""
    if mean is None or not isinstance(mean, float) or not math.isfinite(mean):
        return "–"
    share = not kpi.endswith("_s")
    text = f"{100 * mean:.1f}%" if share else f"{mean:.1f} s"
    if isinstance(lo, float) and math.isfinite(lo) and isinstance(hi, float):
        half = (hi - lo) / 2
        text += f" ±{100 * half:.1f}" if share else f" ±{half:.1f}"
    return text


def _missed(meets: Any) -> bool:
    """A verdict that says "misses" (missing verdicts, for unmeasured intervals, do not)."""
    import pandas as pd

    return meets is not None and meets is not pd.NA and not bool(meets)


def print_plan(plan: Any) -> None:
    """Print the plan: per pool, Erlang and simulation head counts and KPIs per interval."""
    from rich.table import Table

    from sim.experiment.staffing import goal_columns

    console = make_console()
    both = plan.side_by_side()
    cols = goal_columns(plan.goals)
    for pool in plan.pools:
        rows = both[(both["pool"] == pool) & both["judged"]]
        table = Table(title=f"{pool}: agents {'all day' if plan.flat else 'per interval'}",
                      caption=f"load in Erlangs; KPIs simulated ({plan.replications} "
                              "replications) with each staffing; red: misses a target")
        table.add_column("interval", no_wrap=True)
        table.add_column("load", justify="right", no_wrap=True)
        table.add_column("agents\nErlang", justify="right", min_width=6)
        table.add_column("agents\nsim", justify="right", style="bold", min_width=6)
        for c in cols:
            head = HEADS.get(c.split("@")[0], c) + ("@" + c.split("@")[1] if "@" in c else "")
            table.add_column(f"{head}\nErlang", justify="right")
            table.add_column(f"{head}\nsim ±95%", justify="right")
        for r in rows.to_dict(orient="records"):
            cells = [r["clock"], f"{r['offered_load']:.1f}", str(r["erlang_agents"]),
                     str(r["sim_agents"])]
            for c in cols:
                kpi = c.split("@")[0]
                miss_e, miss_s = _missed(r["erlang_meets"]), _missed(r["sim_meets"])
                e = _cell(kpi, r[f"erlang_{c}"])
                s = _cell(kpi, r[f"sim_{c}"], r[f"sim_{c}_ci_low"], r[f"sim_{c}_ci_high"])
                cells += [styled(e, "red" if miss_e else ""), styled(s, "red" if miss_s else "")]
            table.add_row(*cells)
        console.print(table)
    e, s = plan.erlang_agent_hours, plan.agent_hours
    change = f" ({100 * (s - e) / e:+.1f}%)" if e else ""
    console.print(assemble("agent-hours per day: simulation ", (f"{s:,.1f}", "bold"),
                           f", Erlang {e:,.1f}{change}  ·  targets: "
                           f"{', '.join(map(str, plan.goals))}"))
    for note in plan.notes:
        console.print(f"note: {note}")
    console.print(f"rule: {plan_rule()}")


def plan_rule() -> str:
    """The confidence rule the verdicts follow, in words."""
    from sim.experiment.staffing import CONFIDENCE_RULE

    return CONFIDENCE_RULE


def verdict(plan: Any) -> str:
    """One line: does the plan meet its targets when simulated?"""
    judged = int(plan.table["judged"].sum())
    if plan.meets_targets:
        return (f"the plan meets every target in all {judged} measured team-intervals "
                f"when simulated ({plan.replications} replications, 95% bound)")
    return (f"THE PLAN MISSES ITS TARGETS in {plan.misses} of {judged} measured "
            "team-intervals when simulated (95% bound); raise --max-rounds or "
            "--replications, or check the targets")


def staff(
    file: Path = typer.Argument(..., help="Scenario file (YAML) to staff."),
    target: list[str] = typer.Option(
        ..., "--target", "-t",
        help="A target every interval must meet; repeat for several: "
             "'service_level>=0.8' (each channel's answer time) or 'service_level>=80% @20s', "
             "'abandon_rate<=0.05', 'asa_s<=30', 'p_wait<=0.3', 'occupancy<=0.85'."),
    pool: list[str] | None = typer.Option(
        None, "--pool", "-p", help="Only plan this team (repeatable); the others keep "
                                   "their staffing. Default: every team."),
    replications: int | None = typer.Option(
        None, "--replications", "-n", min=2,
        help="Simulated days (replications) per candidate; more gives firmer answers. "
             "Default: the file's."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Folder for staffing.csv and staffing.json "
                                         "(default: out/<file name>)."),
    write: Path | None = typer.Option(None, "--write", "-w",
                                      help="Save the scenario with the planned staffing "
                                           "(a schedule) to this file; comments are kept."),
    erlang: str = typer.Option("auto", "--erlang",
                               help="Formula for the starting point: 'auto' (Erlang A where "
                                    "callers hang up, else Erlang C) or 'c' (always Erlang C)."),
    write_anyway: bool = typer.Option(
        False, "--write-anyway",
        help="Write the scenario (--write) and exit 0 even when the plan misses a target."),
    max_rounds: int = typer.Option(30, "--max-rounds", min=1,
                                   help="Most staffing candidates to simulate."),
    executor: str = typer.Option("processes", "--executor", help=EXECUTOR_HELP),
    workers: int | None = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the final line."),
) -> None:
    """Fewest agents per interval that meet every target, by simulation."""
    from sim.commands.experiments import planner_errors
    from sim.experiment.staffing import StaffingError, parse_goal, write_scenario
    from sim.experiment.staffing import staff as staff_search
    from sim.scenario import load

    def log(line: str) -> None:
        if not quiet:
            print(line, file=sys.stderr)

    try:
        goals = [parse_goal(t) for t in target]
        with planner_errors():
            scenario = load(file)
            plan = staff_search(scenario, goals, pools=pool, replications=replications,
                                executor=executor, workers=workers, scheduler=scheduler,
                                erlang=erlang, max_rounds=max_rounds, log=log)
            dest = out if out is not None else Path("out") / file.stem
            failed = not plan.meets_targets
            with outputs_first(dest):
                out_dir = plan.write(dest)
                if write is not None and (write_anyway or not failed):
                    write_scenario(plan, file, write)
    except StaffingError as exc:
        raise _fail(str(exc)) from None
    if not quiet:
        print_plan(plan)
    if failed:
        error(verdict(plan))
    else:
        print(verdict(plan))
    extra = ""
    if write is not None:
        extra = (f"; staffed scenario → {write}" if write_anyway or not failed
                 else f"; {write} NOT written (--write-anyway writes it)")
    print(f"planned {', '.join(plan.pools)} in {plan.rounds} simulated candidates "
          f"({plan.wall_s:.1f} s) → {out_dir / 'staffing.csv'}{extra}")
    if failed and not write_anyway:
        raise typer.Exit(MISSES_TARGETS)


def register(app: typer.Typer) -> None:
    """Add the ``staff`` command to the app."""
    app.command("staff", help=HELP)(staff)
