"""Hypothesis strategies for scenario files: valid ones built over the schema, and
the same files mutated into every kind of bad input a planner (or an attacker) can
produce.

``valid_scenarios()`` draws plain dicts (units as strings) that must validate: one to
three live channels (sometimes a bot in front), one to three intents, optional
segments and an intraday profile, one or two pools (fixed size, shifts or a
schedule, sometimes with overflow and handoffs), optional recontacts, and short
horizons (1-3 h) at modest rates, so a run takes a fraction of a second.

``BAD_INPUTS`` maps a kind of bad input to a strategy of file contents (bytes);
each starts from a valid scenario and breaks it in one way. Some mutations leave a
valid file (deleting an optional key, a wrong type that pydantic accepts): the
oracle is "a valid Scenario or exactly one clean ScenarioError", never which.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

#: Written into the YAML-tag payloads; the tests check it never appears on disk.
CANARY = "servicesim_pwned_canary"

CHANNEL_NAMES = ("phone", "chat", "mail", "voice2", "web.chat", "line-3")
INTENT_NAMES = ("general", "billing", "tech", "fraud_1", "move.home")
SEGMENT_NAMES = ("retail", "premium", "SME")
POOL_NAMES = ("agents", "tier1", "tier-2", "back.office")
TRICKY_TEXT = (
    "{__import__('os').system('touch " + CANARY + "')}",
    "$(rm -rf /)",
    "`touch " + CANARY + "`",
    "<script>alert(1)</script>",
    "{{7*7}} ${7*7} %s%n%x",
    "'; DROP TABLE scenarios; --",
    "ünïcödé ✓ 中文 🙂",
    "line1\\nline2",
    "../../etc/passwd",
)

# ----------------------------------------------------------------------------- values


_PLAIN = re.compile(r"^(?:[A-Za-z_][\w.\-]*|\d+(?:\.\d+)? ?/?[A-Za-z]+)$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _printable(c: str) -> bool:
    o = ord(c)
    return (o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0x7E or o == 0x85 or 0xA0 <= o <= 0xD7FF
            or 0xE000 <= o <= 0xFFFD or o >= 0x10000)


def scalar(value: Any) -> str:
    """One scalar as YAML: plain where that reads back as the same string, else
    double-quoted with escapes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        try:
            float(text)
        except ValueError:
            return text
    out = []
    for c in text:
        if c in "\\\"":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif not _printable(c) or c in "\x85\u2028\u2029\ufeff" or ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _block(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = scalar(str(k))
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{key}:")
                lines += _block(v, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_inline(v)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _block(item, indent + 2)
                inner[0] = pad + "- " + inner[0][indent + 2:]
                lines += inner
            else:
                lines.append(f"{pad}- {_inline(item)}")
    return lines


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def dump_yaml(data: Any) -> str:
    """Block-style YAML, one key per line, keys in insertion order (so text mutations
    have lines to work on). A small emitter: ruamel's takes ~30 ms a file."""
    if isinstance(data, (dict, list)) and data:
        return "\n".join(_block(data, 0)) + "\n"
    return _inline(data) + "\n"


@st.composite
def durations(draw: Any, lo_s: int, hi_s: int) -> str:
    """A duration between ``lo_s`` and ``hi_s`` seconds, in a random unit."""
    seconds = draw(st.integers(lo_s, hi_s))
    unit = draw(st.sampled_from(["s", "min", "h"] if seconds >= 60 else ["s"]))
    value = seconds / {"s": 1, "min": 60, "h": 3600}[unit]
    text = f"{value:g}" if value == int(value) else repr(round(value, 6))
    return f"{text}{draw(st.sampled_from(['', ' ']))}{unit}"


@st.composite
def distributions(draw: Any, lo_s: int = 20, hi_s: int = 600) -> dict[str, Any]:
    """A valid duration distribution (every kind of the contract)."""
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "deterministic",
                                 "uniform", "triangular", "empirical"]))
    if kind == "exponential":
        return {"dist": kind, "mean": draw(durations(lo_s, hi_s))}
    if kind in ("lognormal", "gamma"):
        cv = round(draw(st.floats(0.1, 2.0)), 3)
        return {"dist": kind, "mean": draw(durations(lo_s, hi_s)), "cv": cv}
    if kind == "deterministic":
        return {"dist": kind, "value": draw(durations(lo_s, hi_s))}
    if kind == "uniform":
        a, b = sorted(draw(st.lists(st.integers(lo_s, hi_s), min_size=2, max_size=2)))
        return {"dist": kind, "low": f"{a}s", "high": f"{b}s"}
    if kind == "triangular":
        a, m, b = sorted(draw(st.lists(st.integers(lo_s, hi_s), min_size=3, max_size=3)))
        if a == b:
            b = a + 30
        return {"dist": kind, "low": f"{a}s", "mode": f"{m}s", "high": f"{b}s"}
    values = draw(st.lists(durations(lo_s, hi_s), min_size=1, max_size=5))
    return {"dist": kind, "values": values}


