"""Sequential stopping: run replications until the KPIs are known precisely enough.

Instead of guessing a replication count, a planner states the precision wanted,
as the half-width of the 95% confidence interval of chosen KPIs:

* absolute, in the KPI's unit: ``asa_s=2`` (ASA known within ±2 s),
  ``abandon_rate=0.005`` (within ±0.5 percentage points);
* relative to the mean: ``asa_s=5%`` (within ±5% of the estimate).

A KPI is taken from group ``all`` unless written ``GROUP:MEMBER:KPI``
(``channel:phone:asa_s=3``).

The runner first runs the initial replications, then adds batches until every
target is met or the maximum is reached. The next total is estimated from the CI
shrinking like ``1/sqrt(n)`` (``n * (half_width / target)**2``), at least 10% more
and at most double the replications so far, so a noisy early estimate can neither
stall nor overshoot. The rule depends only on the results, never on the number of
workers, so the stopping point is reproducible on any executor.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

#: Replications needed before a CI is trusted for stopping.
MIN_REPLICATIONS = 3


class PrecisionError(ValueError):
    """A precision target that cannot be understood or does not match any KPI."""


@dataclass(frozen=True)
class Target:
    """Wanted CI half-width for one KPI."""

    kpi: str
    value: float
    relative: bool = False
    group: str = "all"
    member: str = ""

    @property
    def label(self) -> str:
        name = self.kpi if self.group == "all" else f"{self.group}:{self.member}:{self.kpi}"
        goal = f"{self.value * 100:g}%" if self.relative else f"{self.value:g}"
        return f"{name}=±{goal}"


@dataclass
class TargetStatus:
    """How close one KPI is to its target after some replications."""

    target: Target
    mean: float
    half_width: float
    met: bool

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self.target)
        d.update(mean=_num(self.mean), half_width=_num(self.half_width), met=self.met)
        return d


@dataclass
class StoppingReport:
    """Outcome of sequential stopping, for the console, manifest and summary."""

    targets: list[TargetStatus]
    replications: int
    batches: int
    max_replications: int

    @property
    def met(self) -> bool:
        return all(t.met for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "met": self.met,
            "replications": self.replications,
            "batches": self.batches,
            "max_replications": self.max_replications,
            "targets": [t.to_dict() for t in self.targets],
        }

    def describe(self) -> str:
        """One line for the console."""
        parts = [
            f"{s.target.label} ({'met' if s.met else 'not met'}: ±{s.half_width:.4g})"
            for s in self.targets
        ]
        verdict = "precision reached" if self.met else "precision NOT reached"
        return (
            f"{verdict} after {self.replications} replications in {self.batches} "
            f"batch(es), max {self.max_replications}: " + "; ".join(parts)
        )


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def parse_precision(spec: str | dict[str, float | str] | list[Target] | None) -> list[Target]:
    """Parse ``"asa_s=2,abandon_rate=0.005,service_level=2%"`` into targets.

    Parameters
    ----------
    spec
        A comma-separated string, a ``{kpi: value}`` mapping (values may be strings
        ending in ``%``), a list of :class:`Target`, or ``None``.

    Raises
    ------
    PrecisionError
        On a malformed item or a non-positive target.
    """
    if spec is None:
        return []
    if isinstance(spec, list):
        return spec
    items: list[tuple[str, str]] = []
    if isinstance(spec, str):
        for raw in spec.split(","):
            raw = raw.strip()
            if not raw:
                continue
            key, sep, val = raw.partition("=")
            if not sep:
                raise PrecisionError(
                    f"--precision {raw!r}: expected KPI=HALF_WIDTH, e.g. 'asa_s=2' or 'asa_s=5%'"
                )
            items.append((key.strip(), val.strip()))
    else:
        items = [(str(k), str(v)) for k, v in spec.items()]
    if not items:
        raise PrecisionError("--precision is empty; e.g. 'asa_s=2,abandon_rate=0.005'")
    targets = []
    for key, val in items:
        parts = key.split(":")
        if len(parts) not in (1, 3) or not all(parts):
            raise PrecisionError(f"--precision {key!r}: write KPI or GROUP:MEMBER:KPI")
        group, member, kpi = ("all", "", parts[0]) if len(parts) == 1 else parts
        relative = val.endswith("%")
        try:
            number = float(val[:-1] if relative else val)
        except ValueError:
            raise PrecisionError(
                f"--precision {key}={val}: the target must be a number (absolute, in the "
                "KPI's unit) or a percentage of the mean such as '5%'"
            ) from None
        if not (number > 0 and math.isfinite(number)):
            raise PrecisionError(f"--precision {key}={val}: the target must be positive")
        targets.append(Target(kpi, number / 100 if relative else number, relative, group, member))
    return targets


def check_kpi_names(targets: list[Target], known: list[str]) -> None:
    """Fail fast, before anything runs, on a target naming no known KPI."""
    for t in targets:
        if t.kpi not in known:
            raise PrecisionError(
                f"--precision: no KPI {t.kpi!r}; KPIs available: {', '.join(sorted(known))}"
            )


def check_targets(summary: pd.DataFrame, targets: list[Target]) -> list[TargetStatus]:
    """Compare the current summary's CI half-widths with the targets.

    Raises
    ------
    PrecisionError
        If a target names a KPI the summary does not have.
    """
    statuses = []
    for t in targets:
        mask = (summary["group"] == t.group) & (summary["kpi"] == t.kpi)
        if t.group != "all":  # group "all" has a single (unnamed) member
            mask &= summary["member"] == t.member
        row = summary[mask]
        if row.empty:
            known = sorted(summary.loc[summary["group"] == "all", "kpi"].unique())
            where = "the whole operation" if t.group == "all" else f"{t.group} {t.member!r}"
            raise PrecisionError(
                f"--precision: no KPI {t.kpi!r} for {where}; KPIs available: {', '.join(known)}"
            )
        mean = float(row["mean"].iloc[0])
        hw = float(row["half_width"].iloc[0])
        n = int(row["n"].iloc[0]) if "n" in row else MIN_REPLICATIONS
        goal = t.value * abs(mean) if t.relative else t.value
        met = n >= MIN_REPLICATIONS and math.isfinite(hw) and hw <= goal
        statuses.append(TargetStatus(t, mean, hw, met))
    return statuses


def next_total(done: int, statuses: list[TargetStatus], max_replications: int) -> int:
    """Total replications to have after the next batch (see module docstring)."""
    needed = done
    for s in statuses:
        if s.met:
            continue
        goal = s.target.value * abs(s.mean) if s.target.relative else s.target.value
        if goal > 0 and math.isfinite(s.half_width) and math.isfinite(goal):
            needed = max(needed, math.ceil(done * (s.half_width / goal) ** 2))
        else:  # no usable estimate yet (e.g. a mean of zero): grow steadily
            needed = max(needed, 2 * done)
    low = done + max(1, math.ceil(done / 10))
    return min(max_replications, max(low, min(needed, 2 * done)))
