"""Executors: where replications run.

Replications are independent, so the runner farms them out as tasks, one per
replication index, and gathers the results in whatever order they finish:

``serial``
    in this process, one after the other (debugging, notebooks, tiny runs);
``processes``
    a local :class:`concurrent.futures.ProcessPoolExecutor` over all cores (the
    default);
``dask``
    a :mod:`dask.distributed` cluster: a ``LocalCluster`` started for the run, or an
    existing scheduler given by address (``tcp://host:8786``) for large sweeps.

Determinism does not depend on the executor. A task is ``(scenario, replication)``
and the engine derives every random stream from ``(seed, replication, source)``
alone, so a replication produces the same numbers on any worker, in any order; the
runner sorts results by replication index before combining them.

Start method of the process pool
--------------------------------
On Linux the pool uses ``fork``: workers inherit the already-imported numpy,
pandas, SimPy and the engine, so starting a worker costs milliseconds instead of
the ~1 s it takes a ``spawn``/``forkserver`` child to re-import them, which
matters for the short runs planners iterate on. ``fork`` is safe here because the
engine keeps no module-level state, workers only compute and return frames, and
the pool forks all its workers at once before the runner starts any other thread
(the progress bar is started after :meth:`ProcessSession.start`). Elsewhere (macOS,
Windows) the pool uses ``spawn``. ``SERVICESIM_START_METHOD=forkserver`` (or
``spawn``) overrides the choice, e.g. when embedding in a heavily threaded host.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("serial", "processes", "dask")
DEFAULT_EXECUTOR = "processes"


class ExecutorError(ValueError):
    """An executor that cannot be used as asked (unknown name, bad options)."""


def cpu_count() -> int:
    """Cores this process may use (respects CPU affinity / container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """The multiprocessing start method for the process pool (see module docstring)."""
    wanted = os.environ.get("SERVICESIM_START_METHOD", "").strip()
    if wanted:
        if wanted not in multiprocessing.get_all_start_methods():
            raise ExecutorError(
                f"SERVICESIM_START_METHOD={wanted!r} is not available here; "
                f"use one of {multiprocessing.get_all_start_methods()}"
            )
        return wanted
    return "fork" if sys.platform.startswith("linux") else "spawn"


class Session:
    """An open executor: map a function over tasks, yielding results as they finish."""

    name = "serial"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = 1

    def start(self) -> None:
        """Acquire the workers (processes, cluster) before any task is submitted."""

    def imap_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task, in completion order."""
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        """Release the workers."""

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cancel pending tasks and stop the workers."""
        self.close()

    def describe(self) -> dict[str, Any]:
        """Executor facts for the manifest."""
        return {"executor": self.name, "workers": self.workers}

    def __enter__(self) -> Session:
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # On any error (Ctrl-C, a failing replication, an unpicklable task) stop the
        # workers outright: a graceful shutdown could wait for, or on Python 3.11
        # after a pickling error even hang on, work nobody will collect.
        if exc_type is not None:
            self.abort()
        else:
            self.close()


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; only the parent should react, so the
    # workers do not each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _noop(_: int) -> None:
    return None


class ProcessSession(Session):
    """A local process pool (``concurrent.futures``)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or cpu_count()
        self.method = start_method()
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False

    def start(self) -> None:
        ctx = multiprocessing.get_context(self.method)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=_ignore_sigint
        )
        # With fork, the first submit forks every worker at once: do it now, before
        # the caller starts a progress-bar thread.
        try:
            self._pool.submit(_noop, 0).result()
        except BaseException:  # Ctrl-C while the workers start: stop them outright
            self.abort()
            raise

    def imap_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        assert self._pool is not None, "session not started"
        futures: list[Future[R]] = [self._pool.submit(fn, t) for t in tasks]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            self._failed = True  # close() must then not wait for the pool (see __exit__)
            raise
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        if self._failed:
            self.abort()
        elif self._pool is not None:
            try:
                self._pool.shutdown(wait=True, cancel_futures=True)
            except BaseException:
                # Ctrl-C while waiting for the workers to exit: a shutdown cut short
                # leaves the pool's manager thread waiting on dead pipes (a hang, or
                # an OSError at interpreter exit), so stop the workers outright
                self.abort()
                raise
            self._pool = None

    def abort(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Running replications would otherwise finish before the interpreter exits.
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.join(timeout=5)
        # Let the pool's manager thread notice and close its wake-up pipe now: on
        # Python 3.11 the exit hook that wakes it may otherwise write to the pipe as
        # it closes (an OSError traceback after Ctrl-C).
        manager = getattr(pool, "_executor_manager_thread", None)
        if manager is not None and manager.is_alive():
            manager.join(timeout=5)

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers, "start_method": self.method}


class DaskSession(Session):
    """A dask.distributed cluster: a fresh ``LocalCluster`` or an existing scheduler."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        self.requested = workers
        self.scheduler = scheduler
        self.workers = workers or cpu_count()
        self._client: Any = None
        self._cluster: Any = None

    def start(self) -> None:
        from distributed import Client, LocalCluster

        if self.scheduler:
            self._client = Client(self.scheduler, set_as_default=False)
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster, set_as_default=False)
        info = self._client.scheduler_info()
        self.workers = max(1, len(info.get("workers", {})))

    def imap_unordered(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        from distributed import as_completed as dask_as_completed

        assert self._client is not None, "session not started"
        # pure=False: results are deterministic anyway, and it spares dask from
        # tokenizing the scenario model to build task keys.
        futures = self._client.map(fn, list(tasks), pure=False)
        try:
            for fut in dask_as_completed(futures, loop=self._client.loop):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> dict[str, Any]:
        return {
            "executor": self.name,
            "workers": self.workers,
            "scheduler": self.scheduler or "LocalCluster",
        }


def open_session(
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    scheduler: str | None = None,
    max_tasks: int | None = None,
) -> Session:
    """Return an (unstarted) executor session; use it as a context manager.

    Parameters
    ----------
    executor
        ``"serial"``, ``"processes"`` or ``"dask"``.
    workers
        Worker processes (default: all cores); ignored by ``serial`` and when joining
        an existing dask scheduler.
    scheduler
        Address of an existing dask scheduler (``tcp://host:8786``); implies ``dask``.
    max_tasks
        Most tasks the session will run; when ``workers`` is not given, no more
        workers than that are started (3 replications need 3 processes, not 64).

    Raises
    ------
    ExecutorError
        For an unknown executor, a non-positive worker count, or a scheduler given
        with a non-dask executor.
    """
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ExecutorError(f"workers must be at least 1, got {workers}")
    if scheduler and executor != "dask":
        raise ExecutorError("--scheduler needs --executor dask")
    if executor == "serial":
        return Session()
    if workers is None and max_tasks is not None:
        workers = max(1, min(cpu_count(), max_tasks))
    if executor == "processes":
        return ProcessSession(workers)
    return DaskSession(workers, scheduler)
