"""Erlang B and Erlang C: the closed-form oracles of a contact centre.

Erlang B (M/M/n/n) gives the share of contacts blocked when ``n`` lines carry ``a``
Erlangs of offered load (``a = arrival rate x mean handle time``). Erlang C (M/M/n)
gives the probability that a contact has to wait when the queue is unlimited and
nobody abandons; from it follow the mean wait (ASA), the service level and the
occupancy. Erlang A (abandonment) lives in :mod:`sim.analytic.erlang_a`.

Everything here is computed through the Erlang B recursion, which stays between 0
and 1 at every step and therefore never overflows, even for thousands of agents
(the textbook form with ``a**n / n!`` overflows a float beyond about 170 servers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.analytic._checks import check_nonneg as _check_nonneg
from sim.analytic._checks import check_positive as _check_positive
from sim.analytic._checks import check_servers as _check_servers
from sim.analytic.erlang_a import ErlangAResult, erlang_a_metrics

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_mean_wait",
    "erlang_c_metrics",
    "erlang_c_service_level",
    "offered_load",
]


def offered_load(rate_per_s: float, aht_s: float) -> float:
    """Offered load in Erlangs.

    Formula: ``a = lambda * AHT`` (arrivals per second times mean handle time in s).
    """
    return _check_nonneg("rate_per_s", rate_per_s) * _check_positive("aht_s", aht_s)


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability of an M/M/n/n loss system.

    Formula (stable recursion, Jagerman)::

        B(0, a) = 1
        B(k, a) = a B(k-1, a) / (k + a B(k-1, a)),   k = 1..n

    which equals ``(a^n / n!) / sum_{k=0}^{n} a^k / k!`` without ever forming the
    large powers and factorials.

    Parameters
    ----------
    servers : int
        Number of servers (lines, agents), ``n >= 0``.
    load : float
        Offered load ``a`` in Erlangs, ``a >= 0``.

    Returns
    -------
    float
        Probability that an arrival finds all ``n`` servers busy.
    """
    n = _check_servers(servers)
    a = _check_nonneg("load", load)
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Erlang C probability of waiting in an M/M/n queue.

    Formula::

        C(n, a) = n B(n, a) / (n - a (1 - B(n, a)))    for a < n
        C(n, a) = 1                                      for a >= n (unstable)

    Parameters
    ----------
    servers : int
        Number of agents ``n``.
    load : float
        Offered load ``a`` in Erlangs.

    Returns
    -------
    float
        Probability that an arrival has to wait (finds all agents busy).
    """
    n = _check_servers(servers)
    a = _check_nonneg("load", load)
    if a >= n:
        return 1.0
    b = erlang_b(n, a)
    c = n * b / (n - a * (1.0 - b))
    return min(1.0, max(0.0, c))


def erlang_c_mean_wait(servers: int, load: float, aht_s: float) -> float:
    """Mean wait in queue over all arrivals of an M/M/n queue, in seconds.

    Formula: ``E[W] = C(n, a) * AHT / (n - a)`` for ``a < n``; ``inf`` otherwise.
    Arrivals that are answered at once count with a wait of zero.
    """
    n = _check_servers(servers)
    a = _check_nonneg("load", load)
    aht = _check_positive("aht_s", aht_s)
    if a >= n:
        return math.inf
    return erlang_c(n, a) * aht / (n - a)


def erlang_c_asa(servers: int, load: float, aht_s: float) -> float:
    """Average speed of answer (ASA) of an M/M/n queue, in seconds.

    Formula: ``ASA = C(n, a) * AHT / (n - a)``. Without abandonment every arrival is
    answered, so the ASA equals the mean wait over all arrivals
    (:func:`erlang_c_mean_wait`).
    """
    return erlang_c_mean_wait(servers, load, aht_s)


def erlang_c_service_level(servers: int, load: float, aht_s: float, target_s: float) -> float:
    """Service level of an M/M/n queue: share of arrivals answered within ``target_s``.

    Formula::

        SL(t) = 1 - C(n, a) * exp(-(n - a) * t / AHT)     for a < n
        SL(t) = 0                                          for a >= n

    (the conditional wait of a delayed contact is exponential with rate
    ``(n - a) / AHT``).
    """
    n = _check_servers(servers)
    a = _check_nonneg("load", load)
    aht = _check_positive("aht_s", aht_s)
    t = _check_nonneg("target_s", target_s)
    if a >= n:
        return 0.0
    return 1.0 - erlang_c(n, a) * math.exp(-(n - a) * t / aht)


@dataclass(frozen=True)
class ErlangCResult:
    """Steady-state KPIs of an M/M/n queue (Erlang C).

    Attributes
    ----------
    p_wait : float
        Probability that an arrival waits, ``C(n, a)``.
    asa_s : float
        Mean wait of answered contacts in seconds (all are answered), ``inf`` when
        ``a >= n``.
    service_level : float
        Share of arrivals answered within the target time.
    occupancy : float
        Busy share of agent time, ``min(a / n, 1)``.
    """

    p_wait: float
    asa_s: float
    service_level: float
    occupancy: float

    @property
    def p_abandon(self) -> float:
        """Erlang C customers never abandon: always 0."""
        return 0.0

    @property
    def mean_wait_s(self) -> float:
        """Mean wait over all arrivals; equals :attr:`asa_s` without abandonment."""
        return self.asa_s


def erlang_c_metrics(
    rate_per_s: float, aht_s: float, servers: int, target_s: float = 20.0
) -> ErlangCResult:
    """All Erlang C KPIs for an arrival rate, a handle time and a head count.

    Parameters
    ----------
    rate_per_s : float
        Poisson arrival rate ``lambda`` in contacts per second.
    aht_s : float
        Mean (exponential) handle time in seconds.
    servers : int
        Number of agents ``n``.
    target_s : float, default 20.0
        Service-level target time in seconds.

    Returns
    -------
    ErlangCResult
        ``p_wait = C(n, a)``, ``asa_s = C AHT / (n - a)``,
        ``service_level = 1 - C exp(-(n - a) t / AHT)`` and ``occupancy = a / n``
        with ``a = lambda * AHT``. When ``a >= n`` the queue is unstable:
        ``p_wait = 1``, ``asa_s = inf``, ``service_level = 0``, ``occupancy = 1``.
    """
    n = _check_servers(servers)
    a = offered_load(rate_per_s, aht_s)
    t = _check_nonneg("target_s", target_s)
    if n == 0 or a >= n:
        return ErlangCResult(p_wait=1.0, asa_s=math.inf, service_level=0.0, occupancy=1.0)
    c = erlang_c(n, a)
    return ErlangCResult(
        p_wait=c,
        asa_s=c * aht_s / (n - a),
        service_level=1.0 - c * math.exp(-(n - a) * t / aht_s),
        occupancy=a / n,
    )
