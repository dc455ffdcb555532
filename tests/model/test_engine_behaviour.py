"""Engine behaviour: demand shapes, schedules, routing rules, accounting, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import check_kpis, check_records
from sim.metrics import interval_table, replication_kpis
from sim.model import simulate
from sim.model.staffing import headcount_steps
from sim.records import ABANDONED, BLOCKED, HANDLED, OPEN, TRANSFERRED

from .helpers import base, build

HOURLY = [0.2] * 7 + [1, 2, 3, 3, 2.5, 2, 2.5, 3, 2.5, 2, 1.5, 1] + [0.5] * 5


def test_profile_reproduces_expected_arrivals_per_interval():
    s = build(base(horizon="7d", warmup="0s", interval="1h",
                   demand=[{"channel": "phone", "rate": "600/h",
                            "profile": {"interval": "1h", "weights": HOURLY},
                            "day_factors": {"Sat": 0.5, "Sun": 0.25}}],
                   pools={"agents": {"size": 400, "channels": ["phone"]}}))
    counts = np.zeros(7 * 24)
    reps = 4
    for r in range(reps):
        c = simulate(s, r).contacts
        counts += np.bincount((c["arrival_s"] // 3600).astype(int), minlength=7 * 24)[: 7 * 24]
    w = np.asarray(HOURLY) / np.mean(HOURLY)
    day = np.array([1, 1, 1, 1, 1, 0.5, 0.25])
    expected = reps * 600 * np.outer(day, w).ravel()
    # Poisson: each hourly count within 4.5 sd, and the total within 3 sd.
    z = (counts - expected) / np.sqrt(expected)
    assert np.abs(z).max() < 4.5
    assert abs(counts.sum() - expected.sum()) < 3 * np.sqrt(expected.sum())
    # A wrong shape (flat profile) would be rejected by the same test.
    flat = reps * 600 * np.repeat(day, 24)
    assert np.abs((counts - flat) / np.sqrt(flat)).max() > 10


def test_dispersion_makes_daily_volumes_noisier_than_poisson():
    def daily_counts(dispersion):
        s = build(base(horizon="60d", warmup="0s",
                       demand=[{"channel": "phone", "rate": "100/h", "dispersion": dispersion}],
                       pools={"agents": {"size": 10, "channels": ["phone"]}},
                       intents={"general": {"handle_time": {"dist": "exponential",
                                                            "mean": "30s"}}}))
        c = simulate(s, 0).contacts
        return np.bincount((c["arrival_s"] // 86400).astype(int))[:60]

    poisson, noisy = daily_counts(0.0), daily_counts(0.2)
    assert np.var(poisson) / np.mean(poisson) < 2.0          # Poisson: variance ~ mean
    cv = np.std(noisy) / np.mean(noisy)
    assert 0.12 < cv < 0.3                                   # ~ the 0.2 asked for


def test_schedule_headcount_is_respected_in_every_interval():
    headcount = [2] * 16 + [10] * 10 + [25] * 12 + [18] * 10
    s = build(base(horizon="2d", warmup="0s", interval="30min",
                   demand=[{"channel": "phone", "rate": "300/h",
                            "profile": {"interval": "30min",
                                        "weights": [h + 1 for h in headcount]}}],
                   pools={"agents": {"schedule": {"interval": "30min", "headcount": headcount},
                                     "channels": ["phone"]}}))
    rec = simulate(s, 0)
    staffed = rec.pool_staffed_s[0] / 1800.0
    busy = rec.pool_busy_s[0] / 1800.0
    plan = np.tile(headcount, 2)
    assert (busy <= staffed + 1e-9).all()
    assert (staffed >= plan - 1e-9).all()
    # Agents finish their last contact after the schedule drops: a little extra only.
    drop = np.r_[False, plan[1:] < plan[:-1]]
    assert np.allclose(staffed[~drop], plan[~drop])
    assert (staffed[drop] - plan[drop] < 1.0).all()


def test_shifts_become_headcount_steps_net_of_shrinkage():
    s = build(base(pools={"agents": {"channels": ["phone"], "shifts": [
        {"start": "08:00", "end": "16:00", "agents": 20, "shrinkage": 0.25},
        {"start": "12:00", "end": "20:00", "agents": 10, "days": ["Sat"]}]}}))
    times, counts = headcount_steps(s.pools["agents"], 0.0, 7 * 86400.0)
    table = dict(zip(times, counts, strict=False))
    assert table[8 * 3600.0] == 15
    assert table[16 * 3600.0] == 0
    sat = 5 * 86400.0
    assert table[sat + 12 * 3600.0] == 25 and table[sat + 16 * 3600.0] == 10


def _invariants(rec):
    check_records(rec)
    check_kpis(replication_kpis(rec))


def _rich_scenario(**over):
    d = base(
        horizon="30h", warmup="1h",
        channels={
            "phone": {"kind": "voice", "queue_capacity": 5,
                      "patience": {"dist": "exponential", "mean": "90s"}},
            "chat": {"kind": "chat", "max_concurrency": 3, "concurrency_inflation": 0.3,
                     "patience": {"dist": "exponential", "mean": "5min"}},
            "email": {"kind": "email", "service_level_target": "8h"},
        },
        segments={"gold": {"share": 0.2, "priority": 5}, "retail": {"share": 0.8}},
        intents={"billing": {"share": 0.6, "handle_time": {"dist": "lognormal", "mean": "4min",
                                                            "cv": 0.8}},
                 "tech": {"share": 0.4, "handle_time": {"dist": "gamma", "mean": "7min",
                                                         "cv": 1.2}}},
        demand=[{"channel": "phone", "rate": "400/h"}, {"channel": "chat", "rate": "150/h"},
                {"channel": "email", "rate": "60/h"}],
        pools={
            "tier1": {"size": 25, "channels": ["phone", "chat"],
                      "skills": {"billing": 1.0, "tech": 0.7},
                      "overflow": {"to": "experts", "after": "60s"},
                      "handoffs": [{"to": "experts", "probability": 0.1}]},
            "experts": {"channels": ["phone", "chat", "email"],
                        "shifts": [{"start": "07:00", "end": "19:00", "agents": 12}]},
        },
    )
    d.update(over)
    return build(d)


def test_every_contact_is_accounted_for_and_invariants_hold():
    s = _rich_scenario()
    rec = simulate(s, 0)
    _invariants(rec)
    c = rec.contacts
    first = c["step"] == 0
    out = c["outcome"][first]
    n = first.sum()
    assert n == sum((out == k).sum() for k in (HANDLED, ABANDONED, BLOCKED, OPEN, TRANSFERRED))
    # every handoff piece follows a transferred contact of the same journey
    assert (c["outcome"] == TRANSFERRED).sum() == (c["step"] > 0).sum()
    assert (out == BLOCKED).any() and (out == ABANDONED).any() and (c["step"] > 0).any()
    table = interval_table(rec)
    assert (table.service_level.dropna().between(0, 1)).all()


def test_same_seed_same_records_and_other_seed_differs():
    s = _rich_scenario()
    a, b = simulate(s, 3), simulate(s, 3)
    for name in a.contacts:
        assert np.array_equal(a.contacts[name], b.contacts[name], equal_nan=True), name
    assert np.array_equal(a.pool_busy_s, b.pool_busy_s)
    other = simulate(s.model_copy(update={"seed": s.seed + 1}), 3)
    assert not np.array_equal(a.contacts["arrival_s"][:50], other.contacts["arrival_s"][:50])
    other = simulate(s, 4).contacts["arrival_s"][:50]
    assert not np.array_equal(a.contacts["arrival_s"][:50], other)


def test_overflow_only_takes_contacts_that_waited_past_the_threshold():
    s = build(base(horizon="20h", warmup="1h",
                   demand=[{"channel": "phone", "rate": "100/h"}],
                   intents={"general": {"handle_time": {"dist": "exponential", "mean": "3min"}}},
                   pools={"primary": {"size": 4, "channels": ["phone"],
                                      "overflow": {"to": "backup", "after": "45s"}},
                          "backup": {"size": 3, "channels": ["phone"]}}))
    c = simulate(s, 0).contacts
    by_backup = c["pool"] == 1
    assert by_backup.sum() > 50
    assert (c["wait_s"][by_backup] >= 45 - 1e-9).all()


def test_skill_proficiency_scales_handle_time():
    def aht(prof):
        s = build(base(horizon="40h", pools={"agents": {"size": 60, "channels": ["phone"],
                                                        "skills": {"general": prof}}}))
        c = simulate(s, 0).contacts
        return np.nanmean(c["handle_s"])

    assert aht(0.5) / aht(1.0) == pytest.approx(2.0, rel=0.03)


def test_chat_agents_hold_several_chats_with_inflated_handle_time():
    s = build(base(horizon="20h",
                   channels={"chat": {"kind": "chat", "max_concurrency": 3,
                                      "concurrency_inflation": 0.5}},
                   demand=[{"channel": "chat", "rate": "60/h"}],
                   intents={"general": {"handle_time": {"dist": "deterministic", "value": "6min"}}},
                   pools={"agents": {"size": 3, "channels": ["chat"]}}))
    c = simulate(s, 0).contacts
    h = c["handle_s"][~np.isnan(c["handle_s"])]
    assert set(np.round(h)) <= {360.0, 540.0, 720.0}
    assert (np.round(h) > 360).any()                    # some chats were concurrent
    assert (np.round(h) == 720).any()                   # up to three at once


def test_email_backlog_waits_for_voice_and_never_abandons():
    s = build(base(horizon="20h",
                   channels={"phone": {"kind": "voice",
                                       "patience": {"dist": "exponential", "mean": "2min"}},
                             "email": {"kind": "email"}},
                   demand=[{"channel": "phone", "rate": "50/h"},
                           {"channel": "email", "rate": "20/h"}],
                   intents={"general": {"handle_time": {"dist": "exponential", "mean": "4min"}}},
                   pools={"agents": {"size": 6, "channels": ["phone", "email"]}}))
    c = simulate(s, 0).contacts
    email = c["channel"] == 1
    assert not (c["outcome"][email] == ABANDONED).any()
    assert np.nanmean(c["wait_s"][email]) > 3 * np.nanmean(c["wait_s"][~email])


def test_overflow_takes_only_contacts_on_channels_the_target_pool_serves():
    s = build(base(horizon="20h", warmup="1h",
                   channels={"phone": {"kind": "voice"}, "email": {"kind": "email"}},
                   demand=[{"channel": "phone", "rate": "60/h"},
                           {"channel": "email", "rate": "40/h"}],
                   intents={"general": {"handle_time": {"dist": "exponential", "mean": "3min"}}},
                   pools={"primary": {"size": 3, "channels": ["phone", "email"],
                                      "overflow": {"to": "backup", "after": "30s"}},
                          "backup": {"size": 3, "channels": ["phone"]}}))
    c = simulate(s, 0).contacts
    by_backup = c["pool"] == 1
    assert (by_backup & (c["channel"] == 0)).sum() > 20     # phone calls overflow
    assert not (by_backup & (c["channel"] == 1)).any()      # emails never reach backup


def test_a_segments_patience_does_not_make_emails_abandon():
    s = build(base(horizon="20h",
                   channels={"phone": {"kind": "voice"}, "email": {"kind": "email"}},
                   segments={"mass": {"share": 1.0,
                                      "patience": {"dist": "exponential", "mean": "1min"}}},
                   demand=[{"channel": "phone", "rate": "50/h"},
                           {"channel": "email", "rate": "20/h"}],
                   intents={"general": {"handle_time": {"dist": "exponential", "mean": "4min"}}},
                   pools={"agents": {"size": 5, "channels": ["phone", "email"]}}))
    c = simulate(s, 0).contacts
    email = c["channel"] == 1
    assert (c["outcome"][~email] == ABANDONED).sum() > 10   # the segment's patience on the phone
    assert not (c["outcome"][email] == ABANDONED).any()
