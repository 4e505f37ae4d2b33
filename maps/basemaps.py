"""The basemaps a hailin map offers, and the layers that draw them.

Tianditu (天地图, the national basemap, CGCS2000 ≈ WGS84 at map scale) vector
and imagery with their annotation layers, Gaode (高德) road map and satellite
imagery (GCJ-02: overlays are drawn shifted while one is shown, see
``maps/frame.js``), OpenStreetMap and Esri World Imagery. Tianditu needs a key
(``[maps] tianditu_key`` in hailin.toml or ``$TIANDITU_KEY``); without one its
basemaps are not offered and no Tianditu address is written into the page.

Each basemap is one entry of Leaflet's layer control (its base layers), drawn
by a :class:`hailin.maps.basemap_layer.BasemapLayer`: a group of tile layers whose
options are hailin's own constants, written into the page as JSON. This module
imports no folium, so the command line can offer the names at once.
"""

import dataclasses
import os

from hailin.maps.errors import MapError
from hailin.surveys.settings import tianditu_key_problem

TIANDITU_ENV = "TIANDITU_KEY"
KEY_HELP = "a free browser key from https://console.tianditu.gov.cn"


@dataclasses.dataclass(frozen=True)
class Basemap:
    """A basemap: its name on the command line, its label per language, the
    datum its tiles are drawn in, and whether it needs the Tianditu key."""

    name: str
    label: dict
    datum: str
    needs_key: bool = False

    def tiles(self, lang, key=None):
        """[(url, options)] of its tile layers, bottom first."""
        return _TILES[self.name](lang, key)


def _osm(lang, key):
    return [
        (
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            {
                "maxNativeZoom": 19,
                "maxZoom": 20,
                "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
                "OpenStreetMap</a> contributors",
            },
        )
    ]


def _esri(lang, key):
    return [
        (
            "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
            {
                "maxNativeZoom": 19,
                "maxZoom": 20,
                "attribution": "Tiles &copy; Esri &mdash; Source: Esri, i-cubed, USDA, USGS, AEX, "
                "GeoEye, Getmapping, Aerogrid, IGN, IGP, UPR-EGP, and the GIS User Community",
            },
        )
    ]


_GAODE_ATTRIBUTION = {
    "zh": '&copy; <a href="https://www.amap.com/">高德地图</a>',
    "en": '&copy; <a href="https://www.amap.com/">AutoNavi (Gaode)</a>',
}
_GAODE = {"subdomains": "1234", "maxNativeZoom": 18, "maxZoom": 20}


def _gaode(lang, key):
    words = "zh_cn" if lang == "zh" else "en"
    return [
        (
            f"https://webrd0{{s}}.is.autonavi.com/appmaptile?lang={words}&size=1&scale=1"
            "&style=8&x={x}&y={y}&z={z}",
            {**_GAODE, "attribution": _GAODE_ATTRIBUTION[lang]},
        )
    ]


def _gaode_imagery(lang, key):
    return [
        (
            "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
            {**_GAODE, "attribution": _GAODE_ATTRIBUTION[lang]},
        ),
        # Roads and place names over the imagery.
        ("https://webst0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}", _GAODE),
    ]


_TIANDITU_ATTRIBUTION = {
    "zh": '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>',
    "en": '&copy; <a href="https://www.tianditu.gov.cn/">Tianditu</a>',
}


def _tianditu_layer(layer, key):
    """A Tianditu WMTS layer in Web Mercator (``_w``), addressed as XYZ tiles."""
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
    )


def _tianditu(base, labels):
    def tiles(lang, key):
        if not key:
            raise MapError(tianditu_missing())
        options = {"subdomains": "01234567", "maxNativeZoom": 18, "maxZoom": 20}
        # Chinese annotation on a zh map, English (eva/eia) on an en map.
        annotation = labels[0] if lang == "zh" else labels[1]
        return [
            (_tianditu_layer(base, key), {**options, "attribution": _TIANDITU_ATTRIBUTION[lang]}),
            (_tianditu_layer(annotation, key), options),
        ]

    return tiles


