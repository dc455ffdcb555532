"""Shrinkage carried onto a planned pool, so that staffing plans count rostered agents.

``servicesim staff`` replaces a planned pool's ``size``, ``schedule`` or ``shifts`` by a
``size`` or ``schedule`` of the candidate head count. The time the pool loses to
shrinkage must stay, or every candidate is simulated with more agents on duty than
its head count would give:

* a pool with a ``size`` or ``schedule`` keeps its own ``shrinkage`` (headcount cut),
  ``breaks``, ``absence`` and ``adherence`` as they are;
* a pool with ``shifts`` has them per shift; they move to the pool. Where every shift
  has the same value it is kept as it is. Otherwise ``absence`` and ``adherence`` take
  the mean over the shifts weighted by their agent-hours a week (agents × shift length
  × days). Breaks every shift has (the same break) stay breaks of the pool; the others
  become their share of each shift's paid time ``b`` (break length / shift length), and
  the cut becomes ``1 - Σ w (1 - s)(1 - b) / Σ w`` over the shifts (``w`` agent-hours,
  ``s`` the shift's ``shrinkage``): the agent-hour-weighted mean of the shrinkage when
  no break is folded in, and the same time available for contacts in expectation.

The plan's head counts are then rostered (paid) agents. The Erlang start, which counts
agents on duty, is grossed up by the pool's *shrinkage equivalent* ``c``
(:func:`gross_up`: ``ceil(n / (1 - c))``), where ``1 - c`` is the expected share of
rostered time available for contacts: ``Σ w (1 - s)(1 - a)(1 - B) d / Σ w`` over the
shifts (``a`` absence, ``d`` adherence, ``B`` all the shift's breaks over its length),
or ``(1 - s)(1 - a)(1 - B) d`` for a size or schedule pool (``B``: the breaks' length
over an agent's day on duty: 24 hours on a size pool, the scheduled agent-time per
rostered agent on a schedule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.scenario.schema import Pool, Scenario
from sim.scenario.timing import Break, Shift
from sim.scenario.units import DAY_S

__all__ = ["Carried", "carry", "gross_up"]

#: Decimals kept for a carried share (what the candidates simulate is what is written).
DECIMALS = 4


@dataclass(frozen=True)
class Carried:
    """A planned pool's shrinkage on its new ``size`` or ``schedule``.

    Attributes
    ----------
    changes
        Pool fields to set (``shrinkage``, ``absence``, ``adherence``, ``breaks``, as
        the planner would write them); empty where the pool keeps its own.
    equivalent
        Shrinkage equivalent ``c``: the Erlang start is ``ceil(n / (1 - c))``.
    what
        What was carried and how, phrase by phrase (empty: no shrinkage).
    source
        Where it comes from: ``"from the shifts"`` or ``"kept on the pool"``.
    """

    changes: dict[str, Any] = field(default_factory=dict)
    equivalent: float = 0.0
    what: tuple[str, ...] = ()
    source: str = ""

    @property
    def text(self) -> str:
        """One line: what was carried and how (empty when there is no shrinkage)."""
        return f"{self.source}: {'; '.join(self.what)}" if self.what else ""


def gross_up(on_duty: np.ndarray, equivalent: float) -> np.ndarray:
    """Rostered agents for ``on_duty`` agents needed on duty: ``ceil(n / (1 - c))``."""
    n = np.asarray(on_duty, dtype=np.int64)
    if equivalent <= 0:
        return n
    return np.ceil(n / (1.0 - equivalent) - 1e-9).astype(np.int64)


def _pct(x: float) -> str:
    return f"{100 * x:.4g}%"


def _break_text(b: Break) -> str:
    when = (f"at {_hhmm(b.at)}" if b.at is not None
            else f"staggered {_hhmm(b.span[0])}-{_hhmm(b.span[1])}")
    return f"{b.length / 60:g}min {when}"


def _hhmm(t: float | None) -> str:
    t = float(t or 0.0) % DAY_S
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


def _shift_length(shift: Shift) -> float:
    return (shift.end - shift.start) % DAY_S or DAY_S


def _within_day(b: Break) -> bool:
    ws, we = b.span
    return (ws % DAY_S) + (we - ws) % DAY_S <= DAY_S + 1e-9


def _breaks_share(breaks: tuple[Break, ...] | list[Break], day_s: float) -> float:
    return min(1.0, sum(b.length for b in breaks) / day_s) if day_s > 0 else 0.0


def _own_day_s(pool: Pool) -> float:
    """An agent's day on duty on a size or schedule pool (see the module docstring)."""
    if pool.schedule is None:
        return DAY_S
    hc = np.asarray(pool.schedule.headcount, dtype=float)
    days = hc.reshape(-1, round(DAY_S / pool.schedule.interval))
    rostered = float(days.max(axis=1).sum())
    return float(days.sum() * pool.schedule.interval / rostered) if rostered else DAY_S


