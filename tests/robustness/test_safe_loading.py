"""Safe loading and safe outputs: a scenario file is data, never code, and no name
can make a run write outside the output folder it was given.

* YAML tags that build Python objects (``!!python/object/apply:os.system``) are
  refused before anything is constructed: the command never runs.
* Text that looks like code in a scenario (``{__import__('os')}``, ``$(rm -rf /)``)
  stays plain text all the way to ``summary.json`` and the manifest.
* ``sim.io.safe_output_path`` refuses ``..``, absolute names and symlinks out of
  the folder; the atomic writers replace a symlink planted at an output's name
  instead of writing through it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from unittest import mock

import pytest

from sim import io
from sim.scenario import ScenarioError, describe, load, load_text
from tests.robustness.fuzzing import cli_outcome, invoke
from tests.robustness.strategies import dump_yaml
from tests.scenario.helpers import MINIMAL

PAYLOADS = (
    '!!python/object/apply:os.system ["touch {target}"]',
    "!!python/object/apply:subprocess.check_call [[touch, {target}]]",
    '!!python/object/new:os.system ["touch {target}"]',
    "!!python/object/apply:builtins.exec [\"open('{target}', 'w').close()\"]",
    '!<tag:yaml.org,2002:python/object/apply:os.system> ["touch {target}"]',
)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", ["name", "pool size", "top level", "key"])
def test_python_tags_are_refused_and_never_run(payload: str, where: str,
                                               tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    tag = payload.format(target=target)
    text = {
        "name": MINIMAL.replace("name: Erlang C check", f"name: {tag}"),
        "pool size": MINIMAL.replace("size: 50", f"size: {tag}"),
        "top level": tag + "\n",
        "key": MINIMAL.replace("seed: 7", f"? {tag}\n: 7"),
    }[where]
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load(path)
    err = info.value
    assert ("not allowed" in err.message or "plain name" in err.message) and err.line
    assert str(err).startswith(f"{path}:{err.line}: ")
    for args in (["validate", str(path)],
                 ["run", str(path), "--executor", "serial", "--out", str(tmp_path / "o")]):
        outcome = cli_outcome(path, args)
        assert outcome.kind == "clean", outcome.detail
    assert not target.exists(), "the YAML tag ran a command"
    assert not (tmp_path / "o").exists()


def test_the_classic_payload_from_the_issue(tmp_path: Path) -> None:
    """Literally ``touch /tmp/pwned``: refused, and the file is not created."""
    if Path("/tmp/pwned").exists():
        pytest.skip("/tmp/pwned exists already; cannot tell")
    path = tmp_path / "evil.yaml"
    path.write_text(MINIMAL.replace("name: Erlang C check",
                                    'name: !!python/object/apply:os.system ["touch /tmp/pwned"]'))
    assert cli_outcome(path).kind == "clean"
    with pytest.raises(ScenarioError, match="python/object/apply:os.system"):
        load(path)
    assert not Path("/tmp/pwned").exists()


CODE_LIKE = (
    "{__import__('os').system('touch pwned')}",
    "$(rm -rf /)",
    "`rm -rf /`; touch pwned",
    "${HOME} %(name)s {0} {scenario.__class__}",
    "<script>alert('x')</script>",
    "'; DROP TABLE runs; --",
    "\u202eevil\u202c ünïcödé 🙂",
)


@pytest.mark.parametrize("text", CODE_LIKE)
def test_code_like_text_stays_plain_text(text: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = load_text(MINIMAL).raw
    data["name"] = text
    data["description"] = text
    data["intents"]["general"]["description"] = text
    path = tmp_path / "s.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    scenario = load(path)
    assert scenario.name == text and scenario.description == text
    assert scenario.intents["general"].description == text
    assert text in describe(scenario)
    scenario = scenario.with_changes({"horizon": "30min", "warmup": "0s"})
    path.write_text(dump_yaml(scenario.raw), encoding="utf-8")
    with mock.patch("sim.experiment.results.report_writer", return_value=None):
        result = invoke(["run", str(path), "--executor", "serial", "-n", "1", "--out",
                         str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["scenario"] == text
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["scenario"] == text
    assert not (tmp_path / "pwned").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]


@pytest.mark.parametrize("name", ["{__import__('os')}", "$(rm -rf /)", "../../etc", "a b"])
def test_code_like_names_are_refused_where_names_are_required(name: str) -> None:
    """Channel, intent and pool names are identifiers: anything else is a clean error."""
    text = MINIMAL.replace("agents:", json.dumps(name) + ":")
    with pytest.raises(ScenarioError, match="not a valid name"):
        load_text(text, file="s.yaml")


# --------------------------------------------------------------------- output paths


@pytest.mark.parametrize("name", [
    "../x", "../../etc/passwd", "a/../../x", "a/../..", "..", "/etc/passwd", "/tmp/x",
    "", ".", "./", "..\\x", "a\\..\\..\\x",
])
def test_safe_output_path_refuses_names_outside_the_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        io.safe_output_path(tmp_path / "out", name)


@pytest.mark.parametrize("name", ["summary.json", "plots/wait.png", "a/b/c.parquet",
                                  "..hidden", "x..y", ".summary.json.tmp"])
def test_safe_output_path_accepts_names_inside(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert io.safe_output_path(out, name) == out / name


def test_safe_output_path_refuses_symlinks_out(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "link").symlink_to(outside)
    (out / "file_link").symlink_to(outside / "victim.json")
    (out / "inner").symlink_to(out / "plots")  # a link that stays inside is fine
    for name in ("link/x.json", "link", "file_link"):
        with pytest.raises(ValueError, match="escapes"):
            io.safe_output_path(out, name)
    assert io.safe_output_path(out, "inner/x.png") == out / "inner" / "x.png"


def test_writers_replace_a_planted_symlink_instead_of_following_it(tmp_path: Path) -> None:
    """A symlink at an output's name (say, planted in a shared folder) is replaced by
    the new file: its target is neither overwritten nor lends the output its mode."""
    out, victim = tmp_path / "out", tmp_path / "victim.json"
    out.mkdir()
    victim.write_text("precious")
    victim.chmod(0o6777)  # setuid, setgid, world-writable: none of it may carry over
    (out / "summary.json").symlink_to(victim)
    io.write_json_atomic(out / "summary.json", {"ok": True})
    assert victim.read_text() == "precious"
    assert not (out / "summary.json").is_symlink()
    assert json.loads((out / "summary.json").read_text()) == {"ok": True}
    mode = stat.S_IMODE(os.stat(out / "summary.json").st_mode)
    assert mode == io.DEFAULT_FILE_MODE, oct(mode)


def test_an_existing_output_keeps_its_permissions_but_never_special_bits(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text("{}")
    path.chmod(0o4640)
    io.write_json_atomic(path, {"v": 2})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_huge_file_is_refused_quickly(tmp_path) -> None:
    """A file over the size cap is refused without reading it whole."""
    import time

    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import MAX_FILE_BYTES, load

    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.write(b"name: x\n")
        f.seek(MAX_FILE_BYTES * 4)
        f.write(b"\n")
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError, match="larger than 1 MiB"):
        load(big)
    assert time.perf_counter() - t0 < 1.0
