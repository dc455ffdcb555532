"""Reading logs: column mapping, value formats, and bad rows counted by reason, never
dropped silently; a small event-log story with every activity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate import LogError, read_contacts, read_event_log

HEADER = "CustomerID,Start,Media,Reason,QueueTime,TalkTime,Result,Team\n"
GOOD = [
    "a,2024-01-01 09:00:00,phone,billing,30,240,answered,t1",
    "b,2024-01-01T09:05:00,phone,tech,1:30,00:05:00,resolved,t1",
    "c,2024-01-01 09:10:00,chat,billing,90s,4min,abandoned,",
    "d,2024-01-01 09:15:00,phone,billing,,,busy,",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(header + "\n".join(rows) + "\n")
    return path


COLUMNS = ("case=CustomerID,arrival=Start,channel=Media,intent=Reason,wait=QueueTime,"
           "handle=TalkTime,outcome=Result,pool=Team")


def test_columns_mapping_and_value_formats(tmp_path: Path) -> None:
    log = read_contacts(write(tmp_path, GOOD), COLUMNS)
    c = log.contacts.set_index("case")
    assert log.n == 4 and log.issues.total == 0
    assert c.loc["b", "wait_s"] == 90 and c.loc["b", "handle_s"] == 300  # m:ss, hh:mm:ss
    assert c.loc["c", "wait_s"] == 90 and c.loc["c", "outcome"] == "abandoned"
    assert c.loc["d", "outcome"] == "blocked" and c["pool"].tolist().count("t1") == 2
    # 'resolved' as an outcome: answered and resolved; 'answered' then means not resolved
    assert log.has_resolution and c.loc["b", "resolved"] == 1 and c.loc["a", "resolved"] == 0


def test_missing_required_column_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, HEADER.replace("Start", "When"))
    with pytest.raises(LogError) as err:
        read_contacts(path, COLUMNS.replace("arrival=Start,", ""))
    msg = str(err.value)
    assert "missing column 'arrival'" in msg and "--columns arrival=" in msg
    assert "\n" not in msg


def test_columns_option_naming_a_missing_column_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no such column"):
        read_contacts(write(tmp_path, GOOD), COLUMNS.replace("Start", "Begin"))
    with pytest.raises(LogError, match="unknown field 'arival'"):
        read_contacts(write(tmp_path, GOOD), "arival=Start")


def test_bad_rows_are_counted_by_reason_never_dropped_silently(tmp_path: Path) -> None:
    bad = [
        "e,yesterday-ish,phone,billing,30,240,answered,t1",      # line 6
        "f,2024-01-01 09:20:00,phone,billing,-5,240,answered,t1",  # line 7
        "g,2024-01-01 09:25:00,phone,billing,30,-1,answered,t1",   # line 8
        "h,2024-01-01 09:30:00,phone,billing,30,240,teleported,t1",  # line 9
        "i,2024-01-01 09:35:00,phone,billing,30,,answered,t1",     # line 10
        ",2024-01-01 09:40:00,phone,billing,30,240,answered,t1",   # line 11
        "j,2024-01-01 09:45:00,phone,billing,soon,240,answered,t1",  # line 12
        "k,2024-01-01 09:50:00,phone,billing,30,240,open,t1",      # line 13
    ]
    log = read_contacts(write(tmp_path, GOOD + bad), COLUMNS)
    assert log.n == 4 and log.rows_read == 12
    assert log.n + log.issues.total == log.rows_read
    assert log.issues.counts == {
        "missing case id": 1, "unparsable arrival timestamp": 1, "unknown outcome": 1,
        "still open (no outcome yet)": 1, "unparsable wait": 1, "negative wait": 1,
        "missing handle time": 1, "negative handle time": 1}
    assert log.issues.lines["negative wait"] == [7]
    assert log.issues.examples["unknown outcome"] == ["teleported"]
    text = "\n".join(log.describe())
    assert "1 negative handle time (line 8)" in text and "'teleported'" in text


def test_a_log_without_usable_rows_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no usable contacts.*unparsable arrival"):
        read_contacts(write(tmp_path, ["a,never,phone,x,1,1,answered,t"]), COLUMNS)
    with pytest.raises(LogError, match="file not found"):
        read_contacts(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(LogError, match="empty"):
        read_contacts(tmp_path / "empty.csv")


def test_default_names_and_other_replications(tmp_path: Path) -> None:
    header = "case,arrival,wait,handle,outcome,replication\n"
    rows = ["a,2024-01-01 09:00,10,60,answered,0", "b,2024-01-01 09:01,10,60,answered,0",
            "a,2024-01-01 09:00,10,60,answered,1"]
    log = read_contacts(write(tmp_path, rows, header))
    assert log.n == 2 and set(log.contacts["channel"]) == {"phone"}
    assert set(log.contacts["intent"]) == {"general"} and not log.has_resolution
    assert log.issues.counts == {"rows of other replications (using replication 0 of 2)": 1}


EVENTS = """case:concept:name,concept:name,time:timestamp,org:resource,channel,intent
A,arrive,2024-01-01T09:00:00,,phone,billing
A,answer,2024-01-01T09:00:20,tier1,phone,billing
A,transfer,2024-01-01T09:03:20,tier1,phone,billing
A,answer,2024-01-01T09:03:20,tier2,phone,billing
A,end,2024-01-01T09:08:00,tier2,phone,billing
A,resolve,2024-01-01T09:08:00,tier2,phone,billing
B,arrive,2024-01-01T10:00:00,,chat,tech
B,abandon,2024-01-01T10:02:00,,chat,tech
B,arrive,2024-01-01T10:30:00,,chat,tech
B,answer,2024-01-01T10:31:00,tier1,chat,tech
B,end,2024-01-01T10:41:00,tier1,chat,tech
C,block,2024-01-01T11:00:00,,phone,tech
C,arrive,2024-01-01T11:00:00,,phone,tech
C,block,2024-01-01T11:00:00,,phone,tech
D,arrive,2024-01-01T12:00:00,,bot,tech
D,escalate,2024-01-01T12:02:00,bot,bot,tech
E,arrive,2024-01-01T13:00:00,,phone,billing
E,answer,2024-01-01T13:00:05,tier1,phone,billing
E,teleport,2024-01-01T13:00:06,tier1,phone,billing
E,end,not a time,tier1,phone,billing
"""


def test_event_log_story(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS)
    log = read_event_log(path)
    c = log.contacts.set_index(["case", "arrival"])
    assert log.format == "eventlog" and log.has_resolution and log.n == 4
    a = c.loc[("A", "2024-01-01 09:00:00")]
    assert (a["outcome"], a["wait_s"], a["handle_s"], a["pool"], a["resolved"]) == (
        "answered", 20.0, 180.0, "tier1", 1.0)  # the first piece: answer to transfer
    b1, b2 = c.loc[("B", "2024-01-01 10:00:00")], c.loc[("B", "2024-01-01 10:30:00")]
    assert (b1["outcome"], b1["wait_s"]) == ("abandoned", 120.0)
    assert (b2["outcome"], b2["wait_s"], b2["handle_s"], b2["resolved"]) == (
        "answered", 60.0, 600.0, 0.0)
    assert c.loc[("C", "2024-01-01 11:00:00"), "outcome"] == "blocked"
    assert log.issues.counts == {
        "events with an unknown activity (ignored)": 1,
        "events with an unparsable timestamp": 1,
        "events before the first 'arrive' of their case (ignored)": 1,
        "contacts still open (no outcome yet)": 1,
    }
    # the bot session is kept as a session; tier2's piece after the transfer as a piece
    assert log.sessions is not None and len(log.sessions) == 1
    d = log.sessions.iloc[0]
    assert (d["channel"], d["escalated"], d["duration_s"]) == ("bot", True, 120.0)
    assert log.pieces is not None
    two = log.pieces.loc[log.pieces["pool"] == "tier2"].iloc[0]
    assert (two["from_pool"], two["handle_s"], two["delay_s"]) == ("tier1", 280.0, 0.0)


def test_numeric_and_absurd_timestamps_and_durations_are_skipped_not_crashing(
        tmp_path: Path) -> None:
    """servicesim's contacts.parquet has seconds (arrival_s); huge values must not overflow."""
    header = "case,arrival,outcome,wait,handle\n"
    rows = ["a,3600.5,answered,10,60", "b,7200,abandoned,1e30,", "c,1e300,answered,5,5",
            "d,7300,answered,5,1e40"]
    log = read_contacts(write(tmp_path, rows, header))
    assert log.n == 1
    assert log.contacts["arrival"].iloc[0] == pd.Timestamp("2024-01-01 01:00:00.5")
    assert log.issues.counts == {"unparsable arrival timestamp": 1, "unparsable wait": 1,
                                 "unparsable handle time": 1}
