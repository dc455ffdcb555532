"""Reports: matplotlib figures and self-contained HTML pages a council can read.

* :func:`write_run_report` — one scenario's results (``report.html`` + ``plots/``);
* :func:`write_compare_report` — baseline and variants side by side, with verdicts;
* :func:`write_sweep_report` — KPIs against the swept settings, and the cheapest
  point meeting the targets.

Each page is one HTML file with inline styles and embedded images: no scripts,
no web fonts, no external requests (see :mod:`sim.report.html`). Matplotlib is
imported only when a figure is drawn.
"""

from sim.report.compare_report import build_compare_html, scenario_diff, write_compare_report
from sim.report.run_report import build_run_html, write_run_report
from sim.report.sweep_report import build_sweep_html, write_sweep_report
from sim.report.targets import cheapest_point, parse_targets

__all__ = [
    "build_compare_html",
    "build_run_html",
    "build_sweep_html",
    "cheapest_point",
    "parse_targets",
    "scenario_diff",
    "write_compare_report",
    "write_run_report",
    "write_sweep_report",
]
