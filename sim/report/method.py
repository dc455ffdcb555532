""""How this model works": a plain-language account of the model behind a report.

Written in the spirit of the STRESS-DES checklist (Monks et al., 2019,
*Strengthening the reporting of empirical simulation studies*): what the model
is for, its logic (arrivals, routing, abandonment, staffing), the data it was
given (the scenario in brief), how the experiment was run (warm-up,
replications, confidence intervals, random-number streams), what it leaves out,
and how it was implemented. The text adapts to the scenario: overflow, handoffs,
skills, segments' priorities, queue limits, schedules, tenure mixes and sticky
agents are only mentioned when the scenario uses them, and so are journeys
(self-service, resolution, recontacts), backstage systems with outages and
failover, field visits and demand shocks.
"""

from __future__ import annotations

from typing import Any

from sim.metrics.definitions import COHORT_RULE, KPI_DEFINITIONS
from sim.metrics.field import FIELD_KPIS
from sim.report.format import fmt_duration, kpi_info, plural
from sim.report.html import esc

__all__ = ["definitions_html", "model_html"]

LIVE = ("voice", "chat", "email")


def _ul(items: list[str]) -> str:
    return "<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items if i) + "\n</ul>\n"


def _arrivals(sc: Any) -> str:
    lines = list(sc.demand)
    per_h = sum(float(d.rate) for d in lines) * 3600
    shaped = any(d.profile is not None for d in lines)
    days = any(d.day_factors is not None for d in lines)
    noisy = any(getattr(d, "dispersion", 0) for d in lines)
    text = (f"<strong>Arrivals.</strong> Customers arrive at random, independently of one "
            f"another (a Poisson process), on {plural(len(lines), 'demand line')} with a mean of "
            f"{per_h:,.0f} contacts per hour in all.")
    if shaped:
        text += " An intraday profile makes some times of day busier than others."
    else:
        text += " The rate is the same at every time of day (no intraday profile)."
    if days:
        text += " Day factors make some weekdays busier than others."
    if noisy:
        text += (" Each day's volume is also scaled by a random factor, so forecast error is "
                 "part of the uncertainty.")
    text += (" Each contact carries a reason (intent), which sets how long an agent needs"
             + (", and a customer segment" if sc.segments else "") + ".")
    return text


def _routing(sc: Any) -> str:
    pools = sc.pools.values()
    text = ("<strong>Routing.</strong> A new contact goes to the agent who has been idle "
            "longest among the teams (pools) that serve its channel and reason. When nobody is "
            "free it waits in a queue; a freed agent takes the waiting contact with, in "
            "order, a live channel before e-mail"
            + (", the highest segment priority" if sc.segments else "")
            + " and the longest wait.")
    if any(p.skills for p in pools):
        text += (" Skills limit which reasons a team may serve, and a team's proficiency "
                 "scales its handle times.")
    if any(p.overflow for p in pools):
        text += (" Overflow: after waiting a set time, a contact may also be answered by a "
                 "second team.")
    if any(p.handoffs for p in pools):
        text += (" Handoffs: after handling, a contact may be passed to another team with a "
                 "given probability; the next piece of work queues there (without "
                 "abandoning) and the journey ends when the last piece is done.")
    if any(sc.channels[c].kind == "chat" and sc.channels[c].max_concurrency > 1
           for c in sc.channels):
        text += " Chat agents may hold several chats at once."
    sticky = getattr(getattr(sc, "recontact", None), "sticky", None)
    if sticky is not None:
        wait = (f"waits for that agent up to {fmt_duration(sticky.wait_up_to)} if busy, "
                "then joins the usual queue with its place by arrival"
                if sticky.wait_up_to > 0 else "goes to the usual queue if that agent is busy")
        text += (f" Sticky agents: {sticky.share:.0%} of customers coming back about the "
                 "same need are offered first to the agent who last served them, when that "
                 f"agent is on duty; such a contact is answered at once if the agent is "
                 f"free, else {wait}.")
    return text + _blending(sc)


def _blending(sc: Any) -> str:
    """The pools' blending policy (reserve, age priority, email interrupt), if any."""
    pools = sc.pools.values()
    text = ""
    if any(getattr(p, "reserve", None) for p in pools):
        text += (" Voice reserve: some teams keep agents free for calls; their agents take "
                 "other work only while enough others stay free.")
    if any(getattr(p, "age_priority", None) for p in pools):
        text += (" E-mails that have waited past a team's threshold rank as live work "
                 "there.")
    if any(getattr(p, "interrupt", None) for p in pools):
        text += (" E-mail interrupt: when a call finds no agent free, an agent of a team "
                 "that allows it puts the e-mail in hand aside and takes the call; the same "
                 "agent resumes the e-mail, where it stopped, once no call waits for it. "
                 "The e-mail's handle time counts only the time worked; its response time "
                 "includes the time put aside.")
    return text


