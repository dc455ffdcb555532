"""Issue 21 levers in the scenario file: after-call work, closed-hours demand and
segment service-level targets load, show in the summary, and every mistake is one
located line."""

from __future__ import annotations

import pytest

from sim.scenario import load_text
from sim.scenario.describe import describe
from tests.scenario.helpers import assert_one_located_line, error_of, replace

TEXT = """\
name: Levers check
horizon: 5d
channels:
  phone:
    kind: voice
    hours: {start: "08:00", end: "20:00"}
    closed: {lost: 0.2, deflect: {to: app, share: 0.1}, return_delay: {dist: exponential, mean: 1h}}
  chat: {kind: chat}
  app: {kind: self_service, containment: 0.5}
segments:
  premium: {share: 0.2, priority: 1, service_level_target: 15s, service_level_goal: 0.9}
  standard: {share: 0.8, service_level_target: {phone: 30s, chat: 2min}}
demand:
  - {channel: phone, rate: 20/h}
  - {channel: chat, rate: 10/h}
intents:
  general:
    handle_time: {dist: exponential, mean: 4min}
    after_call_work: {dist: deterministic, value: 1min}
    after_call_work_by_channel: {chat: {dist: exponential, mean: 30s}}
pools:
  care: {size: 5, channels: [phone, chat]}
"""

CLOSED = ("    closed: {lost: 0.2, deflect: {to: app, share: 0.1}, return_delay: "
          "{dist: exponential, mean: 1h}}")
ACW_BY = "    after_call_work_by_channel: {chat: {dist: exponential, mean: 30s}}"
STANDARD = "  standard: {share: 0.8, service_level_target: {phone: 30s, chat: 2min}}"

# (id, old, new, path, line, fragment of the message)
CASES = [
    ("shares over one", CLOSED, "    closed: {lost: 0.7, deflect: {to: app, share: 0.4}}",
     "channels.phone.closed", 7, "must not exceed 1"),
    ("lost above one", CLOSED, "    closed: {lost: 1.5}",
     "channels.phone.closed.lost", 7, "1"),
    ("unknown deflect channel", CLOSED, "    closed: {deflect: {to: ap, share: 0.1}}",
     "channels.phone.closed.deflect.to", 7, "unknown channel 'ap'"),
    ("deflect to a live channel", CLOSED, "    closed: {deflect: {to: chat, share: 0.1}}",
     "channels.phone.closed.deflect.to", 7, "'chat' is chat"),
    ("closed without hours", '    hours: {start: "08:00", end: "20:00"}\n', "",
     "channels.phone.closed", 6, "give the channel opening 'hours' too"),
    ("goal above one", "service_level_goal: 0.9}", "service_level_goal: 90}",
     "segments.premium.service_level_goal", 11, "1"),
    ("unknown key", CLOSED, "    closed: {lose: 0.2}",
     "channels.phone.closed.lose", 7, ""),
    ("acw on unknown channel", ACW_BY,
     "    after_call_work_by_channel: {chta: {dist: exponential, mean: 30s}}",
     "intents.general.after_call_work_by_channel.chta", 20, "unknown channel 'chta'"),
    ("acw on self-service", ACW_BY,
     "    after_call_work_by_channel: {app: {dist: exponential, mean: 30s}}",
     "intents.general.after_call_work_by_channel.app", 20, "'app' is self_service"),
    ("acw not a distribution", "    after_call_work: {dist: deterministic, value: 1min}",
     "    after_call_work: {dist: normal, mean: 1min}",
     "intents.general.after_call_work.dist", 19, "unknown distribution 'normal'"),
    ("segment target on unknown channel", STANDARD,
     "  standard: {share: 0.8, service_level_target: {phnoe: 30s}}",
     "segments.standard.service_level_target.phnoe", 12, "unknown channel 'phnoe'"),
    ("segment target on self-service", STANDARD,
     "  standard: {share: 0.8, service_level_target: {app: 30s}}",
     "segments.standard.service_level_target.app", 12, "'app' is self_service"),
]


def test_the_levers_load():
    sc = load_text(TEXT, file="s.yaml")
    assert sc.channels["phone"].closed.returning == pytest.approx(0.7)
    assert sc.intents["general"].acw_mean_s("phone") == 60.0
    assert sc.intents["general"].acw_mean_s("chat") == 30.0
    assert sc.segments["premium"].service_level_target == 15.0
    assert sc.segments["standard"].service_level_target == {"phone": 30.0, "chat": 120.0}


def test_the_summary_states_the_levers():
    text = describe(load_text(TEXT, file="s.yaml"))
    assert ("tried while closed: 20% give up, 10% go to app, 70% come back after "
            "exponential mean 60.0min of opening time") in text
    assert "after-call work 60s; after-call work on chat exponential mean 30s" in text
    assert "talk + after-call work" in text
    # load = 20/h x (4 + 1) min = 1.67 Erlangs on the phone
    assert "phone 1.7 Erlangs" in text
    assert "premium   priority 1; share 0.2; SL goal 90% within 15s" in text
    assert "SL target phone 30s, chat 2.0min" in text


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_lever_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(TEXT, old, new)), path, line, fragment)
