"""Run a benchmark's ``--child`` part in a fresh interpreter (memory and time figures of a
new process, not of the one that already imported and allocated everything)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_fresh(module: str, *args: str) -> dict:
    """``python -m <module> --child <args>`` from the repository root; the JSON object
    the child prints on its last line of output."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", module, "--child", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
