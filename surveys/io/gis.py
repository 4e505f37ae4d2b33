"""Layers for Chinese GIS offices: GeoPackage, GeoJSON and Shapefile, in the
coordinate system they work in.

Every layer is typed and in the workspace language: a missing value is NULL,
days are DATE fields and times DATETIME fields (local, with their offset), codes
are shown in words with the codes kept in ``<column>_code``, and areas are
rounded as they are shown (mu to 2 decimals, ha to 4). A GeoPackage carries its
layer's style (``layer_styles``, :mod:`hailin.surveys.io.styles`), so QGIS opens
it coloured as the maps are, with Chinese field aliases.

A Shapefile is written the way ArcGIS and QGIS in a Chinese office read it: the
DBF in GBK, saying so twice (language byte 0x4D and a ``.cpg``), a ``.prj``
(ESRI WKT), a ``.qml`` (its style), Date fields (a DBF has no time of day) and
field names of at most 10 bytes; a ``<name>_fields.csv`` beside it maps each
short field name to the column and its Chinese header.
"""

import os

import geopandas
import pandas as pd
import pyogrio

from hailin.geo.output_crs import to_output_crs
from hailin.surveys.errors import ExportError
from hailin.surveys.io.export_formats import GIS_FORMATS
from hailin.surveys.io.exports import write_csv
from hailin.surveys.io.styles import style_for, style_geopackage
from hailin.surveys.io.written import replacing
from hailin.surveys.schema import word

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
    "status_code": "status_cd",
    "kind_code": "kind_cd",
    "site_code": "site_cd",
    "sources_code": "source_cd",
    "patrol_type": "patrol",
    "patrol_type_code": "patrol_cd",
}
# Columns holding codes, shown in words (their vocabulary), the codes kept in <column>_code.
CODED = {"status": "status", "kind": "case_kind", "patrol_type": "patrol_type"}
# The DBF's language driver byte for code page 936 (GBK), read when the .cpg is lost.
DBF_LANGUAGE_OFFSET = 29
GBK_LANGUAGE_BYTE = 0x4D
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
    "observed_at": "观测时间",
    "patrol_type": "巡护类型",
    "team": "巡护队伍",
    "observer": "巡护人员",
    "finding": "发现情况",
    "action": "处置情况",
}
CODE_ALIAS = "{header}代码"
# Decimals of the area columns, as they are shown everywhere.
ROUNDING = {"area_mu": 2, "area_ha": 4, "declared_area_mu": 2}
# Columns kept for the store's bookkeeping (and the as-of cut), not for an office.
BOOKKEEPING = ("upload_id", "source_row", "extra", "uploaded_at")


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


def _in_words(values: pd.Series, column: str, lang: str, sites: dict) -> pd.Series:
    def shown(code):
        if not isinstance(code, str) or not code:
            return None
        if column == "site":
            return sites.get(code, code)
        if column == "sources":
            join = "、" if lang == "zh" else ", "
            return join.join(word("patrol_type", p, lang) for p in code.split(","))
        return word(CODED[column], code, lang)

    return _nulls(values.map(shown))


def _nulls(values: pd.Series) -> pd.Series:
    """``values`` as objects with None where missing: written as NULL, never "nan"."""
    return values.astype(object).where(values.notna(), None)


def for_office(
    frame: geopandas.GeoDataFrame, lang: str = "zh", site_names: dict | None = None
) -> geopandas.GeoDataFrame:
    """``frame`` as an office file holds it: codes (status, kind, patrol type,
    sources, and site when ``site_names`` are given) in words of ``lang`` with
    the codes in ``<column>_code``, missing text as None (never "nan"), areas
    rounded, bookkeeping columns dropped; days and times stay typed.

    Examples
    --------
    >>> import shapely
    >>> frame = geopandas.GeoDataFrame(
    ...     {"status": ["open", "clean"], "site": ["kewan", None], "area_mu": [1.23456, 2.0]},
    ...     geometry=[shapely.Point(120, 27)] * 2, crs=4326)
    >>> office = for_office(frame, "zh", {"kewan": "柯湾红树林保护小区"})
    >>> office[["status", "status_code", "site", "site_code"]].to_numpy().tolist()
    [['复萌未处置', 'open', '柯湾红树林保护小区', 'kewan'], ['已除治，未见复萌', 'clean', None, None]]
    >>> office["area_mu"].tolist()
    [1.23, 2.0]
    """
    out = frame.drop(columns=[c for c in BOOKKEEPING if c in frame.columns])
    coded = [*CODED, "sources"] + (["site"] if site_names is not None else [])
    for column in list(out.columns):
        values = out[column]
        if column == out.geometry.name or isinstance(values.dtype, pd.DatetimeTZDtype):
            continue
        if column in ROUNDING:
            out[column] = values.astype(float).round(ROUNDING[column])
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            text = _nulls(values)
            if column in coded:
                out[column] = _in_words(text, column, lang, site_names or {})
                out.insert(out.columns.get_loc(column) + 1, f"{column}_code", text)
            else:
                out[column] = text
    return out


