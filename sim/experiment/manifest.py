"""Manifests: every output directory says what made it.

``manifest.json`` records the scenario (name, content hash, seed), how it was run
(replications, executor, workers, command line, wall time, timestamp) and with what
(package, Python, numpy, SimPy, pandas versions), so a result found on a shared
drive months later can be traced and reproduced. Everything that varies between
identical reruns (time stamps, wall time, executor) lives here and never in
``summary.json``, which stays byte-identical for the same scenario and seed.
"""

from __future__ import annotations

import platform
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario


def scenario_fingerprint(scenario: Scenario) -> str:
    """The scenario's content hash (``sim.scenario.scenario_hash``)."""
    from sim.scenario import scenario_hash

    return str(scenario_hash(scenario))


def default_command() -> str:
    """The command line of this process, as a shell would show it."""
    argv = list(sys.argv)
    prog = argv[0].replace("\\", "/") if argv else ""
    # The console script, or ``python -m sim`` (whose argv[0] is sim/__main__.py);
    # not any other ``python -m`` tool (pytest's argv[0] is also a __main__.py).
    if prog.endswith(("/servicesim", "sim/__main__.py")) or prog == "servicesim":
        argv[0] = "servicesim"
        return shlex.join(argv)
    return "python API (" + shlex.join(argv[:1]) + ")" if argv else "python API"


def versions() -> dict[str, str]:
    """Versions of the package and of the libraries that shape its numbers."""
    import simpy

    import sim

    return {
        "servicesim": str(getattr(sim, "__version__", "unknown")),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": str(getattr(simpy, "__version__", "unknown")),
        "pandas": pd.__version__,
    }


def build_manifest(
    scenario: Scenario,
    *,
    kind: str,
    replications: int,
    wall_s: float,
    executor: dict[str, Any],
    command: str | None = None,
    files: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest of one output directory.

    Parameters
    ----------
    scenario
        The scenario run (for a comparison or sweep: the baseline / base scenario).
    kind
        ``"run"``, ``"compare"`` or ``"sweep"``.
    replications
        Replications per scenario.
    wall_s
        Elapsed wall-clock seconds.
    executor
        Executor facts (``Session.describe()``).
    command
        The command line; default: this process's ``sys.argv``.
    files
        Names of the files written next to the manifest.
    extra
        Kind-specific additions (stopping report, variants, grid, ...).
    """
    v = versions()
    manifest: dict[str, Any] = {
        "kind": kind,
        "scenario": scenario.name,
        "scenario_hash": scenario_fingerprint(scenario),
        "seed": scenario.seed,
        "replications": int(replications),
        "horizon_s": scenario.horizon,
        "warmup_s": scenario.warmup,
        "version": v["servicesim"],
        "command": command if command is not None else default_command(),
        "wall_s": round(float(wall_s), 3),
        **{k: val for k, val in executor.items()},
        "versions": v,
        "platform": platform.platform(),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if files is not None:
        manifest["files"] = sorted(files)
    if extra:
        manifest.update(extra)
    return manifest


def report_writer(name: str) -> Callable[..., Any] | None:
    """``sim.report.<name>`` if the report module offers it (yet), else ``None``.

    Reports are optional: without :mod:`sim.report` (or with an older one) the
    data files and manifest are still written, just without ``report.html``.
    """
    try:
        import sim.report as report
    except ImportError:
        return None
    fn = getattr(report, name, None)
    return fn if callable(fn) else None
