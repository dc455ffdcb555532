"""Time-weighted counts: the logged, folded integration equals change-by-change."""

from __future__ import annotations

import math

import numpy as np

from sim.model.timearea import TimeArea


def _reference(changes: list[tuple[int, float, float]], rows: int, t0: float, t1: float,
               dt: float, t_end: float) -> np.ndarray:
    """Integrate each change as it comes, in Python floats (the plain algorithm)."""
    n = max(1, int(math.ceil((t1 - t0) / dt - 1e-9)))
    value = [0.0] * rows
    last_t = [0.0] * rows
    area = [[0.0] * (n + 1) for _ in range(rows)]
    for row, t, delta in [*changes, *((r, t_end, 0.0) for r in range(rows))]:
        last, v = last_t[row], value[row]
        last_t[row], value[row] = t, v + delta
        if not v or t <= t0 or last >= t1:
            continue
        a, b = max(last, t0), min(t, t1)
        i = int((a - t0) // dt)
        edge = t0 + (i + 1) * dt
        while True:
            seg_end = min(b, edge)
            area[row][i] += v * (seg_end - a)
            a = seg_end
            if a >= b:
                break
            i += 1
            edge = t0 + (i + 1) * dt
    return np.array([r[:n] for r in area])


def test_folded_areas_equal_change_by_change_to_the_bit() -> None:
    rng = np.random.default_rng(5)
    rows, t0, t1, dt = 4, 1000.0, 9000.0, 700.0  # warm-up, horizon, uneven intervals
    times = np.sort(rng.uniform(0.0, 10_000.0, 4000))
    times[100:110] = times[100]  # simultaneous changes
    times[200:210] = t0 + 3 * dt  # on an interval edge
    sparse = {500, 1700, 1701, 3000}  # row 3: long spans over many edges
    changes: list[tuple[int, float, float]] = []
    count = [0] * rows
    for k, t in enumerate(times.tolist()):
        row = 3 if k in sparse else int(rng.integers(rows - 1))
        delta = float(rng.choice([-2, -1, 1, 1, 3])) if count[row] > 3 else 1.0
        count[row] += int(delta)
        changes.append((row, t, delta))
    area = TimeArea(rows, t0, t1, dt)
    for k, (row, t, delta) in enumerate(changes):
        if k % 3:
            area.add((row, t, delta))
        else:
            area.change(row, t, delta)
        if k in (57, 1000, 1001, 2500):  # folds at arbitrary points change nothing
            area.integrate()
    got = area.close(10_500.0)
    want = _reference(changes, rows, t0, t1, dt, 10_500.0)
    assert got.shape == want.shape == (rows, 12)
    assert got[3].sum() > 0
    assert np.array_equal(got, want)
    # a planner's check: the area is the count x time, e.g. one agent on all the window
    one = TimeArea(1, t0, t1, dt)
    one.change(0, 0.0, 1.0)
    assert one.close(t1).sum() == t1 - t0
