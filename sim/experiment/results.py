"""Results of running one scenario: per-replication KPIs, their summary, the tables.

A :class:`Results` is what :func:`sim.experiment.run` returns and what notebooks
work with. It holds

* ``kpis`` — one row per replication × group × member × KPI (tidy);
* ``summary`` — mean and 95% Student-t CI per group × member × KPI;
* ``contacts``, ``intervals``, ``journeys`` — row-level tables stacked over
  replications (each with a ``replication`` column), when they were kept;

and writes the output contract with :meth:`Results.write`: ``summary.json``,
``contacts.parquet``, ``journeys.parquet``, ``intervals.parquet``,
``manifest.json`` and, when the report module provides it, ``report.html``. Every
file is written atomically (to a temporary name, then renamed), so a reader never
sees half a file; a table left in the folder by an earlier run but not written by
this one is removed, so the folder always describes one run.

Memory: a run keeps its contact and journey tables as compact columns
(:class:`~sim.metrics.row_table.RowTable`, in ``contact_rows`` and ``journey_rows``).
They are decoded into frames only when asked for (``results.contacts``, which then
keeps the frame) and written to parquet a row group at a time, so writing the
outputs never needs the decoded tables whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.experiment.manifest import build_manifest, report_writer
from sim.experiment.precision import StoppingReport
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.metrics.row_table import RowTable

#: Output files a run may skip (tables not kept, no report module yet).
STALE_CANDIDATES = ("contacts.parquet", "journeys.parquet", "intervals.parquet",
                    "outages.parquet", "visits.parquet", "report.html")


class _Background:
    """Run ``fn`` on a thread; :meth:`join` waits and raises what it raised."""

    def __init__(self, fn: Any) -> None:
        import threading

        self._error: BaseException | None = None

        def target() -> None:
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - raised again in join()
                self._error = exc

        self._thread = threading.Thread(target=target, name="servicesim-tables", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


class _LazyTable:
    """A table field of :class:`Results` that may hold compact columns (a
    :class:`RowTable`) and gives a frame when read, decoding it once."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_kept"

    def __get__(self, obj: Any, owner: type | None = None) -> pd.DataFrame | None:
        if obj is None:
            return None  # the field's default
        rows = obj.__dict__.get(self.slot)
        if rows is None or isinstance(rows, pd.DataFrame):
            return rows
        frame = rows.frame()
        obj.__dict__[self.slot] = frame  # the frame replaces the columns it was decoded from
        return frame

    def __set__(self, obj: Any, value: RowTable | pd.DataFrame | None) -> None:
        obj.__dict__[self.slot] = value

    @staticmethod
    def stored(obj: Any, name: str) -> RowTable | pd.DataFrame | None:
        """What ``obj.<name>`` holds, undecoded."""
        value: RowTable | pd.DataFrame | None = obj.__dict__.get(f"_{name}_kept")
        return value


