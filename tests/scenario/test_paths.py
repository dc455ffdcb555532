"""Changing scenarios by field path, the stored input, and the scenario hash."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from sim.scenario import (
    Scenario,
    ScenarioError,
    apply_changes,
    describe,
    get_path,
    load,
    load_text,
    scenario_hash,
)
from sim.scenario.checks import check
from sim.scenario.distributions import Lognormal
from tests.scenario.helpers import MINIMAL, RICH, replace


@pytest.fixture
def base() -> Scenario:
    return load_text(MINIMAL)


def test_apply_changes_replaces_values(base: Scenario) -> None:
    new = apply_changes(base, {
        "pools.agents.size": 45,
        "channels.phone.patience.mean": "3min",
        "demand[0].rate": "50/min",
    })
    assert new.pools["agents"].size == 45
    assert new.channels["phone"].patience is not None
    assert new.channels["phone"].patience.mean_s == 180.0
    assert new.demand[0].rate == pytest.approx(50 / 60)
    # the base is untouched, and the new scenario stores its own input
    assert base.pools["agents"].size == 50 and base.raw["demand"][0]["rate"] == "45/min"
    assert new.raw["demand"][0]["rate"] == "50/min"
    assert new.raw["channels"]["phone"]["patience"] == {"dist": "exponential", "mean": "3min"}


def test_with_changes_is_apply_changes(base: Scenario) -> None:
    assert base.with_changes({"seed": 3}).seed == 3
    assert base.with_changes({"seed": 3}) == apply_changes(base, {"seed": 3})


def test_new_optional_fields_can_be_set_and_removed(base: Scenario) -> None:
    new = apply_changes(base, {"channels.phone.queue_capacity": 5})
    assert new.channels["phone"].queue_capacity == 5
    back = apply_changes(new, {"channels.phone.queue_capacity": None})
    assert back.channels["phone"].queue_capacity is None
    assert scenario_hash(back) == scenario_hash(base)
    never = apply_changes(base, {"channels.phone.patience": None})
    assert never.channels["phone"].patience is None


def test_switching_staffing_mode_in_one_change(base: Scenario) -> None:
    new = apply_changes(base, {
        "pools.agents.size": None,
        "pools.agents.schedule": {"interval": "1h", "headcount": [5] * 24},
    })
    assert new.pools["agents"].size is None
    assert new.pools["agents"].schedule is not None


def test_adding_collection_entries_at_the_leaf(base: Scenario) -> None:
    new = apply_changes(base, {
        "pools.backup": {"size": 3, "channels": ["phone"]},
        "pools.agents.overflow": {"to": "backup", "after": "30s"},
    })
    assert new.pools["backup"].size == 3
    assert new.pools["agents"].overflow is not None


def test_model_values_are_written_in_input_form(base: Scenario) -> None:
    ht = Lognormal(dist="lognormal", mean="90s", cv=0.5)
    new = apply_changes(base, {"intents.general.handle_time": ht})
    assert new.intents["general"].handle_time == ht
    assert new.raw["intents"]["general"]["handle_time"]["mean"] == "90.0s"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("pools.agent.size", "no field 'agent' in pools; did you mean 'agents'?"),
        ("pools.agents.sise", "no field 'sise' in pools.agents; did you mean 'size'?"),
        ("horizn", "no field 'horizn'; did you mean 'horizon'?"),
        ("demand[3].rate", "demand has 1 entry; index 3 is out of range"),
        ("demand.rate", "demand is a list: use an index like demand[0]"),
        ("horizon.unit", "horizon is a single value"),
        ("pools.backup.size", "no field 'backup' in pools"),
    ],
)
def test_unknown_paths_are_named(base: Scenario, path: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_changes(base, {path: 1})
    assert info.value.path == path
    assert fragment in info.value.message
    assert "\n" not in str(info.value)


def test_invalid_change_is_reported_with_its_path(base: Scenario) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_changes(base, {"pools.agents.size": -3})
    assert str(info.value) == (
        "<changes>: pools.agents.size: expected an integer between 0 and 100000, got -3"
    )
    with pytest.raises(ScenarioError, match="unknown channel 'chat'"):
        apply_changes(base, {"demand[0].channel": "chat"})
    with pytest.raises(ScenarioError, match="bare number"):
        apply_changes(base, {"warmup": 3600})


def test_get_path(base: Scenario) -> None:
    assert get_path(base, "demand[0].rate") == "45/min"
    assert get_path(base, "pools.agents") == {"size": 50, "channels": ["phone"]}
    assert get_path(base, "channels.phone.queue_capacity") is None
    with pytest.raises(ScenarioError, match="did you mean 'warmup'"):
        get_path(base, "warmpu")


def test_names_with_dots() -> None:
    s = load_text(replace(MINIMAL, "  agents: {", "  tier.1: {"))
    assert apply_changes(s, {"pools.tier.1.size": 7}).pools["tier.1"].size == 7
    assert apply_changes(s, {'pools["tier.1"].size': 8}).pools["tier.1"].size == 8


def test_hash_is_stable_and_sensitive(base: Scenario) -> None:
    h = scenario_hash(base)
    assert len(h) == 16 and int(h, 16) >= 0
    assert scenario_hash(load_text(MINIMAL)) == h
    # comments and key order do not matter; values do
    reordered = replace(MINIMAL, "warmup: 5h\nreplications: 10\n", "replications: 10\nwarmup: 5h\n")
    assert scenario_hash(load_text(reordered + "# trailing comment\n")) == h
    assert scenario_hash(apply_changes(base, {"seed": 8})) != h
    assert scenario_hash(Scenario.from_dict(base.raw)) == h


def test_raw_is_stored_for_every_construction(base: Scenario) -> None:
    d = base.raw
    direct = Scenario.model_validate(d)
    assert direct.raw == d
    assert direct.raw is not direct.raw  # callers get a copy
    assert pickle.loads(pickle.dumps(base)).raw == base.raw
    # a copy with fields changed writes itself back from its fields
    copied = base.model_copy(update={"seed": 99})
    again = Scenario.from_dict(copied.raw)
    assert again.seed == 99 and again.horizon == base.horizon
    assert again.channels == base.channels and again.pools == base.pools


def test_input_form_round_trips_a_rich_scenario() -> None:
    from sim.scenario.fields import to_input

    rich = load_text(RICH)
    again = Scenario.from_dict(to_input(rich))
    for name in Scenario.model_fields:
        assert getattr(again, name) == getattr(rich, name), name


@pytest.mark.parametrize("path", sorted(Path("scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_input_form_round_trips_every_bundled_scenario(path: Path) -> None:
    # e.g. a segment's per-channel service_level_target (a dict in a duration-or-dict union)
    from sim.scenario.fields import to_input

    sc = load(path)
    again = Scenario.from_dict(to_input(sc))
    for name in Scenario.model_fields:
        assert getattr(again, name) == getattr(sc, name), name


def test_check_runs_standalone() -> None:
    s = load_text(RICH)
    check(s)  # no error, no locator needed


def test_describe_summarises_the_scenario() -> None:
    text = describe(load_text(RICH))
    assert "Scenario: Retail bank" in text
    assert "phone 83.8 Erlangs" in text  # 1200/h x 5.5/7 weekdays x 320s mean handle time
    assert "chat 20.0 Erlangs" in text   # 300/h x 240s
    assert "0-40 agents on duty, 2 shift(s)" in text
    assert "2-10 agents on duty" in text
    assert len(text.splitlines()) < 40
    mini = describe(load_text(MINIMAL))
    assert "phone 45.0 Erlangs" in mini and "50 agents" in mini and "2,700/h" in mini
