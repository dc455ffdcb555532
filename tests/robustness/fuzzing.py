"""The oracle of the CLI fuzz tests and of the fuzz table: feed one file to the
library and to ``servicesim validate`` and classify what happened.

A file must give either a valid :class:`~sim.scenario.Scenario` (and ``validate``
exits 0 with nothing on stderr) or exactly one clean :class:`ScenarioError`: its
text is one line that starts with the file's name, and ``validate`` exits 2 with
exactly one stderr line starting with ``error:``. Anything else (another
exception, a traceback, a multi-line or nameless message, library and CLI
disagreeing) is a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from click.testing import CliRunner

from sim.cli import app
from sim.scenario import ScenarioError, load
from tests.robustness.strategies import CANARY

#: A clean message is one line, and short enough to read in a CI log.
MAX_MESSAGE = 2000

runner = CliRunner()
#: ``sim.cli.app`` as the click command that typer's own CliRunner would build on
#: every call (built once here: that saves ~10 ms per invocation).
COMMAND = typer.main.get_command(app)


def invoke(args: list[str]):  # noqa: ANN201 - click's Result
    """Run the command line in-process, as ``typer.testing.CliRunner().invoke(app, args)``."""
    return runner.invoke(COMMAND, args)


@dataclass
class Outcome:
    """What one file did: ``valid``, ``clean`` (one ScenarioError line) or ``crash``."""

    kind: str
    located: bool = False
    """A clean error that names a line."""
    detail: str = ""


def library_outcome(path: Path) -> Outcome:
    """Load ``path`` with the library and classify the result."""
    try:
        load(path)
    except ScenarioError as err:
        text = str(err)
        problems = []
        if "\n" in text or "\r" in text:
            problems.append("message spans several lines")
        if not text.startswith(str(path)):
            problems.append("message does not start with the file name")
        if len(text) > MAX_MESSAGE:
            problems.append(f"message is {len(text)} characters long")
        if err.line is not None and err.line < 1:
            problems.append(f"line {err.line}")
        if problems:
            return Outcome("crash", detail="; ".join(problems) + f": {text[:300]!r}")
        return Outcome("clean", located=err.line is not None, detail=text[:300])
    except BaseException as exc:  # noqa: BLE001 - any other exception is the finding
        return Outcome("crash", detail=f"{type(exc).__name__}: {str(exc)[:300]}")
    return Outcome("valid")


def cli_outcome(path: Path, args: list[str] | None = None) -> Outcome:
    """Run ``servicesim validate FILE`` (or other ``args``) in-process and classify."""
    result = invoke(args or ["validate", str(path)])
    everything = result.stdout + result.stderr
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        return Outcome("crash", detail=f"{type(exc).__name__}: {str(exc)[:300]}")
    if "Traceback" in everything:
        return Outcome("crash", detail="a traceback was printed")
    lines = result.stderr.splitlines()
    if result.exit_code == 0:
        if result.stderr:
            return Outcome("crash", detail=f"exit 0 but stderr: {result.stderr[:300]!r}")
        return Outcome("valid")
    if result.exit_code == 2:
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return Outcome("crash", detail=f"exit 2 but stderr: {result.stderr[:300]!r}")
        if str(path) not in lines[0]:
            return Outcome("crash", detail=f"the error does not name the file: {lines[0]!r}")
        return Outcome("clean", detail=lines[0][:300])
    return Outcome("crash", detail=f"exit {result.exit_code}: {everything[-300:]!r}")


def check_file(path: Path, data: bytes) -> Outcome:
    """Write ``data`` to ``path``; the library's outcome, or ``crash`` if the CLI
    disagrees with it or a YAML tag ran code."""
    path.write_bytes(data)
    lib = library_outcome(path)
    cli = cli_outcome(path)
    for where in (Path.cwd(), path.parent):
        if (where / CANARY).exists():
            return Outcome("crash", detail=f"a YAML tag ran a command: {where / CANARY} exists")
    if cli.kind == "crash":
        return Outcome("crash", detail="CLI: " + cli.detail)
    if lib.kind != cli.kind and lib.kind != "crash":
        return Outcome("crash", detail=f"library says {lib.kind}, CLI says {cli.kind}: "
                                        f"{lib.detail or cli.detail}")
    return lib
