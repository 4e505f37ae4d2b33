"""One GeoJSON layer per map layer, with popups and tooltips built here, escaped.

folium's ``Popup(str)`` and ``GeoJsonPopup`` insert raw HTML; patrol notes and
plot ids come from uploaded files, so every text is escaped in Python and the
browser only ever receives markup hailin wrote.
"""

import html
import json

import folium
import geopandas
import numpy as np
import pandas as pd
from folium.utilities import JsCode

_BIND = JsCode(
    """function(feature, layer) {
        if (feature.properties.popup) { layer.bindPopup(feature.properties.popup, {maxWidth: 360}); }
        if (feature.properties.tooltip) { layer.bindTooltip(feature.properties.tooltip); }
    }"""
)


def escape(value):
    """Text of any value, HTML-escaped; missing values as an empty string."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def popup_html(title, rows):
    """A popup: an escaped title and escaped (label, value) rows."""
    lines = [f"<b>{escape(title)}</b>"]
    lines += [
        f"{escape(label)}: {escape(value)}" for label, value in rows if value not in (None, "")
    ]
    return "<br>".join(lines)


def feature_layer(
    frame, name, styles, popups, tooltips, *, show=True, properties=None, marker=None
):
    """A folium GeoJson layer of ``frame`` whose features carry their own style,
    popup (escaped HTML) and tooltip (escaped text), plus extra ``properties``
    (for the time control)."""
    if not isinstance(frame, geopandas.GeoDataFrame):
        raise TypeError(f"'frame' should be GeoDataFrame, got {type(frame)}")
    data = geopandas.GeoDataFrame(
        {
            "style": [json.dumps(s) for s in styles],
            "popup": list(popups),
            "tooltip": [escape(t) for t in tooltips],
            **(properties or {}),
        },
        geometry=np.asarray(frame.geometry.values, dtype=object),
        crs=frame.crs,
    ).to_crs(4326)
    return folium.GeoJson(
        data.to_json(drop_id=True),
        name=name,
        show=show,
        style_function=lambda feature: json.loads(feature["properties"]["style"]),
        on_each_feature=_BIND,
        marker=marker,
    )


def plot_rows(plot, lang, site_names=None):
    """The rows every plot popup starts with: site, township, area in mu and ha."""
    from layers.text import text

    return [
        (text("site", lang), (site_names or {}).get(plot.site, plot.site)),
        (text("township", lang), plot.township),
        (
            text("area", lang),
            f"{plot.area_mu:,.2f} {text('mu', lang)} ({plot.area_ha:,.3f} {text('ha', lang)})",
        ),
    ]
