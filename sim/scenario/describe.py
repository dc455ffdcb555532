"""A one-screen, plain-text summary of what a scenario describes.

``servicesim validate FILE`` prints it (and the run report shows it) so a planner
can check that the file says what they meant: run settings, channels with their
opening hours (and what customers do while closed) and bot/self-service settings,
demand per hour with the offered load in Erlangs (arrival rate x mean handle time,
after-call work included), intents, segments (with their service-level targets),
pools (with their tenure mixes), recontacts (with sticky agents), backstage systems,
outages and failover (see :mod:`sim.scenario.describe_ops`).
"""

from __future__ import annotations

from sim.scenario.callbacks import callback_text
from sim.scenario.describe_levers import (
    backlog_lines,
    blending_text,
    closed_text,
    forecast_error_text,
    segment_target_text,
    shrinkage_text,
    uses_acw,
    wrap_up_text,
)
from sim.scenario.describe_ops import (
    channel_details,
    describe_journeys,
    describe_outages,
    scenario_warnings,
)
from sim.scenario.events import describe_shock
from sim.scenario.field import describe_field
from sim.scenario.identity import tenure_text
from sim.scenario.schema import LIVE_KINDS, DemandLine, Pool, Scenario
from sim.scenario.units import DAY_S, WEEK_S, format_clock, format_duration


def _dist(d: object) -> str:
    if d is None:
        return "none"
    name = str(getattr(d, "dist", "?"))
    mean = format_duration(float(getattr(d, "mean_s", 0.0)))
    cv = getattr(d, "cv", None)
    if name in ("exponential", "deterministic") or cv is None:
        return f"{name} mean {mean}"
    return f"{name} mean {mean} cv {float(cv):.2f}"


def _per_hour(rate_per_s: float) -> str:
    per_h = rate_per_s * 3600.0
    return f"{per_h:,.1f}/h" if per_h < 100 else f"{per_h:,.0f}/h"


def _intent_mix(sc: Scenario, line: DemandLine) -> dict[str, float]:
    """Intent -> share of this line's contacts."""
    if line.intent is not None:
        return {line.intent: 1.0} if line.intent in sc.intents else {}
    if len(sc.intents) == 1:
        return {next(iter(sc.intents)): 1.0}
    shares = {n: it.share or 0.0 for n, it in sc.intents.items()}
    total = sum(shares.values()) or 1.0
    return {n: s / total for n, s in shares.items()}


def offered_load(sc: Scenario, line: DemandLine) -> float:
    """Mean offered load of a demand line in Erlangs (week-average rate x mean handle
    time, talk + after-call work)."""
    factor = sum(line.day_factors) / 7 if line.day_factors is not None else 1.0
    mix = _intent_mix(sc, line)
    aht = sum(share * (sc.intents[n].handle_time_on(line.channel).mean_s
                       + sc.intents[n].acw_mean_s(line.channel))
              for n, share in mix.items())
    return line.rate * factor * aht


