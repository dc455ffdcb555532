"""Writing a calibration as a commented scenario file.

The file is formatted by hand (not dumped) so that every fitted number sits under
a ``#`` comment saying which rows of the log it came from and how (``# from
2,345 answered contacts: ...``), units are the planner's (``4.2min``, ``12.5/h``),
and the sections follow the order of the scenario contract. The text is validated
with :func:`sim.scenario.load_text` before it is written (atomically), and the
written file is loaded back with :func:`sim.scenario.load`.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

from sim.calibrate.arrivals import LineRate, weekday_name
from sim.calibrate.dists import DistFit
from sim.calibrate.fit import Calibration, ChannelFit, IntentFit, PoolFit
from sim.calibrate.repeats import RepeatFit
from sim.calibrate.stages import HandoffFit, SessionFit
from sim.scenario.units import format_clock

__all__ = ["dist_text", "duration", "scenario_text", "warmup_s", "write_scenario"]

WIDTH = 96
WEEK_S = 7 * 86400.0


def warmup_s(cal: Calibration) -> float:
    """Warm-up before the log's period: twice the mean recontact (or retry) delay,
    at least 1h and at most 2d, in whole hours, so the simulated period starts
    with queues and returning customers like the log's."""
    means = [1800.0]
    j = cal.journeys
    if j is not None:
        means += [r.delay.mean_s for r in (j.recontact, j.retry)
                  if r is not None and r.delay is not None and r.n_back]
    for pool in cal.pools.values():
        means += [h.delay.mean_s for h in pool.handoffs if h.delay is not None]
    return float(min(2 * 86400.0, max(3600.0, math.ceil(2 * max(means) / 3600.0) * 3600.0)))


def duration(seconds: float) -> str:
    """A duration in the planner's units, 4 significant digits: ``252.3s``, ``4.2min``."""
    s = float(seconds)
    if s <= 0:
        return "0s"
    if s < 600:
        return f"{s:.4g}s"
    if s < 36000:
        return f"{s / 60:.4g}min"
    return f"{s / 3600:.6g}h"


def rate(per_s: float) -> str:
    """A rate per hour: ``12.35/h``."""
    return f"{per_s * 3600:.5g}/h"


def dist_text(spec: dict[str, Any]) -> str:
    """``{dist: lognormal, mean: 252.3s, cv: 0.812}``."""
    if spec["dist"] == "deterministic":
        return f"{{dist: deterministic, value: {duration(spec['value'])}}}"
    parts = [f"dist: {spec['dist']}", f"mean: {duration(spec['mean'])}"]
    if "cv" in spec:
        parts.append(f"cv: {spec['cv']:.4g}")
    return "{" + ", ".join(parts) + "}"


def _n(x: int) -> str:
    return f"{x:,}"


def _share(counts: dict[str, float]) -> dict[str, float]:
    """Shares rounded to 4 decimals that add up to 1 (the last takes the rest)."""
    keys = list(counts)
    out = {k: round(counts[k], 4) for k in keys[:-1]}
    out[keys[-1]] = round(1.0 - sum(out.values()), 4)
    return out


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in mapping.items()) + "}"