def _kept(pool: Pool) -> Carried:
    """A size or schedule pool: its own shrinkage stays; the Erlang equivalent of it."""
    b = _breaks_share(pool.breaks, _own_day_s(pool))
    avail = (1 - pool.shrinkage) * (1 - pool.absence) * (1 - b) * pool.adherence
    what: list[str] = []
    if pool.shrinkage > 0:
        what.append(f"shrinkage {_pct(pool.shrinkage)}")
    if pool.breaks:
        what.append("breaks " + ", ".join(_break_text(x) for x in pool.breaks))
    if pool.absence > 0:
        what.append(f"absence {_pct(pool.absence)}")
    if pool.adherence < 1:
        what.append(f"adherence {_pct(pool.adherence)}")
    if not what:
        return Carried()
    return Carried(equivalent=1 - avail, what=tuple(what), source="kept on the pool")


def _mean(name: str, values: np.ndarray, w: np.ndarray, unused: float) -> tuple[float, str]:
    """A share carried from the shifts: the common value, or the weighted mean."""
    if np.all(values == values[0]):
        v = float(values[0])
        return v, ("" if v == unused else f"{name} {_pct(v)} (every shift)")
    v = round(float(np.average(values, weights=w)), DECIMALS)
    listed = ", ".join(_pct(float(x)) for x in values)
    return v, f"{name} {_pct(v)} (agent-hour-weighted mean of the shifts' {listed})"


def carry(scenario: Scenario, name: str, whole_minutes: bool = True) -> Carried:
    """The shrinkage of pool ``name`` carried onto a new ``size`` or ``schedule``.

    ``whole_minutes`` False (a schedule interval that is not whole minutes, where a
    pool's breaks, absence and adherence cannot go): all of them fold into the cut.
    """
    pool = scenario.pools[name]
    if pool.shifts is None:
        return _kept(pool)
    shifts = pool.shifts
    hours = np.array([sh.agents * _shift_length(sh) * len(sh.days) / 3600 for sh in shifts])
    w = hours if hours.sum() > 0 else np.ones(len(shifts))
    raw = scenario.raw["pools"][name]["shifts"]
    shared = [j for j, b in enumerate(shifts[0].breaks)
              if whole_minutes and _within_day(b) and all(b in sh.breaks for sh in shifts)]
    kept = [shifts[0].breaks[j] for j in shared]
    other = np.array([_breaks_share([b for b in sh.breaks if b not in kept], _shift_length(sh))
                      for sh in shifts])
    s = np.array([sh.shrinkage for sh in shifts])
    a = np.array([sh.absence for sh in shifts])
    d = np.array([sh.adherence for sh in shifts])
    every = np.array([_breaks_share(sh.breaks, _shift_length(sh)) for sh in shifts])
    equivalent = 1 - float(np.average((1 - s) * (1 - a) * (1 - every) * d, weights=w))
    changes: dict[str, Any] = {}
    what: list[str] = []
    if other.any() or not whole_minutes and (a.any() or (d < 1).any()):
        fold = (1 - other) if whole_minutes else (1 - other) * (1 - a) * d
        cut = min(round(1 - float(np.average((1 - s) * fold, weights=w)), DECIMALS), 0.9999)
        folded = [f"{_break_text(b)} (shift {i + 1})" for i, sh in enumerate(shifts)
                  for b in sh.breaks if b not in kept]
        also = ("" if whole_minutes else " x (1 - absence) x adherence (a schedule interval "
                "of whole seconds takes none of them)")
        what.append(f"shrinkage {_pct(cut)} = 1 - agent-hour-weighted mean over the shifts "
                    f"of (1 - shift shrinkage {'/'.join(_pct(x) for x in s)}) x (1 - share "
                    "of paid time in breaks not every shift has"
                    + (f": {', '.join(folded)})" if folded else ")") + also)
        if cut > 0:
            changes["shrinkage"] = cut
    else:
        cut, text = _mean("shrinkage", s, w, 0.0)
        if text:
            what.append(text)
            changes["shrinkage"] = cut
    if whole_minutes:
        for key, values, unused in (("absence", a, 0.0), ("adherence", d, 1.0)):
            v, text = _mean(key, values, w, unused)
            if text:
                what.append(text)
                changes[key] = v
        if kept:
            changes["breaks"] = [raw[0]["breaks"][j] for j in shared]
            what.append("breaks " + ", ".join(_break_text(b) for b in kept) + " (every shift)")
    if not what:
        return Carried()
    return Carried(changes=changes, equivalent=equivalent, what=tuple(what),
                   source="from the shifts")
