"""The planner-facing contract: the scenario schema, YAML loading with located,
plain-worded errors, units, distributions, changes by field path, and a summary.

>>> from sim.scenario import load, describe
>>> scenario = load("scenarios/erlang_c.yaml")   # doctest: +SKIP
>>> print(describe(scenario))                     # doctest: +SKIP
"""

from sim.scenario.describe import describe
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load, load_text
from sim.scenario.paths import apply_changes, get_path, scenario_hash
from sim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_changes",
    "describe",
    "get_path",
    "load",
    "load_text",
    "scenario_hash",
]