def _shares(draw: Any, names: list[str]) -> list[float]:
    weights = draw(st.lists(st.integers(1, 9), min_size=len(names), max_size=len(names)))
    total = sum(weights)
    return [w / total for w in weights]


def _unique(draw: Any, pool: tuple[str, ...], lo: int, hi: int) -> list[str]:
    return draw(st.lists(st.sampled_from(pool), min_size=lo, max_size=hi, unique=True))


# ------------------------------------------------------------------- valid scenarios


@st.composite
def valid_scenarios(draw: Any, max_rate_per_h: int = 120) -> dict[str, Any]:
    """A scenario dict that validates, runs in well under a second, and uses many
    sections of the schema."""
    live = _unique(draw, CHANNEL_NAMES, 1, 3)
    intents = _unique(draw, INTENT_NAMES, 1, 3)
    channels: dict[str, Any] = {}
    for name in live:
        kind = draw(st.sampled_from(["voice", "chat", "email"]))
        ch: dict[str, Any] = {"kind": kind}
        if kind != "email" and draw(st.booleans()):
            ch["patience"] = draw(distributions(30, 900))
        if draw(st.booleans()):
            ch["service_level_target"] = draw(durations(10, 120))
        if draw(st.booleans()):
            ch["queue_capacity"] = draw(st.integers(0, 50))
        if kind == "chat" and draw(st.booleans()):
            ch["max_concurrency"] = draw(st.integers(1, 3))
            ch["concurrency_inflation"] = draw(st.sampled_from([0, 0.1, 0.25, 0.5]))
        if draw(st.booleans()):
            ch["cost_per_contact"] = draw(st.sampled_from([0, 0.5, 3]))
        channels[name] = ch
    bot = None
    if draw(st.booleans()):
        bot = "bot"
        targets = _unique(draw, tuple(live), 1, len(live))
        factor = draw(st.sampled_from([1.0, 0.8]))  # below 1: some give up
        probs = [p * factor for p in _shares(draw, targets)]
        channels[bot] = {
            "kind": "bot",
            "duration": draw(distributions(20, 300)),
            "containment": draw(st.sampled_from([0.0, 0.3, 0.5, 1.0])),
            "escalation": {"to": dict(zip(targets, probs, strict=True)),
                           "context_transfer": draw(st.sampled_from([0.0, 0.7, 1.0]))},
        }
        if draw(st.booleans()):
            channels[bot]["capacity"] = draw(st.integers(1, 50))

    intent_defs: dict[str, Any] = {}
    shares = _shares(draw, intents) if len(intents) > 1 else [None]
    for name, share in zip(intents, shares, strict=True):
        it: dict[str, Any] = {"handle_time": draw(distributions(20, 600))}
        if share is not None:
            it["share"] = share
        if draw(st.booleans()):
            it["resolution"] = draw(st.sampled_from([0.5, 0.8, 1.0]))
        if draw(st.booleans()):
            it["description"] = draw(st.sampled_from(TRICKY_TEXT))
        intent_defs[name] = it

    segments: dict[str, Any] = {}
    if draw(st.booleans()):
        names = _unique(draw, SEGMENT_NAMES, 2, 3)
        for name, share in zip(names, _shares(draw, names), strict=True):
            segments[name] = {"share": share, "priority": draw(st.integers(0, 5))}

    profiles: dict[str, Any] = {}
    if draw(st.booleans()):
        weights = draw(st.lists(st.integers(0, 4), min_size=24, max_size=24))
        weights[draw(st.integers(0, 23))] = 1
        profiles["day"] = {"interval": "1h", "weights": weights}

    demand = []
    for name in [*live, *([bot] if bot else [])]:
        line: dict[str, Any] = {"channel": name,
                                "rate": f"{draw(st.integers(1, max_rate_per_h))}/h"}
        if profiles and draw(st.booleans()):
            line["profile"] = "day"
        if draw(st.booleans()):
            line["intent"] = draw(st.sampled_from(intents))
        if segments and draw(st.booleans()):
            line["segment"] = draw(st.sampled_from(sorted(segments)))
        if draw(st.booleans()):
            line["day_factors"] = {"Sat": 0.5, "Sun": 0.2}
        demand.append(line)

    pool_names = _unique(draw, POOL_NAMES, 1, 2)
    pools: dict[str, Any] = {}
    for i, name in enumerate(pool_names):
        served = list(live) if i == 0 else _unique(draw, tuple(live), 1, len(live))
        pool: dict[str, Any] = {"channels": served}
        staffing = draw(st.sampled_from(["size", "size", "shifts", "schedule"]))
        if staffing == "size":
            pool["size"] = draw(st.integers(1, 30))
        elif staffing == "shifts":
            pool["shifts"] = [
                {"start": "00:00", "end": "12:00", "agents": draw(st.integers(1, 20))},
                {"start": "12:00", "end": "00:00", "agents": draw(st.integers(1, 20)),
                 "shrinkage": draw(st.sampled_from([0.0, 0.2]))},
            ]
        else:
            pool["schedule"] = {"interval": "1h", "headcount":
                                draw(st.lists(st.integers(0, 20), min_size=24, max_size=24))}
        if i == 0 and len(intents) > 1 and draw(st.booleans()):
            pool["skills"] = {n: draw(st.sampled_from([0.5, 1, 1.5])) for n in intents}
        if draw(st.booleans()):
            pool["cost_per_hour"] = draw(st.sampled_from([0, 30, 45.5]))
        pools[name] = pool
    if len(pool_names) == 2 and draw(st.booleans()):
        first, second = pool_names
        if draw(st.booleans()):
            pools[first]["overflow"] = {"to": second, "after": draw(durations(10, 120))}
        else:
            pools[first]["handoffs"] = [{"to": second,
                                         "probability": draw(st.sampled_from([0.1, 0.5])),
                                         "asynchronous": draw(st.booleans())}]

    scenario: dict[str, Any] = {
        "name": draw(st.one_of(st.sampled_from(TRICKY_TEXT),
                               st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                       min_size=1, max_size=30)
                               .filter(lambda s: s.strip() == s and s != ""))),
        "horizon": draw(st.sampled_from(["1h", "90min", "2h", "3h", "7200s"])),
        "warmup": draw(st.sampled_from(["0s", "15min", "30min"])),
        "replications": draw(st.integers(1, 3)),
        "seed": draw(st.integers(0, 2**40)),
        "interval": draw(st.sampled_from(["15min", "30min", "1h"])),
        "channels": channels,
        "intents": intent_defs,
        "demand": demand,
        "pools": pools,
    }
    if draw(st.booleans()):
        scenario["start"] = draw(st.sampled_from(["Mon 00:00", "Tue 09:00", "day 3 08:30",
                                                  "Sat 22:00"]))
    if segments:
        scenario["segments"] = segments
    if profiles:
        scenario["profiles"] = profiles
    if draw(st.booleans()):
        scenario["recontact"] = {
            "probability": draw(st.sampled_from([0.3, 0.8])),
            "delay": draw(distributions(300, 3600)),
            "max_attempts": draw(st.integers(1, 3)),
        }
    return scenario


