"""Atomic outputs under SIGKILL: a run killed at any moment leaves every output
file either absent, or complete: the previous run's version or the new one, never
a truncated or half-written file.

``sim.io`` writes each file to a hidden temporary name in the same folder
(``.NAME.XXXXXXXX.tmp``), fsyncs it and renames it over ``NAME``. A SIGKILL
cannot run cleanup code, so such a temporary file may remain, but it is hidden,
never carries an output's name, and is ignored by readers.

Setup: ``python -m sim run --seed 2`` gives the reference *new* version (to
compare bytes with) and a complete run with seed 1 the *previous* version. Then
ten trials start ``servicesim run --seed 2`` (the console script's ``main()`` in
a child forked from this warm process, to skip ~3 s of imports per trial) and
SIGKILL it: five at times spread from 0.2 s to the run's duration (most in its
writing phase), five as soon as the temporary file of a given output appears
(mid-write). Half the trials start in a folder holding the previous run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
import pytest

from tests.robustness.fuzzing import invoke
from tests.robustness.helpers import finish, start_cli, write_scenario

DATA = ("summary.json", "contacts.parquet", "journeys.parquet", "intervals.parquet")
OUTPUTS = (*DATA, "manifest.json", "report.html")
TEMP = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]+\.tmp$")
PNG_END = b"IEND\xaeB`\x82"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def is_complete(name: str, data: bytes, seed: int) -> bool:
    """``data`` is a whole, readable ``name`` (of a run with ``seed``)."""
    if name.endswith(".json"):
        doc = json.loads(data)
        return name != "manifest.json" or doc["seed"] == seed
    if name.endswith(".parquet"):
        import io

        pq.read_table(io.BytesIO(data))
        return True
    if name.endswith(".html"):
        return data.rstrip().endswith(b"</html>")
    if name.endswith(".png"):
        return data.startswith(b"\x89PNG") and data.endswith(PNG_END)
    return False


def check_folder(folder: Path, previous: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Problems with a killed run's folder (empty list: all files whole)."""
    problems = []
    files = snapshot(folder)
    problems += [f"{name}: the previous version is gone" for name in previous
                 if name not in files]
    for name, data in files.items():
        base = name.rsplit("/", 1)[-1]
        temp = TEMP.match(base)
        if temp:  # a leftover of the write the kill interrupted: hidden, named after it
            target = name.rsplit("/", 1)[0] + "/" + temp["name"] if "/" in name else temp["name"]
            if target not in new:
                problems.append(f"{name}: temporary file of an unknown output")
            continue
        if name not in new:
            problems.append(f"{name}: not an output of the run")
        elif data == previous.get(name) or data == new[name]:
            continue  # byte-identical to a complete version
        elif name in DATA:
            problems.append(f"{name}: neither the previous nor the new complete version "
                            f"({len(data)} bytes)")
        else:  # manifest, report and plots carry times: complete and of either run
            try:
                ok = is_complete(name, data, 2) or (name in previous
                                                    and is_complete(name, data, 1))
            except Exception as exc:  # noqa: BLE001 - unreadable: that is the finding
                ok, name = False, f"{name} ({type(exc).__name__}: {exc})"
            if not ok:
                problems.append(f"{name}: truncated or invalid ({len(data)} bytes)")
    return problems


def _child(argv: list[str]) -> None:  # pragma: no cover - runs in the forked child
    """The ``servicesim`` console script, in a child forked from this warm process."""
    import sys

    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    sys.argv = ["servicesim", *argv]
    from sim.cli import main

    main()