def _on_duty_range(pool: Pool) -> tuple[int, int]:
    """Fewest and most agents on duty over the week (15-minute steps)."""
    if pool.size is not None:
        return pool.size, pool.size
    if pool.schedule is not None:
        return min(pool.schedule.headcount), max(pool.schedule.headcount)
    step = 900.0
    counts = [0] * int(WEEK_S // step)
    for shift in pool.shifts or ():
        length = (shift.end - shift.start) % DAY_S or DAY_S
        for day in shift.day_indices:
            t0 = day * DAY_S + shift.start
            k = 0
            while k * step < length:
                counts[int(((t0 + k * step) % WEEK_S) // step)] += shift.agents
                k += 1
    return min(counts), max(counts)


def _staffing(pool: Pool) -> str:
    lo, hi = _on_duty_range(pool)
    if pool.size is not None:
        return f"{pool.size} agents"
    how = (f"schedule ({format_duration(pool.schedule.interval)} intervals)"
           if pool.schedule is not None else f"{len(pool.shifts or ())} shift(s)")
    return f"{lo}-{hi} agents on duty, {how}"


def describe(scenario: Scenario) -> str:
    """Return a plain-text summary of ``scenario`` (about one screen)."""
    sc = scenario
    out = [f"Scenario: {sc.name}"]
    if sc.description:
        out.append(f"  {sc.description.strip().splitlines()[0]}")
    out.append(
        f"  run: {format_duration(sc.horizon)} measured after {format_duration(sc.warmup)} "
        f"warm-up; {sc.replications} replications; seed {sc.seed}; "
        f"starts {format_clock(0.0, sc.start)}"
    )
    out.append("Channels")
    w = max(len(n) for n in sc.channels)
    for name, ch in sc.channels.items():
        details = channel_details(ch)
        if ch.kind not in LIVE_KINDS:
            out.append(f"  {name:<{w}}  {ch.kind:<12} " + "; ".join(details)
                       if details else f"  {name:<{w}}  {ch.kind}")
            continue
        queue = "unlimited queue" if ch.queue_capacity is None else f"queue {ch.queue_capacity}"
        patience = "never abandon" if ch.patience is None else f"patience {_dist(ch.patience)}"
        extra = f", {ch.max_concurrency} chats at once" if ch.max_concurrency > 1 else ""
        closed = closed_text(ch)
        callback = callback_text(ch)
        hours = "".join(f"; {d}" for d in (*details, *([closed] if closed else []),
                                            *([callback] if callback else [])))
        out.append(f"  {name:<{w}}  {ch.kind:<12} SL target {format_duration(ch.sl_target_s)}; "
                   f"{patience}; {queue}{extra}{hours}")
    out.append("Demand (mean rate over the day; load = rate x mean handle time"
               + (", talk + after-call work" if uses_acw(sc) else "")
               + ("; at standard speed, before tenure multipliers)"
                  if any(p.tenure for p in sc.pools.values()) else ")"))
    load_by_channel: dict[str, float] = {}
    for i, line in enumerate(sc.demand):
        channel = sc.channels.get(line.channel)
        live = channel is not None and channel.kind in LIVE_KINDS
        load = offered_load(sc, line) if live else 0.0
        if live:
            load_by_channel[line.channel] = load_by_channel.get(line.channel, 0.0) + load
        intent = line.intent or ("mix" if len(sc.intents) > 1 else next(iter(sc.intents)))
        segment = line.segment or ("mix" if len(sc.segments) > 1 else "default")
        shape = []
        if line.profile is not None:
            shape.append(f"profile {line.profile if isinstance(line.profile, str) else 'inline'}")
        if line.day_factors is not None:
            shape.append("day factors")
        tail = f"  ({', '.join(shape)})" if shape else ""
        what = f"load {load:.1f} Erlangs" if live else "no agent load"
        out.append(f"  [{i}] {line.channel} / {intent} / {segment}: {_per_hour(line.rate)}, "
                   f"{what}{tail}")
    if load_by_channel:
        out.append("Offered load by channel: " + ", ".join(
            f"{ch} {load:.1f} Erlangs" for ch, load in load_by_channel.items()))
    forecast = forecast_error_text(sc)
    if forecast:
        out.append(forecast)
    out.append("Intents")
    w = max(len(n) for n in sc.intents)
    for name, spec in sc.intents.items():
        share = "" if spec.share is None else f"; share {spec.share:g}"
        by = "".join(f"; on {ch} {_dist(d)}"
                     for ch, d in (spec.handle_time_by_channel or {}).items())
        out.append(f"  {name:<{w}}  handle time {_dist(spec.handle_time)}{by}{share}"
                   f"{wrap_up_text(spec)}")
    if sc.segments:
        out.append("Segments")
        w = max(len(n) for n in sc.segments)
        for name, seg in sc.segments.items():
            share = "" if seg.share is None else f"; share {seg.share:g}"
            out.append(f"  {name:<{w}}  priority {seg.priority}{share}"
                       f"{segment_target_text(seg)}")
    out.append("Pools")
    w = max(len(n) for n in sc.pools)
    for name, pool in sc.pools.items():
        skills = "all intents" if pool.skills is None else ", ".join(
            n if p == 1 else f"{n} x{p:g}" for n, p in pool.skills.items())
        extras = []
        if pool.overflow is not None:
            extras.append(f"overflow to {pool.overflow.to} after "
                          f"{format_duration(pool.overflow.after)}")
        if pool.escalate_to is not None:
            below = ("" if pool.escalate_below is None
                     else f" (skills below {pool.escalate_below:g})")
            extras.append(f"escalates to {pool.escalate_to}{below}")
        if pool.handoffs:
            extras.append("handoffs to " + ", ".join(
                f"{h.to} ({h.probability:.0%})" for h in pool.handoffs))
        extras.extend(blending_text(pool))
        tail = f"; {'; '.join(extras)}" if extras else ""
        out.append(f"  {name:<{w}}  {_staffing(pool)}; channels {', '.join(pool.channels)}; "
                   f"skills {skills}{tail}{tenure_text(pool)}{shrinkage_text(pool)}")
    out.extend(describe_journeys(sc))
    out.extend(describe_outages(sc))
    out.extend(backlog_lines(sc))
    if sc.events:  # demand shocks (sim.scenario.events)
        out.append("Demand shocks")
        out.extend(f"  {describe_shock(shock, sc.start)}" for shock in sc.events)
    out.extend(describe_field(sc))  # field channels and technicians (sim.scenario.field)
    warnings = scenario_warnings(sc)
    if warnings:
        out.append("Warnings")
        out.extend(f"  {w}" for w in warnings)
    return "\n".join(out)