def valid_files() -> st.SearchStrategy[bytes]:
    return valid_scenarios().map(lambda d: dump_yaml(d).encode("utf-8"))


# ------------------------------------------------------------------- tree helpers

Path = tuple[str | int, ...]


def walk(data: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """Every (path, value) in ``data``, containers included, root first."""
    out = [(path, data)]
    if isinstance(data, dict):
        for k, v in data.items():
            out += walk(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += walk(v, path + (i,))
    return out


def get(data: Any, path: Path) -> Any:
    for p in path:
        data = data[p]
    return data


def put(data: Any, path: Path, value: Any) -> Any:
    """A deep copy of ``data`` with the value at ``path`` replaced."""
    if not path:
        return value
    out = copy.deepcopy(data)
    get(out, path[:-1])[path[-1]] = value
    return out


_UNIT = re.compile(r"^\s*[-+]?[\d.]+(e[-+]?\d+)?\s*(/\s*)?[a-zA-Z]+\s*$")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_unit(v: Any) -> bool:
    return isinstance(v, str) and bool(_UNIT.match(v))


@st.composite
def _pick(draw: Any, data: dict[str, Any], keep: Callable[[Path, Any], bool]) -> Path | None:
    paths = [p for p, v in walk(data) if p and keep(p, v)]
    return draw(st.sampled_from(paths)) if paths else None


def _replace(pred: Callable[[Path, Any], bool], values: st.SearchStrategy[Any]
             ) -> st.SearchStrategy[bytes]:
    """Replace one value matching ``pred`` in a valid scenario by a drawn value."""
    @st.composite
    def strat(draw: Any) -> bytes:
        data = draw(valid_scenarios())
        path = draw(_pick(data, pred))
        if path is not None:
            data = put(data, path, draw(values))
        return dump_yaml(data).encode("utf-8")
    return strat()


# ------------------------------------------------------------------- bad inputs

WRONG_VALUES = st.sampled_from(
    [[], {}, [1, 2], {"a": 1}, True, False, None, "abc", "", 12345, -7.5, "yes", [{}],
     {"dist": "normal", "mean": "1min"}, "45/min", "4min", 0]
)
BAD_NUMBERS = st.sampled_from(
    [-1, -0.5, 0, 10**30, -(10**30), 1e308, -1e-9, 2**63, 2**64 + 1, 10**100, 1e-320,
     "-5min", "1e300h", "999999999999/s", "0/h", "-1/h", "1e-300s", "0s"]
)
BAD_UNITS = st.sampled_from(
    ["5 parsecs", "45/fortnight", "45", "min", "1h30", "5 mins ago", "45 per hour", "1,5h",
     "∞h", "1e999h", "nan s", "inf min", "0x10s", "45/0h", "45//h", "h45", "1.2.3s", "-3min",
     "twelve minutes", "45/min/h", "1_000s", "1e3", " ", "45/-1h", "3µs", "１０min"]
)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf, ".nan", ".inf min", "nan/h"])


