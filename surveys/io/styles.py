"""QGIS styles for the layers hailin writes, coloured as the maps are.

A style is a QML document (QGIS's own) and an SLD (for other GIS), with the
layer's categories (codes, their words and colours from the vocabulary) and its
fields' aliases. A GeoPackage keeps them in the ``layer_styles`` table, as QGIS
writes it, so QGIS opens each layer styled; a Shapefile has a ``.qml`` of the
same name beside it. Every text is put into the XML by ElementTree (escaped).
"""

import dataclasses
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

from hailin.surveys.schema import codes, colours, word

# Single colours of the layers that have no categories: those of the maps
# (layers/sites.py STYLE, layers/recurrence.py PATCH_COLOUR, layers/restoration.py).
OUTLINE = "#333333"
LAYER_COLOURS = {
    "sites": "#f8fffa",
    "clearance_plots": colours("status")["clean"],
    "restoration_plots": "#1a9850",
    "new_infestations": "#66004a",
    "patches": "#66004a",
}
DEFAULT_COLOUR = "#999999"
# The vocabulary a layer is categorised by, after the column holding its codes.
CATEGORIES = {"status": "status", "patrol_type": "patrol_type"}
SYMBOLS = {"polygon": ("fill", "SimpleFill"), "line": ("line", "SimpleLine"), "point": ("marker", "SimpleMarker")}  # fmt: skip
SLD = "http://www.opengis.net/sld"
SE = "http://www.opengis.net/se"
OGC = "http://www.opengis.net/ogc"
LAYER_STYLES = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


@dataclasses.dataclass(frozen=True)
class LayerStyle:
    """How QGIS draws one layer.

    ``field`` holds the codes the layer is categorised by (None: one colour,
    ``colour``); ``categories`` are (code, label, colour); ``aliases`` maps a
    field to the name QGIS shows for it.

    Examples
    --------
    >>> style = LayerStyle("cases", "polygon", "status_code",
    ...                    (("open", "复萌未处置", "#d73027"),), aliases={"status": "状态"})
    >>> "复萌未处置" in style.qml() and "#d73027" in style.sld()
    True
    """

    layer: str
    geometry: str
    field: str | None = None
    categories: tuple[tuple[str, str, str], ...] = ()
    colour: str = DEFAULT_COLOUR
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def qml(self) -> str:
        """The style as QGIS writes it in a .qml file."""
        root = ET.Element("qgis", version="3.28.0", styleCategories="Symbology|Fields")
        if self.field:
            renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=self.field)
            listed = ET.SubElement(renderer, "categories")
            for index, (code, label, _) in enumerate(self.categories):
                ET.SubElement(listed, "category", symbol=str(index), value=code, label=label, render="true")  # fmt: skip
            symbols = ET.SubElement(renderer, "symbols")
            for index, (_, _, colour) in enumerate(self.categories):
                symbols.append(self._symbol(str(index), colour))
        else:
            renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol")
            ET.SubElement(renderer, "symbols").append(self._symbol("0", self.colour))
        aliases = ET.SubElement(root, "aliases")
        for index, (field, name) in enumerate(self.aliases.items()):
            ET.SubElement(aliases, "alias", field=field, index=str(index), name=name)
        return ET.tostring(root, encoding="unicode")

    def _symbol(self, name: str, colour: str) -> ET.Element:
        kind, layer_class = SYMBOLS[self.geometry]
        symbol = ET.Element("symbol", type=kind, name=name, alpha="1", clip_to_extent="1")
        layer = ET.SubElement(symbol, "layer", {"class": layer_class, "enabled": "1", "pass": "0"})
        options = ET.SubElement(layer, "Option", type="Map")
        rgba = _rgba(colour)
        values = {
            "fill": {"color": rgba, "outline_color": _rgba(OUTLINE), "outline_width": "0.26", "style": "solid"},
            "line": {"line_color": rgba, "line_width": "0.6"},
            "marker": {"color": rgba, "outline_color": _rgba(OUTLINE), "name": "circle", "size": "2.4"},
        }[kind]  # fmt: skip
        for key, value in values.items():
            ET.SubElement(options, "Option", name=key, type="QString", value=value)
        return symbol

    def sld(self) -> str:
        """The style as an SLD 1.1 document (the rules QGIS exports)."""
        ET.register_namespace("", SLD)
        ET.register_namespace("se", SE)
        ET.register_namespace("ogc", OGC)
        root = ET.Element(f"{{{SLD}}}StyledLayerDescriptor", version="1.1.0")
        named = ET.SubElement(root, f"{{{SLD}}}NamedLayer")
        ET.SubElement(named, f"{{{SE}}}Name").text = self.layer
        user = ET.SubElement(named, f"{{{SLD}}}UserStyle")
        ET.SubElement(user, f"{{{SE}}}Name").text = self.layer
        features = ET.SubElement(user, f"{{{SE}}}FeatureTypeStyle")
        rules = self.categories if self.field else ((None, self.layer, self.colour),)
        for code, label, colour in rules:
            rule = ET.SubElement(features, f"{{{SE}}}Rule")
            ET.SubElement(rule, f"{{{SE}}}Name").text = label
            if code is not None:
                condition = ET.SubElement(ET.SubElement(rule, f"{{{OGC}}}Filter"), f"{{{OGC}}}PropertyIsEqualTo")  # fmt: skip
                ET.SubElement(condition, f"{{{OGC}}}PropertyName").text = self.field
                ET.SubElement(condition, f"{{{OGC}}}Literal").text = code
            rule.append(self._symbolizer(colour))
        return ET.tostring(root, encoding="unicode")

    def _symbolizer(self, colour: str) -> ET.Element:
        kind = {"polygon": "Polygon", "line": "Line", "point": "Point"}[self.geometry]
        symbolizer = ET.Element(f"{{{SE}}}{kind}Symbolizer")

        def parameters(parent, tag, values):
            element = ET.SubElement(parent, f"{{{SE}}}{tag}")
            for name, value in values.items():
                ET.SubElement(element, f"{{{SE}}}SvgParameter", name=name).text = value
            return element

        if kind == "Polygon":
            parameters(symbolizer, "Fill", {"fill": colour})
            parameters(symbolizer, "Stroke", {"stroke": OUTLINE, "stroke-width": "1"})
        elif kind == "Line":
            parameters(symbolizer, "Stroke", {"stroke": colour, "stroke-width": "2"})
        else:
            mark = ET.SubElement(ET.SubElement(symbolizer, f"{{{SE}}}Graphic"), f"{{{SE}}}Mark")
            ET.SubElement(mark, f"{{{SE}}}WellKnownName").text = "circle"
            parameters(mark, "Fill", {"fill": colour})
        return symbolizer


