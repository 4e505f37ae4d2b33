"""Reading back what hailin writes for offices, as GDAL reads it."""

import sqlite3
import warnings

import defusedxml.ElementTree
import pyogrio

from hailin.surveys.workspace import Workspace


def in_chinese(ws, office: str | None = None):
    """``ws`` (language "en") switched to Chinese, issued by ``office`` when given."""
    with open(ws.settings_path, encoding="utf-8") as handle:
        settings = handle.read().replace('language = "en"', 'language = "zh"', 1)
    if office:
        settings = settings.replace('# office = ""', f'office = "{office}"', 1)
    with open(ws.settings_path, "w", encoding="utf-8") as handle:
        handle.write(settings)
    return Workspace(ws.root)


def read_local(path, **options):
    """A layer read with pyogrio. Times written local with their offset (as the
    exports write them) are outside the GeoPackage standard's UTC, which GDAL
    says in a warning as it reads them; the values are what is checked."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Non-conformant content", RuntimeWarning)
        return pyogrio.read_dataframe(path, **options)


def layer_styles(path):
    """{layer: (QML root, SLD root, useAsDefault)} of a GeoPackage's layer_styles,
    each document parsed with defusedxml."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT f_table_name, styleQML, styleSLD, useAsDefault FROM layer_styles"
        ).fetchall()
    connection.close()
    parse = defusedxml.ElementTree.fromstring
    return {name: (parse(qml), parse(sld), default) for name, qml, sld, default in rows}


def field_types(path, layer=None):
    """{field: OGR type} as GDAL reads the layer."""
    info = pyogrio.read_info(path, layer=layer)
    return dict(
        zip(
            info["fields"],
            info["ogr_types"] if "ogr_types" in info else info["dtypes"],
            strict=True,
        )
    )
