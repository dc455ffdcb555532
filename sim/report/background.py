"""A run report's figures drawn in a helper process, beside the rest of the command.

Drawing the figures is the largest part of writing a run's outputs, and matplotlib
takes a while to import. ``servicesim run`` starts a :class:`FigureHelper` before it
simulates: a forked process that imports matplotlib at once (on the other core,
while the simulation runs) and then waits for the results. When they are ready the
command hands them over (:meth:`FigureHelper.submit`), writes summary.json and the
parquet tables meanwhile, and takes the figures back for ``report.html``.

The figures are exactly those :func:`sim.report.plots.run_figures` draws in-process
(same function, same data, same bytes). Whenever the helper cannot be used (no
``fork`` on this platform, the process died, the results cannot be sent) the figures
are drawn in-process instead; a figure that fails to draw fails as it would
in-process. The helper ignores Ctrl-C: the command handles it and stops the helper.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import sys
from typing import Any

__all__ = ["FigureHelper", "PendingFigures"]


def _serve(conn: Any) -> None:  # pragma: no cover - runs in the helper process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import matplotlib.backends.backend_agg  # noqa: F401 - the slow imports, now
        import matplotlib.figure  # noqa: F401

        from sim.report.plots import run_figures

        results = conn.recv()
        try:
            conn.send(("ok", run_figures(results)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which redraws
            conn.send(("error", repr(exc)))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the command went away or stopped us
    finally:
        conn.close()


class PendingFigures:
    """Figures being drawn for one :class:`~sim.experiment.results.Results`."""

    def __init__(self, results: Any, helper: FigureHelper | None) -> None:
        self._results = results
        self._helper = helper

    def result(self) -> list[Any]:
        """The figures (:class:`~sim.report.plots.Plot` list), drawn in-process if need be."""
        helper, self._helper = self._helper, None
        if helper is not None:
            plots = helper._collect()
            if plots is not None:
                return plots
        from sim.report.plots import run_figures

        return run_figures(self._results)


class FigureHelper:
    """A forked process that imports matplotlib now and draws one run's figures later.

    Use as a context manager (or call :meth:`close`); on platforms without ``fork``
    it does nothing and the figures are drawn in-process.
    """

    def __init__(self) -> None:
        self._conn: Any = None
        self._proc: Any = None
        if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
            return
        try:
            ctx = multiprocessing.get_context("fork")
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child,), name="servicesim-figures",
                               daemon=True)
            proc.start()
            child.close()
        except OSError:
            return
        self._conn, self._proc = parent, proc

    def submit(self, results: Any) -> PendingFigures:
        """Start drawing the figures of ``results``; take them with ``.result()``."""
        if self._conn is None:
            return PendingFigures(results, None)
        try:
            self._conn.send(results)
        except (OSError, ValueError, TypeError, AttributeError, RecursionError,
                pickle.PicklingError):
            self.close()
            return PendingFigures(results, None)
        return PendingFigures(results, self)

    def _collect(self) -> list[Any] | None:
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError):
            status, payload = "error", None
        finally:
            self.close()
        return payload if status == "ok" else None

    def close(self) -> None:
        """Stop the helper (if it still runs) and release it."""
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            conn.close()
        if proc is not None:
            if proc.is_alive():  # not needed any more (or never used): stop it now
                proc.terminate()
            proc.join(timeout=5)

    def __enter__(self) -> FigureHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
