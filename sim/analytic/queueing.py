"""Classic single-station and network queueing formulas used as test oracles.

* M/G/1 mean wait (Pollaczek-Khinchine) and its non-preemptive priority version
  (Cobham), for skills with non-exponential handle times and segment priorities;
* M/M/c mean sojourn (Erlang C plus service);
* open Jackson networks of M/M/c stations (handoffs between pools / backstage
  systems): solve the traffic equations, treat every station as an independent
  M/M/c queue (product form), and get the mean sojourn by Little's law.

Times are seconds and rates are per second, but any consistent unit works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.analytic._checks import check_nonneg, check_positive, check_servers
from sim.analytic.erlang import erlang_c

__all__ = [
    "JacksonResult",
    "jackson_network",
    "jackson_network_sojourn",
    "jackson_tandem_sojourn",
    "mg1_mean_wait",
    "mmc_mean_sojourn",
    "mmc_mean_wait",
    "priority_mg1_waits",
]


def mg1_mean_wait(rate: float, mean_s: float, cv: float) -> float:
    """Mean wait in queue of an M/G/1 queue (Pollaczek-Khinchine).

    Formula::

        W_q = lambda E[S^2] / (2 (1 - rho)),   E[S^2] = E[S]^2 (1 + cv^2),
        rho = lambda E[S]

    Parameters
    ----------
    rate : float
        Poisson arrival rate ``lambda``.
    mean_s : float
        Mean service time ``E[S]``.
    cv : float
        Coefficient of variation of the service time (0 deterministic, 1
        exponential).

    Returns
    -------
    float
        ``W_q``; ``inf`` when ``rho >= 1``.
    """
    lam = check_nonneg("rate", rate)
    mean = check_positive("mean_s", mean_s)
    cv_ = check_nonneg("cv", cv)
    rho = lam * mean
    if rho >= 1.0:
        return math.inf
    return lam * mean * mean * (1.0 + cv_ * cv_) / (2.0 * (1.0 - rho))


def priority_mg1_waits(
    rates: Sequence[float], means: Sequence[float], cvs: Sequence[float]
) -> list[float]:
    """Mean wait per class of a non-preemptive priority M/G/1 queue (Cobham 1954).

    Class 0 has the highest priority; within a class service is FCFS.

    Formula::

        W_0 = sum_i lambda_i E[S_i^2] / 2                 (mean residual work)
        sigma_k = sum_{i <= k} rho_i
        W_k = W_0 / ((1 - sigma_{k-1}) (1 - sigma_k)),    sigma_{-1} = 0

    Parameters
    ----------
    rates, means, cvs : sequence of float
        Arrival rate, mean service time and service-time coefficient of variation
        of each class, highest priority first.

    Returns
    -------
    list of float
        Mean wait in queue of each class; ``inf`` for classes with
        ``sigma_k >= 1``.
    """
    if not (len(rates) == len(means) == len(cvs)) or len(rates) == 0:
        raise ValueError("rates, means and cvs must be non-empty and of equal length")
    lams = [check_nonneg("rates[i]", r) for r in rates]
    ms = [check_positive("means[i]", m) for m in means]
    cs = [check_nonneg("cvs[i]", c) for c in cvs]
    w0 = sum(lam * m * m * (1.0 + c * c) / 2.0 for lam, m, c in zip(lams, ms, cs, strict=True))
    waits: list[float] = []
    sigma_prev = 0.0
    for lam, m in zip(lams, ms, strict=True):
        sigma = sigma_prev + lam * m
        if sigma >= 1.0:
            waits.append(math.inf)
        else:
            waits.append(w0 / ((1.0 - sigma_prev) * (1.0 - sigma)))
        sigma_prev = sigma
    return waits


def mmc_mean_wait(rate: float, service_rate: float, servers: int = 1) -> float:
    """Mean wait in queue of an M/M/c queue.

    Formula: ``W_q = C(c, a) / (c mu - lambda)`` with ``a = lambda / mu``;
    ``inf`` when ``lambda >= c mu``.
    """
    lam = check_nonneg("rate", rate)
    mu = check_positive("service_rate", service_rate)
    c = check_servers(servers)
    if lam >= c * mu:
        return math.inf
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_mean_sojourn(rate: float, service_rate: float, servers: int = 1) -> float:
    """Mean time in system (wait plus service) of an M/M/c queue.

    Formula: ``T = C(c, a) / (c mu - lambda) + 1 / mu``; for ``c = 1`` this is
    ``1 / (mu - lambda)``. ``inf`` when ``lambda >= c mu``.
    """
    return mmc_mean_wait(rate, service_rate, servers) + 1.0 / float(service_rate)


@dataclass(frozen=True)
class JacksonResult:
    """Steady state of an open Jackson network of M/M/c stations.

    Attributes
    ----------
    arrival_rates : numpy.ndarray
        Total arrival rate ``Lambda_i`` of each station (traffic equations).
    utilization : numpy.ndarray
        ``Lambda_i / (c_i mu_i)`` per station.
    mean_number : numpy.ndarray
        Mean number in system ``L_i = Lambda_i T_i`` per station.
    mean_sojourn_s : float
        Mean total time in the network per external arrival,
        ``sum_i L_i / sum_i gamma_i``.
    """

    arrival_rates: np.ndarray
    utilization: np.ndarray
    mean_number: np.ndarray
    mean_sojourn_s: float


def jackson_network(
    external_rates: Sequence[float],
    routing_matrix: Sequence[Sequence[float]] | np.ndarray,
    service_rates: Sequence[float],
    servers: Sequence[int] | None = None,
) -> JacksonResult:
    """Solve an open Jackson network of M/M/c stations.

    Formula::

        Lambda = gamma + P^T Lambda       (traffic equations: (I - P^T) Lambda = gamma)
        L_i = Lambda_i * (C(c_i, Lambda_i/mu_i) / (c_i mu_i - Lambda_i) + 1/mu_i)
        T = sum_i L_i / sum_i gamma_i    (Little's law for the whole network)

    Parameters
    ----------
    external_rates : sequence of float
        Poisson arrival rate ``gamma_i`` from outside into each station.
    routing_matrix : matrix
        ``P[i][j]`` = probability that a contact leaving station ``i`` goes to
        station ``j``; ``1 - sum_j P[i][j]`` leaves the network.
    service_rates : sequence of float
        Service rate ``mu_i`` of one server at station ``i``.
    servers : sequence of int, optional
        Servers ``c_i`` per station (default 1 each).

    Returns
    -------
    JacksonResult
        Per-station rates, utilisations, mean numbers and the network sojourn;
        an overloaded station gives ``inf`` numbers and sojourn.
    """
    gamma = np.asarray(external_rates, dtype=float)
    size = gamma.size
    p = np.asarray(routing_matrix, dtype=float)
    mu = np.asarray(service_rates, dtype=float)
    c = np.ones(size, dtype=int) if servers is None else np.asarray(servers)
    if size == 0 or p.shape != (size, size) or mu.shape != (size,) or c.shape != (size,):
        raise ValueError(
            f"shapes disagree: {size} external rates, routing matrix {p.shape}, "
            f"{mu.size} service rates, {c.size} server counts"
        )
    if np.any(~np.isfinite(gamma)) or np.any(gamma < 0) or gamma.sum() <= 0:
        raise ValueError("external rates must be finite, >= 0, and not all zero")
    if np.any(~np.isfinite(mu)) or np.any(mu <= 0):
        raise ValueError("service rates must be finite and > 0")
    if np.any(p < 0) or np.any(p.sum(axis=1) > 1.0 + 1e-12):
        raise ValueError("routing probabilities must be >= 0 with row sums <= 1")
    counts: list[int] = []
    for x in c.tolist():
        whole = int(x) if isinstance(x, float) and x.is_integer() else x
        counts.append(check_servers(whole, "servers"))
    if min(counts) < 1:
        raise ValueError("every station needs at least one server")
    try:
        lam = np.linalg.solve(np.eye(size) - p.T, gamma)
    except np.linalg.LinAlgError:
        raise ValueError("routing is closed: some contacts can never leave the network") from None
    lam = np.maximum(lam, 0.0)  # round-off on stations nobody reaches

    util = lam / (np.asarray(counts) * mu)
    numbers = np.array(
        [li * mmc_mean_sojourn(li, mi, ci) for li, mi, ci in zip(lam, mu, counts, strict=True)]
    )
    total = float(numbers.sum()) / float(gamma.sum())
    return JacksonResult(lam, util, numbers, total)


def jackson_network_sojourn(
    external_rates: Sequence[float],
    routing_matrix: Sequence[Sequence[float]] | np.ndarray,
    service_rates: Sequence[float],
    servers: Sequence[int] | None = None,
) -> float:
    """Mean sojourn per external arrival in an open Jackson network of M/M/c stations.

    Formula: ``T = sum_i L_i / sum_i gamma_i``; see :func:`jackson_network`.
    """
    return jackson_network(external_rates, routing_matrix, service_rates, servers).mean_sojourn_s


def jackson_tandem_sojourn(
    rate: float, service_rates: Sequence[float], servers: Sequence[int] | None = None
) -> float:
    """Mean end-to-end sojourn of M/M/c stations in series (every contact visits all).

    Formula: ``T = sum_i T_i(lambda, mu_i, c_i)`` (Burke: the departures of an M/M/c
    queue are Poisson, so each station is an M/M/c queue fed at rate ``lambda``);
    for single servers ``T = sum_i 1 / (mu_i - lambda)``.
    """
    lam = check_positive("rate", rate)
    counts = [1] * len(service_rates) if servers is None else list(servers)
    if len(counts) != len(service_rates) or not service_rates:
        raise ValueError("service_rates and servers must be non-empty and of equal length")
    return sum(
        mmc_mean_sojourn(lam, mu, c) for mu, c in zip(service_rates, counts, strict=True)
    )
