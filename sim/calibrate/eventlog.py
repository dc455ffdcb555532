"""Exporting simulated contacts as logs: a pm4py-style event log, or a contact log.

The **event log** (``servicesim run ... --event-log``: ``event_log.csv`` and
``event_log.parquet``) has one row per event, with the pm4py column names:

======================  ==========================================================
``case:concept:name``   the journey (one customer need), prefixed by the
                        replication: ``r0-j42``
``concept:name``        the activity, ``"<channel>: <stage>"`` (below), e.g.
                        ``phone: arrive``, ``bot: escalate``, ``chat: handoff``
``time:timestamp``      ISO date-time: the reference Monday 2024-01-01 00:00 + the
                        scenario's ``start`` + simulation seconds
``org:resource``        the pool (team) doing the work; the channel for
                        self-service and bot sessions; empty for arrive, abandon,
                        block
``channel``, ``intent``, ``segment``, ``replication``
======================  ==========================================================

Stages of a live contact: ``arrive`` (a customer contact begins: the first contact
of a journey, a retry, a recontact, or the live contact a bot escalated to);
``answer`` (an agent of ``org:resource`` picks it up); then ``end`` (handled),
``transfer`` (handed off to another pool), ``abandon`` or ``block``; ``resolve``
right after the ``end`` of a contact that resolved the need. A handed-off piece
enters the next pool's queue with ``handoff`` (the customer stays on the line) or
``ticket`` (back-office work, the customer is not on the line), then ``answer``
and ``end`` / ``transfer`` as before. A self-service or bot session is ``arrive``
then ``end`` (+ ``resolve``: contained) or ``escalate`` (the live contact it passes
the customer to arrives at the same instant). Events of a case are ordered by time,
ties in the order of the lifecycle.

Only the **measured window** is exported: contacts the customer tried after the
warm-up and before the horizon (``in_window``), followed to their end in the
run-out; warm-up contacts and contacts of the run-out are left out, so the log's
counts are the run's KPIs. Each replication is its own period from the same
reference Monday: calibration reads one replication (the first) at a time.

The **contact log** (:func:`contact_log`) has one row per customer contact in the
columns :func:`sim.calibrate.read_contacts` reads: ``case``, ``arrival``,
``channel``, ``intent``, ``segment``, ``pool``, ``wait`` and ``handle`` (seconds;
the handle time of the first piece), ``wrap`` (its after-call work; only for a
scenario with after-call work), ``outcome``, ``resolved`` and ``replication``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io import csv_text
from sim.scenario.schema import Scenario

__all__ = ["EVENT_COLUMNS", "REFERENCE", "contact_log", "event_log", "export_event_log",
           "write_event_log"]

#: Simulation clock 0 of a scenario starting Monday 00:00 (2024-01-01 was a Monday).
REFERENCE = pd.Timestamp("2024-01-01 00:00:00")
EVENT_COLUMNS = ("case:concept:name", "concept:name", "time:timestamp", "org:resource",
                 "channel", "intent", "segment", "replication")
FILES = ("event_log.csv", "event_log.parquet")
ISO = "%Y-%m-%dT%H:%M:%S.%f"
_RANK = {"arrive": 0, "handoff": 0, "ticket": 0, "answer": 1, "abandon": 2, "block": 2,
         "transfer": 3, "end": 3, "escalate": 3, "resolve": 4}


def timestamps(seconds: np.ndarray | pd.Series, scenario: Scenario) -> pd.Series:
    """Simulation seconds as datetimes from :data:`REFERENCE` + the scenario's start."""
    s = pd.Series(np.asarray(seconds, dtype=float) + scenario.start)
    return (REFERENCE + pd.to_timedelta(s, unit="s")).dt.round("us")


def _str(col: pd.Series) -> pd.Series:
    return col.astype(object).where(col.notna(), None)


