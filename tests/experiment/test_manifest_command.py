"""The manifest records the command a user would type to reproduce a run."""

from __future__ import annotations

import pytest

from sim.experiment import manifest


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/usr/local/bin/servicesim", "run", "a b.yaml"], "servicesim run 'a b.yaml'"),
        (["/repo/sim/__main__.py", "compare", "x.yaml", "y.yaml"],
         "servicesim compare x.yaml y.yaml"),
        (["/venv/lib/pytest/__main__.py", "-q"], "python API (/venv/lib/pytest/__main__.py)"),
        (["notebook.py"], "python API (notebook.py)"),
        ([], "python API"),
    ],
)
def test_default_command(monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: str) -> None:
    monkeypatch.setattr(manifest.sys, "argv", argv)
    assert manifest.default_command() == expected
