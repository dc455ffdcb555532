"""The parts of the scenario summary beyond channels, demand and pools.

:func:`sim.scenario.describe` prints, with these helpers: each channel's opening
hours and, for self-service and bot channels, session time, containment,
escalation and capacity; what customers do when a need is not resolved
(``recontact``, retries); backstage systems, outages and failover rules.

:func:`scenario_warnings` lists settings that are valid but probably not what the
planner meant (a failover rule for a channel or team that never goes down), for
``servicesim validate`` and ``run`` to print as ``warning: ...`` lines.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.events import clock_text
from sim.scenario.field import _block_text
from sim.scenario.identity import sticky_text
from sim.scenario.schema import Scenario
from sim.scenario.units import format_duration

__all__ = ["channel_details", "describe_journeys", "describe_outages", "scenario_warnings"]


def _dist(d: Any) -> str:
    if d is None:
        return "none"
    name = str(getattr(d, "dist", "?"))
    mean = format_duration(float(getattr(d, "mean_s", 0.0)))
    if name == "deterministic":
        return mean
    cv = getattr(d, "cv", None)
    return f"{name} mean {mean}" + ("" if cv is None or name == "exponential"
                                    else f" cv {float(cv):.2f}")


def _containment(c: Any) -> str:
    if c is None:
        return "every session contains"
    if isinstance(c, float):
        return f"contains {c:.0%}"
    parts = []
    for intent, v in c.items():
        if isinstance(v, float):
            parts.append(f"{intent} {v:.0%}")
        else:
            parts.append(f"{intent} (" + ", ".join(f"{s} {p:.0%}" for s, p in v.items()) + ")")
    return "contains " + ", ".join(parts) + " (other intents 0%)"


def channel_details(ch: Any) -> list[str]:
    """Extra facts of one channel: opening hours; session settings of self-service/bots."""
    out = []
    if getattr(ch, "hours", None):
        out.append("open " + "; ".join(_block_text(b) for b in ch.hours))
    elif ch.kind in ("voice", "chat"):
        out.append("open around the clock")
    if ch.kind in ("self_service", "bot"):
        out.append(f"session {_dist(ch.duration)}" if ch.duration is not None
                   else "sessions take no time")
        out.append(_containment(ch.containment))
        if ch.escalation is not None:
            to = ", ".join(f"{k} {p:.0%}" for k, p in ch.escalation.to.items())
            rest = 1.0 - sum(ch.escalation.to.values())
            text = f"not contained: escalates to {to}"
            if rest > 1e-9:
                text += f", {rest:.0%} give up"
            if ch.escalation.context_transfer < 1:
                text += f"; context reaches the agent {ch.escalation.context_transfer:.0%}"
            out.append(text)
        else:
            out.append("not contained: no escalation (the need stays open)")
        out.append("unlimited sessions" if ch.capacity is None
                   else f"{ch.capacity} sessions at once")
    return out


def describe_journeys(sc: Scenario) -> list[str]:
    """What customers do after an unresolved contact, an abandon or a busy signal."""
    rc = sc.recontact
    if rc is None:
        return ["Recontacts: none (a need not resolved is not followed up; abandoned and "
                "blocked customers do not try again)"]
    out = ["Recontacts",
           f"  unresolved customers come back with probability {rc.probability:.0%} after "
           f"{_dist(rc.delay)}; at most {rc.max_attempts} contacts per need; recontact rate "
           f"counted within {format_duration(rc.window)}"]
    for src, row in rc.channel_switch.items():
        out.append(f"  from {src} they come back on " + ", ".join(
            f"{k} {p:.0%}" for k, p in row.items()))
    if rc.retry is not None:
        out.append(f"  abandoned and blocked customers try again with probability "
                   f"{rc.retry.probability:.0%} after {_dist(rc.retry.delay)}")
    else:
        out.append("  abandoned and blocked customers do not try again")
    sticky = sticky_text(rc)
    if sticky:
        out.append(sticky)
    return out


def _outage_text(sc: Scenario, o: Any) -> str:
    if o.scheduled:
        t0 = float(o.at) - sc.start
        when = (f"scheduled {clock_text(t0, sc.start)} for {format_duration(float(o.for_))}")
    else:
        when = (f"random: every {_dist(o.mtbf)} (time between failures), repaired in "
                f"{_dist(o.mttr)}")
    share = f", {o.share:.0%} of its agents" if o.target in sc.pools and o.share < 1 else ""
    drops = "; drops the calls in progress" if o.drops else ""
    return f"  {o.target}{share}: {when}{drops}"


def describe_outages(sc: Scenario) -> list[str]:
    """Backstage systems, outages and failover rules (empty when there are none)."""
    out: list[str] = []
    if sc.backstage:
        out.append("Backstage systems")
        w = max(len(n) for n in sc.backstage)
        for name, b in sc.backstage.items():
            cap = "unlimited" if b.capacity is None else f"{b.capacity} at once"
            who = []
            if b.needed_by.intents is not None:
                who.append("intents " + ", ".join(b.needed_by.intents))
            if b.needed_by.pools is not None:
                who.append("pools " + ", ".join(b.needed_by.pools))
            needed = " and ".join(who) if who else "all work"
            down: str = b.on_outage
            if down == "workaround":
                down += (f" (handle time x{b.workaround.handle_factor:g}, "
                         f"{b.workaround.error_probability:.0%} get it wrong)")
            out.append(f"  {name:<{w}}  latency {_dist(b.latency)}; capacity {cap}; "
                       f"needed by {needed}; when down: {down}")
    if sc.outages:
        out.append("Outages")
        out.extend(_outage_text(sc, o) for o in sc.outages)
        if sc.recontact is None or sc.recontact.retry is None:
            out.append("  customers an outage blocks or drops: default retry, half try again "
                       "after ~15min (exponential), at most 3 tries")
    if sc.failover:
        out.append("Failover")
        for fo in sc.failover:
            text = (f"  while {fo.from_} is down: {fo.share:.0%} of its new work goes to "
                    f"{fo.to}, after {format_duration(fo.detection)} to notice")
            if fo.context_loss > 0:
                text += f"; {fo.context_loss:.0%} repeat themselves"
            out.append(text)
    elif sc.outages:
        out.append("Failover: none (a channel that is down blocks its customers)")
    return out


def scenario_warnings(sc: Scenario) -> list[str]:
    """Valid settings that are probably mistakes, one sentence each."""
    out = []
    targets = {o.target for o in sc.outages}
    for fo in sc.failover:
        if fo.from_ not in targets:
            what = "channel" if fo.from_ in sc.channels else "team" \
                if fo.from_ in sc.pools else "target"
            out.append(f"failover from {what} '{fo.from_}' to '{fo.to}' never applies: no "
                       f"outage takes '{fo.from_}' down (add one under 'outages', or remove "
                       "the rule)")
    st = sc.recontact.sticky if sc.recontact is not None else None
    if st is not None and st.resolution_uplift > 0 and not any(
            (i.resolution is not None and i.resolution < 1)
            or any(p < 1 for p in (i.resolution_by_channel or {}).values())
            for i in sc.intents.values()):
        out.append("recontact.sticky.resolution_uplift never applies: every handled contact "
                   "resolves (give intents a 'resolution' below 1)")
    return out
