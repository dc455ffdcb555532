"""Opening hours on channels: the valid forms load, every mistake is one located line."""

from __future__ import annotations

import pytest

from sim.scenario import load_text
from tests.scenario.helpers import assert_one_located_line, error_of, replace

HOURS = """\
name: Hours check
horizon: 5d
channels:
  phone:
    kind: voice
    hours: {start: "08:00", end: "20:00", days: [Mon, Tue, Wed, Thu, Fri, Sat]}
  chat: {kind: chat}
  mail: {kind: email}
  web: {kind: self_service}
demand:
  - {channel: phone, rate: 20/h}
intents:
  general: {handle_time: {dist: exponential, mean: 4min}}
pools:
  care: {size: 5, channels: [phone, chat, mail]}
"""

PHONE_HOURS = '    hours: {start: "08:00", end: "20:00", days: [Mon, Tue, Wed, Thu, Fri, Sat]}'

# (id, old, new, path, line, fragment of the message)
CASES = [
    ("start equals end", PHONE_HOURS, '    hours: {start: "08:00", end: "08:00"}',
     "channels.phone.hours[0]", 6, "must end after they start"),
    ("unknown day", PHONE_HOURS, '    hours: {start: "08:00", end: "20:00", days: [Mon, Sonday]}',
     "channels.phone.hours[0]", 6, "unknown day(s) ['Sonday']"),
    ("bad clock", PHONE_HOURS, '    hours: {start: "8am", end: "20:00"}',
     "channels.phone.hours[0].start", 6, "expected a time of day like '09:30'"),
    ("no days", PHONE_HOURS, '    hours: {start: "08:00", end: "20:00", days: []}',
     "channels.phone.hours", 6, "at least one block with at least one day"),
    ("on email", "  mail: {kind: email}",
     '  mail: {kind: email, hours: {start: "08:00", end: "20:00"}}',
     "channels.mail.hours", 8, "voice and chat channels only (this channel is email"),
    ("on self-service", "  web: {kind: self_service}",
     '  web: {kind: self_service, hours: {start: "08:00", end: "20:00"}}',
     "channels.web.hours", 9, "voice and chat channels only (this channel is self_service"),
]


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hours_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(HOURS, old, new)), path, line, fragment)


def test_hours_load_as_blocks_and_round_trip():
    sc = load_text(HOURS)
    (block,) = sc.channels["phone"].hours or ()
    assert (block.start, block.end, block.day_indices) == (8 * 3600.0, 20 * 3600.0,
                                                           (0, 1, 2, 3, 4, 5))
    assert sc.channels["chat"].hours is None
    two = replace(HOURS, PHONE_HOURS, '    hours: [{start: "08:00", end: "12:00"}, '
                  '{start: "13:00", end: "18:00", days: [Sat]}]')
    assert len(load_text(two).channels["phone"].hours or ()) == 2
    again = sc.with_changes({"pools.care.size": 6})
    assert again.channels["phone"].hours == sc.channels["phone"].hours
