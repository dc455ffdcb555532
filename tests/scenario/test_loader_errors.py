"""Every mistake a planner can make in a scenario file gets one located, plain line.

Each case mutates the minimal scenario of DESIGN.md and asserts the field path,
the line number, the gist of the message, and that ``str(err)`` is one line of
the form ``FILE:LINE: PATH: MESSAGE`` without pydantic jargon.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load, load_text
from tests.scenario.helpers import MINIMAL, RICH, error_of, replace

POOL = "  agents: {size: 50, channels: [phone]}"
PATIENCE = "{dist: exponential, mean: 2min}"
DEMAND = "{channel: phone, rate: 45/min}"
INTENT = "  general: {handle_time: {dist: exponential, mean: 1min}}"
TWO_INTENTS = INTENT + "\n  billing: {handle_time: {dist: exponential, mean: 3min}}"

# (id, old, new, path, line, fragment of the message)
CASES = [
    ("bad unit", "horizon: 200h", "horizon: 200 hrz", "horizon", 2, "unknown time unit 'hrz'"),
    ("unparseable duration", "warmup: 5h", "warmup: five hours", "warmup", 3,
     "expected a duration with a unit"),
    ("negative rate", "rate: 45/min", "rate: -45/min", "demand[0].rate", 13,
     "a rate cannot be negative"),
    ("rate without unit", "rate: 45/min", "rate: 45", "demand[0].rate", 13,
     "expected a rate like '45/min'"),
    ("bare number duration", "service_level_target: 20s", "service_level_target: 20",
     "channels.phone.service_level_target", 10, "a bare number 20 has no unit"),
    ("zero horizon", "horizon: 200h", "horizon: 0s", "horizon", 2,
     "expected a duration > 0, got '0s'"),
    ("unknown channel in demand", DEMAND, "{channel: phnoe, rate: 45/min}",
     "demand[0].channel", 13, "unknown channel 'phnoe'; did you mean 'phone'?"),
    ("unknown intent in demand", DEMAND, "{channel: phone, rate: 45/min, intent: biling}",
     "demand[0].intent", 13, "unknown intent 'biling'"),
    ("segment without segments", DEMAND, "{channel: phone, rate: 45/min, segment: gold}",
     "demand[0].segment", 13, "declares no 'segments'"),
    ("unknown profile", DEMAND, "{channel: phone, rate: 45/min, profile: office}",
     "demand[0].profile", 13, "unknown profile 'office'"),
    ("channel list written as one name", "channels: [phone]}", "channels: phone}",
     "pools.agents.channels", 17, "expected a list, got 'phone'; write a list like [phone]"),
    ("pool serving unknown channel", "channels: [phone]}", "channels: [phone, chat]}",
     "pools.agents.channels[1]", 17, "unknown channel 'chat'"),
    ("typo'd key", "    patience:", "    patiense:", "channels.phone.patiense", 9,
     "unknown key 'patiense'; did you mean 'patience'?"),
    ("typo'd required key", "horizon:", "horizn:", "horizn", 2,
     "unknown key 'horizn'; did you mean 'horizon'?"),
    ("missing horizon", "horizon: 200h            # simulated time per replication, after "
     "warm-up\n", "", "horizon", 1, "'horizon' is required but missing"),
    ("missing pool channels", POOL, "  agents: {size: 50}", "pools.agents.channels", 17,
     "'channels' is required"),
    ("negative pool size", "size: 50", "size: -3", "pools.agents.size", 17,
     "expected an integer between 0 and 100000, got -3"),
    ("fractional pool size", "size: 50", "size: 2.5", "pools.agents.size", 17,
     "expected an integer"),
    ("zero replications", "replications: 10", "replications: 0", "replications", 4,
     "expected an integer between 1 and 10000, got 0"),
    ("true where a number is expected", "replications: 10", "replications: true",
     "replications", 4, "expected an integer between 1 and 10000, got true"),
    ("number where text expected", "name: Erlang C check", "name: 2024", "name", 1,
     "put it in quotes"),
    ("unknown distribution", PATIENCE, "{dist: normal, mean: 2min}",
     "channels.phone.patience.dist", 9,
     "unknown distribution 'normal'; use one of exponential, lognormal"),
    ("misspelt distribution", PATIENCE, "{dist: exponental, mean: 2min}",
     "channels.phone.patience.dist", 9, "did you mean 'exponential'?"),
    ("lognormal without cv", PATIENCE, "{dist: lognormal, mean: 2min}",
     "channels.phone.patience.cv", 9, "'cv' is required for a lognormal distribution"),
    ("key the distribution does not take", PATIENCE, "{dist: exponential, mean: 2min, cv: 1}",
     "channels.phone.patience.cv", 9, "unknown key 'cv' for an exponential distribution"),
    ("key of another distribution", INTENT,
     "  general: {handle_time: {dist: deterministic, value: 1min, mean: 1min}}",
     "intents.general.handle_time.mean", 15,
     "unknown key 'mean' for a deterministic distribution; valid keys here: dist, value"),
    ("duration instead of handle time distribution", INTENT,
     "  general: {handle_time: 1min}", "intents.general.handle_time", 15,
     "expected a distribution like"),
    ("distribution without dist", PATIENCE, "{mean: 2min}", "channels.phone.patience", 9,
     "a distribution needs 'dist:'"),
    ("duration instead of distribution", PATIENCE, "2min", "channels.phone.patience", 9,
     "expected a distribution like {dist: exponential, mean: 2min}, got '2min'"),
    ("uniform low above high", PATIENCE, "{dist: uniform, low: 3min, high: 1min}",
     "channels.phone.patience", 9, "uniform needs low <= high"),
    ("unknown channel kind", "kind: voice ", "kind: phone ", "channels.phone.kind", 8,
     "unknown channel kind 'phone'; use one of voice, chat, email"),
    ("misspelt channel kind", "kind: voice ", "kind: vocie ", "channels.phone.kind", 8,
     "did you mean 'voice'?"),
    ("email with patience", "kind: voice ", "kind: email ", "channels.phone", 7,
     "emails never abandon"),
    ("invalid pool name", "  agents: {", "  my agents: {", "pools.my agents", 17,
     "'my agents' is not a valid name"),
    ("shares not summing to 1", INTENT,
     "  general: {share: 0.6, handle_time: {dist: exponential, mean: 1min}}\n"
     "  billing: {share: 0.3, handle_time: {dist: exponential, mean: 3min}}",
     "intents", 14, "intent shares add up to 0.9; they must add up to 1"),
    ("share above 1", "  general: {handle_time", "  general: {share: 1.5, handle_time",
     "intents.general.share", 15, "expected a number between 0 and 1, got 1.5"),
    ("several intents, none named, no shares", INTENT, TWO_INTENTS, "demand[0]", 13,
     "names no intent and there are 2 intents"),
    ("some shares missing", INTENT,
     "  general: {share: 1, handle_time: {dist: exponential, mean: 1min}}\n"
     "  billing: {handle_time: {dist: exponential, mean: 3min}}",
     "intents.billing", 16, "give a share for every intent or for none"),
    ("intent no pool can serve", INTENT + "\npools:\n" + POOL,
     TWO_INTENTS.replace("{handle_time", "{share: 0.5, handle_time")
     + "\npools:\n  agents: {size: 50, channels: [phone], skills: {general: 1}}",
     "demand[0]", 13, "no pool can serve intent 'billing' on channel 'phone'"),
    ("skill for unknown intent", "channels: [phone]}", "channels: [phone], skills: {billing: 1}}",
     "pools.agents.skills.billing", 17, "unknown intent 'billing'"),
    ("overflow to unknown pool", "channels: [phone]}",
     "channels: [phone], overflow: {to: backup, after: 30s}}", "pools.agents.overflow.to", 17,
     "unknown pool 'backup'"),
    ("overflow to itself", "channels: [phone]}",
     "channels: [phone], overflow: {to: agents, after: 30s}}", "pools.agents.overflow.to", 17,
     "cannot pass contacts to itself"),
    ("handoff to unknown pool", "channels: [phone]}",
     "channels: [phone], handoffs: [{to: agentz, probability: 0.2}]}",
     "pools.agents.handoffs[0].to", 17, "unknown pool 'agentz'; did you mean 'agents'?"),
    ("schedule with wrong number of headcounts", POOL,
     "  agents: {schedule: {interval: 1h, headcount: [5, 6, 7]}, channels: [phone]}",
     "pools.agents.schedule", 17, "schedule needs 24 headcounts (a day) or 168 (a week)"),
    ("both size and shifts", POOL,
     "  agents: {size: 50, shifts: [{start: '08:00', end: '16:00', agents: 5}], "
     "channels: [phone]}", "pools.agents", 17, "give exactly one of 'size', 'schedule' or "
     "'shifts' (got size, shifts)"),
    ("bad shift time", POOL,
     "  agents: {shifts: [{start: '8am', end: '16:00', agents: 5}], channels: [phone]}",
     "pools.agents.shifts[0].start", 17, "expected a time of day like '09:30'"),
    ("day factors of wrong length", DEMAND,
     "{channel: phone, rate: 45/min, day_factors: [1, 2]}", "demand[0].day_factors", 13,
     "needs 7 values (Mon..Sun)"),
    ("empty demand", "demand:\n  - " + DEMAND + "   # optional: intent, segment, profile "
     "(intraday shape)", "demand: []", "demand", 12, "needs at least 1 entry, got 0"),
    ("date instead of clock time", "seed: 7", "seed: 7\nstart: 2024-01-01", "start", 6,
     "expected a clock time"),
    ("duplicate key", "warmup: 5h", "warmup: 5h\nwarmup: 6h", "warmup", 4,
     "key 'warmup' is given twice in the same mapping (first on line 3)"),
    ("python object tag", "seed: 7", "seed: !!python/object/apply:os.system ['echo hi']",
     "seed", 5, "YAML tag '!!python/object/apply:os.system' is not allowed"),
    ("custom tag", "name: Erlang C check", "name: !secret Erlang", "name", 1,
     "YAML tag '!secret' is not allowed"),
    ("YAML syntax error", "channels: [phone]}", "channels: [phone}",
     "pools.agents.channels[0]", 17, "not closed"),
    ("tab indentation", "    kind: voice", "\tkind: voice", "channels.phone", 8,
     "a tab is used for indentation"),
    ("undefined alias", "seed: 7", "seed: *lucky", "seed", 5,
     "alias *lucky is used but no '&' anchor defines it"),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "fragment"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_mistake_is_located_and_explained(
    old: str, new: str, path: str, line: int, fragment: str
) -> None:
    err = error_of(replace(MINIMAL, old, new))
    assert err.path == path
    assert err.line == line
    assert fragment in err.message
    text = str(err)
    assert "\n" not in text
    assert text.startswith(f"s.yaml:{line}: {path}: ")
    for jargon in ("Input should", "type=", "pydantic", "Value error", "[key]", "Field required"):
        assert jargon not in text


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)


def test_minimal_scenario_is_valid() -> None:
    s = load_text(MINIMAL)
    assert s.horizon == 200 * 3600 and s.demand[0].rate == 45 / 60


def test_rich_scenario_is_valid() -> None:
    s = load_text(RICH)
    assert s.pools["tier1"].shifts is not None
    assert s.start == 6 * 3600


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("# just a comment\n", "the file is empty"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("hello\n", "the top level must be a mapping"),
    ],
    ids=["empty", "comment only", "list at top level", "scalar at top level"],
)
def test_file_level_mistakes(text: str, fragment: str) -> None:
    err = error_of(text)
    assert err.line == 1 and err.path == ""
    assert fragment in err.message
    assert str(err).startswith("s.yaml:1: ") and "\n" not in str(err)


def test_non_utf8_bytes_name_the_line() -> None:
    data = replace(MINIMAL, "warmup: 5h", "warmup: 5h  # caf\x00").encode("utf-8")
    data = data.replace(b"caf\x00", b"caf\xe9")  # a Latin-1 e-acute
    err = error_of(data)
    assert err.line == 3
    assert "not UTF-8" in err.message and "0xE9" in err.message
    assert "\n" not in str(err)


def test_utf8_bytes_and_bom_are_fine() -> None:
    text = replace(MINIMAL, "name: Erlang C check", "name: Café Erlang")
    assert load_text(("\ufeff" + text).encode("utf-8")).name == "Café Erlang"


def test_more_than_one_document() -> None:
    err = error_of(MINIMAL + "---\nname: second\n")
    assert err.line == 18
    assert "more than one YAML document" in err.message


def test_block_style_lines_point_at_the_key() -> None:
    text = replace(MINIMAL, POOL, (
        "  agents:\n"
        "    size: 50\n"
        "    channels: [phone]\n"
        "    skills:\n"
        "      general: 1\n"
        "      billing: 2\n"
    ))
    err = error_of(text)
    assert (err.path, err.line) == ("pools.agents.skills.billing", 22)


def test_block_style_unknown_distribution_points_at_dist_line() -> None:
    block = "patience:\n      mean: 2min\n      dist: normal"
    text = replace(MINIMAL, "patience: " + PATIENCE, block)
    err = error_of(text)
    assert (err.path, err.line) == ("channels.phone.patience.dist", 11)


def test_all_errors_lists_every_problem_in_file_order() -> None:
    text = replace(MINIMAL, "size: 50", "size: -3")
    text = replace(text, "seed: 7", "seed: -1")
    err = error_of(text)
    assert err.path == "seed" and err.line == 5
    assert len(err.all_errors) == 2
    assert err.all_errors[0] == str(err)
    assert err.all_errors[1].startswith("s.yaml:17: pools.agents.size: ")


def test_root_cause_is_reported_before_its_consequence() -> None:
    # the unknown skill makes the intent unservable; the unknown name is the news
    text = replace(MINIMAL, "channels: [phone]}", "channels: [phone], skills: {generl: 1}}")
    err = error_of(text)
    assert err.path == "pools.agents.skills.generl"
    assert "did you mean 'general'?" in err.message
    assert any("no pool can serve" in e for e in err.all_errors)


def test_error_survives_pickling() -> None:
    err = error_of(replace(MINIMAL, "size: 50", "size: -3"))
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.all_errors == err.all_errors


def test_load_reads_a_file_and_names_it(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    assert load(good).name == "Erlang C check"
    bad = tmp_path / "bad.yaml"
    bad.write_text(replace(MINIMAL, "size: 50", "size: -3"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load(bad)
    assert str(info.value).startswith(f"{bad}:17: pools.agents.size: ")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found") as info:
        load(tmp_path / "nope.yaml")
    assert info.value.line is None and "\n" not in str(info.value)
    with pytest.raises(ScenarioError, match="folder"):
        load(tmp_path)


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    err = error_of("\n".join(lines) + "\n")
    assert "too many values" in err.message


def test_core_tags_are_allowed() -> None:
    text = replace(MINIMAL, "name: Erlang C check", "name: !!str 2024")
    text = replace(text, "seed: 7", "seed: !!int 7")
    s = load_text(text)
    assert s.name == "2024" and s.seed == 7


def test_unknown_top_level_key_lists_valid_keys() -> None:
    err = error_of(replace(MINIMAL, "seed: 7", "seed: 7\ndefaults: {a: 1}"))
    assert (err.path, err.line) == ("defaults", 6)
    assert err.message.startswith("unknown key 'defaults'; valid keys here: ")
    assert "horizon" in err.message


def test_anchors_and_merge_keys() -> None:
    text = replace(MINIMAL, "  general: {handle_time: {dist: exponential, mean: 1min}}",
                   "  general: {handle_time: *wait}")
    text = replace(text, "patience: " + PATIENCE, "patience: &wait " + PATIENCE)
    text = replace(text, POOL, "  agents: &base {size: 50, channels: [phone]}\n"
                   "  backup: {<<: *base, size: 5}")
    s = load_text(text)
    assert s.channels["phone"].patience == s.intents["general"].handle_time
    assert s.pools["backup"].size == 5 and s.pools["backup"].channels == ("phone",)


def test_from_dict_uses_the_same_checks() -> None:
    from sim.scenario import Scenario

    d = load_text(MINIMAL).raw
    d["demand"][0]["channel"] = "phnoe"
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(d)
    assert str(info.value) == (
        "<dict>: demand[0].channel: unknown channel 'phnoe'; did you mean 'phone'?"
    )


def test_overflow_to_a_pool_that_serves_none_of_the_channels() -> None:
    text = (MINIMAL.replace("  phone:\n", "  mail: {kind: email}\n  phone:\n")
            .replace(POOL, "  agents: {size: 50, channels: [phone], overflow: {to: back, "
                           "after: 30s}}\n  back: {size: 5, channels: [mail]}"))
    with pytest.raises(ScenarioError) as info:
        load_text(text, file="s.yaml")
    err = str(info.value)
    assert "pools.agents.overflow.to" in err and "serves none of this pool's channels" in err
    assert err.startswith("s.yaml:18:")


def test_a_scheduled_outage_before_the_start_is_refused() -> None:
    text = (MINIMAL.replace("name: Erlang C check", "name: x\nstart: Mon 09:00")
            + "backstage:\n  billing: {latency: {dist: deterministic, value: 1s}}\n"
              "outages:\n  - {target: billing, at: Mon 08:00, for: 2h}\n")
    with pytest.raises(ScenarioError) as info:
        load_text(text, file="s.yaml")
    err = str(info.value)
    assert err.startswith("s.yaml:22: outages[0].at:") and "before the scenario starts" in err