def _wrong_type() -> st.SearchStrategy[bytes]:
    return _replace(lambda p, v: True, WRONG_VALUES)


def _bad_number() -> st.SearchStrategy[bytes]:
    return _replace(lambda p, v: _is_number(v) or _is_unit(v), BAD_NUMBERS)


def _bad_unit() -> st.SearchStrategy[bytes]:
    return _replace(lambda p, v: _is_unit(v), BAD_UNITS)


def _non_finite() -> st.SearchStrategy[bytes]:
    return _replace(lambda p, v: _is_number(v) or _is_unit(v), NON_FINITE)


@st.composite
def _missing_key(draw: Any) -> bytes:
    data = draw(valid_scenarios())
    path = draw(_pick(data, lambda p, v: isinstance(p[-1], str)))
    assert path is not None
    parent = get(data, path[:-1])
    del parent[path[-1]]
    return dump_yaml(data).encode("utf-8")


@st.composite
def _unknown_key(draw: Any) -> bytes:
    data = draw(valid_scenarios())
    maps = [p for p, v in walk(data) if isinstance(v, dict)]
    path = draw(st.sampled_from(maps))
    key = draw(st.sampled_from(["patiense", "sise", "horizn", "Rate", "extra", "mean ",
                                "x" * 90, "dist", "__class__", "<<", "?"]))
    get(data, path)[key] = draw(WRONG_VALUES)
    return dump_yaml(data).encode("utf-8")


