"""Sweeps: run a scenario over a grid of settings and tabulate the KPIs.

A sweep takes a base scenario and a grid (``{"pools.tier1.size": [40, 45, 50]}``,
see :mod:`sim.experiment.grid`) and runs every point of the cartesian product with
the base scenario's seed, so neighbouring points share common random numbers and
the KPI curves come out smooth.

Sweeps can be long, so they are *resumable*. Each finished point is saved at once
as one small JSON file, ``OUT/points/<point-id>.json`` (written atomically; the id
is a hash of the point's settings), holding the point's KPI summary and the base
scenario hash and replication count it was made with. The tidy table
``sweep.csv`` / ``sweep.parquet`` / ``sweep.json`` (one row per point × KPI of the
whole operation, one column per swept setting) is always rebuilt from those files.
Rerunning with ``resume=True`` skips finished points, after checking they were
made from the same base scenario and replications (otherwise it refuses, unless
``resume=False`` starts afresh). Ctrl-C stops at once and leaves every finished
point on disk; :class:`SweepInterrupted` says how many are done.

All replications of all remaining points go to one executor session in
point-major order, so a large cluster is kept busy even when each point has
fewer replications than there are workers; a point is summarised and saved as
soon as its last replication returns.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.compare import records_for_json
from sim.experiment.executors import DEFAULT_EXECUTOR, open_session
from sim.experiment.grid import Point, build_grid, point_id
from sim.experiment.limits import check_limits, check_total
from sim.experiment.manifest import build_manifest, report_writer, scenario_fingerprint
from sim.experiment.progress import Progress, ProgressArg
from sim.experiment.runner import summarize_outputs
from sim.experiment.worker import ReplicationOutput, ReplicationTask, run_replication
from sim.scenario.schema import Scenario

POINTS_DIR = "points"
TABLE_COLUMNS = ["point_id", "kpi", "n", "mean", "ci_low", "ci_high", "half_width"]


class SweepError(ValueError):
    """A sweep that cannot start (e.g. the output holds points of another scenario)."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep; finished points are saved. ``done`` of ``total`` finished."""

    def __init__(self, done: int, total: int, out_dir: Path) -> None:
        self.done, self.total, self.out_dir = done, total, out_dir
        super().__init__(
            f"sweep interrupted: {done} of {total} points done and saved in {out_dir}; "
            "run the same sweep again to resume"
        )


