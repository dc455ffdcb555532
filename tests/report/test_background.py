"""Figures drawn in the helper process are the figures drawn in-process (issue 20)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment import run
from sim.metrics import RowTable
from sim.report.background import FigureHelper
from sim.report.plots import run_figures
from sim.report.stages import _in_journeys, stage_breakdown

from .conftest import small


def _key(plots: list[Any]) -> list[tuple[str, str, str, bytes, str]]:
    return [(p.key, p.title, p.caption, p.figure.png, p.figure.alt) for p in plots]


def test_helper_draws_the_same_figures(results: Any) -> None:
    with FigureHelper() as helper:
        drawn = helper.submit(results).result()
    assert _key(drawn) == _key(run_figures(results))


def test_two_helpers_draw_the_same_figures(results: Any) -> None:
    with FigureHelper(processes=2) as helper:
        drawn = helper.submit(results).result()
    assert _key(drawn) == _key(run_figures(results))


def test_helper_that_cannot_be_used_draws_in_process(results: Any) -> None:
    helper = FigureHelper()
    helper.close()  # as if fork were not available, or the helper had died
    assert _key(helper.submit(results).result()) == _key(run_figures(results))


def test_unused_helper_stops_at_once() -> None:
    with FigureHelper() as helper:
        procs = [proc for _, proc in helper._helpers]
    assert not any(proc.is_alive() for proc in procs)


def test_contacts_of_journeys_mask_is_the_inner_merge(results: Any) -> None:
    c, j = results.contacts, results.journeys
    pop = j[j["resolved"].astype(bool)]
    merged = c.merge(pop[["replication", "journey_id"]], on=["replication", "journey_id"])
    picked = c[_in_journeys(c, pop)].reset_index(drop=True)
    assert picked.equals(merged)
    assert stage_breakdown(results) is not None


def test_figure_inputs_decode_only_the_columns_the_figures_read() -> None:
    """The command hands the helper the figures' inputs without decoding the contact
    and journey tables (it writes them from their compact columns); the inputs are
    those the whole tables give."""
    import numpy as np

    from sim.experiment import run
    from sim.metrics.row_table import RowTable
    from sim.report.plots import _INPUTS, light_results
    from sim.report.queues import customer_queue_means
    from sim.report.stages import latency_sample

    from .conftest import small

    fresh = run(small(), executor="serial")
    assert isinstance(fresh.kept("contacts"), RowTable)
    inputs = getattr(light_results(fresh), _INPUTS)
    assert isinstance(fresh.kept("contacts"), RowTable)  # still undecoded
    assert isinstance(fresh.kept("journeys"), RowTable)
    sample, what = latency_sample(fresh)  # from the whole (decoded) tables
    assert inputs["latency"][1] == what and np.array_equal(inputs["latency"][0], sample)
    assert inputs["queue_means"].equals(customer_queue_means(fresh))
    assert inputs["stages"].equals(stage_breakdown(fresh))


def test_writing_a_run_with_the_helper_decodes_no_whole_table(tmp_path: Path) -> None:
    """The figures' inputs read a few columns of the contact and journey tables, decoded
    for them alone: the run keeps its tables compact (issue 20), and the figures are
    those drawn from the whole tables."""
    res = run(small(), executor="serial")
    with FigureHelper() as helper:
        res.write(tmp_path, figures=helper)
    assert isinstance(res.kept("contacts"), RowTable)
    assert isinstance(res.kept("journeys"), RowTable)
    assert (tmp_path / "report.html").exists()
    with FigureHelper() as helper:
        drawn = helper.submit(res).result()
    assert _key(drawn) == _key(run_figures(res))  # decodes them: the same figures
    assert isinstance(res.kept("journeys"), pd.DataFrame)
