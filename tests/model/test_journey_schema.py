"""The journey fields of a scenario: they validate, round-trip, change by path, and
every mistake gets a located, plain-worded error."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.scenario import Scenario, ScenarioError, load, load_text
from sim.scenario.fields import to_input
from sim.scenario.schema import Channel

ROOT = Path(__file__).resolve().parents[2]

TEXT = """\
name: journeys
horizon: 1d
channels:
  phone: {kind: voice, patience: {dist: exponential, mean: 3min}}
  chat: {kind: chat}
  bot:
    kind: bot
    duration: 2min
    containment: {billing: 0.6, tech: {retail: 0.3, gold: 0.1}}
    escalation: {to: {phone: 0.7, chat: 0.3}, context_transfer: 0.8}
    capacity: 50
    cost_per_contact: 0.2
    cost_per_failed_contact: 0.3
segments:
  retail: {share: 0.9}
  gold: {share: 0.1, priority: 2}
intents:
  billing: {share: 0.5, handle_time: {dist: exponential, mean: 4min}, resolution: 0.8}
  tech:
    share: 0.5
    handle_time: {dist: exponential, mean: 6min}
    resolution: 0.7
    resolution_by_channel: {chat: 0.6}
demand:
  - {channel: bot, rate: 100/h}
  - {channel: phone, rate: 50/h}
routing:
  - {segment: gold, intent: tech, to: seniors}
pools:
  tier1:
    size: 20
    channels: [phone, chat]
    skills: {billing: 1, tech: 0.5}
    escalate_below: 0.6
    escalate_to: seniors
    handoffs:
      - {to: back, probability: 0.1, intents: [billing], delay: 2h, context_loss: 0.4,
         asynchronous: true}
  seniors: {size: 5, channels: [phone, chat]}
  back: {size: 2, channels: [phone]}
recontact:
  probability: 0.9
  delay: {dist: exponential, mean: 3h}
  channel_switch: {phone: {phone: 0.6, chat: 0.4}}
  max_attempts: 4
  window: 7d
  retry: {probability: 0.5, delay: 10min}
context_loss: {extra_handle_time: {dist: lognormal, mean: 90s, cv: 0.5}}
effort: {repeated_info: 1.2, waiting_per_min: 0.05}
"""


def test_all_journey_fields_validate_and_round_trip():
    s = load_text(TEXT)
    bot = s.channels["bot"]
    assert bot.duration.mean_s == 120 and bot.escalation.to == {"phone": 0.7, "chat": 0.3}
    assert bot.containment_p("tech", "gold") == 0.1 and bot.containment_p("cancel", "x") == 0
    assert math.isnan(bot.sl_target_s) and bot.is_self_service
    assert s.intents["tech"].resolution_p("chat") == 0.6
    assert s.intents["tech"].resolution_p("phone") == 0.7
    assert s.pools["tier1"].handoffs[0].delay.mean_s == 7200
    assert s.routing[0].to == ("seniors",) and s.recontact.window == 7 * 86400
    assert s.effort.repeated_info == 1.2 and s.effort.contacts == 0.6   # default kept
    again = Scenario.from_dict(to_input(s))
    for name in Scenario.model_fields:
        assert getattr(again, name) == getattr(s, name), name


def test_journey_fields_change_by_path():
    s = load_text(TEXT)
    t = s.with_changes({"channels.bot.containment": 0.3,
                        "channels.bot.escalation.context_transfer": 1.0,
                        "recontact.probability": 0.5,
                        "pools.tier1.handoffs[0].asynchronous": False})
    assert t.channels["bot"].containment == 0.3
    assert t.channels["bot"].escalation.context_transfer == 1.0
    assert t.recontact.probability == 0.5 and not t.pools["tier1"].handoffs[0].asynchronous


def test_defaults_keep_the_classic_model():
    s = load_text(TEXT.split("routing:")[0].replace("    resolution_by_channel: {chat: 0.6}\n",
                                                    "") + "pools: {a: {size: 1, channels: "
                                                          "[phone, chat]}}\n")
    assert s.recontact is None and s.routing == ()
    assert Channel(kind="voice").containment_p("x", "y") == 1.0   # unused on live channels
    assert s.context_loss.extra_handle_time.mean_s == 90.0


def test_self_service_needs_no_pool():
    s = load_text("""\
