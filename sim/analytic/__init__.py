"""Closed-form queueing results: Erlang B / C / A, M/G/1, Jackson networks, staffing.

Pure functions of numbers (numpy and scipy only, no SimPy): the oracles the
simulator is tested against and the planner's quick staffing answers.
"""

from sim.analytic.erlang import (
    ErlangCResult,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_mean_wait,
    erlang_c_metrics,
    erlang_c_service_level,
    offered_load,
)
from sim.analytic.erlang_a import ErlangAResult, erlang_a_distribution, erlang_a_metrics
from sim.analytic.queueing import (
    JacksonResult,
    jackson_network,
    jackson_network_sojourn,
    jackson_tandem_sojourn,
    mg1_mean_wait,
    mmc_mean_sojourn,
    mmc_mean_wait,
    priority_mg1_waits,
)
from sim.analytic.staffing import (
    Target,
    parse_target,
    required_agents,
    required_agents_for_all,
)

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "JacksonResult",
    "Target",
    "erlang_a_distribution",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_mean_wait",
    "erlang_c_metrics",
    "erlang_c_service_level",
    "jackson_network",
    "jackson_network_sojourn",
    "jackson_tandem_sojourn",
    "mg1_mean_wait",
    "mmc_mean_sojourn",
    "mmc_mean_wait",
    "offered_load",
    "parse_target",
    "priority_mg1_waits",
    "required_agents",
    "required_agents_for_all",
]
