"""Experiments: replications, executors, comparisons and sweeps.

* :func:`run` — N replications of one scenario (or until a precision target is
  met), summarised with 95% CIs, written as the output contract;
* :func:`compare` — baseline and variants on common random numbers, paired
  differences with verdicts;
* :func:`sweep` — a grid of settings, resumable point by point.

Replications run on an executor (:mod:`sim.experiment.executors`): in-process,
a local process pool, or a Dask cluster, with identical results on all of them.

The functions ``compare`` and ``sweep`` re-exported here share their names with
their modules; to reach a module itself (e.g. to patch it) use
``importlib.import_module("sim.experiment.sweep")``.
"""

from __future__ import annotations

from sim.experiment.compare import (
    DEFAULT_GROUPS,
    CompareError,
    Comparison,
    compare,
    parse_groups,
)
from sim.experiment.executors import EXECUTORS, ExecutorError
from sim.experiment.grid import GridError, parse_overrides, parse_set, parse_sets
from sim.experiment.precision import PrecisionError
from sim.experiment.results import Results
from sim.experiment.runner import run
from sim.experiment.sweep import SweepError, SweepInterrupted, sweep

__all__ = [
    "DEFAULT_GROUPS",
    "EXECUTORS",
    "CompareError",
    "Comparison",
    "ExecutorError",
    "GridError",
    "PrecisionError",
    "Results",
    "SweepError",
    "SweepInterrupted",
    "compare",
    "parse_groups",
    "parse_overrides",
    "parse_set",
    "parse_sets",
    "run",
    "sweep",
]
