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
    # the report draws what experiments produced; it never imports them (no circle)
    "report": ("model", "experiment", "commands", "cli"),
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



# -- the model's parts: no import circles (DESIGN.md: "pass parts the few callbacks they
# need, keep data flowing one way") ---------------------------------------------------------

MODEL = SIM / "model"


def _module_name(path: Path, root: Path = SIM) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(package: Path, root: Path = SIM) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (TYPE_CHECKING imports
    included: ``ast.walk`` sees every import statement). ``from a import b`` imports the
    module ``a.b`` when there is one, else (a name defined in it) the module ``a``;
    importing a module does not count as importing its parent package (the implicit
    ``__init__`` run)."""
    files = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)
    names = {_module_name(p, root) for p in files}

    def module(name: str) -> str:  # the longest prefix that is a module of the package
        while name and name not in names:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for path in files:
        here = _module_name(path, root)
        package_parts = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {module(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import: resolve against the package
                    kept = package_parts[: len(package_parts) - (node.level - 1)]
                    base = ".".join(kept + ([node.module] if node.module else []))
                edges |= {module(f"{base}.{alias.name}") for alias in node.names}
        graph[here] = edges - {"", here}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per back edge of a depth-first walk."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


@pytest.mark.parametrize("path", sorted(MODEL.glob("*.py")), ids=lambda p: p.name)
def test_model_parts_do_not_import_the_world(path: Path) -> None:
    """Only the package's ``__init__`` (the public entry point) may import the world;
    parts get a :class:`sim.model.context.ModelContext` and explicit callbacks."""
    if path.name in ("__init__.py", "world.py"):
        return
    bad = [f"line {line}: {name}" for name, line in _imports(path)
           if name == "sim.model.world" or name.startswith("sim.model.world.")]
    assert not bad, f"sim/model/{path.name} imports the world: {bad}"


def test_model_import_graph_has_no_cycles() -> None:
    graph = _import_graph(MODEL)
    assert "sim.model.world" in graph and "sim.model.journeys" in graph["sim.model.world"]
    cycles = _cycles(graph)
    assert not cycles, "import cycles in sim.model: " + "; ".join(
        " -> ".join(c) for c in cycles)


def test_the_cycle_check_can_fail(tmp_path: Path) -> None:
    """A TYPE_CHECKING import back to the world is a cycle (so the test above can fail)."""
    pkg = tmp_path / "sim" / "model"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from sim.model.world import World\n")
    (pkg / "other.py").write_text("from sim.model import World, context\n")
    (pkg / "world.py").write_text("from sim.model.part import Part\n")
    (pkg / "part.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import context\n"
        "if TYPE_CHECKING:\n    from sim.model.world import World\n")
    (pkg / "context.py").write_text("import numpy as np\n")
    graph = _import_graph(pkg, tmp_path / "sim")
    assert graph["sim.model.part"] == {"sim.model.world", "sim.model.context"}
    assert graph["sim.model"] == {"sim.model.world"}
    assert graph["sim.model.other"] == {"sim.model", "sim.model.context"}
    assert _cycles(graph) == [["sim.model.world", "sim.model.part", "sim.model.world"]]
