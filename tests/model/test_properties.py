"""Property tests of the engine over small random scenarios, asserted on per-contact records.

Hypothesis draws small scenarios as plain dicts (validated with the project's
loader, :meth:`sim.scenario.Scenario.from_dict`) and checks rules no correct engine
can break:

* conservation: every contact ends exactly once, the outcomes add up, and a contact
  is open only if it was still waiting or in service at the cut-off;
* skills: no contact is answered by a pool without a skill for its intent, and no
  customer contact by a pool that does not serve its channel;
* work conservation: in a one-pool, one-channel scenario no agent (no chat slot) is
  free while a contact waits, reconstructed from answer and end times;
* priority: when a contact is answered, no contact with a better key (higher
  priority, then earlier arrival; calls before chats only by priority) was waiting;
* blending policy (a pool's ``reserve`` and ``age_priority``, which change the two
  rules above on purpose, so those are checked on scenarios without a policy): with
  a reserve of N agents for calls, no call waits while an agent is free, no email
  waits while more than N are free, and an email is taken only if N stay free; with
  age priority, the priority rule holds with an email that has waited its threshold
  ranked as a live contact;
* equivalence: ``n`` agents with ``k`` chat slots (no inflation) and ``n * k``
  single-slot agents give every contact the same wait on common random numbers;
* metamorphic checks on common random numbers: one more agent never lengthens the
  mean wait beyond noise; a pool stripped of a skill never serves that intent, and
  the arrivals do not move.

Examples are few (about 25 per property) and derandomized, so the file runs in
seconds and fails the same way every time.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.model import simulate
from sim.model.staffing import headcount_steps
from sim.records import ABANDONED, BLOCKED, ESCALATED, HANDLED, OPEN, TRANSFERRED, Records
from sim.scenario import Scenario, ScenarioError

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TERMINAL = (HANDLED, ABANDONED, BLOCKED, TRANSFERRED, ESCALATED)
EPS = 1e-6

KINDS = {"phone": "voice", "chat": "chat", "email": "email"}
INTENTS = ("billing", "tech", "sales")


def _minutes(x: float) -> str:
    return f"{x:.3f}min"


def _validate(d: dict) -> Scenario | None:
    try:
        return Scenario.from_dict(d)
    except ScenarioError:
        return None


# ------------------------------------------------------------------------- strategies
@st.composite
def channel_specs(draw, name: str) -> dict:
    kind = KINDS[name]
    ch: dict = {"kind": kind}
    if kind in ("voice", "chat") and draw(st.booleans()):
        ch["patience"] = {"dist": "exponential", "mean": _minutes(draw(st.floats(0.5, 6)))}
    if kind == "voice" and draw(st.booleans()):
        ch["queue_capacity"] = draw(st.integers(0, 6))
    if kind == "chat":
        ch["max_concurrency"] = draw(st.integers(1, 3))
        ch["concurrency_inflation"] = draw(st.sampled_from([0.0, 0.25]))
    return ch


@st.composite
def mixed_scenarios(draw) -> dict:
    """One to three channels and intents, optional segments, one to three pools with
    random channels and skills, sometimes overflow and handoffs between them."""
    chans = draw(st.lists(st.sampled_from(list(KINDS)), min_size=1, max_size=3, unique=True))
    intents = draw(st.lists(st.sampled_from(INTENTS), min_size=1, max_size=3, unique=True))
    n_pools = draw(st.integers(1, 3))
    pools: dict = {}
    for k in range(n_pools):
        pc = draw(st.lists(st.sampled_from(chans), min_size=1, max_size=len(chans),
                           unique=True))
        pool: dict = {"size": draw(st.integers(1, 6)), "channels": pc}
        if draw(st.booleans()):
            skilled = draw(st.lists(st.sampled_from(intents), min_size=1,
                                    max_size=len(intents), unique=True))
            pool["skills"] = {i: draw(st.sampled_from([0.5, 1.0, 2.0])) for i in skilled}
        pools[f"p{k}"] = pool
    # every (channel, intent) with demand must be servable: the first pool fills gaps
    first = pools["p0"]
    for ch in chans:
        for i in intents:
            if not any(ch in p["channels"] and (p.get("skills") is None or i in p["skills"])
                       for p in pools.values()):
                if ch not in first["channels"]:
                    first["channels"].append(ch)
                if first.get("skills") is not None and i not in first["skills"]:
                    first["skills"][i] = 1.0
    names = list(pools)
    if n_pools > 1 and draw(st.booleans()):
        src, dst = draw(st.permutations(names))[:2]
        pools[src]["overflow"] = {"to": dst, "after": f"{draw(st.integers(5, 90))}s"}
    if n_pools > 1 and draw(st.booleans()):
        src, dst = draw(st.permutations(names))[:2]
        pools[src]["handoffs"] = [{"to": dst, "probability": draw(st.sampled_from([0.2, 0.5])),
                                   "asynchronous": draw(st.booleans())}]
    d: dict = {
        "name": "property",
        "horizon": f"{draw(st.integers(60, 180))}min",
        "warmup": f"{draw(st.sampled_from([0, 10]))}min",
        "run_out": draw(st.sampled_from(["0s", "14d"])),
        "replications": 1,
        "seed": draw(st.integers(0, 10_000)),
        "channels": {ch: draw(channel_specs(ch)) for ch in chans},
        "intents": {i: {"share": 1.0 / len(intents),
                        "handle_time": {"dist": "exponential",
                                        "mean": _minutes(draw(st.floats(1, 6)))}}
                    for i in intents},
        "demand": [{"channel": ch, "rate": f"{draw(st.floats(0.3, 3)):.3f}/min"}
                   for ch in chans],
        "pools": pools,
    }
    if draw(st.booleans()):
        d["segments"] = {"gold": {"share": 0.3, "priority": 5}, "std": {"share": 0.7}}
    return d


def _valid_mixed(d: dict) -> Scenario:
    s = _validate(d)
    if s is None:  # a random route may carry nothing (refused at validation): drop it
        for pool in d["pools"].values():
            pool.pop("overflow", None)
            pool.pop("handoffs", None)
        s = _validate(d)
    assume(s is not None)
    assert s is not None
    return s


@st.composite
def single_pool_scenarios(draw, channel: str | None = None, segments: bool | None = None,
                          schedule: bool | None = None) -> dict:
    """One pool on one channel (voice or chat with 1-3 slots), loaded near or above
    its capacity, sometimes with two segments of different priority or a schedule."""
    ch = channel or draw(st.sampled_from(["phone", "chat"]))
    spec = draw(channel_specs(ch))
    slots = spec.get("max_concurrency", 1)
    size = draw(st.integers(1, 6))
    handle = draw(st.floats(1, 5))
    load = draw(st.floats(0.6, 1.4)) * size * slots
    pool: dict = {"channels": [ch]}
    if schedule if schedule is not None else draw(st.booleans()):
        pool["schedule"] = {"interval": "30min",
                            "headcount": draw(st.lists(st.integers(0, 6), min_size=48,
                                                       max_size=48))}
    else:
        pool["size"] = size
    d: dict = {
        "name": "single pool",
        "horizon": f"{draw(st.integers(90, 240))}min",
        "warmup": "0s",
        "start": f"Mon {draw(st.integers(0, 23)):02d}:00",
        "run_out": draw(st.sampled_from(["0s", "14d"])),
        "replications": 1,
        "seed": draw(st.integers(0, 10_000)),
        "channels": {ch: spec},
        "intents": {"general": {"handle_time": {"dist": "exponential",
                                                "mean": _minutes(handle)}}},
        "demand": [{"channel": ch, "rate": f"{load / handle:.4f}/min"}],
        "pools": {"team": pool},
    }
    if segments if segments is not None else draw(st.booleans()):
        d["segments"] = {"gold": {"share": draw(st.sampled_from([0.2, 0.5])),
                                  "priority": draw(st.integers(1, 10))},
                         "std": {"share": 0.0, "priority": 0}}
        d["segments"]["std"]["share"] = 1.0 - d["segments"]["gold"]["share"]
    return d


# ---------------------------------------------------------------------------- checks
def check_conservation(s: Scenario, rec: Records) -> None:
    c = rec.contacts
    out, step = c["outcome"], c["step"]
    n = rec.n_contacts
    assert np.isin(out, (*TERMINAL, OPEN)).all()
    counts = {k: int((out == k).sum()) for k in (*TERMINAL, OPEN)}
    assert sum(counts.values()) == n
    fresh = step == 0
    offered = int(fresh.sum())
    assert offered == sum(int((out[fresh] == k).sum()) for k in (*TERMINAL, OPEN))
    # each handoff piece follows exactly one transfer
    assert counts[TRANSFERRED] == int((step > 0).sum()) + rec.pending_handoffs
    arrival, answer, end = c["arrival_s"], c["answer_s"], c["end_s"]
    wait, handle = c["wait_s"], c["handle_s"]
    cutoff = rec.cutoff
    served = (out == HANDLED) | (out == TRANSFERRED)
    assert (c["pool"][served] >= 0).all()
    assert np.allclose(wait[served], answer[served] - arrival[served])
    assert np.allclose(handle[served], end[served] - answer[served])
    assert (end[served] <= cutoff + EPS).all()
    ab = out == ABANDONED
    assert np.isnan(answer[ab]).all() and np.allclose(wait[ab], end[ab] - arrival[ab])
    bl = out == BLOCKED
    assert np.isnan(answer[bl]).all() and np.allclose(end[bl], arrival[bl])
    # open: still waiting or in service at the cut-off, nothing after it
    op = out == OPEN
    assert np.isnan(end[op]).all() and (arrival[op] <= cutoff + EPS).all()
    assert (np.isnan(answer[op]) | (answer[op] <= cutoff + EPS)).all()
    # a customer abandons only on a channel with patience, is blocked only at a capacity
    kinds = list(s.channels.values())
    patient = np.asarray([ch.patience is None for ch in kinds])
    unlimited = np.asarray([ch.queue_capacity is None for ch in kinds])
    segment_patience = bool(s.segments) and any(g.patience for g in s.segments.values())
    if not segment_patience:
        assert not (ab & patient[c["channel"]]).any()
    assert not (bl & unlimited[c["channel"]] & (step == 0)).any()
    assert not (ab & (step > 0)).any()  # pieces of work never abandon
    if s.run_out >= 14 * 86400.0 and all(p.size is not None for p in s.pools.values()):
        assert counts[OPEN] == 0  # two weeks clear any backlog of a two-hour run


def check_skills(s: Scenario, rec: Records) -> None:
    c = rec.contacts
    names = list(s.intents)
    chans = list(s.channels)
    answered = c["pool"] >= 0
    for p, pool in enumerate(s.pools.values()):
        mine = answered & (c["pool"] == p)
        if pool.skills is not None:
            skilled = np.asarray([pool.skills.get(n, 0.0) > 0 for n in names])
            assert skilled[c["intent"][mine]].all(), f"pool {p} served an intent it lacks"
        served_ch = np.asarray([ch in pool.channels for ch in chans])
        # customer contacts only: a handoff piece keeps its contact's channel
        fresh = mine & (c["step"] == 0)
        assert served_ch[c["channel"][fresh]].all(), f"pool {p} served a channel it lacks"


def _sweep(times: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The running total of ``deltas`` after all events at each distinct time."""
    order = np.argsort(times, kind="stable")
    t, total = times[order], np.cumsum(deltas[order])
    last = np.r_[t[1:] != t[:-1], True]
    return t[last], total[last]


