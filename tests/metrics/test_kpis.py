"""Every KPI of the story, against a hand computation (see conftest.py)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.metrics import kpi_names, replication_kpis
from sim.metrics.kpis import GROUPS, KPI_ORDER
from sim.records import ABANDONED, HANDLED, OPEN, TRANSFERRED
from tests.metrics.conftest import LABELS

from .conftest import STORY, make_records

NAN = float("nan")

# Customer KPIs. Offered in window, step 0: B C0 D E F L0 G0 J H I (A is before warm-up).
ALL = {
    "offered": 10,
    "handled": 6,                        # B C0 F L0 G0 J (H still open)
    "abandon_rate": 1 / 10,              # D
    "blocked_rate": 1 / 10,              # E
    "p_wait": 6 / 8,                     # queued B C0 D F L0 G0 J H; waited: B C0 D G0 J H
    "asa_s": (5 + 30 + 0 + 0 + 80 + 600 + 10) / 7,
    "mean_wait_s": (5 + 30 + 45 + 0 + 0 + 80 + 600 + 10) / 8,
    # decided, with a target: B C0 D E F L0 G0 and H (open, but answered); in: B F L0 H.
    # I (open, waiting 50 s of chat's 60 s target) could still make it: left out.
    "service_level": 4 / 8,
    "aht_s": (100 + 120 + 300 + 50 + 150 + 60) / 6,
    "mean_sojourn_s": (105 + 370 + 300 + 200 + 660) / 5,
    "utilization": 1400 / 4500,
    "staffed_agents_mean": 4500 / 1500,
    "busy_agents_mean": 1400 / 1500,
    "slot_occupancy": 1400 / 4500,       # single-slot pools: the utilization
    "mean_concurrency": NAN,             # no multi-slot chat
}
CHANNEL = {
    "phone": {"offered": 6, "handled": 3, "abandon_rate": 1 / 6, "blocked_rate": 1 / 6,
              "p_wait": 4 / 5, "asa_s": 45 / 4, "mean_wait_s": 90 / 5, "service_level": 3 / 6,
              "aht_s": 270 / 3, "mean_sojourn_s": (105 + 370 + 200) / 3},
    "chat": {"offered": 3, "handled": 2, "abandon_rate": 0, "blocked_rate": 0, "p_wait": 1 / 2,
             "asa_s": 40, "mean_wait_s": 40, "service_level": 1 / 2, "aht_s": 225,
             "mean_sojourn_s": 300},
    "email": {"offered": 1, "handled": 1, "abandon_rate": 0, "blocked_rate": 0, "p_wait": 1,
              "asa_s": 600, "mean_wait_s": 600, "service_level": NAN, "aht_s": 60,
              "mean_sojourn_s": 660},
    "video": {"offered": 0, "handled": 0, "abandon_rate": NAN, "blocked_rate": NAN,
              "p_wait": NAN, "asa_s": NAN, "mean_wait_s": NAN, "service_level": NAN,
              "aht_s": NAN, "mean_sojourn_s": NAN},
}
SEGMENT = {
    "retail": {"offered": 6, "handled": 4, "abandon_rate": 0, "blocked_rate": 1 / 6,
               "p_wait": 4 / 5, "asa_s": 695 / 5, "mean_wait_s": 695 / 5,
               "service_level": 3 / 5, "aht_s": 360 / 4, "mean_sojourn_s": 965 / 3},
    "vip": {"offered": 4, "handled": 2, "abandon_rate": 1 / 4, "blocked_rate": 0,
            "p_wait": 2 / 3, "asa_s": 15, "mean_wait_s": 25, "service_level": 1 / 3,
            "aht_s": 210, "mean_sojourn_s": 335},
    "smb": {"offered": 0, "handled": 0, "abandon_rate": NAN, "blocked_rate": NAN,
            "p_wait": NAN, "asa_s": NAN, "mean_wait_s": NAN, "service_level": NAN,
            "aht_s": NAN, "mean_sojourn_s": NAN},
}
INTENT = {
    "billing": {"offered": 6, "handled": 3, "abandon_rate": 1 / 6, "blocked_rate": 1 / 6,
                "p_wait": 1.0, "asa_s": 695 / 4, "mean_wait_s": 740 / 5,
                "service_level": 2 / 5, "aht_s": 310 / 3, "mean_sojourn_s": 765 / 2},
    "tech": {"offered": 4, "handled": 3, "abandon_rate": 0, "blocked_rate": 0,
             "p_wait": 1 / 3, "asa_s": 10, "mean_wait_s": 10, "service_level": 2 / 3,
             "aht_s": 470 / 3, "mean_sojourn_s": 290},
}
# Pools: every row (any step, in window) an agent of the pool answered.
POOL = {
    "front": {"handled": 6, "asa_s": 125 / 7, "aht_s": 820 / 6, "utilization": 900 / 3000,
              "slot_occupancy": 900 / 3000, "mean_concurrency": NAN,
              "staffed_agents_mean": 2, "busy_agents_mean": 900 / 1500},
    "back": {"handled": 3, "asa_s": 630 / 3, "aht_s": 300 / 3, "utilization": 500 / 1500,
             "slot_occupancy": 500 / 1500, "mean_concurrency": NAN,
             "staffed_agents_mean": 1, "busy_agents_mean": 500 / 1500},
    "idle": {"handled": 0, "asa_s": NAN, "aht_s": NAN, "utilization": NAN,
             "slot_occupancy": NAN, "mean_concurrency": NAN,
             "staffed_agents_mean": 0, "busy_agents_mean": 0},
}


# Journey KPIs of the story (classic model: a handled last piece resolves; no costs).
# Journeys in window: B C D E F L G J H I. Resolved: B 105, C 370, F 300, L 200, J 660;
# gave up: D (abandoned), E (blocked), G (abandoned after a transfer); open: H, I.
# Effort x = 0.4 * transfers + 0.1 * minutes on hold + 1.5 * gave up (default weights).
EFFORT_X = {"B": 5 / 600, "C": 0.4 + 50 / 600, "D": 45 / 600 + 1.5, "E": 1.5, "F": 0.0,
            "L": 0.8 + 10 / 600, "G": 0.4 + 150 / 600 + 1.5, "J": 1.0}


def effort_of(*labels: str) -> float:
    return float(np.mean([1 + 6 * (1 - math.exp(-EFFORT_X[k] / 6)) for k in labels]))


def journey_expected(journeys, resolved, latencies, transfers, finished):
    """Journey KPIs of a member: counts, resolved latencies, transfers, finished labels."""
    lat = np.asarray(latencies, dtype=float)
    none = journeys == 0
    return {
        "journeys": journeys,
        "resolution_rate": NAN if none else resolved / journeys,
        "resolution_latency_s": float(lat.mean()) if lat.size else NAN,
        "resolution_latency_s_p50": float(np.percentile(lat, 50)) if lat.size else NAN,
        "resolution_latency_s_p90": float(np.percentile(lat, 90)) if lat.size else NAN,
        "recontact_rate": NAN if none else 0.0,
        "retry_rate": NAN if none else 0.0,
        "containment_rate": NAN,                      # no self-service channel
        "contacts_per_journey": NAN if none else 1.0,
        "transfers_per_journey": NAN if none else transfers / journeys,
        "effort_score": effort_of(*finished) if finished else NAN,
        "cost_total": 0.0,
        "cost_per_journey": NAN if none else 0.0,
    }


ALL.update(journey_expected(10, 5, [105, 370, 300, 200, 660], 4, "BCDEFLGJ"))
assert ALL["resolution_latency_s_p90"] == pytest.approx(544)  # by hand: 370 + 0.6 * 290
for _member, _args in {
    "phone": (6, 3, [105, 370, 200], 3, "BCDEL"),
    "chat": (3, 1, [300], 1, "FG"),
    "email": (1, 1, [660], 0, "J"),
    "video": (0, 0, [], 0, ""),
}.items():
    CHANNEL[_member].update(journey_expected(*_args))
for _member, _args in {
    "retail": (6, 3, [105, 200, 660], 3, "BELGJ"),
    "vip": (4, 2, [370, 300], 1, "CDF"),
    "smb": (0, 0, [], 0, ""),
}.items():
    SEGMENT[_member].update(journey_expected(*_args))
for _member, _args in {
    "billing": (6, 2, [105, 660], 1, "BDEGJ"),
    "tech": (4, 3, [370, 300, 200], 3, "CFL"),
}.items():
    INTENT[_member].update(journey_expected(*_args))
# FCR (first agent contact resolved, nothing after it) / journeys that reached an
# agent (B C F L G J; H is still in service), and the share still open (H, I).
for _member, (_fcr, _open) in {
    ("all", ""): (5 / 6, 2 / 10),
    ("channel", "phone"): (3 / 3, 1 / 6), ("channel", "chat"): (1 / 2, 1 / 3),
    ("channel", "email"): (1.0, 0.0), ("channel", "video"): (NAN, NAN),
    ("segment", "retail"): (3 / 4, 1 / 6), ("segment", "vip"): (2 / 2, 1 / 4),
    ("segment", "smb"): (NAN, NAN),
    ("intent", "billing"): (2 / 3, 1 / 6), ("intent", "tech"): (3 / 3, 1 / 4),
}.items():
    _target = ALL if _member[0] == "all" else {"channel": CHANNEL, "segment": SEGMENT,
                                               "intent": INTENT}[_member[0]][_member[1]]
    _target.update(fcr=_fcr, open_at_cutoff=_open)
# no self-service: no sessions; the backlog at the end (2100 s) is I, waiting 50 s on chat
for _d in (ALL, *CHANNEL.values(), *SEGMENT.values(), *INTENT.values()):
    _d["sessions"] = 0
for _d in (ALL, *CHANNEL.values()):
    _d["backlog_end"], _d["backlog_age_p90_s"] = 0, NAN
ALL.update(backlog_end=1, backlog_age_p90_s=50.0)
CHANNEL["chat"].update(backlog_end=1, backlog_age_p90_s=50.0)
for _pool in POOL.values():
    _pool["cost_total"] = 0.0

EXPECTED = {"channel": CHANNEL, "segment": SEGMENT, "intent": INTENT, "pool": POOL}


def as_dict(frame: pd.DataFrame, group: str) -> dict[str, dict[str, float]]:
    sub = frame[frame["group"] == group]
    return {m: dict(zip(g["kpi"], g["value"], strict=True)) for m, g in
            sub.groupby("member", sort=False)}


def assert_kpis(actual: dict[str, float], expected: dict[str, float]) -> None:
    assert list(actual) == [k for k in KPI_ORDER if k in expected], "KPI set or order differs"
    for k, v in expected.items():
        if math.isnan(v):
            assert math.isnan(actual[k]), k
        else:
            assert actual[k] == pytest.approx(v, rel=1e-12), k


def test_all_group(story):
    got = as_dict(replication_kpis(story), "all")
    assert list(got) == [""]
    assert_kpis(got[""], ALL)


@pytest.mark.parametrize("group", ["channel", "segment", "intent", "pool"])
def test_breakdowns(story, group):
    got = as_dict(replication_kpis(story), group)
    assert list(got) == list(EXPECTED[group]), "every name in code order"
    for member, expected in EXPECTED[group].items():
        assert_kpis(got[member], expected)


def test_frame_shape_and_types(story):
    df = replication_kpis(make_records(replication=7))
    assert list(df.columns) == ["replication", "group", "member", "kpi", "value"]
    assert (df["replication"] == 7).all() and df["replication"].dtype == np.int64
    assert df["value"].dtype == np.float64
    assert list(dict.fromkeys(df["group"])) == list(GROUPS)
    assert not df.duplicated(["group", "member", "kpi"]).any()
    assert set(df["kpi"]) <= set(kpi_names())


def test_shares_within_unit_interval(story):
    df = replication_kpis(story)
    shares = df[df["kpi"].isin(["abandon_rate", "blocked_rate", "p_wait", "service_level",
                                "utilization"])]["value"].dropna()
    assert ((shares >= 0) & (shares <= 1)).all()


def test_kpi_names_display_order():
    names = kpi_names()
    assert names[:12] == ["offered", "sessions", "handled", "abandon_rate", "blocked_rate",
                          "p_wait", "asa_s", "mean_wait_s", "service_level", "backlog_end",
                          "backlog_age_p90_s", "utilization"]
    assert len(set(names)) == len(names)
    names.append("x")
    assert "x" not in kpi_names(), "callers get a copy"


def test_no_contacts_no_staff():
    r = make_records(rows=[])
    r.pool_staffed_s = np.zeros((3, 0))
    r.pool_busy_s = np.zeros((3, 0))
    r.queue_area = np.zeros((4, 0))
    got = as_dict(replication_kpis(r), "all")[""]
    counts = ("offered", "sessions", "handled", "backlog_end", "staffed_agents_mean",
              "busy_agents_mean", "journeys", "cost_total")
    assert all(got[k] == 0 for k in counts)  # counts and sums, not ratios
    assert all(math.isnan(v) for k, v in got.items() if k not in counts)


def test_open_journey_piece_excludes_journey_from_sojourn():
    # C's second piece still in service at the end: journey C no longer counts.
    rows = [r if r[0] != "C1" else r[:9] + (NAN, 20, NAN, OPEN, True) for r in STORY]
    got = as_dict(replication_kpis(make_records(rows)), "all")[""]
    assert got["mean_sojourn_s"] == pytest.approx((105 + 300 + 200 + 660) / 4)
    # and its first piece still counts as handled
    assert got["handled"] == 6


def test_transfer_without_follow_up_is_not_a_completed_journey():
    rows = [r for r in STORY if r[0] != "C1"]
    got = as_dict(replication_kpis(make_records(rows)), "all")[""]
    assert got["mean_sojourn_s"] == pytest.approx((105 + 300 + 200 + 660) / 4)


def _reference_sojourn(rows: list[tuple]) -> float:
    """Loop-based oracle for mean_sojourn_s."""
    journeys: dict[int, list[tuple]] = {}
    for r in rows:
        journeys.setdefault(r[1], []).append(r)
    values = []
    for pieces in journeys.values():
        first, last = pieces[0], pieces[-1]
        if not (first[13] and first[2] == 0):
            continue
        if any(p[12] == OPEN for p in pieces) or last[12] != HANDLED:
            continue
        values.append(max(p[9] for p in pieces) - min(p[7] for p in pieces))
    return float(np.mean(values)) if values else NAN


def test_sojourn_matches_loop_oracle_on_random_chains():
    rng = np.random.default_rng(2024)
    rows: list[tuple] = []
    t = 600.0
    for j in range(300):
        t += rng.exponential(20)
        arrival = t
        for step in range(int(rng.integers(1, 4))):
            wait = rng.exponential(15)
            handle = rng.exponential(100)
            u = rng.random()
            outcome = ABANDONED if u < 0.1 else (OPEN if u < 0.15 else None)
            last_step = step == 2 or rng.random() < 0.5
            if outcome is None:
                outcome = HANDLED if last_step else TRANSFERRED
            served_s = 0.0 if outcome == ABANDONED else handle
            end = NAN if outcome == OPEN else arrival + wait + served_s
            answer = NAN if outcome == ABANDONED else arrival + wait
            rows.append(("x", j, step, "phone", "billing", "retail",
                         None if outcome == ABANDONED else "front", arrival, answer, end, wait,
                         NAN if outcome in (ABANDONED, OPEN) else handle, outcome,
                         bool(j % 7)))
            if outcome != TRANSFERRED:
                break
            arrival = end
    rows.sort(key=lambda r: r[7])  # contact ids follow arrival order
    expected = _reference_sojourn(rows)
    assert not math.isnan(expected)
    got = as_dict(replication_kpis(make_records(rows)), "all")[""]
    assert got["mean_sojourn_s"] == pytest.approx(expected, rel=1e-12)



def test_metrics_never_imports_simpy_or_model():
    code = ("import sys, sim.metrics, sim.io; "
            "bad = [m for m in sys.modules if m == 'simpy' or m.startswith('simpy.') "
            "or m.startswith('sim.model')]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_a_contact_still_waiting_past_its_target_is_a_miss(story) -> None:
    """Open and unanswered: a miss once its wait passed the target, else undecided."""
    import dataclasses

    from sim.metrics import replication_kpis

    c = dict(story.contacts)
    arrival = c["arrival_s"].copy()
    arrival[LABELS.index("I")] = 2030.0             # waiting 70 s at the end (chat target 60 s)
    c["arrival_s"] = arrival
    late = dataclasses.replace(story, contacts=c)
    k = replication_kpis(late)
    sl = k[(k.kpi == "service_level")].set_index(["group", "member"])["value"]
    assert sl[("all", "")] == pytest.approx(4 / 9)
    assert sl[("channel", "chat")] == pytest.approx(1 / 3)
