"""Erlang A (Palm's M/M/n+M): a queue whose customers abandon.

Contacts arrive as a Poisson stream (rate ``lambda``), handle times are exponential
(mean ``AHT = 1/mu``), ``n`` agents serve first-come first-served, and every waiting
contact abandons after an exponential patience with mean ``1/theta``. Unlike
Erlang C the queue is always stable, so overloaded intervals have finite answers.

The number in system ``K`` is a birth-death chain with birth rate ``lambda`` and
death rate ``k mu`` for ``k <= n`` and ``n mu + (k - n) theta`` above. Its
stationary distribution is computed exactly in log-space and truncated where the
tail is below ``e^-40`` (about 4e-18) of the largest term (Garnett, Mandelbaum &
Reiman 2002, "Designing a call center with impatient customers", M&SOM 4(3)).

Waiting-time results come from the view of one arrival (PASTA): if it finds
``k = n + j`` contacts (``j`` already waiting), the time until an agent takes it,
``V``, is a sum of exponentials with rates ``n mu + i theta`` for ``i = j..0`` (the
queue ahead shrinks by services and by abandonments of those ahead; contacts
behind do not matter under FCFS). It is served iff its own patience ``tau``
exceeds ``V``. Two closed forms follow:

* ``P(tau > V | j) = prod_i (n mu + i theta)/(n mu + (i+1) theta)
  = n mu / (n mu + (j+1) theta)`` (the product telescopes);
* conditional on being served, ``V`` is a sum of exponentials with rates
  ``n mu + m theta``, ``m = 1..j+1``, which is distributed as ``-ln(U)/theta``
  with ``U ~ Beta(n mu/theta + 1, j + 1)``, so
  ``P(served, V <= t | j) = n mu/(n mu + (j+1) theta) * (1 - I_{e^{-theta t}}
  (n mu/theta + 1, j + 1))`` with ``I`` the regularised incomplete beta function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betaincc, gammaln, logsumexp

from sim.analytic._checks import check_nonneg, check_positive, check_servers

__all__ = ["ErlangAResult", "QueueTooLongError", "erlang_a_distribution", "erlang_a_metrics"]

#: Terms of the stationary distribution below ``exp(-_LOG_CUTOFF)`` times the
#: largest term are dropped (relative mass < 1e-16 for any realistic tail length).
_LOG_CUTOFF = 40.0
#: Largest queue length the truncated chain may need before we give up.
_MAX_QUEUE_STATES = 1 << 23
_TOO_LONG = (
    "Erlang A needs an impractically long queue: the patience is very long "
    "for this overload; add agents or shorten the patience"
)


class QueueTooLongError(ValueError):
    """The truncated chain would need more than ``_MAX_QUEUE_STATES`` queue states.

    Happens only for a heavy overload combined with a patience far longer than the
    handle time, i.e. a queue of hundreds of thousands of waiting contacts.
    """


@dataclass(frozen=True)
class ErlangAResult:
    """Steady-state KPIs of an M/M/n+M queue (Erlang A).

    Attributes
    ----------
    p_wait : float
        Probability that an arrival finds all agents busy and has to queue,
        ``sum_{k >= n} pi_k``.
    p_abandon : float
        Probability that an arrival abandons, ``theta E[Q] / lambda``.
    asa_s : float
        Average speed of answer: mean wait of *answered* contacts (those answered at
        once count with zero), ``E[W 1{served}] / P(served)``, in seconds.
        ``nan`` when nobody is answered (no agents).
    mean_wait_s : float
        Mean wait over *all* arrivals, answered ones until answer, abandoning ones
        until they hang up, zero for those answered at once: ``E[Q] / lambda``
        (Little's law). This is the KPI ``mean_wait_s``.
    service_level : float
        Contacts answered within the target time divided by contacts offered:
        ``P(served and W <= t)``; abandoning contacts count against it.
    occupancy : float
        Busy share of agent time, ``lambda (1 - p_abandon) AHT / n``.
    """

    p_wait: float
    p_abandon: float
    asa_s: float
    mean_wait_s: float
    service_level: float
    occupancy: float


def _log_stationary(lam: float, mu: float, servers: int, theta: float) -> np.ndarray:
    """Unnormalised ``log pi_k`` for ``k = 0..n+J`` of the M/M/n+M chain.

    ``log pi_k = k ln(a) - ln k!`` for ``k <= n`` (``a = lambda/mu``) and
    ``log pi_{n+j} = log pi_n + sum_{i=1..j} ln(lambda / (n mu + i theta))``, cut
    where the tail falls ``_LOG_CUTOFF`` below the peak.
    """
    k = np.arange(servers + 1, dtype=float)
    log_low = k * math.log(lam / mu) - gammaln(k + 1.0)
    c = servers * mu
    peak_j = max(0.0, (lam - c) / theta)  # queue terms grow while n mu + j theta < lambda
    if peak_j >= _MAX_QUEUE_STATES:
        raise QueueTooLongError(_TOO_LONG)
    m = min(int(peak_j + 64 + 12.0 * math.sqrt(lam / theta)), _MAX_QUEUE_STATES)
    while True:
        j = np.arange(1, m + 1, dtype=float)
        log_q = log_low[-1] + np.cumsum(math.log(lam) - np.log(c + j * theta))
        floor = max(float(log_low.max()), float(log_q.max())) - _LOG_CUTOFF
        if log_q[-1] < floor and m > peak_j:
            above = np.nonzero(log_q >= floor)[0]
            keep = int(above[-1]) + 1 if above.size else 0
            return np.concatenate([log_low, log_q[:keep]])
        if m >= _MAX_QUEUE_STATES:
            raise QueueTooLongError(_TOO_LONG)
        m = min(2 * m, _MAX_QUEUE_STATES)


def erlang_a_distribution(
    rate_per_s: float, aht_s: float, servers: int, patience_mean_s: float
) -> np.ndarray:
    """Stationary distribution of the number in system of an M/M/n+M queue.

    Formula: ``pi_k ∝ a^k / k!`` for ``k <= n`` and
    ``pi_{n+j} = pi_n prod_{i=1..j} lambda / (n mu + i theta)``, truncated where the
    terms drop below ``e^-40`` of the largest, then normalised.

    Returns
    -------
    numpy.ndarray
        ``pi[k]`` for ``k = 0..K`` (``K`` = truncation point), summing to 1.
    """
    lam = check_positive("rate_per_s", rate_per_s)
    mu = 1.0 / check_positive("aht_s", aht_s)
    n = check_servers(servers)
    theta = 1.0 / check_positive("patience_mean_s", patience_mean_s)
    logp = _log_stationary(lam, mu, n, theta)
    return np.exp(logp - logsumexp(logp))


def _erlang_c_as_a(rate_per_s: float, aht_s: float, servers: int, target_s: float) -> ErlangAResult:
    from sim.analytic.erlang import erlang_c_metrics  # local: erlang imports this module

    r = erlang_c_metrics(rate_per_s, aht_s, servers, target_s)
    return ErlangAResult(r.p_wait, 0.0, r.asa_s, r.asa_s, r.service_level, r.occupancy)


def _erlang_b_as_a(rate_per_s: float, aht_s: float, servers: int) -> ErlangAResult:
    # Zero patience: whoever finds all agents busy leaves at once (a loss system).
    from sim.analytic.erlang import erlang_b

    a = rate_per_s * aht_s
    b = erlang_b(servers, a)
    occupancy = a * (1.0 - b) / servers if servers else 0.0
    return ErlangAResult(b, b, 0.0 if b < 1.0 else math.nan, 0.0, 1.0 - b, occupancy)


def erlang_a_metrics(
    rate_per_s: float,
    aht_s: float,
    servers: int,
    patience_mean_s: float | None,
    target_s: float = 20.0,
) -> ErlangAResult:
    """Exact KPIs of the Erlang A (M/M/n+M) queue.

    With ``a = lambda AHT``, ``theta = 1/patience``, ``pi`` the stationary law of the
    number in system (:func:`erlang_a_distribution`), ``Q = (K - n)^+`` and
    ``j = k - n`` the number waiting ahead of an arrival that finds ``k >= n``:

    * ``p_wait = sum_{k>=n} pi_k``
    * ``p_abandon = theta E[Q] / lambda``
    * ``mean_wait_s = E[Q] / lambda``
    * ``P(served | j) = n mu / (n mu + (j+1) theta)``
    * ``asa_s = sum_j pi_{n+j} P(served|j) sum_{m=1}^{j+1} 1/(n mu + m theta)
      / P(served)``
    * ``service_level = sum_{k<n} pi_k + sum_j pi_{n+j} P(served|j)
      (1 - I_{exp(-theta t)}(n mu/theta + 1, j + 1))``
    * ``occupancy = a (1 - p_abandon) / n``

    Parameters
    ----------
    rate_per_s : float
        Poisson arrival rate in contacts per second.
    aht_s : float
        Mean (exponential) handle time in seconds.
    servers : int
        Number of agents ``n``.
    patience_mean_s : float or None
        Mean (exponential) patience in seconds. ``None`` or ``inf``: nobody
        abandons and the result is Erlang C (``p_abandon = 0``; an unstable queue
        gives ``asa_s = inf``). ``0``: nobody waits, the result is Erlang B.
    target_s : float, default 20.0
        Service-level target time in seconds.

    Returns
    -------
    ErlangAResult
        See the class for the exact meaning of every field.
    """
    lam = check_nonneg("rate_per_s", rate_per_s)
    aht = check_positive("aht_s", aht_s)
    n = check_servers(servers)
    t = check_nonneg("target_s", target_s)
    if patience_mean_s is None or math.isinf(float(patience_mean_s)):
        return _erlang_c_as_a(lam, aht, n, t)
    patience = check_nonneg("patience_mean_s", patience_mean_s)
    if lam == 0.0:
        return ErlangAResult(0.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    if patience == 0.0:
        return _erlang_b_as_a(lam, aht, n)

    mu = 1.0 / aht
    theta = 1.0 / patience
    logp = _log_stationary(lam, mu, n, theta)
    pi = np.exp(logp - logsumexp(logp))
    p_now = float(pi[:n].sum())  # answered at once
    pq = pi[n:]  # arrival finds j = 0, 1, ... waiting ahead
    j = np.arange(pq.size, dtype=float)
    c = n * mu

    mean_queue = float(np.dot(j, pq))
    p_wait = float(pq.sum())
    p_abandon = theta * mean_queue / lam
    served_j = c / (c + (j + 1.0) * theta)
    p_served = p_now + float(np.dot(pq, served_j))

    # E[V | served, j] = sum_{m=1}^{j+1} 1 / (n mu + m theta)
    mean_v_served = np.cumsum(1.0 / (c + (j + 1.0) * theta))
    waited_served = float(np.dot(pq, served_j * mean_v_served))
    asa = waited_served / p_served if p_served > 0 else math.nan

    if t == 0.0 or n == 0:
        within = np.zeros_like(j)
    else:
        within = betaincc(c / theta + 1.0, j + 1.0, math.exp(-theta * t))
    service_level = p_now + float(np.dot(pq, served_j * within))

    occupancy = lam * aht * p_served / n if n else 0.0
    return ErlangAResult(
        p_wait=min(1.0, p_wait),
        p_abandon=min(1.0, p_abandon),
        asa_s=asa,
        mean_wait_s=mean_queue / lam,
        service_level=min(1.0, max(0.0, service_level)),
        occupancy=min(1.0, occupancy),
    )