def has_policy(s: Scenario) -> bool:
    """True if a pool has a blending policy (it changes who is served when on purpose)."""
    return any(p.reserve is not None or p.age_priority is not None or p.interrupt is not None
               for p in s.pools.values())


def check_work_conservation(s: Scenario, rec: Records) -> None:
    """No free slot of the pool while a customer waits (one pool, one channel)."""
    assert not has_policy(s), "a reserve holds agents back: see check_reserve"
    c = rec.contacts
    (pool,) = s.pools.values()
    (spec,) = s.channels.values()
    slots = spec.max_concurrency
    cutoff = rec.cutoff
    steps_t, steps_n = headcount_steps(pool, s.start, s.end_s + s.run_out)
    queued = c["outcome"] != BLOCKED
    arrival, answer, end = c["arrival_s"], c["answer_s"], c["end_s"]
    leave_q = np.where(np.isnan(answer), np.where(np.isnan(end), np.inf, end), answer)
    served = ~np.isnan(answer)
    done = np.where(np.isnan(end), np.inf, end)
    times = np.concatenate([arrival[queued], leave_q[queued], answer[served], done[served],
                            np.asarray(steps_t, dtype=float)])
    dq = np.concatenate([np.ones(queued.sum()), -np.ones(queued.sum()),
                         np.zeros(2 * served.sum() + len(steps_t))])
    db = np.concatenate([np.zeros(2 * queued.sum()), np.ones(served.sum()),
                         -np.ones(served.sum()), np.zeros(len(steps_t))])
    t, q = _sweep(times, dq)
    _, busy = _sweep(times, db)
    keep = t < cutoff
    t, q, busy = t[keep], q[keep], busy[keep]
    idx = np.searchsorted(np.asarray(steps_t), t, side="right") - 1
    capacity = np.asarray(steps_n)[idx] * slots
    assert (q >= -EPS).all() and (busy >= -EPS).all()
    bad = (q > 0.5) & (busy < capacity - 0.5)
    assert not bad.any(), (
        f"{int(bad.sum())} moments with a contact waiting and a free slot, first at "
        f"t={t[bad][0]:.3f}s: {q[bad][0]:.0f} waiting, {busy[bad][0]:.0f} of "
        f"{capacity[bad][0]} slots busy")


