"""Running a scenario: N independent replications, summarised with 95% CIs.

One replication is one run of the model over the scenario's warm-up plus horizon
(the engine discards the warm-up); its KPIs are one sample. ``N`` replications
give ``N`` independent samples per KPI and a Student-t confidence interval on the
mean (:mod:`sim.metrics.stats`).

How many replications? Either a fixed number (``replications``, default the
scenario's own), or *sequential stopping*: give ``precision`` targets on CI
half-widths and the runner adds batches until they are met or a maximum is
reached (:mod:`sim.experiment.precision`).

Replication ``i`` always uses the random streams of index ``i``, whichever worker
runs it, and results are combined in replication order, so the same scenario and
seed give bit-identical results on every executor and worker count.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sim.experiment.executors import DEFAULT_EXECUTOR, Session, open_session
from sim.experiment.limits import check_limits
from sim.experiment.precision import (
    MIN_REPLICATIONS,
    PrecisionError,
    StoppingReport,
    check_kpi_names,
    check_targets,
    next_total,
    parse_precision,
)
from sim.experiment.progress import Progress, ProgressArg
from sim.experiment.results import Results
from sim.experiment.worker import ReplicationOutput, ReplicationTask, run_replication
from sim.scenario.schema import MAX_REPLICATIONS, Scenario


def run_tasks(
    session: Session, tasks: Sequence[ReplicationTask], progress: Progress | None = None
) -> list[ReplicationOutput]:
    """Run replication tasks on an open session; return outputs sorted by (tag, replication)."""
    outputs: list[ReplicationOutput] = []
    for out in session.imap_unordered(run_replication, list(tasks)):
        outputs.append(out)
        if progress is not None:
            progress.advance()
    outputs.sort(key=lambda o: (o.tag, o.replication))
    return outputs


def stack(frames: Sequence[Any]) -> Any:
    """Stack per-replication tables in order (categoricals kept); ``None`` if none.

    Row tables (:class:`~sim.metrics.row_table.RowTable`) stack into one row table
    without copying; frames (or a mix) into one frame.
    """
    from sim.experiment.spill import unspill
    from sim.metrics import RowTable, concat_tables

    present = [unspill(f) for f in frames if f is not None]
    if not present:
        return None
    if all(isinstance(f, RowTable) for f in present):
        return RowTable.concat(present)
    present = [f.frame() if isinstance(f, RowTable) else f for f in present]
    if len(present) == 1 and _fresh_index(present[0]):
        return present[0]  # one replication: already what stacking gives, without a copy
    return concat_tables(present)


def _fresh_index(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` has the ``RangeIndex`` from 0 that :func:`stack` gives."""
    idx = frame.index
    return isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1


