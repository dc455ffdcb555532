"""``servicesim validate FILE``: check a scenario and summarise what it describes.

Settings that are valid but probably not what the planner meant (a failover rule
for a channel that never goes down) are printed as ``warning: ...`` lines on
stderr; they do not make the check fail (exit 0).
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim.commands.display import error, one_line


def validate(
    file: Path = typer.Argument(..., help="Scenario file (YAML) to check."),
) -> None:
    """Check a scenario file and print a one-screen summary of what it describes."""
    import sys

    from sim.scenario import ScenarioError, describe, load
    from sim.scenario.describe_ops import scenario_warnings

    try:
        scenario = load(file)
    except ScenarioError as exc:
        error(exc)
        raise typer.Exit(2) from None
    print(describe(scenario))
    warnings = scenario_warnings(scenario)
    for text in warnings:
        print(f"warning: {one_line(text)}", file=sys.stderr)
    print("ok: the scenario is valid" + (f" ({len(warnings)} warning(s) above)"
                                         if warnings else ""))


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("validate")(validate)
