"""From a contact log to fitted scenario parameters (:class:`Calibration`).

What is fitted, and from which rows:

* **demand** — one line per channel and intent: rate, intraday profile and weekday
  factors (:mod:`sim.calibrate.arrivals`) from the arrivals of *new needs* (first
  contacts of journeys; repeats are the recontact model's job). Without journey
  support in the schema every contact counts as demand.
* **handle time** per intent — lognormal, gamma or exponential by AIC over the
  answered contacts of the intent (all channels: the schema has one handle time
  per intent; the means by channel are reported) (:mod:`sim.calibrate.dists`).
* **after-call work** per intent (and per channel where it differs), only from a
  log with a wrap-up column, fitted like the handle time (:mod:`sim.calibrate.wrapup`).
* **patience** per channel — from answered (censored) and abandoned waits.
* **resolution** per intent (and per channel where it differs by more than two
  standard errors), **recontact** and **retry** probability and delay, and
  **channel switching** (:mod:`sim.calibrate.repeats`) — only the parts the
  scenario schema supports (:func:`schema_support`).
* **pools** — the teams that answered any piece of work (first answers, and in an
  event log the pieces handed off or escalated to them), their channels and (if
  they served only some intents) skills, and their **handoffs**
  (:mod:`sim.calibrate.stages`). Headcount per interval of the day (or week, when
  every weekday is covered), by default (``staffing="concurrency"``) from the
  observed concurrency: pieces in progress just after answers that followed a wait
  (then every agent on duty was busy), else the most in progress at once (see
  :mod:`sim.calibrate.stages`). ``staffing="schedule"`` approximates it as
  ``ceil(busy agents / occupancy)`` instead (busy agents = handle seconds in the
  interval / its length, ``occupancy`` an assumption, default 0.85);
  ``staffing="size"`` a fixed size from the busiest interval; ``pool_sizes``
  gives known headcounts. A log does not say how many agents were idle, so where
  nobody waited this is a lower bound to check against the rota.
* **self-service and bot channels** (event logs): session duration, containment
  by intent and the escalation split (:mod:`sim.calibrate.stages`); live contacts
  a session escalated to are not new demand.
* **channel kinds** are guessed from names (chat, message, sms: chat; mail,
  ticket: email; otherwise voice).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.calibrate.arrivals import LineRate, Period, busy_by_slot, fit_rates, period_of
from sim.calibrate.dists import DistFit, PatienceFit, fit_durations, fit_patience
from sim.calibrate.read import ContactLog
from sim.calibrate.repeats import JourneyFit, fit_repeats, link
from sim.calibrate.stages import (
    HandoffFit,
    SessionFit,
    concurrency_staffing,
    fit_handoffs,
    fit_sessions,
)
from sim.calibrate.wrapup import WrapFit, fit_wrap_up

__all__ = ["Calibration", "FitOptions", "Support", "calibrate", "parse_pool_sizes",
           "schema_support"]

PROFILE_INTERVALS = (900.0, 1800.0, 3600.0)
DEFAULT_POOL = "agents"


@dataclass(frozen=True)
class FitOptions:
    """Choices of the calibration (see the module docstring)."""

    interval_s: float = 1800.0
    occupancy: float = 0.85
    staffing: str = "concurrency"
    pool_sizes: dict[str, int] = field(default_factory=dict)
    """Known headcounts: pool -> size; key ``"*"`` for every pool."""
    window_s: float = 7 * 86400.0
    journeys: bool = True
    replications: int = 10
    seed: int = 1

    def __post_init__(self) -> None:
        if self.interval_s not in PROFILE_INTERVALS:
            raise ValueError("interval must be 15min, 30min or 1h")
        if not 0 < self.occupancy <= 1:
            raise ValueError(f"occupancy must be in (0, 1], got {self.occupancy:g}")
        if self.staffing not in ("concurrency", "schedule", "size"):
            raise ValueError("staffing must be 'concurrency', 'schedule' or 'size', got "
                             f"{self.staffing!r}")


@dataclass(frozen=True)
class Support:
    """Which journey fields the scenario schema has (fitting is conditional on them)."""

    resolution: bool
    resolution_by_channel: bool
    recontact: bool
    retry: bool
    channel_switch: bool


def schema_support() -> Support:
    """Inspect the scenario schema for the journey fields calibration can fill."""
    from sim.scenario import schema

    intent = schema.Intent.model_fields
    recontact = "recontact" in schema.Scenario.model_fields
    rc_fields: dict[str, object] = {}
    if recontact:
        try:
            from sim.scenario.behaviour import Recontact
        except ImportError:  # pragma: no cover - schema without the journey sections
            recontact = False
        else:
            rc_fields = dict(Recontact.model_fields)
            recontact = {"probability", "delay"} <= set(rc_fields)
    return Support(
        resolution="resolution" in intent,
        resolution_by_channel="resolution_by_channel" in intent,
        recontact=recontact,
        retry=recontact and "retry" in rc_fields,
        channel_switch=recontact and "channel_switch" in rc_fields,
    )


@dataclass
class ChannelFit:
    """A channel: its kind, counts and patience."""

    name: str
    kind: str
    """Guessed from the name (:func:`guess_kind`)."""
    n: int
    n_answered: int
    n_abandoned: int
    n_blocked: int
    patience: PatienceFit | None


@dataclass
class IntentFit:
    """An intent: handle time, after-call work, resolution."""

    name: str
    n_answered: int
    handle: DistFit | None
    by_channel: dict[str, tuple[float, int]]
    resolution: tuple[float, int] | None = None
    """(probability, contacts it is estimated from)."""
    resolution_by_channel: dict[str, tuple[float, int]] = field(default_factory=dict)
    proxy: bool = False
    """Resolution from the no-repeat proxy (the log has no resolution flag)."""
    handle_note: str = ""
    """How the handle time was obtained when the intent has no answered contact."""
    acw: WrapFit | None = None  # after-call work, from a log with wrap-up (and by channel)
    acw_by_channel: dict[str, WrapFit] = field(default_factory=dict)


@dataclass
class PoolFit:
    """A pool: channels, skills, staffing."""

    name: str
    channels: list[str]
    skills: list[str] | None
    n_answered: int
    busy: np.ndarray
    headcount: list[int] | None
    size: int | None
    staffing_note: str
    notes: list[str] = field(default_factory=list)
    concurrency: np.ndarray | None = None
    """Headcount estimated from concurrency per slot (NaN: never observed)."""
    concurrency_note: str = ""
    n_pieces: int = 0
    handoffs: list[HandoffFit] = field(default_factory=list)


@dataclass
class Calibration:
    """Everything fitted from one log, with the counts behind each number."""

    log: ContactLog
    options: FitOptions
    support: Support
    period: Period
    channels: dict[str, ChannelFit]
    intents: dict[str, IntentFit]
    lines: list[LineRate]
    demand_rows: str
    segments: dict[str, tuple[float, int]]
    pools: dict[str, PoolFit]
    journeys: JourneyFit | None
    linked: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sessions: dict[str, SessionFit] = field(default_factory=dict)


def parse_pool_sizes(spec: str | None) -> dict[str, int]:
    """Known headcounts: ``'12'`` -> every pool 12; ``'tier1=12,tier2=5'`` -> by pool.

    Raises
    ------
    ValueError
        On a malformed item or a negative headcount.
    """
    out: dict[str, int] = {}
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, _, value = item.rpartition("=")
        try:
            size = int(value)
        except ValueError:
            raise ValueError(f"--pool-size: expected N or POOL=N, got {item!r}") from None
        if size < 0:
            raise ValueError(f"--pool-size: a headcount cannot be negative ({item!r})")
        out[name.strip() or "*"] = size
    return out


def guess_kind(name: str) -> str:
    """Channel kind from its name: chat, email or voice."""
    low = name.lower()
    if any(w in low for w in ("chat", "messag", "whatsapp", "sms", "social")):
        return "chat"
    if any(w in low for w in ("mail", "letter", "ticket", "form")):
        return "email"
    return "voice"


def _channels(c: pd.DataFrame) -> dict[str, ChannelFit]:
    out = {}
    for name, rows in c.groupby("channel", sort=True):
        kind = guess_kind(str(name))
        queued = rows["outcome"].isin(["answered", "abandoned"])
        ab = rows["outcome"] == "abandoned"
        patience = None
        if kind != "email":
            patience = fit_patience(rows.loc[queued, "wait_s"].to_numpy(), ab[queued].to_numpy())
        out[str(name)] = ChannelFit(str(name), kind, len(rows),
                                    int((rows["outcome"] == "answered").sum()), int(ab.sum()),
                                    int((rows["outcome"] == "blocked").sum()), patience)
    return out


def _intents(c: pd.DataFrame, support: Support, resolution_known: bool,
             journeys: JourneyFit | None) -> dict[str, IntentFit]:
    out = {}
    answered = c.loc[c["outcome"] == "answered"]
    for name in sorted(c["intent"].unique()):
        rows = answered.loc[answered["intent"] == name]
        by_ch = {str(ch): (float(r["handle_s"].mean()), len(r))
                 for ch, r in rows.groupby("channel", sort=True)}
        fit = IntentFit(str(name), len(rows), fit_durations(rows["handle_s"].to_numpy()), by_ch)
        fit.acw, fit.acw_by_channel = fit_wrap_up(rows)
        if support.resolution and resolution_known:
            known = rows.loc[rows["resolved"].notna()]
            if len(known):
                p = float(known["resolved"].mean())
                fit.resolution = (p, len(known))
                if support.resolution_by_channel:
                    fit.resolution_by_channel = _by_channel(known, p)
        elif support.resolution and journeys is not None and name in journeys.proxy_resolution:
            fit.resolution = journeys.proxy_resolution[name]
            fit.proxy = True
        out[str(name)] = fit
    if any(f.handle is None for f in out.values()):
        overall = fit_durations(answered["handle_s"].to_numpy())
        for f in out.values():
            if f.handle is None:
                f.handle = overall or DistFit("exponential", 300.0, 1.0, 0, {})
                f.handle_note = ("no answered contact of this intent: the handle time of all "
                                 "intents" if overall else "no answered contact in the log: "
                                 "a placeholder, replace it")
    return out


def _by_channel(known: pd.DataFrame, p: float) -> dict[str, tuple[float, int]]:
    """Channels whose resolution differs from ``p`` by more than two standard errors."""
    out = {}
    for ch, r in known.groupby("channel", sort=True):
        n = len(r)
        q = float(r["resolved"].mean())
        se = math.sqrt(max(p * (1 - p), 1e-12) / n)
        if n >= 30 and abs(q - p) > 2 * se:
            out[str(ch)] = (q, n)
    return out


def contact_pieces(c: pd.DataFrame) -> pd.DataFrame:
    """The first pieces of the answered contacts of a contact log, as pieces."""
    a = c.loc[c["outcome"] == "answered"]
    answer = a["arrival"] + pd.to_timedelta(a["wait_s"], unit="s")
    return pd.DataFrame({
        "cid": a["line"].to_numpy(), "step": 0, "kind": "arrive",
        "channel": a["channel"].to_numpy(), "intent": a["intent"].to_numpy(),
        "pool": a["pool"].to_numpy(), "queued": a["arrival"].to_numpy(),
        "answer": answer.to_numpy(),
        "end": (answer + pd.to_timedelta(a["handle_s"], unit="s")).to_numpy(),
        "transferred": False, "wait_s": a["wait_s"].to_numpy(),
        "handle_s": a["handle_s"].to_numpy(), "from_pool": None, "delay_s": np.nan})


def _pools(c: pd.DataFrame, pieces: pd.DataFrame, needs: list[tuple[str, str]],
           period: Period, options: FitOptions) -> dict[str, PoolFit]:
    answered = pieces.copy()
    if answered["pool"].isna().all():
        answered["pool"] = DEFAULT_POOL
    intents = set(c["intent"].unique())
    out: dict[str, PoolFit] = {}
    for name, rows in answered.groupby("pool", sort=True):
        served = set(rows["intent"].unique())
        skills = sorted(served) if served != intents else None
        busy = busy_by_slot(rows["answer"], rows["handle_s"].to_numpy(), period)
        pool = PoolFit(str(name), sorted(rows["channel"].unique()), skills,
                       int((rows["step"] == 0).sum()), busy, None, None, "")
        pool.n_pieces = len(rows)
        if options.staffing == "concurrency":
            pool.concurrency, pool.concurrency_note = concurrency_staffing(rows, period)
        out[str(name)] = pool
    if not out:
        out[DEFAULT_POOL] = PoolFit(DEFAULT_POOL, sorted(c["channel"].unique()), None, 0,
                                    np.zeros_like(period.exposure), None, None, "")
    _make_servable(out, needs)
    for pool in out.values():
        _staff(pool, period, options)
    return out


def _make_servable(pools: dict[str, PoolFit], needs: list[tuple[str, str]]) -> None:
    """Each (channel, intent) customers bring needs a pool (else the file is invalid)."""
    for channel, intent in needs:
        serving = [p for p in pools.values() if channel in p.channels]
        if any(p.skills is None or intent in p.skills for p in serving):
            continue
        pool = max(serving or pools.values(), key=lambda p: p.n_answered)
        if channel not in pool.channels:
            pool.channels.append(channel)
            pool.notes.append(f"channel '{channel}' added: nobody answered it in the log")
        if pool.skills is not None and intent not in pool.skills:
            pool.skills.append(intent)
            pool.notes.append(f"skill '{intent}' added for channel '{channel}': nobody "
                              "answered it there in the log")


def _staff(pool: PoolFit, period: Period, options: FitOptions) -> None:
    occ = options.occupancy
    known = options.pool_sizes.get(pool.name, options.pool_sizes.get("*"))
    peak = float(pool.busy.max()) if pool.busy.size else 0.0
    if known is not None:
        pool.size = int(known)
        pool.staffing_note = "size given on the command line"
    elif options.staffing == "concurrency" and pool.concurrency is not None:
        est = pool.concurrency
        if period.weekdays_covered == 7:
            per = np.nan_to_num(est.reshape(-1))
        else:
            seen = (period.exposure > 0) & np.isfinite(est)
            per = np.where(seen, est, 0.0).max(axis=0)
        pool.headcount = [int(math.ceil(x - 1e-9)) for x in per]
        pool.staffing_note = (f"per {int(period.interval_s // 60)}min of the "
                              f"{'week' if period.weekdays_covered == 7 else 'day'}: "
                              f"{pool.concurrency_note}")
    elif options.staffing == "size":
        pool.size = max(1, math.ceil(peak / occ - 1e-9))
        pool.staffing_note = (f"size = busiest interval {peak:.1f} busy agents / occupancy "
                              f"{occ:g}, rounded up")
    else:
        if period.weekdays_covered == 7:
            busy = pool.busy.reshape(-1)
            shape = "week (Mon 00:00 first)"
        else:
            exp = period.exposure
            w = exp.sum(axis=0)
            busy = np.where(w > 0, (pool.busy * exp).sum(axis=0) / np.where(w > 0, w, 1), 0.0)
            shape = "day (00:00 first)"
        pool.headcount = [int(math.ceil(b / occ - 1e-9)) if b > 1e-9 else 0 for b in busy]
        pool.staffing_note = (f"headcount per {int(period.interval_s // 60)}min of the {shape}"
                              f" = busy agents / occupancy {occ:g}, rounded up; busiest "
                              f"interval {peak:.1f} busy agents")


def _segments(first: pd.DataFrame) -> dict[str, tuple[float, int]]:
    seg = first["segment"].dropna()
    counts = seg.value_counts().sort_index()
    if len(counts) < 2:
        return {}
    total = int(counts.sum())
    return {str(k): (int(v) / total, int(v)) for k, v in counts.items()}


def calibrate(log: ContactLog, options: FitOptions | None = None) -> Calibration:
    """Fit scenario parameters to a contact log.

    Parameters
    ----------
    log
        Contacts read with :func:`sim.calibrate.read_contacts` or
        :func:`sim.calibrate.read_event_log`.
    options
        Interval, occupancy, staffing and journey choices.

    Returns
    -------
    Calibration
        The fitted parameters with their provenance; write it with
        :func:`sim.calibrate.write_scenario`.
    """
    options = options or FitOptions()
    support = schema_support()
    c = log.contacts
    period = period_of(c["arrival"], options.interval_s)
    use_journeys = options.journeys and support.recontact
    linked = link(c, options.window_s, log.has_resolution and support.resolution)
    journeys = None
    if use_journeys:
        journeys = fit_repeats(linked, period.end, options.window_s,
                               log.has_resolution and support.resolution)
    first = linked.loc[linked["attempt"] == 0] if use_journeys else linked
    sessions = fit_sessions(log.sessions, c)
    demand_rows = ("first contacts of journeys (repeats are modelled by 'recontact')"
                   if use_journeys else "all contacts")
    if "escalated_from" in first:
        # a live contact a bot / self-service session passed on is no new need
        first = first.loc[first["escalated_from"].isna()]
    if log.sessions is not None and len(log.sessions):
        first = pd.concat([first, log.sessions[["arrival", "channel", "intent", "segment"]]],
                          ignore_index=True)
        demand_rows += "; self-service / bot sessions; not the live contacts they escalated to"
    lines = fit_rates(first, period)
    notes = []
    if period.weekdays_covered < 7:
        notes.append(f"day_factors not fitted: the log covers {period.weekdays_covered} of 7 "
                     "weekdays")
    channels = _channels(c)
    for ch in channels.values():
        if ch.kind == "email" and ch.n_abandoned:
            notes.append(f"channel '{ch.name}' looks like email (no patience in the schema); "
                         f"its {ch.n_abandoned:,} abandoned contacts are not modelled")
    intents = _intents(c, support, log.has_resolution and support.resolution, journeys)
    needs = [(line.channel, line.intent) for line in lines]
    if journeys is not None and support.channel_switch:
        needs += [(to, i) for row in journeys.switch.values() for to in row for i in intents]
    needs = [(ch, i) for ch, i in needs if ch not in sessions]
    for sf in sessions.values():
        needs += [(to, i) for to in sf.escalation for i in sf.containment]
    pieces = log.pieces if log.pieces is not None else contact_pieces(c)
    pools = _pools(c, pieces, needs, period, options)
    for h in fit_handoffs(pieces):
        if h.source in pools and h.target in pools:
            pools[h.source].handoffs.append(h)
    return Calibration(log, options, support, period, channels, intents, lines, demand_rows,
                       _segments(first), pools, journeys, linked, notes, sessions)
