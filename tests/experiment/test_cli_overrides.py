"""``run`` / ``compare`` with ``--set PATH=VALUE`` overrides, and ``compare --by``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment import (
    CompareError,
    GridError,
    compare,
    parse_groups,
    parse_overrides,
    run,
)
from sim.experiment.grid import parse_override
from sim.scenario import load, scenario_hash

from .conftest import tiny, tiny_dict

runner = CliRunner()
FAST = ["--executor", "serial", "-n", "2", "--quiet"]


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# --- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pools.agents.size=55", ("pools.agents.size", 55)),
        ("horizon=2d", ("horizon", "2d")),
        ("channels.phone.patience.mean=3min", ("channels.phone.patience.mean", "3min")),
        ("demand[0].rate=50/min", ("demand[0].rate", "50/min")),
        ("x.y=0.25", ("x.y", 0.25)),
        ("x.flag=true", ("x.flag", True)),
        ("start=Monday 08:00", ("start", "Monday 08:00")),
    ],
)
def test_parse_override_single_values(text: str, expected: tuple[str, object]) -> None:
    assert parse_override(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pools.agents.size=40:60:5", "a range is for a sweep"),
        ("pools.agents.size=40:60", "a range is for a sweep"),
        ("pools.agents.size=40,45", "a list of values is for a sweep"),
        ("pools.agents.size", "expected PATH=VALUE"),
        ("pools.agents.size=", "no values"),
        ("pools..size=3", "not a scenario path"),
    ],
)
def test_parse_override_mistakes(text: str, fragment: str) -> None:
    with pytest.raises(GridError, match=fragment):
        parse_override(text)


def test_parse_overrides_refuses_a_repeated_path() -> None:
    assert parse_overrides(["horizon=2h", "seed=3"]) == {"horizon": "2h", "seed": 3}
    with pytest.raises(GridError, match="given twice"):
        parse_overrides(["horizon=2h", "horizon=3h"])


def test_parse_groups() -> None:
    assert parse_groups(["segment", "channel, intent", "segment"]) == [
        "segment", "channel", "intent"]
    with pytest.raises(CompareError, match="use one of channel, pool, segment, intent"):
        parse_groups(["segmnt"])


# --- library -----------------------------------------------------------------------------


def test_run_applies_and_records_overrides() -> None:
    base = tiny(horizon="30min")
    changes = {"pools.agents.size": 55}
    res = run(base, replications=2, executor="serial", keep_contacts=False,
              overrides=changes)
    assert res.scenario.pools["agents"].size == 55 and res.overrides == changes
    manifest = res.manifest(command="x")
    assert manifest["overrides"] == changes
    assert manifest["scenario_hash"] == scenario_hash(base.with_changes(changes))
    plain = run(base, replications=2, executor="serial", keep_contacts=False)
    assert plain.manifest(command="x")["overrides"] == {}


def test_compare_overrides_every_scenario_and_groups() -> None:
    base = tiny(horizon="30min")
    cmp = compare([base, base.with_changes({"pools.agents.size": 52})], replications=2,
                  executor="serial", overrides={"horizon": "20min"},
                  groups=["all", "channel", "segment"])
    assert all(s.horizon == 1200 for s in cmp.scenarios)
    assert set(cmp.table["group"]) == {"all", "channel", "segment"}
    manifest = cmp.manifest(command="x")
    assert manifest["overrides"] == {"horizon": "20min"}
    assert [v["scenario_hash"] for v in manifest["variants"]] == [
        scenario_hash(s) for s in cmp.scenarios]
    with pytest.raises(CompareError, match="unknown KPI group 'segments'"):
        compare([base, base], replications=2, executor="serial", groups=["all", "segments"])


# --- command line ------------------------------------------------------------------------


def test_run_set_changes_the_result_and_is_in_the_manifest(tiny_file: Path,
                                                           tmp_path: Path) -> None:
    asa = {}
    for size in (46, 56):
        out = tmp_path / f"o{size}"
        result = invoke("run", tiny_file, "--out", out, *FAST, "--set", "horizon=30min",
                        "--set", f"pools.agents.size={size}")
        assert result.exit_code == 0, result.output
        asa[size] = json.loads((out / "summary.json").read_text())["kpis"]["asa_s"]["mean"]
        manifest = json.loads((out / "manifest.json").read_text())
        changes = {"horizon": "30min", "pools.agents.size": size}
        assert manifest["overrides"] == changes
        assert manifest["horizon_s"] == 1800
        assert manifest["scenario_hash"] == scenario_hash(load(tiny_file).with_changes(changes))
    assert asa[56] < asa[46]  # more agents, same customers: shorter waits


@pytest.mark.parametrize(
    ("setting", "fragments"),
    [
        ("pools.nobody.size=50", ("pools.nobody.size", "no field 'nobody'", "agents")),
        ("pools.agents.size=lots", ("pools.agents.size", "expected an integer", "'lots'")),
        ("horizon=2x", ("horizon", "unknown time unit")),
        ("pools.agents.size=40:60:5", ("a range is for a sweep", "servicesim sweep",
                                       "pools.agents.size=40:60:5")),
        ("pools.agents.size=48,50", ("a list of values is for a sweep", "servicesim sweep")),
        ("pools.agents.size", ("expected PATH=VALUE",)),
    ],
)
def test_run_bad_set_is_one_line_exit_2(tiny_file: Path, tmp_path: Path, setting: str,
                                        fragments: tuple[str, ...]) -> None:
    result = invoke("run", tiny_file, "--out", tmp_path / "o", *FAST, "--set", setting)
    one_line_error(result, *fragments)
    assert not (tmp_path / "o").exists()  # refused before anything ran


def test_run_seed_given_twice(tiny_file: Path, tmp_path: Path) -> None:
    result = invoke("run", tiny_file, "--out", tmp_path / "o", *FAST, "--seed", "3",
                    "--set", "seed=4")
    one_line_error(result, "give the seed once")


def test_compare_set_and_by_segment(tmp_path: Path) -> None:
    segments = {"gold": {"share": 0.3, "priority": 5}, "standard": {"share": 0.7}}
    base, variant = tmp_path / "base.yaml", tmp_path / "more.yaml"
    base.write_text(yaml.safe_dump(tiny_dict(segments=segments)))
    variant.write_text(yaml.safe_dump(tiny_dict(name="more", segments=segments,
                                                pools={"agents": {"size": 53,
                                                                  "channels": ["phone"]}})))
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(base), str(variant), "--out", str(out),
                                 "--executor", "serial", "-n", "2", "--set", "horizon=30min",
                                 "--by", "segment"], env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "'more' vs baseline 'tiny' (same customers" in text  # the overall table, as before
    assert "'more' vs baseline 'tiny' by segment" in text
    segment_block = text.split("by segment", 1)[1]
    assert "gold" in segment_block and "standard" in segment_block
    assert "asa_s" in segment_block
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == {"horizon": "30min"} and manifest["horizon_s"] == 1800
    doc = json.loads((out / "compare.json").read_text())
    assert {row["member"] for row in doc["rows"] if row["group"] == "segment"} == {
        "gold", "standard"}


def test_compare_default_has_no_breakdown_tables_and_errors(tiny_file: Path,
                                                            tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(tiny_file), str(tiny_file), "--out",
                                 str(tmp_path / "c"), "--executor", "serial", "-n", "2",
                                 "--set", "horizon=20min"], env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    assert " by " not in result.stdout.split("CI narrower")[0]
    bad_by = invoke("compare", tiny_file, tiny_file, "--out", tmp_path / "d", *FAST,
                    "--by", "segmnt")
    one_line_error(bad_by, "--by 'segmnt'", "segment")
    ranged = invoke("compare", tiny_file, tiny_file, "--out", tmp_path / "e", *FAST,
                    "--set", "pools.agents.size=40:60:5")
    one_line_error(ranged, "a range is for a sweep", "servicesim sweep")
    bad_path = invoke("compare", tiny_file, tiny_file, "--out", tmp_path / "f", *FAST,
                      "--set", "pools.nobody.size=3")
    one_line_error(bad_path, "pools.nobody.size", "no field 'nobody'")
