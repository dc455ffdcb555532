"""A worker's memory (issue 20): KPIs and tables of a replication within about 200
bytes per contact, and its tables handed back through a file, not a pickled copy."""

from __future__ import annotations

import gc
import pickle
import tracemalloc
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pandas as pd

from sim.experiment import run
from sim.experiment.spill import SpilledRows, spill
from sim.experiment.worker import ReplicationTask, run_replication
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[2]


def plain_line(hours: float):
    return load(ROOT / "scenarios" / "quickstart.yaml").with_changes(
        {"horizon": f"{hours:g}h", "warmup": "0s"})


def test_a_worker_peaks_near_its_records_with_kpis_and_tables() -> None:
    """One replication of a plain line with its KPIs, interval, contact and journey tables:
    the memory traced at its peak stays within 260 bytes per contact (the records take 73;
    the decoded tables alone would take 295, the peak was 950 before issue 20)."""
    scenario = plain_line(12)
    run_replication(ReplicationTask(plain_line(0.2), 0, True, True))  # imports, caches
    gc.collect()
    tracemalloc.start()
    try:
        out = run_replication(ReplicationTask(scenario, 0, True, True))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.contacts is not None
    n = len(out.contacts)
    assert n > 30_000
    assert peak / n <= 260, f"{peak / n:.0f} bytes per contact"


def test_row_tables_come_back_through_a_file(tmp_path: Path) -> None:
    """A pool worker writes its tables to the run's folder and pickles a small stand-in;
    unpickling in the parent reads them back (and removes the file): the same tables,
    still sharing the arrays they shared (the records' columns)."""
    scenario = plain_line(2)
    plain = run_replication(ReplicationTask(scenario, 0, True, True))
    out = run_replication(ReplicationTask(scenario, 0, True, True, spill_dir=str(tmp_path)))
    assert isinstance(out.contacts, SpilledRows) and isinstance(out.journeys, SpilledRows)
    [file] = tmp_path.iterdir()  # one file for both tables
    data = ForkingPickler.dumps(out)  # what a process pool sends
    assert len(data) < 200_000 < plain.contacts.nbytes
    back = pickle.loads(data)
    assert list(tmp_path.iterdir()) == []
    for name in ("contacts", "journeys"):
        pd.testing.assert_frame_equal(getattr(back, name).frame(),
                                      getattr(plain, name).frame(), check_exact=True)
    assert back.contacts.parts[0]["arrival_s"].values is \
        back.journeys.parts[0]["first_arrival_s"].values


def test_a_spilled_table_writes_each_shared_array_once(tmp_path: Path) -> None:
    scenario = plain_line(2)
    out = run_replication(ReplicationTask(scenario, 0, True, True))
    tables = {"contacts": out.contacts, "journeys": out.journeys}
    cols = [c for t in tables.values() for c in t.parts[0].values()]
    # the journeys of a plain line are views of the records: first arrival = start
    assert out.journeys.parts[0]["first_arrival_s"].values is \
        out.journeys.parts[0]["start_s"].values
    sent = spill(tables, tmp_path)
    [file] = tmp_path.iterdir()
    unique = {id(c.values): c.values for c in cols if c.values.strides[0] != 0}
    assert file.stat().st_size <= sum(a.nbytes for a in unique.values()) + 128 * len(unique)
    decoded = sum(t.frame().memory_usage(index=False).sum() for t in tables.values())
    assert file.stat().st_size < 0.5 * decoded
    back = {name: s.load() for name, s in sent.items()}
    assert not file.exists()
    for name, table in tables.items():
        pd.testing.assert_frame_equal(back[name].frame(), table.frame(), check_exact=True)


def test_a_process_pool_run_gives_the_serial_tables_and_leaves_no_files() -> None:
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("servicesim-tables-*"))
    scenario = plain_line(1).with_changes({"replications": 2})
    serial = run(scenario, executor="serial")
    pool = run(scenario, executor="processes", workers=2)
    for name in ("contacts", "journeys"):
        pd.testing.assert_frame_equal(getattr(pool, name), getattr(serial, name),
                                      check_exact=True)
    assert set(Path(tempfile.gettempdir()).glob("servicesim-tables-*")) == before
