"""Checks that every route between pools leads to a pool that can do the work.

Work moves between pools by overflow, handoff, escalation (``escalate_to``) and
pool failover. The engine never serves work outside a pool's skills: an overflow
or a failover only moves a contact the receiving pool can serve (the others stay
where they are), and a handoff or escalation must land somewhere that can serve
it. So a route that can carry no work at all, or a handoff/escalation that carries
an intent the receiving pool has no skill for, is a mistake in the scenario,
reported here with the route's line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sim.scenario.schema import Pool, Scenario

Add = Callable[[Sequence[str | int], str], None]


def _served(sc: Scenario, pool: Pool) -> list[str]:
    """Intents the pool has a skill for, in declaration order."""
    return [i for i in sc.intents if pool.skills is None or i in pool.skills]


def _skilled(pool: Pool, intent: str) -> bool:
    return pool.skills is None or intent in pool.skills


def _names(items: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in items)


def check_routes(sc: Scenario, add: Add) -> None:
    """Overflow, handoff, escalation and pool failover targets can serve what they get."""
    for name, pool in sc.pools.items():
        served = _served(sc, pool)
        over = pool.overflow
        if over is not None and over.to in sc.pools and over.to != name:
            target = sc.pools[over.to]
            shared = set(pool.channels) & set(target.channels)
            if shared and not any(_skilled(target, i) for i in served):
                add(("pools", name, "overflow", "to"),
                    f"pool '{over.to}' has no skill for any intent this pool serves "
                    f"({_names(served)}), so no contact could overflow to it; add one to "
                    f"its 'skills' or pick another pool")
        for k, h in enumerate(pool.handoffs):
            if h.to not in sc.pools or h.to == name:
                continue
            carried = list(h.intents) if h.intents is not None else served
            missing = [i for i in carried if i in sc.intents and not _skilled(sc.pools[h.to], i)]
            if missing:
                add(("pools", name, "handoffs", k, "to"),
                    f"pool '{h.to}' has no skill for intent {_names(missing)}, which this "
                    f"handoff passes on; add it to the skills of '{h.to}' or list the "
                    f"intents the handoff applies to under 'intents'")
        if pool.escalate_to in sc.pools and pool.escalate_to != name:
            below = pool.escalate_below or 0.0
            carried = [i for i in served
                       if (1.0 if pool.skills is None else pool.skills[i]) < below]
            target = sc.pools[pool.escalate_to]
            missing = [i for i in carried if not _skilled(target, i)]
            if missing:
                add(("pools", name, "escalate_to"),
                    f"pool '{pool.escalate_to}' has no skill for intent {_names(missing)}, "
                    f"which this pool escalates (proficiency below {below:g}); add it to the "
                    f"skills of '{pool.escalate_to}'")
    for k, fo in enumerate(sc.failover):
        src, dst = sc.pools.get(fo.from_), sc.pools.get(fo.to)
        if src is None or dst is None or fo.from_ == fo.to:
            continue
        channels = [c for c in src.channels if c in dst.channels]
        intents = [i for i in _served(sc, src) if _skilled(dst, i)]
        if not channels or not intents:
            why = (f"serves none of its channels ({_names(src.channels)})" if not channels
                   else f"has no skill for any of its intents ({_names(_served(sc, src))})")
            add(("failover", k, "to"),
                f"pool '{fo.to}' {why}, so it could take none of the work of '{fo.from_}'; "
                f"pick a backup that serves the same channels and intents")
