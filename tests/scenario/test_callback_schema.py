"""Call-backs (issue 21 item 2) in the scenario file: the field loads, shows in the
summary, and every mistake is one located line."""

from __future__ import annotations

import pytest

from sim.scenario import load_text
from sim.scenario.describe import describe
from tests.scenario.helpers import assert_one_located_line, error_of, replace

TEXT = """\
name: Callback check
horizon: 2d
channels:
  phone:
    kind: voice
    patience: {dist: exponential, mean: 2min}
    callback: {offer_above: 2min, accept: 0.6, keep_place: false, success: 0.9}
  chat: {kind: chat}
demand:
  - {channel: phone, rate: 20/h}
  - {channel: chat, rate: 10/h}
intents:
  general: {handle_time: {dist: exponential, mean: 4min}}
pools:
  care: {size: 5, channels: [phone, chat]}
"""

CB = "    callback: {offer_above: 2min, accept: 0.6, keep_place: false, success: 0.9}"

CASES = [
    ("accept above one", CB, "    callback: {offer_above: 2min, accept: 1.6}",
     "channels.phone.callback.accept", 7, "1"),
    ("success below zero", CB, "    callback: {offer_above: 2min, accept: 0.5, success: -1}",
     "channels.phone.callback.success", 7, "0"),
    ("threshold not a duration", CB, "    callback: {offer_above: soon, accept: 0.5}",
     "channels.phone.callback.offer_above", 7, ""),
    ("accept missing", CB, "    callback: {offer_above: 2min}",
     "channels.phone.callback.accept", 7, ""),
    ("unknown key", CB, "    callback: {offer_above: 2min, accept: 0.5, keep: true}",
     "channels.phone.callback.keep", 7, ""),
    ("on a chat channel", "  chat: {kind: chat}",
     "  chat: {kind: chat, callback: {offer_above: 1min, accept: 0.5}}",
     "channels.chat", 8, "voice channels only"),
]


def test_the_callback_loads_and_is_summarised():
    sc = load_text(TEXT, file="s.yaml")
    cb = sc.channels["phone"].callback
    assert (cb.offer_above, cb.accept, cb.keep_place, cb.success, cb.attempt) == (
        120.0, 0.6, False, 0.9, 30.0)
    text = describe(sc)
    assert ("call-back offered when the expected wait (position x mean handle / agents on "
            "duty) exceeds 2.0min: 60% accept, queued behind live calls, 90% reached "
            "(else 30s of agent time)") in text
    plain = load_text(replace(TEXT, CB + "\n", ""), file="s.yaml")
    assert plain.channels["phone"].callback is None
    assert "call-back" not in describe(plain)


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_callback_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(TEXT, old, new)), path, line, fragment)
