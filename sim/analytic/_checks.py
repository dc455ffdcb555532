"""Argument checks shared by the analytic formulas (clear ``ValueError`` messages)."""

from __future__ import annotations

import math
import operator


def check_servers(servers: object, name: str = "servers") -> int:
    """Return ``servers`` as an ``int >= 0`` or raise ``ValueError``."""
    if isinstance(servers, bool):
        raise ValueError(f"{name} must be a whole number >= 0, got {servers!r}")
    try:
        n = operator.index(servers)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a whole number >= 0, got {servers!r}") from None
    if n < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {servers!r}")
    return int(n)


def check_nonneg(name: str, value: float) -> float:
    """Return ``value`` as a finite float ``>= 0`` or raise ``ValueError``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return x


def check_positive(name: str, value: float) -> float:
    """Return ``value`` as a finite float ``> 0`` or raise ``ValueError``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x
