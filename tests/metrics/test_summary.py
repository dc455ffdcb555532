"""Summaries over replications and the summary.json contract."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics import kpi_names, mean_ci, replication_kpis, summarize, summary_dict
from sim.metrics.callbacks import CALLBACK_KPIS
from sim.metrics.closed import OUT_OF_HOURS_KPIS
from sim.metrics.field import FIELD_KPIS
from sim.metrics.identity import IDENTITY_KPIS
from sim.metrics.interrupts import INTERRUPT_KPIS
from sim.metrics.kpis import DROP_KPIS, SHRINKAGE_KPIS, WRAP_UP_KPIS
from sim.metrics.summary import SUMMARY_COLUMNS

from .conftest import make_records


def kpi_frame(n_reps: int = 5) -> pd.DataFrame:
    """Stacked KPI frames of a few replications whose values differ."""
    frames = []
    for r in range(n_reps):
        rec = make_records(replication=r)
        rec.pool_busy_s = rec.pool_busy_s * (1 + 0.1 * r)  # utilisation varies
        rec.contacts["handle_s"] = rec.contacts["handle_s"] * (1 + 0.05 * r)
        frames.append(replication_kpis(rec))
    return pd.concat(frames, ignore_index=True)


def test_summarize_matches_mean_ci():
    kf = kpi_frame()
    s = summarize(kf)
    assert list(s.columns) == list(SUMMARY_COLUMNS)
    assert len(s) == len(kf) // 5
    for row in s.itertuples(index=False):
        vals = kf[(kf["group"] == row.group) & (kf["member"] == row.member)
                  & (kf["kpi"] == row.kpi)]["value"].to_numpy()
        m, lo, hi = mean_ci(vals)
        assert row.n == np.count_nonzero(~np.isnan(vals))
        for got, exp in ((row.mean, m), (row.ci_low, lo), (row.ci_high, hi)):
            assert (math.isnan(got) and math.isnan(exp)) or got == pytest.approx(exp, abs=1e-9)
    aht = s[(s["group"] == "all") & (s["kpi"] == "aht_s")].iloc[0]
    assert aht["n"] == 5 and aht["half_width"] > 0
    assert aht["ci_high"] - aht["ci_low"] == pytest.approx(2 * aht["half_width"])
    # constant across replications: zero-width interval
    off = s[(s["group"] == "all") & (s["kpi"] == "offered")].iloc[0]
    assert (off["mean"], off["ci_low"], off["ci_high"]) == (10.0, 10.0, 10.0)
    # a channel without contacts: no values, NaN everywhere
    video = s[(s["member"] == "video") & (s["kpi"] == "asa_s")].iloc[0]
    assert video["n"] == 0 and math.isnan(video["mean"]) and math.isnan(video["ci_low"])


def test_summarize_single_replication_has_no_interval():
    s = summarize(replication_kpis(make_records()))
    assert (s["n"] <= 1).all()
    assert s["ci_low"].isna().all() and s["half_width"].isna().all()


def test_summary_dict_contract_shape():
    s = summarize(kpi_frame())
    d = summary_dict(s, "Story", 5)
    assert list(d) == ["scenario", "replications", "kpis", "by_channel", "by_pool",
                       "by_segment", "by_intent"]
    assert d["scenario"] == "Story" and d["replications"] == 5
    assert list(d["kpis"]) == [k for k in kpi_names() if k in d["kpis"]]
    # every KPI, except those of field work, after-call work, opening hours,
    # call-backs, shift shrinkage, drops, email interrupt and agents with identity, which
    # only scenarios with them produce
    assert set(d["kpis"]) == (set(kpi_names()) - set(FIELD_KPIS) - set(WRAP_UP_KPIS)
                              - set(OUT_OF_HOURS_KPIS) - set(CALLBACK_KPIS)
                              - set(SHRINKAGE_KPIS) - set(IDENTITY_KPIS)
                              - set(DROP_KPIS) - set(INTERRUPT_KPIS))
    assert list(d["by_channel"]) == ["phone", "chat", "email", "video"]
    assert list(d["by_pool"]) == ["front", "back", "idle"]
    assert list(d["by_segment"]) == ["retail", "vip", "smb"]
    assert list(d["by_intent"]) == ["billing", "tech"]
    for entry in [d["kpis"], *d["by_channel"].values(), *d["by_pool"].values()]:
        for v in entry.values():
            assert list(v) == ["mean", "ci95"] and len(v["ci95"]) == 2
    assert d["kpis"]["offered"] == {"mean": 10.0, "ci95": [10.0, 10.0]}
    assert d["by_channel"]["video"]["asa_s"] == {"mean": None, "ci95": [None, None]}
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d


def test_summary_dict_rounds_and_is_stable():
    s = summarize(kpi_frame())
    d = summary_dict(s, "Story", 5)
    asa = d["kpis"]["asa_s"]["mean"]
    assert asa == float(f"{(5 + 30 + 0 + 0 + 80 + 600 + 10) / 7:.10g}")
    # perturbing in the 14th digit does not change the output
    s2 = s.copy()
    s2["mean"] = s2["mean"] * (1 + 1e-14)
    assert json.dumps(summary_dict(s2, "Story", 5)) == json.dumps(d)


def test_summary_dict_extra_and_other_confidence():
    s = summarize(kpi_frame(), confidence=0.9)
    d = summary_dict(s, "Story", 5, extra={"note": "x"})
    assert list(d)[-1] == "note"
    assert list(d["kpis"]["asa_s"]) == ["mean", "ci90"]
    with pytest.raises(ValueError):
        summary_dict(s, "Story", 5, extra={"kpis": {}})


def test_interval_is_clipped_to_what_the_kpi_can_be() -> None:
    """A share near 0 gets a CI that stops at 0; an unbounded KPI keeps t symmetry."""
    import pandas as pd

    from sim.metrics.summary import kpi_range, summarize

    rows = []
    for rep, (ab, delta) in enumerate([(0.0, -3.0), (0.0, 1.0), (0.01, 2.0)]):
        rows.append({"replication": rep, "group": "all", "member": "all",
                     "kpi": "abandon_rate", "value": ab})
        rows.append({"replication": rep, "group": "all", "member": "all",
                     "kpi": "something_signed", "value": delta})
    out = summarize(pd.DataFrame(rows)).set_index("kpi")
    assert out.loc["abandon_rate", "ci_low"] == 0.0
    assert out.loc["abandon_rate", "ci_high"] > out.loc["abandon_rate", "mean"]
    signed = out.loc["something_signed"]
    assert signed["ci_low"] < -3.0
    assert abs((signed["ci_high"] - signed["mean"]) - (signed["mean"] - signed["ci_low"])) < 1e-12
    assert kpi_range("resolution_latency_s_p90") == (0.0, float("inf"))
    assert kpi_range("effort_score") == (1.0, 7.0)
    assert kpi_range("service_level") == (0.0, 1.0)