def _abandonment(sc: Any) -> str:
    live = [(n, c) for n, c in sc.channels.items() if c.kind in LIVE]
    patient = [n for n, c in live if c.patience is not None]
    capped = [n for n, c in live if c.queue_capacity is not None]
    text = "<strong>Abandonment.</strong> "
    if patient or any(getattr(s, "patience", None) for s in sc.segments.values()):
        text += ("Each waiting customer has a patience drawn at random; if the wait outlasts "
                 "it, they give up (abandon). ")
        if patient:
            text += f"Channels with impatient customers: {esc(', '.join(patient))}. "
    never = [n for n, c in live if c.patience is None]
    if never:
        text += f"Customers on {esc(', '.join(never))} wait as long as it takes. "
    if capped:
        text += (f"Queues on {esc(', '.join(capped))} have a limit; contacts beyond it are "
                 "refused (blocked). ")
    return text


def _journeys(sc: Any) -> str:
    """Self-service, resolution and recontacts: only what the scenario uses."""
    kinds = {c.kind for c in sc.channels.values()}
    bits = []
    if kinds & {"self_service", "bot"}:
        bits.append("Self-service and bot sessions contain a share of needs (the need is "
                    "resolved without an agent); the others escalate to a live channel, "
                    "with or without the session's context.")
    if any(i.resolution is not None or i.resolution_by_channel for i in sc.intents.values()):
        bits.append("An agent resolves the need with a probability set per reason (and "
                    "scaled by the team's proficiency); an unresolved need stays open.")
    rc = getattr(sc, "recontact", None)
    if rc is not None:
        bits.append("Customers whose need is not resolved come back after a random delay, "
                    "possibly on another channel, up to a maximum number of attempts"
                    + ("; customers who gave up in the queue may try again" if rc.retry else "")
                    + ". Coming back within the window after a served contact is a "
                      "recontact and counts against first-contact resolution; trying again "
                      "after giving up in the queue is a retry, counted apart.")
        st = getattr(rc, "sticky", None)
        if st is not None and st.resolution_uplift > 0:
            bits.append(f"A recontact answered by the agent who served the customer's "
                        f"previous contact resolves with {st.resolution_uplift:.0%} more "
                        "probability (capped at 100%), whether routed there or by chance. "
                        "Since it acts on recontacts, it leaves first-contact resolution and "
                        "the recontact rate (both decided at the first served contact) "
                        "unchanged; it shows in resolution, contacts per need and the "
                        "same-agent KPIs.")
    if not bits:
        return ""
    return ("<strong>Customer journeys.</strong> Every contact belongs to a journey: one "
            "customer need, from the first contact to its resolution. " + " ".join(bits)
            + " Resolution latency runs from when the customer first tried (a night "
              "waiting for a closed line counts) to the end of the contact "
              "(or visit) that resolves the need; effort adds up contacts, transfers, "
              "channel switches, repeated information, time on hold and failed self-service.")


def _backstage(sc: Any) -> str:
    """Backstage systems, outages and failover."""
    systems = getattr(sc, "backstage", None) or {}
    outages = getattr(sc, "outages", ()) or ()
    failover = getattr(sc, "failover", ()) or ()
    if not (systems or outages or failover):
        return ""
    text = "<strong>Backstage systems and outages.</strong> "
    if systems:
        text += (f"Agents depend on {esc(', '.join(systems))}: each request takes the "
                 "system's latency and, when the system is at capacity, waits for it. While a "
                 "system is down, agents wait for it, work around it (slower and error-prone), "
                 "fail the contact (the customer comes back) or defer the work to a callback, "
                 "as the scenario sets for each system. ")
    if outages:
        scheduled = sum(1 for o in outages if getattr(o, "scheduled", False))
        text += (f"{plural(len(outages), 'outage')} "
                 + (f"({scheduled} at set times, {len(outages) - scheduled} at random, with "
                    "random times between failures and to repair) " if scheduled < len(outages)
                    else "at set times ")
                 + "take systems, channels or agents out of service. ")
    if failover:
        text += ("Failover: once an outage of a channel or team is detected, a set share of "
                 "its new customers is sent to a backup (who may have to repeat themselves); "
                 "the rest are turned away or wait. ")
    return text


def _field_and_shocks(sc: Any) -> str:
    """Technician visits and demand shocks."""
    text = ""
    if getattr(sc, "technicians", None):
        text += ("<strong>Field visits.</strong> For reasons that need a technician, the agent "
                 "books the earliest free appointment slot after a minimum lead time in the "
                 "calendars of technicians who cover the customer's territory; travel and "
                 "on-site times are random; a customer may not be home, a part may be missing "
                 "from the inventory, or the fix may fail, and each of these books another "
                 "visit. The visit that fixes the problem resolves the need. ")
    events = getattr(sc, "events", ()) or ()
    if events:
        text += (f"<strong>Demand shocks.</strong> {plural(len(events), 'shock')} multiply the "
                 "demand of the selected reasons, channels or segments over a window (a step, "
                 "or a peak that fades); the report gives the KPIs inside and outside each "
                 "shock. ")
    return text


