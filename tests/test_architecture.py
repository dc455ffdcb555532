"""The house rules of the layout, checked on the source (DESIGN.md, "Rules of the house").

Data flows one way: scenario -> model -> records -> metrics -> report. These tests parse
every module under ``sim/`` and fail if an import crosses a layer the wrong way, or if
code draws random numbers outside the named numpy streams.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

#: package -> packages (under sim.) it must never import.
FORBIDDEN = {
    "scenario": ("model", "metrics", "experiment", "report", "calibrate", "commands", "cli"),
    "model": ("report", "experiment", "metrics", "calibrate", "commands", "cli"),
    "metrics": ("model", "experiment", "report", "commands", "cli"),
    "analytic": ("model", "experiment", "report", "calibrate", "commands", "cli"),
    "report": ("model", "commands", "cli"),
}

#: package -> third-party modules it must never import.
FORBIDDEN_THIRD_PARTY = {
    "metrics": ("simpy",),
    "scenario": ("simpy",),
    "analytic": ("simpy",),
}


def _modules() -> list[Path]:
    return sorted(p for p in SIM.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path, root: Path = SIM) -> list[tuple[str, int]]:
    """Absolute module names imported by a file under ``root``, with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node.lineno))
            found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _layer(path: Path) -> str:
    rel = path.relative_to(SIM)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SIM)))
def test_layers_import_one_way(path: Path) -> None:
    layer = _layer(path)
    banned = [f"sim.{b}" for b in FORBIDDEN.get(layer, ())]
    banned += list(FORBIDDEN_THIRD_PARTY.get(layer, ()))
    bad = [
        f"line {line}: {name}"
        for name, line in _imports(path)
        if any(name == b or name.startswith(b + ".") for b in banned)
    ]
    assert not bad, f"sim/{path.relative_to(SIM)} ({layer}) imports across layers: {bad}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SIM)))
def test_random_numbers_come_from_named_streams(path: Path) -> None:
    """No stdlib ``random`` and no legacy global ``np.random.*`` functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = {"default_rng", "Generator", "SeedSequence", "PCG64", "BitGenerator"}
    bad: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "random" for a in node.names):
            bad.append(f"line {node.lineno}: import random")
        if isinstance(node, ast.ImportFrom) and node.module == "random":
            bad.append(f"line {node.lineno}: from random import ...")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "random"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in {"np", "numpy"}
            and node.attr not in allowed
        ):
            bad.append(f"line {node.lineno}: np.random.{node.attr}")
    assert not bad, f"sim/{path.relative_to(SIM)}: {bad}"


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The import walker sees relative and absolute imports (so the tests above can fail)."""
    pkg = tmp_path / "sim" / "metrics"
    pkg.mkdir(parents=True)
    f = pkg / "bad.py"
    f.write_text("import simpy\nfrom ..model import world\nfrom sim.report import html\n")
    names = [n for n, _ in _imports(f, tmp_path / "sim")]
    assert "simpy" in names and "sim.model" in names and "sim.report" in names

