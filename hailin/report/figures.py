"""The monthly report's pictures, drawn with matplotlib (Agg) into PNG bytes:
cumulative clearance against the target, planting by year, patrol effort by
mode, and a static map of clearance status with the month's new cases.

Chinese labels need a CJK font: the first of :data:`CJK_FONTS` installed is
used (Debian's fonts-noto-cjk gives Noto Sans CJK SC).
"""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.patches import Patch

from hailin.layers.clearance import STATUS_COLOURS, plot_statuses
from hailin.report.words import label
from hailin.surveys.schema import word

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")
DPI = 150
NEW_CASE_COLOUR = "#7b3294"


def cjk_font() -> str | None:
    """The name of the first installed font of :data:`CJK_FONTS`, or None.

    Examples
    --------
    >>> cjk_font() in (*CJK_FONTS, None)
    True
    """
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _figure(width=6.4, height=3.2):
    font = cjk_font()
    style: dict = {
        "font.sans-serif": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "axes.unicode_minus": False,
    }
    with plt.rc_context(style):
        figure, axes = plt.subplots(figsize=(width, height), dpi=DPI)
    return figure, axes, style


def _png(figure, style) -> bytes:
    buffer = io.BytesIO()
    with plt.rc_context(style):
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return buffer.getvalue()


def cumulative_chart(months, cumulative_mu, target_mu: float, lang: str) -> bytes:
    """Cumulative cleared mu by month against the programme's target (PNG).

    Examples
    --------
    >>> cumulative_chart(["2023-04", "2023-05"], [1332.4, 1883.6], 1883, "zh")[:4]
    b'\\x89PNG'
    """
    figure, axes, style = _figure()
    with plt.rc_context(style):
        axes.bar(months, cumulative_mu, color="#1a9850", label=label("cumulative_cleared", lang))
        if target_mu:
            axes.axhline(target_mu, color="#d73027", linestyle="--", label=label("target", lang))
        axes.set_ylabel(label("mu", lang))
        axes.set_title(label("chart_clearance", lang))
        axes.legend(loc="lower right")
        axes.tick_params(axis="x", labelrotation=45)
    return _png(figure, style)


def bar_chart(names, values, title: str, unit: str) -> bytes:
    """A bar chart of ``values`` by ``names`` (PNG).

    Examples
    --------
    >>> bar_chart(["城市联合巡护", "乡镇巡查"], [38, 385], "巡护次数", "次")[:4]
    b'\\x89PNG'
    """
    figure, axes, style = _figure()
    with plt.rc_context(style):
        bars = axes.bar([str(n) for n in names], values, color="#4575b4")
        axes.bar_label(bars, labels=[f"{v:,.0f}" for v in values])
        axes.set_ylabel(unit)
        axes.set_title(title)
    return _png(figure, style)


def status_map(sites, clearance, ledger, new_cases, lang: str) -> bytes:
    """A static map: reserves outlined, clearance plots filled by status, and
    the month's new cases (``new_cases``: geometries) marked (PNG).

    Coordinates are drawn in degrees with the aspect of their latitude.
    """
    figure, axes, style = _figure(6.4, 5.2)
    with plt.rc_context(style):
        sites.boundary.plot(ax=axes, color="#333333", linewidth=0.8)
        statuses = plot_statuses(clearance, ledger).to_numpy()
        handles = []
        for status, colour in STATUS_COLOURS.items():
            chosen = clearance[statuses == status]
            if len(chosen):
                chosen.plot(ax=axes, color=colour, edgecolor=colour, linewidth=0.3)
                handles.append(Patch(color=colour, label=word("status", status, lang)))
        if len(new_cases):
            points = new_cases.representative_point()
            axes.scatter(points.x, points.y, marker="*", s=90, color=NEW_CASE_COLOUR, zorder=5)
            handles.append(Patch(color=NEW_CASE_COLOUR, label=label("new_cases_month", lang)))
        middle = np.radians(np.mean(axes.get_ylim()))
        axes.set_aspect(1.0 / max(np.cos(middle), 0.1))
        axes.set_title(label("map_title", lang))
        axes.tick_params(labelsize=7)
        axes.ticklabel_format(useOffset=False, style="plain")
        axes.set_xlabel("")
        axes.set_ylabel("")
        if handles:
            axes.legend(handles=handles, loc="lower left", fontsize=7)
    return _png(figure, style)
