"""Calibration: contact and event logs -> fitted parameters -> a scenario file; and back.

A planner with a log of real contacts gets a starting scenario instead of a blank
page, and a check of that scenario against the log:

>>> from sim.calibrate import read_contacts, calibrate, write_scenario, check
>>> log = read_contacts("contacts.csv")                      # doctest: +SKIP
>>> cal = calibrate(log)                                     # doctest: +SKIP
>>> scenario = write_scenario(cal, "scenario.yaml")          # doctest: +SKIP
>>> report = check(log, scenario, replications=10)           # doctest: +SKIP

Modules: :mod:`~sim.calibrate.read` (contact logs) and :mod:`~sim.calibrate.events`
(pm4py-style event logs) read logs, counting every skipped row by reason;
:mod:`~sim.calibrate.arrivals`, :mod:`~sim.calibrate.dists` and
:mod:`~sim.calibrate.repeats` fit demand, durations (AIC; patience under
censoring) and journeys; :mod:`~sim.calibrate.fit` puts them together;
:mod:`~sim.calibrate.write` writes the commented scenario;
:mod:`~sim.calibrate.check` compares a scenario's simulated KPIs with the log's;
:mod:`~sim.calibrate.eventlog` exports simulated contacts as logs.
"""

from sim.calibrate.check import CheckResult, check, observed_kpis
from sim.calibrate.eventlog import contact_log, event_log, write_event_log
from sim.calibrate.events import read_event_log
from sim.calibrate.fit import Calibration, FitOptions, calibrate, schema_support
from sim.calibrate.parse import LogError
from sim.calibrate.read import ContactLog, read_contacts
from sim.calibrate.write import scenario_text, write_scenario

__all__ = [
    "Calibration",
    "CheckResult",
    "ContactLog",
    "FitOptions",
    "LogError",
    "calibrate",
    "check",
    "contact_log",
    "event_log",
    "observed_kpis",
    "read_contacts",
    "read_event_log",
    "read_log",
    "scenario_text",
    "schema_support",
    "write_event_log",
    "write_scenario",
]


def read_log(path: str, format: str = "auto", columns: str | None = None) -> ContactLog:
    """Read a log of either format (``"contacts"`` or ``"eventlog"``; ``"auto"``: an
    event log when the file has an activity column such as pm4py's ``concept:name``).

    Raises
    ------
    LogError
        If the log cannot be read (see :func:`read_contacts`, :func:`read_event_log`).
    """
    if format == "auto":
        from sim.calibrate.parse import detect_format

        format = detect_format(path)
    if format == "contacts":
        return read_contacts(path, columns)
    if format == "eventlog":
        return read_event_log(path, columns)
    raise LogError(f"unknown log format {format!r}; use 'auto', 'contacts' or 'eventlog'")
