"""Handle time per channel: an intent's ``handle_time_by_channel``.

Oracles: listing a channel with the intent's own distribution changes nothing
(same streams, same draws); a listed channel's mean handle time is the listed
mean; contacts that reach a channel by a recontact, a bot escalation or a
failover get that channel's handle time.
"""

from __future__ import annotations

import numpy as np

from sim.model import simulate
from sim.records import HANDLED
from tests.model.helpers import base, build

EXP_1MIN = {"dist": "exponential", "mean": "1min"}


def two_channels(**intent_extra) -> dict:
    """Phone and chat, each with its own pool and demand line, one intent."""
    return base(
        horizon="10h", warmup="0s",
        channels={"phone": {"kind": "voice"}, "chat": {"kind": "chat"}},
        demand=[{"channel": "phone", "rate": "45/min"}, {"channel": "chat", "rate": "45/min"}],
        intents={"general": {"handle_time": EXP_1MIN, **intent_extra}},
        pools={"voice": {"size": 80, "channels": ["phone"]},
               "chatters": {"size": 150, "channels": ["chat"]}},
    )


def handled(records, channel: str) -> np.ndarray:
    c = records.contacts
    code = records.channels.index(channel)
    mask = (c["channel"] == code) & (c["outcome"] == HANDLED)
    return c["handle_s"][mask]


def test_listing_the_intents_own_distribution_changes_nothing() -> None:
    plain = simulate(build(two_channels()), 0)
    same = simulate(build(two_channels(handle_time_by_channel={"chat": EXP_1MIN})), 0)
    for col, values in plain.contacts.items():
        np.testing.assert_array_equal(values, same.contacts[col], err_msg=col)


def test_unlisted_channel_keeps_its_draws() -> None:
    """Common random numbers: listing chat leaves every phone contact as it was."""
    slow = {"dist": "lognormal", "mean": "2min", "cv": 0.8}
    plain = simulate(build(two_channels()), 1)
    listed = simulate(build(two_channels(handle_time_by_channel={"chat": slow})), 1)
    np.testing.assert_array_equal(handled(plain, "phone"), handled(listed, "phone"))
    assert not np.array_equal(handled(plain, "chat"), handled(listed, "chat"))


def test_chat_at_twice_the_phone_mean() -> None:
    twice = {"dist": "exponential", "mean": "2min"}
    rec = simulate(build(two_channels(handle_time_by_channel={"chat": twice})), 0)
    phone, chat = handled(rec, "phone"), handled(rec, "chat")
    assert phone.size > 20_000 and chat.size > 20_000
    # exponential: se of a mean is mean / sqrt(n), under 1% here; allow 4 se on the ratio
    ratio = chat.mean() / phone.mean()
    tol = 4 * ratio * np.sqrt(1 / phone.size + 1 / chat.size)
    assert abs(ratio - 2.0) < tol, (ratio, tol)
    assert abs(phone.mean() - 60.0) < 4 * 60.0 / np.sqrt(phone.size)


def test_proficiency_and_concurrency_apply_on_top() -> None:
    fixed = {"dist": "deterministic", "value": "4min"}
    d = two_channels(handle_time_by_channel={"chat": fixed})
    d["channels"]["chat"].update(max_concurrency=2, concurrency_inflation=0.5)
    d["pools"]["chatters"]["skills"] = {"general": 0.5}
    rec = simulate(build(d), 0)
    chat = handled(rec, "chat")
    # 4min / proficiency 0.5 = 480s; +50% while another chat is held at once
    assert chat.min() >= 480.0 - 1e-6
    assert np.isclose(chat, 480.0).any()
    assert chat.max() <= 480.0 * 1.5 + 1e-6


def journeys_scenario(**over) -> dict:
    """Phone demand only; phone never resolves, the customer comes back on chat."""
    d = base(
        horizon="10h", warmup="0s",
        channels={"phone": {"kind": "voice"}, "chat": {"kind": "chat"}},
        demand=[{"channel": "phone", "rate": "5/min"}],
        intents={"general": {
            "handle_time": EXP_1MIN,
            "resolution_by_channel": {"phone": 0.0, "chat": 1.0},
            "handle_time_by_channel": {"chat": {"dist": "deterministic", "value": "7min"}},
        }},
        pools={"agents": {"size": 80, "channels": ["phone", "chat"]}},
        recontact={"probability": 1.0, "delay": "1min", "max_attempts": 2,
                   "channel_switch": {"phone": {"chat": 1.0}}},
    )
    d.update(over)
    return d


def test_recontact_switching_to_chat_gets_the_chat_time() -> None:
    rec = simulate(build(journeys_scenario()), 0)
    c = rec.contacts
    chat = (c["channel"] == rec.channels.index("chat")) & (c["outcome"] == HANDLED)
    assert chat.sum() > 1000
    assert (c["attempt"][chat] == 1).all()
    np.testing.assert_allclose(c["handle_s"][chat], 420.0)
    phone = handled(rec, "phone")
    assert abs(phone.mean() - 60.0) < 4 * 60.0 / np.sqrt(phone.size)


def test_bot_escalation_to_chat_gets_the_chat_time() -> None:
    d = journeys_scenario(recontact=None)
    d["channels"]["bot"] = {"kind": "bot", "duration": "2min", "containment": 0.0,
                            "escalation": {"to": {"chat": 0.5, "phone": 0.5}}}
    d["demand"] = [{"channel": "bot", "rate": "10/min"}]
    rec = simulate(build(d), 0)
    chat = handled(rec, "chat")
    phone = handled(rec, "phone")
    assert chat.size > 1000 and phone.size > 1000
    np.testing.assert_allclose(chat, 420.0)
    assert abs(phone.mean() - 60.0) < 4 * 60.0 / np.sqrt(phone.size)


def test_failover_to_chat_gets_the_chat_time() -> None:
    d = journeys_scenario(recontact=None)
    d["outages"] = [{"target": "phone", "at": "Mon 02:00", "for": "4h"}]
    d["failover"] = [{"from": "phone", "to": "chat"}]
    rec = simulate(build(d), 0)
    chat = handled(rec, "chat")
    assert chat.size > 500
    np.testing.assert_allclose(chat, 420.0)
