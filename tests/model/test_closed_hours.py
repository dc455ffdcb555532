"""Closed-hours demand (issue 21, item 5): r01 without the opening spike.

r01 (tests/data/repro/r01_hours_spike.yaml) has a phone line open 08:00-20:00 on
weekdays and flat demand of 1/min around the clock. Without a ``closed`` section
every customer who tried at night arrives at 08:00:00 exactly (over 700 calls in
one second). With ``closed: {lost: 0.2, deflect: {to: app, share: 0.1},
return_delay: exponential 1h}`` a fifth give up, a tenth go to the app, and the
rest come back spread over the morning.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.metrics import replication_kpis
from sim.model import simulate
from sim.scenario.schema import Scenario
from tests.model.helpers import pick

R01 = Path(__file__).parents[1] / "data" / "repro" / "r01_hours_spike.yaml"
CLOSED = {"lost": 0.2, "deflect": {"to": "app", "share": 0.1},
          "return_delay": {"dist": "exponential", "mean": "1h"}}


def _r01(closed: dict | None) -> Scenario:
    d = yaml.safe_load(R01.read_text())
    if closed is not None:
        d["channels"]["phone"]["closed"] = closed
        d["channels"]["app"] = {"kind": "self_service",
                                "duration": {"dist": "exponential", "mean": "3min"},
                                "containment": 0.5}
    return Scenario.from_dict(d)


def _max_per_minute(records, channel: int = 0) -> int:
    c = records.contacts
    arrival = np.asarray(c["arrival_s"])[(np.asarray(c["channel"]) == channel)
                                          & (np.asarray(c["step"]) == 0)]
    return int(np.bincount((arrival // 60).astype(np.int64)).max())


def test_without_closed_rules_the_spike_is_there():
    rec = simulate(_r01(None), 0)
    assert _max_per_minute(rec) > 700  # the repro: every night caller at 08:00:00
    k = replication_kpis(rec)
    assert pick(k, "out_of_hours")[0] > 700
    assert pick(k, "out_of_hours_lost")[0] == 0


def test_closed_rules_spread_the_returns_and_lose_and_deflect_their_shares():
    sc = _r01(CLOSED)
    reps = 4
    tries = lost = deflected = 0.0
    peaks = []
    for r in range(reps):
        rec = simulate(sc, r)
        peaks.append(_max_per_minute(rec))
        k = replication_kpis(rec)
        tries += pick(k, "out_of_hours")[0]
        lost += pick(k, "out_of_hours_lost")[0]
        deflected += pick(k, "out_of_hours_deflected")[0]
        assert pick(k, "out_of_hours", "channel", "phone")[0] == pick(k, "out_of_hours")[0]
        # deflected customers start sessions on the app, at night
        app = np.asarray(rec.contacts["channel"]) == 1
        assert app.sum() >= pick(k, "out_of_hours_deflected")[0] > 0
    # ~0.7 x 720 returns with an exponential 1h delay: about 9 in the busiest minute
    assert max(peaks) < 40, peaks
    for share, got in ((0.2, lost), (0.1, deflected)):
        sd = math.sqrt(tries * share * (1 - share))
        assert abs(got - share * tries) < 4 * sd, (got, share, tries)


def test_returning_customers_keep_when_they_tried():
    rec = simulate(_r01(CLOSED), 0)
    assert rec.deferred_rows is not None and len(rec.deferred_rows) > 500
    arrival = np.asarray(rec.contacts["arrival_s"])[rec.deferred_rows]
    tried = np.asarray(rec.deferred_from_s)
    assert (tried < arrival).all()
    # they come back inside opening hours, and spread: not all at 08:00:00
    tod = (arrival % 86400) / 3600
    assert ((tod >= 8) & (tod < 20)).all()
    assert np.mean(tod < 8.0 + 1 / 60) < 0.05
    assert np.median(tod) == pytest.approx(8.0 + math.log(2), abs=0.25)