class Doc:
    """Lines of YAML with comments, at an indentation level."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def comment(self, text: str) -> None:
        pad = "  " * self.level
        for line in textwrap.wrap(text, WIDTH - len(pad) - 2, subsequent_indent="  ") or [""]:
            self.lines.append(f"{pad}# {line}".rstrip())

    def key(self, key: str, value: str | None = None, note: str = "") -> None:
        pad = "  " * self.level
        text = f"{pad}{key}:" + (f" {value}" if value is not None else "")
        self.lines.append(f"{text}  # {note}" if note else text)

    def numbers(self, key: str, values: list[str], per_line: int = 12) -> None:
        """A flow list of numbers over several lines."""
        pad = "  " * self.level
        head = f"{pad}{key}: ["
        rows = [", ".join(values[i:i + per_line]) for i in range(0, len(values), per_line)]
        cont = " " * len(head)
        self.lines.append(head + (",\n" + cont).join(rows) + "]")

    def blank(self) -> None:
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _header(doc: Doc, cal: Calibration, name: str) -> None:
    log, period = cal.log, cal.period
    doc.comment(f"Scenario calibrated by `servicesim calibrate` from {log.source} "
                f"({'event log' if log.format == 'eventlog' else 'contact log'}).")
    for line in log.describe():
        doc.comment(line.strip())
    doc.comment(f"Period: {period.describe()}. Every number below says which rows it came "
                "from. Review before use: channel kinds are guessed from their names and "
                "staffing is estimated from the observed concurrency (see pools).")
    for note in cal.notes:
        doc.comment(f"note: {note}")
    doc.key("name", json.dumps(name))
    doc.key("description", json.dumps(f"Fitted from {Path(log.source).name}, "
                                      f"{period.describe()}"))
    warm = warmup_s(cal)
    doc.key("start", json.dumps(format_clock(0.0, (period.clock_start_s - warm) % WEEK_S)),
            "the warm-up before the log's first interval")
    doc.key("horizon", duration(period.span_s), "the log's span: simulate the same period")
    doc.key("warmup", duration(warm),
            "fills the queues and the recontact pipeline the log starts with")
    doc.key("replications", str(cal.options.replications))
    doc.key("seed", str(cal.options.seed))
    doc.key("interval", duration(period.interval_s))


def _channel(doc: Doc, ch: ChannelFit) -> None:
    doc.key(ch.name)
    doc.level += 1
    doc.key("kind", ch.kind, "guessed from the name: voice, chat or email")
    doc.comment(f"from {_n(ch.n)} contacts: {_n(ch.n_answered)} answered, "
                f"{_n(ch.n_abandoned)} abandoned, {_n(ch.n_blocked)} blocked")
    if ch.n_blocked:
        doc.comment("blocked contacts: set queue_capacity if the queue has a limit")
    p = ch.patience
    if p is None:
        doc.comment("nobody abandoned: no patience (customers never abandon)"
                    if ch.kind != "email" else "email never abandons")
    else:
        aic = ", ".join(f"{k} {v:,.1f}" for k, v in p.aic.items() if math.isfinite(v))
        doc.comment(f"patience from {_n(p.n_queued)} queued contacts: {_n(p.n_abandoned)} "
                    f"abandoned (their wait is their patience) and "
                    f"{_n(p.n_queued - p.n_abandoned)} answered (patience longer than the "
                    "wait: censored). Exponential MLE = sum of all waits / abandons; the "
                    f"censored lognormal needs an AIC lower by 2 to be chosen. AIC: {aic}; "
                    f"chosen {p.dist}.")
        km = "; ".join(f"S({duration(t)}) {a:.3f} vs {b:.3f}" for t, a, b in p.km)
        doc.comment(f"naive mean of abandoned waits {duration(p.naive_mean_s)} (biased low). "
                    f"Kaplan-Meier vs model: {km}")
        doc.key("patience", dist_text(p.spec()))
    doc.level -= 1


def _session(doc: Doc, sf: SessionFit) -> None:
    doc.key(sf.name)
    doc.level += 1
    doc.key("kind", sf.kind, "sessions without an agent; 'bot' when the name says so")
    doc.comment(f"from {_n(sf.n)} sessions: {_n(sf.n - sf.n_escalated)} contained (ended "
                f"without escalating), {_n(sf.n_escalated)} escalated")
    if sf.duration is not None:
        doc.comment(f"session duration, AIC: {sf.duration.aic_text()}")
        doc.key("duration", dist_text(sf.duration.spec()))
    cont = {i: f"{p:.4f}" for i, (p, _) in sf.containment.items()}
    ns = ", ".join(f"{i} n={_n(n)}" for i, (_, n) in sf.containment.items())
    doc.key("containment", _flow(cont), f"share of sessions not escalated ({ns})")
    if sf.escalation:
        doc.key("escalation")
        doc.level += 1
        counts = ", ".join(f"{k} {_n(v)}" for k, v in sf.escalation_counts.items())
        doc.comment(f"escalated sessions followed within a second by a live contact: "
                    f"{counts} of {_n(sf.n_escalated)}; the rest left unresolved")
        doc.key("to", _flow({k: f"{v:.4f}" for k, v in sf.escalation.items()}))
        doc.comment("context_transfer cannot be read from a log (whether the agent saw "
                    "the transcript); 1 assumed")
        doc.level -= 1
    doc.level -= 1


def _handoff(doc: Doc, h: HandoffFit) -> None:
    what = "ticket: the customer is not on the line" if h.asynchronous else \
        "handoff: the customer stays on the line"
    doc.comment(f"{_n(h.n)} of {_n(h.n_from)} {h.intent} pieces went on to {h.target} "
                f"({what})")
    doc.lines.append(f"{'  ' * doc.level}- to: {h.target}")
    doc.level += 1
    doc.key("probability", f"{h.probability:.4f}")
    doc.key("intents", f"[{h.intent}]")
    if h.handle is not None:
        doc.key("handle_time", dist_text(h.handle.spec()),
                f"{h.target}'s handle time of these pieces")
    if h.delay is not None:
        doc.key("delay", dist_text(h.delay.spec()), "transfer to the next queue")
    if h.asynchronous:
        doc.key("asynchronous", "true")
    doc.level -= 1


def _handle_comment(it: IntentFit) -> str:
    h = it.handle
    assert h is not None
    if it.handle_note:
        return it.handle_note
    by = ", ".join(f"{ch} {duration(m)} ({_n(n)})" for ch, (m, n) in it.by_channel.items())
    zero = f"; {h.left_out} zero handle times left out" if h.left_out else ""
    return (f"handle time from {_n(h.n)} answered contacts, maximum likelihood (floc=0); "
            f"AIC: {h.aic_text()}{zero}. Mean by channel: {by}")


def _after_call_work(doc: Doc, it: IntentFit) -> None:
    """``after_call_work`` (and ``after_call_work_by_channel``) from the log's wrap-up."""
    if it.acw is None:
        return
    if not it.acw.none:
        doc.comment(f"after-call work from the wrap-up column: {it.acw.how()}; observed "
                    f"mean {duration(it.acw.mean_s)}")
        doc.key("after_call_work", dist_text(it.acw.spec()))
    if it.acw_by_channel:
        ns = "; ".join(f"{ch}: {w.how()}, observed mean {duration(w.mean_s)}"
                       for ch, w in it.acw_by_channel.items())
        doc.comment(f"after-call work that differs by channel (> 2 standard errors): {ns}")
        doc.key("after_call_work_by_channel",
                _flow({ch: dist_text(w.spec()) for ch, w in it.acw_by_channel.items()}))


