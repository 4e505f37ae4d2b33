"""Layer: reserve boundaries."""

from geo.area import area
from geo.sites import township_name
from layers.features import feature_layer
from layers.text import text

STYLE = {"color": "#1b7837", "weight": 2, "fillColor": "#5aae61", "fillOpacity": 0.15}


def sites_layer(sites, lang="zh"):
    """(layer, legend entry list) of the reserve polygons; popups hold escaped text."""
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
