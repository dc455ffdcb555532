"""Reading a contact log: one row per customer contact, with documented columns.

A *contact log* is a CSV (or parquet) file exported from an ACD, a chat platform
or a CRM. Its columns are found by name (case-insensitive, spaces, dashes and
underscores alike) among the aliases of :data:`CONTACT_FIELDS`, or mapped
explicitly with ``--columns 'case=CustomerID,arrival=Start'``:

==========  ========  ===============================================================
field       required  meaning
==========  ========  ===============================================================
case        yes       customer (or case) id: contacts of one customer form journeys
arrival     yes       arrival timestamp (ISO 8601 or any date-time pandas parses)
outcome     yes       ``answered`` (handled, served, completed, transferred),
                      ``resolved``, ``unresolved``, ``abandoned``, ``blocked``
                      (busy); ``open`` rows and self-service sessions
                      (``contained``, ``escalated``) are counted and skipped
wait        yes       queue wait: seconds, or a duration (``90s``, ``1.5min``,
                      ``00:01:30``, ``1:30`` = m:ss); for abandoned contacts the
                      time until the customer hung up
handle      yes       handle time (same units), without wrap-up; needed for answered
                      contacts only
channel     no        channel name (default ``phone``)
intent      no        contact reason / category (default ``general``)
pool        no        team or agent group that answered (default one pool ``agents``)
segment     no        customer segment
resolved    no        resolved flag (true/false, 1/0, yes/no; blank: unknown)
wrap        no        wrap-up (after-call work) after an answered contact (same units);
                      with it, ``check`` compares AHT (handle + wrap-up) too
==========  ========  ===============================================================

Without a ``resolved`` column, a log whose outcomes use ``resolved`` or
``unresolved`` has a known resolution for every answered contact (``answered``
then means "not resolved"); otherwise resolution is unknown.

Bad rows are never dropped silently: each is counted under the first reason that
applies (unparsable timestamp, negative duration, unknown outcome, missing
value, ...), with the first line numbers, and reported. A missing required column
is a :class:`LogError` (one line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.parse import (
    Issues,
    LogError,
    LogField,
    RowFilter,
    load_table,
    names,
    other_replications,
    parse_column_map,
    parse_flags,
    parse_seconds,
    parse_timestamps,
    resolve_columns,
    text,
)

__all__ = ["CONTACT_FIELDS", "ContactLog", "LogError", "read_contacts"]


CONTACT_FIELDS: dict[str, LogField] = {f.name: f for f in (
    LogField("case", True, ("case", "case_id", "customer", "customer_id", "caller",
                            "caller_id", "journey", "journey_id", "case:concept:name"),
             "customer or case id"),
    LogField("arrival", True, ("arrival", "arrival_time", "arrived", "arrival_ts", "start",
                               "start_time", "timestamp", "time"), "arrival timestamp"),
    LogField("outcome", True, ("outcome", "result", "status", "disposition"),
             "answered / abandoned / resolved / blocked"),
    LogField("wait", True, ("wait", "wait_s", "wait_time", "queue_wait", "queue_time",
                            "waiting_time", "time_in_queue"), "queue wait"),
    LogField("handle", True, ("handle", "handle_s", "handle_time", "aht", "talk_time",
                              "handling_time", "duration"), "handle time"),
    LogField("channel", False, ("channel", "media", "medium", "media_type"), "channel"),
    LogField("intent", False, ("intent", "category", "reason", "contact_reason", "topic",
                               "skill"), "contact reason"),
    LogField("pool", False, ("pool", "team", "group", "agent_group", "queue", "org:resource",
                             "resource"), "team that answered"),
    LogField("segment", False, ("segment", "customer_segment", "tier"), "customer segment"),
    LogField("resolved", False, ("resolved", "resolved_flag", "fcr", "is_resolved"),
             "resolved flag"),
    LogField("wrap", False, ("wrap", "wrap_s", "wrap_up", "wrapup", "wrap_time",
                             "wrap_up_time", "acw", "acw_s", "after_call_work",
                             "after_contact_work"), "wrap-up (after-call work) time"),
)}

#: Outcome words -> canonical outcome ("session": self-service, "open": unfinished).
OUTCOMES: dict[str, str] = {
    **dict.fromkeys(("answered", "handled", "served", "completed", "complete", "transferred",
                     "answer", "handle", "done", "closed", "unresolved", "resolved"),
                    "answered"),
    **dict.fromkeys(("abandoned", "abandon", "hangup", "hung_up", "lost"), "abandoned"),
    **dict.fromkeys(("blocked", "block", "busy", "rejected"), "blocked"),
    **dict.fromkeys(("open", "in_progress", "waiting", "queued"), "open"),
    **dict.fromkeys(("contained", "escalated", "self_service", "session"), "session"),
}

#: Canonical columns of :attr:`ContactLog.contacts`.
CONTACT_COLUMNS = ("line", "case", "arrival", "channel", "intent", "segment", "pool",
                   "wait_s", "handle_s", "outcome", "resolved")
#: Canonical columns a log may add: ``wrap_s`` (wrap-up after an answered contact).
OPTIONAL_COLUMNS = ("wrap_s",)

SKIP_OPEN = "still open (no outcome yet)"
SKIP_SESSION = "self-service / bot session (not fitted)"


@dataclass
class ContactLog:
    """Contacts read from a log, in canonical columns, and what was skipped.

    Attributes
    ----------
    contacts
        One row per usable live contact: :data:`CONTACT_COLUMNS` (``line`` is the file
        line, ``arrival`` a naive datetime, ``outcome`` answered / abandoned /
        blocked, ``resolved`` 1.0 / 0.0 / NaN for unknown); logs with a wrap-up
        column add ``wrap_s``; event logs add ``escalated_from`` (the bot /
        self-service channel that passed the customer on, else None). Sorted by
        arrival.
    source, format
        File name and ``"contacts"`` or ``"eventlog"``.
    rows_read
        Data rows (contacts or events) in the file.
    issues
        Skipped rows (events) by reason.
    has_resolution
        True when answered contacts carry a known resolution.
    columns
        Field -> the file's column used for it.
    notes
        Other facts worth reporting (merged names, defaults used).
    """

    contacts: pd.DataFrame
    source: str
    format: str
    rows_read: int
    issues: Issues
    has_resolution: bool
    columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    pieces: pd.DataFrame | None = None
    """Event logs: every answered piece of work (first pieces and handoffs), see
    :func:`sim.calibrate.events.read_event_log`; None for contact logs."""
    sessions: pd.DataFrame | None = None
    """Event logs: self-service / bot sessions (``case, channel, intent, segment,
    arrival, end, escalated, duration_s``); None for contact logs (skipped there)."""

    @property
    def n(self) -> int:
        """Usable contacts."""
        return len(self.contacts)

    @property
    def has_wrap_up(self) -> bool:
        """True when answered contacts carry their wrap-up (``wrap_s``)."""
        return "wrap_s" in self.contacts

    def describe(self) -> list[str]:
        """What was read and skipped, as lines for people."""
        unit = "events" if self.format == "eventlog" else "rows"
        head = (f"{self.source}: {self.rows_read:,} {unit} read, {self.n:,} contacts used"
                + (f", {self.issues.total:,} {unit} skipped:" if self.issues.total else ""))
        return [head, *("  " + s for s in self.issues.describe()), *self.notes]


def finish(frame: pd.DataFrame, rf: RowFilter) -> pd.DataFrame:
    """Keep the good rows in canonical columns, sorted by arrival."""
    out = frame.loc[rf.ok, [*CONTACT_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in frame)]]
    return out.sort_values(["arrival", "line"], kind="stable").reset_index(drop=True)


def read_contacts(path: str | Path, columns: str | dict[str, str] | None = None) -> ContactLog:
    """Read a contact log (see the module docstring for the columns).

    Parameters
    ----------
    path
        CSV or parquet file.
    columns
        ``'field=column,...'`` or a mapping, for columns with other names.

    Returns
    -------
    ContactLog
        The usable contacts and the skipped rows by reason.

    Raises
    ------
    LogError
        If the file cannot be read, a required column is missing, or no row is usable.
    """
    source = str(path)
    given = columns if isinstance(columns, dict) else parse_column_map(columns, CONTACT_FIELDS)
    table = load_table(path)
    cols = resolve_columns([str(c) for c in table.columns], CONTACT_FIELDS, given, source)
    n = len(table)
    issues = Issues()
    notes: list[str] = []
    lines = np.arange(2, n + 2)
    rf = RowFilter(lines, issues)
    get = {k: table[c].reset_index(drop=True) for k, c in cols.items()}
    f = pd.DataFrame({"line": lines})

    others, why = other_replications(table)
    rf.skip(why, others)
    case = text(get["case"])
    rf.skip("missing case id", case == "")
    f["case"] = case
    arrival = parse_timestamps(get["arrival"])
    raw_arrival = text(get["arrival"])
    rf.skip("missing arrival timestamp", raw_arrival == "")
    rf.skip("unparsable arrival timestamp", arrival.isna(), raw_arrival)
    f["arrival"] = arrival

    words = text(get["outcome"]).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    outcome = words.map(OUTCOMES)
    rf.skip("missing outcome", words == "")
    rf.skip("unknown outcome", outcome.isna(), words)
    rf.skip(SKIP_OPEN, outcome == "open")
    rf.skip(SKIP_SESSION, outcome == "session")
    f["outcome"] = outcome

    for fname in ("channel", "intent", "segment"):
        if fname in get:
            rf.skip(f"missing {fname}", text(get[fname]) == "")
    defaults = {"channel": "phone", "intent": "general", "pool": None, "segment": None}
    for fname, default in defaults.items():
        f[fname] = names(get.get(fname), n, default, fname, notes)

    queued = outcome.isin(["answered", "abandoned"])
    wait = parse_seconds(get["wait"])
    rf.skip("missing wait", queued & wait.isna())
    rf.skip("unparsable wait", queued & np.isinf(wait), text(get["wait"]))
    rf.skip("negative wait", queued & (wait < 0))
    f["wait_s"] = wait.where(queued)
    answered = outcome == "answered"
    handle = parse_seconds(get["handle"])
    rf.skip("missing handle time", answered & handle.isna())
    rf.skip("unparsable handle time", answered & np.isinf(handle), text(get["handle"]))
    rf.skip("negative handle time", answered & (handle < 0))
    f["handle_s"] = handle.where(answered)
    if "wrap" in get:
        wrap = parse_seconds(get["wrap"])
        rf.skip("missing wrap-up time", answered & wrap.isna())
        rf.skip("unparsable wrap-up time", answered & np.isinf(wrap), text(get["wrap"]))
        rf.skip("negative wrap-up time", answered & (wrap < 0))
        f["wrap_s"] = wrap.where(answered)

    resolved = pd.Series(np.nan, index=f.index)
    if "resolved" in get:
        resolved, bad = parse_flags(get["resolved"])
        rf.skip("unreadable resolved flag", answered & bad, text(get["resolved"]))
    elif words[answered].isin(["resolved", "unresolved"]).any():
        resolved = pd.Series(0.0, index=f.index)
        notes.append("note: no resolved column; outcome 'resolved' counts as resolved, "
                     "'answered' and 'unresolved' as not resolved")
    resolved[words == "resolved"] = 1.0
    resolved[(words == "unresolved") & resolved.isna()] = 0.0
    has_resolution = bool(resolved[answered & rf.ok].notna().any())
    f["resolved"] = resolved.where(answered)
    if "pool" in get:
        missing = answered & f["pool"].isna() & rf.ok
        if missing.any():
            f.loc[missing, "pool"] = "unassigned"
            notes.append(f"note: {int(missing.sum()):,} answered contacts name no pool; "
                         "they are put in pool 'unassigned'")
    log = ContactLog(finish(f, rf), source, "contacts", n, issues, has_resolution, cols, notes)
    require_rows(log)
    return log


def require_rows(log: ContactLog) -> None:
    """Raise :class:`LogError` when no contact is usable."""
    if log.n == 0:
        reasons = "; ".join(log.issues.describe()) or "the file has no data rows"
        raise LogError(f"{log.source}: no usable contacts ({reasons})")
