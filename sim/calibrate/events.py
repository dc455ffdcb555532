"""Reading an event log (pm4py conventions) and deriving contacts from it.

An *event log* has one row per event: the case it belongs to, what happened
(the activity), when, and who did it. Columns are found by name as in a contact
log (``--columns`` maps others):

==========  ========  =============================================================
field       required  column names looked for
==========  ========  =============================================================
case        yes       ``case:concept:name``, case, case_id (one customer / journey)
activity    yes       ``concept:name``, activity, event
timestamp   yes       ``time:timestamp``, timestamp, time
resource    no        ``org:resource``, resource, pool, team (the answering pool)
channel     no        channel, ``case:channel`` (default ``phone``)
intent      no        intent, ``case:intent``, category (default ``general``)
segment     no        segment, ``case:segment``
==========  ========  =============================================================

Activities (case-insensitive; the aliases in brackets are accepted too):

* ``arrive`` (arrival, start, enqueue, offered) — a customer contact begins; every
  event up to the next ``arrive`` of the case belongs to this contact;
* ``answer`` (answered, accept, pickup, connect) — an agent picks it up; the
  resource is the pool;
* ``end`` (complete, completed, close, finish) — handling ends;
* ``transfer`` (handoff) — the piece ends and another pool takes over;
* ``abandon`` (abandoned, hangup) — the customer left the queue;
* ``block`` (blocked, busy, reject) — refused on arrival;
* ``resolve`` (resolved) — the contact resolved the need (when a log has any
  ``resolve`` event, answered contacts without one count as not resolved);
* ``escalate`` (escalated) — a self-service or bot session passed the customer on.

A contact's wait is ``answer - arrive`` (or ``abandon - arrive``), its handle time
``first end or transfer after the answer - answer`` (the first piece). Contacts
with neither an answer nor an abandon / block but an ``end`` or ``escalate`` are
self-service sessions; those without an outcome are still open: both are counted
and skipped, as are events with an unknown activity, an unparsable timestamp, or
that come before the first ``arrive`` of their case.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.parse import (
    Issues,
    LogField,
    RowFilter,
    load_table,
    names,
    other_replications,
    parse_column_map,
    parse_timestamps,
    resolve_columns,
    text,
)
from sim.calibrate.read import CONTACT_COLUMNS, SKIP_OPEN, SKIP_SESSION, ContactLog, require_rows

__all__ = ["ACTIVITIES", "EVENT_FIELDS", "read_event_log"]

EVENT_FIELDS: dict[str, LogField] = {f.name: f for f in (
    LogField("case", True, ("case:concept:name", "case", "case_id", "caseid", "customer_id"),
             "case id"),
    LogField("activity", True, ("concept:name", "activity", "event", "action"), "activity"),
    LogField("timestamp", True, ("time:timestamp", "timestamp", "time", "datetime"),
             "event time"),
    LogField("resource", False, ("org:resource", "resource", "pool", "team"), "pool"),
    LogField("channel", False, ("channel", "case:channel"), "channel"),
    LogField("intent", False, ("intent", "case:intent", "category"), "contact reason"),
    LogField("segment", False, ("segment", "case:segment"), "customer segment"),
)}

#: Canonical activity -> accepted names (lower case, spaces as underscores).
ACTIVITIES: dict[str, tuple[str, ...]] = {
    "arrive": ("arrive", "arrival", "arrived", "start", "enqueue", "offered", "contact_start"),
    "answer": ("answer", "answered", "accept", "accepted", "pickup", "connect", "connected",
               "start_service"),
    "end": ("end", "ended", "complete", "completed", "close", "closed", "finish", "finished",
            "end_service"),
    "transfer": ("transfer", "transferred", "handoff"),
    "abandon": ("abandon", "abandoned", "hangup"),
    "block": ("block", "blocked", "busy", "reject", "rejected"),
    "resolve": ("resolve", "resolved"),
    "escalate": ("escalate", "escalated"),
}
_ACTIVITY = {alias: name for name, aliases in ACTIVITIES.items() for alias in aliases}


def _first(ev: pd.DataFrame, activity: str, column: str = "ts") -> pd.Series:
    """First ``column`` of the events of ``activity`` per contact."""
    return ev.loc[ev["act"] == activity].groupby("cid", sort=False)[column].first()


def read_event_log(path: str | Path, columns: str | dict[str, str] | None = None) -> ContactLog:
    """Read an event log and derive its contacts (see the module docstring).

    Parameters
    ----------
    path
        CSV or parquet event log.
    columns
        ``'field=column,...'`` or a mapping, for columns with other names.

    Returns
    -------
    ContactLog
        The derived contacts (``format == "eventlog"``) and skipped events / contacts.

    Raises
    ------
    LogError
        If the file cannot be read, a required column is missing, or no contact is usable.
    """
    source = str(path)
    given = columns if isinstance(columns, dict) else parse_column_map(columns, EVENT_FIELDS)
    table = load_table(path)
    cols = resolve_columns([str(c) for c in table.columns], EVENT_FIELDS, given, source)
    n = len(table)
    issues = Issues()
    notes: list[str] = []
    lines = np.arange(2, n + 2)
    get = {k: table[c].reset_index(drop=True) for k, c in cols.items()}
    raw_act = text(get["activity"]).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    raw_ts = text(get["timestamp"])
    ev = pd.DataFrame({"line": lines, "case": text(get["case"]), "act": raw_act.map(_ACTIVITY),
                       "ts": parse_timestamps(get["timestamp"])})
    for fname, default in (("resource", None), ("channel", "phone"), ("intent", "general"),
                           ("segment", None)):
        ev[fname] = names(get.get(fname), n, default, fname, notes)
    rf = RowFilter(lines, issues)
    others, why = other_replications(table)
    rf.skip(why, others)
    rf.skip("events without a case id", ev["case"] == "")
    rf.skip("events without an activity", raw_act == "")
    rf.skip("events with an unknown activity (ignored)", ev["act"].isna(), raw_act)
    rf.skip("events without a timestamp", raw_ts == "")
    rf.skip("events with an unparsable timestamp", ev["ts"].isna(), raw_ts)
    ev = ev.loc[rf.ok].sort_values(["case", "ts", "line"], kind="stable")
    k = (ev["act"] == "arrive").astype(np.int64).groupby(ev["case"], sort=False).cumsum()
    issues.add("events before the first 'arrive' of their case (ignored)",
               ev.loc[k == 0, "line"].to_numpy())
    ev = ev.loc[k > 0].copy()
    ev["cid"] = ev["case"] + "\x00" + k[k > 0].astype(str)

    starts = ev.loc[ev["act"] == "arrive"].set_index("cid")
    c = pd.DataFrame({"line": starts["line"], "case": starts["case"], "arrival": starts["ts"]})
    c["answer"] = _first(ev, "answer")
    c["pool"] = _first(ev, "answer", "resource")
    c["abandon"] = _first(ev, "abandon")
    c["block"] = _first(ev, "block")
    after = ev.merge(c["answer"].rename("answer_ts"), left_on="cid", right_index=True)
    done = after.loc[after["act"].isin(["end", "transfer"]) & (after["ts"] >= after["answer_ts"])]
    c["done"] = done.groupby("cid", sort=False)["ts"].first()
    c["session"] = ev.loc[ev["act"].isin(["end", "escalate"])].groupby("cid")["ts"].first()
    c["resolved"] = ev.loc[ev["act"] == "resolve"].groupby("cid")["ts"].size()
    for fname in ("channel", "intent", "segment"):
        c[fname] = ev.groupby("cid", sort=False)[fname].first()
    has_resolution = bool((ev["act"] == "resolve").any())

    answered = c["answer"].notna()
    abandoned = ~answered & c["abandon"].notna()
    blocked = ~answered & ~abandoned & c["block"].notna()
    c["outcome"] = np.select([answered, abandoned, blocked], ["answered", "abandoned", "blocked"],
                             default="")
    c["wait_s"] = np.where(answered, (c["answer"] - c["arrival"]).dt.total_seconds(),
                           (c["abandon"] - c["arrival"]).dt.total_seconds())
    c["wait_s"] = c["wait_s"].where(answered | abandoned)
    c["handle_s"] = (c["done"] - c["answer"]).dt.total_seconds().where(answered)
    c["resolved"] = np.where(c["resolved"].fillna(0) > 0, 1.0, 0.0)
    c["resolved"] = c["resolved"].where(answered & has_resolution)
    missing_pool = answered & c["pool"].isna()
    if "resource" in get and missing_pool.any():
        c.loc[missing_pool, "pool"] = "unassigned"
        notes.append(f"note: {int(missing_pool.sum()):,} answered contacts have no resource "
                     "on their 'answer' event; they are put in pool 'unassigned'")

    c = c.reset_index(drop=True)
    crf = RowFilter(c["line"].to_numpy(), issues)
    outcome = c["outcome"]
    crf.skip("contacts: " + SKIP_SESSION, (outcome == "") & c["session"].notna())
    crf.skip("contacts " + SKIP_OPEN, (outcome == "") | (answered.to_numpy() & c["done"].isna()))
    for fname in ("channel", "intent", "segment"):
        if fname in get:
            crf.skip(f"contacts without {fname}", c[fname].isna())
    out = c.loc[crf.ok, list(CONTACT_COLUMNS)]
    out = out.sort_values(["arrival", "line"], kind="stable").reset_index(drop=True)
    log = ContactLog(out, source, "eventlog", n, issues, has_resolution, cols, notes)
    require_rows(log)
    return log
