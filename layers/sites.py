"""Layer: reserve boundaries."""

from geo.area import area
from geo.sites import township_name
from layers.encode import text_column
from layers.features import Popup, data_layer, entered
from layers.text import text

STYLE = {"color": "#1b7837", "weight": 2, "fillColor": "#5aae61", "fillOpacity": 0.15}


def sites_layer(sites, lang="zh"):
    """(layer, legend entry list) of the reserve polygons."""
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
        words=entered(lang),
    )
    return layer, [
        {"label": text("sites", lang), "color": STYLE["color"], "fill": STYLE["fillColor"]}
    ]
