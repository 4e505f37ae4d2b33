"""Layer: reserve boundaries."""

from __future__ import annotations

import geopandas

from hailin.geo.area import area
from hailin.geo.sites import township_name
from hailin.layers.encode import text_column
from hailin.layers.features import Popup, data_layer, entered
from hailin.layers.page import DataLayer
from hailin.layers.text import text

# A dark outline and a near-white fill: no colour of the data layers is near them
# (tests/test_map_colours.py), and the names are written on the map.
STYLE = {"color": "#005b40", "weight": 2.5, "fillColor": "#f8fffa", "fillOpacity": 0.25}


def sites_layer(sites: geopandas.GeoDataFrame, lang: str = "zh") -> tuple[DataLayer, list[dict]]:
    """The reserve polygons as a map layer; popups are built in the browser as text.

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
    >>> from hailin.geo import load_sites
    >>> layer, legend = sites_layer(load_sites(), "en")
    >>> layer.layer_name, layer.count
    ('Reserve boundaries', 3)
    >>> legend
    [{'label': 'Reserve boundaries', 'color': '#005b40', 'fill': '#f8fffa'}]
    """
    sizes = area(sites, unit="mu")
    names = sites["name_zh"] if lang == "zh" else sites["name_en"]
    english = lang == "en"
    columns = {
        "site_id": text_column(sites["site_id"].astype(str)),
        "name": text_column(names, entered=english),
        "township": text_column(
            [township_name(t, lang) for t in sites["township"]], entered=english
        ),
        "area": text_column(
            [f"{mu:,.1f} {text('mu', lang)} ({mu / 15:,.2f} {text('ha', lang)})" for mu in sizes]
        ),
    }
    popup = Popup("", "name", [(text("township", lang), "township"), (text("area", lang), "area")])
    layer = data_layer(
        sites,
        text("sites", lang),
        columns,
        popup,
        ["name"],
        {"base": STYLE},
        ids="site_id",
        labels="name",
        words=entered(lang),
    )
    return layer, [
        {"label": text("sites", lang), "color": STYLE["color"], "fill": STYLE["fillColor"]}
    ]