def event_log(contacts: pd.DataFrame, scenario: Scenario,
              window_only: bool = True) -> pd.DataFrame:
    """Every contact's events (see the module docstring), sorted by case and time.

    Parameters
    ----------
    contacts
        The contacts table of a run (:func:`sim.metrics.contacts_table`, stacked).
    scenario
        The scenario that was run (for ``start`` and the channel kinds).
    window_only
        Only contacts of the measured window (``in_window``): no warm-up, no run-out.
    """
    c = contacts
    if window_only and "in_window" in c:
        c = c.loc[c["in_window"].to_numpy(dtype=bool)]
    c = c.reset_index(drop=True)
    outcome = c["outcome"].astype(str)
    session = c["channel"].astype(str).map(
        lambda ch: scenario.channels[ch].is_self_service if ch in scenario.channels else False)
    session = session.to_numpy(dtype=bool)
    pool = _str(c["pool"])
    own = pool.where(~session, _str(c["channel"]))
    resolved = c["resolved"].to_numpy(dtype=bool) if "resolved" in c else outcome.eq("handled")
    parts = []

    def add(activity: str, mask: Any, time_col: str, resource: pd.Series | None) -> None:
        m = np.asarray(mask, dtype=bool)
        parts.append(pd.DataFrame({
            "row": np.flatnonzero(m), "activity": activity, "t": c.loc[m, time_col].to_numpy(),
            "resource": (resource[m].to_numpy() if resource is not None
                         else np.full(int(m.sum()), None, dtype=object)),
        }))

    step0 = c["step"].to_numpy() == 0
    offline = (c["asynchronous"].to_numpy(dtype=bool) if "asynchronous" in c
               else np.zeros(len(c), dtype=bool))
    add("arrive", step0, "arrival_s", None)
    add("handoff", ~step0 & ~offline, "arrival_s", pool)
    add("ticket", ~step0 & offline, "arrival_s", pool)
    add("answer", c["answer_s"].notna(), "answer_s", pool)
    add("abandon", outcome.eq("abandoned"), "end_s", None)
    add("block", outcome.eq("blocked"), "end_s", None)
    add("transfer", outcome.eq("transferred"), "end_s", pool)
    add("end", outcome.eq("handled"), "end_s", own)
    add("escalate", outcome.eq("escalated"), "end_s", own)
    add("resolve", outcome.eq("handled") & resolved, "end_s", own)
    ev = pd.concat(parts, ignore_index=True)
    ev["rank"] = ev["activity"].map(_RANK)
    rows = c.loc[ev["row"]]
    ev["replication"] = rows["replication"].to_numpy()
    ev["journey"] = rows["journey_id"].to_numpy()
    ev["contact"] = rows["contact_id"].to_numpy()
    ev = ev.sort_values(["replication", "journey", "t", "contact", "rank"], kind="stable")
    rows = c.loc[ev["row"]]
    out = pd.DataFrame({
        "case:concept:name": ("r" + ev["replication"].astype(str) + "-j"
                              + ev["journey"].astype(str)).to_numpy(),
        "concept:name": (_str(rows["channel"]).fillna("").astype(str).to_numpy() + ": "
                         + ev["activity"].to_numpy().astype(str)),
        "time:timestamp": timestamps(ev["t"].to_numpy(), scenario).to_numpy(),
        "org:resource": ev["resource"].to_numpy(),
        "channel": _str(rows["channel"]).to_numpy(),
        "intent": _str(rows["intent"]).to_numpy(),
        "segment": _str(rows["segment"]).to_numpy(),
        "replication": ev["replication"].to_numpy().astype(np.int64),
    })
    return out


def event_log_csv(events: pd.DataFrame) -> str:
    """The event log as CSV text, timestamps in ISO 8601 with microseconds."""
    out = events.copy()
    out["time:timestamp"] = out["time:timestamp"].dt.strftime(ISO)
    return csv_text(out, lineterminator="\n")


def write_event_log(results: Any, out_dir: str | Path) -> list[Path]:
    """Write ``event_log.csv`` and ``event_log.parquet`` of a run's contacts, atomically.

    Parameters
    ----------
    results
        :class:`sim.experiment.Results` with its contacts table kept.
    out_dir
        The run's output folder.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from sim import io

    if results.contacts is None:
        raise ValueError("the run kept no contacts table: an event log needs it")
    events = event_log(results.contacts, results.scenario)
    out = Path(out_dir)
    return [io.write_text_atomic(out / FILES[0], event_log_csv(events)),
            io.write_parquet_atomic(out / FILES[1], events)]


def export_event_log(results: Any, out_dir: str | Path, enabled: bool) -> list[Path]:
    """Write the event log when ``enabled``; otherwise remove one left by an earlier run."""
    if enabled:
        return write_event_log(results, out_dir)
    for name in FILES:
        (Path(out_dir) / name).unlink(missing_ok=True)
    return []


def contact_log(contacts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """One row per customer contact, in the documented contact-log columns.

    Handoff pieces fold into their contact (resolved if any piece resolved; the
    handle time is the first piece's). Self-service sessions have outcome
    Only contacts of the measured window.
    ``contained`` or ``escalated``; contacts unfinished at the end ``open``.
    """
    c = contacts
    if "in_window" in c:  # the measured window only, as in the event log
        c = c.loc[c["in_window"].to_numpy(dtype=bool)]
    c = c.reset_index(drop=True)
    key = [c["replication"], c["journey_id"], c["attempt"] if "attempt" in c else c["contact_id"]]
    res = c["resolved"] if "resolved" in c else c["outcome"].astype(str).eq("handled")
    any_resolved = res.astype(bool).groupby(key).transform("any")
    first = c.loc[c["step"] == 0]
    out_word = first["outcome"].astype(str).map({
        "handled": "answered", "transferred": "answered", "abandoned": "abandoned",
        "blocked": "blocked", "open": "open", "escalated": "escalated"})
    session = first["pool"].isna() & first["outcome"].astype(str).eq("handled")
    out_word = out_word.where(~session, "contained")
    answered = out_word.eq("answered")
    wrap = ({"wrap": first["acw_s"].where(answered).round(6).to_numpy()}
            if "acw_s" in first else {})
    return pd.DataFrame({
        "case": ("r" + first["replication"].astype(str) + "-j"
                 + first["journey_id"].astype(str)).to_numpy(),
        "arrival": timestamps(first["arrival_s"].to_numpy(), scenario).dt.strftime(ISO)
        .to_numpy(),
        "channel": _str(first["channel"]).to_numpy(),
        "intent": _str(first["intent"]).to_numpy(),
        "segment": _str(first["segment"]).to_numpy(),
        "pool": _str(first["pool"]).to_numpy(),
        "wait": first["wait_s"].round(6).to_numpy(),
        "handle": first["handle_s"].where(answered).round(6).to_numpy(),
        **wrap,
        "outcome": out_word.to_numpy(),
        "resolved": np.where(answered, np.where(any_resolved[first.index], "true", "false"),
                             ""),
        "replication": first["replication"].to_numpy().astype(np.int64),
    })
