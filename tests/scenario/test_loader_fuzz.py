"""Whatever the text, loading either succeeds or raises one ScenarioError line."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import ScenarioError, load_text
from tests.scenario.helpers import MINIMAL, RICH

LINES = MINIMAL.splitlines(keepends=True)
RICH_LINES = RICH.splitlines(keepends=True)
NOISE = st.sampled_from(
    ["", " ", "  ", "\t", ":", "-", "[", "]", "{", "}", "'", '"', "#", "&a", "*a", "!!", "0",
     "-1", "x", "null", "1min", "/h", ",", "\n", "dist: normal", "size: 3", "<<: *a", "%"]
)


def _load(text: str) -> None:
    try:
        load_text(text, file="f.yaml")
    except ScenarioError as err:
        text = str(err)
        assert text.startswith("f.yaml") and "\n" not in text
        assert err.line is None or err.line >= 1
        assert err.all_errors and err.all_errors[0] == text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    _load(text)


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from([LINES, RICH_LINES]),
    edits=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 60), NOISE), max_size=4),
    drop=st.sets(st.integers(0, 80), max_size=3),
)
def test_mutated_scenarios(
    base: list[str], edits: list[tuple[int, int, str]], drop: set[int]
) -> None:
    lines = [line for i, line in enumerate(base) if i not in drop]
    for row, col, noise in edits:
        if lines:
            i = row % len(lines)
            lines[i] = lines[i][:col] + noise + lines[i][col:]
    _load("".join(lines))
