"""A hand-made story of one replication, small enough to compute every KPI by hand.

Clock: start Mon 08:50 (31800 s), warm-up 600 s, end 2100 s, 600 s intervals
(09:00, 09:10 and a cut-short 09:20 interval of 300 s). Window length 1500 s.

Channels phone (SL 20 s), chat (SL 60 s), email (no target), video (no contacts).
Pools front, back, idle (never staffed). Journeys, by first arrival:

======  =====================================================================
A  j0   phone, arrives 500 (before the warm-up: out of window), handled
B  j1   phone, waits 5, handled 100 s                            -> sojourn 105
C  j2   phone, waits 30, front 120 s, transferred; back waits 20, 200 s -> 370
D  j3   phone, abandons after 45 s
E  j4   phone, blocked
F  j5   chat, waits 0, handled 300 s                             -> sojourn 300
L  j6   phone, front 50 s -> back waits 10, 40 s -> front 100 s  -> sojourn 200
G  j7   chat, waits 80, front 150 s, transferred; abandons 2nd queue after 70 s
J  j8   email, waits 600, back 60 s                              -> sojourn 660
H  j9   phone, waits 10, still in service at the end (open)
I  j10  chat, still waiting at the end (open)
======  =====================================================================
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.records import (
    ABANDONED,
    BLOCKED,
    CONTACT_COLUMNS,
    HANDLED,
    OPEN,
    TRANSFERRED,
    Records,
)

NAN = float("nan")
CH = {"phone": 0, "chat": 1, "email": 2, "video": 3}
IN = {"billing": 0, "tech": 1}
SE = {"retail": 0, "vip": 1, "smb": 2}
PO = {"front": 0, "back": 1, "idle": 2, None: -1}

# label, journey, step, channel, intent, segment, pool, arrival, answer, end, wait, handle,
# outcome, in_window   (rows in contact_id = arrival order)
STORY = [
    ("A", 0, 0, "phone", "billing", "retail", "front", 500, 510, 600, 10, 90, HANDLED, False),
    ("B", 1, 0, "phone", "billing", "retail", "front", 700, 705, 805, 5, 100, HANDLED, True),
    ("C0", 2, 0, "phone", "tech", "vip", "front", 720, 750, 870, 30, 120, TRANSFERRED, True),
    ("D", 3, 0, "phone", "billing", "vip", None, 800, NAN, 845, 45, NAN, ABANDONED, True),
    ("C1", 2, 1, "phone", "tech", "vip", "back", 870, 890, 1090, 20, 200, HANDLED, True),
    ("E", 4, 0, "phone", "billing", "retail", None, 900, NAN, 900, NAN, NAN, BLOCKED, True),
    ("F", 5, 0, "chat", "tech", "vip", "front", 950, 950, 1250, 0, 300, HANDLED, True),
    ("L0", 6, 0, "phone", "tech", "retail", "front", 1000, 1000, 1050, 0, 50, TRANSFERRED, True),
    ("L1", 6, 1, "phone", "tech", "retail", "back", 1050, 1060, 1100, 10, 40, TRANSFERRED, True),
    ("G0", 7, 0, "chat", "billing", "retail", "front", 1100, 1180, 1330, 80, 150, TRANSFERRED,
     True),
    ("L2", 6, 2, "phone", "tech", "retail", "front", 1100, 1100, 1200, 0, 100, HANDLED, True),
    ("J", 8, 0, "email", "billing", "retail", "back", 1200, 1800, 1860, 600, 60, HANDLED, True),
    ("G1", 7, 1, "chat", "billing", "retail", None, 1330, NAN, 1400, 70, NAN, ABANDONED, True),
    ("H", 9, 0, "phone", "billing", "retail", "front", 2000, 2010, NAN, 10, NAN, OPEN, True),
    ("I", 10, 0, "chat", "tech", "vip", None, 2050, NAN, NAN, NAN, NAN, OPEN, True),
]
LABELS = [row[0] for row in STORY]


def contacts_from(rows: list[tuple]) -> dict[str, np.ndarray]:
    """Build the contacts columns from story rows (contact ids in row order)."""
    cols = {
        "contact_id": list(range(len(rows))),
        "journey_id": [r[1] for r in rows],
        "step": [r[2] for r in rows],
        "channel": [CH[r[3]] for r in rows],
        "intent": [IN[r[4]] for r in rows],
        "segment": [SE[r[5]] for r in rows],
        "pool": [PO[r[6]] for r in rows],
        "arrival_s": [r[7] for r in rows],
        "answer_s": [r[8] for r in rows],
        "end_s": [r[9] for r in rows],
        "wait_s": [r[10] for r in rows],
        "handle_s": [r[11] for r in rows],
        "outcome": [r[12] for r in rows],
        "in_window": [r[13] for r in rows],
    }
    return {k: np.asarray(cols[k], dtype=dt) for k, dt in CONTACT_COLUMNS.items()}


def make_records(rows: list[tuple] | None = None, replication: int = 0) -> Records:
    """The story's Records (or the same world with other contact rows)."""
    return Records(
        replication=replication,
        warmup_s=600.0,
        end_s=2100.0,
        interval_s=600.0,
        start_s=31800.0,
        channels=tuple(CH),
        intents=tuple(IN),
        segments=tuple(SE),
        pools=("front", "back", "idle"),
        sl_target_s=np.array([20.0, 60.0, NAN, 30.0]),
        contacts=contacts_from(STORY if rows is None else rows),
        pool_staffed_s=np.array([[1200.0, 1200.0, 600.0], [600.0, 600.0, 300.0], [0.0, 0.0, 0.0]]),
        pool_busy_s=np.array([[400.0, 200.0, 300.0], [100.0, 200.0, 200.0], [0.0, 0.0, 0.0]]),
        queue_area=np.array(
            [[300.0, 0.0, 60.0], [80.0, 0.0, 150.0], [0.0, 600.0, 0.0], [0.0, 0.0, 0.0]]
        ),
    )


@pytest.fixture
def story() -> Records:
    return make_records()