def _intent(doc: Doc, it: IntentFit) -> None:
    doc.key(it.name)
    doc.level += 1
    assert it.handle is not None
    doc.comment(_handle_comment(it))
    doc.key("handle_time", dist_text(it.handle.spec()))
    _after_call_work(doc, it)
    if it.resolution is not None:
        p, n = it.resolution
        how = ("1 - the censoring-corrected share followed by a repeat contact within the "
               "window (the log has no resolution flag)" if it.proxy
               else f"{_n(round(p * n))} of {_n(n)} answered contacts flagged resolved")
        doc.comment(f"resolution: {how}")
        doc.key("resolution", f"{p:.4f}")
        if it.resolution_by_channel:
            by = {ch: f"{q:.4f}" for ch, (q, _) in it.resolution_by_channel.items()}
            ns = ", ".join(f"{ch} n={_n(n)}" for ch, (_, n) in it.resolution_by_channel.items())
            doc.key("resolution_by_channel", _flow(by),
                    f"differs by > 2 standard errors ({ns})")
    doc.level -= 1


def _line(doc: Doc, cal: Calibration, line: LineRate) -> None:
    span_h = cal.period.span_s / 3600
    doc.lines.append(f"  - channel: {line.channel}")
    doc.level = 2
    doc.key("intent", line.intent)
    doc.key("rate", rate(line.rate_per_s),
            f"{_n(line.n)} arrivals in {span_h:,.1f}h, week-average")
    step = int(cal.period.interval_s // 60)
    doc.key("profile")
    doc.level = 3
    doc.key("interval", f"{step}min")
    doc.comment(f"arrivals per {step}min of the day from 00:00 / times observed, mean 1"
                + (f"; {line.unobserved} intervals never observed are set to 1"
                   if line.unobserved else ""))
    doc.numbers("weights", [f"{w:.3f}" for w in line.weights])
    doc.level = 2
    if line.day_factors is not None:
        days = ", ".join(weekday_name(d) for d in range(7))
        doc.key("day_factors", "[" + ", ".join(f"{f:.3f}" for f in line.day_factors) + "]",
                f"{days}; mean 1")
    doc.level = 0


def _pool(doc: Doc, pool: PoolFit, interval_s: float) -> None:
    doc.key(pool.name)
    doc.level += 1
    doc.key("channels", "[" + ", ".join(pool.channels) + "]")
    if pool.skills is not None:
        doc.key("skills", _flow({s: "1.0" for s in pool.skills}),
                "the intents it answered in the log")
    for note in pool.notes:
        doc.comment(f"note: {note}")
    doc.comment(f"from {_n(pool.n_answered)} first answers and {_n(pool.n_pieces)} pieces of "
                f"work in all: {pool.staffing_note}")
    if pool.handoffs:
        doc.key("handoffs")
        doc.level += 1
        for h in pool.handoffs:
            _handoff(doc, h)
        doc.level -= 1
    if pool.size is not None:
        doc.key("size", str(pool.size))
    else:
        assert pool.headcount is not None
        doc.key("schedule")
        doc.level += 1
        doc.key("interval", duration(interval_s))
        doc.numbers("headcount", [str(h) for h in pool.headcount],
                    per_line=min(24, len(pool.headcount)))
        doc.level -= 1
    doc.level -= 1


def _repeat_lines(doc: Doc, r: RepeatFit, what: str, placeholder: DistFit | None) -> None:
    doc.comment(f"{what}: {_n(r.n_from)} contacts, {_n(r.n_back)} followed by a repeat in "
                "the log; probability = repeats / repeats expected if all came back "
                "(censoring at the end of the log)")
    doc.key("probability", f"{r.probability:.4f}")
    delay = r.delay or placeholder
    if r.delay is not None:
        doc.comment(f"delay from the end of the contact to the repeat, {_n(r.delay.n)} "
                    f"repeats; AIC: {r.delay.aic_text()}")
    else:
        doc.comment("no repeats seen: the delay is a placeholder")
    doc.key("delay", dist_text(delay.spec()) if delay is not None else "1h")


def _recontact(doc: Doc, cal: Calibration) -> None:
    j, sup = cal.journeys, cal.support
    if j is None:
        return
    proxy = not j.resolution_known
    retry = j.retry if sup.retry and j.retry is not None and j.retry.n_back else None
    if (j.recontact.n_back == 0 or not sup.resolution) and retry is None:
        doc.comment(f"no recontact: {_n(j.journeys)} journeys, none with a repeat contact "
                    "the schema can express")
        return
    doc.key("recontact")
    doc.level = 1
    doc.comment(f"{_n(j.journeys)} journeys: contacts of one case, linked while the next "
                f"arrives within {duration(j.window_s)} of the previous one's end"
                + ("" if proxy else " and the previous one did not resolve the need"))
    if proxy and sup.resolution:
        doc.comment("no resolution flag: every unresolved customer comes back "
                    "(the intents' resolution is 1 - the chance of a repeat)")
        doc.key("probability", "1.0")
        r = j.recontact
        doc.comment(f"delay from {_n(r.n_back)} repeats after answered contacts; AIC: "
                    + (r.delay.aic_text() if r.delay else "none"))
        doc.key("delay", dist_text(r.delay.spec()) if r.delay else "1h")
    else:
        placeholder = j.retry.delay if j.retry is not None else None
        _repeat_lines(doc, j.recontact, "answered contacts that did not resolve", placeholder)
    if sup.channel_switch and j.switch:
        doc.key("channel_switch")
        doc.level = 2
        for src, row in j.switch.items():
            n = sum(j.switch_counts[src].values())
            doc.key(src, _flow({k: f"{v:.4f}" for k, v in _share(row).items()}),
                    f"{_n(n)} repeats after a contact on {src}")
        doc.level = 1
    doc.key("max_attempts", str(j.max_attempts), "most customer contacts in one journey")
    doc.key("window", duration(j.window_s))
    if retry is not None:
        doc.key("retry")
        doc.level = 2
        _repeat_lines(doc, retry, "abandoned or blocked contacts", None)
    doc.level = 0


def scenario_text(cal: Calibration, name: str | None = None) -> str:
    """The commented scenario YAML of a calibration."""
    doc = Doc()
    _header(doc, cal, name or f"Calibrated from {Path(cal.log.source).name}")
    doc.blank()
    doc.key("channels")
    doc.level = 1
    for ch in cal.channels.values():
        _channel(doc, ch)
    for sf in cal.sessions.values():
        _session(doc, sf)
    doc.level = 0
    if cal.segments:
        doc.blank()
        doc.key("segments", None, "shares of new needs (first contacts)")
        doc.level = 1
        shares = _share({k: v for k, (v, _) in cal.segments.items()})
        for seg, (_, n) in cal.segments.items():
            doc.key(seg, _flow({"share": f"{shares[seg]:.4f}"}), f"{_n(n)} first contacts")
        doc.level = 0
    doc.blank()
    doc.key("intents")
    doc.level = 1
    for it in cal.intents.values():
        _intent(doc, it)
    doc.level = 0
    doc.blank()
    doc.key("demand")
    doc.comment(f"counted: {cal.demand_rows}. rate = the week-average rate; the profile "
                "and day_factors shape it (Poisson maximum likelihood by interval of day and "
                "weekday)")
    for line in cal.lines:
        _line(doc, cal, line)
    doc.blank()
    doc.key("pools")
    doc.comment(("staffing from the observed concurrency: exact where customers waited, a "
                 "lower bound elsewhere" if cal.options.staffing == "concurrency" else
                 f"staffing is approximate: occupancy {cal.options.occupancy:g} is an "
                 "assumption") + " (a log does not show idle agents); give known headcounts "
                "with --pool-size")
    doc.level = 1
    for pool in cal.pools.values():
        _pool(doc, pool, cal.period.interval_s)
    doc.level = 0
    if cal.journeys is not None:
        doc.blank()
        _recontact(doc, cal)
    return doc.text()


def write_scenario(cal: Calibration, path: str | Path, name: str | None = None) -> Any:
    """Validate and write the scenario file; return the loaded :class:`Scenario`.

    Raises
    ------
    sim.scenario.ScenarioError
        If the fitted scenario does not validate (then nothing is written).
    """
    from sim import io
    from sim.scenario import load, load_text

    text = scenario_text(cal, name)
    load_text(text, file=str(path))
    io.write_text_atomic(path, text)
    return load(path)

