"""Run the command line in a forked child, with a deadline and its peak memory.

The fuzz test of extreme values must tell a hang or a memory blow-up from a clean
answer, which an in-process ``CliRunner`` cannot: a hang would hang the test and
the peak memory of the test process says nothing about one run. A forked child
starts at once (the parent has imported everything) and its resource usage is its
own (``os.wait4``).

In the child, the safe limits are scaled down to the test's budget
(:data:`CHILD_WALL_S`, :data:`CHILD_MEMORY`): the estimate must then refuse every
run that would not finish well within the deadline and the memory cap, which is
exactly what :mod:`sim.experiment.limits` promises at full scale.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

#: The safe limits inside the child: refuse runs estimated above these.
CHILD_WALL_S = 2.0
CHILD_MEMORY = 1.5 * 2**30  # the estimate may use 60% of it
#: Address-space cap of the child, so a blow-up fails fast instead of swapping.
CHILD_ADDRESS_SPACE = 6 * 2**30


@dataclass
class Forked:
    """What one child did."""

    code: int | None
    """Exit status (None: killed at the deadline)."""
    wall_s: float
    max_rss: int
    """Peak resident memory of the child, bytes."""
    stdout: str
    stderr: str

    @property
    def hung(self) -> bool:
        return self.code is None


def _child(args: list[str], out: Path, err: Path) -> None:
    """The child's whole life: run ``servicesim ARGS`` and exit with its status."""
    code = 1
    try:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd, path in ((1, out), (2, err)):
            handle = os.open(path, os.O_WRONLY | os.O_TRUNC)
            os.dup2(handle, fd)
            os.close(handle)
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        import sim.experiment.limits as limits
        import sim.experiment.results as results

        limits.MAX_WALL_S = CHILD_WALL_S
        limits.machine_memory_bytes = lambda: CHILD_MEMORY
        results.report_writer = lambda name: None  # matplotlib: seconds, and not the point
        from sim.cli import main

        sys.argv = ["servicesim", *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - the traceback is what the parent looks for
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run_forked(args: list[str], deadline_s: float = 10.0) -> Forked:
    """Run ``servicesim ARGS`` in a forked child; kill it at ``deadline_s``."""
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        out.touch()
        err.touch()
        sys.stdout.flush()
        sys.stderr.flush()
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            _child(args, out, err)
        code: int | None = None
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - t0 > deadline_s:
                os.kill(pid, signal.SIGKILL)  # the child started here, by pid
                _, _, usage = os.wait4(pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - t0
        return Forked(code, wall, int(usage.ru_maxrss) * 1024,
                      out.read_text(errors="replace"), err.read_text(errors="replace"))