class Child:
    """``servicesim run ...`` forked from this process (no interpreter start-up, so a
    trial takes ~2 s instead of ~5 s); killed with SIGKILL by its pid."""

    def __init__(self, scenario: Path, out: Path, seed: int) -> None:
        import multiprocessing

        argv = ["run", str(scenario), "--out", str(out), "--seed", str(seed),
                "--executor", "serial", "--quiet"]
        self.proc = multiprocessing.get_context("fork").Process(target=_child, args=(argv,))
        self.started = time.perf_counter()
        self.proc.start()

    def running(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> bool:
        """SIGKILL the child if it still runs; True if it did (it died mid-run)."""
        alive = self.proc.is_alive()
        if alive:
            os.kill(self.proc.pid, signal.SIGKILL)  # only the child started here, by pid
        self.proc.join(30)
        return alive

    def finish(self) -> int | None:
        self.proc.join(120)
        return self.proc.exitcode


def _warm_up() -> None:
    """Import what a run imports, so that forked children start running at once."""
    import matplotlib

    matplotlib.use("Agg")
    import sim.cli  # noqa: F401
    import sim.experiment  # noqa: F401
    import sim.metrics  # noqa: F401
    import sim.model  # noqa: F401
    import sim.report  # noqa: F401


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("kill")
    scenario = write_scenario(tmp / "quick.yaml", "quickstart", horizon="8h", warmup="30min",
                              replications=2)
    # the reference new version: the real command line, in the background
    real = start_cli("run", scenario, "--out", tmp / "new", "--seed", 2, "--executor",
                     "serial", "--quiet")
    _warm_up()
    # the previous version, watched for when its first file appears
    child = Child(scenario, tmp / "previous", 1)
    first_write = None
    while child.running():
        if first_write is None and (tmp / "previous").exists() and any(
                (tmp / "previous").iterdir()):
            first_write = time.perf_counter() - child.started
        time.sleep(0.002)
    duration = time.perf_counter() - child.started
    assert child.finish() == 0
    yield {"tmp": tmp, "scenario": scenario, "previous": snapshot(tmp / "previous"),
           "real": real, "duration": duration, "first_write": first_write or duration / 2}
    if real.returncode is None:  # a test failed before waiting for it
        finish(real)


def reference_of(world: dict) -> dict[str, bytes]:
    """The new version, from ``python -m sim run --seed 2`` (waits for it once)."""
    if "reference" in world:
        return world["reference"]
    code, out, err = finish(world["real"])
    assert code == 0, out + err
    new = snapshot(world["tmp"] / "new")
    assert set(OUTPUTS) <= set(new), sorted(new)
    assert not any(TEMP.match(n.rsplit("/", 1)[-1]) for n in new), \
        "a complete run left temporary files"
    for name in DATA:
        assert world["previous"][name] != new[name], f"{name}: seeds 1 and 2 give the same bytes"
    world["reference"] = new
    return new


def _trials(world: dict) -> list[tuple[str, str, float | str, bool]]:
    """(name, how, when, with_previous): kill at a time, or when a temp file appears."""
    lo, hi, write = 0.2, world["duration"], world["first_write"]
    times = [lo, write + 0.0 * (hi - write), write + 0.3 * (hi - write),
             write + 0.6 * (hi - write), hi]  # 0.2 s .. the run's duration, mostly writing
    on_temp = ["summary.json", "contacts.parquet", "journeys.parquet", "manifest.json",
               "report.html"]
    trials: list[tuple[str, str, float | str, bool]] = [
        (f"at-{t:.2f}s", "time", t, i % 2 == 0) for i, t in enumerate(times)]
    trials += [(f"writing-{n}", "temp", n, i % 2 == 1) for i, n in enumerate(on_temp)]

    def expected_end(trial: tuple) -> float:  # pair trials of similar length
        _, how, when, _ = trial
        if how == "time":
            return float(when)
        return hi if when == "report.html" else write

    return sorted(trials, key=expected_end)


def _due(trial: tuple, out: Path, child: Child) -> bool:
    _, how, when, _ = trial
    if how == "time":
        return time.perf_counter() - child.started >= float(when)
    return out.exists() and any((m := TEMP.match(p.name)) is not None and m["name"] == when
                                for p in out.iterdir())


def test_sigkill_at_any_moment_leaves_only_whole_files(world: dict) -> None:
    trials = _trials(world)
    results = []
    # two at a time (the machine's cores), each watched and killed on its own cue
    for pair in (trials[i:i + 2] for i in range(0, len(trials), 2)):
        active = []
        for trial in pair:
            out = world["tmp"] / trial[0]
            if trial[3]:
                shutil.copytree(world["tmp"] / "previous", out)
            active.append((trial, out, Child(world["scenario"], out, 2)))
        deadline = time.perf_counter() + 3 * world["duration"] + 10
        while active and time.perf_counter() < deadline:
            for item in list(active):
                trial, out, child = item
                if not child.running() or _due(trial, out, child):
                    results.append((trial, out, child.kill()))
                    active.remove(item)
            time.sleep(0.001)
        for trial, out, child in active:
            results.append((trial, out, child.kill()))
    assert sum(killed for _, _, killed in results) >= 6, (  # most of the 10
        "most trials should die mid-run", [(t[0], k) for t, _, k in results])
    reference = reference_of(world)
    problems = []
    for (name, _, _, with_previous), out, _ in results:
        previous = world["previous"] if with_previous else {}
        problems += [f"{name}: {p}" for p in check_folder(out, previous, reference)]
    assert not problems, "\n".join(problems)


def test_a_killed_folder_is_overwritten_by_the_next_run(world: dict, tmp_path: Path) -> None:
    """Leftover temporary files do not disturb a rerun, which completes the folder."""
    reference = reference_of(world)
    out = tmp_path / "out"
    shutil.copytree(world["tmp"] / "previous", out)
    (out / ".summary.json.abcd1234.tmp").write_bytes(b'{"half": ')
    (out / "contacts.parquet").write_bytes(b"PAR1 truncated")  # as if written non-atomically
    with mock.patch("sim.experiment.results.report_writer", return_value=None):
        result = invoke(["run", str(world["scenario"]), "--out", str(out), "--seed", "2",
                         "--executor", "serial", "--quiet"])
    assert result.exit_code == 0, result.stdout + result.stderr
    for name in DATA:
        assert (out / name).read_bytes() == reference[name], name
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_the_checker_catches_a_truncated_file(world: dict, tmp_path: Path) -> None:
    """The folder check is not vacuous: a half-written output is reported."""
    reference = reference_of(world)
    out = tmp_path / "out"
    shutil.copytree(world["tmp"] / "new", out)
    assert check_folder(out, {}, reference) == []
    data = reference["contacts.parquet"]
    (out / "contacts.parquet").write_bytes(data[: len(data) // 2])
    (out / "report.html").write_bytes(reference["report.html"][:1000])
    (out / "contacts.parquet.tmp").write_bytes(b"x")  # a temp file not hidden
    problems = check_folder(out, {}, reference)
    assert len(problems) == 3, problems
    (out / "summary.json").unlink()  # gone, though a previous run had left it
    assert len(check_folder(out, {"summary.json": b"{}"}, reference)) == 4
