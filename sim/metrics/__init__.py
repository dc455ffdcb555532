"""Metrics: records -> per-replication KPIs -> statistics over replications.

The model hands over one :class:`~sim.records.Records` per replication. This
package turns it into figures and never imports SimPy or :mod:`sim.model`:

* :func:`replication_kpis` — tidy KPI frame of one replication (``kpis``);
* :func:`interval_table` — per-interval figures by channel and pool (``intervals``);
* :func:`contacts_table` / :func:`journeys_table` — decoded row tables (``tables``),
  and :func:`contact_columns` / :func:`journey_columns`, the same tables kept as
  compact columns and decoded on demand (:class:`RowTable`, ``row_table``);
  the journey facts behind the journeys table (resolution, stages, cost) are in
  ``journeys``, the customer-effort score in ``effort``, and the journey KPIs
  (resolution latency, recontact rate, FCR, containment, effort, cost) in
  ``journey_kpis``;
* :func:`summarize` / :func:`summary_dict` — mean and CI over replications, and the
  ``summary.json`` contract (``summary``);
* :func:`mean_ci` / :func:`paired_ci` / :func:`welch_ci` — the statistics (``stats``);
* :func:`visits_table` — technician visits of field channels, and their KPIs (``field``).
"""

from sim.metrics.context import KpiContext
from sim.metrics.field import visits_table
from sim.metrics.intervals import interval_table
from sim.metrics.kpis import kpi_names, replication_kpis
from sim.metrics.outages import outages_table
from sim.metrics.row_table import RowTable
from sim.metrics.stats import half_width, mean_ci, paired_ci, welch_ci
from sim.metrics.summary import summarize, summary_dict
from sim.metrics.tables import (
    concat_tables,
    contact_columns,
    contacts_table,
    journey_columns,
    journeys_table,
)

__all__ = [
    "KpiContext",
    "RowTable",
    "concat_tables",
    "contact_columns",
    "contacts_table",
    "half_width",
    "interval_table",
    "journey_columns",
    "journeys_table",
    "kpi_names",
    "mean_ci",
    "outages_table",
    "paired_ci",
    "replication_kpis",
    "summarize",
    "summary_dict",
    "visits_table",
    "welch_ci",
]
