"""The ``servicesim`` command line: parse arguments, call the library, print.

Every command lives in a small module under :mod:`sim.commands` that registers
itself on the Typer app; this file only assembles them. Scenario mistakes are
printed as one line and exit with status 2, never as a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="servicesim",
    help=(
        "Simulate a customer-service operation before you change it: channels, "
        "agent pools, journeys, backstage outages. Start with "
        "'servicesim run scenarios/quickstart.yaml'."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command modules, each exposing ``register(app)``.
COMMAND_MODULES = (
    "sim.commands.validate",
    "sim.commands.experiments",
    "sim.commands.erlang",
    "sim.commands.staff",
    "sim.commands.calibrate",
    "sim.commands.fmea",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command still being built
            if exc.name != name:
                raise
            continue
        module.register(app)


_register_all()


def main() -> None:
    """Entry point of the ``servicesim`` console script."""
    from sim.commands.display import error
    from sim.scenario.errors import ScenarioError

    try:
        app()
    except ScenarioError as exc:
        error(exc)
        sys.exit(2)