@st.composite
def _dangling_reference(draw: Any) -> bytes:
    data = draw(valid_scenarios())
    ghost = draw(st.sampled_from(["ghost", "phon", "Phone", "generl", "tier3", "nobody"]))
    refs: list[Path] = []
    for i, line in enumerate(data["demand"]):
        refs += [("demand", i, k) for k in ("channel", "intent", "segment", "profile")
                 if k in line]
    for name, pool in data["pools"].items():
        refs += [("pools", name, "channels", j) for j in range(len(pool["channels"]))]
        if "overflow" in pool:
            refs.append(("pools", name, "overflow", "to"))
        refs += [("pools", name, "handoffs", j, "to") for j in range(len(pool.get("handoffs", [])))]
    how = draw(st.sampled_from(["reference", "rename", "self"]))
    if how == "reference":
        data = put(data, draw(st.sampled_from(refs)), ghost)
    elif how == "rename":  # rename a declared item: everything that named it dangles
        section = draw(st.sampled_from(["channels", "intents", "pools"]))
        old = draw(st.sampled_from(sorted(data[section])))
        data[section] = {(ghost if k == old else k): v for k, v in data[section].items()}
    else:  # a pool passing contacts to itself
        name = sorted(data["pools"])[0]
        data["pools"][name]["overflow"] = {"to": name, "after": "30s"}
    return dump_yaml(data).encode("utf-8")


_BAD_BYTES = st.sampled_from([b"\xff", b"\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80",
                              b"\xe9", b"\xf0\x28\x8c\x28", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80"])


@st.composite
def _non_utf8(draw: Any) -> bytes:
    text = dump_yaml(draw(valid_scenarios()))
    how = draw(st.sampled_from(["insert", "latin-1", "utf-16", "utf-32"]))
    if how == "insert":
        data = text.encode("utf-8")
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(_BAD_BYTES) + data[at:]
    text = text.replace("\n", "\ndescription: Zürich café\n", 1) if how == "latin-1" else text
    try:
        return text.encode(how)
    except UnicodeEncodeError:
        return text.encode("utf-16")


TAGS = (
    f"!!python/object/apply:os.system [\"touch {CANARY}\"]",
    f"!!python/object/apply:subprocess.check_output [[touch, {CANARY}]]",
    f"!!python/object/new:os.system [\"touch {CANARY}\"]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:builtins.object {}",
    "!<tag:yaml.org,2002:python/object/apply:os.system> [\"touch " + CANARY + "\"]",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1]",
    "!custom 5",
    "!!str 5min",    # a core tag: allowed
    "!!int 7",       # allowed (may be valid or a type error)
    "!!float 1e3",
    "!!timestamp 2001-12-14",
    "!!null ''",
)


@st.composite
def _yaml_tag(draw: Any) -> bytes:
    lines = dump_yaml(draw(valid_scenarios())).splitlines(keepends=True)
    tag = draw(st.sampled_from(TAGS))
    candidates = [i for i, line in enumerate(lines) if re.match(r"^\s*(- )?[^:#]+: \S", line)]
    if draw(st.booleans()) or not candidates:
        return (tag + "\n").encode() if draw(st.booleans()) else \
            ("evil: " + tag + "\n" + "".join(lines)).encode()
    i = draw(st.sampled_from(candidates))
    key, _, _ = lines[i].partition(": ")
    lines[i] = f"{key}: {tag}\n"
    return "".join(lines).encode("utf-8")


def _laughs(levels: int, width: int) -> str:
    out = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for k in range(1, levels):
        out.append(f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width)}]")
    return "\n".join(out) + "\n"


