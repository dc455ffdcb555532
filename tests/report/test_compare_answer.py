"""The comparison report opens with the answer; verdicts are Holm-controlled and say so."""

from __future__ import annotations

from pathlib import Path

from .conftest import Page


def test_compare_report_opens_with_the_answer(compare_dir: Path) -> None:
    html = (compare_dir / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    sections = [a.get("id") for a in page.all("section")]
    assert sections[0] == "answer"
    text = page.text
    assert ("What changed: intents.billing.handle_time.mean: 3min → 150s; "
            "pools.front.size: 15 → 17.") in text
    assert "Holm's correction" in text
    # the first section holds the variant's significant changes or says there are none
    first = html[html.index('id="answer"'):html.index('id="verdicts"')]
    assert ("significant changes" in first) or ("No significant difference" in first)


def test_whole_operation_waits_are_labelled_live_channels(compare_dir: Path) -> None:
    text = Page((compare_dir / "report.html").read_text(encoding="utf-8")).text
    assert "Average speed of answer (live channels)" in text
    assert "Service level (live channels)" in text


def test_compare_json_records_the_multiplicity_rule(comparison, tmp_path: Path) -> None:
    import json

    out = comparison.write(tmp_path / "c")
    doc = json.loads((out / "compare.json").read_text())
    assert doc["multiplicity"]["method"] == "holm"
    assert doc["multiplicity"]["comparisons"] > 10
    t = comparison.table
    v = t[t["variant"] == 1]
    assert (v["p_holm"].dropna() >= v["p_value"].dropna() - 1e-12).all()
