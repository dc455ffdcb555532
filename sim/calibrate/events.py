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

Activities (case-insensitive; the aliases in brackets are accepted too; a prefix
before a colon names the channel, as servicesim writes them: ``phone: answer``):

* ``arrive`` (arrival, start, enqueue, offered) — a customer contact begins; every
  event up to the next ``arrive`` of the case belongs to this contact;
* ``answer`` (answered, accept, pickup, connect) — an agent picks it up; the
  resource is the pool;
* ``end`` (complete, completed, close, finish) — handling ends;
* ``transfer`` — the piece ends and another pool takes over;
* ``handoff`` (requeue) / ``ticket`` (back office) — the next piece enters the
  receiving pool's queue, with the customer on the line / not on the line;
* ``abandon`` (abandoned, hangup) — the customer left the queue;
* ``block`` (blocked, busy, reject) — refused on arrival;
* ``resolve`` (resolved) — the contact resolved the need (when a log has any
  ``resolve`` event, answered contacts without one count as not resolved);
* ``escalate`` (escalated) — a self-service or bot session passed the customer on.

A contact's wait is ``answer - arrive`` (or ``abandon - arrive``), its handle time
``first end or transfer after the answer - answer`` (the first piece). Every piece
of work (the first and each handed-off one) is kept in :attr:`ContactLog.pieces`:
the pools reached only by handoff or escalation, their handle times and the
handoff delays come from there. Contacts with neither an answer nor an abandon /
block but an ``end`` or ``escalate`` are self-service / bot sessions, kept in
:attr:`ContactLog.sessions` (duration, containment, and the live contact an
escalated one led to). Contacts without an outcome are still open: counted and
skipped, as are events with an unknown activity, an unparsable timestamp, or that
come before the first ``arrive`` of their case.
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
from sim.calibrate.read import CONTACT_COLUMNS, SKIP_OPEN, ContactLog, require_rows

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
    "transfer": ("transfer", "transferred"),
    "handoff": ("handoff", "handed_off", "requeue"),
    "ticket": ("ticket", "backoffice", "back_office"),
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
    full_act = text(get["activity"])
    # "phone: answer" -> stage "answer" (servicesim names the channel before the stage)
    has_prefix = full_act.str.contains(":", regex=False)
    prefix = full_act.str.rpartition(":")[0].str.strip().where(has_prefix, "")
    raw_act = (full_act.str.rpartition(":")[2].str.strip().str.lower()
               .str.replace(r"[\s\-]+", "_", regex=True))
    raw_ts = text(get["timestamp"])
    ev = pd.DataFrame({"line": lines, "case": text(get["case"]), "act": raw_act.map(_ACTIVITY),
                       "ts": parse_timestamps(get["timestamp"])})
    for fname, default in (("resource", None), ("channel", "phone"), ("intent", "general"),
                           ("segment", None)):
        source_col = get.get(fname)
        if fname == "channel" and source_col is None and bool((prefix != "").any()):
            source_col = prefix.where(prefix != "", "phone")
        ev[fname] = names(source_col, n, default, fname, notes)
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

    c = c.rename_axis("cid").reset_index()
    crf = RowFilter(c["line"].to_numpy(), issues)
    outcome = c["outcome"]
    is_session = (outcome == "") & c["session"].notna()
    sessions = _sessions(ev, c.loc[is_session])
    crf.skip("contacts " + SKIP_OPEN, ((outcome == "") & ~is_session)
             | (answered.to_numpy() & c["done"].isna()))
    crf.ok &= ~is_session.to_numpy()
    for fname in ("channel", "intent", "segment"):
        if fname in get:
            crf.skip(f"contacts without {fname}", c[fname].isna())
    out = c.loc[crf.ok, [*CONTACT_COLUMNS, "cid"]]
    out["escalated_from"] = _escalated_from(out, sessions)
    pieces = _pieces(ev, set(out["cid"]))
    out = out.sort_values(["arrival", "line"], kind="stable").reset_index(drop=True)
    log = ContactLog(out.drop(columns="cid"), source, "eventlog", n, issues, has_resolution,
                     cols, notes, pieces=pieces, sessions=sessions)
    if len(sessions):
        notes.append(f"{len(sessions):,} self-service / bot sessions read "
                     f"({int(sessions['escalated'].sum()):,} escalated to a live channel)")
    require_rows(log)
    return log