_TILES = {
    "tianditu": _tianditu("vec", ("cva", "eva")),
    "tianditu-imagery": _tianditu("img", ("cia", "eia")),
    "gaode": _gaode,
    "gaode-imagery": _gaode_imagery,
    "osm": _osm,
    "esri-imagery": _esri,
}

BASEMAPS = {
    b.name: b
    for b in (
        Basemap("tianditu", {"zh": "天地图 矢量", "en": "Tianditu map"}, "wgs84", True),
        Basemap("tianditu-imagery", {"zh": "天地图 影像", "en": "Tianditu imagery"}, "wgs84", True),
        Basemap("gaode", {"zh": "高德地图", "en": "Gaode map"}, "gcj02"),
        Basemap("gaode-imagery", {"zh": "高德 卫星影像", "en": "Gaode satellite"}, "gcj02"),
        Basemap("osm", {"zh": "OpenStreetMap 地图", "en": "OpenStreetMap"}, "wgs84"),
        Basemap("esri-imagery", {"zh": "Esri 卫星影像", "en": "Esri World Imagery"}, "wgs84"),
    )
}
# Names kept for maps written before Gaode and Tianditu came.
ALIASES = {"imagery": "esri-imagery"}
# The name of the basemap drawn from --basemap-file.
FILE = "file"


def basemap_names():
    """Every name ``--basemap`` accepts."""
    return sorted([*BASEMAPS, *ALIASES, FILE])


def tianditu_missing() -> str:
    return (
        "the Tianditu basemaps need a key: set tianditu_key under [maps] in hailin.toml "
        f"or ${TIANDITU_ENV} ({KEY_HELP})"
    )


def tianditu_key(settings=None, environ=None):
    """The Tianditu key: ``$TIANDITU_KEY`` if set, else hailin.toml's; ``None`` without one.

    Examples
    --------
    >>> tianditu_key(None, {"TIANDITU_KEY": "0123456789abcdef0123456789abcdef"})
    '0123456789abcdef0123456789abcdef'
    >>> tianditu_key(None, {}) is None
    True
    """
    environ = os.environ if environ is None else environ
    key = environ.get(TIANDITU_ENV, "").strip()
    if key:
        problem = tianditu_key_problem(key)
        if problem:
            raise MapError(f"the key in ${TIANDITU_ENV} {problem}")
        return key
    return getattr(settings, "tianditu_key", None) or None


def checked_key(key):
    """``key`` if it can be a Tianditu key, ``None`` for none; else :class:`MapError`.

    Examples
    --------
    >>> checked_key("") is None
    True
    """
    if not key:
        return None
    problem = tianditu_key_problem(key)
    if problem:
        raise MapError(f"tianditu_key {problem}")
    return key


def resolve(name, lang="zh", tianditu_key=None, has_file=False):
    """The basemap ``name`` stands for (aliases followed); ``None`` picks the
    default: the basemap file, else Tianditu with a key, else Gaode on a zh map
    and OpenStreetMap on an en map."""
    if name is None:
        if has_file:
            return FILE
        if tianditu_key:
            return "tianditu"
        return "gaode" if lang == "zh" else "osm"
    name = ALIASES.get(name, name)
    if name == FILE and not has_file:
        raise MapError("basemap 'file' needs a basemap file (--basemap-file FILE)")
    if name != FILE and name not in BASEMAPS:
        raise MapError(f"basemap should be one of {basemap_names()}, got {name!r}")
    if name in BASEMAPS and BASEMAPS[name].needs_key and not tianditu_key:
        raise MapError(tianditu_missing())
    return name


def offered(tianditu_key=None):
    """The basemaps offered in the switcher, in its order."""
    return [b for b in BASEMAPS.values() if tianditu_key or not b.needs_key]
