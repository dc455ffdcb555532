"""The Python API for notebooks: load, run, compare, sweep.

These thin functions accept a scenario *or a path to a scenario file* wherever a
scenario is expected, and otherwise pass their keywords to
:mod:`sim.experiment`::

    import sim
    base = sim.load("scenarios/retail_bank.yaml")
    res = sim.run(base, replications=20, executor="serial")
    res.summary.query("group == 'all'")
    cmp = sim.compare([base, base.with_changes({"pools.tier1.size": 45})])
    cmp.verdicts()
    table = sim.sweep(base, {"pools.tier1.size": "40:60:5"}, "out/sweep")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.compare import Comparison
from sim.experiment.results import Results
from sim.scenario.schema import Scenario

ScenarioLike = Scenario | str | Path

__all__ = ["compare", "load", "run", "sweep"]


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Raises
    ------
    sim.scenario.ScenarioError
        With file, line and field of the first mistake.
    """
    from sim.scenario import load as _load

    return _load(path)


def _scenario(s: ScenarioLike) -> Scenario:
    return s if isinstance(s, Scenario) else load(s)


def run(scenario: ScenarioLike, **kw: Any) -> Results:
    """Run replications of a scenario (object or file) and return :class:`Results`.

    Keywords are those of :func:`sim.experiment.runner.run` (``replications``,
    ``executor``, ``workers``, ``scheduler``, ``progress``, ``keep_contacts``,
    ``precision``, ``max_replications``, ``overrides`` such as ``{"horizon": "2d"}``).
    """
    from sim.experiment.runner import run as _run

    return _run(_scenario(scenario), **kw)


def compare(scenarios: Sequence[ScenarioLike], **kw: Any) -> Comparison:
    """Compare a baseline (first) with variants on common random numbers.

    Keywords are those of :func:`sim.experiment.compare.compare`.
    """
    from sim.experiment.compare import compare as _compare

    return _compare([_scenario(s) for s in scenarios], **kw)


def sweep(
    scenario: ScenarioLike,
    grid: Mapping[str, Sequence[Any] | str],
    out_dir: str | Path,
    **kw: Any,
) -> pd.DataFrame:
    """Sweep a scenario over a grid of settings; return the tidy KPI table.

    Keywords are those of :func:`sim.experiment.sweep.sweep`.
    """
    from sim.experiment.sweep import sweep as _sweep

    return _sweep(_scenario(scenario), grid, out_dir, **kw)