def _days(frame):
    """Times as their local days (a DBF field holds a date, not a time)."""
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = _nulls(frame[column].dt.date)
    return frame


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
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml", "_fields.csv"):
        if os.path.exists(stem + suffix):
            os.remove(stem + suffix)


def _mark_gbk(dbf_path):
    """Set the DBF's language driver byte to GBK (0x4D), which GDAL and ArcGIS
    read when the .cpg is missing (GDAL writes 0 beside a .cpg)."""
    with open(dbf_path, "r+b") as handle:
        handle.seek(DBF_LANGUAGE_OFFSET)
        handle.write(bytes([GBK_LANGUAGE_BYTE]))


def _write_shapefile(out, path, names, style, headers) -> dict:
    """The Shapefile of ``out`` (fields renamed by ``names``, times as days, GBK)
    with its .qml and field mapping; what was written besides the layer."""
    out, replaced = _gbk_safe(_days(out.rename(columns=names)))
    pyogrio.write_dataframe(
        out, path, driver="ESRI Shapefile", encoding=SHAPEFILE_ENCODING, use_arrow=True
    )
    stem = os.path.splitext(path)[0]
    _mark_gbk(stem + ".dbf")
    with open(stem + ".qml", "w", encoding="utf-8") as handle:
        handle.write(style.qml())
    _write_mapping(stem + "_fields.csv", names, headers)
    return {"replaced": replaced, "fields": names}


def office_aliases(columns, headers: dict) -> dict:
    """{column: Chinese name} for QGIS: the header of each column, and of a
    ``<column>_code`` its header + 代码.

    Examples
    --------
    >>> office_aliases(["status", "status_code", "x"], {"status": "状态"})
    {'status': '状态', 'status_code': '状态代码'}
    """
    aliases = {}
    for column in columns:
        base = column.removesuffix("_code")
        if column in headers:
            aliases[column] = headers[column]
        elif column != base and base in headers:
            aliases[column] = CODE_ALIAS.format(header=headers[base])
    return aliases


def export_layer(
    frame: geopandas.GeoDataFrame,
    path: str | os.PathLike,
    *,
    crs="4326",
    layer: str = "layer",
    headers: dict | None = None,
    lang: str = "zh",
    site_names: dict | None = None,
) -> dict:
    """Write ``frame`` (EPSG:4326) to ``path`` as GeoPackage, GeoJSON or
    Shapefile (by extension) in the output CRS ``crs``, for an office
    (:func:`for_office`), with its style.

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
        The GeoPackage layer name (and the style's).
    headers : dict, optional
        {column: Chinese header}: a Shapefile's field mapping file, and the
        fields' aliases in QGIS when ``lang`` is "zh".
    lang : {"zh", "en"}
        The language of the words codes are shown in.
    site_names : dict, optional
        {site code: name} to show sites by their names.

    Returns
    -------
    dict
        ``path``, ``features``, ``crs`` (EPSG code or WKT name), and for a
        Shapefile ``fields`` ({column: field}), ``mapping`` (the mapping
        file), ``style`` (the .qml) and ``replaced`` (cells with characters
        GBK cannot hold).

    Examples
    --------
    >>> import shapely, tempfile
    >>> frame = geopandas.GeoDataFrame({"township": ["前岐镇"]},
    ...                                geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> path = os.path.join(tempfile.mkdtemp(), "t.shp")
    >>> written = export_layer(frame, path, crs="gk3")
    >>> written["crs"], sorted(os.listdir(os.path.dirname(path)))[:4]
    (4528, ['t.cpg', 't.dbf', 't.prj', 't.qml'])
    """
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in GIS_FORMATS:
        raise ExportError(
            f"{path}: layers are written as {', '.join(GIS_FORMATS)}; got {suffix or 'no extension'!r}"
        )
    out = to_output_crs(for_office(frame, lang, site_names), crs)
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    written = {"path": path, "features": len(out), "crs": out.crs.to_epsg() or out.crs.name}
    columns = [c for c in out.columns if c != out.geometry.name]
    aliases = office_aliases(columns, headers or {}) if lang == "zh" else {}
    geometry_type = str(out.geom_type.dropna().iloc[0]) if out.geom_type.notna().any() else ""
    # Written beside ``path`` and put in place whole: a full disk leaves the old file.
    with replacing(path) as scratch:
        if suffix == ".shp":
            names = short_field_names(columns)
            style = style_for(layer, names, geometry_type, lang, aliases)
            written |= _write_shapefile(out, scratch, names, style, headers or {})
            _remove_shapefile(path)  # no part of the old one stays beside the new
            stem = os.path.splitext(path)[0]
            return written | {"mapping": stem + "_fields.csv", "style": stem + ".qml"}
        gpkg = suffix == ".gpkg"
        pyogrio.write_dataframe(
            out, scratch, driver=GIS_FORMATS[suffix], layer=layer if gpkg else None, use_arrow=True
        )
        if gpkg:
            style_geopackage(
                scratch, [style_for(layer, {c: c for c in columns}, geometry_type, lang, aliases)]
            )
    return written
