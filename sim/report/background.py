"""A run report's figures drawn in a helper process, beside the rest of the command.

Drawing the figures is the largest part of writing a run's outputs, and matplotlib
takes a while to import. ``servicesim run`` starts a :class:`FigureHelper` before it
simulates: a forked process that imports matplotlib at once (beside the simulation)
and then waits for the results. When they are ready the command hands them over
(:meth:`FigureHelper.submit`: what the figures take from the row-level tables is
computed first, :func:`~sim.report.plots.light_results`, so only small frames are
sent), writes summary.json and the parquet tables meanwhile (on a thread), and takes
the figures back for ``report.html``.

The figures are exactly those :func:`sim.report.plots.run_figures` draws in-process
(same function, same data, same bytes). Whenever the helper cannot be used (no
``fork`` on this platform, the process died, the results cannot be sent) the figures
are drawn in-process instead; a figure that fails to draw fails as it would
in-process. The helper ignores Ctrl-C: the command handles it and stops it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
from typing import Any

__all__ = ["FigureHelper", "PendingFigures"]


#: How the figures are shared between two helpers (about equal drawing time each).
SHARES: tuple[tuple[str, ...], ...] = (("intraday", "segments", "outages"),
                                       ("utilization", "latency", "stages"))


def _serve(conn: Any, other_end: Any) -> None:  # pragma: no cover - the helper process
    # Ctrl-C is the command's to handle: ignored here, then unblocked (it was blocked
    # around the fork, so it cannot interrupt the child's start-up, e.g. logging's
    # at-fork hooks, and print a traceback)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # hold neither the command's end of the pipe (so that the command's death is an
    # end of file here, and the helper exits) nor its stdout and stderr (so that
    # whoever reads the command's output sees it end with the command)
    other_end.close()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    try:
        import matplotlib.backends.backend_agg  # noqa: F401 - the slow imports, now
        import matplotlib.figure  # noqa: F401

        from sim.report.plots import run_figures

        results, keys = conn.recv()
        try:
            conn.send(("ok", run_figures(results, keys)))
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
    """Forked processes that import matplotlib now and draw one run's figures later.

    One helper by default; ``processes=2`` shares the figures between two
    (:data:`SHARES`; measured no faster on two cores, where the tables are written
    meanwhile). Use as a context manager (or call :meth:`close`); on
    platforms without ``fork`` it does nothing and the figures are drawn in-process.
    """

    def __init__(self, processes: int | None = None) -> None:
        self._helpers: list[tuple[Any, Any]] = []
        if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
            return
        n = processes if processes is not None else 1
        ctx = multiprocessing.get_context("fork")
        for _ in range(max(1, min(n, len(SHARES)))):
            # no Ctrl-C while forking: the child starts with SIGINT blocked and ignores
            # it; a Ctrl-C meanwhile reaches the command once the mask is restored
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(child, parent),
                                   name="servicesim-figures", daemon=True)
                proc.start()
                child.close()
            except OSError:
                break
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            self._helpers.append((parent, proc))

    def submit(self, results: Any) -> PendingFigures:
        """Start drawing the figures of ``results``; take them with ``.result()``."""
        if not self._helpers:
            return PendingFigures(results, None)
        from sim.report.plots import RUN_FIGURE_KEYS, light_results

        # what the figures need from the row-level tables is computed here, so only
        # small frames travel (the tables would take longer to send than to use)
        light = light_results(results)
        shares = SHARES if len(self._helpers) > 1 else (RUN_FIGURE_KEYS,)
        try:
            for (conn, _), keys in zip(self._helpers, shares, strict=False):
                conn.send((light, keys))
        except (OSError, ValueError, TypeError, AttributeError, RecursionError,
                pickle.PicklingError):
            self.close()
            return PendingFigures(results, None)
        return PendingFigures(results, self)

    def _collect(self) -> list[Any] | None:
        from sim.report.plots import RUN_FIGURE_KEYS

        plots: list[Any] = []
        try:
            for conn, _ in self._helpers:
                try:
                    status, payload = conn.recv()
                except (EOFError, OSError):
                    return None
                if status != "ok":
                    return None
                plots.extend(payload)
        finally:
            self.close()
        return sorted(plots, key=lambda p: RUN_FIGURE_KEYS.index(p.key))

    def close(self) -> None:
        """Stop the helpers (if they still run) and release them."""
        helpers, self._helpers = self._helpers, []
        for conn, _ in helpers:
            conn.close()
        for _, proc in helpers:
            if proc.is_alive():  # not needed any more (or never used): stop it now
                proc.terminate()
        for _, proc in helpers:
            proc.join(timeout=5)

    def __enter__(self) -> FigureHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