def check_priority(s: Scenario, rec: Records, aged_after: float | None = None) -> None:
    """At every answer no waiting contact had a better key (rank, -priority, arrival).

    ``aged_after``: the one pool's ``age_priority`` threshold; an email that has waited
    that long at the answer ranks as a live contact (rank 0). Without it the scenario
    must have no blending policy."""
    assert aged_after is not None or not has_policy(s)
    c = rec.contacts
    prio = np.asarray([g.priority for g in s.segments.values()]) if s.segments \
        else np.zeros(1)
    kinds = [ch.kind for ch in s.channels.values()]
    email = np.asarray([k == "email" for k in kinds])[c["channel"]]
    pr = -prio[c["segment"]]
    arrival, answer, end = c["arrival_s"], c["answer_s"], c["end_s"]
    queued = c["outcome"] != BLOCKED
    leave = np.where(np.isnan(answer), np.where(np.isnan(end), np.inf, end), answer)
    for x in np.flatnonzero(~np.isnan(answer)):
        a = answer[x]
        aged = (a - arrival >= aged_after) if aged_after is not None else False
        rank = np.where(email & ~aged, 1, 0)
        waiting = queued & (arrival < a - EPS) & (leave > a + EPS)
        better = (rank < rank[x]) | ((rank == rank[x]) & (
            (pr < pr[x]) | ((pr == pr[x]) & (arrival < arrival[x] - EPS))))
        skipped = np.flatnonzero(waiting & better)
        assert skipped.size == 0, (
            f"contact {x} (segment {c['segment'][x]}, channel {c['channel'][x]}, arrived "
            f"{arrival[x]:.2f}) answered at {a:.2f} while contact {skipped[0]} (segment "
            f"{c['segment'][skipped[0]]}, arrived {arrival[skipped[0]]:.2f}) waited")


