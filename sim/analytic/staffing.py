"""Staffing by formula: the smallest number of agents that meets a target.

A planner states a target as a short string, e.g. ``"service_level>=0.8 @20s"``
(80% answered within 20 seconds), ``"abandon_rate<=5%"``, ``"asa_s<=30"``,
``"p_wait<=0.3"`` or ``"occupancy<=0.85"``. :func:`required_agents` finds the
smallest head count that meets it, with Erlang C, or with Erlang A when a mean
patience is given (then overloaded head counts are allowed: abandonment keeps the
queue stable).

Every supported KPI improves monotonically with more agents, so the search brackets
the answer by stepping up from the offered load with growing steps and then
bisects: a few dozen formula evaluations even for loads of thousands of Erlangs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sim.analytic._checks import check_nonneg, check_positive
from sim.analytic.erlang import erlang_c_metrics, offered_load
from sim.analytic.erlang_a import QueueTooLongError, erlang_a_metrics

__all__ = ["KPIS", "Target", "parse_target", "required_agents", "required_agents_for_all"]

#: KPI name -> (unit kind, allowed comparison operators). "share" values are in
#: [0, 1] (a percent sign is accepted), "seconds" values are durations.
KPIS: dict[str, tuple[str, tuple[str, ...]]] = {
    "service_level": ("share", (">=", ">")),
    "abandon_rate": ("share", ("<=", "<")),
    "p_wait": ("share", ("<=", "<")),
    "occupancy": ("share", ("<=", "<")),
    "asa_s": ("seconds", ("<=", "<")),
    "mean_wait_s": ("seconds", ("<=", "<")),
}

TARGET_HELP = (
    "a target like 'service_level>=0.8 @20s', 'abandon_rate<=0.05', 'asa_s<=30', "
    "'p_wait<=0.3' or 'occupancy<=0.85'"
)
_TARGET_RE = re.compile(
    r"^\s*([A-Za-z_]+)\s*(>=|<=|=>|=<|>|<)\s*([^@\s][^@]*?)\s*(?:@\s*(\S.*?))?\s*$"
)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Target:
    """A staffing target on one KPI, e.g. ``Target("service_level", ">=", 0.8, 20.0)``.

    Attributes
    ----------
    kpi : str
        One of :data:`KPIS`.
    op : str
        ``">="`` or ``">"`` for ``service_level``; ``"<="`` or ``"<"`` otherwise.
    value : float
        Threshold: a share in [0, 1] or a time in seconds (``asa_s``, ``mean_wait_s``).
    within_s : float or None
        Answer-time of a service-level target (required for ``service_level``,
        not allowed for the others).
    """

    kpi: str
    op: str
    value: float
    within_s: float | None = None

    def __post_init__(self) -> None:
        if self.kpi not in KPIS:
            raise ValueError(
                f"unknown KPI {self.kpi!r} in a target; use one of {', '.join(KPIS)}"
            )
        kind, ops = KPIS[self.kpi]
        if self.op not in ops:
            better = "at least" if ops[0] == ">=" else "at most"
            raise ValueError(
                f"a {self.kpi} target must say {better} ({' or '.join(ops)}), got {self.op!r}"
            )
        value = float(self.value)
        if not math.isfinite(value):
            raise ValueError(f"a {self.kpi} target needs a finite value, got {self.value!r}")
        if kind == "share" and not 0.0 <= value <= 1.0:
            raise ValueError(
                f"a {self.kpi} target is a share between 0 and 1 (or 0%..100%), got {value:g}"
            )
        # Targets no finite head count reaches would make the search run away.
        if self.kpi == "service_level" and value >= 1.0:
            raise ValueError("a service level of 100% cannot be guaranteed; use e.g. 0.95")
        if self.kpi != "service_level" and value <= 0.0:
            raise ValueError(f"a {self.kpi} target of 0 cannot be guaranteed; use a small value")
        if self.kpi == "service_level":
            if self.within_s is None:
                raise ValueError(
                    "a service_level target needs an answer time, e.g. 'service_level>=0.8 @20s'"
                )
            check_nonneg("within_s", self.within_s)
        elif self.within_s is not None:
            raise ValueError(f"only service_level targets take an '@ time'; {self.kpi} does not")

    def met(self, value: float) -> bool:
        """Whether a KPI value meets the target (``nan`` never does)."""
        if value != value:
            return False
        if self.op == ">=":
            return value >= self.value
        if self.op == ">":
            return value > self.value
        if self.op == "<=":
            return value <= self.value
        return value < self.value

    def __str__(self) -> str:
        kind, _ = KPIS[self.kpi]
        shown = f"{self.value:g}s" if kind == "seconds" else f"{self.value:g}"
        within = f" @{self.within_s:g}s" if self.within_s is not None else ""
        return f"{self.kpi}{self.op}{shown}{within}"


def _parse_seconds(text: str, what: str) -> float:
    from sim.scenario.units import parse_duration  # pure parser, no simulation state

    if _NUMBER_RE.match(text):
        return float(text)  # KPI names ending in _s already say "seconds"
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def parse_target(text: str) -> Target:
    """Parse a planner's target string into a :class:`Target`.

    Accepted forms: ``"<kpi><op><value>"`` with an optional ``"@<time>"`` for
    service levels, e.g. ``"service_level>=0.8 @20s"``, ``"service_level>=80% @ 20s"``,
    ``"abandon_rate<=0.05"``, ``"asa_s<=30"`` (seconds) or ``"asa_s<=1min"``,
    ``"p_wait<=0.3"``, ``"occupancy<=0.85"``.

    Raises
    ------
    ValueError
        With a message saying what was expected.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected {TARGET_HELP}, got {text!r}")
    m = _TARGET_RE.match(text)
    if not m:
        raise ValueError(f"expected {TARGET_HELP}, got {text!r}")
    kpi, op, raw_value, raw_within = m.group(1).lower(), m.group(2), m.group(3), m.group(4)
    op = {"=>": ">=", "=<": "<="}.get(op, op)
    if kpi not in KPIS:
        raise ValueError(
            f"unknown KPI {m.group(1)!r} in target {text!r}; use one of {', '.join(KPIS)}"
        )
    kind, _ = KPIS[kpi]
    raw_value = raw_value.strip()
    if kind == "share":
        percent = raw_value.endswith("%")
        number = raw_value[:-1].strip() if percent else raw_value
        if not _NUMBER_RE.match(number):
            raise ValueError(
                f"the value of {kpi} in {text!r} must be a share like 0.8 or 80%, got {raw_value!r}"
            )
        value = float(number) / (100.0 if percent else 1.0)
    else:
        value = _parse_seconds(raw_value, f"the value of {kpi} in {text!r}")
    within = None
    if raw_within is not None:
        from sim.scenario.units import parse_duration

        try:
            within = parse_duration(raw_within)
        except ValueError as exc:
            raise ValueError(f"the time after '@' in {text!r}: {exc}") from None
    return Target(kpi, op, value, within)


