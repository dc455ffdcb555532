"""Agents with identity (issue 21 item 9) in the scenario file: a pool's ``tenure`` and
``recontact.sticky`` load, show in ``validate``'s summary, and every mistake is one
located line."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario import load_text
from sim.scenario.describe import describe
from sim.scenario.identity import mean_multiplier, tenure_plan
from tests.scenario.helpers import assert_one_located_line, error_of, replace

TEXT = """\
name: Identity check
horizon: 2d
channels:
  phone: {kind: voice, patience: {dist: exponential, mean: 2min}}
demand:
  - {channel: phone, rate: 20/h}
intents:
  general: {handle_time: {dist: exponential, mean: 4min}, resolution: 0.7}
recontact:
  delay: {dist: exponential, mean: 1h}
  sticky: {share: 0.5, wait_up_to: 2min, resolution_uplift: 0.1}
pools:
  care:
    size: 10
    channels: [phone]
    tenure:
      - {name: new_hires, share: 0.2, handle_time: 1.3x}
      - {name: experts, share: 0.1, handle_time: 0.8}
"""

TENURE = ("    tenure:\n      - {name: new_hires, share: 0.2, handle_time: 1.3x}\n"
          "      - {name: experts, share: 0.1, handle_time: 0.8}")
STICKY = "  sticky: {share: 0.5, wait_up_to: 2min, resolution_uplift: 0.1}"

CASES = [
    ("shares above one", TENURE,
     "    tenure: [{name: a, share: 0.7, handle_time: 1.3}, {name: b, share: 0.5, "
     "handle_time: 1}]", "pools.care.tenure", 16, "add up to 1.2"),
    ("a share of zero", TENURE, "    tenure: [{name: a, share: 0, handle_time: 1.3}]",
     "pools.care.tenure[0].share", 16, "0"),
    ("a multiplier of zero", TENURE, "    tenure: [{name: a, share: 0.2, handle_time: 0}]",
     "pools.care.tenure[0].handle_time", 16, "0"),
    ("a multiplier not a number", TENURE,
     "    tenure: [{name: a, share: 0.2, handle_time: slow}]",
     "pools.care.tenure[0].handle_time", 16, "factor"),
    ("a group listed twice", TENURE,
     "    tenure: [{name: a, share: 0.2, handle_time: 1.3}, {name: a, share: 0.1, "
     "handle_time: 1.1}]", "pools.care.tenure", 16, "listed twice"),
    ("standard with agents left over", TENURE,
     "    tenure: [{name: standard, share: 0.5, handle_time: 1}]",
     "pools.care.tenure", 16, "agents in no listed group"),
    ("a tenure key misspelt", TENURE,
     "    tenure: [{name: a, share: 0.2, handle_tme: 1.3}]",
     "pools.care.tenure[0].handle_tme", 16, ""),
    ("sticky share above one", STICKY, "  sticky: {share: 1.5}",
     "recontact.sticky.share", 11, "1"),
    ("sticky wait not a duration", STICKY, "  sticky: {share: 0.5, wait_up_to: long}",
     "recontact.sticky.wait_up_to", 11, ""),
    ("sticky uplift above one", STICKY, "  sticky: {share: 0.5, resolution_uplift: 2}",
     "recontact.sticky.resolution_uplift", 11, "1"),
    ("sticky key misspelt", STICKY, "  sticky: {share: 0.5, uplift: 0.1}",
     "recontact.sticky.uplift", 11, ""),
]


def test_tenure_and_sticky_load_and_are_summarised():
    sc = load_text(TEXT, file="s.yaml")
    pool = sc.pools["care"]
    assert [(g.name, g.share, g.handle_time) for g in pool.tenure] == [
        ("new_hires", 0.2, 1.3), ("experts", 0.1, 0.8)]
    # 20% at 1.3x, 10% at 0.8x, 70% standard: 0.26 + 0.08 + 0.7
    assert mean_multiplier(pool) == pytest.approx(1.04)
    st = sc.recontact.sticky
    assert (st.share, st.wait_up_to, st.resolution_uplift) == (0.5, 120.0, 0.1)
    text = describe(sc)
    assert ("tenure new_hires 20% at 1.3x, experts 10% at 0.8x, standard 70% at 1x (mean "
            "handle-time multiplier 1.04, agents assigned by number)") in text
    assert "at standard speed, before tenure multipliers" in text
    assert ("sticky agent: 50% of recontacts go first to the agent who last served them, "
            "if on duty (wait up to 2.0min for them if busy), then to the usual pools; a "
            "recontact their previous agent answers resolves with +10% probability") in text
    plain = load_text(replace(replace(TEXT, TENURE + "\n", ""), STICKY + "\n", ""),
                      file="s.yaml")
    assert plain.pools["care"].tenure is None and plain.recontact.sticky is None
    assert "tenure" not in describe(plain) and "sticky" not in describe(plain)


def test_standard_may_be_listed_when_the_shares_fill_the_pool():
    sc = load_text(replace(TEXT, TENURE, "    tenure: [{name: new, share: 0.25, handle_time: "
                           "1.2}, {name: standard, share: 0.75, handle_time: 1}]"),
                   file="s.yaml")
    assert mean_multiplier(sc.pools["care"]) == pytest.approx(1.05)


def test_the_plan_keeps_every_run_of_agents_within_one_of_the_shares():
    shares = [0.2, 0.1, 0.7]
    plan = tenure_plan(shares, 200)
    counts = np.cumsum(np.eye(3)[plan], axis=0)  # members among agents 0..k
    expected = np.arange(1, 201)[:, None] * np.array(shares)
    assert np.abs(counts - expected).max() < 1
    assert list(np.bincount(plan[:10], minlength=3)) == [2, 1, 7]  # exact at whole numbers
    assert list(np.bincount(plan[:20], minlength=3)) == [4, 2, 14]
    assert list(tenure_plan(shares, 10)) == list(plan[:10])  # independent of pool size


def test_an_uplift_that_can_never_apply_is_warned_about():
    sc = load_text(replace(TEXT, ", resolution: 0.7", ""), file="s.yaml")
    assert "resolution_uplift never applies" in describe(sc)
    assert "resolution_uplift never applies" not in describe(load_text(TEXT, file="s.yaml"))


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_identity_mistakes_are_one_located_line(old, new, path, line, fragment):
    assert_one_located_line(error_of(replace(TEXT, old, new)), path, line, fragment)
