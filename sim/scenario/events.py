"""Demand shocks: the scenario's ``events`` section.

A product defect, a billing error or a storm multiplies the contacts about one
reason for a few days; service targets missed during such a shock must be read in
that light. Each entry of ``events`` is a *demand shock*::

    events:
      - name: billing_error        # optional; default derived from the selectors
        intent: billing            # optional selectors: intent, channel, segment
        from: "day 2 09:00"        # a clock time, as for 'start' and outage 'at'
        for: 3d
        peak: 2.5x                 # a factor > 0; below 1 is a dip
        shape: decay               # step (default) | decay | linear
        half_life: 12h             # decay only; default: a quarter of 'for'

Selectors
    ``intent``, ``channel`` and ``segment`` each take one name or a list of names;
    they combine with AND, and an omitted selector matches everything, so a shock
    with none multiplies all demand.
When
    ``from`` is a clock time in the scenario's clock syntax (``'Tue 09:00'``,
    ``'day 2 09:00'``): like ``start`` and an outage's ``at``, ``day 1`` is the
    Monday of the first simulated week, so with the default ``start`` (Monday
    00:00) day 1 is the first simulated day and "day 2 09:00" is 33 hours into
    the run (warm-up included). The window ``[from, from + for)`` must overlap
    the measured part of the run (after the warm-up).
Shape
    With ``τ`` the time since ``from`` and ``L`` = ``for``, the multiplier m(τ) of
    the selected demand's arrival rate is, inside the window (1 outside):

    * ``step`` — ``peak`` throughout;
    * ``decay`` — ``1 + (peak - 1) · 2^(-τ / half_life)``: starts at ``peak`` and
      halves its excess every ``half_life`` (default ``L / 4``, so 1/16 of the
      excess is left when the window closes and the rate returns to normal);
    * ``linear`` — from ``peak`` straight down to 1 at the end of the window.

A shock multiplies *fresh demand* (first contacts of the demand lines it selects);
retries, recontacts and escalations follow from those customers as usual.
Overlapping shocks on the same contacts multiply. The engine applies them exactly
(:mod:`sim.model.shocks`) and the metrics compare the KPIs of contacts that
arrived inside each shock's window with those outside it
(:mod:`sim.metrics.shocks`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.behaviour import Name, Names, Seconds
from sim.scenario.errors import unknown_name
from sim.scenario.units import DAY_S, WEEKDAYS, format_duration, parse_clock, parse_multiplier

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

SELECTORS: tuple[str, ...] = ("intent", "channel", "segment")
MAX_PEAK = 100.0
LN2 = math.log(2.0)

ClockTime = Annotated[float, BeforeValidator(parse_clock)]


def _peak(value: object) -> float:
    factor = parse_multiplier(value)
    if not 0 < factor <= MAX_PEAK:
        raise ValueError(f"a peak must be above 0 and at most {MAX_PEAK:g}x (below 1x is a dip, "
                         f"e.g. 0.6x), got {value!r}")
    return factor


Peak = Annotated[float, BeforeValidator(_peak)]
Shape = Literal["step", "decay", "linear"]


class DemandShock(BaseModel):
    """A time-limited multiplier on the arrival rate of some demand."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              populate_by_name=True)

    name: Name | None = None
    """Shown in the outputs; default ``<selectors>_shock`` (e.g. ``billing_shock``)."""
    intent: Names | None = None
    channel: Names | None = None
    segment: Names | None = None
    from_: ClockTime = Field(alias="from")
    """Clock time the shock starts ('day 2 09:00', 'Tue 09:00')."""
    for_: Seconds = Field(alias="for", gt=0)
    """How long the window lasts."""
    peak: Peak
    """The multiplier at the start of the window (below 1: a dip)."""
    shape: Shape = "step"
    half_life: Seconds | None = Field(default=None, gt=0)
    """Decay only: time for the excess over 1 to halve (default ``for / 4``)."""
    description: str = ""

    @model_validator(mode="after")
    def _half_life(self) -> DemandShock:
        if self.half_life is not None and self.shape != "decay":
            raise ValueError(f"'half_life' applies to shape: decay only (this shock is "
                             f"{self.shape})")
        return self

    # -- identity and selection --------------------------------------------------
    @property
    def label(self) -> str:
        """The shock's name, or one derived from its selectors."""
        if self.name is not None:
            return self.name
        parts = [n for key in SELECTORS for n in (getattr(self, key) or ())]
        return "_".join(parts[:3] or ["demand"]) + "_shock"

    def selects(self, channel: str, intent: str, segment: str) -> bool:
        """True if a contact with these names is in the shock's selection."""
        return all(sel is None or value in sel for sel, value in
                   ((self.channel, channel), (self.intent, intent), (self.segment, segment)))

    # -- time ---------------------------------------------------------------------
    @property
    def length_s(self) -> float:
        return float(self.for_)

    @property
    def half_life_s(self) -> float:
        """The decay half-life in seconds (``for / 4`` by default)."""
        return float(self.half_life) if self.half_life is not None else self.length_s / 4.0

    def window_s(self, start_clock_s: float) -> tuple[float, float]:
        """``[start, end)`` of the window on the simulation clock (warm-up included)."""
        t0 = float(self.from_) - float(start_clock_s)
        return t0, t0 + self.length_s

    def level(self, tau_s: np.ndarray | float) -> np.ndarray:
        """The shape's multiplier ``tau_s`` seconds after ``from``, on the closed window
        ``[0, for]`` (times outside are clamped to it; at ``for``: the left limit)."""
        tau = np.clip(np.asarray(tau_s, dtype=float), 0.0, self.length_s)
        if self.shape == "step":
            return np.full(tau.shape, self.peak)
        if self.shape == "decay":
            return 1.0 + (self.peak - 1.0) * np.exp2(-tau / self.half_life_s)
        return self.peak - (self.peak - 1.0) * tau / self.length_s

    def multiplier(self, tau_s: np.ndarray | float) -> np.ndarray:
        """The rate multiplier ``tau_s`` seconds after ``from`` (1 outside the window)."""
        tau = np.asarray(tau_s, dtype=float)
        return np.where((tau >= 0) & (tau < self.length_s), self.level(tau), 1.0)

    def excess_integral(self, tau_a: float, tau_b: float) -> float:
        """``∫ (m - 1) dτ`` over ``[tau_a, tau_b)`` (times since ``from``), in seconds."""
        a = min(max(tau_a, 0.0), self.length_s)
        b = min(max(tau_b, 0.0), self.length_s)
        if b <= a:
            return 0.0
        excess = self.peak - 1.0
        if self.shape == "step":
            return excess * (b - a)
        if self.shape == "decay":
            h = self.half_life_s
            return excess * h / LN2 * (2.0 ** (-a / h) - 2.0 ** (-b / h))
        L = self.length_s
        return excess * ((b - a) - (b * b - a * a) / (2.0 * L))

    @property
    def mean_multiplier(self) -> float:
        """The multiplier averaged over the window (expected arrivals x this)."""
        return 1.0 + self.excess_integral(0.0, self.length_s) / self.length_s