@dataclass
class Results:
    """Everything one experiment on one scenario produced.

    Attributes
    ----------
    scenario
        The scenario as run (after any ``--seed`` / ``--replications`` override).
    kpis
        Tidy per-replication KPIs ``[replication, group, member, kpi, value]``.
    summary
        ``[group, member, kpi, n, mean, std, ci_low, ci_high, half_width]``.
    contacts, journeys
        Row-level tables over all replications (frames), or ``None`` when not kept.
        A run hands them over as compact columns (:class:`RowTable`), decoded into
        the frame on first read (:meth:`kept` gives them as they are).
    intervals
        The reporting-interval table over all replications, or ``None``.
    outages
        One row per outage (target, kind, start_s, end_s, ...) over all
        replications, written as ``outages.parquet``; ``None`` without outages.
    visits
        One row per technician visit (field channels) over all replications,
        written as ``visits.parquet``; ``None`` without field work.
    replications
        Replications run (with sequential stopping: how many it took).
    wall_s
        Wall-clock seconds of the run.
    executor
        Executor facts (name, workers, ...), for the manifest.
    stopping
        The sequential-stopping report when a precision target was given.
    overrides
        Settings changed for this run (``--set``), ``{path: value}``; recorded in
        the manifest. ``scenario`` already has them applied.
    """

    scenario: Scenario
    kpis: pd.DataFrame
    summary: pd.DataFrame
    replications: int
    wall_s: float
    contacts: _LazyTable = _LazyTable()
    intervals: pd.DataFrame | None = None
    journeys: _LazyTable = _LazyTable()
    outages: pd.DataFrame | None = None
    visits: pd.DataFrame | None = None
    executor: dict[str, Any] = field(default_factory=dict)
    stopping: StoppingReport | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def kept(self, name: str) -> RowTable | pd.DataFrame | None:
        """The ``contacts`` or ``journeys`` table as kept, without decoding it."""
        return _LazyTable.stored(self, name)

    def table(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
        """The ``contacts`` or ``journeys`` table with only ``columns`` (those it has),
        decoded for this call and not kept; ``None`` when the table was not kept.

        Cheaper than the whole table when a few columns will do (the report's figures).
        """
        rows = self.kept(name)
        if rows is None:
            return None
        if isinstance(rows, pd.DataFrame):
            return rows if columns is None else rows[[c for c in rows.columns if c in columns]]
        return rows.frame(columns=columns)

    def summary_dict(self) -> dict[str, Any]:
        """The ``summary.json`` document (output contract); identical across executors."""
        from sim.metrics import summary_dict

        extra = {"stopping": self.stopping.to_dict()} if self.stopping is not None else {}
        if self.scenario.events:  # demand shocks: KPIs inside vs outside each window
            from sim.metrics.shocks import event_summary

            extra["by_event"] = event_summary(self.summary, self.scenario)
        if self.scenario.outages:  # KPIs during vs outside outages, outage counts, failover
            from sim.metrics.outage_summary import outage_summary

            extra["by_outage"] = outage_summary(self.summary, self.scenario)
        return summary_dict(self.summary, self.scenario.name, self.replications,
                            extra=extra or None)

    def kpi(self, name: str, group: str = "all", member: str = "") -> pd.Series:
        """One KPI's summary row (mean, ci_low, ci_high, ...), e.g. ``results.kpi("asa_s")``.

        Raises
        ------
        KeyError
            If the KPI (for that group and member) is not in the summary.
        """
        s = self.summary
        mask = (s["group"] == group) & (s["kpi"] == name)
        if group != "all":
            mask &= s["member"] == member
        rows = s[mask]
        if rows.empty:
            raise KeyError(f"no KPI {name!r} in group {group!r} {member!r}")
        return rows.iloc[0]

    def manifest(self, command: str | None = None,
                 files: list[str] | None = None) -> dict[str, Any]:
        """The ``manifest.json`` document of this run (see :mod:`sim.experiment.manifest`)."""
        extra: dict[str, Any] = {"overrides": dict(self.overrides)}
        if self.stopping is not None:
            extra["stopping"] = self.stopping.to_dict()
        return build_manifest(
            self.scenario, kind="run", replications=self.replications, wall_s=self.wall_s,
            executor=self.executor, command=command, files=files, extra=extra,
        )

    def write(self, out_dir: str | Path, command: str | None = None,
              targets: list[str] | None = None, figures: Any = None) -> Path:
        """Write the output contract into ``out_dir`` (created if needed), atomically.

        Parameters
        ----------
        out_dir
            Output directory.
        command
            Command line recorded in the manifest (default: this process's argv).
        targets
            Targets such as ``"service_level>=0.8"``: the report opens with whether
            each is met.
        figures
            A :class:`sim.report.background.FigureHelper` started earlier: the report's
            figures are drawn there while the tables are written (the same figures;
            default: drawn in this process, after the tables).

        Returns
        -------
        pathlib.Path
            The output directory.
        """
        from sim import io

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        report = report_writer("write_run_report")
        tables = {
            "contacts": self.kept("contacts"),
            "journeys": self.kept("journeys"),
            "intervals": self.intervals,
            "outages": self.outages,
            "visits": self.visits,
        }
        names = [name for name, frame in tables.items() if frame is not None]
        written = ["summary.json", *(f"{name}.parquet" for name in names)]
        # the tables are written on a thread (pyarrow converts and compresses without
        # holding the GIL) while the figures' inputs go to the helper, if any
        writer = _Background(lambda: [io.write_parquet_atomic(out / f"{name}.parquet",
                                                              tables[name]) for name in names])
        try:
            io.write_json_atomic(out / "summary.json", self.summary_dict())
            pending = (figures.submit(self) if figures is not None and report is not None
                       else None)
        finally:
            writer.join()
        if report is not None:
            written += ["report.html", "plots/"]
        for stale in STALE_CANDIDATES:
            if stale not in written:  # left by an earlier run: would not match this one
                (out / stale).unlink(missing_ok=True)
        # the manifest goes first so that the report can show it
        io.write_json_atomic(out / "manifest.json",
                             self.manifest(command, files=[*written, "manifest.json"]))
        if report is not None:
            kwargs: dict[str, Any] = {}
            if targets:
                kwargs["targets"] = list(targets)
            if pending is not None:
                kwargs["plots"] = pending.result()
            report(self, out, **kwargs)
        return out
