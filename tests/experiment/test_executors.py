"""Same scenario and seed -> bit-identical results on every executor and worker count."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment import ExecutorError, run
from sim.experiment.executors import open_session, start_method

from .conftest import tiny


def _write(results, out: Path) -> dict[str, bytes]:
    results.write(out, command="test")
    return {name: (out / name).read_bytes()
            for name in ("summary.json", "intervals.parquet", "contacts.parquet")}


@pytest.fixture(scope="module")
def scenario():
    return tiny(replications=5)


@pytest.fixture(scope="module")
def serial_files(scenario, tmp_path_factory) -> dict[str, bytes]:
    return _write(run(scenario, executor="serial"), tmp_path_factory.mktemp("serial"))


def test_processes_match_serial_bytes(scenario, serial_files, tmp_path: Path) -> None:
    res = run(scenario, executor="processes", workers=2)
    assert res.executor["executor"] == "processes"
    assert res.executor["workers"] == 2
    assert _write(res, tmp_path) == serial_files


def test_one_worker_matches_serial_bytes(scenario, serial_files, tmp_path: Path) -> None:
    res = run(scenario, executor="processes", workers=1)
    assert _write(res, tmp_path)["summary.json"] == serial_files["summary.json"]


def test_dask_existing_cluster_matches_serial_bytes(scenario, serial_files,
                                                    tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    # An in-process cluster (threads) stands in for a remote scheduler address.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        res = run(scenario, executor="dask", scheduler=cluster.scheduler_address)
    assert res.executor["workers"] == 2
    assert _write(res, tmp_path) == serial_files


def test_dask_local_cluster_matches_serial_summary(scenario, serial_files) -> None:
    pytest.importorskip("distributed")
    res = run(scenario, executor="dask", workers=2, keep_contacts=False)
    assert res.executor == {"executor": "dask", "workers": 2, "scheduler": "LocalCluster"}
    assert res.contacts is None
    import json

    assert (json.dumps(res.summary_dict(), indent=2, ensure_ascii=False) + "\n").encode() \
        == serial_files["summary.json"]


def test_results_are_ordered_by_replication(scenario) -> None:
    res = run(scenario, executor="processes", workers=2)
    reps = res.kpis["replication"].to_numpy()
    assert list(dict.fromkeys(reps)) == list(range(5))
    assert (res.contacts["replication"].diff().fillna(0) >= 0).all()
    assert (res.intervals["replication"].diff().fillna(0) >= 0).all()


def test_start_method_is_fork_on_linux_and_overridable(monkeypatch) -> None:
    import sys

    if sys.platform.startswith("linux"):
        assert start_method() == "fork"
    monkeypatch.setenv("SERVICESIM_START_METHOD", "spawn")
    assert start_method() == "spawn"
    monkeypatch.setenv("SERVICESIM_START_METHOD", "teleport")
    with pytest.raises(ExecutorError, match="not available"):
        start_method()


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"executor": "threads"}, "unknown executor"),
        ({"executor": "processes", "workers": 0}, "at least 1"),
        ({"executor": "processes", "scheduler": "tcp://x:8786"}, "needs --executor dask"),
    ],
)
def test_bad_executor_options(kw: dict, fragment: str) -> None:
    with pytest.raises(ExecutorError, match=fragment):
        open_session(**kw)


def test_no_more_workers_than_tasks(monkeypatch) -> None:
    import sim.experiment.executors as ex

    monkeypatch.setattr(ex, "cpu_count", lambda: 64)
    assert open_session("processes", max_tasks=3).workers == 3
    assert open_session("processes").workers == 64
    assert open_session("processes", workers=8, max_tasks=3).workers == 8  # explicit wins


def test_a_failing_replication_stops_the_pool_and_raises(monkeypatch) -> None:
    from sim import model

    if start_method() != "fork":
        pytest.skip("the patched engine reaches workers only through fork")

    def broken(scenario, replication):
        raise RuntimeError(f"engine failed on replication {replication}")

    monkeypatch.setattr(model, "simulate", broken)  # inherited by forked workers
    with pytest.raises(RuntimeError, match="engine failed"):
        run(tiny(replications=3), executor="processes", workers=2)
