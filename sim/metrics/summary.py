"""Summary over replications: mean and confidence interval of every KPI.

:func:`summarize` turns the stacked per-replication KPI frames (from
:func:`sim.metrics.kpis.replication_kpis`) into one row per ``(group, member,
kpi)`` with the Student-t interval of :func:`sim.metrics.stats.mean_ci`, computed
in one vectorised pass. :func:`summary_dict` reshapes that into the
``summary.json`` output contract::

    {"scenario": ..., "replications": n,
     "kpis": {KPI: {"mean": x, "ci95": [lo, hi]}},
     "by_channel": {name: {KPI: {...}}}, "by_pool": ..., "by_segment": ...,
     "by_intent": ...}

NaN becomes ``None`` (so the file is strict JSON) and floats are rounded to 10
significant digits, so a rerun gives a byte-identical file even when summation
order differs in the last bits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics.definitions import KPI_ORDER
from sim.metrics.stats import t_quantiles

__all__ = ["SUMMARY_COLUMNS", "summarize", "summary_dict"]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "group", "member", "kpi", "n", "mean", "std", "ci_low", "ci_high", "half_width",
)

#: summary.json section of each breakdown group.
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("channel", "by_channel"),
    ("pool", "by_pool"),
    ("segment", "by_segment"),
    ("intent", "by_intent"),
)
#: Sections written only when the records produce their group.
_OPTIONAL_SECTIONS: tuple[tuple[str, str], ...] = (("tenure", "by_tenure"),)


#: KPIs that are shares of something, so lie in [0, 1].
SHARE_KPIS = frozenset({
    "abandon_rate", "blocked_rate", "p_wait", "service_level", "utilization", "fcr",
    "recontact_rate", "containment_rate", "resolution_rate", "first_visit_fix_rate",
    "technician_utilization",
})


def kpi_range(name: str) -> tuple[float, float]:
    """The values a KPI can take: its confidence interval is clipped to this range.

    The Student-t interval is symmetric, so for a share near 0 or 1 (an abandon rate
    of 0.2 %) or a small time it can reach past what the KPI can be; the clipped
    interval states the same uncertainty without impossible values.
    """
    if name in SHARE_KPIS or name.endswith(("_rate", "_share")):
        return 0.0, 1.0
    if name == "effort_score":
        return 1.0, 7.0
    if (
        name in {"offered", "handled", "journeys", "outages"}
        or name.startswith(("cost", "days_"))
        or name.endswith(("_s", "per_journey", "_mean"))
        or "_s_p" in name
    ):
        return 0.0, math.inf
    return -math.inf, math.inf


def summarize(kpi_frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and Student-t confidence interval of every KPI over replications.

    Parameters
    ----------
    kpi_frame : pandas.DataFrame
        Stacked output of :func:`~sim.metrics.kpis.replication_kpis` (columns
        ``replication, group, member, kpi, value``), one block per replication.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, member, kpi, n, mean, std, ci_low, ci_high, half_width``,
        rows in order of first appearance. ``n`` counts non-NaN replications; with
        ``n < 2`` the interval is NaN, with ``n == 0`` the mean too. The confidence
        level is kept in ``attrs["confidence"]``.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    keys = ["group", "member", "kpi"]
    g = kpi_frame.groupby(keys, sort=False, dropna=False)["value"]
    agg = g.agg(n="count", mean="mean", std="std").reset_index()
    n = agg["n"].to_numpy(dtype=float)
    std = agg["std"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantiles(np.where(n >= 2, n - 1, np.nan), 0.5 + confidence / 2.0)
        half = np.where(n >= 2, t * std / np.sqrt(n), np.nan)
    mean = agg["mean"].to_numpy(dtype=float)
    bounds = [kpi_range(str(k)) for k in agg["kpi"]]
    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    out = pd.DataFrame(
        {
            "group": agg["group"].astype(object),
            "member": agg["member"].astype(object),
            "kpi": agg["kpi"].astype(object),
            "n": agg["n"].astype(np.int64),
            "mean": mean,
            "std": np.where(n >= 2, std, np.nan),
            "ci_low": np.maximum(mean - half, lo),
            "ci_high": np.minimum(mean + half, hi),
            "half_width": half,
        },
        columns=list(SUMMARY_COLUMNS),
    )
    out.attrs["confidence"] = confidence
    return out


def json_number(x: Any) -> float | None:
    """A number as summary.json writes it: NaN/inf -> None, 10 significant digits."""
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        return None
    return float(f"{v:.10g}")


def _kpi_order_key(names: list[str]) -> list[str]:
    """Known KPIs in display order, then any others in order of appearance."""
    known = [k for k in KPI_ORDER if k in names]
    return known + [k for k in names if k not in KPI_ORDER]


def kpi_block(rows: pd.DataFrame, ci_key: str,
              kpis: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """``{KPI: {"mean": x, ci_key: [lo, hi]}}`` of summary rows (one member's).

    ``kpis`` picks and orders the KPIs (those absent are skipped); default: all, known
    KPIs in display order first.
    """
    by_kpi = {str(r.kpi): r for r in rows.itertuples(index=False)}
    order = _kpi_order_key(list(by_kpi)) if kpis is None else [k for k in kpis if k in by_kpi]
    return {
        k: {"mean": json_number(by_kpi[k].mean),
            ci_key: [json_number(by_kpi[k].ci_low), json_number(by_kpi[k].ci_high)]}
        for k in order
    }


def summary_dict(
    summary_df: pd.DataFrame,
    scenario_name: str,
    replications: int,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Shape a :func:`summarize` frame as the ``summary.json`` output contract.

    Parameters
    ----------
    summary_df : pandas.DataFrame
        Output of :func:`summarize`.
    scenario_name : str
        The scenario's ``name``.
    replications : int
        Number of replications run.
    extra : mapping, optional
        Further top-level keys appended after the contract keys (e.g. a
        comparison block); may not reuse a contract key.

    Returns
    -------
    dict
        ``scenario``, ``replications``, ``kpis`` (group ``all``), then
        ``by_channel``, ``by_pool``, ``by_segment``, ``by_intent`` (members in the
        order of the frame, KPIs in :func:`~sim.metrics.kpis.kpi_names` order), and
        ``by_tenure`` (members ``pool/group``) when pools have tenure mixes.
        The interval key is ``"ci95"`` (``"ci90"`` etc. for other levels). Values
        are floats rounded to 10 significant digits or ``None`` for NaN, so
        ``json.dumps(..., allow_nan=False)`` succeeds.
    """
    confidence = float(summary_df.attrs.get("confidence", 0.95))
    ci_key = f"ci{round(confidence * 100):d}"
    out: dict[str, Any] = {
        "scenario": str(scenario_name),
        "replications": int(replications),
        "kpis": kpi_block(summary_df[summary_df["group"] == "all"], ci_key),
    }
    for group, section in _SECTIONS + _OPTIONAL_SECTIONS:
        rows = summary_df[summary_df["group"] == group]
        if rows.empty and (group, section) in _OPTIONAL_SECTIONS:
            continue
        members = list(dict.fromkeys(rows["member"].tolist()))
        out[section] = {
            str(m): kpi_block(rows[rows["member"] == m], ci_key) for m in members
        }
    for key, value in (extra or {}).items():
        if key in out:
            raise ValueError(f"extra key {key!r} would overwrite a summary.json contract key")
        out[key] = value
    return out
