"""Same scenario and seed -> byte-identical outputs, whatever runs them.

Three command-line runs of the chatbot scenario (bot, escalations, recontacts,
handoffs, schedules and shifts: most random streams in play): two serial runs of
``servicesim run`` in child processes with different hash seeds
(``PYTHONHASHSEED``: no output may depend on Python's salted ``hash()``), and one
in-process run (``sim.cli.app``) on a pool of two worker processes. The HTML
report, which is not compared, is switched off to keep this quick (the SIGKILL
tests run the full ``python -m sim run``). ``summary.json`` and the three parquet
tables must match byte for byte; the manifests must record the scenario hash,
seed, version and command (their wall time and timestamp may differ).
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
import pytest

from sim.scenario import load, scenario_hash
from tests.robustness.fuzzing import invoke
from tests.robustness.helpers import finish, start_cli, write_scenario

IDENTICAL = ("summary.json", "contacts.parquet", "journeys.parquet", "intervals.parquet")
SEED = 11


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("determinism")
    scenario = write_scenario(tmp / "chatbot.yaml", "chatbot_rollout", horizon="3h",
                              warmup="1h", start="Mon 08:00", replications=3)
    common = ["run", scenario, "--seed", SEED, "--quiet"]
    procs = {name: start_cli(*common, "--out", tmp / name, "--executor", "serial",
                             report=False, PYTHONHASHSEED=hash_seed)
             for name, hash_seed in (("serial-a", "1"), ("serial-b", "2"))}
    # meanwhile, in this process: the same command on a pool of two workers (the
    # HTML report, which is not compared, is left out to save a second)
    with mock.patch("sim.experiment.results.report_writer", return_value=None):
        result = invoke([str(a) for a in common] + ["--out", str(tmp / "processes"),
                                                    "--executor", "processes",
                                                    "--workers", "2"])
    assert result.exit_code == 0, result.stdout + result.stderr + repr(result.exception)
    for name, proc in procs.items():
        code, out, err = finish(proc)
        assert code == 0, f"{name}: exit {code}\n{out}\n{err}"
        assert "Traceback" not in out + err
    return {"scenario": scenario, **{name: tmp / name for name in (*procs, "processes")}}


@pytest.mark.parametrize("name", IDENTICAL)
def test_reruns_and_executors_give_identical_bytes(runs: dict[str, Path], name: str) -> None:
    first = (runs["serial-a"] / name).read_bytes()
    assert first, f"{name} is empty"
    assert (runs["serial-b"] / name).read_bytes() == first, f"{name}: serial reruns differ"
    assert (runs["processes"] / name).read_bytes() == first, \
        f"{name}: processes (2 workers) differs from serial"


def test_outputs_are_not_trivially_identical(runs: dict[str, Path]) -> None:
    """The tables hold three replications of real traffic (else equality is cheap)."""
    contacts = pq.read_table(runs["serial-a"] / "contacts.parquet").to_pandas()
    assert sorted(contacts["replication"].unique()) == [0, 1, 2]
    assert len(contacts) > 1000
    summary = json.loads((runs["serial-a"] / "summary.json").read_text())
    assert summary["replications"] == 3 and summary["kpis"]["offered"]["mean"] > 0


def test_manifest_records_what_made_the_run(runs: dict[str, Path]) -> None:
    scenario = load(runs["scenario"]).with_changes({"seed": SEED})
    manifests = {name: json.loads((runs[name] / "manifest.json").read_text())
                 for name in ("serial-a", "serial-b", "processes")}
    for name, m in manifests.items():
        for key in ("scenario_hash", "seed", "version", "command", "wall_s", "timestamp"):
            assert key in m, f"{name}: manifest lacks {key!r}"
        assert m["scenario_hash"] == scenario_hash(scenario)
        assert m["seed"] == SEED and m["replications"] == 3
        if name != "processes":  # in-process, argv is pytest's (see the report)
            assert m["command"].startswith("servicesim run ") and "--seed" in m["command"]
        assert m["version"] and m["version"] != "unknown"
        assert set(IDENTICAL) <= set(m["files"])
    assert manifests["processes"]["executor"] == "processes"
    assert manifests["processes"]["workers"] == 2
    assert manifests["serial-a"]["executor"] == "serial"