@st.composite
def _alias_bomb(draw: Any) -> bytes:
    data = draw(valid_scenarios())
    text = dump_yaml(data)
    how = draw(st.sampled_from(["laughs", "laughs_in_field", "recursive", "merge", "anchors"]))
    if how == "laughs":
        return (_laughs(draw(st.integers(3, 10)), draw(st.integers(5, 10))) + text).encode()
    if how == "laughs_in_field":
        bomb = _laughs(draw(st.integers(4, 9)), 10).replace("\n", "\n  ")
        return text.replace("name:", "description:\n  " + bomb + "\nname:", 1).encode() \
            if "description:" not in text else (text + "x: &x [*x]\n").encode()
    if how == "recursive":
        return (text + draw(st.sampled_from(["loop: &a [*a]\n", "loop: &a {k: *a}\n",
                                              "loop: *undefined\n"]))).encode()
    if how == "merge":  # merge keys are allowed: this may well be valid
        lines = text.splitlines(keepends=True)
        first = sorted(data["pools"])[0]
        start = lines.index("pools:\n") + 1
        at = next(i for i in range(start, len(lines)) if lines[i] == f"  {first}:\n")
        lines[at] = f"  {first}: &p\n"
        end = next((i for i in range(at + 1, len(lines)) if not lines[i].startswith("   ")),
                   len(lines))
        lines.insert(end, "  copy:\n    <<: *p\n")
        return "".join(lines).encode()
    # anchors and aliases on plain values: valid YAML, the values repeat
    return text.replace("horizon: ", "horizon: &h ", 1).replace(
        "warmup: ", "description: *h\nwarmup: ", 1).encode()


@st.composite
def _deep_nesting(draw: Any) -> bytes:
    text = dump_yaml(draw(valid_scenarios()))
    depth = draw(st.sampled_from([59, 61, 100, 1000, 5000, 20000]))
    how = draw(st.sampled_from(["flow_seq", "flow_map", "block_map", "block_seq"]))
    if how == "flow_seq":
        value = "[" * depth + "]" * depth
    elif how == "flow_map":
        value = "{a: " * depth + "1" + "}" * depth
    elif how == "block_map":
        value = "\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(min(depth, 600)))
    else:
        value = "\n" + "".join(" " * (2 * i + 1) + "-\n" for i in range(min(depth, 400)))
    key = draw(st.sampled_from(["description", "nest", "channels"]))
    if key == "channels":
        return text.replace("channels:\n", "channels:\n  deep: " + value + "\n", 1).encode()
    return (f"{key}: {value}\n" + text).encode() if key == "nest" else \
        (text + f"{key}: {value}\n").encode()