def summarize_outputs(outputs: Sequence[ReplicationOutput]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(kpis, summary)`` of the given replication outputs."""
    from sim.metrics import summarize

    kpis = pd.concat([o.kpis for o in outputs], ignore_index=True)
    return kpis, summarize(kpis)


def _spill_dir() -> str:
    """A new private folder for the row tables of a run's worker processes."""
    return tempfile.mkdtemp(prefix="servicesim-tables-")


def default_max_replications(initial: int) -> int:
    """The cap for sequential stopping when none is given: 10× the start, at least 100."""
    return min(MAX_REPLICATIONS, max(10 * initial, 100))


def run(
    scenario: Scenario,
    replications: int | None = None,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressArg = False,
    keep_contacts: bool = True,
    precision: str | dict[str, float | str] | None = None,
    max_replications: int | None = None,
    keep_intervals: bool = True,
    session: Session | None = None,
    allow_large: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> Results:
    """Run replications of a scenario and summarise their KPIs.

    Parameters
    ----------
    scenario
        The validated scenario (``sim.scenario.load``).
    replications
        Number of replications (default: the scenario's ``replications``). With
        ``precision`` it is the first batch.
    executor
        ``"serial"``, ``"processes"`` (default) or ``"dask"``.
    workers
        Worker processes (default: all cores).
    scheduler
        Address of an existing dask scheduler, e.g. ``"tcp://host:8786"``.
    progress
        ``True`` for a progress bar on stderr, or a callable ``fn(done, total)``.
    keep_contacts
        Return (and later write) the contact and journey tables; ``False`` keeps the
        run light when only KPIs matter.
    precision
        Sequential stopping targets on 95% CI half-widths, e.g.
        ``"asa_s=2,abandon_rate=0.005"`` or ``{"asa_s": "5%"}`` (relative).
    max_replications
        Cap for sequential stopping (default: 10× the first batch, at least 100).
    keep_intervals
        Return the reporting-interval table.
    session
        An already open executor session to reuse (then ``executor``, ``workers``
        and ``scheduler`` are ignored).
    allow_large
        Skip the safe-limits check (:mod:`sim.experiment.limits`) that refuses runs
        which would exhaust memory or take more than a day.
    overrides
        Settings changed for this run only, by dotted path, e.g.
        ``{"horizon": "2d", "pools.agents.size": 55}`` (the ``--set`` options of
        ``servicesim run``). They are applied to ``scenario`` (and validated) before
        anything runs, and recorded in the manifest; the results' scenario, and so
        the manifest's scenario hash, is the changed one.

    Returns
    -------
    Results
        Per-replication KPIs, summary, tables and run facts.

    Raises
    ------
    PrecisionError
        If a precision target is malformed or names an unknown KPI.
    sim.scenario.ScenarioError
        If an override names no setting or gives it an invalid value.
    """
    changes = dict(overrides or {})
    if changes:
        scenario = scenario.with_changes(changes)
    targets = parse_precision(precision)
    first = int(replications if replications is not None else scenario.replications)
    if first < 1:
        raise ValueError(f"replications must be at least 1, got {first}")
    if targets:
        from sim.metrics import kpi_names

        check_kpi_names(targets, kpi_names())
        first = max(first, MIN_REPLICATIONS)
        cap = max_replications or default_max_replications(first)
        if cap < first:
            raise PrecisionError(
                f"--max-replications {cap} is below the first batch of {first} replications"
            )
    else:
        cap = first
    check_limits(scenario, cap, workers, keep_contacts, allow_large, executor=executor)
    started = time.perf_counter()
    own = session is None
    sess = session if session is not None else open_session(executor, workers, scheduler,
                                                            max_tasks=cap)
    if own:
        sess.start()  # before the progress bar starts its thread (see executors)
    outputs: list[ReplicationOutput] = []
    stopping: StoppingReport | None = None
    # a worker process hands its row tables back through files (sim.experiment.spill)
    spill_dir = _spill_dir() if keep_contacts and sess.name == "processes" else None
    try:
        with Progress(progress, f"{scenario.name}: replications", first) as bar:
            done, total, batches = 0, first, 0
            while True:
                tasks = [
                    ReplicationTask(scenario, r, keep_intervals, keep_contacts,
                                    spill_dir=spill_dir)
                    for r in range(done, total)
                ]
                outputs.extend(run_tasks(sess, tasks, bar))
                done, batches = total, batches + 1
                if not targets:
                    break
                outputs.sort(key=lambda o: o.replication)
                _, summary = summarize_outputs(outputs)
                statuses = check_targets(summary, targets)
                stopping = StoppingReport(statuses, done, batches, cap)
                if stopping.met or done >= cap:
                    break
                total = next_total(done, statuses, cap)
                bar.set_total(total)
    except BaseException:
        if own:  # Ctrl-C or a failure: stop the workers now (see Session.__exit__)
            sess.abort()
        raise
    finally:
        if spill_dir is not None:  # files of replications never collected (a failure)
            shutil.rmtree(spill_dir, ignore_errors=True)
    if own:
        sess.close()
    outputs.sort(key=lambda o: o.replication)
    kpis, summary = summarize_outputs(outputs)
    return Results(
        scenario=scenario,
        kpis=kpis,
        summary=summary,
        replications=len(outputs),
        wall_s=time.perf_counter() - started,
        contacts=stack([o.contacts for o in outputs]) if keep_contacts else None,
        intervals=stack([o.intervals for o in outputs]) if keep_intervals else None,
        journeys=stack([o.journeys for o in outputs]) if keep_contacts else None,
        outages=stack([o.outages for o in outputs]) if keep_intervals else None,
        visits=stack([o.visits for o in outputs]) if keep_contacts else None,
        executor=sess.describe(),
        stopping=stopping,
        overrides=changes,
    )