def check_reserve(s: Scenario, rec: Records) -> None:
    """One fixed-size pool on phone and email with ``reserve: {channel: phone, agents:
    N}`` (N = 0: none): after all events of each moment, no call waits while an agent
    is free and no email waits while more than N are; an email is answered only if N
    agents stay free."""
    c = rec.contacts
    (pool,) = s.pools.values()
    size = pool.size
    keep = pool.reserve.agents if pool.reserve is not None else 0
    chans = list(s.channels)
    phone, email = c["channel"] == chans.index("phone"), c["channel"] == chans.index("email")
    queued = c["outcome"] != BLOCKED
    arrival, answer, end = c["arrival_s"], c["answer_s"], c["end_s"]
    leave_q = np.where(np.isnan(answer), np.where(np.isnan(end), np.inf, end), answer)
    served = ~np.isnan(answer)
    done = np.where(np.isnan(end), np.inf, end)
    times = np.concatenate([arrival[queued], leave_q[queued], answer[served], done[served]])
    nq, ns = int(queued.sum()), int(served.sum())
    zq, zs = np.zeros(2 * nq), np.zeros(2 * ns)
    one_q = np.concatenate([np.ones(nq), -np.ones(nq)])
    dp = np.concatenate([one_q * np.r_[phone[queued], phone[queued]], zs])
    de = np.concatenate([one_q * np.r_[email[queued], email[queued]], zs])
    db = np.concatenate([zq, np.ones(ns), -np.ones(ns)])
    t, qp = _sweep(times, dp)
    _, qe = _sweep(times, de)
    _, busy = _sweep(times, db)
    keep_t = t < rec.cutoff
    t, qp, qe, busy = t[keep_t], qp[keep_t], qe[keep_t], busy[keep_t]
    free = size - busy
    bad = (qp > 0.5) & (free > 0.5)
    assert not bad.any(), f"a call waits with {free[bad][0]:.0f} agents free at {t[bad][0]:.2f}"
    bad = (qe > 0.5) & (free > keep + 0.5)
    assert not bad.any(), (f"an email waits with {free[bad][0]:.0f} agents free (reserve "
                           f"{keep}) at {t[bad][0]:.2f}")
    taken = answer[served & email & (answer < rec.cutoff)]
    free_after = free[np.searchsorted(t, taken)]
    assert (free_after >= keep - 0.5).all(), f"an email left {free_after.min():.0f} free"


