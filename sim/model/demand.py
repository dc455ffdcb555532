"""Demand: when contacts arrive, on which channel, for which intent and segment.

Each demand line is a non-homogeneous Poisson process with a piecewise-constant
rate: the line's mean rate, shaped by an intraday profile, a day-of-week factor
and (optionally) daily gamma multipliers for forecast error: the scenario's
``forecast_error`` (one multiplier per clock day, mean 1 and coefficient of
variation ``cv``, shared by every line and drawn in day order from the stream
``forecast-error``) times the line's own ``dispersion`` (independent per line and
day, stream ``dispersion/<line>``). Without ``forecast_error`` nothing is drawn from
its stream and the arrivals are as before. Arrivals are
generated exactly, one clock day at a time: for each constant-rate piece the count
is Poisson and the times are uniform within it. All lines of a day are merged into
one time-ordered batch that the world plays out.

Per-contact attributes that belong to the customer (intent, segment, patience,
base handle time) are drawn here, in each line's own arrival order and from the
line's own streams, so two scenarios with the same demand see the same customers.

Demand shocks (the scenario's ``events``) are applied per line and day after the
line's own arrivals are drawn, from the shocks' own streams: see
:mod:`sim.model.shocks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.lines import LineSpec
from sim.model.shocks import Shocks
from sim.model.streams import Streams
from sim.scenario.distributions import Distribution
from sim.scenario.schema import Scenario
from sim.scenario.units import DAY_S


@dataclass
class ArrivalBatch:
    """Contacts arriving within one clock day, sorted by time."""

    time_s: np.ndarray
    line: np.ndarray
    intent: np.ndarray
    segment: np.ndarray
    patience_s: np.ndarray       # inf: never abandons
    handle_s: np.ndarray         # base handle time (before proficiency and concurrency)

    def __len__(self) -> int:
        return int(self.time_s.shape[0])


def handle_overrides(
    scenario: Scenario, intent_names: tuple[str, ...]
) -> dict[tuple[int, int], Distribution]:
    """(channel code, intent code) -> handle-time distribution, for the pairs an intent's
    ``handle_time_by_channel`` lists (every other pair uses the intent's ``handle_time``).

    Channel codes follow the scenario's channel order, as in the world.
    """
    out: dict[tuple[int, int], Distribution] = {}
    for ci, ch in enumerate(scenario.channels):
        for ii, name in enumerate(intent_names):
            by = scenario.intents[name].handle_time_by_channel
            if by and ch in by:
                out[(ci, ii)] = by[ch]
    return out


def rate_pieces(
    spec: LineSpec, day_start_s: float, day_end_s: float, start_clock_s: float, multiplier: float
) -> tuple[np.ndarray, np.ndarray]:
    """Piece edges (sim time) and the constant rate on each piece within one clock day."""
    clock0 = start_clock_s + day_start_s
    day_index = int(clock0 // DAY_S)
    midnight_sim = day_index * DAY_S - start_clock_s
    n = spec.weights.shape[0]
    edges = midnight_sim + spec.profile_interval_s * np.arange(n + 1)
    edges = np.clip(edges, day_start_s, day_end_s)
    rates = spec.rate * spec.weights * spec.day_factors[day_index % 7] * multiplier
    return edges, rates


class Demand:
    """Generates the arrivals of every demand line, one clock day at a time."""

    def __init__(
        self,
        scenario: Scenario,
        specs: list[LineSpec],
        streams: Streams,
        handle_dists: list,      # per intent code: Distribution
        patience_dists: dict,    # (channel code, segment code) -> Distribution | None
        intent_names: tuple[str, ...],
        segment_names: tuple[str, ...],
    ) -> None:
        self.intent_names = intent_names
        self.segment_names = segment_names
        self.scenario = scenario
        self.specs = specs
        self.streams = streams
        self.handle_dists = handle_dists
        # handle_time_by_channel: same streams, the channel's distribution (see customers)
        self.handle_on = handle_overrides(scenario, intent_names)
        self.patience_dists = patience_dists
        self.start_clock_s = scenario.start
        fe = scenario.forecast_error
        self.shared_cv = 0.0 if fe is None else fe.cv
        self._shared: dict[int, float] = {}  # clock day -> the shared multiplier
        self.shocks = Shocks(scenario, specs, intent_names, segment_names, streams,
                             self.customers) if scenario.events else None

    def day_edges(self, end_s: float) -> list[tuple[float, float]]:
        """Sim-time windows of each clock day between 0 and ``end_s``."""
        out = []
        t = 0.0
        while t < end_s:
            clock = self.start_clock_s + t
            nxt = min(end_s, (np.floor(clock / DAY_S) + 1) * DAY_S - self.start_clock_s)
            out.append((t, float(nxt)))
            t = float(nxt)
        return out

    def batch(self, day_start_s: float, day_end_s: float) -> ArrivalBatch:
        """All arrivals in ``[day_start_s, day_end_s)``, merged and sorted by time."""
        shared = self.shared_multiplier(int((self.start_clock_s + day_start_s) // DAY_S))
        parts = [self._line_day(i, s, day_start_s, day_end_s, shared)
                 for i, s in enumerate(self.specs)]
        time_s = np.concatenate([p[0] for p in parts])
        order = np.argsort(time_s, kind="stable")
        cols = [np.concatenate([p[k] for p in parts])[order] for k in range(1, 6)]
        return ArrivalBatch(time_s[order], *cols)

    def shared_multiplier(self, day: int) -> float:
        """The forecast-error multiplier of clock day ``day`` shared by every line (1
        without ``forecast_error``); days are drawn in order, from the first asked."""
        if self.shared_cv <= 0:
            return 1.0
        cache = self._shared
        if day not in cache:
            rng = self.streams.get("forecast-error")
            shape = 1.0 / self.shared_cv**2
            nxt = max(cache) + 1 if cache else day
            while nxt <= day:
                cache[nxt] = float(rng.gamma(shape, 1.0 / shape))
                nxt += 1
        return cache.get(day, 1.0)

    def _line_day(
        self, index: int, spec: LineSpec, day_start_s: float, day_end_s: float,
        shared: float = 1.0,
    ) -> tuple[np.ndarray, ...]:
        rng = self.streams.get(f"arrivals/{spec.key}")
        multiplier = shared
        if spec.dispersion > 0:
            shape = 1.0 / spec.dispersion**2
            own = self.streams.get(f"dispersion/{spec.key}")
            multiplier *= float(own.gamma(shape, 1.0 / shape))
        edges, rates = rate_pieces(spec, day_start_s, day_end_s, self.start_clock_s, multiplier)
        lengths = np.diff(edges)
        counts = rng.poisson(rates * lengths)
        total = int(counts.sum())
        starts = np.repeat(edges[:-1], counts)
        widths = np.repeat(lengths, counts)
        times = np.sort(starts + widths * rng.random(total))
        line = np.full(total, index, dtype=np.int32)
        intent = self._choose(spec.intent_codes, spec.intent_p, total, f"intent-mix/{spec.key}")
        segment = self._choose(spec.segment_codes, spec.segment_p, total, f"segment-mix/{spec.key}")
        patience, handle = self.customers(spec, intent, segment)
        cols: tuple[np.ndarray, ...] = (times, line, intent, segment, patience, handle)
        if self.shocks is not None:  # demand shocks: extra arrivals or thinning, own streams
            cols = self.shocks.apply(index, spec, edges, rates, day_start_s, day_end_s, cols)
        return cols

    def customers(
        self, spec: LineSpec, intent: np.ndarray, segment: np.ndarray, prefix: str = ""
    ) -> tuple[np.ndarray, np.ndarray]:
        """Patience and base handle time of contacts of ``spec``, from the line's streams
        (``prefix`` names another family of streams, e.g. a demand shock's).

        An intent's ``handle_time_by_channel`` for the line's channel replaces the
        distribution but not the stream (``handle/<line>/<intent>`` names the line's
        channel already): scenarios without it draw exactly as before, and with it the
        draws stay paired with theirs (same normals for lognormal, same uniforms ...)."""
        total = intent.shape[0]
        patience = np.full(total, np.inf)
        handle = np.empty(total)
        for code in np.unique(intent):
            mask = intent == code
            dist = self.handle_on.get((spec.channel, int(code)), self.handle_dists[code])
            handle[mask] = dist.sample(
                self.streams.get(f"{prefix}handle/{spec.key}/{self.intent_names[code]}"),
                int(mask.sum()))
        for code in np.unique(segment):
            dist = self.patience_dists.get((spec.channel, int(code)))
            if dist is not None:
                mask = segment == code
                patience[mask] = dist.sample(
                    self.streams.get(f"{prefix}patience/{spec.key}/{self.segment_names[code]}"),
                    int(mask.sum()))
        return patience, handle

    def _choose(self, codes: np.ndarray, p: np.ndarray, n: int, stream: str) -> np.ndarray:
        if codes.shape[0] == 1:
            return np.full(n, codes[0], dtype=np.int16)
        rng = self.streams.get(stream)
        return codes[rng.choice(codes.shape[0], size=n, p=p)].astype(np.int16)
