"""The ``servicesim`` command line: parse arguments, call the library, print.

Every command lives in a small module under :mod:`sim.commands` that registers
itself on the Typer app; this file only assembles them. Scenario mistakes are
printed as one line and exit with status 2, never as a traceback; Ctrl-C at any
moment prints one ``interrupted`` line and exits with status 130.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType


def _is_program() -> bool:
    """True when this process is the ``servicesim`` program (not a test importing it)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name in ("sim", "sim.__main__"):
        return True
    script = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv else "")
    return Path(str(script)).name.startswith("servicesim")


def _interrupted_at_start(signum: int, frame: FrameType | None) -> None:
    # Ctrl-C while the program is still importing: nothing has been done yet
    sys.stderr.write("interrupted: nothing was written\n")
    os._exit(130)


if _is_program() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_at_start)  # until main() starts

import typer  # noqa: E402 - after the Ctrl-C guard, the imports take a while

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
    from sim.commands.interrupts import interrupted_by_user
    from sim.scenario.errors import ScenarioError

    if signal.getsignal(signal.SIGINT) is _interrupted_at_start:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        app()
    except ScenarioError as exc:
        error(exc)
        sys.exit(2)
    except SystemExit as exc:
        if interrupted_by_user(exc):  # Ctrl-C outside every command's own handling
            print("interrupted", file=sys.stderr)
        if exc.code == 130:
            _leave_now()
        if _is_program():
            # done: a Ctrl-C during the interpreter's teardown would otherwise kill it
            # with the default action (no message, "exit -2") after a complete run
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        _leave_now()
        sys.exit(130)


def _leave_now() -> None:
    """After Ctrl-C, exit 130 at once, skipping the interpreter's exit hooks: the
    outputs are complete or absent by now, and a worker pool stopped in the middle of
    its shutdown can make those hooks wait for ever (or fail on a closed pipe)."""
    if not _is_program():  # a test calling main() in-process keeps its interpreter
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(130)
