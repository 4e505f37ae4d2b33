"""One GeoJSON layer per map layer, with popups and tooltips built here, escaped.

Leaflet shows a popup or tooltip string as HTML; patrol notes and plot ids come
from uploaded files, so every text is escaped in Python (:func:`layers.page.html_text`)
and the browser only ever receives markup hailin wrote.
"""

import geopandas
import numpy as np
import shapely.geometry

from geo.errors import ArgumentTypeError
from geo.sites import township_name
from layers.page import DataLayer, html_text


def popup_html(title, rows):
    """A popup: an escaped title and escaped (label, value) rows; rows without
    a value are left out.

    Examples
    --------
    >>> popup_html("Plot {{7*7}}", [("Team", "<b>A</b>"), ("Notes", None)])
    '<b>Plot &#123;&#123;7*7&#125;&#125;</b><br>Team: &lt;b&gt;A&lt;/b&gt;'
    """
    lines = [f"<b>{html_text(title)}</b>"]
    lines += [
        f"{html_text(label)}: {html_text(value)}" for label, value in rows if html_text(value) != ""
    ]
    return "<br>".join(lines)


def feature_layer(frame, name, styles, popups, tooltips, *, show=True, properties=None, radius=4):
    """A :class:`layers.page.DataLayer` of ``frame`` whose features carry their
    own style (a dict), popup (from a (title, [(label, value), ...]) pair, made
    into escaped HTML here by :func:`popup_html`) and tooltip (text, escaped
    here), plus extra ``properties`` (for the time control); points are circle
    markers of ``radius`` pixels."""
    if not isinstance(frame, geopandas.GeoDataFrame):
        raise ArgumentTypeError(f"'frame' should be GeoDataFrame, got {type(frame)}")
    geometries = geopandas.GeoSeries(
        np.asarray(frame.geometry.values, dtype=object), crs=frame.crs
    ).to_crs(4326)
    columns = {
        "style": list(styles),
        "popup": [popup_html(title, rows) for title, rows in popups],
        "tooltip": [html_text(t) for t in tooltips],
        **(properties or {}),
    }
    features = [
        {
            "type": "Feature",
            "geometry": None if geometry is None else shapely.geometry.mapping(geometry),
            "properties": dict(zip(columns, values, strict=True)),
        }
        for geometry, *values in zip(geometries, *columns.values(), strict=True)
    ]
    return DataLayer(
        {"type": "FeatureCollection", "features": features}, name, show=show, radius=radius
    )


def timed_plots_layer(
    plots: geopandas.GeoDataFrame,
    name: str,
    styles: list[dict],
    popups: list,
    tooltips: list[str],
    timelines: list,
) -> DataLayer:
    """A :func:`feature_layer` of plots the time control drives: each feature
    carries its ``plot_id`` and its ``timeline`` of [period, state] steps (see
    :class:`maps.controls.TimeControl`)."""
    return feature_layer(
        plots,
        name,
        styles,
        popups,
        tooltips,
        properties={"plot_id": plots["plot_id"].astype(str).tolist(), "timeline": timelines},
    )


def plot_rows(plot, lang, site_names=None):
    """The rows every plot popup starts with: site (by its name in ``lang``,
    from ``site_names``), township, area in mu and ha."""
    from layers.text import text

    return [
        (text("site", lang), (site_names or {}).get(plot.site, plot.site)),
        (text("township", lang), township_name(plot.township, lang)),
        (
            text("area", lang),
            f"{plot.area_mu:,.2f} {text('mu', lang)} ({plot.area_ha:,.3f} {text('ha', lang)})",
        ),
    ]
