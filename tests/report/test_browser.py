"""The reports in a real browser: headless Chromium renders them, loads nothing else.

* ``chromium --headless --screenshot`` renders the run report to a non-trivial PNG
  (large, many colours: the page really rendered text, tables and figures);
* for each report kind (run, compare, sweep), over the Chrome DevTools Protocol
  (``--remote-debugging-pipe``, stdlib client in :mod:`tests.report.browser`):
  every network request is the page itself or one of its ``data:`` images; there
  is no console message, no log entry of level warning or error (a
  Content-Security-Policy violation would be one) and no uncaught exception;
  every image decoded; there are no scripts; and a screenshot of the rendered
  page is non-trivial.

A control page that does load a (local, unreachable) http image and logs a
console error proves the checker would notice. Skipped when Chromium is not
installed (CI installs it).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .browser import DevTools, chromium, screenshot

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed")


@pytest.fixture(scope="module")
def pages(run_dir: Path, compare_dir: Path, sweep_dir: Path) -> dict[str, Path]:
    return {"run": run_dir / "report.html", "compare": compare_dir / "report.html",
            "sweep": sweep_dir / "report.html"}


def _colours(png: bytes) -> int:
    from PIL import Image  # matplotlib's own dependency

    with Image.open(io.BytesIO(png)) as img:
        small = img.convert("RGB").resize((320, 500))
        return len(small.getcolors(maxcolors=320 * 500) or [])


def check_png(png: bytes, what: str) -> None:
    """A non-trivial rendering: a PNG, large, with many colours (text, tables, figures)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), what
    assert len(png) > 50_000, f"{what}: a rendered report, not a blank page"
    assert _colours(png) > 50, what


def test_screenshot_command(pages: dict[str, Path], tmp_path: Path) -> None:
    """``chromium --headless --screenshot`` (the command behind docs/report-screenshot.png)."""
    shot = tmp_path / "run.png"
    proc = screenshot(pages["run"], shot, tmp_path / "profile")
    try:
        _, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()  # only the process this test started
        proc.communicate()
        raise
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    check_png(shot.read_bytes(), "run report")


@pytest.fixture(scope="module")
def devtools(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with DevTools(tmp_path_factory.mktemp("cdp-profile")) as d:
        d.open()
        yield d


def check_visit(seen: dict[str, Any]) -> None:
    outside = [u for u in seen["requests"] if u != seen["url"] and not u.startswith("data:")]
    assert outside == [], f"requests outside the file: {outside}"
    assert seen["console"] == []
    assert seen["exceptions"] == []
    bad = [e for e in seen["logs"] if e.get("level") in ("warning", "error")]
    assert bad == [], bad


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_no_outside_requests_or_console_errors(kind: str, pages: dict[str, Path],
                                               devtools: DevTools) -> None:
    seen = devtools.visit(pages[kind])
    check_visit(seen)
    assert seen["requests"][0] == seen["url"]
    assert devtools.evaluate("document.documentElement.lang") == "en"
    assert devtools.evaluate("document.images.length") >= 3
    assert devtools.evaluate(
        "[...document.images].every(i => i.complete && i.naturalWidth > 100)")
    assert devtools.evaluate("document.scripts.length") == 0
    assert devtools.evaluate("document.querySelectorAll('table th[scope]').length") > 0
    check_png(devtools.capture(), f"{kind} report")


def test_the_checker_notices_a_leaky_page(tmp_path: Path, devtools: DevTools) -> None:
    page = tmp_path / "leaky.html"
    page.write_text("<!DOCTYPE html><html lang='en'><body><h1>leaky</h1>"
                    "<img src='http://127.0.0.1:9/x.png' alt='x'>"
                    "<script>console.error('boom')</script></body></html>")
    seen = devtools.visit(page)
    assert any(u.startswith("http://127.0.0.1:9/") for u in seen["requests"])
    assert seen["console"]
    with pytest.raises(AssertionError):
        check_visit(seen)
