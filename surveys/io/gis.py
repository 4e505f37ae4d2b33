"""Layers for Chinese GIS offices: GeoPackage, GeoJSON and Shapefile, in the
coordinate system they work in.

A Shapefile is written the way ArcGIS and QGIS in a Chinese office read it: the
DBF in GBK with a ``.cpg`` naming it, a ``.prj`` (ESRI WKT), and field names of
at most 10 bytes; a ``<name>_fields.csv`` beside it maps each short field name
to the column and its Chinese header. Times are local text (a DBF has no time
zone), areas are rounded as they are shown (mu to 2 decimals, ha to 4).
"""

import os

import geopandas
import pandas as pd
import pyogrio

from hailin.geo.output_crs import to_output_crs
from hailin.surveys.errors import ExportError
from hailin.surveys.io.export_formats import GIS_FORMATS
from hailin.surveys.io.exports import write_csv
from hailin.surveys.localtime import offset_text

SHAPEFILE_ENCODING = "GBK"
FIELD_BYTES = 10
# Short names of the columns hailin writes whose names are longer than 10 bytes.
SHORT_NAMES = {
    "first_detected": "first_det",
    "last_detected": "last_det",
    "largest_patch_m2": "max_patch",
    "status_since": "status_dt",
    "re_cleared_at": "recleared",
    "verified_at": "verified",
    "declared_area_mu": "decl_mu",
    "survival_pct": "survival",
}
# Chinese headers of the plot and patch columns, for the field mapping file
# (the ledger's are surveys.io.exports.HEADERS_ZH).
LAYER_HEADERS_ZH = {
    "plot_id": "图斑编号",
    "patch_id": "图斑编号",
    "site": "保护区",
    "township": "乡镇",
    "cleared_on": "除治日期",
    "planted_on": "种植日期",
    "method": "除治方式",
    "contractor": "施工单位",
    "species": "树种",
    "funding": "资金来源",
    "declared_area_mu": "申报面积(亩)",
    "area_mu": "面积(亩)",
    "area_ha": "面积(公顷)",
    "notes": "备注",
    "cases": "案件数",
}
# Decimals of the area columns, as they are shown everywhere.
ROUNDING = {"area_mu": 2, "area_ha": 4, "declared_area_mu": 2}
# Columns kept for the store's bookkeeping, not for an office.
BOOKKEEPING = ("upload_id", "source_row", "extra")


def _gbk_bytes(text: str) -> int:
    return len(text.encode(SHAPEFILE_ENCODING, errors="replace"))


def _truncate(name: str, limit: int) -> str:
    out = ""
    for character in name:
        if _gbk_bytes(out + character) > limit:
            break
        out += character
    return out


def short_field_names(columns) -> dict:
    """{column: Shapefile field name of at most 10 bytes (in GBK)}, unique.

    Parameters
    ----------
    columns : iterable of str
        The columns of the frame, geometry excluded.

    Returns
    -------
    dict

    Examples
    --------
    >>> names = short_field_names(["plot_id", "first_detected", "乡镇/村/小地名", "notes_a_long_1",
    ...                            "notes_a_long_2"])
    >>> list(names.values())
    ['plot_id', 'first_det', '乡镇/村/小', 'notes_a_lo', 'notes_a__2']
    """
    names, taken = {}, set()
    for column in columns:
        name = SHORT_NAMES.get(column, column)
        name = _truncate(name, FIELD_BYTES)
        number = 2
        while name.lower() in taken:
            suffix = f"_{number}"
            name = _truncate(SHORT_NAMES.get(column, column), FIELD_BYTES - len(suffix)) + suffix
            number += 1
        taken.add(name.lower())
        names[column] = name
    return names


