"""The SimPy world: arrivals, queues, skilled agent pools, routing, staffing, handoffs,
and customer journeys (self-service and bots, resolution, recontacts, context loss).

``simulate(scenario, replication)`` is the one entry point: it builds the world for
one replication, plays it, and returns :class:`sim.records.Records`.
"""

from sim.model.world import World, simulate

__all__ = ["World", "simulate"]
