"""CLI fuzzing: whatever the file, a valid scenario or exactly one clean error line.

Valid scenarios are drawn over the schema (``strategies.valid_scenarios``) and
must load, pass ``servicesim validate`` (exit 0) and, for a few, ``servicesim run``
(exit 0, the output files written). Each kind of bad input
(``strategies.BAD_INPUTS``) starts from a valid file and breaks it; the library
must return a Scenario or raise one ScenarioError whose text is one line naming
the file, and the CLI must exit 2 with one ``error:`` line on stderr and no
traceback (exit 0 when the mutation happened to leave the file valid).

Example counts are kept small so the folder runs in under a minute; set
``SERVICESIM_FUZZ_EXAMPLES`` (examples per kind, default 12) for a longer hunt,
and see ``python -m tests.robustness.fuzz_table`` for counts per kind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.fuzzing import Outcome, check_file, cli_outcome, invoke
from tests.robustness.strategies import BAD_INPUTS, CANARY, dump_yaml, valid_scenarios

PER_KIND = int(os.environ.get("SERVICESIM_FUZZ_EXAMPLES", "12"))

BASE = settings(
    deadline=None,
    derandomize=True,  # reproducible in CI: the same examples on every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture],
)


def fuzz(**kw: object) -> settings:
    """The bounded, derandomized settings of this folder, with ``kw`` on top."""
    return settings(BASE, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _explain(outcome: Outcome, data: bytes) -> str:
    return f"{outcome.kind}: {outcome.detail}\n--- file (first 600 bytes) ---\n{data[:600]!r}"


YAML_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(-10**50, 10**50) | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1,
                              max_size=5), inner, max_size=3),
    max_leaves=12,
)


@fuzz(max_examples=100)
@given(data=YAML_DATA)
def test_the_generators_yaml_reads_back_as_written(data: object) -> None:
    """The fuzz files say what the strategies meant (else "valid" would prove nothing)."""
    from sim.scenario.yamlread import parse

    got, _ = parse(dump_yaml(data), "x.yaml")
    assert got == data


@fuzz(max_examples=max(30, 4 * PER_KIND))
@given(scenario=valid_scenarios())
def test_generated_valid_scenarios_validate(scenario: dict, workdir: Path) -> None:
    data = dump_yaml(scenario).encode("utf-8")
    outcome = check_file(workdir / "valid.yaml", data)
    assert outcome.kind == "valid", _explain(outcome, data)


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_input_gives_a_scenario_or_one_clean_error(kind: str, workdir: Path) -> None:
    path = workdir / f"bad-{list(BAD_INPUTS).index(kind)}.yaml"

    @fuzz(max_examples=PER_KIND)
    @given(data=BAD_INPUTS[kind])
    def check(data: bytes) -> None:
        outcome = check_file(path, data)
        assert outcome.kind in ("valid", "clean"), _explain(outcome, data)

    check()
    assert not (Path.cwd() / CANARY).exists() and not (workdir / CANARY).exists()


def _quiet_run(path: Path, out: Path) -> object:
    # The HTML report (matplotlib, ~1 s a run) is left out here: it is exercised by
    # the determinism and SIGKILL tests, which run the real command line.
    with mock.patch("sim.experiment.results.report_writer", return_value=None):
        return invoke(["run", str(path), "--executor", "serial", "--replications",
                              "1", "--out", str(out), "--quiet"])


@fuzz(max_examples=6)
@given(scenario=valid_scenarios(), n=st.integers(0, 10**6))
def test_generated_valid_scenarios_run(scenario: dict, n: int, workdir: Path) -> None:
    path = workdir / f"run-{n}.yaml"
    path.write_text(dump_yaml(scenario), encoding="utf-8")
    out = workdir / f"out-{n}"
    result = _quiet_run(path, out)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("\n") == 1 and "1 replications of" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 1 and "offered" in summary["kpis"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == scenario["seed"]
    for table in ("contacts", "journeys", "intervals"):
        assert "replication" in pq.read_table(out / f"{table}.parquet").column_names


@fuzz(max_examples=max(20, 2 * PER_KIND))
@given(data=st.one_of(*BAD_INPUTS.values()), n=st.integers(0, 10**6))
def test_invalid_scenarios_do_not_run(data: bytes, n: int, workdir: Path) -> None:
    """``run`` stops at the scenario error: exit 2, one line, no output folder."""
    from sim.scenario import ScenarioError, load

    path = workdir / f"norun-{n}.yaml"
    path.write_bytes(data)
    try:
        load(path)
    except ScenarioError:
        pass
    else:
        return  # the mutation left a valid file; running it is not this test's job
    out = workdir / f"norun-out-{n}"
    outcome = cli_outcome(path, ["run", str(path), "--executor", "serial", "--out", str(out),
                                 "--quiet"])
    assert outcome.kind == "clean", _explain(outcome, data)
    assert not out.exists()
