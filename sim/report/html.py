"""The building blocks of a self-contained HTML report page.

A report is one HTML file a council member can open from a shared drive or an
e-mail: styles inline, figures embedded as ``data:`` URIs, no JavaScript, no web
fonts, no request to anywhere (a Content-Security-Policy in the page forbids
them, so even injected markup could not fetch or run anything). All text that
comes from a scenario or the command line passes through :func:`esc`.

Accessibility: ``lang="en"``, one ``<h1>`` and nested section headings, real
tables with ``<th scope>``, every image with a text alternative (also shown under
a "Text description" disclosure), verdicts in words *and* symbols (colour only
reinforces them), and colours with at least 4.5:1 contrast.
"""

from __future__ import annotations

import base64
import html
import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.report.format import fmt_duration

__all__ = [
    "esc",
    "figure_html",
    "load_manifest",
    "manifest_html",
    "page",
    "section",
    "table",
    "verdict_html",
]

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")

CSS = """
:root { --ink:#1a1a1a; --muted:#4a4a4a; --line:#c8c8c8; --band:#f3f5f7; --accent:#0b4f8a; }
* { box-sizing:border-box; }
body { margin:0; color:var(--ink); background:#fff; line-height:1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background:#0b3a63; color:#fff; padding:1.4rem 2rem 1.2rem; }
header.top h1 { margin:0 0 .3rem; font-size:1.75rem; }
header.top p { margin:.2rem 0; max-width:60rem; color:#f0f4f8; }
header.top .kind { text-transform:uppercase; letter-spacing:.08em; font-size:.8rem; color:#d6e4f0; }
main { padding:1rem 2rem 2rem; max-width:78rem; }
h2 { font-size:1.35rem; margin:2rem 0 .6rem; border-bottom:2px solid var(--accent);
  padding-bottom:.2rem; color:#0b3a63; }
h3 { font-size:1.1rem; margin:1.3rem 0 .4rem; }
p, li { max-width:62rem; }
.muted { color:var(--muted); }
dl.kpis { display:grid; grid-template-columns:repeat(auto-fill, minmax(13.5rem, 1fr));
  gap:.8rem; margin:.6rem 0 0; }
dl.kpis > div { border:1px solid var(--line); border-left:5px solid var(--accent);
  border-radius:4px; padding:.6rem .8rem; background:var(--band); }
dl.kpis dt { font-weight:600; font-size:.95rem; }
dl.kpis dd { margin:0; }
dl.kpis dd.value { font-size:1.6rem; font-weight:700; color:#0b3a63; }
dl.kpis dd.ci, dl.kpis dd.meaning { font-size:.85rem; color:var(--muted); }
div.scroll { overflow-x:auto; max-width:100%; }
div.scroll:focus { outline:2px solid var(--accent); }
table { border-collapse:collapse; margin:.5rem 0 1.2rem; font-size:.92rem; }
caption { text-align:left; font-weight:600; padding:.3rem 0; caption-side:top; }
th, td { border:1px solid var(--line); padding:.35rem .6rem; vertical-align:top; }
thead th { background:#e4ebf2; text-align:left; }
tbody th { text-align:left; font-weight:600; background:#fafbfc; }
tbody tr:nth-child(even) td { background:#f8f9fa; }
table.wide { font-size:.86rem; }
table.wide thead th { overflow-wrap:anywhere; min-width:5.5rem; }
table.wide tbody th, table.wide thead th:first-child { position:sticky; left:0; z-index:1; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.ci { color:var(--muted); font-size:.82rem; }
figure { margin:1rem 0 1.8rem; max-width:60rem; }
figure img { max-width:100%; height:auto; border:1px solid var(--line); }
figcaption { font-size:.92rem; margin-top:.3rem; }
details { font-size:.9rem; margin-top:.3rem; }
summary { cursor:pointer; color:var(--accent); }
.verdict { font-weight:700; white-space:nowrap; padding:.05rem .35rem; border-radius:3px; }
.verdict.better { color:#0a5a26; background:#e3f3e8; }
.verdict.worse { color:#9b1111; background:#fbe6e6; }
.verdict.neutral { color:#333; background:#eeeeee; }
.meets { font-weight:700; }
pre { background:var(--band); border:1px solid var(--line); padding:.7rem; overflow-x:auto;
  font-size:.85rem; max-width:62rem; white-space:pre-wrap; }
dl.manifest { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem;
  font-size:.9rem; }
dl.manifest > div { display:contents; }
dl.manifest dt { font-weight:600; }
dl.manifest dd { margin:0; word-break:break-all; font-family:ui-monospace, Menlo, Consolas,
  monospace; }
footer { padding:1rem 2rem 2rem; border-top:1px solid var(--line); color:var(--muted); }
.callout { border-left:5px solid #b35c00; background:#fff4e5; padding:.6rem .9rem;
  max-width:62rem; }
@media print { header.top { background:#fff; color:#000; } header.top p { color:#000; } }
"""


def esc(value: object) -> str:
    """HTML-escape any value for text or attribute content (quotes included)."""
    return html.escape(str(value), quote=True)


