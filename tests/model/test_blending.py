"""Issue 21 item 3, blending policy on pools: a voice reserve and email age priority.

* the reserve lowers the voice ASA and lengthens email waits (paired replications on
  common random numbers: the same customers arrive in both arms);
* age priority bounds email waits that live work would otherwise stretch for hours;
* a policy that never binds changes nothing, and the summary states the policy.

The rules themselves are properties in :mod:`tests.model.test_properties`.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim.model import simulate
from sim.scenario import Scenario, load_text
from sim.scenario.describe import describe
from tests.scenario.helpers import error_of, replace


def _blend(policy: dict, phone_rate: str = "1.6/min", email_rate: str = "0.6/min",
           horizon: str = "8h") -> Scenario:
    """Ten agents on phone (4 min, impatient callers) and email (4 min)."""
    return Scenario.from_dict({
        "name": "blend", "horizon": horizon, "warmup": "1h", "run_out": "3d",
        "replications": 1, "seed": 3,
        "channels": {"phone": {"kind": "voice",
                               "patience": {"dist": "exponential", "mean": "3min"}},
                     "email": {"kind": "email"}},
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "4min"}}},
        "demand": [{"channel": "phone", "rate": phone_rate},
                   {"channel": "email", "rate": email_rate}],
        "pools": {"team": {"size": 10, "channels": ["phone", "email"], **policy}},
    })


def _waits(s: Scenario, rep: int) -> tuple[float, float, float]:
    """Voice ASA, mean and max email wait of the measured window's customers."""
    c = simulate(s, rep).contacts
    inw = c["in_window"] & (c["step"] == 0) & ~np.isnan(c["answer_s"])
    phone, email = inw & (c["channel"] == 0), inw & (c["channel"] == 1)
    return (float(c["wait_s"][phone].mean()), float(c["wait_s"][email].mean()),
            float(c["wait_s"][email].max()))


def test_voice_reserve_lowers_voice_asa_at_the_cost_of_email_backlog():
    base = _blend({})
    reserve = _blend({"reserve": {"channel": "phone", "agents": 2}})
    reps = 10
    pairs = np.asarray([[*_waits(base, r), *_waits(reserve, r)] for r in range(reps)])
    d_asa = pairs[:, 3] - pairs[:, 0]
    d_email = pairs[:, 4] - pairs[:, 1]
    se_asa = d_asa.std(ddof=1) / math.sqrt(reps)
    se_email = d_email.std(ddof=1) / math.sqrt(reps)
    # measured: ASA 15.4 s -> 9.8 s, mean email wait 94 s -> 632 s
    assert d_asa.mean() < -3 * se_asa and d_asa.mean() < -3.0, d_asa
    assert d_email.mean() > 3 * se_email and d_email.mean() > 200.0, d_email
    # a share of the agents on duty: ceil(0.2 x 10) = 2 agents, the same decisions
    share = _blend({"reserve": {"channel": "phone", "share": 0.2}})
    for r in range(2):
        a, b = simulate(reserve, r).contacts, simulate(share, r).contacts
        assert np.array_equal(a["answer_s"], b["answer_s"], equal_nan=True)


def test_age_priority_bounds_email_waits():
    """Calls keep ten agents near saturation: emails wait hours behind them. With
    ``age_priority`` an email waits about its threshold plus the time for one agent
    to come free (a tenth of a handle time), never much beyond."""
    heavy = {"phone_rate": "4/min", "email_rate": "0.08/min", "horizon": "12h"}
    after = 1800.0
    base = _blend({}, **heavy)
    aged = _blend({"age_priority": {"channel": "email", "after": "30min"}}, **heavy)
    for r in range(3):
        _, mean0, max0 = _waits(base, r)
        _, mean1, max1 = _waits(aged, r)
        # measured (reps 0-2): max 7152, 6533, 10854 s without; 1834, 1855, 1836 s with
        assert max0 > 3 * after, max0           # without: far beyond the threshold
        assert max1 <= after + 240.0, max1      # with: threshold + one handle-time mean
        assert mean1 < mean0


def test_a_policy_that_never_binds_changes_nothing():
    """An age threshold no email reaches changes no decision: the runs are identical."""
    base = _blend({})
    late = _blend({"age_priority": {"channel": "email", "after": "30d"}})
    a, b = simulate(base, 0).contacts, simulate(late, 0).contacts
    for col in a:
        assert np.array_equal(a[col], b[col], equal_nan=True), col


def test_reserve_on_a_shared_group_skips_the_reserving_pool():
    """Emails that may go to two pools: the reserving pool's idle agents are passed
    over while too few would stay idle, the other pool takes them."""
    d = copy.deepcopy(_blend({}).raw)
    d["pools"] = {"front": {"size": 3, "channels": ["phone", "email"],
                            "reserve": {"channel": "phone", "agents": 3}},
                  "back": {"size": 3, "channels": ["email"]}}
    d["demand"] = [{"channel": "email", "rate": "0.2/min"}]
    s = Scenario.from_dict(d)
    c = simulate(s, 0).contacts
    assert (c["pool"][c["channel"] == 1] == 1).all()  # a 3-agent reserve of 3: never front


TEXT = """\
name: Blend
horizon: 1d
channels:
  phone: {kind: voice}
  email: {kind: email}
demand:
  - {channel: phone, rate: 20/h}
  - {channel: email, rate: 10/h}
intents:
  general: {handle_time: {dist: exponential, mean: 4min}}
pools:
  care:
    size: 5
    channels: [phone, email]
    reserve: {channel: phone, agents: 2}
    age_priority: {channel: email, after: 4h}
"""


def test_the_summary_states_the_policy():
    text = describe(load_text(TEXT, file="s.yaml"))
    assert "keeps 2 agents idle for phone (other work waits)" in text
    assert "email waiting over 4.0h ranks as live" in text


@pytest.mark.parametrize(("old", "new", "path", "line", "fragment"), [
    ("reserve: {channel: phone, agents: 2}", "reserve: {channel: phnoe, agents: 2}",
     "pools.care.reserve.channel", 15, "unknown channel 'phnoe'"),
    ("reserve: {channel: phone, agents: 2}", "reserve: {channel: email, agents: 2}",
     "pools.care.reserve.channel", 15, "'email' is email"),
    ("reserve: {channel: phone, agents: 2}", "reserve: {channel: phone, agents: 2, share: 0.1}",
     "pools.care.reserve", 15, "exactly one of 'agents'"),
    ("reserve: {channel: phone, agents: 2}", "reserve: {channel: phone, share: 1.5}",
     "pools.care.reserve.share", 15, ""),
    ("age_priority: {channel: email, after: 4h}", "age_priority: {channel: phone, after: 4h}",
     "pools.care.age_priority.channel", 16, "'phone' is voice"),
    ("channels: [phone, email]", "channels: [email]",
     "pools.care.reserve.channel", 15, "does not serve 'phone'"),
])
def test_policy_mistakes_are_one_located_line(old, new, path, line, fragment):
    err = error_of(replace(TEXT, old, new))
    assert err.path == path, str(err)
    assert err.line == line, str(err)
    assert fragment in err.message, str(err)
