"""Decoded contact and journey tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.metrics import concat_tables, contacts_table, journeys_table
from sim.records import CONTACT_COLUMNS, OUTCOME_NAMES

from .conftest import LABELS, make_records


def test_contacts_table_decodes(story):
    df = contacts_table(story)
    assert list(df.columns) == ["replication", *CONTACT_COLUMNS]
    assert len(df) == story.n_contacts
    assert df["channel"].tolist()[:3] == ["phone", "phone", "phone"]
    assert list(df["channel"].cat.categories) == ["phone", "chat", "email", "video"]
    assert list(df["outcome"].cat.categories) == list(OUTCOME_NAMES)
    d = df.iloc[LABELS.index("D")]
    assert d["outcome"] == "abandoned" and pd.isna(d["pool"])
    assert df.iloc[LABELS.index("C1")]["pool"] == "back"
    assert df.iloc[LABELS.index("G0")]["outcome"] == "transferred"
    for col, dtype in CONTACT_COLUMNS.items():
        if col not in ("channel", "intent", "segment", "pool", "outcome"):
            assert df[col].dtype == np.dtype(dtype), col


def test_journeys_table(story):
    df = journeys_table(story)
    assert len(df) == 11
    c = df.set_index("journey_id")
    assert c.loc[2, "n_contacts"] == 2 and c.loc[2, "handoffs"] == 1
    assert c.loc[2, "sojourn_s"] == 370 and c.loc[2, "outcome"] == "handled"
    assert c.loc[6, "handoffs"] == 2 and c.loc[6, "sojourn_s"] == 200
    assert c.loc[7, "outcome"] == "abandoned" and not c.loc[7, "completed"]
    assert math.isnan(c.loc[9, "last_end_s"]) and not c.loc[9, "completed"]
    assert not c.loc[0, "in_window"] and not c.loc[0, "completed"]
    assert c["completed"].sum() == 5
    assert c.loc[c["completed"], "sojourn_s"].mean() == (105 + 370 + 300 + 200 + 660) / 5


def test_concat_keeps_categoricals():
    frames = [contacts_table(make_records(replication=r)) for r in range(3)]
    out = concat_tables(frames)
    assert len(out) == 3 * len(frames[0])
    assert out["replication"].tolist() == sorted(out["replication"].tolist())
    assert isinstance(out["channel"].dtype, pd.CategoricalDtype)
    assert list(out["channel"].cat.categories) == ["phone", "chat", "email", "video"]
    assert out.index.equals(pd.RangeIndex(len(out)))


def test_concat_unions_different_categories():
    a = pd.DataFrame({"x": pd.Categorical(["p"], categories=["p", "q"])})
    b = pd.DataFrame({"x": pd.Categorical(["r"], categories=["r"])})
    out = concat_tables([a, b])
    assert out["x"].tolist() == ["p", "r"]
    assert list(out["x"].cat.categories) == ["p", "q", "r"]
    assert concat_tables([]).empty