def _staffing(sc: Any) -> str:
    kinds = {("size" if p.size is not None else "schedule" if p.schedule is not None
              else "shifts") for p in sc.pools.values()}
    shrinks = any(p.uses_shrinkage for p in sc.pools.values())
    cuts = any(getattr(p, "shrinkage", 0.0) for p in sc.pools.values())
    text = f"<strong>Staffing.</strong> {plural(len(sc.pools), 'team')} of agents. "
    tenured = [(n, p) for n, p in sc.pools.items() if getattr(p, "tenure", None)]
    if tenured:
        text += ("Tenure mixes: in " + ", ".join(esc(n) for n, _ in tenured)
                 + " a share of the agents (new hires, say) take a set multiple of the "
                 "standard talk time on every contact they handle ("
                 + "; ".join(esc(f"{n}: " + ", ".join(f"{g.share:.0%} at {g.handle_time:g}x"
                                                      for g in p.tenure))
                             for n, p in tenured)
                 + "; the rest at standard speed). Agents are numbered in their team and "
                 "the groups are fixed by number, so no chance is involved; the Erlang "
                 "starting point of staffing counts each team's mean multiplier. ")
    if kinds == {"size"}:
        text += ("Every team has a fixed number of agents "
                 f"{'rostered' if shrinks or cuts else 'on duty'} all the time.")
    else:
        text += ("Headcount follows the schedules or shifts given; an agent whose shift ends "
                 "finishes the contact in hand first.")
    shifts = [s for p in sc.pools.values() for s in (p.shifts or ())]
    if any(s.shrinkage for s in shifts) or cuts:
        text += (" Shrinkage (breaks, training, absence) reduces the agents on duty: the "
                 "rostered headcount times one minus the shrinkage, rounded to the nearest "
                 "agent (halves up).")
        if cuts and not shrinks:
            text += " Scheduled agents are reported beside those on duty."
    if shrinks:
        text += (" Breaks are taken inside the shifts or days on duty (staggered within "
                 "their windows), absence is drawn per day and adherence thins the time "
                 "agents are available; an agent going on a break finishes the contact in "
                 "hand first. Scheduled agents are reported beside those on duty.")
    return text


def _experiment(sc: Any, replications: int, kind: str) -> str:
    items = [
        (f"<strong>Warm-up.</strong> Every replication starts empty and runs "
         f"{fmt_duration(sc.warmup)} before measuring starts; that warm-up is discarded, so "
         f"the figures describe a system already in its typical state. The measured period "
         f"is {fmt_duration(sc.horizon)}." if sc.warmup > 0 else
         "<strong>No warm-up.</strong> Measuring starts with an empty system, so the first "
         "part of the period may look better than typical. The measured period is "
         f"{fmt_duration(sc.horizon)}."),
        (f"<strong>Run-out.</strong> After the measured period no new customers arrive, "
         f"but the model keeps running (up to {fmt_duration(sc.run_out)}) until the "
         "customers who arrived in it are answered, resolved or have given up, so waits, "
         "recontacts and resolution latency are not cut short at the end of the period."
         if getattr(sc, "run_out", 0) else
         "<strong>No run-out.</strong> The model stops at the end of the measured period: "
         "customers still waiting or due to come back then are counted as they stand "
         "(see 'open at cut-off')."),
        f"<strong>Replications and uncertainty.</strong> The model was run "
        f"{plural(replications, 'time')} (replications) with different random draws "
        f"derived from seed {sc.seed}. "
        "Each replication gives one value of every KPI; the report shows their mean and a 95% "
        "confidence interval (Student t). A wide interval means the estimate is uncertain "
        "and more replications would narrow it. Intervals are shown clipped to what is "
        "possible (a share stays between 0% and 100%).",
        "<strong>Reproducibility.</strong> Every source of randomness (arrivals of each "
        "demand line, handle times, patience, handoffs) has its own random-number stream, "
        "so the same scenario file and seed give identical results.",
    ]
    if kind == "compare":
        items.append(
            "<strong>Comparisons.</strong> Baseline and variants meet the same simulated "
            "customers (common random numbers): replication i of every variant uses the same "
            "streams. Differences are estimated replication by replication (paired), which "
            "shows real effects with few replications. A difference is called better or "
            "worse only when its 95% confidence interval excludes zero.")
    if kind == "sweep":
        items.append(
            "<strong>Sweeps.</strong> Every point of the grid is run with the same seed, so "
            "neighbouring points share random numbers and the curves come out smooth.")
    return _ul(items)