# ---------------------------------------------------------------------------- properties
@SETTINGS
@given(mixed_scenarios())
def test_every_contact_ends_once_and_only_skilled_pools_serve(d):
    s = _valid_mixed(d)
    rec = simulate(s, 0)
    check_conservation(s, rec)
    check_skills(s, rec)


@SETTINGS
@given(single_pool_scenarios())
def test_no_free_agent_while_a_contact_waits(d):
    s = Scenario.from_dict(d)
    rec = simulate(s, 0)
    check_conservation(s, rec)
    check_work_conservation(s, rec)


@SETTINGS
@given(single_pool_scenarios(segments=True))
def test_no_better_contact_is_skipped(d):
    s = Scenario.from_dict(d)
    rec = simulate(s, 0)
    check_priority(s, rec)
    c = rec.contacts
    assume((c["wait_s"] > 0).sum() > 5)  # the queue was used


@st.composite
def blended_scenarios(draw) -> dict:
    """One pool serving calls and multi-slot chats, two segments on each channel."""
    d = draw(single_pool_scenarios(channel="phone", segments=True, schedule=False))
    k = draw(st.integers(2, 3))
    d["channels"]["chat"] = {"kind": "chat", "max_concurrency": k}
    d["pools"]["team"]["channels"] = ["phone", "chat"]
    d["pools"]["team"]["size"] = draw(st.integers(2, 8))
    d["demand"].append({"channel": "chat", "rate": f"{draw(st.floats(0.5, 4)):.3f}/min"})
    return d


@SETTINGS
@given(blended_scenarios())
def test_blended_pool_never_skips_a_better_contact(d):
    """Calls and chats of two segments: an agent holding chats drains rather than take a
    chat ranked below a waiting call, so the order holds across both channels."""
    s = Scenario.from_dict(d)
    rec = simulate(s, 0)
    check_conservation(s, rec)
    check_priority(s, rec)


# ------------------------------------------------------------------------ equivalence
def _chat_pool(agents: int, slots: int, rate: float, patience: float | None,
               seed: int) -> Scenario:
    ch: dict = {"kind": "chat", "max_concurrency": slots}
    if patience is not None:
        ch["patience"] = {"dist": "exponential", "mean": _minutes(patience)}
    return Scenario.from_dict({
        "name": "chat slots", "horizon": "4h", "warmup": "15min", "replications": 1,
        "seed": seed, "channels": {"chat": ch},
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "4min"}}},
        "demand": [{"channel": "chat", "rate": f"{rate:.4f}/min"}],
        "pools": {"agents": {"size": agents, "channels": ["chat"]}},
    })