name: web only
horizon: 1d
channels: {web: {kind: self_service, duration: 5min}, phone: {kind: voice}}
demand: [{channel: web, rate: 10/h}]
intents: {general: {handle_time: {dist: exponential, mean: 1min}}}
pools: {agents: {size: 1, channels: [phone]}}
""")
    assert s.channels["web"].containment is None       # omitted: every session contains


@pytest.mark.parametrize("old, new, message", [
    ("    capacity: 50\n", "    capacity: 50\n    patience: {dist: exponential, mean: 1min}\n",
     "channels.bot: 'patience' does not apply to a bot channel"),
    ("  chat: {kind: chat}", "  chat: {kind: chat, containment: 0.5}",
     "'containment' applies to self_service and bot channels only"),
    ("tech: {retail: 0.3, gold: 0.1}", "tech: {retail: 1.3}",
     "containment of 'tech' for 'retail' is 1.3; it must be between 0 and 1"),
    ("{billing: 0.6,", "{billng: 0.6,", "channels.bot.containment.billng: unknown intent"),
    ("gold: 0.1}}", "golden: 0.1}}", "unknown segment 'golden'"),
    ("{phone: 0.7, chat: 0.3}", "{phone: 0.7, chat: 0.4}", "add up to 1.1; at most 1"),
    ("{phone: 0.7, chat: 0.3}", "{phone: 0.7, fax: 0.3}", "escalation.to.fax: unknown channel"),
    ("resolution_by_channel: {chat: 0.6}", "resolution_by_channel: {web: 0.6}",
     "resolution_by_channel.web: unknown channel"),
    ("    escalate_to: seniors\n", "", "give both 'escalate_below' and 'escalate_to'"),
    ("escalate_to: seniors", "escalate_to: senior", "unknown pool 'senior'"),
    ("escalate_to: seniors", "escalate_to: tier1", "cannot pass contacts to itself"),
    ("to: seniors}", "to: juniors}", "routing[0].to[0]: unknown pool 'juniors'"),
    ("{segment: gold,", "{segment: platinum,", "routing[0].segment[0]: unknown segment"),
    ("{phone: 0.6, chat: 0.4}", "{phone: 0.6, chat: 0.3}", "adds up to 0.9; it must add up to 1"),
    ("{phone: 0.6, chat: 0.4}", "{phone: 0.6, web: 0.4}", "unknown channel 'web'"),
    ("context_loss: 0.4", "context_loss: 1.4", "context_loss"),
    ("  back: {size: 2, channels: [phone]}", "  back: {size: 2, channels: [phone, bot]}",
     "channel 'bot' is bot: its sessions need no agents"),
    ("max_attempts: 4", "max_attempts: 0", "max_attempts"),
    ("effort: {repeated_info", "effort: {repeated_infos", "did you mean 'repeated_info'"),
    ("delay: {dist: exponential, mean: 3h}", "delay: 3", "recontact.delay"),
])
def test_mistakes_are_located_and_explained(old, new, message):
    assert TEXT.count(old) == 1, old
    with pytest.raises(ScenarioError) as err:
        load_text(TEXT.replace(old, new), file="s.yaml")
    assert message in str(err.value)
    assert str(err.value).startswith("s.yaml:")


def test_escalation_targets_must_be_servable():
    text = TEXT.replace("  seniors: {size: 5, channels: [phone, chat]}",
                        "  seniors: {size: 5, channels: [phone]}").replace(
        "  tier1:\n    size: 20\n    channels: [phone, chat]", "  tier1:\n    size: 20\n"
                                                             "    channels: [phone]")
    with pytest.raises(ScenarioError, match="reach channel 'chat' here but no pool serves"):
        load_text(text)


def test_the_chatbot_rollout_scenario_is_valid():
    s = load(ROOT / "scenarios" / "chatbot_rollout.yaml")
    assert s.channels["bot"].kind == "bot" and s.recontact is not None
    assert s.replications <= 5 and s.horizon <= 3 * 86400
