"""Row tables kept as compact columns: decoded exactly as the tables, sharing the records'
arrays, written to parquet a row group at a time with the bytes of one whole write."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.io as sio
from sim.metrics import (
    RowTable,
    concat_tables,
    contact_columns,
    contacts_table,
    journey_columns,
    journeys_table,
)
from sim.metrics.row_table import Column, constant
from sim.model import simulate
from sim.scenario import load

from .conftest import make_records

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plain():
    """A plain line (every journey one contact): 2 hours of the quickstart."""
    return simulate(load(ROOT / "scenarios" / "quickstart.yaml").with_changes(
        {"horizon": "2h", "warmup": "0s"}), 0)


@pytest.fixture(scope="module")
def looping():
    """Journeys of several contacts (bot escalations, recontacts), two replications."""
    scenario = load(ROOT / "scenarios" / "chatbot_rollout.yaml").with_changes({"horizon": "3h"})
    return [simulate(scenario, r) for r in (0, 1)]


def test_stacked_row_tables_decode_as_the_stacked_frames(looping):
    for build, table in ((contact_columns, contacts_table), (journey_columns, journeys_table)):
        rows = RowTable.concat([build(r) for r in looping])
        expected = concat_tables([table(r) for r in looping])
        pd.testing.assert_frame_equal(rows.frame(), expected, check_exact=True)
        assert len(rows) == len(expected)
        # any slice, and the slices of a row-group walk, are the same rows
        pd.testing.assert_frame_equal(
            rows.frame(5, len(looping[0].contacts["contact_id"]) + 7),
            expected.iloc[5:len(looping[0].contacts["contact_id"]) + 7].reset_index(drop=True),
            check_exact=True)
        pieces = list(rows.frames(1000))
        assert [len(p) for p in pieces[:-1]] == [1000] * (len(pieces) - 1)
        pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), expected,
                                      check_exact=True)
        assert list(rows.frame(columns=["replication", "channel"]).columns) \
            == ["replication", "channel"]


def test_a_plain_line_keeps_its_tables_in_the_records_arrays(plain):
    """The contacts table is the records' own columns; the journeys of a plain line (one
    contact each) add only what is new about them, a few columns."""
    n = plain.n_contacts
    records_bytes = sum(np.asarray(a).nbytes for a in plain.contacts.values())
    contacts = contact_columns(plain)
    assert np.shares_memory(contacts.parts[0]["arrival_s"].values, plain.contacts["arrival_s"])
    assert contacts.nbytes <= records_bytes + 64
    journeys = journey_columns(plain)
    assert np.shares_memory(journeys.parts[0]["journey_id"].values, plain.contacts["journey_id"])
    shared = {id(a) for a in plain.contacts.values()}
    own = sum(c.values.nbytes for c in journeys.parts[0].values()
              if id(c.values) not in shared and c.values.strides[0] != 0)
    # decoded, the journeys table takes 212 bytes a journey; kept, at most 80 of its own
    assert own / n <= 80, own / n
    assert journeys_table(plain).memory_usage(index=False).sum() / n > 200


def test_a_constant_column_pickles_as_one_value():
    n = 1_000_000
    table = RowTable([{"replication": Column(constant(3, n, "int64"), "int64"),
                       "x": Column(np.arange(5, dtype=np.int8).repeat(n // 5), "int64")}])
    data = pickle.dumps(table)
    assert len(data) < n * 1.1  # the int8 column's million bytes, no 8 MB constant
    back = pickle.loads(data)
    pd.testing.assert_frame_equal(back.frame(), table.frame())
    assert back.frame()["replication"].eq(3).all() and back.frame()["x"].dtype == np.int64


def test_codes_outside_the_names_decode_as_missing():
    table = RowTable([{"pool": Column(np.array([0, -1, 2, 1], dtype=np.int16), "category",
                                      ("a", "b"))}])
    pool = table.frame()["pool"]
    assert pool.isna().tolist() == [False, True, True, False]
    assert pool[0] == "a" and pool[3] == "b" and list(pool.cat.categories) == ["a", "b"]


def test_parquet_written_by_row_group_is_the_whole_write(looping, tmp_path, monkeypatch):
    """A row table is written a row group at a time; the file is byte for byte what one
    write of the decoded frame gives (with the same row group size)."""
    rows = RowTable.concat([journey_columns(r) for r in looping])
    frame = rows.frame()
    sio.write_parquet_atomic(tmp_path / "whole.parquet", rows)
    assert (tmp_path / "whole.parquet").read_bytes() == sio.parquet_bytes(frame)
    monkeypatch.setattr(sio, "ROW_GROUP_ROWS", 1500)  # row groups spanning replications
    sio.write_parquet_atomic(tmp_path / "groups.parquet", rows)
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf,
                   compression="zstd", row_group_size=1500)
    got = (tmp_path / "groups.parquet").read_bytes()
    assert got == buf.getvalue()
    assert pq.ParquetFile(tmp_path / "groups.parquet").metadata.num_row_groups \
        == -(-len(frame) // 1500) > 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["groups.parquet", "whole.parquet"]


def test_an_empty_table_writes_as_an_empty_frame(tmp_path):
    rows = contact_columns(make_records(rows=[]))
    assert len(rows) == 0
    sio.write_parquet_atomic(tmp_path / "c.parquet", rows)
    assert (tmp_path / "c.parquet").read_bytes() == sio.parquet_bytes(rows.frame())
    assert list(pd.read_parquet(tmp_path / "c.parquet").columns) == list(rows.columns)
