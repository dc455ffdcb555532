"""Field channels and technician pools: every mistake gets one located, plain line.

Each case mutates a small valid field scenario and asserts the field path, the line,
the gist of the message, and that ``str(err)`` is one line ``FILE:LINE: PATH: MESSAGE``.
"""

from __future__ import annotations

import pytest

from sim.scenario import load_text
from sim.scenario.field import parts_only_systems
from tests.scenario.helpers import assert_one_located_line, error_of, replace

FIELD = """\
name: Field check
horizon: 5d
replications: 2
channels:
  phone: {kind: voice}
  engineers:
    kind: field
    visits:
      needed: {faults: 0.4}
      territories: {north: 0.6, south: 0.4}
      travel: {dist: lognormal, mean: 40min, cv: 0.4}
      on_site: {dist: lognormal, mean: 75min, cv: 0.5}
      no_show: 0.07
      fix: 0.85
      parts: {system: inventory, missing: 0.1}
demand:
  - {channel: phone, rate: 20/h}
intents:
  faults: {handle_time: {dist: exponential, mean: 6min}}
pools:
  care: {size: 5, channels: [phone]}
backstage:
  inventory: {latency: 2s}
technicians:
  north_crew:
    size: 3
    territories: [north]
    hours: {start: "08:00", end: "17:00"}
  south_crew:
    size: 3
    territories: [south]
    skills: [faults]
    hours: {start: "08:00", end: "17:00"}
"""

# (id, old, new, path, line, fragment of the message)
CASES = [
    ("unknown territory", "territories: [north]", "territories: [nort]",
     "technicians.north_crew.territories[0]", 27,
     "unknown territory 'nort'; did you mean 'north'?"),
    ("unknown skill", "skills: [faults]", "skills: [fault]",
     "technicians.south_crew.skills[0]", 32, "unknown intent 'fault'; did you mean 'faults'?"),
    ("unknown needed intent", "needed: {faults: 0.4}", "needed: {faultz: 0.4}",
     "channels.engineers.visits.needed.faultz", 9, "unknown intent 'faultz'"),
    ("unknown pool's channel", "    skills: [faults]\n",
     "    skills: [faults]\n    channel: vans\n",
     "technicians.south_crew.channel", 33, "unknown channel 'vans'"),
    ("pool of a live channel", "    skills: [faults]\n",
     "    skills: [faults]\n    channel: phone\n",
     "technicians.south_crew.channel", 33, "'phone' is not a field channel"),
    ("unknown parts system", "system: inventory", "system: inventroy",
     "channels.engineers.visits.parts.system", 15,
     "unknown backstage system 'inventroy'; did you mean 'inventory'?"),
    ("no-show above 1", "no_show: 0.07", "no_show: 1.07",
     "channels.engineers.visits.no_show", 13, "expected a number between 0 and 1, got 1.07"),
    ("negative need", "needed: {faults: 0.4}", "needed: {faults: -0.4}",
     "channels.engineers.visits.needed.faults", 9, "expected a number between 0 and 1"),
    ("missing part above 1", "missing: 0.1", "missing: 1.5",
     "channels.engineers.visits.parts.missing", 15, "between 0 and 1, got 1.5"),
    ("fix above 1", "fix: 0.85", "fix: 1.2", "channels.engineers.visits", 8,
     "fix is 1.2; it must be between 0 and 1"),
    ("fix by intent above 1", "fix: 0.85", "fix: {faults: 1.2}", "channels.engineers.visits", 8,
     "fix for 'faults' is 1.2; it must be between 0 and 1"),
    ("territory shares", "north: 0.6, south: 0.4", "north: 0.6, south: 0.5",
     "channels.engineers.visits", 8, "territory shares add up to 1.1; they must add up to 1"),
    ("nobody covers a territory", "territories: [south]", "territories: [north]",
     "channels.engineers.visits.needed.faults", 9,
     "no technician pool can fix 'faults' in territory 'south'"),
    ("crew named like an agent pool", "  south_crew:", "  care:", "technicians.care", 29,
     "'care' is also an agent pool"),
    ("hours shorter than a slot", '    hours: {start: "08:00", end: "17:00"}\n  south_crew',
     '    hours: {start: "08:00", end: "09:00"}\n  south_crew',
     "technicians.north_crew.hours[0]", 28, "shorter than one appointment slot"),
    ("bad weekday", '    hours: {start: "08:00", end: "17:00"}\n  south_crew',
     '    hours: {start: "08:00", end: "17:00", days: [Mon, Sonday]}\n  south_crew',
     "technicians.north_crew.hours[0]", 28, "unknown day(s) ['Sonday']"),
    ("overlapping hours", '    hours: {start: "08:00", end: "17:00"}\n  south_crew',
     '    hours: [{start: "08:00", end: "17:00"}, {start: "16:00", end: "20:00", days: [Fri]}]'
     '\n  south_crew', "technicians.north_crew.hours[1]", 28,
     "these hours overlap another block on Fri"),
    ("demand on a field channel", "{channel: phone, rate: 20/h}",
     "{channel: engineers, rate: 20/h}", "demand[0].channel", 17,
     "'engineers' is a field channel"),
    ("field channel in an agent pool", "channels: [phone]}", "channels: [phone, engineers]}",
     "pools.care.channels[1]", 21, "'engineers' is a field channel"),
    ("field channel without visits", "  engineers:\n    kind: field\n    visits:",
     "  vans: {kind: field}\n  engineers:\n    kind: field\n    visits:",
     "channels.vans", 6, "a field channel needs 'visits'"),
    ("patience on a field channel", "    kind: field\n",
     "    kind: field\n    patience: {dist: exponential, mean: 3min}\n",
     "channels.engineers", 6, "'patience' does not apply to a field channel"),
    ("negative crew size", "    size: 3\n    territories: [north]",
     "    size: -3\n    territories: [north]", "technicians.north_crew.size", 26,
     "expected an integer between 0 and 10000, got -3"),
    ("typo'd key", "      no_show: 0.07", "      no_shows: 0.07",
     "channels.engineers.visits.no_shows", 13, "did you mean 'no_show'?"),
]


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_field_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(FIELD, old, new)), path, line, fragment)


def test_the_valid_field_scenario_loads_and_round_trips():
    sc = load_text(FIELD)
    assert sc.channels["engineers"].visits is not None
    assert set(sc.technicians) == {"north_crew", "south_crew"}
    assert parts_only_systems(sc) == {"inventory"}  # omitted needed_by: technicians only
    again = sc.with_changes({"technicians.north_crew.size": 4})
    assert again.technicians["north_crew"].size == 4
    assert again.channels["engineers"].visits == sc.channels["engineers"].visits


def test_technicians_without_a_field_channel():
    text = replace(FIELD, "  engineers:\n    kind: field\n", "  engineers:\n    kind: chat\n")
    err = error_of(text)
    assert err.path == "channels.engineers" and "'visits' applies to field channels only" \
        in err.message
