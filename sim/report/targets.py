"""Targets on KPIs (``'service_level>=0.8'``) and the cheapest sweep point meeting them.

Target strings are parsed with :func:`sim.analytic.staffing.parse_target` when it
accepts them (it knows units such as ``asa_s<=1min`` and ``80%``); anything else
falls back to a small parser of ``<kpi><op><value>`` for any KPI name, so
``service_level>=0.8`` (no answer time: the sweep's service level already uses
each channel's own target) and ``recontact_rate<=10%`` work too.

*Cheapest* point: when the swept settings include pool sizes
(``pools.<name>.size``), the point with the fewest agents in those pools (the
other pools are the same at every point); otherwise the point with the smallest
value of the first swept setting. Ties go to the earlier point of the grid. A
point *meets* a target when its mean does; the report also says whether the
whole 95% confidence interval does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["KpiTarget", "cheapest_point", "evaluate_points", "parse_targets", "point_cost"]

_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|=>|=<|>|<)\s*(.+?)\s*$")
_NUM = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_POOL_SIZE = re.compile(r"^pools\.[^.]+\.size$")
#: KPI names of the staffing calculator that the simulation calls differently.
_ALIASES = {"occupancy": "utilization"}


@dataclass(frozen=True)
class KpiTarget:
    """``kpi op value``, e.g. ``KpiTarget("service_level", ">=", 0.8, "service_level>=0.8")``."""

    kpi: str
    op: str
    value: float
    text: str

    def met(self, x: float) -> bool:
        """Whether a value meets the target (NaN never does)."""
        if x != x:
            return False
        return {">=": x >= self.value, ">": x > self.value, "<=": x <= self.value,
                "<": x < self.value}[self.op]

    @property
    def upward(self) -> bool:
        """True when higher values are better (``>=``, ``>``)."""
        return self.op.startswith(">")


def _fallback(text: str) -> KpiTarget:
    m = _RE.match(text)
    if not m:
        raise ValueError(f"expected a target like 'service_level>=0.8' or 'asa_s<=30', "
                         f"got {text!r}")
    kpi, op, raw = m.group(1).lower(), m.group(2), m.group(3).strip()
    op = {"=>": ">=", "=<": "<="}.get(op, op)
    raw = raw.split("@")[0].strip()
    if raw.endswith("%") and _NUM.match(raw[:-1].strip()):
        value = float(raw[:-1]) / 100.0
    elif _NUM.match(raw):
        value = float(raw)
    elif kpi.endswith("_s"):
        from sim.scenario.units import parse_duration

        try:
            value = parse_duration(raw)
        except ValueError as exc:
            raise ValueError(f"target {text!r}: {exc}") from None
    else:
        raise ValueError(f"target {text!r}: expected a number, a percentage or a duration, "
                         f"got {raw!r}")
    return KpiTarget(_ALIASES.get(kpi, kpi), op, value, text.strip())


def parse_targets(targets: str | Iterable[str] | None) -> list[KpiTarget]:
    """Parse targets given as one string (comma- or semicolon-separated) or a list.

    Raises
    ------
    ValueError
        If a target cannot be understood.
    """
    if targets is None:
        return []
    items = re.split(r"[;,]", targets) if isinstance(targets, str) else list(targets)
    out = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            from sim.analytic.staffing import parse_target

            t = parse_target(item)
            out.append(KpiTarget(_ALIASES.get(t.kpi, t.kpi), t.op, float(t.value), item))
        except (ImportError, ValueError):
            out.append(_fallback(item))
    return out


def _number(value: Any) -> float | None:
    """A setting's value as a number: numbers as they are, durations in seconds."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    from sim.scenario.units import parse_duration

    try:
        return float(parse_duration(value))
    except (TypeError, ValueError):
        return None


def point_cost(point: dict[str, Any], params: Sequence[str]) -> tuple[float, str]:
    """``(cost, basis)`` of a point: total swept pool size, else the first setting's value."""
    sizes = [p for p in params if _POOL_SIZE.match(p)]
    if sizes:
        total = sum(_number(point[p]) or 0.0 for p in sizes)
        return total, "fewest agents in the swept pools (" + " + ".join(sizes) + ")"
    first = _number(point[params[0]]) if params else None
    return (first if first is not None else 0.0), f"smallest value of {params[0]}" \
        if params else "first point of the grid"


def evaluate_points(table: pd.DataFrame, params: Sequence[str],
                    targets: Sequence[KpiTarget]) -> pd.DataFrame:
    """One row per point (grid order): settings, ``cost``, ``meets`` and ``meets_ci``.

    ``meets``: every target met by the mean; ``meets_ci``: by the whole 95% CI.
    A target on a KPI missing from the table is never met.
    """
    rows = []
    for pid, frame in table.groupby("point_id", sort=False):
        first = frame.iloc[0]
        point = {p: first[p] for p in params}
        by = frame.set_index("kpi")
        meets, meets_ci = True, True
        for t in targets:
            if t.kpi not in by.index:
                meets = meets_ci = False
                continue
            r = by.loc[t.kpi]
            meets &= t.met(float(r["mean"]))
            bound = float(r["ci_low"] if t.upward else r["ci_high"])
            meets_ci &= t.met(bound)
        cost, _ = point_cost(point, params)
        rows.append({"point_id": pid, **point, "cost": cost, "meets": bool(meets),
                     "meets_ci": bool(meets_ci and meets)})
    return pd.DataFrame(rows)


def cheapest_point(table: pd.DataFrame, params: Sequence[str],
                   targets: Sequence[KpiTarget]) -> dict[str, Any] | None:
    """The cheapest point whose means meet every target (see module docs), or None.

    Returns a dict with ``point_id``, the settings, ``cost``, ``basis`` and
    ``meets_ci``.
    """
    if not targets or table.empty:
        return None
    ev = evaluate_points(table, params, targets)
    ok = ev[ev["meets"]]
    if ok.empty:
        return None
    ok = ok.assign(order=range(len(ok))).sort_values(["cost", "order"], kind="stable")
    best = ok.iloc[0]
    point = {p: best[p] for p in params}
    return {"point_id": best["point_id"], "point": point, "cost": float(best["cost"]),
            "basis": point_cost(point, params)[1], "meets_ci": bool(best["meets_ci"])}
