"""Per-plot tables written for people and GIS: CSV and XLSX that Excel opens
(written by :func:`hailin.surveys.io.exports.write_sheet`, through the one formula guard)
and a GeoPackage layer with the plots' polygons that QGIS opens, styled."""

import os

import geopandas
import pandas as pd
import pyogrio

from hailin.surveys.errors import ExportError
from hailin.surveys.io.exports import write_sheet
from hailin.surveys.io.styles import style_for, style_geopackage
from hailin.surveys.io.written import replacing

TABLE_FORMATS = (".csv", ".xlsx", ".gpkg")
LAYER = "raster_stats"


def _rounded(table):
    """Areas to the cm² (m²) and 1e-6 mu, everything else to 6 decimals."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            digits = 2 if column.endswith("_m2") else 6
            out[column] = out[column].round(digits)
    return out


def write_plot_table(table: pd.DataFrame, plots: geopandas.GeoDataFrame, path, /) -> str:
    """Write ``table`` (one row per plot, a ``plot_id`` column) to ``path``: CSV
    (UTF-8 with BOM), XLSX, or GeoPackage (layer ``raster_stats``, the
    geometry of ``plots`` by plot_id). Returns the path.

    Examples
    --------
    >>> import tempfile, shapely
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["=A1"]},
    ...     geometry=[shapely.box(120.3, 27.3, 120.31, 27.31)], crs=4326)
    >>> table = pd.DataFrame({"plot_id": ["=A1"], "spartina_m2": [12.3456]})
    >>> path = write_plot_table(table, plots, tempfile.mkdtemp() + "/stats.csv")
    >>> import pathlib
    >>> pathlib.Path(path).read_text(encoding="utf-8-sig").splitlines()
    ['plot_id,spartina_m2', "'=A1,12.35"]
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in TABLE_FORMATS:
        raise ExportError(
            f"{path}: the table is written as {', '.join(TABLE_FORMATS)}; "
            f"got {suffix or 'no extension'!r}"
        )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    table = _rounded(table)
    if suffix in (".csv", ".xlsx"):
        write_sheet(table, path, LAYER)
    else:
        shapes = plots.drop_duplicates("plot_id").set_index("plot_id").geometry
        spatial = geopandas.GeoDataFrame(
            table, geometry=shapes.reindex(table["plot_id"]).to_numpy(), crs=4326
        )
        with replacing(path) as scratch:  # a full disk leaves the old file, not half a new one
            pyogrio.write_dataframe(spatial, scratch, layer=LAYER, driver="GPKG")
            style_geopackage(scratch, [style_for(LAYER, {}, "polygon", "zh")])
    return os.fspath(path)
