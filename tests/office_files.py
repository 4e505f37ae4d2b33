"""Reading back what hailin writes for offices, as GDAL reads it."""

import sqlite3
import warnings

import defusedxml.ElementTree
import pyogrio


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
