"""compare(): paired differences on common random numbers, verdicts, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment import compare, run
from sim.experiment.compare import verdict
from sim.metrics.stats import welch_ci

from .conftest import tiny


def _pair(size: int, seed: int = 7):
    # 45 Erlangs on 50 vs 51 agents: high load, a small change
    return tiny(name=f"size {size}", horizon="2h", warmup="30min", replications=20, seed=seed,
                pools={"agents": {"size": size, "channels": ["phone"]}})


@pytest.fixture(scope="module")
def comparison():
    return compare([_pair(50), _pair(51)], executor="processes", workers=2)


def _values(kpis: pd.DataFrame, kpi: str):
    return kpis[(kpis["group"] == "all") & (kpis["kpi"] == kpi)]["value"].to_numpy()


def test_crn_paired_ci_is_3x_narrower_than_independent_seeds(comparison) -> None:
    # the oracle: the variant run again on an independent seed, compared unpaired
    independent = run(_pair(51, seed=12345), executor="processes", workers=2,
                      keep_contacts=False, keep_intervals=False)
    t = comparison.table.set_index(["group", "kpi", "variant"])
    for kpi in ("asa_s", "p_wait", "handled"):
        _, lo, hi = welch_ci(_values(independent.kpis, kpi), _values(comparison.kpis[0], kpi))
        paired_hw = t.loc[("all", kpi, 1), "paired_half_width"]
        assert (hi - lo) / 2 >= 3 * paired_hw, kpi
        # the reported estimate (Welch on the same replications) agrees it is >= 3x
        assert t.loc[("all", kpi, 1), "variance_reduction"] >= 3, kpi


def test_verdicts_follow_kpi_direction(comparison) -> None:
    v = comparison.verdicts().set_index("kpi")
    assert v.loc["asa_s", "verdict"] == "better"       # one more agent, shorter waits
    assert v.loc["asa_s", "diff_ci_high"] < 0
    assert v.loc["service_level", "verdict"] == "better"
    assert v.loc["utilization", "verdict"] == "lower"  # neutral KPI
    assert v.loc["offered", "verdict"] == "no significant difference"  # same customers
    assert v.loc["offered", "diff"] == 0


def test_table_has_all_and_channel_groups(comparison) -> None:
    t = comparison.table
    assert set(t["group"]) == {"all", "channel"}
    assert set(t["scenario"]) == {"size 50", "size 51"}
    base = t[t["variant"] == 0]
    assert (base["verdict"] == "baseline").all() and base["diff"].isna().all()
    assert comparison.replications == 20 and comparison.notes == []


@pytest.mark.parametrize(
    ("kpi", "lo", "hi", "expected"),
    [
        ("asa_s", -3.0, -1.0, "better"),
        ("asa_s", 1.0, 3.0, "worse"),
        ("abandon_rate", -0.1, 0.2, "no significant difference"),
        ("service_level", 0.01, 0.02, "better"),
        ("handled", -5.0, -1.0, "lower"),   # a volume: no direction (deflection)
        ("sessions", 1.0, 5.0, "higher"),
        ("retry_rate", 0.01, 0.02, "worse"),
        ("backlog_end", -3.0, -1.0, "better"),
        ("backlog_age_p90_s", 1.0, 2.0, "worse"),
        ("slot_occupancy", 0.01, 0.02, "higher"),
        ("mean_concurrency", -0.2, -0.1, "lower"),
        ("open_at_cutoff", 0.01, 0.02, "worse"),
        ("utilization", 0.01, 0.02, "higher"),
        ("utilization", -0.02, -0.01, "lower"),
        ("asa_s", float("nan"), float("nan"), "n/a"),
        ("asa_s", 0.0, 0.0, "no significant difference"),
    ],
)
def test_verdict(kpi: str, lo: float, hi: float, expected: str) -> None:
    assert verdict(kpi, lo, hi) == expected


def test_outputs_written_as_csv_parquet_json(comparison, tmp_path: Path) -> None:
    out = comparison.write(tmp_path / "cmp", command="servicesim compare a.yaml b.yaml")
    csv = pd.read_csv(out / "compare.csv")
    parquet = pd.read_parquet(out / "compare.parquet")
    doc = json.loads((out / "compare.json").read_text())
    assert len(csv) == len(parquet) == len(doc["rows"]) == len(comparison.table)
    assert doc["baseline"] == "size 50" and doc["variants"] == ["size 51"]
    assert doc["common_random_numbers"] is True and "Welch" in doc["variance_reduction_method"]
    pd.testing.assert_frame_equal(parquet, comparison.table)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and len(manifest["variants"]) == 2


def test_different_seeds_use_the_baselines_and_say_so() -> None:
    a = tiny(replications=3)
    b = tiny(replications=3, seed=99, name="other")
    c = compare([a, b], executor="serial")
    assert c.scenarios[1].seed == 7
    assert len(c.notes) == 1 and "seed 99" in c.notes[0]
    # same structure and seed: identical streams, so identical KPIs
    assert c.verdicts()["diff"].fillna(0).eq(0).all()


def test_needs_two_scenarios_and_replications() -> None:
    with pytest.raises(ValueError, match="at least one variant"):
        compare([tiny()])
    with pytest.raises(ValueError, match="at least 2 replications"):
        compare([tiny(), tiny()], replications=1)


def test_duplicate_names_are_numbered() -> None:
    c = compare([tiny(replications=2), tiny(replications=2)], executor="serial")
    assert c.labels == ["tiny #1", "tiny #2"]


def test_every_defined_kpi_has_a_deliberate_direction() -> None:
    from sim.experiment.compare import KPI_DIRECTIONS
    from sim.metrics.definitions import KPI_DEFINITIONS

    missing = sorted(set(KPI_DEFINITIONS) - set(KPI_DIRECTIONS))
    assert not missing, f"KPIs without a stated direction: {missing}"
    for volume in ("offered", "handled", "sessions", "journeys", "slot_occupancy",
                   "mean_concurrency", "utilization"):
        assert KPI_DIRECTIONS[volume] is None, volume


def test_holm_adjusts_and_keeps_order() -> None:
    import numpy as np

    from sim.experiment.compare import holm

    p = np.array([0.01, 0.04, 0.03, np.nan, 0.2])
    adj = holm(p)
    assert adj[0] == pytest.approx(0.04) and adj[2] == pytest.approx(0.09)
    assert adj[1] == pytest.approx(0.09) and adj[4] == pytest.approx(0.2)
    assert np.isnan(adj[3])


def test_verdicts_survive_only_after_holm() -> None:
    """Twenty noise KPIs whose CIs barely exclude zero do not all become verdicts."""
    import numpy as np

    from sim.experiment.compare import compare_table
    from sim.metrics import summarize

    rng = np.random.default_rng(1)
    n, kpis = 10, [f"noise_{i}" for i in range(40)] + ["asa_s"]
    frames = []
    for v in range(2):
        rows = []
        for k in kpis:
            for r in range(n):
                base = rng.normal(0, 1)
                shift = -5.0 if (k == "asa_s" and v == 1) else 0.0
                rows.append({"replication": r, "group": "all", "member": "all", "kpi": k,
                             "value": 100 + base + shift})
        frames.append(pd.DataFrame(rows))
    table = compare_table(["a", "b"], frames, [summarize(f) for f in frames], ["all"])
    var = table[table["variant"] == 1].set_index("kpi")
    raw = var[var["diff_ci_low"].gt(0) | var["diff_ci_high"].lt(0)]
    assert var.loc["asa_s", "verdict"] == "better"
    assert (var["p_holm"] >= var["p_value"]).all()
    sig = var[var["verdict"] != "no significant difference"]
    assert set(sig.index) == {"asa_s"} and len(raw) >= 1
