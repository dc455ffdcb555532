"""Summary lines for the operational levers of :mod:`sim.scenario.operations`.

:func:`sim.scenario.describe.describe` prints them: an intent's after-call work,
what customers do while a channel is closed, segments' service-level targets,
pools' blending policy, shrinkage as it happens (breaks, absence, adherence) and the
shared forecast error.
"""

from __future__ import annotations

import math
from typing import Any

from sim.scenario.describe_ops import _dist
from sim.scenario.units import format_duration

__all__ = ["backlog_lines", "blending_text", "closed_text", "forecast_error_text",
           "segment_target_text", "shrinkage_text", "uses_acw", "wrap_up_text"]


def uses_acw(sc: Any) -> bool:
    """True if some intent has after-call work."""
    return any(i.after_call_work is not None or i.after_call_work_by_channel
               for i in sc.intents.values())


def wrap_up_text(intent: Any) -> str:
    """``; after-call work ...`` for an intent with wrap-up (else empty)."""
    parts = []
    if intent.after_call_work is not None:
        parts.append(f"; after-call work {_dist(intent.after_call_work)}")
    for ch, d in (intent.after_call_work_by_channel or {}).items():
        parts.append(f"; after-call work on {ch} {_dist(d)}")
    return "".join(parts)


def backlog_lines(sc: Any) -> list[str]:
    """The backlog at the start, one line per entry (empty: none)."""
    if not sc.initial_backlog:
        return []
    window = ("in the measured window: no warm-up" if sc.warmup == 0
              else "in the warm-up")
    out = [f"Backlog at the start ({window})"]
    for b in sc.initial_backlog:
        what = " ".join(x for x in (b.intent, b.segment) if x) or "all intents"
        age = "age 0" if b.age is None else f"aged {_dist(b.age)}"
        out.append(f"  {b.count} {b.channel} ({what}) waiting at time 0, {age}")
    return out


def closed_text(ch: Any) -> str | None:
    """What customers who find the channel closed do (None: no opening hours)."""
    if ch.hours is None or ch.kind not in ("voice", "chat"):
        return None
    c = ch.closed
    if c is None:
        return "tried while closed: all come back at the opening"
    parts = []
    if c.lost > 0:
        parts.append(f"{c.lost:.0%} give up")
    if c.deflect is not None and c.deflect.share > 0:
        parts.append(f"{c.deflect.share:.0%} go to {c.deflect.to}")
    when = ("at the opening" if c.return_delay is None
            else f"after {_dist(c.return_delay)} of opening time")
    parts.append(f"{c.returning:.0%} come back {when}")
    return "tried while closed: " + ", ".join(parts)


def segment_target_text(seg: Any) -> str:
    """``; SL target ...`` (``; SL goal 90% within ...``) for a segment with its own
    target or goal (else empty)."""
    t = seg.service_level_target
    goal = seg.service_level_goal
    head = "; SL target" if goal is None else f"; SL goal {goal:.0%} within"
    if t is None:
        return "" if goal is None else f"{head} the channel's target"
    if isinstance(t, float):
        return f"{head} {format_duration(t)}"
    return f"{head} " + ", ".join(f"{ch} {format_duration(v)}" for ch, v in t.items())


def blending_text(pool: Any) -> list[str]:
    """A pool's blending policy (reserve, age priority, interrupt) as summary phrases."""
    out = []
    res = pool.reserve
    if res is not None:
        keep = (f"{res.agents} agent{'s' if res.agents != 1 else ''}" if res.agents
                else f"{res.share:.0%} of agents on duty (rounded up)")
        out.append(f"keeps {keep} idle for {res.channel} (other work waits)")
    age = pool.age_priority
    if age is not None:
        out.append(f"{age.channel} waiting over {format_duration(age.after)} ranks as live")
    intr = pool.interrupt
    if intr is not None:
        by = ", ".join(intr.by) if intr.by else "voice"
        out.append(f"{by} calls interrupt {intr.channel} (resumed by the same agent after)")
    return out


def shrinkage_text(pool: Any) -> str:
    """``; breaks ...; absence ...; adherence ...`` for a pool (or its shifts) losing
    time (else empty); the placement rule is :mod:`sim.model.shrinkage`'s."""
    parts = []
    shifts = pool.shifts or ()
    cut = sorted({s.shrinkage for s in shifts if s.shrinkage > 0})
    if cut:
        parts.append("shrinkage " + "/".join(f"{c:.0%}" for c in cut) + " (headcount cut)")
    own_cut = getattr(pool, "shrinkage", 0.0)
    if own_cut > 0:  # a pool with a size or schedule: the cut on its total, halves up
        size = getattr(pool, "size", None)
        on_duty = ("" if size is None else
                   f": {math.floor(size * (1 - own_cut) + 0.5 + 1e-9)} of {size} on duty")
        parts.append(f"shrinkage {own_cut:.0%} (headcount cut{on_duty})")
    for i, s in enumerate(shifts):
        label = f"shift {i + 1}" if len(shifts) > 1 else "shift"
        bits = _losses(s)
        if bits:
            parts.append(f"{label}: " + ", ".join(bits))
    own = _losses(pool)  # a pool with a size or schedule: its own, daily
    if own:
        parts.append(", ".join(own))
    return "".join(f"; {p}" for p in parts)


def _losses(holder: Any) -> list[str]:
    """Breaks, absence and adherence of a shift or a pool, as phrases."""
    bits = []
    if getattr(holder, "breaks", ()):
        bits.append("breaks " + ", ".join(_break(b) for b in holder.breaks))
    if getattr(holder, "absence", 0.0) > 0:
        bits.append(f"absence {holder.absence:.0%} per day")
    if getattr(holder, "adherence", 1.0) < 1:
        bits.append(f"adherence {holder.adherence:.0%}")
    return bits


def _break(b: Any) -> str:
    length = format_duration(b.length)
    if b.at is not None:
        return f"{length} at {_hhmm(b.at)}"
    assert b.window is not None
    return f"{length} staggered {_hhmm(b.window[0])}-{_hhmm(b.window[1])}"


def _hhmm(t: float) -> str:
    t = t % 86400
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


def forecast_error_text(sc: Any) -> str | None:
    """The shared daily forecast error (None: the scenario has none)."""
    fe = sc.forecast_error
    if fe is None or fe.cv <= 0:
        return None
    return (f"Forecast error: one daily multiplier shared by every line, CV {fe.cv:.0%} "
            "(each line's dispersion is independent noise on top)")
