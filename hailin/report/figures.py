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
from matplotlib import font_manager, patheffects
from matplotlib.artist import Artist
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hailin.geo.output_crs import output_crs
from hailin.layers.clearance import STATUS_COLOURS, plot_statuses
from hailin.report.words import label
from hailin.surveys.schema import word

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")
DPI = 150
NEW_CASE_COLOUR = "#7b3294"
SITE_COLOUR = "#1b7837"  # the reserves' outline on the web maps


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


def _north_arrow(axes, lang: str) -> None:
    """A north arrow in the top right corner (the map's grid north: the
    Gauss-Krüger zone's, within a degree of true north on the coast)."""
    axes.annotate(
        label("north", lang), xy=(0.94, 0.97), xytext=(0.94, 0.84), xycoords="axes fraction",
        ha="center", va="center", fontsize=9, fontweight="bold",
        arrowprops={"facecolor": "black", "edgecolor": "black", "width": 3, "headwidth": 9},
    )  # fmt: skip


def _site_labels(axes, sites, names: dict) -> None:
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for site_id, place in zip(sites["site_id"], sites.representative_point(), strict=True):
        axes.annotate(
            names.get(site_id, site_id), (place.x, place.y), ha="center", va="center",
            fontsize=7, color="#1b4d1b", path_effects=halo, zorder=6,
        )  # fmt: skip


def status_map(sites, clearance, ledger, new_cases, lang: str, site_names=None) -> bytes:
    """A static map: reserves outlined and named, clearance plots filled by
    status, and the month's new cases (``new_cases``: geometries) marked; in
    the Gauss-Krüger zone's metres with a scale bar, a north arrow and a
    legend, no degree axes (PNG).
    """
    from matplotlib_scalebar.scalebar import ScaleBar

    crs = output_crs("gk3-noprefix", sites)
    sites, clearance = sites.to_crs(crs), clearance.to_crs(crs)
    figure, axes, style = _figure(6.2, 6.2)
    with plt.rc_context(style):
        sites.boundary.plot(ax=axes, color=SITE_COLOUR, linewidth=0.9)
        handles: list[Artist] = [
            Line2D([], [], color=SITE_COLOUR, label=label("sites_legend", lang))
        ]
        statuses = plot_statuses(clearance, ledger).to_numpy()
        for status, colour in STATUS_COLOURS.items():
            chosen = clearance[statuses == status]
            if len(chosen):
                chosen.plot(ax=axes, color=colour, edgecolor=colour, linewidth=0.3)
                handles.append(Patch(color=colour, label=word("status", status, lang)))
        if len(new_cases):
            points = new_cases.to_crs(crs).representative_point()
            axes.scatter(points.x, points.y, marker="*", s=90, color=NEW_CASE_COLOUR, zorder=5)
            handles.append(Patch(color=NEW_CASE_COLOUR, label=label("new_cases_month", lang)))
        _site_labels(axes, sites, site_names or {})
        axes.set_aspect("equal")
        axes.set_axis_off()
        axes.set_title(label("map_title", lang))
        axes.add_artist(ScaleBar(1, units="m", location="lower right", length_fraction=0.25,
                                 box_alpha=0.8, font_properties={"size": 7}))  # fmt: skip
        _north_arrow(axes, lang)
        axes.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    return _png(figure, style)
