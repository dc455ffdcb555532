"""Reports: matplotlib figures and self-contained HTML pages a council can read.

* :func:`write_run_report` — one scenario's results (``report.html`` + ``plots/``);
* :func:`write_compare_report` — baseline and variants side by side, with verdicts;
* :func:`write_sweep_report` — KPIs against the swept settings, cheapest point
  meeting the targets.

Each page is one HTML file with inline styles and embedded images: no scripts,
no web fonts, no external requests (see :mod:`sim.report.html`).
"""

from sim.report.run_report import build_run_html, write_run_report

__all__ = ["build_run_html", "write_run_report"]