def test_ten_agents_with_three_slots_equal_thirty_single_slot_agents():
    """Without inflation a slot is a server: same seed, same contacts, same waits."""
    for patience in (None, 3.0):
        a = simulate(_chat_pool(10, 3, 7.0, patience, 5), 0).contacts
        b = simulate(_chat_pool(30, 1, 7.0, patience, 5), 0).contacts
        assert (a["wait_s"] > 0).sum() > 100  # a real queue
        for col in ("arrival_s", "answer_s", "end_s", "wait_s", "outcome"):
            assert np.array_equal(a[col], b[col], equal_nan=True), col


@SETTINGS
@given(agents=st.integers(1, 6), slots=st.integers(2, 3), load=st.floats(0.7, 1.3),
       patience=st.one_of(st.none(), st.floats(0.5, 5)), seed=st.integers(0, 10_000))
def test_chat_slots_are_servers(agents, slots, load, patience, seed):
    rate = load * agents * slots / 4.0
    a = simulate(_chat_pool(agents, slots, rate, patience, seed), 0).contacts
    b = simulate(_chat_pool(agents * slots, 1, rate, patience, seed), 0).contacts
    assert np.array_equal(a["wait_s"], b["wait_s"], equal_nan=True)
    assert np.array_equal(a["outcome"], b["outcome"])


# ---------------------------------------------------------------------- metamorphic
def _mean_wait(rec: Records) -> float:
    c = rec.contacts
    w = c["wait_s"][c["in_window"] & (c["step"] == 0)]
    w = w[~np.isnan(w)]
    return float(w.mean()) if w.size else 0.0


@SETTINGS
@given(single_pool_scenarios(schedule=False))
def test_one_more_agent_never_lengthens_the_mean_wait(d):
    s = Scenario.from_dict(d)
    more = copy.deepcopy(d)
    more["pools"]["team"]["size"] += 1
    s_more = Scenario.from_dict(more)
    reps = 4
    diff = np.asarray([_mean_wait(simulate(s_more, r)) - _mean_wait(simulate(s, r))
                       for r in range(reps)])
    se = float(diff.std(ddof=1) / math.sqrt(reps))
    assert diff.mean() <= 3.0 * se + EPS, f"one more agent: mean wait up by {diff}"


@SETTINGS
@given(mixed_scenarios(), st.data())
def test_a_pool_without_a_skill_never_serves_it(d, data):
    s = _valid_mixed(d)
    d = copy.deepcopy(s.raw)
    candidates = [(p, i) for p, pool in d["pools"].items() for i in d["intents"]
                  if pool.get("skills") is None or i in pool["skills"]]
    p, intent = data.draw(st.sampled_from(candidates))
    pool = d["pools"][p]
    pool["skills"] = {i: v for i, v in (pool.get("skills") or dict.fromkeys(d["intents"],
                                                                            1.0)).items()
                      if i != intent}
    assume(pool["skills"])
    stripped = _validate(d)
    assume(stripped is not None)
    assert stripped is not None
    before, after = simulate(s, 0).contacts, simulate(stripped, 0).contacts
    code_p, code_i = list(s.pools).index(p), list(s.intents).index(intent)
    assert not ((after["pool"] == code_p) & (after["intent"] == code_i)).any()
    # common random numbers: the customers and their first contacts do not move
    n = min(int((before["step"] == 0).sum()), int((after["step"] == 0).sum()), 50)
    assert np.array_equal(before["arrival_s"][before["step"] == 0][:n],
                          after["arrival_s"][after["step"] == 0][:n])
    check_conservation(stripped, simulate(stripped, 1))


