"""Shared helpers of the robustness tests: scenario files for real command-line runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sim.scenario import load
from tests.robustness.strategies import dump_yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def write_scenario(dest: Path, example: str, **changes: Any) -> Path:
    """Write ``scenarios/<example>.yaml`` with ``changes`` (dotted paths) to ``dest``."""
    scenario = load(SCENARIOS / f"{example}.yaml").with_changes(
        {k.replace("__", "."): v for k, v in changes.items()})
    dest.write_text(dump_yaml(scenario.raw), encoding="utf-8")
    return dest


def cli_env(**extra: str) -> dict[str, str]:
    """Environment of a ``python -m sim`` child: this checkout first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


#: ``servicesim`` without the HTML report (matplotlib makes it 1-3 s of a short run):
#: the console script's entry point, with the report writer switched off.
NO_REPORT = (
    "import sys, sim.experiment.results as r; r.report_writer = lambda name: None; "
    "sys.argv[0] = 'servicesim'; from sim.cli import main; main()"
)


def start_cli(*args: str | Path, report: bool = True, **env: str) -> subprocess.Popen[bytes]:
    """Start ``python -m sim ARGS`` in a child process (its own session); with
    ``report=False`` the same command line without the HTML report."""
    head = ["-m", "sim"] if report else ["-c", NO_REPORT]
    return subprocess.Popen([sys.executable, *head, *map(str, args)], cwd=ROOT,
                            env=cli_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[int, str, str]:
    """Wait for a child; its exit code, stdout and stderr."""
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