def _sessions(ev: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Self-service / bot sessions: start, end, contained or escalated."""
    sub = ev.loc[ev["cid"].isin(set(rows["cid"]))]
    esc = sub.loc[sub["act"] == "escalate"].groupby("cid")["ts"].first()
    out = pd.DataFrame({"case": rows["case"], "channel": rows["channel"],
                        "intent": rows["intent"], "segment": rows["segment"],
                        "arrival": rows["arrival"], "end": rows["session"]})
    out["escalated"] = rows["cid"].isin(esc.index).to_numpy()
    out["duration_s"] = (out["end"] - out["arrival"]).dt.total_seconds().clip(lower=0.0)
    return out.reset_index(drop=True)


def _escalated_from(contacts: pd.DataFrame, sessions: pd.DataFrame) -> pd.Series:
    """The session channel a live contact was escalated from (None: a customer's own try).

    A live contact of the same case arriving within a second of an escalated session's
    end is the contact the session passed the customer to.
    """
    out = pd.Series([None] * len(contacts), index=contacts.index, dtype=object)
    esc = sessions.loc[sessions["escalated"], ["case", "end", "channel"]]
    if esc.empty or contacts.empty:
        return out
    left = contacts[["case", "arrival"]].reset_index().sort_values("arrival")
    right = esc.rename(columns={"end": "arrival", "channel": "from"}).sort_values("arrival")
    hit = pd.merge_asof(left, right, on="arrival", by="case", direction="backward",
                        tolerance=pd.Timedelta(seconds=1))
    out.loc[hit["index"].to_numpy()] = hit["from"].where(hit["from"].notna(), None).to_numpy()
    return out


def _pieces(ev: pd.DataFrame, cids: set[str]) -> pd.DataFrame:
    """One row per piece of work of the usable contacts: who answered, when, what next.

    A contact's first piece starts at its ``arrive``; each ``handoff`` or ``ticket``
    starts the next one. Columns: ``cid``, ``step``, ``kind`` (arrive / handoff /
    ticket), ``channel``, ``intent``, ``pool``, ``queued``, ``answer``, ``end``,
    ``transferred``, ``wait_s``, ``handle_s``, ``from_pool`` and ``delay_s`` (from the
    previous piece's end to this one's queue).
    """
    e = ev.loc[ev["cid"].isin(cids)]
    # logs without handoff events: an answer right after a transfer starts the next piece
    prev = e.groupby("cid", sort=False)["act"].shift(1)
    start = e["act"].isin(["arrive", "handoff", "ticket"]) | (
        e["act"].eq("answer") & prev.eq("transfer"))
    e = e.assign(step=start.astype(np.int64).groupby(e["cid"], sort=False).cumsum() - 1,
                 act=e["act"].where(~(start & e["act"].eq("answer")), "handoff"))
    key = ["cid", "step"]
    g = e.groupby(key, sort=False)
    heads = e.loc[start].groupby(key, sort=False)
    p = pd.DataFrame({"kind": heads["act"].first(), "queued": heads["ts"].first(),
                      "channel": g["channel"].first(), "intent": g["intent"].first()})
    ans = e.loc[(e["act"] == "answer") | (start & ev.loc[e.index, "act"].eq("answer"))
                ].groupby(key, sort=False)
    p["answer"] = ans["ts"].first()
    p["pool"] = ans["resource"].first()
    done = e.loc[e["act"].isin(["end", "transfer"])].groupby(key, sort=False)
    p["end"] = done["ts"].first()
    p["transferred"] = done["act"].first().eq("transfer")
    p = p.loc[p["answer"].notna() & p["end"].notna()].reset_index()
    p["transferred"] = p["transferred"].eq(True)
    p["wait_s"] = (p["answer"] - p["queued"]).dt.total_seconds()
    p["handle_s"] = (p["end"] - p["answer"]).dt.total_seconds()
    p = p.sort_values(key, kind="stable").reset_index(drop=True)
    same = p["cid"].eq(p["cid"].shift(1)) & p["step"].eq(p["step"].shift(1) + 1)
    p["from_pool"] = p["pool"].shift(1).where(same)
    p["delay_s"] = (p["queued"] - p["end"].shift(1)).dt.total_seconds().where(same)
    return p
