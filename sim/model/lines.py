"""Demand lines resolved against the scenario: channel, intent and segment codes, mixes,
the intraday profile and the day-of-week factors of each line (:class:`LineSpec`).

:mod:`sim.model.demand` draws the arrivals of these lines and :mod:`sim.model.shocks`
applies the scenario's demand shocks to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import DemandLine, Profile, Scenario
from sim.scenario.units import DAY_S


@dataclass(frozen=True)
class LineSpec:
    """A demand line resolved against the scenario: codes, mixes and distributions."""

    key: str
    channel: int
    rate: float
    weights: np.ndarray          # profile weights normalised to mean 1
    profile_interval_s: float
    day_factors: np.ndarray      # 7 weekday multipliers
    dispersion: float
    intent_codes: np.ndarray
    intent_p: np.ndarray
    segment_codes: np.ndarray
    segment_p: np.ndarray


def _mix(
    named: str | None, declared: dict, codes: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    if named is not None:
        return np.array([codes[named]]), np.array([1.0])
    names = list(declared)
    if len(names) == 1:
        return np.array([codes[names[0]]]), np.array([1.0])
    shares = np.array([declared[n].share or 0.0 for n in names], dtype=float)
    return np.array([codes[n] for n in names]), shares / shares.sum()


def resolve_lines(
    scenario: Scenario,
    channel_codes: dict[str, int],
    intent_codes: dict[str, int],
    segment_codes: dict[str, int],
) -> list[LineSpec]:
    """Resolve every demand line of the scenario into a :class:`LineSpec`."""
    specs: list[LineSpec] = []
    seen: dict[str, int] = {}
    for line in scenario.demand:
        base = f"{line.channel}|{line.intent or '*'}|{line.segment or '*'}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        profile = _profile(line, scenario)
        weights = np.ones(1) if profile is None else np.asarray(profile.weights, dtype=float)
        weights = weights / weights.mean()
        interval = DAY_S if profile is None else profile.interval
        if scenario.segments:
            seg_codes, seg_p = _mix(line.segment, scenario.segments, segment_codes)
        else:
            seg_codes, seg_p = np.array([0]), np.array([1.0])
        int_codes, int_p = _mix(line.intent, scenario.intents, intent_codes)
        specs.append(
            LineSpec(
                key=key,
                channel=channel_codes[line.channel],
                rate=line.rate,
                weights=weights,
                profile_interval_s=interval,
                day_factors=np.asarray(line.day_factors or (1.0,) * 7, dtype=float),
                dispersion=line.dispersion,
                intent_codes=int_codes,
                intent_p=int_p,
                segment_codes=seg_codes,
                segment_p=seg_p,
            )
        )
    return specs


def _profile(line: DemandLine, scenario: Scenario) -> Profile | None:
    if line.profile is None or isinstance(line.profile, Profile):
        return line.profile
    return scenario.profiles[line.profile]
