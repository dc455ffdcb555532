"""Each input here once crashed, hung or garbled a run; each is now refused (or read)
cleanly. Found by the fuzzers and probes of this folder.

* values that passed validation, then crashed or hung the engine: NaN / infinite
  numbers (day factors, profile weights, costs, proficiencies), a reporting
  interval of zero or 1e-300 s, a start on day 10^20;
* YAML that crashed the loader: thousands of nested '[' / '{' or indented keys
  (RecursionError, and minutes of scanning first), integers of thousands of digits
  (Python refuses to print them), control characters (no line named);
* error lines a megabyte long (a long value quoted in full);
* folded text (``>``) read with a stray BEL character at every fold;
* ``--out`` naming a file: a traceback after the whole run.
"""

from __future__ import annotations

import time
from pathlib import Path
from unittest import mock

import pytest

from sim.scenario import ScenarioError, load, load_text
from tests.robustness.fuzzing import cli_outcome
from tests.scenario.helpers import MINIMAL, replace

WEIGHTS = "[" + ", ".join(["1"] * 23) + ", {w}]"

REFUSED = {
    "NaN day factor": ("rate: 45/min}", "rate: 45/min, day_factors: {Mon: .nan}}"),
    "infinite day factor": ("rate: 45/min}", "rate: 45/min, day_factors: {Sat: .inf}}"),
    "NaN profile weight": ("rate: 45/min}", "rate: 45/min, profile: {interval: 1h, weights: "
                           + WEIGHTS.format(w=".nan") + "}}"),
    "infinite cost": ("size: 50,", "size: 50, cost_per_hour: .inf,"),
    "infinite proficiency": ("size: 50,", "size: 50, skills: {general: .inf},"),
    "zero interval": ("warmup: 5h", "warmup: 5h\ninterval: 0"),
    "tiny interval": ("warmup: 5h", "warmup: 5h\ninterval: 1e-300s"),
    "far-off start": ("warmup: 5h", "warmup: 5h\nstart: day 99999999999999999999 09:00"),
    "absurd start": ("warmup: 5h", "warmup: 5h\nstart: day " + "9" * 5000 + " 09:00"),
    "5000-digit hex": ("size: 50", "size: 0x" + "f" * 5000),
    "5000-digit int": ("seed: 7", "seed: " + "9" * 5000),
    "control character": ("Erlang C check", "Erlang C\x07 check"),
    "NUL character": ("Erlang C check", "Erlang\x00C check"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_once_accepted_or_crashing_values_are_clean_errors(case: str, tmp_path: Path) -> None:
    old, new = REFUSED[case]
    path = tmp_path / "s.yaml"
    path.write_text(replace(MINIMAL, old, new))
    with pytest.raises(ScenarioError) as info:
        load(path)
    err = info.value
    assert err.line is not None and str(err).startswith(f"{path}:{err.line}: ")
    assert "\n" not in str(err) and len(str(err)) < 500, str(err)
    assert cli_outcome(path).kind == "clean"


NESTING = {
    "20000 '['": "description: " + "[" * 20000 + "]" * 20000 + "\n",
    "5000 '{a: '": "description: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
    "600 indented keys": "x:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(600)),
    "400 nested '-'": "x:\n" + "".join(" " * (2 * i + 1) + "-\n" for i in range(400)),
}


@pytest.mark.parametrize("case", list(NESTING))
def test_deep_nesting_is_refused_quickly(case: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(MINIMAL + NESTING[case])
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError, match="nested too deeply|too many values") as info:
        load(path)
    assert time.perf_counter() - t0 < 1.0
    assert info.value.line is not None and info.value.line >= 18
    assert cli_outcome(path).kind == "clean"


@pytest.mark.parametrize("field", ["horizon", "dist", "kind"])
def test_a_long_value_makes_a_short_error_line(field: str) -> None:
    long = "1" * 100_000 + "x"
    text = {"horizon": replace(MINIMAL, "horizon: 200h", f"horizon: {long}"),
            "dist": MINIMAL.replace("dist: exponential, mean: 1min", f"dist: {long}, mean: 1m"),
            "kind": replace(MINIMAL, "kind: voice", f"kind: {long}")}[field]
    with pytest.raises(ScenarioError) as info:
        load_text(text, file="s.yaml")
    assert len(str(info.value)) < 400 and "..." in str(info.value), str(info.value)[:500]


def test_folded_text_reads_without_stray_characters() -> None:
    text = replace(MINIMAL, "name: Erlang C check", "name: >-\n  Erlang C\n  check\n"
                   "description: >\n  first\n  line\n\n  second")
    scenario = load_text(text)
    assert scenario.name == "Erlang C check"
    assert scenario.description == "first line\nsecond\n"
    assert "\a" not in load(Path(__file__).parents[2] / "scenarios/chatbot_rollout.yaml"
                            ).description


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_out_naming_a_file_is_one_error_line_before_any_work(command: str,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(replace(MINIMAL, "horizon: 200h", "horizon: 1h"))
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    extra = {"run": [], "compare": [str(path)], "sweep": ["--set", "pools.agents.size=50,51"]}
    work = mock.Mock(side_effect=AssertionError("the experiment started"))
    for out in (blocker, blocker / "sub"):
        args = [command, str(path), *extra[command], "--out", str(out), "--executor",
                "serial", "-n", "2", "--quiet"]
        with mock.patch(f"sim.experiment.{command}", work):
            outcome = cli_outcome(blocker, args)  # the error names the file in the way
        assert outcome.kind == "clean", outcome.detail
        assert "is a file, not a folder" in outcome.detail
    assert not work.called
    assert blocker.read_text() == "not a folder"