def kpi_value(target: Target, metrics: object) -> float:
    """Read the KPI a target refers to from an Erlang C or Erlang A result."""
    name = "p_abandon" if target.kpi == "abandon_rate" else target.kpi
    return float(getattr(metrics, name))


def required_agents(
    rate_per_s: float,
    aht_s: float,
    target: Target | str,
    patience_mean_s: float | None = None,
    max_agents: int | None = None,
) -> int:
    """Smallest number of agents that meets ``target``.

    Uses Erlang C (:func:`~sim.analytic.erlang.erlang_c_metrics`) when
    ``patience_mean_s`` is ``None``, else Erlang A
    (:func:`~sim.analytic.erlang_a.erlang_a_metrics`). With Erlang C the answer is
    at least ``floor(a) + 1`` (``a = lambda AHT``; fewer agents never clear the
    queue) and, for an occupancy target ``rho``, at least ``ceil(a / rho)``.

    Parameters
    ----------
    rate_per_s : float
        Arrival rate in contacts per second.
    aht_s : float
        Mean handle time in seconds.
    target : Target or str
        The target; a string is read with :func:`parse_target`.
    patience_mean_s : float, optional
        Mean patience in seconds (Erlang A); ``None`` for Erlang C.
    max_agents : int, optional
        Give up above this head count (default: generous, about
        ``a + 100 sqrt(a) + 1000``).

    Returns
    -------
    int
        ``n`` such that ``n`` agents meet the target and ``n - 1`` do not
        (0 when there is no demand).

    Raises
    ------
    ValueError
        For bad inputs, an ``abandon_rate`` target without a patience, or when no
        head count up to ``max_agents`` meets the target.
    """
    tgt = parse_target(target) if isinstance(target, str) else target
    lam = check_nonneg("rate_per_s", rate_per_s)
    aht = check_positive("aht_s", aht_s)
    a = offered_load(lam, aht)
    if tgt.kpi == "abandon_rate" and patience_mean_s is None:
        raise ValueError(
            "an abandon_rate target needs a mean patience (Erlang A); "
            "without one nobody abandons"
        )
    if lam == 0.0:
        return 0
    within = tgt.within_s if tgt.within_s is not None else 20.0
    cap = max_agents if max_agents is not None else int(a + 100 * math.sqrt(a) + 1000)

    def met(n: int) -> bool:
        if patience_mean_s is None:
            metrics: object = erlang_c_metrics(lam, aht, n, within)
        else:
            try:
                metrics = erlang_a_metrics(lam, aht, n, patience_mean_s, within)
            except QueueTooLongError:
                return False  # a queue that long meets no sensible target
        return tgt.met(kpi_value(tgt, metrics))

    if patience_mean_s is None:
        n_min = math.floor(a) + 1
        if tgt.kpi == "occupancy":
            n_min = max(n_min, math.ceil(a / tgt.value - 1e-9))
    else:
        n_min = 1

    # Bracket: lo fails (or is below n_min), hi meets.
    guess = max(n_min, math.ceil(a))
    if met(guess):
        lo, hi = n_min - 1, guess
    else:
        lo, step = guess, max(1, math.ceil(math.sqrt(a)))
        hi = lo + step
        while not met(hi):
            if hi >= cap:
                raise ValueError(
                    f"target {tgt} is not met even with {hi} agents "
                    f"(offered load {a:.1f} Erlangs)"
                )
            lo, step = hi, 2 * step
            hi = min(lo + step, cap)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if met(mid):
            hi = mid
        else:
            lo = mid
    return hi


def required_agents_for_all(
    rate_per_s: float,
    aht_s: float,
    targets: Iterable[Target | str],
    patience_mean_s: float | None = None,
) -> int:
    """Smallest number of agents meeting every target at once.

    Every KPI improves with more agents, so this is the largest of the per-target
    answers of :func:`required_agents`.
    """
    counts = [required_agents(rate_per_s, aht_s, t, patience_mean_s) for t in targets]
    if not counts:
        raise ValueError("give at least one target")
    return max(counts)
