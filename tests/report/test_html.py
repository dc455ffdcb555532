"""Structure of the three report pages: self-contained, accessible, complete."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from sim.report.format import HEADLINE_KPIS, label

from .conftest import Page

PNG = b"\x89PNG\r\n\x1a\n"
URL_ATTRS = ("src", "href", "srcset", "action", "formaction", "poster", "data", "background",
             "xlink:href", "ping", "manifest", "cite", "longdesc")


def check_self_contained(text: str, text_may_mention_urls: bool = False) -> Page:
    """Assert a page loads nothing from outside itself and runs nothing; return it parsed.

    With ``text_may_mention_urls`` (pages showing hostile scenario text), URLs may
    appear as escaped *text*, but never in markup: attributes and style sheets are
    checked on the parsed page.
    """
    assert "<script" not in text.lower()
    if not text_may_mention_urls:
        assert not re.search(r"https?://", text, re.IGNORECASE)
    page = Page(text)
    css = "".join(page.style_text)
    assert "@import" not in css and "@font-face" not in css
    assert not re.search(r"url\(", css), "CSS url() to a resource"
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            if name in URL_ATTRS:
                assert value.startswith(("data:", "#")), f"<{tag} {name}={value[:40]!r}>"
            if name == "style":
                assert "url(" not in value
        assert tag not in ("script", "iframe", "object", "embed", "link", "base", "frame")
    return page


def check_accessible(page: Page) -> None:
    """lang, one h1, real tables with scoped headers, images with alt and captions."""
    assert page.doctype.lower() == "doctype html"
    assert page.all("html")[0].get("lang") == "en"
    assert len(page.all("h1")) == 1
    assert page.all("h2"), "sections have headings"
    tables = page.all("table")
    assert tables
    ths = page.all("th")
    assert len(page.all("caption")) == len(tables)
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    assert all(a["scope"] == ("col" if where == "thead" else "row")
               for a, where in zip(ths, page.th_in, strict=True))
    imgs = page.all("img")
    assert len(page.all("figcaption")) == len(imgs) == len(page.all("figure"))
    for img in imgs:
        assert len(img.get("alt", "").strip()) > 40, "alt text states what the plot shows"
        assert re.search(r"\d", img["alt"]), "alt text carries numbers"
        src = img["src"]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
        assert img.get("width") and img.get("height")


def test_run_report_is_written_by_results_write(run_dir: Path) -> None:
    assert (run_dir / "report.html").is_file()
    pngs = sorted(p.name for p in (run_dir / "plots").glob("*.png"))
    assert {"intraday.png", "utilization.png", "latency.png", "stages.png"} <= set(pngs)
    for p in (run_dir / "plots").glob("*.png"):
        assert p.read_bytes().startswith(PNG)
    # the embedded images are the files written next to the page
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    embedded = {base64.b64decode(a["src"].split(",", 1)[1]) for a in Page(text).all("img")}
    assert embedded == {p.read_bytes() for p in (run_dir / "plots").glob("*.png")}


def test_run_report_structure(run_dir: Path, results: Any) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    page = check_self_contained(text)
    check_accessible(page)
    s = results.summary
    have = set(s[(s["group"] == "all") & s["mean"].notna()]["kpi"])
    shown = {a["data-kpi"] for a in page.all("div") if "data-kpi" in a}
    from sim.report.run_report import HIDE_WHEN_ZERO

    zero = set(s[(s["group"] == "all") & (s["mean"] == 0)]["kpi"])
    expected = {k for k in HEADLINE_KPIS if k in have and not (k in HIDE_WHEN_ZERO
                                                               and k in zero)}
    assert expected >= {"service_level", "abandon_rate", "asa_s", "utilization", "offered"}
    assert shown == expected
    for k in expected:
        assert label(k) in page.text
    assert page.text.count("95% CI") >= len(expected)
    # breakdown tables by channel, pool, segment and intent, with every member
    captions = " ".join(page.text_parts)
    for title in ("By channel", "By team (pool)", "By segment", "By contact reason"):
        assert title in captions
    for member in ("phone", "chat", "front", "chatters", "back", "retail", "premium",
                   "billing", "fault"):
        assert member in page.text
    # plain-language model description and the manifest
    assert "How this model works" in page.text
    for words in ("Warm-up", "Abandonment", "Routing", "leaves out", "confidence interval"):
        assert words in page.text
    manifest = results.manifest()
    for value in (manifest["scenario_hash"], str(results.scenario.seed), manifest["version"],
                  "servicesim run report-test.yaml"):
        assert value in page.text
    # seconds shown as durations, rates as percentages, clock times not raw seconds
    assert re.search(r"\d+(\.\d)?%", page.text)
    assert re.search(r"\d+(\.\d)? (s|min)\b", page.text)
    assert "Mon 08:" in page.text


def test_bottleneck_is_named(run_dir: Path) -> None:
    text = Page((run_dir / "report.html").read_text(encoding="utf-8")).text
    assert re.search(r"Bottleneck \(largest stage\): (Queue for|Service by) \w+, [\d.]+ (s|min)",
                     text)


def test_compare_report_structure(compare_dir: Path, comparison: Any) -> None:
    text = (compare_dir / "report.html").read_text(encoding="utf-8")
    page = check_self_contained(text)
    check_accessible(page)
    for lab in comparison.labels:
        assert lab in page.text
    # changed scenario fields, old -> new, as the planner wrote them
    assert "pools.front.size" in page.text and "intents.billing.handle_time.mean" in page.text
    assert "150s" in page.text
    # a verdict per KPI in words, with a symbol; never colour alone
    verdicts = [a for a in page.all("span") if "verdict" in a.get("class", "")]
    rows = comparison.table[(comparison.table["variant"] > 0)]
    assert len(verdicts) >= (rows["group"] == "all").sum() - 3
    assert re.search(r"\b(better|worse|no significant difference)\b", page.text)
    assert "Difference" in page.text and "CI narrower" in page.text
    assert comparison.table["verdict"].isin(["better"]).any()
    assert "✔ better" in page.text
    assert len(page.all("img")) >= 3
    assert "How this model works" in page.text and "common random numbers" in page.text


def test_sweep_report_structure(sweep_dir: Path) -> None:
    text = (sweep_dir / "report.html").read_text(encoding="utf-8")
    page = check_self_contained(text)
    check_accessible(page)
    assert "The answer" in page.text
    assert ("Cheapest point meeting all targets" in page.text
            or "No point of the sweep meets all the targets" in page.text)
    assert "pools.front.size" in page.text
    imgs = page.all("img")
    assert len(imgs) >= 4
    assert any("target service_level>=0.7" in a["alt"] or "Target: service_level>=0.7" in a["alt"]
               for a in imgs)
    assert "Meets targets" in page.text
    assert (sweep_dir / "plots" / "sweep_service_level.png").is_file()
    assert "How this model works" in page.text


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_reports_declare_a_strict_content_security_policy(kind: str, run_dir: Path,
                                                          compare_dir: Path,
                                                          sweep_dir: Path) -> None:
    out = {"run": run_dir, "compare": compare_dir, "sweep": sweep_dir}[kind]
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    csp = [a["content"] for a in page.all("meta")
           if a.get("http-equiv", "").lower() == "content-security-policy"]
    assert csp and "default-src 'none'" in csp[0] and "img-src data:" in csp[0]
