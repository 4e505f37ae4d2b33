"""Layer: reserve boundaries."""

import html

import folium
import geopandas

from geo.area import area
from layers.text import text

STYLE = {"color": "#1b7837", "weight": 2, "fillColor": "#5aae61", "fillOpacity": 0.15}


def _popup_html(row, area_mu, lang):
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    lines = [
        f"<b>{html.escape(str(name))}</b>",
        f"{text('township', lang)}: {html.escape(str(row['township'] or ''))}",
        f"{text('area', lang)}: {area_mu:,.1f} {text('mu', lang)} "
        f"({area_mu / 15:,.2f} {text('ha', lang)})",
    ]
    return "<br>".join(lines)


def sites_layer(sites, lang="zh"):
    """A feature group of the reserve polygons and its legend entry.

    Popups and tooltips hold escaped text only.
    """
    if not isinstance(sites, geopandas.GeoDataFrame):
        raise TypeError(f"'sites' should be GeoDataFrame, got {type(sites)}")
    group = folium.FeatureGroup(name=text("sites", lang), show=True)
    areas = area(sites, unit="mu")
    for (index, row), area_mu in zip(sites.iterrows(), areas, strict=True):
        name = row["name_zh"] if lang == "zh" else row["name_en"]
        feature = folium.GeoJson(
            geopandas.GeoSeries([row.geometry], crs=sites.crs).to_json(),
            style_function=lambda _feature: STYLE,
            name=str(index),
        )
        folium.Popup(_popup_html(row, area_mu, lang), max_width=320).add_to(feature)
        folium.Tooltip(html.escape(str(name))).add_to(feature)
        feature.add_to(group)
    legend = {"label": text("sites", lang), "color": STYLE["color"], "fill": STYLE["fillColor"]}
    return group, legend
