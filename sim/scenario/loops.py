"""Handoff and escalation loops: work that can pass between pools without end.

A finished piece of work leaves its pool by a handoff rule (``handoffs``, with a
probability) or, when it did not resolve the need, by escalation (``escalate_to``,
for intents the pool's proficiency is below ``escalate_below``); each move starts a
new piece in the receiving pool. For one intent these moves form a Markov chain
over pools whose transition matrix ``Q`` holds the chance a piece in pool ``a`` is
followed by one in pool ``b``. The expected number of pieces a contact entering
pool ``a`` turns into is row ``a`` of ``(I - Q)^-1 · 1``; it is unbounded when
some loop is certain (tier1 -> tier2 -> tier1, each with probability 1), whatever
the handoff delays, and very large when a loop is nearly certain.

Escalation is counted at its worst: a piece escalates unless it resolves, with the
lowest resolution chance over the channels the pool serves (backstage failures and
visits only lower it). A scenario whose contacts turn into more than
``MAX_PIECES`` pieces on average is refused, naming a move on the loop.

Overflow and failover cannot loop: an overflowing contact joins the next pool's
queue once (a pool already holding it is skipped, :mod:`sim.model.world`), and a
failover moves a new contact one hop only (:mod:`sim.model.outages`). Recontacts and
retries are capped by ``recontact.max_attempts`` (at most 1,000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.scenario.schema import Pool, Scenario

Add = Callable[[Sequence[str | int], str], None]

#: Pieces of work one contact may turn into on average (a real chain has 1-5).
MAX_PIECES = 25.0
#: Value-iteration steps: enough to tell MAX_PIECES from unbounded.
_STEPS = int(20 * MAX_PIECES)
_CERTAIN = 1.0 - 1e-9

Move = tuple[str | int, ...]
_ADVICE = ("lower a handoff probability on the loop, let more work resolve ('resolution' "
           "of the intent), or end the loop")


def _proficiency(pool: Pool, intent: str) -> float:
    if pool.skills is None:
        return 1.0
    return float(pool.skills.get(intent, 0.0))


def _unresolved(sc: Scenario, pool: Pool, intent: str) -> float:
    """The highest chance that a piece of ``intent`` handled by ``pool`` is not resolved."""
    spec = sc.intents[intent]
    worst = 0.0
    for channel in pool.channels:
        r = spec.resolution_p(channel)
        if r is not None:
            worst = max(worst, 1.0 - r * min(1.0, _proficiency(pool, intent)))
    return worst


def transitions(sc: Scenario, intent: str) -> tuple[np.ndarray, dict[tuple[int, int], Move]]:
    """The matrix ``Q`` of moves between pools for ``intent`` (pools in file order), and
    where each move is written."""
    names = list(sc.pools)
    index = {n: k for k, n in enumerate(names)}
    q = np.zeros((len(names), len(names)))
    where: dict[tuple[int, int], Move] = {}
    for a, (name, pool) in enumerate(sc.pools.items()):
        if _proficiency(pool, intent) <= 0:
            continue  # the pool never holds this intent's work
        acc = 0.0
        for k, rule in enumerate(pool.handoffs):
            if rule.intents is not None and intent not in rule.intents:
                continue
            share = max(0.0, min(acc + rule.probability, 1.0) - acc)
            acc += share
            b = index.get(rule.to)
            if b is not None and share > 0:
                q[a, b] += share
                where.setdefault((a, b), ("pools", name, "handoffs", k))
        esc = pool.escalate_to
        below = pool.escalate_below
        b = index.get(esc) if esc is not None else None
        if b is not None and below is not None and _proficiency(pool, intent) < below:
            share = (1.0 - acc) * _unresolved(sc, pool, intent)
            if share > 0:
                q[a, b] += share
                where.setdefault((a, b), ("pools", name, "escalate_to"))
    return q, where


def expected_pieces(q: np.ndarray) -> np.ndarray:
    """Expected pieces of a contact entering each pool, capped near ``_STEPS`` (the
    value iteration ``n = 1 + Q n`` from ``n = 1``; it grows without bound on a
    certain loop)."""
    n = np.ones(q.shape[0])
    for _ in range(_STEPS):
        nxt = 1.0 + q @ n
        if np.allclose(nxt, n, rtol=1e-12, atol=1e-9):
            return nxt
        n = nxt
    return n


def max_pieces(sc: Scenario) -> float:
    """The most pieces of work a contact turns into on average, over intents and pools
    (1 without handoffs or escalation)."""
    if not any(p.handoffs or p.escalate_to for p in sc.pools.values()):
        return 1.0
    most = 1.0
    for intent in sc.intents:
        q, _ = transitions(sc, intent)
        if q.any():
            most = max(most, float(expected_pieces(q).max()))
    return most


def check_loops(sc: Scenario, add: Add) -> None:
    """Report the first intent whose work can loop between pools (see the module)."""
    if not any(p.handoffs or p.escalate_to for p in sc.pools.values()):
        return
    names = list(sc.pools)
    for intent in sc.intents:
        q, where = transitions(sc, intent)
        if not q.any():
            continue
        n = expected_pieces(q)
        bad = [a for a in range(len(names)) if n[a] > MAX_PIECES]
        if not bad:
            continue
        cycle = _cycle(q, bad)
        loop = " -> ".join(names[a] for a in cycle)
        move = where[(cycle[0], cycle[1])]
        if float(np.max(np.abs(np.linalg.eigvals(q)))) >= _CERTAIN:
            add(move, f"work of intent '{intent}' passes {loop} without end (every step "
                      f"is certain, whatever the delays); {_ADVICE}")
        else:
            add(move, f"work of intent '{intent}' passes {loop} again and again: about "
                      f"{min(n[cycle[0]], 1e6):,.0f} pieces of work per contact on average "
                      f"(at most {MAX_PIECES:g}); {_ADVICE}")
        return


def _cycle(q: np.ndarray, bad: list[int]) -> list[int]:
    """A loop through the pools in ``bad``: from the first, follow the likeliest move to
    another such pool until a pool repeats; the pools of the loop, first one repeated."""
    inside = set(bad)
    path = [bad[0]]
    while True:
        row = q[path[-1]]
        options = [b for b in range(len(row)) if row[b] > 0 and b in inside]
        if not options:  # cannot happen for a pool with unbounded pieces; be safe
            options = [b for b in range(len(row)) if row[b] > 0] or [path[-1]]
        nxt = max(options, key=lambda b: (row[b], -b))
        if nxt in path:
            start = path.index(nxt)
            return [*path[start:], nxt]
        path.append(nxt)