def page(title: str, body: str, *, kind: str = "", subtitle: str = "",
         description: str = "", footer: str = "") -> str:
    """Assemble the whole page; ``title``, ``subtitle`` and ``description`` are plain text.

    ``body`` and ``footer`` are HTML fragments (already escaped).
    """
    desc = "".join(f"<p>{esc(line)}</p>" for line in description.strip().splitlines()
                   if line.strip())
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        "<header class=\"top\">\n"
        + (f"<p class=\"kind\">{esc(kind)}</p>\n" if kind else "")
        + f"<h1>{esc(title)}</h1>\n"
        + (f"<p>{esc(subtitle)}</p>\n" if subtitle else "")
        + desc
        + "\n</header>\n<main>\n"
        + body
        + "\n</main>\n<footer>\n"
        + footer
        + "\n</footer>\n</body>\n</html>\n"
    )


def section(sid: str, heading: str, content: str, level: int = 2) -> str:
    """A ``<section>`` with a heading (plain text) and HTML content."""
    return (f"<section id=\"{esc(sid)}\" aria-labelledby=\"{esc(sid)}-h\">\n"
            f"<h{level} id=\"{esc(sid)}-h\">{esc(heading)}</h{level}>\n{content}\n</section>\n")


def table(caption: str, columns: Sequence[str], rows: Iterable[Sequence[str]],
          numeric: Sequence[bool] | None = None, row_headers: bool = True) -> str:
    """A data table: ``columns`` are plain text, ``rows`` hold HTML cells.

    The first cell of each row is a row header (``<th scope="row">``) when
    ``row_headers``; ``numeric[i]`` right-aligns column ``i``.
    """
    num = list(numeric) if numeric is not None else [False] * len(columns)
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f"<th scope=\"row\">{cell}</th>")
            else:
                cls = " class=\"num\"" if i < len(num) and num[i] else ""
                cells.append(f"<td{cls}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    # wide tables scroll sideways inside a focusable region (keyboard users can scroll)
    return (f"<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
            f"aria-label=\"{esc(caption)}\">\n"
            f"<table>\n<caption>{esc(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            "<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n</div>\n")


def value_ci(value: str, ci: str) -> str:
    """A table cell: the estimate with its 95% CI underneath (both plain text)."""
    return f"{esc(value)}<br><span class=\"ci\">{esc(ci)}</span>"


def _png_size(png: bytes) -> tuple[int, int] | None:
    if len(png) >= 24 and png[:8] == b"\x89PNG\r\n\x1a\n":
        w, h = struct.unpack(">II", png[16:24])
        return int(w), int(h)
    return None


def figure_html(title: str, caption: str, png: bytes, alt: str) -> str:
    """A ``<figure>`` with the PNG embedded as a data URI, alt text and caption."""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    size = _png_size(png)
    dims = f" width=\"{size[0]}\" height=\"{size[1]}\"" if size else ""
    return (f"<figure>\n<img src=\"{src}\" alt=\"{esc(alt)}\"{dims}>\n"
            f"<figcaption><strong>{esc(title)}.</strong> {esc(caption)}\n"
            f"<details><summary>Text description</summary><p>{esc(alt)}</p></details>"
            "</figcaption>\n</figure>\n")


VERDICT_SYMBOLS: dict[str, tuple[str, str]] = {
    "better": ("\u2714", "better"),
    "worse": ("\u2718", "worse"),
    "higher": ("\u25b2", "neutral"),
    "lower": ("\u25bc", "neutral"),
    "no significant difference": ("=", "neutral"),
    "baseline": ("\u2022", "neutral"),
    "n/a": ("?", "neutral"),
}


def verdict_html(verdict: str) -> str:
    """A verdict in words with a symbol; colour only reinforces it."""
    symbol, cls = VERDICT_SYMBOLS.get(verdict, ("", "neutral"))
    return (f"<span class=\"verdict {cls}\"><span aria-hidden=\"true\">{symbol}</span> "
            f"{esc(verdict)}</span>")


def load_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """``out_dir/manifest.json`` as a dict, or ``None`` if absent or unreadable."""
    path = Path(out_dir) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


MANIFEST_FIELDS: tuple[tuple[str, str], ...] = (
    ("scenario", "Scenario"),
    ("scenario_hash", "Scenario hash"),
    ("seed", "Seed"),
    ("replications", "Replications"),
    ("horizon_s", "Measured horizon"),
    ("warmup_s", "Warm-up"),
    ("version", "servicesim version"),
    ("timestamp", "Date (UTC)"),
    ("command", "Command"),
    ("wall_s", "Wall time"),
    ("executor", "Executor"),
    ("workers", "Workers"),
    ("platform", "Platform"),
)


def manifest_html(manifest: Mapping[str, Any] | None) -> str:
    """The run's manifest as a definition list (what made this report)."""
    if not manifest:
        return "<p class=\"muted\">No manifest was available for this report.</p>"
    items = []
    for key, name in MANIFEST_FIELDS:
        if key not in manifest or manifest[key] is None:
            continue
        value = manifest[key]
        if key in ("horizon_s", "warmup_s", "wall_s"):
            value = fmt_duration(float(value))
        items.append(f"<div><dt>{esc(name)}</dt><dd>{esc(value)}</dd></div>")
    versions = manifest.get("versions")
    if isinstance(versions, Mapping):
        text = ", ".join(f"{k} {v}" for k, v in versions.items())
        items.append(f"<div><dt>Library versions</dt><dd>{esc(text)}</dd></div>")
    for extra in ("overrides", "variants", "grid"):  # overrides: the run's --set changes
        if manifest.get(extra):
            text = json.dumps(manifest[extra], ensure_ascii=False)
            items.append(f"<div><dt>{esc(extra.capitalize())}</dt><dd>{esc(text)}</dd></div>")
    return "<dl class=\"manifest\">\n" + "\n".join(items) + "\n</dl>"