def _rgba(colour: str) -> str:
    """'#d73027' as QGIS writes a colour: '215,48,39,255'."""
    value = colour.lstrip("#")
    return ",".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4)) + ",255"


def geometry_kind(geometry_type: str) -> str:
    """ "polygon", "line" or "point" for a geometry type name (GDAL's or
    shapely's; anything else is drawn as polygons)."""
    name = geometry_type.lower()
    return "line" if "line" in name else "point" if "point" in name else "polygon"


def style_for(
    layer: str,
    fields: Mapping[str, str],
    geometry_type: str,
    lang: str,
    aliases: Mapping[str, str] | None = None,
) -> LayerStyle:
    """The style of ``layer``, whose ``fields`` maps each column to the field
    name it is written as (a Shapefile's short names): categorised by the
    codes of its status or patrol type (the field of ``<column>_code`` when
    the layer shows words, else of the column), one colour otherwise.

    Examples
    --------
    >>> style = style_for("cases", {"status": "status", "status_code": "status_cd"},
    ...                   "MultiPolygon", "zh", {"status": "状态"})
    >>> style.field, style.categories[1], dict(style.aliases)
    ('status_cd', ('open', '复萌未处置', '#c73c00'), {'status': '状态'})
    """
    aliases = aliases or {}
    named = {fields[c]: aliases[c] for c in fields if c in aliases}
    kind = geometry_kind(geometry_type)
    for column, vocabulary in CATEGORIES.items():
        source = f"{column}_code" if f"{column}_code" in fields else column
        if source in fields:
            painted = colours(vocabulary)
            categories = tuple(
                (c, word(vocabulary, c, lang), painted[c]) for c in codes(vocabulary)
            )
            return LayerStyle(layer, kind, fields[source], categories, aliases=named)
    return LayerStyle(layer, kind, colour=LAYER_COLOURS.get(layer, DEFAULT_COLOUR), aliases=named)


# The store's layers: how each is drawn, and the column of codes it is coloured by.
STORE_LAYERS = {
    "sites": ("polygon", None),
    "clearance_plots": ("polygon", None),
    "restoration_plots": ("polygon", None),
    "surveys": ("point", "patrol_type"),
    "detections": ("point", "patrol_type"),
    "recurrence_cases": ("polygon", "status"),
    "new_infestations": ("polygon", None),
}


def store_styles(aliases: Mapping[str, str], lang: str = "zh") -> list[LayerStyle]:
    """The styles of the store's layers (:data:`STORE_LAYERS`), which keep
    codes: categories labelled in ``lang``, fields named by ``aliases``.

    Examples
    --------
    >>> styles = store_styles({"patrol_type": "巡护类型", "status": "状态"})
    >>> [s.layer for s in styles if s.field], styles[3].aliases
    (['surveys', 'detections', 'recurrence_cases'], {'patrol_type': '巡护类型'})
    """
    styles = []
    for layer, (kind, coded) in STORE_LAYERS.items():
        fields = {c: c for c in aliases if c not in CATEGORIES or c == coded}
        styles.append(style_for(layer, fields, kind, lang, aliases))
    return styles


def save_styles(
    execute: Callable[..., Any],
    styles: list[LayerStyle],
    geometry_column: str,
    *,
    replace: bool = True,
) -> None:
    """Keep ``styles`` in the GeoPackage's ``layer_styles`` table (created and
    listed in gpkg_contents when new), each the default of its layer, through
    ``execute`` (a connection's or the store's: inside the caller's
    transaction); without ``replace``, a layer's style already there stays."""
    execute(LAYER_STYLES)
    if not replace:
        kept = {row[0] for row in execute("SELECT f_table_name FROM layer_styles").fetchall()}
        styles = [style for style in styles if style.layer not in kept]
    execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
        "VALUES ('layer_styles', 'attributes', 'layer_styles')"
    )
    for style in styles:
        execute("DELETE FROM layer_styles WHERE f_table_name = ?", (style.layer,))
        execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '')",
            (style.layer, geometry_column, style.layer, style.qml(), style.sld(), "hailin"),
        )


def style_geopackage(path: str | os.PathLike, styles: list[LayerStyle]) -> None:
    """Keep ``styles`` in the GeoPackage GDAL wrote at ``path`` (its geometry
    column is GDAL's ``geom``)."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            save_styles(connection.execute, styles, "geom")
    finally:
        connection.close()
