"""The monthly report (月报): Word document with figures, charts and a map.

Needs the ``report`` extra (python-docx, matplotlib): ``pip install 'hailin[report]'``.
"""

from hailin.report.document import build_report, month_figures, write_report

__all__ = ["build_report", "month_figures", "write_report"]