@st.composite
def _long_string(draw: Any) -> bytes:
    data = draw(valid_scenarios())
    n = draw(st.sampled_from([81, 201, 1025, 10_000, 100_000]))
    unit = draw(st.sampled_from(["x", "ab ", "é", "1", "'", "{", "\\", "🙂"]))
    long = (unit * n)[:n]
    where = draw(st.sampled_from(["name", "description", "key", "unit", "ref", "dist"]))
    if where == "name":
        data["name"] = long
    elif where == "description":
        data["description"] = long
    elif where == "key":
        data["pools"][long] = data["pools"].pop(sorted(data["pools"])[0])
    elif where == "unit":
        data["horizon"] = "1" * n + "h"
    elif where == "ref":
        data["demand"][0]["channel"] = long
    else:
        first = sorted(data["intents"])[0]
        data["intents"][first]["handle_time"]["dist"] = long
    return dump_yaml(data).encode("utf-8")


@st.composite
def _duplicate_key(draw: Any) -> bytes:
    lines = dump_yaml(draw(valid_scenarios())).splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*[^\s:#-][^:#]*:( |$)", line)]
    i = draw(st.sampled_from(keyed))
    if draw(st.booleans()):  # the same line twice (a parent key: once empty)
        lines.insert(i + 1, lines[i])
    else:  # the same key again later at the top level
        key = lines[i].split(":", 1)[0].strip()
        lines.append(f"{key}: 1\n")
    return "".join(lines).encode("utf-8")


@st.composite
def _tabs(draw: Any) -> bytes:
    lines = dump_yaml(draw(valid_scenarios())).splitlines(keepends=True)
    indented = [i for i, line in enumerate(lines) if line.startswith(" ")] or [0]
    for i in draw(st.lists(st.sampled_from(indented), min_size=1, max_size=3)):
        how = draw(st.sampled_from(["indent", "after_colon", "all"]))
        if how == "indent":
            lines[i] = "\t" + lines[i].lstrip(" ")
        elif how == "after_colon":
            lines[i] = lines[i].replace(": ", ":\t", 1)
        else:
            lines[i] = lines[i].replace("  ", "\t")
    return "".join(lines).encode("utf-8")


@st.composite
def _truncated(draw: Any) -> bytes:
    data = dump_yaml(draw(valid_scenarios())).encode("utf-8")
    return data[: draw(st.integers(0, len(data)))]


@st.composite
def _structure(draw: Any) -> bytes:
    text = dump_yaml(draw(valid_scenarios()))
    return draw(st.sampled_from([
        b"", b"\n\n", b"# only a comment\n", b"~\n", b"42\n", b"- a\n- b\n", b"'text'\n",
        b"[1, 2, 3]\n", b"? [a, b]\n: 1\n", b"---\n...\n", b"\xef\xbb\xbf",
        (text + "---\n" + text).encode(), ("%YAML 1.1\n---\n" + text).encode(),
        ("%YAML 9.9\n---\n" + text).encode(), text.replace("\n", "\r\n").encode(),
        text.replace("\n", "\r").encode(), ("\xef\xbb\xbf" + text).encode("latin-1", "replace"),
        ("\ufeff" + text).encode(), text.replace("name:", "name:\x00", 1).encode(),
        text.replace("name:", "name: \x07", 1).encode(), ("{" + text).encode(),
        text.replace(":", " =", 3).encode(),
    ]))


@st.composite
def _garbage(draw: Any) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")


#: Kind of bad input -> strategy of file contents. "valid" is the control group.
BAD_INPUTS: dict[str, st.SearchStrategy[bytes]] = {
    "wrong type": _wrong_type(),
    "missing key": _missing_key(),
    "unknown key": _unknown_key(),
    "negative / zero / huge number": _bad_number(),
    "bad unit": _bad_unit(),
    "NaN / inf": _non_finite(),
    "dangling reference": _dangling_reference(),
    "non-UTF-8 bytes": _non_utf8(),
    "YAML tag (!!python/...)": _yaml_tag(),
    "anchors / alias bomb": _alias_bomb(),
    "deep nesting": _deep_nesting(),
    "very long string": _long_string(),
    "duplicate key": _duplicate_key(),
    "tabs": _tabs(),
    "truncated file": _truncated(),
    "wrong structure / documents": _structure(),
    "random bytes / text": _garbage(),
}
