"""``servicesim validate FILE``: check a scenario and summarise what it describes."""

from __future__ import annotations

from pathlib import Path

import typer

from sim.commands.display import error


def validate(
    file: Path = typer.Argument(..., help="Scenario file (YAML) to check."),
) -> None:
    """Check a scenario file and print a one-screen summary of what it describes."""
    from sim.scenario import ScenarioError, describe, load

    try:
        scenario = load(file)
    except ScenarioError as exc:
        error(exc)
        raise typer.Exit(2) from None
    print(describe(scenario))
    print("ok: the scenario is valid")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("validate")(validate)
