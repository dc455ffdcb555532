"""Cross-reference checks between the sections of a validated scenario.

Pydantic checks each field on its own; these checks look across sections: a demand
line naming a channel, intent, segment or profile that is not declared; a pool
serving an unknown channel or skilled in an unknown intent; overflow or handoffs
to an unknown pool (or to itself); demand that no pool can serve; intent and
segment shares that do not add up to one. All problems are collected, the first
(in file order) is raised as a :class:`ScenarioError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sim.scenario.errors import Issue, format_path, raise_issues, unknown_name
from sim.scenario.events import check_event_reach, check_events
from sim.scenario.field import check_field, check_field_coverage
from sim.scenario.operations import check_operations
from sim.scenario.routes import check_routes
from sim.scenario.schema import LIVE_KINDS, SELF_SERVICE_KINDS, Scenario
from sim.scenario.units import format_clock

Locate = Callable[[Sequence[str | int]], int | None]

SHARE_TOLERANCE = 1e-6


def _no_lines(parts: Sequence[str | int]) -> int | None:
    return None


def check(scenario: Scenario, locate: Locate | None = None, *, file: str | None = None) -> None:
    """Raise :class:`ScenarioError` for the first cross-reference problem, if any.

    Args:
        scenario: A scenario that passed field validation.
        locate: Maps a path (``("pools", "tier1", "size")``) to its line, or None.
        file: The scenario file, for the error message.
    """
    issues = find_issues(scenario, locate or _no_lines)
    if issues:
        raise_issues(issues, file)


def find_issues(scenario: Scenario, locate: Locate) -> list[Issue]:
    """Every cross-reference problem in ``scenario``."""
    out: list[Issue] = []

    rank = 0

    def add(parts: Sequence[str | int], msg: str) -> None:
        out.append(Issue(format_path(parts), locate(parts), msg, rank))

    _check_demand_refs(scenario, add)
    _check_pools(scenario, add)
    _check_shares(scenario, add)
    _check_journey_refs(scenario, add)
    _check_backstage(scenario, add)
    check_events(scenario, add)
    check_field(scenario, add)
    check_operations(scenario, add)
    rank = 1  # consequences: reported after any unknown name they may stem from
    _check_servable(scenario, add)
    _check_reachable(scenario, add)
    check_routes(scenario, add)
    check_event_reach(scenario, add)
    check_field_coverage(scenario, add)
    return out


Add = Callable[[Sequence[str | int], str], None]



def _check_demand_refs(sc: Scenario, add: Add) -> None:
    for i, line in enumerate(sc.demand):
        if line.channel not in sc.channels:
            add(("demand", i, "channel"),
                unknown_name("channel", line.channel, sc.channels, "channels"))
        if line.intent is not None and line.intent not in sc.intents:
            add(("demand", i, "intent"), unknown_name("intent", line.intent, sc.intents, "intents"))
        if line.segment is not None:
            if not sc.segments:
                add(
                    ("demand", i, "segment"),
                    f"names segment '{line.segment}' but the scenario declares no 'segments'; "
                    "declare it under 'segments' or remove 'segment' here",
                )
            elif line.segment not in sc.segments:
                add(("demand", i, "segment"),
                    unknown_name("segment", line.segment, sc.segments, "segments"))
        if isinstance(line.profile, str) and line.profile not in sc.profiles:
            add(("demand", i, "profile"),
                unknown_name("profile", line.profile, sc.profiles, "profiles"))


def _check_pools(sc: Scenario, add: Add) -> None:
    for name, pool in sc.pools.items():
        for j, ch in enumerate(pool.channels):
            if ch not in sc.channels:
                add(("pools", name, "channels", j),
                    unknown_name("channel", ch, sc.channels, "channels"))
        for intent in pool.skills or {}:
            if intent not in sc.intents:
                add(("pools", name, "skills", intent),
                    unknown_name("intent", intent, sc.intents, "intents"))
        targets: list[tuple[tuple[str | int, ...], str]] = []
        if pool.overflow is not None:
            targets.append((("pools", name, "overflow", "to"), pool.overflow.to))
        for k, handoff in enumerate(pool.handoffs):
            targets.append((("pools", name, "handoffs", k, "to"), handoff.to))
            for m, intent in enumerate(handoff.intents or ()):
                if intent not in sc.intents:
                    add(("pools", name, "handoffs", k, "intents", m),
                        unknown_name("intent", intent, sc.intents, "intents"))
        if pool.escalate_to is not None:
            targets.append((("pools", name, "escalate_to"), pool.escalate_to))
        for j, ch in enumerate(pool.channels):
            channel = sc.channels.get(ch)
            if channel is not None and channel.kind in SELF_SERVICE_KINDS:
                add(("pools", name, "channels", j),
                    f"channel '{ch}' is {channel.kind}: its sessions need no agents; "
                    f"remove it from this pool's 'channels'")
        for parts, to in targets:
            if to == name:
                add(parts, f"pool '{name}' cannot pass contacts to itself")
            elif to not in sc.pools:
                add(parts, unknown_name("pool", to, sc.pools, "pools"))
        over = pool.overflow
        if over is not None and over.to in sc.pools and over.to != name:
            shared = set(pool.channels) & set(sc.pools[over.to].channels)
            if not shared:
                add(("pools", name, "overflow", "to"),
                    f"pool '{over.to}' serves none of this pool's channels "
                    f"({', '.join(pool.channels)}), so no contact could overflow to it; "
                    f"add a shared channel to its 'channels' or pick another pool")
        total = sum(h.probability for h in pool.handoffs if h.intents is None)
        if total > 1 + SHARE_TOLERANCE:
            add(("pools", name, "handoffs"),
                f"handoff probabilities add up to {total:g}; they can add up to at most 1")


def _check_shares(sc: Scenario, add: Add) -> None:
    sections = (("intents", "intent", sc.intents), ("segments", "segment", sc.segments))
    for section, noun, items in sections:
        shares = {n: item.share for n, item in items.items()}
        given = {n: s for n, s in shares.items() if s is not None}
        if given and len(given) < len(shares):
            missing = [n for n in shares if shares[n] is None]
            add((section, missing[0]),
                f"some {section} have a 'share' and this one does not; give a share for "
                f"every {noun} or for none (missing for: {', '.join(missing)})")
        elif given:
            total = sum(given.values())
            if abs(total - 1.0) > SHARE_TOLERANCE:
                add((section,),
                    f"{noun} shares add up to {total:g}; they must add up to 1 ("
                    + ", ".join(f"{n} {s:g}" for n, s in given.items()) + ")")
        if len(items) > 1 and not given:
            for i, line in enumerate(sc.demand):
                if getattr(line, noun) is None:
                    add(("demand", i),
                        f"this demand line names no {noun} and there are {len(items)} {section}; "
                        f"name one with '{noun}:' or give every {noun} a 'share'")
                    break


def _check_servable(sc: Scenario, add: Add) -> None:
    for i, line in enumerate(sc.demand):
        channel = sc.channels.get(line.channel)
        if channel is None or channel.kind not in LIVE_KINDS:
            continue
        if line.intent is not None:
            if line.intent not in sc.intents:
                continue
            intents = [line.intent]
        else:
            intents = [n for n, it in sc.intents.items() if it.share is None or it.share > 0]
        pools = [p for p in sc.pools.values() if line.channel in p.channels]
        for intent in intents:
            if not any(p.skills is None or intent in p.skills for p in pools):
                where = ("demand", i, "intent") if line.intent is not None else ("demand", i)
                if not pools:
                    msg = f"no pool serves channel '{line.channel}'; add it to a pool's 'channels'"
                else:
                    names = ", ".join(n for n, p in sc.pools.items() if line.channel in p.channels)
                    msg = (f"no pool can serve intent '{intent}' on channel '{line.channel}': "
                           f"add '{intent}' to the skills of a pool serving it ({names})")
                add(where, msg)
                break


def _check_journey_refs(sc: Scenario, add: Add) -> None:
    """Names used by the journey fields: containment, escalation, resolution, routing,
    recontact channel switches."""
    for name, ch in sc.channels.items():
        if isinstance(ch.containment, dict):
            for intent, value in ch.containment.items():
                if intent not in sc.intents:
                    add(("channels", name, "containment", intent),
                        unknown_name("intent", intent, sc.intents, "intents"))
                if isinstance(value, dict):
                    for seg in value:
                        if seg not in sc.segments:
                            add(("channels", name, "containment", intent, seg),
                                unknown_name("segment", seg, sc.segments, "segments"))
        if ch.escalation is not None:
            for to in ch.escalation.to:
                target = sc.channels.get(to)
                where = ("channels", name, "escalation", "to", to)
                if target is None:
                    add(where, unknown_name("channel", to, sc.channels, "channels"))
                elif target.kind not in LIVE_KINDS:
                    add(where, f"escalation goes to a live channel (voice, chat or email); "
                               f"'{to}' is {target.kind}")
    for name, spec in sc.intents.items():
        for cname in spec.resolution_by_channel or {}:
            if cname not in sc.channels:
                add(("intents", name, "resolution_by_channel", cname),
                    unknown_name("channel", cname, sc.channels, "channels"))
        for cname in spec.handle_time_by_channel or {}:
            at = ("intents", name, "handle_time_by_channel", cname)
            on = sc.channels.get(cname)
            if on is None:
                add(at, unknown_name("channel", cname, sc.channels, "channels"))
            elif on.kind not in LIVE_KINDS:
                add(at, f"handle_time_by_channel applies to live channels (voice, chat or "
                        f"email); '{cname}' is {on.kind}: its session time is the "
                        f"channel's 'duration'")
    for i, rule in enumerate(sc.routing):
        for j, pool in enumerate(rule.to):
            if pool not in sc.pools:
                add(("routing", i, "to", j), unknown_name("pool", pool, sc.pools, "pools"))
        for key, section, known in (("segment", "segments", sc.segments),
                                    ("intent", "intents", sc.intents),
                                    ("channel", "channels", sc.channels)):
            for j, value in enumerate(getattr(rule, key) or ()):
                if value not in known:
                    add(("routing", i, key, j), unknown_name(key, value, known, section))
    if sc.recontact is not None:
        for src, row in sc.recontact.channel_switch.items():
            if src not in sc.channels:
                add(("recontact", "channel_switch", src),
                    unknown_name("channel", src, sc.channels, "channels"))
            for to in row:
                if to not in sc.channels:
                    add(("recontact", "channel_switch", src, to),
                        unknown_name("channel", to, sc.channels, "channels"))


def _check_reachable(sc: Scenario, add: Add) -> None:
    """Live channels customers reach by escalation or a channel switch can serve them."""
    def servable(channel: str, intent: str) -> bool:
        return any(channel in p.channels and (p.skills is None or intent in p.skills)
                   for p in sc.pools.values())

    routes: list[tuple[tuple[str | int, ...], str, str]] = []  # (path, from, to)
    for name, ch in sc.channels.items():
        for to in ch.escalation.to if ch.escalation is not None else ():
            routes.append((("channels", name, "escalation", "to", to), name, to))
    if sc.recontact is not None:
        for src, row in sc.recontact.channel_switch.items():
            for to in row:
                routes.append((("recontact", "channel_switch", src, to), src, to))
    if not routes:
        return
    reached: set[tuple[str, str]] = set()
    for line in sc.demand:
        intents = [line.intent] if line.intent is not None else list(sc.intents)
        reached.update((line.channel, i) for i in intents)
    grew = True
    while grew:
        grew = False
        for _, src, to in routes:
            for via, intent in list(reached):
                if via == src and (to, intent) not in reached:
                    reached.add((to, intent))
                    grew = True
    for path, src, to in routes:
        target = sc.channels.get(to)
        if target is None or target.kind not in LIVE_KINDS:
            continue
        for via, intent in sorted(reached):
            if via == src and intent in sc.intents and not servable(to, intent):
                add(path, f"customers with intent '{intent}' reach channel '{to}' here but no "
                          f"pool serves '{intent}' on '{to}'; add it to a pool's 'channels' "
                          "and 'skills'")
                break


def _check_backstage(sc: Scenario, add: Add) -> None:
    """Backstage ``needed_by`` names, outage targets and failover pairs."""
    for name, system in sc.backstage.items():
        for key, known in (("intents", sc.intents), ("pools", sc.pools)):
            for j, value in enumerate(getattr(system.needed_by, key) or ()):
                if value not in known:
                    add(("backstage", name, "needed_by", key, j),
                        unknown_name(key[:-1], value, known, key))
        if name in sc.channels or name in sc.pools:
            add(("backstage", name), f"'{name}' is also a channel or pool name; outages and "
                                     "failover name their target, so give the system its own name")
    live = [n for n, c in sc.channels.items() if c.kind in LIVE_KINDS]
    targets = [*sc.backstage, *live, *sc.pools]
    for i, outage in enumerate(sc.outages):
        if outage.target in sc.channels and outage.target not in live:
            add(("outages", i, "target"), f"channel '{outage.target}' is "
                f"{sc.channels[outage.target].kind}: outages apply to live channels "
                "(voice, chat, email), backstage systems and pools")
        elif outage.target not in targets:
            add(("outages", i, "target"),
                unknown_name("outage target", outage.target, targets, "backstage, channels, pools"))
        elif outage.share < 1 and outage.target not in sc.pools:
            add(("outages", i, "share"), "'share' (of agents lost) applies to pool outages only")
        elif outage.drops and not (outage.target in sc.pools or (
                outage.target in sc.channels
                and sc.channels[outage.target].kind in ("voice", "chat"))):
            add(("outages", i, "drops"), "'drops' (cut the work in progress) applies to "
                "outages of voice or chat channels and of pools; a backstage outage follows "
                "its system's 'on_outage', and emails are not on the line")
        if outage.at is not None and outage.at < sc.start:
            add(("outages", i, "at"),
                f"the outage starts at {format_clock(outage.at)}, before the scenario starts "
                f"({format_clock(sc.start)}); a run cannot begin mid-outage: move 'at' to the "
                "start or later (or 'start' earlier)")
    for i, fo in enumerate(sc.failover):
        if fo.from_ in sc.channels:
            if fo.to not in live:
                add(("failover", i, "to"), f"a channel fails over to a live channel; "
                                           f"'{fo.to}' is not one ({', '.join(live)})")
            if fo.from_ not in live:
                add(("failover", i, "from"), f"channel '{fo.from_}' is not a live channel")
        elif fo.from_ in sc.pools:
            if fo.to not in sc.pools:
                add(("failover", i, "to"), unknown_name("pool", fo.to, sc.pools, "pools"))
        else:
            add(("failover", i, "from"), unknown_name("channel or pool", fo.from_,
                                                  [*sc.channels, *sc.pools], "channels, pools"))
        if fo.from_ == fo.to:
            add(("failover", i, "to"), "a failover cannot go to where it comes from")
    if len({fo.from_ for fo in sc.failover}) < len(sc.failover):
        add(("failover",), "give at most one failover per channel or pool")