# ------------------------------------------------------------------ engine regressions
def test_draining_chat_agents_take_the_held_back_chats_when_the_call_is_taken():
    """Found by the priority property: an agent holding a chat drains while an older
    call waits; when another agent took that call, the drained agent kept its free
    slot and a later chat jumped the waiting one (and the slot idled meanwhile)."""
    s = Scenario.from_dict({
        "name": "blended", "horizon": "90min", "warmup": "0s", "run_out": "0s",
        "replications": 1, "seed": 0,
        "channels": {"phone": {"kind": "voice"}, "chat": {"kind": "chat", "max_concurrency": 2}},
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "1min"}}},
        "demand": [{"channel": "phone", "rate": "1/min"}, {"channel": "chat", "rate": "1/min"}],
        "pools": {"team": {"channels": ["phone", "chat"], "size": 2}},
        "segments": {"gold": {"share": 0.2, "priority": 1}, "std": {"share": 0.8}},
    })
    rec = simulate(s, 0)
    c = rec.contacts
    # row 13 (a call) was taken at 821.9 s; chat 14 had waited for it since 804.8 s and
    # goes to the free slot at once (it waited until 849.6 s, after chat 15 of 839.6 s)
    assert c["channel"][13] == 0 and c["channel"][14] == 1 == c["channel"][15]
    assert c["answer_s"][14] == c["answer_s"][13]
    assert c["answer_s"][15] >= c["answer_s"][14]
    check_priority(s, rec)
    check_conservation(s, rec)


def test_chat_agent_that_stays_after_all_fills_its_free_slots():
    """Found by the work-conservation property: a chat agent asked to leave at a
    headcount drop stays when the headcount rises again, but took no waiting chat into
    its free slots until one of its own chats ended."""
    for seed in range(3):
        s = Scenario.from_dict({
            "name": "stay", "horizon": "6h", "warmup": "0s", "replications": 1, "seed": seed,
            "channels": {"chat": {"kind": "chat", "max_concurrency": 3}},
            "intents": {"general": {"handle_time": {"dist": "exponential", "mean": "60min"}}},
            "demand": [{"channel": "chat", "rate": "0.25/min"}],
            "pools": {"team": {"channels": ["chat"],
                               "schedule": {"interval": "30min", "headcount": [4, 3] * 24}}},
        })
        rec = simulate(s, 0)
        assert (rec.contacts["wait_s"] > 0).sum() > 20
        check_work_conservation(s, rec)


@SETTINGS
@given(single_pool_scenarios(channel="chat", schedule=True))
def test_no_free_chat_slot_while_a_chat_waits_under_a_schedule(d):
    d["intents"]["general"]["handle_time"]["mean"] = "45min"  # chats outlast the steps
    d["demand"][0]["rate"] = "0.3/min"
    s = Scenario.from_dict(d)
    check_work_conservation(s, simulate(s, 0))


# ------------------------------------------------------------------ blending policy
@st.composite
def policy_scenarios(draw) -> dict:
    """One fixed-size pool on phone and email (two segments or none), loaded near or
    above capacity, with a voice reserve, email age priority, both or neither."""
    d = draw(single_pool_scenarios(channel="phone", schedule=False))
    size = draw(st.integers(2, 6))
    d["pools"]["team"]["size"] = size
    d["channels"]["email"] = {"kind": "email"}
    d["pools"]["team"]["channels"] = ["phone", "email"]
    d["demand"].append({"channel": "email", "rate": f"{draw(st.floats(0.2, 1.5)):.3f}/min"})
    if draw(st.booleans()):
        d["pools"]["team"]["reserve"] = {"channel": "phone",
                                         "agents": draw(st.integers(1, size - 1))}
    if draw(st.booleans()):
        d["pools"]["team"]["age_priority"] = {"channel": "email",
                                              "after": _minutes(draw(st.floats(1, 20)))}
    return d


@SETTINGS
@given(policy_scenarios())
def test_reserve_keeps_agents_free_for_calls_and_no_more(d):
    s = Scenario.from_dict(d)
    rec = simulate(s, 0)
    check_conservation(s, rec)
    check_reserve(s, rec)


@SETTINGS
@given(policy_scenarios())
def test_an_aged_email_ranks_as_a_live_contact(d):
    d["pools"]["team"].pop("reserve", None)  # the reserve may hold an aged email back
    d["pools"]["team"].setdefault("age_priority", {"channel": "email", "after": "5min"})
    s = Scenario.from_dict(d)
    rec = simulate(s, 0)
    check_conservation(s, rec)
    age = s.pools["team"].age_priority
    assert age is not None
    check_priority(s, rec, aged_after=age.after)
