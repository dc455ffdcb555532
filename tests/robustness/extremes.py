"""Hypothesis strategies of extreme scenario files (issue 19): one setting of a valid
scenario pushed to an extreme.

The bases are the generated scenarios of :mod:`tests.robustness.strategies` and the
bundled scenarios with one replication (field visits, outages and failover, bots,
escalation rules and demand shocks, which the generator does not draw). On one of
them, ``EXTREMES`` changes one thing:

* a number (an integer, a probability, a factor, a cost) to 0, a negative, NaN,
  infinity, 1e308, 5e-324, 10^30 or any float;
* a duration or a rate to an extreme float in any unit (``1e-300s``, ``1e308d``,
  ``5e-324/h``, ``1e5/s``);
* a name or a description to rich markup (``[/]``), emoji codes, control
  characters, lone surrogates or any unicode text;
* the structure: handoff loops (certain or nearly so, with or without delay), huge
  replication counts, no agents, retry storms.

The oracle (``test_extreme_fuzz``) runs each file through ``servicesim run``.
"""

from __future__ import annotations

import copy
import math
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from sim.scenario import load
from tests.robustness.strategies import dump_yaml, get, put, valid_scenarios, walk

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("field_operations", "billing_outage", "chatbot_rollout", "premium_escalation",
           "billing_error_shock", "quickstart")

EXTREME_NUMBERS = [0, -1, -0.0, 5e-324, 1e-300, 1e308, -1e308, math.inf, -math.inf, math.nan,
                   10**30, 2**63, 0.999999, 1.000001]
EXTREME_MAGNITUDES = ["0", "-1", "5e-324", "1e-300", "1e-9", "0.0001", "0.0009", "1e-3",
                      "1e9", "1e15", "1e300", "1e308", "1e309", "nan", "3650", "3651"]
DURATION_UNITS = ["ms", "s", "min", "h", "d", "w"]
RATE_UNITS = ["/s", "/min", "/h", "/d", "/w"]
TEXTS = ["[/]", "[/nonexistent]", "[bold red]x", "x [link=file:///etc/passwd]y[/link]",
         ":smile: :thumbs_up:", "\x1b[31mred\x1b[0m", "bell\x07", "a\nb", "\ud800 lone",
         "=HYPERLINK(\"http://x\")", "+1-2", "@SUM(A1)", "-2+3", "\u202eevil", "🙂" * 50]


@cache
def bundled(name: str) -> dict[str, Any]:
    """A bundled scenario as plain data, with one replication."""
    raw = load(ROOT / "scenarios" / f"{name}.yaml").raw
    raw["replications"] = 1
    return raw


def bases() -> st.SearchStrategy[dict[str, Any]]:
    """Valid scenarios to start from: generated or bundled (copied, to be changed)."""
    return st.one_of(valid_scenarios(),
                     st.sampled_from(BUNDLED).map(lambda n: copy.deepcopy(bundled(n))))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_unit(v: Any) -> bool:
    return isinstance(v, str) and v[:1].isdigit() and any(c.isalpha() for c in v)


def _floats() -> st.SearchStrategy[Any]:
    return st.sampled_from(EXTREME_NUMBERS) | st.floats() | st.integers(-(10**40), 10**40)


@st.composite
def _magnitude(draw: Any) -> str:
    if draw(st.booleans()):
        return str(draw(st.sampled_from(EXTREME_MAGNITUDES)))
    x = draw(st.floats(min_value=-1e308, max_value=1e308, allow_nan=False))
    return repr(x)


@st.composite
def extreme_number(draw: Any) -> bytes:
    data = draw(bases())
    paths = [p for p, v in walk(data) if p and (_is_number(v) or _is_unit(v))]
    path = draw(st.sampled_from(paths))
    old = get(data, path)
    if _is_number(old):
        new: Any = draw(_floats())
    else:
        units = RATE_UNITS if "/" in old else DURATION_UNITS
        new = draw(_magnitude()) + draw(st.sampled_from(units))
    return dump_yaml(put(data, path, new)).encode("utf-8")


@st.composite
def extreme_text(draw: Any) -> bytes:
    data = draw(bases())
    paths = [p for p, v in walk(data) if p and p[-1] in ("name", "description")
             and isinstance(v, str)] + [("name",)]
    text = draw(st.sampled_from(TEXTS) | st.text(min_size=1, max_size=40))
    return dump_yaml(put(data, draw(st.sampled_from(paths)), text)).encode("utf-8")


@st.composite
def extreme_structure(draw: Any) -> bytes:
    data = draw(bases())
    how = draw(st.sampled_from(["loop", "replications", "no agents", "retry storm",
                                "long warm-up"]))
    pools = sorted(data["pools"])
    if how == "loop" and len(pools) >= 2:
        a, b = pools[:2]
        p = draw(st.sampled_from([1, 0.999, 0.9, 0.5]))
        delay = draw(st.sampled_from([None, "0s", "1ms", "1h"]))
        for src, dst in ((a, b), (b, a)):
            rule: dict[str, Any] = {"to": dst, "probability": p}
            if delay is not None:
                rule["delay"] = delay
            data["pools"][src]["handoffs"] = [rule]
    elif how == "replications":
        data["replications"] = draw(st.sampled_from([1000, 1001, 5000, 10_000, 10**6]))
    elif how == "no agents":
        for pool in data["pools"].values():
            for key in ("schedule", "shifts"):
                pool.pop(key, None)
            pool["size"] = 0
        data["horizon"] = draw(st.sampled_from(["7d", "365d", "3650d"]))
    elif how == "retry storm":
        channel = sorted(n for n, c in data["channels"].items()
                         if c.get("kind") in ("voice", "chat"))[:1]
        for name in channel:
            data["channels"][name]["queue_capacity"] = 0
        data["recontact"] = {"probability": 1, "delay": "0s",
                             "max_attempts": draw(st.sampled_from([5, 100, 1000])),
                             "retry": {"probability": 1, "delay": "0s"}}
    else:
        data["warmup"] = draw(st.sampled_from(["365d", "3650d"]))
    return dump_yaml(data).encode("utf-8")


#: Kind of extreme input -> strategy of file contents.
EXTREMES: dict[str, st.SearchStrategy[bytes]] = {
    "extreme number, duration or rate": extreme_number(),
    "markup, control characters, surrogates in text": extreme_text(),
    "loops, replications, no agents, retry storms": extreme_structure(),
}