# -- cross-reference checks (called from sim.scenario.checks) -------------------------

Add = Callable[[Sequence[str | int], str], None]


def clock_text(t_s: float, start_clock_s: float) -> str:
    """Simulation time as the planner writes it: ``'day 2 09:00 (Tue)'``."""
    clock = round(float(t_s) + float(start_clock_s))
    day, rem = divmod(clock, int(DAY_S))
    weekday = WEEKDAYS[day % 7].capitalize()
    return f"day {day + 1} {rem // 3600:02d}:{rem % 3600 // 60:02d} ({weekday})"


def describe_shock(shock: DemandShock, start_clock_s: float) -> str:
    """One line for a planner: ``'billing_error: intent billing x2.5 decaying from day 2
    09:00 (Tue) for 3.0d (x1.51 on average)'``."""
    sel = [f"{key} {'/'.join(getattr(shock, key))}" for key in SELECTORS
           if getattr(shock, key) is not None]
    t0, _ = shock.window_s(start_clock_s)
    shape = {"step": "throughout", "decay": "decaying", "linear": "ramping down"}[shock.shape]
    return (f"{shock.label}: {' and '.join(sel) or 'all demand'} x{shock.peak:g} {shape} "
            f"from {clock_text(t0, start_clock_s)} for {format_duration(shock.length_s)} "
            f"(x{shock.mean_multiplier:.2f} on average)")



def check_events(sc: Scenario, add: Add) -> None:
    """Names the shocks select, unique names, and windows inside the measured run."""
    sections: Mapping[str, Mapping[str, object]] = {
        "intent": sc.intents, "channel": sc.channels, "segment": sc.segments}
    seen: dict[str, int] = {}
    for i, shock in enumerate(sc.events):
        for key in SELECTORS:
            known = sections[key]
            for j, value in enumerate(getattr(shock, key) or ()):
                if value not in known:
                    add(("events", i, key, j), unknown_name(key, value, known, key + "s"))
        label = shock.label
        if label in seen:
            where = ("events", i, "name") if shock.name is not None else ("events", i)
            add(where, f"two events are called '{label}' (see events[{seen[label]}]); "
                       "give each its own 'name'")
        seen.setdefault(label, i)
        t0, t1 = shock.window_s(sc.start)
        if t1 <= sc.warmup or t0 >= sc.end_s:
            add(("events", i, "from"),
                f"the shock runs from {clock_text(t0, sc.start)} to {clock_text(t1, sc.start)}, "
                f"outside the measured run ({clock_text(sc.warmup, sc.start)} to "
                f"{clock_text(sc.end_s, sc.start)}); move 'from' (day 1 is the Monday of the "
                "first week) or lengthen 'horizon'")


def line_share(sc: Scenario, line_index: int, shock: DemandShock) -> float:
    """Expected share of demand line ``line_index``'s contacts that ``shock`` selects."""
    line = sc.demand[line_index]
    if shock.channel is not None and line.channel not in shock.channel:
        return 0.0
    share = 1.0
    for key, declared in (("intent", sc.intents), ("segment", sc.segments)):
        sel = getattr(shock, key)
        if sel is None:
            continue
        named = getattr(line, key)
        if named is not None:
            share *= 1.0 if named in sel else 0.0
        elif len(declared) <= 1:
            share *= 1.0 if (not declared or next(iter(declared)) in sel) else 0.0
        else:
            shares = {n: (getattr(item, "share", None) or 0.0) for n, item in declared.items()}
            share *= sum(s for n, s in shares.items() if n in sel)
    return share


def check_event_reach(sc: Scenario, add: Add) -> None:
    """A shock must select some demand (reported after unknown names)."""
    for i, shock in enumerate(sc.events):
        if any(n not in known for key, known in (("intent", sc.intents),
                                                 ("channel", sc.channels),
                                                 ("segment", sc.segments))
               for n in getattr(shock, key) or ()):
            continue  # already reported as an unknown name
        if not any(line_share(sc, k, shock) > 0 for k in range(len(sc.demand))):
            chosen = ", ".join(f"{key} {'/'.join(getattr(shock, key))}" for key in SELECTORS
                               if getattr(shock, key) is not None)
            add(("events", i), f"this shock selects {chosen}, but no demand line brings such "
                               "contacts; check its 'intent', 'channel' and 'segment'")