def _point_files(points_dir: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(points_dir.glob("*.json")):
        try:
            found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable: not finished, will be rerun
    return found


def _check_existing(existing: dict[str, dict[str, Any]], base_hash: str, n: int,
                    points_dir: Path) -> None:
    foreign = [d for d in existing.values()
               if d.get("base_hash") != base_hash or d.get("replications") != n]
    if foreign:
        d = foreign[0]
        raise SweepError(
            f"{points_dir} holds {len(foreign)} finished point(s) made from a different base "
            f"scenario or replication count (scenario hash {str(d.get('base_hash'))[:12]}, "
            f"{d.get('replications')} replications; this sweep: {base_hash[:12]}, {n}); "
            "use --fresh to discard them or choose another --out"
        )


def point_table(points: Sequence[Point], saved: Mapping[str, dict[str, Any]],
                group: str = "all") -> pd.DataFrame:
    """The tidy sweep table of the finished points, in grid order.

    One row per point × KPI of ``group`` with ``mean``, ``ci_low``, ``ci_high``,
    ``n``, ``half_width``, plus one column per swept setting (named by its path).
    """
    paths = list(points[0]) if points else []
    frames = []
    for p in points:
        data = saved.get(point_id(p))
        if data is None:
            continue
        s = pd.DataFrame(data["summary"])
        s = s[s["group"] == group]
        rows = pd.DataFrame({"point_id": point_id(p), "kpi": s["kpi"].to_numpy()})
        rows["n"] = pd.to_numeric(s["n"]).to_numpy(dtype="int64")
        for col in TABLE_COLUMNS[3:]:
            rows[col] = pd.to_numeric(s[col], errors="coerce").to_numpy(dtype=float)
        for path in paths:
            rows.insert(len(rows.columns) - len(TABLE_COLUMNS), path, [p[path]] * len(rows))
        frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=[*paths, *TABLE_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def write_table(out: Path, table: pd.DataFrame, meta: dict[str, Any]) -> None:
    """Write ``sweep.csv``, ``sweep.parquet`` and ``sweep.json`` atomically."""
    from sim import io

    io.write_text_atomic(out / "sweep.csv", io.csv_text(table))
    io.write_parquet_atomic(out / "sweep.parquet", table)
    io.write_json_atomic(out / "sweep.json", {**meta, "rows": records_for_json(table)})


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any] | str],
    out_dir: str | Path,
    replications: int | None = None,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = True,
    progress: ProgressArg = False,
    command: str | None = None,
    on_point: Callable[[Point, pd.DataFrame], Any] | None = None,
    allow_large: bool = False,
    targets: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Run the scenario at every point of a grid; save points as they finish.

    Parameters
    ----------
    scenario
        The base scenario; each point changes the settings named in ``grid``.
    grid
        ``{dotted path: values}``; values may be a list or a ``--set`` string such
        as ``"40:60:5"``.
    out_dir
        Output directory (``points/``, ``sweep.csv``, ``sweep.parquet``,
        ``sweep.json``, ``manifest.json``).
    replications
        Replications per point (default: the scenario's).
    executor, workers, scheduler, progress
        As for :func:`sim.experiment.run`; one executor session serves all points.
    resume
        Skip points already finished in ``out_dir``; ``False`` discards them first.
    command
        Command line for the manifest.
    on_point
        Called with ``(point, summary)`` after each point is saved (in completion
        order).
    targets
        Targets on whole-operation KPIs (``["service_level>=0.8"]``, the syntax of
        :func:`sim.report.targets.parse_targets`); the report names the cheapest
        point meeting them. Recorded in ``sweep.json`` and the manifest.

    Returns
    -------
    pandas.DataFrame
        The tidy table (see :func:`point_table`).

    Raises
    ------
    SweepError
        If ``out_dir`` holds points of another base scenario or replication count
        and ``resume`` is true.
    SweepInterrupted
        On Ctrl-C, after saving the table of the points finished so far.
    sim.scenario.ScenarioError
        If a grid value makes an invalid scenario (checked before anything runs).
    """
    from sim import io

    points = build_grid(grid)
    variants = [scenario.with_changes(p) for p in points]  # fail fast on bad values
    n = int(replications if replications is not None else scenario.replications)
    base_hash = scenario_fingerprint(scenario)
    out = Path(out_dir)
    points_dir = out / POINTS_DIR
    points_dir.mkdir(parents=True, exist_ok=True)
    existing = _point_files(points_dir)
    if resume:
        _check_existing(existing, base_hash, n, points_dir)
    else:
        for pid in existing:
            (points_dir / f"{pid}.json").unlink(missing_ok=True)
        existing = {}
    saved = dict(existing)
    todo = [(p, s) for p, s in zip(points, variants, strict=True) if point_id(p) not in saved]
    meta = {"scenario": scenario.name, "base_hash": base_hash, "seed": scenario.seed,
            "replications": n, "grid": {k: list(v) for k, v in _grid_lists(points).items()},
            "points": len(points), "targets": list(targets or [])}
    check_total([check_limits(s, n, workers, keep_contacts=False, allow_large=allow_large,
                              executor=executor) for _, s in todo], allow_large)
    started = time.perf_counter()
    # Point-major task order: points finish roughly in grid order, and a point's
    # replications run side by side with the next point's, so no worker idles
    # while a point waits for its last replication.
    tasks = [ReplicationTask(s, r, keep_intervals=False, keep_contacts=False, tag=i)
             for i, (_, s) in enumerate(todo) for r in range(n)]
    pending: dict[int, list[ReplicationOutput]] = defaultdict(list)
    finished = 0
    # nothing left to run: no workers to start
    session = open_session(executor if tasks else "serial", workers if tasks else None,
                           scheduler if tasks else None, max_tasks=len(tasks))
    try:
        with session, Progress(progress, f"sweep: 0/{len(todo)} points", len(tasks)) as bar:
            for output in session.imap_unordered(run_replication, tasks):
                bar.advance()
                pending[output.tag].append(output)
                if len(pending[output.tag]) < n:
                    continue
                p, s = todo[output.tag]
                _, summary = summarize_outputs(sorted(pending.pop(output.tag),
                                                      key=lambda o: o.replication))
                pid = point_id(p)
                data = {"point_id": pid, "params": p, "base_hash": base_hash,
                        "scenario_hash": scenario_fingerprint(s), "replications": n,
                        "seed": s.seed, "summary": records_for_json(summary)}
                io.write_json_atomic(points_dir / f"{pid}.json", data)
                saved[pid] = data
                finished += 1
                bar.describe(f"sweep: {finished}/{len(todo)} points")
                if on_point is not None:
                    on_point(p, summary)
    except KeyboardInterrupt:
        done = sum(point_id(p) in saved for p in points)
        write_table(out, point_table(points, saved), {**meta, "done": done})
        raise SweepInterrupted(done, len(points), out) from None
    table = point_table(points, saved)
    write_table(out, table, {**meta, "done": len(points)})
    files = ["sweep.csv", "sweep.parquet", "sweep.json", "manifest.json", f"{POINTS_DIR}/"]
    report = report_writer("write_sweep_report")
    if report is not None:
        files += ["report.html", "plots/"]
    manifest = build_manifest(
        scenario, kind="sweep", replications=n, wall_s=time.perf_counter() - started,
        executor=session.describe(), command=command, files=files,
        extra={"grid": meta["grid"], "points": len(points), "points_run": len(todo),
               "points_resumed": len(points) - len(todo), "targets": list(targets or [])},
    )
    io.write_json_atomic(out / "manifest.json", manifest)
    if report is not None and len(table):  # after the manifest, which the report shows
        report(table, out, list(points[0]), targets=list(targets or []) or None,
               scenario=scenario)
    return table


def _grid_lists(points: Sequence[Point]) -> dict[str, list[Any]]:
    lists: dict[str, list[Any]] = {}
    for p in points:
        for k, v in p.items():
            if v not in lists.setdefault(k, []):
                lists[k].append(v)
    return lists
