"""Every notebook in ``notebooks/`` runs top to bottom, and is committed with cleared outputs.

The notebooks are executed with nbclient in a ``python3`` kernel, with the project
folder as working directory, exactly as a reader would run them (cell timeout 300 s).

Kernel: a fresh machine that ran ``pip install -e '.[dev]'`` has ipykernel's
``python3`` kernel spec in the environment's ``share/jupyter``, and jupyter_client
falls back to ipykernel's built-in spec for the running interpreter when there is
none. What can go wrong is a ``python3`` spec that belongs to *another* Python (a
user-level kernel of a different environment, without ``sim`` installed): then a
spec for this interpreter is installed into a temporary prefix that ``JUPYTER_PATH``
puts first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT_S = 300


def _is_this_python(argv0: str) -> bool:
    # jupyter_client launches a spec whose command is plain "python" (or
    # "python3", "python3.X") with the interpreter that runs the client.
    major, minor = sys.version_info[:2]
    if argv0 in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    try:
        return os.path.samefile(argv0, sys.executable)
    except OSError:
        return False


def _usable_spec() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return False
    return bool(spec.argv) and _is_this_python(spec.argv[0])


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``"python3"``, resolving to this interpreter (installed in a temp prefix if needed)."""
    with pytest.MonkeyPatch.context() as mp:
        if not _usable_spec():
            prefix = tmp_path_factory.mktemp("jupyter-prefix")
            subprocess.run(
                [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix),
                 "--name", KERNEL],
                check=True, capture_output=True, text=True, timeout=120,
            )
            share = prefix / "share" / "jupyter"
            mp.setenv("JUPYTER_PATH", os.pathsep.join(
                [str(share), *filter(None, [os.environ.get("JUPYTER_PATH")])]))
            assert _usable_spec(), "could not install a python3 kernel spec for this interpreter"
        yield KERNEL


def _tree(folder: Path) -> set[str]:
    """Files and folders directly in ``folder`` (ignoring caches)."""
    return {p.name for p in folder.iterdir() if p.name not in {"__pycache__", ".ipynb_checkpoints"}}


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_with_cleared_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.execution_count is None, f"{path.name} cell {i}: clear the outputs"
            assert cell.outputs == [], f"{path.name} cell {i}: clear the outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, kernel_name: str) -> None:
    nb = nbformat.read(path, as_version=4)
    before = {d: _tree(ROOT / d) for d in (".", "notebooks", "scenarios")}
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name=kernel_name,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on an error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    after = {d: _tree(ROOT / d) for d in before}
    assert after == before, "the notebook must write its files only under a temporary folder"
