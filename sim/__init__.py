"""servicesim: discrete-event simulation of service operations.

The notebook API: ``sim.load(path)``, ``sim.run(scenario, ...)``,
``sim.compare([...])``, ``sim.sweep(scenario, grid, out_dir)``; see :mod:`sim.api`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("load", "run", "compare", "sweep")


def __getattr__(name: str) -> Any:
    # Imported on first use so that ``import sim`` (and every worker process) stays light.
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = ["__version__", *_API]
