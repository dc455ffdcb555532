"""Safe limits, beyond ``tests/experiment/test_limits.py`` (which covers the 10^12
contacts refusal of the library and of a ``python -m sim run`` child): the check is
quick for any absurd size, the in-process command line refuses in well under a
second with one line and writes nothing, and:

* ``compare`` and ``sweep`` check the limits too;
* more than 1,000 replications, or more than 10 years of warm-up and horizon, are
  refused; settings beyond every bound (a rate of 1e308/s, a horizon of 1e200 h)
  are now located scenario errors instead.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import pytest

from sim.experiment.limits import RunTooLargeError, check_limits
from sim.scenario import ScenarioError, load_text
from tests.robustness.fuzzing import invoke

HUGE = """
name: huge
{extra}
horizon: {horizon}
replications: {reps}
channels: {{phone: {{kind: voice}}}}
demand: [{{channel: phone, rate: {rate}}}]
intents: {{general: {{handle_time: {{dist: exponential, mean: 1min}}}}}}
pools: {{agents: {{size: 50, channels: [phone]}}}}
"""

ABSURD = {
    "a trillion contacts": dict(horizon="1000d", reps=100, rate="10000000/d"),
    "10^4 replications of a long horizon": dict(horizon="3650d", reps=10000, rate="100/h"),
    "5,000 replications of an hour": dict(horizon="1h", reps=5000, rate="100/h"),
    "a year of the top rate": dict(horizon="365d", reps=1, rate="1000/s"),
    "20 years with the warm-up": dict(horizon="3650d", reps=1, rate="0/h",
                                      extra="warmup: 3650d"),
}

#: Once refused by the estimate, now by the scenario's own bounds (a located error).
OUT_OF_BOUNDS = {
    "an infinite rate": dict(horizon="1000d", reps=1, rate="1e308/s"),
    "a huge horizon": dict(horizon="1e200h", reps=1, rate="1/h"),
    "100,000 days without demand": dict(horizon="100000d", reps=1, rate="0/h"),
}


def huge(**kw: object) -> str:
    return HUGE.format(**{"extra": "", **kw})


@pytest.mark.parametrize("case", list(ABSURD))
def test_absurd_runs_are_refused_quickly(case: str) -> None:
    scenario = load_text(huge(**ABSURD[case]))
    t0 = time.perf_counter()
    with pytest.raises(RunTooLargeError) as info:
        check_limits(scenario)
    assert time.perf_counter() - t0 < 1.0
    text = str(info.value)
    assert "\n" not in text and "--allow-large" in text, text


@pytest.mark.parametrize("case", [
    c for c in ABSURD
])
def test_refusals_are_readable(case: str) -> None:
    with pytest.raises(RunTooLargeError) as info:
        check_limits(load_text(huge(**ABSURD[case])))
    assert len(str(info.value)) < 400, str(info.value)


def test_reasonable_runs_pass() -> None:
    est = check_limits(load_text(huge(horizon="8h", reps=10, rate="45/min")))
    assert est.contacts == pytest.approx(45 / 60 * 8 * 3600 * 10)


def test_cli_refuses_in_process_in_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(huge(**ABSURD["a trillion contacts"]))
    for executor in ("serial", "processes"):
        t0 = time.perf_counter()
        result = invoke(["run", str(path), "--executor", executor, "--out",
                         str(tmp_path / "out"), "--quiet"])
        elapsed = time.perf_counter() - t0
        assert result.exit_code == 2, result.stdout + result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "--allow-large" in lines[0]
        assert "Traceback" not in result.stdout + result.stderr
        assert not (tmp_path / "out").exists()
        assert elapsed < 1.0, f"{executor}: {elapsed:.2f} s"


def test_precision_caps_are_checked_too(tmp_path: Path) -> None:
    """With --precision the cap (not the first batch) is what is checked."""
    path = tmp_path / "big.yaml"
    path.write_text(huge(horizon="365d", reps=2, rate="2000/h"))  # 17.5 M contacts a rep
    result = invoke(["run", str(path), "--executor", "serial", "--out", str(tmp_path / "o"),
                     "--precision", "asa_s=1", "--max-replications", "10000", "--quiet"])
    assert result.exit_code == 2 and "--allow-large" in result.stderr


class WorkStarted(Exception):
    """Raised instead of starting workers: the run got past every check."""


def _no_workers(*args: object, **kwargs: object) -> None:
    raise WorkStarted


def test_compare_refuses_absurd_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("sim.experiment.compare")
    compare = module.compare
    monkeypatch.setattr(module, "open_session", _no_workers)
    scenario = load_text(huge(**ABSURD["a trillion contacts"]))
    with pytest.raises(RunTooLargeError):
        compare([scenario, scenario.with_changes({"pools.agents.size": 60})])


def test_sweep_refuses_absurd_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = importlib.import_module("sim.experiment.sweep")
    sweep = module.sweep
    monkeypatch.setattr(module, "open_session", _no_workers)
    scenario = load_text(huge(**ABSURD["a trillion contacts"]))
    with pytest.raises(RunTooLargeError):
        sweep(scenario, {"pools.agents.size": [50, 60]}, tmp_path / "sweep")


@pytest.mark.parametrize("case", list(OUT_OF_BOUNDS))
def test_out_of_bounds_settings_are_located_errors(case: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_text(huge(**OUT_OF_BOUNDS[case]), file="huge.yaml")
    err = info.value
    assert err.line in (4, 7) and str(err).startswith(f"huge.yaml:{err.line}: "), str(err)
