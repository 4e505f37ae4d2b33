"""Layer: reserve boundaries."""

from __future__ import annotations

import geopandas

from geo.area import area
from geo.sites import township_name
from layers.features import feature_layer
from layers.page import DataLayer
from layers.text import text

STYLE = {"color": "#1b7837", "weight": 2, "fillColor": "#5aae61", "fillOpacity": 0.15}


def sites_layer(sites: geopandas.GeoDataFrame, lang: str = "zh") -> tuple[DataLayer, list[dict]]:
    """The reserve polygons as a map layer; popups hold escaped text.

    Parameters
    ----------
    sites : GeoDataFrame
        The site registry (``name_zh``, ``name_en``, ``township``, polygons).
    lang : {"zh", "en"}
        The language of names and labels.

    Returns
    -------
    layer : DataLayer
        One feature per site, its popup giving the township and area in mu and ha.
    legend : list of dict
        The legend entry (label, colour, fill).

    Examples
    --------
    >>> from geo import load_sites
    >>> layer, legend = sites_layer(load_sites(), "en")
    >>> layer.features["features"][0]["properties"]["popup"]
    '<b>Kewan mangrove reserve</b><br>Township: Qianqi<br>Area: 760.0 mu (50.66 ha)'
    >>> legend
    [{'label': 'Reserve boundaries', 'color': '#1b7837', 'fill': '#5aae61'}]
    """
    sizes = area(sites, unit="mu")
    names = sites["name_zh"] if lang == "zh" else sites["name_en"]
    popups = [
        (
            name,
            [
                (text("township", lang), township_name(township, lang)),
                (
                    text("area", lang),
                    f"{mu:,.1f} {text('mu', lang)} ({mu / 15:,.2f} {text('ha', lang)})",
                ),
            ],
        )
        for name, township, mu in zip(names, sites["township"], sizes, strict=True)
    ]
    layer = feature_layer(sites, text("sites", lang), [STYLE] * len(sites), popups, names.tolist())
    return layer, [
        {"label": text("sites", lang), "color": STYLE["color"], "fill": STYLE["fillColor"]}
    ]