def for_office(frame: geopandas.GeoDataFrame) -> geopandas.GeoDataFrame:
    """``frame`` as an office file holds it: local times as text, areas rounded,
    bookkeeping columns dropped.

    Examples
    --------
    >>> import shapely
    >>> frame = geopandas.GeoDataFrame(
    ...     {"area_mu": [1.23456], "when": pd.to_datetime(["2024-05-01 08:00"]).tz_localize("Asia/Shanghai")},
    ...     geometry=[shapely.Point(120, 27)], crs=4326)
    >>> office = for_office(frame)
    >>> float(office.loc[0, "area_mu"]), office.loc[0, "when"]
    (1.23, '2024-05-01 08:00+08:00')
    """
    out = frame.drop(columns=[c for c in BOOKKEEPING if c in frame.columns])
    for column in out.columns:
        values = out[column]
        if column == out.geometry.name:
            continue
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = offset_text(values)  # local, with its offset
        elif column in ROUNDING:
            out[column] = values.astype(float).round(ROUNDING[column])
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out[column] = values.map(lambda v: None if v is None or v is pd.NA else str(v))
        elif isinstance(values.dtype, pd.Int64Dtype):
            out[column] = values.astype(float)
    return out


def _gbk_safe(frame):
    """Text columns with the characters GBK cannot hold replaced by "?"; the
    number of cells changed."""
    changed = 0
    for column in frame.columns:
        text = frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])
        if column == frame.geometry.name or not text:
            continue

        def safe(value):
            nonlocal changed
            if not isinstance(value, str):
                return value
            fixed = value.encode(SHAPEFILE_ENCODING, errors="replace").decode(SHAPEFILE_ENCODING)
            changed += fixed != value
            return fixed

        frame[column] = frame[column].map(safe)
    return frame, changed


def _write_mapping(path, names, headers):
    rows = [[field, column, headers.get(column, "")] for column, field in names.items()]
    write_csv(path, ["field", "column", "header_zh"], rows)


def _remove_shapefile(path):
    stem = os.path.splitext(path)[0]
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg", "_fields.csv"):
        if os.path.exists(stem + suffix):
            os.remove(stem + suffix)


def export_layer(
    frame: geopandas.GeoDataFrame,
    path: str | os.PathLike,
    *,
    crs="4326",
    layer: str = "layer",
    headers: dict | None = None,
) -> dict:
    """Write ``frame`` (EPSG:4326) to ``path`` as GeoPackage, GeoJSON or
    Shapefile (by extension) in the output CRS ``crs``.

    Parameters
    ----------
    frame : GeoDataFrame
        The features, in EPSG:4326.
    path : str or path-like
        ``.gpkg``, ``.geojson`` or ``.shp``.
    crs : str
        ``"4326"``, ``"4490"``, ``"gk3"``, ``"gk3-noprefix"`` or a CRS
        (see :func:`hailin.geo.output_crs.output_crs`).
    layer : str
        The GeoPackage layer name.
    headers : dict, optional
        {column: Chinese header} for a Shapefile's field mapping file.

    Returns
    -------
    dict
        ``path``, ``features``, ``crs`` (EPSG code or WKT name), and for a
        Shapefile ``fields`` ({column: field}), ``mapping`` (the mapping
        file) and ``replaced`` (cells with characters GBK cannot hold).

    Examples
    --------
    >>> import shapely, tempfile
    >>> frame = geopandas.GeoDataFrame({"township": ["前岐镇"]},
    ...                                geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> path = os.path.join(tempfile.mkdtemp(), "t.shp")
    >>> written = export_layer(frame, path, crs="gk3")
    >>> written["crs"], sorted(os.listdir(os.path.dirname(path)))[:3]
    (4528, ['t.cpg', 't.dbf', 't.prj'])
    """
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in GIS_FORMATS:
        raise ExportError(
            f"{path}: layers are written as {', '.join(GIS_FORMATS)}; got {suffix or 'no extension'!r}"
        )
    out = to_output_crs(for_office(frame), crs)
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    written = {"path": path, "features": len(out), "crs": out.crs.to_epsg() or out.crs.name}
    if suffix == ".shp":
        _remove_shapefile(path)
        names = short_field_names([c for c in out.columns if c != out.geometry.name])
        out, written["replaced"] = _gbk_safe(out.rename(columns=names))
        pyogrio.write_dataframe(out, path, driver=GIS_FORMATS[suffix], encoding=SHAPEFILE_ENCODING)
        mapping = os.path.splitext(path)[0] + "_fields.csv"
        _write_mapping(mapping, names, headers or {})
        written.update(fields=names, mapping=mapping)
        return written
    if os.path.exists(path):
        os.remove(path)
    pyogrio.write_dataframe(
        out, path, driver=GIS_FORMATS[suffix], layer=layer if suffix == ".gpkg" else None
    )
    return written
