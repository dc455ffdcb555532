"""The inputs of issue 19 ("Robustness, round two"), each a bundled scenario with one
field changed (or a file, a flag, a keystroke), pinned: none hangs, exhausts
memory or prints a traceback.

* hangs: an appointment slot or a parts recheck of 1e-300 s, random outages that
  cycle without end, 10,000 replications, a rate of 1e5/s, 15 MB YAML files, a FIFO;
* memory: a booking window of 1e308 s, no agents over a long horizon;
* tracebacks: slot and schedule intervals of 5e-324 s, gamma with a tiny cv, a
  certain handoff loop, an outage after the end, rich markup in names, lone
  surrogates in a description, a newline in a file name, Ctrl-C during a run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.scenario import load
from tests.robustness.fuzzing import cli_outcome, invoke
from tests.robustness.helpers import ROOT, cli_env, write_scenario

SCENARIOS = ROOT / "scenarios"

#: (example, dotted path, value, words of the error)
REFUSED = {
    "slot 1e-300s": ("field_operations", "channels.engineers.visits.slot", "1e-300s",
                     "shorter than 1ms"),
    "slot 5e-324s": ("field_operations", "channels.engineers.visits.slot", "5e-324s",
                     "shorter than 1ms"),
    "recheck 1e-300s": ("field_operations", "channels.engineers.visits.parts.recheck",
                        "1e-300s", "shorter than 1ms"),
    "booking window 1e308s": ("field_operations", "channels.engineers.visits.booking_window",
                              "1e308s", "longer than 10 years"),
    "booking window 1e300d": ("field_operations", "channels.engineers.visits.booking_window",
                              "1e300d", "longer than 10 years"),
    "booking window 1e9w": ("field_operations", "channels.engineers.visits.booking_window",
                            "1e9w", "longer than 10 years"),
    "mtbf 1e-300s": ("billing_outage", "outages[2].mtbf", "1e-300s", "shorter than 1ms"),
    "mtbf and mttr 0": ("billing_outage", "outages[2]",
                        {"target": "billing", "mtbf": {"dist": "deterministic", "value": 0},
                         "mttr": {"dist": "deterministic", "value": 0}}, "endless outages"),
    "rate 1e5/s": ("quickstart", "demand[0].rate", "1e5/s", "at most 1,000/s"),
    "schedule interval 5e-324s": ("chatbot_rollout", "pools.tier1.schedule.interval",
                                  "5e-324s", "shorter than 1ms"),
    "gamma cv 1e-200": ("quickstart", "intents.general.handle_time",
                        {"dist": "gamma", "mean": "1min", "cv": 1e-200}, "between 0.001"),
    "outage after the end": ("billing_outage", "outages[0].at", "day 300 10:00",
                             "never happen"),
    "surrogate in the description": ("quickstart", "description", "\ud800 lone",
                                     "lone surrogate"),
}


def _write(tmp: Path, example: str, path: str, value: object) -> Path:
    """``scenarios/<example>.yaml`` with one field changed, written without validating."""
    from tests.robustness.strategies import dump_yaml
    from tests.robustness.strategies import put as put_path

    raw = load(SCENARIOS / f"{example}.yaml").raw
    from sim.scenario.errors import parse_path

    dest = tmp / f"{example}.yaml"
    dest.write_text(dump_yaml(put_path(raw, tuple(parse_path(path)), value)), encoding="utf-8")
    return dest


@pytest.mark.parametrize("case", list(REFUSED))
def test_once_hanging_or_crashing_settings_are_one_clean_line(case: str,
                                                              tmp_path: Path) -> None:
    example, path, value, words = REFUSED[case]
    file = _write(tmp_path, example, path, value)
    t0 = time.perf_counter()
    result = invoke(["run", str(file), "--executor", "serial", "--out", str(tmp_path / "out")])
    assert time.perf_counter() - t0 < 2.0
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stdout + result.stderr
    assert lines[0].startswith(f"error: {file}:") and words in lines[0], lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()


def test_a_certain_handoff_loop_is_refused(tmp_path: Path) -> None:
    raw = load(SCENARIOS / "chatbot_rollout.yaml").raw
    raw["pools"]["tier1"]["handoffs"] = [{"to": "seniors", "probability": 1}]
    raw["pools"]["seniors"]["handoffs"] = [{"to": "tier1", "probability": 1}]
    from tests.robustness.strategies import dump_yaml

    file = tmp_path / "loop.yaml"
    file.write_text(dump_yaml(raw), encoding="utf-8")
    outcome = cli_outcome(file)
    assert outcome.kind == "clean" and "without end" in outcome.detail, outcome.detail


@pytest.mark.parametrize(("reps", "flag"), [(10_000, None), (None, "20000")])
def test_ten_thousand_replications_are_refused_at_once(reps: int | None, flag: str | None,
                                                       tmp_path: Path) -> None:
    changes = {"horizon": "1h", "warmup": "0s"}
    if reps is not None:
        changes["replications"] = reps
    file = write_scenario(tmp_path / "q.yaml", "quickstart", **changes)
    args = ["run", str(file), "--out", str(tmp_path / "out"), "--quiet"]
    t0 = time.perf_counter()
    result = invoke([*args, *(["-n", flag] if flag else [])])
    assert time.perf_counter() - t0 < 1.0
    assert result.exit_code == 2 and "--allow-large" in result.stderr
    assert "replications" in result.stderr and len(result.stderr.splitlines()) == 1


def test_no_agents_over_a_year_is_refused_before_allocating(tmp_path: Path) -> None:
    file = write_scenario(tmp_path / "q.yaml", "quickstart", horizon="365d",
                          **{"pools.agents.size": 0})
    t0 = time.perf_counter()
    result = invoke(["run", str(file), "--out", str(tmp_path / "out"), "--quiet"])
    assert time.perf_counter() - t0 < 1.0
    assert result.exit_code == 2 and "GiB of memory" in result.stderr, result.stderr


@pytest.mark.parametrize("kind", ["flow mapping", "many keys"])
def test_fifteen_megabyte_files_are_refused_at_once(kind: str, tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    n = 1_200_000
    text = ("{" + ", ".join(f"k{i}: {i}" for i in range(n)) + "}\n" if kind == "flow mapping"
            else "".join(f"key{i}: value{i}\n" for i in range(n)))
    file.write_text(text[: 15 * 2**20])
    t0 = time.perf_counter()
    outcome = cli_outcome(file)
    assert time.perf_counter() - t0 < 1.0
    assert outcome.kind == "clean" and "larger than 1 MiB" in outcome.detail


def test_many_keys_under_the_size_cap_are_refused_at_once(tmp_path: Path) -> None:
    file = tmp_path / "keys.yaml"
    file.write_text("".join(f"key{i}: value{i}\n" for i in range(40_000)))  # 0.6 MB
    t0 = time.perf_counter()
    outcome = cli_outcome(file)
    assert time.perf_counter() - t0 < 1.0
    assert outcome.kind == "clean" and "too many keys and values" in outcome.detail


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_with_no_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    t0 = time.perf_counter()
    outcome = cli_outcome(fifo)
    assert time.perf_counter() - t0 < 1.0
    assert outcome.kind == "clean" and "FIFO" in outcome.detail


def test_a_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    result = invoke(["validate", "/dev/zero"])
    assert result.exit_code == 2 and "a device, not a regular file" in result.stderr


def test_a_newline_in_the_file_name_keeps_the_error_on_one_line(tmp_path: Path) -> None:
    file = tmp_path / "bad\nname.yaml"
    file.write_text("name: x\n")
    result = invoke(["validate", str(file)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert "bad\\nname.yaml:1: horizon" in lines[0]


@pytest.mark.parametrize("name", ["bad [/] name", "x [/nonexistent] y [bold]loud :smile:"])
def test_markup_in_names_is_printed_literally(name: str, tmp_path: Path) -> None:
    a = write_scenario(tmp_path / "a.yaml", "quickstart", name=name, horizon="2h")
    b = write_scenario(tmp_path / "b.yaml", "quickstart", name=name + " 2", horizon="2h",
                       **{"pools.agents.size": 52})
    for args in (["run", str(a), "-n", "2"], ["compare", str(a), str(b), "-n", "2"],
                 ["sweep", str(a), "-n", "2", "--set", "pools.agents.size=50,51"],
                 ["validate", str(a)]):
        out = tmp_path / f"out-{args[0]}"
        extra = [] if args[0] == "validate" else ["--executor", "serial", "--out", str(out)]
        result = invoke([*args, *extra])
        text = result.stdout + result.stderr
        assert result.exit_code == 0, text[-2000:]
        assert "Traceback" not in text and result.exception is None
        if args[0] in ("run", "compare"):
            assert name in text, text[-1500:]


def test_csv_cells_that_look_like_formulas_are_defused(tmp_path: Path) -> None:
    a = write_scenario(tmp_path / "a.yaml", "quickstart", name="=HYPERLINK(1)", horizon="1h")
    b = write_scenario(tmp_path / "b.yaml", "quickstart", name="@SUM(A1)", horizon="1h",
                       **{"pools.agents.size": 52})
    out = tmp_path / "cmp"
    result = invoke(["compare", str(a), str(b), "-n", "2", "--executor", "serial",
                     "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.stderr
    text = (out / "compare.csv").read_text()
    assert "'=HYPERLINK(1)" in text and "'@SUM(A1)" in text
    assert not any(cell.startswith(("=", "+", "@")) for line in text.splitlines()
                   for cell in line.split(","))
    assert json.loads((out / "compare.json").read_text())["baseline"] == "=HYPERLINK(1)"


# -- Ctrl-C -------------------------------------------------------------------------


#: ``servicesim`` as the console script starts it (the command line module first, so
#: its Ctrl-C guard is in place before the heavy imports), without the HTML report.
PROGRAM = ("import sys; sys.argv[0] = 'servicesim'; import sim.cli\n{code}\n"
           "import sim.experiment.results as r; r.report_writer = lambda name: None\n"
           "sim.cli.main()")


def _program(code: str, *args: str | Path) -> subprocess.Popen[bytes]:
    """``servicesim ARGS`` in a child after ``code`` (patches), without the HTML report."""
    return subprocess.Popen([sys.executable, "-c", PROGRAM.format(code=code), *map(str, args)],
                            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _finish(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own session, started here
        proc.communicate()
        pytest.fail("the command hung after Ctrl-C")
    return proc.returncode, err.decode(errors="replace")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ctrlc")
    return write_scenario(tmp / "q.yaml", "quickstart", horizon="2h", warmup="0s",
                          replications=4)


#: Ctrl-C right where the pool of worker processes is shutting down (the moment that
#: once printed an OSError traceback, or hung).
AT_SHUTDOWN = (
    "import os, signal, concurrent.futures.process as p; shut = p.ProcessPoolExecutor.shutdown"
    "\ndef stop(self, wait=True, **kw):"
    "\n    if wait: os.kill(os.getpid(), signal.SIGINT)"
    "\n    return shut(self, wait=wait, **kw)"
    "\np.ProcessPoolExecutor.shutdown = stop"
)
#: Ctrl-C between two output files.
WHILE_WRITING = (
    "import os, signal, sim.io as io; write = io.write_bytes_atomic; calls = []"
    "\ndef once(path, data):"
    "\n    calls.append(path)"
    "\n    if len(calls) == 2: os.kill(os.getpid(), signal.SIGINT)"
    "\n    return write(path, data)"
    "\nio.write_bytes_atomic = once"
)
#: Ctrl-C where no command handles it (typer turns it into a silent exit 130).
OUTSIDE = ("import sim.commands.experiments as e"
           "\ndef stop(out): raise KeyboardInterrupt"
           "\ne.check_out_dir = stop")
#: Ctrl-C while the program is still importing.
IMPORTING = "import os, signal, time; os.kill(os.getpid(), signal.SIGINT); time.sleep(30)"


@pytest.mark.parametrize("when", ["at shutdown", "outside the commands", "while importing"])
def test_ctrl_c_is_one_line_and_exit_130(when: str, small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = {"at shutdown": AT_SHUTDOWN, "outside the commands": OUTSIDE,
            "while importing": IMPORTING}[when]
    proc = _program(code, "run", small, "--executor", "processes", "--workers", "2",
                    "--out", out, "--quiet")
    status, err = _finish(proc)
    assert status == 130 and "Traceback" not in err, err[-2000:]
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted"), err
    assert not out.exists()


def test_ctrl_c_while_writing_finishes_the_outputs_first(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    status, err = _finish(_program(WHILE_WRITING, "run", small, "--executor", "serial",
                                   "--out", out, "--quiet"))
    assert status == 130 and err.strip() == f"interrupted: the results were written " \
                                            f"completely to {out}", err[-2000:]
    assert json.loads((out / "summary.json").read_text())["replications"] == 4
    assert json.loads((out / "manifest.json").read_text())["seed"] == 7
    for table in ("contacts", "journeys", "intervals"):
        assert (out / f"{table}.parquet").stat().st_size > 0
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())


def test_ctrl_c_to_the_whole_process_group_at_any_moment(small: Path, tmp_path: Path) -> None:
    """As a terminal does it: SIGINT to the program and its workers, from start-up to
    the end of the run (the end once printed an OSError traceback, or hung)."""
    t0 = time.perf_counter()
    status, err = _finish(_program("pass", "run", small, "--executor", "processes",
                                   "--workers", "2", "--out", tmp_path / "ref", "--quiet"))
    duration = time.perf_counter() - t0
    assert status == 0, err
    for k, share in enumerate((0.15, 0.5, 0.8, 0.95)):
        out = tmp_path / f"out-{k}"
        proc = _program("pass", "run", small, "--executor", "processes", "--workers", "2",
                        "--out", out, "--quiet")
        time.sleep(share * duration)
        os.killpg(proc.pid, signal.SIGINT)  # the child's own session, started here
        status, err = _finish(proc)
        assert "Traceback" not in err, err[-2000:]
        if status == 0:  # it had finished: nothing to interrupt
            continue
        lines = err.splitlines()
        assert status == 130 and len(lines) == 1 and lines[0].startswith("interrupted"), \
            f"at {share:.0%} of {duration:.1f} s: exit {status}, {err!r}"


@pytest.mark.parametrize("args", [
    ["--rate", "1000/s", "--aht", "3650d"],
    ["--rate", "1000/s", "--aht", "3650d", "--patience", "1ms"],
    ["--rate", "1/s", "--aht", "10s", "--agents", "1000000000", "--patience", "3min"],
])
def test_absurd_erlang_questions_are_refused_at_once(args: list[str]) -> None:
    t0 = time.perf_counter()
    result = invoke(["erlang", *args])
    assert time.perf_counter() - t0 < 1.0
    assert result.exit_code == 2 and result.stderr.startswith("error: "), result.stderr


def test_staffing_an_absurd_load_is_refused(tmp_path: Path) -> None:
    file = write_scenario(tmp_path / "big.yaml", "quickstart", horizon="1h", **{
        "intents.general.handle_time": {"dist": "exponential", "mean": "3650d"},
        "demand[0].rate": "1000/s"})
    result = invoke(["staff", str(file), "--target", "service_level>=0.8", "-n", "2",
                     "--executor", "serial", "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2 and "Erlangs" in result.stderr, result.stderr


def test_a_sweep_grid_of_a_hundred_million_points_is_refused_at_once(tmp_path: Path) -> None:
    file = write_scenario(tmp_path / "q.yaml", "quickstart", horizon="1h")
    t0 = time.perf_counter()
    result = invoke(["sweep", str(file), "--set", "pools.agents.size=1:10000:1",
                     "--set", "seed=1:10000:1", "--executor", "serial",
                     "--out", str(tmp_path / "out"), "--quiet"])
    assert time.perf_counter() - t0 < 1.0
    assert result.exit_code == 2 and "100,000,000 points" in result.stderr, result.stderr


def test_a_sweep_whose_points_together_take_days_is_refused(tmp_path: Path) -> None:
    file = write_scenario(tmp_path / "q.yaml", "quickstart", horizon="30d", replications=40)
    result = invoke(["sweep", str(file), "--set", "pools.agents.size=40:139:1",
                     "--executor", "serial", "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2 and "together" in result.stderr, result.stderr