LEFT_OUT = [
    "Agents of a team are interchangeable apart from skills: no individual speed, learning, "
    "fatigue or mistakes.",
    "Handle times do not depend on how busy the operation is (no rushing at peaks).",
    "Staff follow their schedules exactly; absence appears only through shrinkage.",
    # (left out of the list when pools or shifts have breaks, absence or adherence)
    "Work beyond the contacts themselves (after-contact work not in the handle time, "
    "outbound calls, meetings) is not modelled.",
    "Demand follows the stated rates and profiles; it does not react to long waits.",
]


#: Replaces the first item of :data:`LEFT_OUT` when teams have tenure mixes.
IDENTITY_LEFT_OUT = ("Agents of a team differ only by their tenure group's handle-time "
                     "multiplier: no learning over the period, no fatigue or mistakes.")


def _left_out(sc: Any) -> str:
    shrinks = any(getattr(p, "uses_shrinkage", False) for p in sc.pools.values())
    items = [i for i in LEFT_OUT if not (i.startswith("Staff follow") and shrinks)]
    if any(getattr(p, "tenure", None) for p in sc.pools.values()):
        items = [IDENTITY_LEFT_OUT if i.startswith("Agents of a team") else i for i in items]
    if getattr(sc, "recontact", None) is None:
        items.append("Customers who give up or are not resolved do not come back later "
                     "(no recontacts in this scenario).")
    if not getattr(sc, "backstage", None):
        items.append("Back-office systems (billing, CRM, inventory) are not part of this "
                     "scenario.")
    if not getattr(sc, "outages", None):
        items.append("Nothing fails: no outages of systems, channels or teams.")
    if not any(p.cost_per_hour for p in sc.pools.values()):
        items.append("Costs are not modelled (no cost per agent hour given).")
    return _ul([esc(i) for i in items])


def definitions_html(sc: Any) -> str:
    """Every KPI's definition, in one table (field KPIs only when the scenario has
    technicians)."""
    field = bool(getattr(sc, "technicians", None))
    rows = "\n".join(
        f"<tr><th scope=\"row\">{esc(kpi_info(k).label)}</th><td><code>{esc(k)}</code></td>"
        f"<td>{esc(text)}</td></tr>"
        for k, text in KPI_DEFINITIONS.items() if field or k not in FIELD_KPIS)
    return (f"<p>{esc(COHORT_RULE)}</p>\n<table class=\"definitions\">\n"
            "<caption>What each figure of this report counts</caption>\n"
            "<thead><tr><th scope=\"col\">KPI</th><th scope=\"col\">Name in the files</th>"
            "<th scope=\"col\">Definition</th></tr>"
            f"</thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n")


def model_html(scenario: Any, replications: int, kind: str = "run",
               versions: dict[str, Any] | None = None) -> str:
    """The "How this model works" section body for a scenario.

    Parameters
    ----------
    scenario
        The scenario simulated (for a comparison or sweep: the baseline / base).
    replications
        Replications per scenario.
    kind
        ``"run"``, ``"compare"`` or ``"sweep"`` (adds the relevant method note).
    versions
        Library versions from the manifest, for the implementation note.
    """
    from sim.scenario import describe

    sc = scenario
    parts = [
        "<p>This report comes from a <em>discrete-event simulation</em>: a computer model "
        "that plays every customer contact through the operation one event at a time "
        "(arrival, answer, end of service, giving up) and records what happens. Its "
        "purpose is to show what a design or staffing choice does to waiting, service level, "
        "abandonment and agent workload before it is tried for real.</p>",
        "<h3>The model's logic</h3>",
        _ul([_arrivals(sc), _routing(sc), _abandonment(sc), _staffing(sc), _journeys(sc),
             _backstage(sc), _field_and_shocks(sc)]),
        "<h3>How the experiment was run</h3>",
        _experiment(sc, replications, kind),
        "<h3>What the figures mean</h3>",
        definitions_html(sc),
        "<h3>What the model leaves out</h3>",
        _left_out(sc),
        "<h3>The scenario in brief</h3>",
        # the run may override the file's replication count: describe what was run
        f"<pre>{esc(describe(sc.model_copy(update={'replications': replications})))}</pre>",
    ]
    v = versions or {}
    impl = ("Implemented in Python with the SimPy discrete-event library"
            + (f" (servicesim {v.get('servicesim')}, SimPy {v.get('simpy')}, "
               f"Python {v.get('python')})" if v else "")
            + "; the manifest at the foot of this page identifies the exact scenario and run.")
    parts.append(f"<h3>Implementation</h3>\n<p>{esc(impl)}</p>")
    return "\n".join(parts)
