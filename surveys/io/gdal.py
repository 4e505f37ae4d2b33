"""Formats GDAL reads (through pyogrio): GeoJSON, GeoPackage and Shapefiles,
zipped or beside their .shx and .dbf; attribute fields and cells bounded, a
Shapefile's attribute encoding judged when no .cpg names it.
"""

import os
import struct
import tempfile
import warnings

import numpy as np
import pandas as pd
import pyogrio

from hailin.geo.offline import geojson_link_reason, pyogrio_offline
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import check_file_size
from hailin.surveys.io.raw import RawTable, note
from hailin.surveys.io.zips import extract_zip
from hailin.surveys.limits import LIMITS, Limits

_LABELS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shapefile": "Shapefile"}
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)


def read_with_gdal(
    path,
    file: str,
    format_name: str,
    layer: str | None = None,
    encoding: str | None = None,
    limits: Limits = LIMITS,
) -> RawTable:
    """One layer of a GDAL format as a :class:`RawTable` (a table without
    geometry when the layer has none)."""
    if format_name == "geojson" and (reason := geojson_link_reason(path)) is not None:
        raise SurveyFileError(f"refused: {reason}", file=file)
    try:
        with warnings.catch_warnings(), pyogrio_offline():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(path, layer=layer, encoding=encoding)
            columns = len(info["fields"]) + (info["geometry_type"] is not None)
            if len(info["fields"]) > limits.columns:
                raise SurveyFileError(
                    f"{len(info['fields']):,} attribute fields (limit {limits.columns:,})",
                    file=file,
                )
            most = limits.cells // max(columns, 1)
            frame = pyogrio.read_dataframe(
                path,
                layer=layer,
                encoding=encoding,
                datetime_as_string=True,
                max_features=most + 1,
                read_geometry=info["geometry_type"] is not None,
            )
    except _GDAL_ERRORS as error:
        raise SurveyFileError(
            f"cannot be read as {_LABELS[format_name]}: {error}", file=file
        ) from error
    if len(frame) > most:
        raise SurveyFileError(
            f"more than {most:,} features of {columns} columns make more than "
            f"{limits.cells:,} cells (limit {limits.cells:,})",
            file=file,
        )
    if info["geometry_type"] is None:
        # An attributes-only table (a GeoPackage table without geometry, say): rows are
        # placed by their coordinate or WKT columns, like a CSV's.
        table = RawTable(
            pd.DataFrame(frame).astype(object),
            np.arange(1, len(frame) + 1),
            format=format_name,
        )
        table.warnings.append(
            note(
                f"layer {info.get('layer_name') or layer or ''!r} has no geometry; "
                "read as a table (rows placed by their coordinate columns)"
            )
        )
        return table
    geometry = np.asarray(frame.geometry.values, dtype=object)
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(object)
    return RawTable(
        attributes, np.arange(1, len(frame) + 1), geometry, crs=frame.crs, format=format_name
    )


def dbf_encoding(shp_path, file: str, limits: Limits = LIMITS) -> str | None:
    """The DBF's encoding when no .cpg names it: UTF-8 if it decodes, else GBK;
    refused when some records are UTF-8 and others GBK (never read as mojibake)."""
    base = os.path.splitext(shp_path)[0]
    for suffix in (".cpg", ".CPG"):
        if os.path.exists(base + suffix):
            return None  # GDAL reads the .cpg itself
    dbf = next((base + s for s in (".dbf", ".DBF") if os.path.exists(base + s)), None)
    if dbf is None:
        return None
    check_file_size(dbf, file, limits.file_bytes, "the attribute table (.dbf)")
    with open(dbf, "rb") as handle:
        data = handle.read()
    language_driver = data[29] if len(data) > 29 else 0
    if language_driver in (0x4D, 0x7A):  # code page 936 (GBK)
        return "GBK"
    try:
        data[32:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_records(data, file, limits)
    return "GB18030"


def _refuse_mixed_records(data, file, limits):
    if len(data) < 12:
        return
    header_length, record_length = struct.unpack_from("<HH", data, 8)
    if record_length < 2 or (len(data) - header_length) // record_length > limits.cells:
        return
    in_utf8 = in_gbk = None
    for number, at in enumerate(range(header_length, len(data), record_length), start=1):
        record = data[at : at + record_length]
        if record.isascii():
            continue
        try:
            record.decode("utf-8")
            in_utf8 = in_utf8 or number
        except UnicodeDecodeError:
            in_gbk = in_gbk or number
        if in_utf8 and in_gbk:
            raise SurveyFileError(
                f"the attribute table (.dbf) mixes encodings: record {in_utf8} is UTF-8, "
                f"record {in_gbk} is not; save it in one encoding (with a .cpg naming it)",
                file=file,
            )


def _sidecar(shp_path, suffix):
    base = os.path.splitext(shp_path)[0]
    return next((base + s for s in (suffix, suffix.upper()) if os.path.exists(base + s)), None)


def refuse_unequal_parts(shp_path, file: str) -> None:
    """Refuse a Shapefile whose geometries (.shp, through its .shx index) and
    attribute records (.dbf) differ in number: GDAL would drop the extra ones
    without a word."""
    shx, dbf = _sidecar(shp_path, ".shx"), _sidecar(shp_path, ".dbf")
    if shx is None or dbf is None:
        return
    with open(shx, "rb") as handle:
        header = handle.read(100)
        index_bytes = os.fstat(handle.fileno()).st_size - 100
        handle.seek(max(100 + index_bytes // 8 * 8 - 8, 100))
        last = handle.read(8)
    with open(dbf, "rb") as handle:
        dbf_header = handle.read(8)
    if len(header) < 100 or len(dbf_header) < 8:
        return  # GDAL's own refusal names what is wrong
    geometries = max(index_bytes, 0) // 8
    records = struct.unpack_from("<I", dbf_header, 4)[0]
    if geometries and len(last) == 8:
        offset, length = struct.unpack(">ii", last)
        if (offset + length + 4) * 2 > os.path.getsize(shp_path):
            geometries = -1  # the index points past the end of the .shp
    if geometries != records:
        shapes = "fewer than its .shx index says" if geometries < 0 else f"{geometries:,}"
        raise SurveyFileError(
            f"the Shapefile's parts disagree: the .shp holds {shapes} geometries and the "
            f".dbf {records:,} attribute records; export it again so that they match",
            file=file,
        )


def read_shapezip(path, file, limits=LIMITS):
    """A zipped Shapefile: unpacked within the bounds, its first .shp read."""
    with tempfile.TemporaryDirectory(prefix="hailin-shp-") as folder:
        extract_zip(path, folder, file, limits)
        shapefiles = sorted(
            os.path.join(dirpath, name)
            for dirpath, _dirs, names in os.walk(folder)
            for name in names
            if name.lower().endswith(".shp")
        )
        shp = shapefiles[0]
        base = os.path.splitext(shp)[0]
        missing = [
            s for s in (".shx", ".dbf") if not any(os.path.exists(base + v) for v in (s, s.upper()))
        ]
        if missing:
            raise SurveyFileError(
                f"the Shapefile in the archive lacks {', '.join(missing)}", file=file
            )
        refuse_unequal_parts(shp, file)
        table = read_with_gdal(
            shp, file, "shapefile", encoding=dbf_encoding(shp, file, limits), limits=limits
        )
        if len(shapefiles) > 1:
            table.warnings.append(
                note(
                    f"archive holds {len(shapefiles)} Shapefiles; read {os.path.basename(shp)} only"
                )
            )
        if table.crs is None:
            table.warnings.append(note("no .prj in the archive; CRS taken from --crs or WGS84"))
        return table


def read_gpkg(path, file, layer=None, limits=LIMITS):
    """A GeoPackage layer: the one named, else the first with geometry, else the first."""
    try:
        # GDAL warns about a file that is SQLite but no GeoPackage; the refusal says it.
        with warnings.catch_warnings(), pyogrio_offline():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as error:
        raise SurveyFileError(f"cannot be read as GeoPackage: {error}", file=file) from error
    if len(layers) == 0:
        raise SurveyFileError("GeoPackage holds no layers", file=file)
    names = [str(n) for n in layers[:, 0]]
    if layer is not None and layer not in names:
        raise SurveyFileError(f"no layer {layer!r}; layers are: {', '.join(names)}", file=file)
    # A patrol team means its points or plots: the first layer with geometry, else
    # the first table.
    spatial = [str(n) for n, kind in layers if kind is not None]
    chosen = layer or (spatial or names)[0]
    table = read_with_gdal(path, file, "gpkg", layer=chosen, limits=limits)
    if layer is None and len(names) > 1:
        table.warnings.append(note(f"GeoPackage has {len(names)} layers; read {chosen!r}"))
    return table


def read_shapefile(path, file: str, limits: Limits = LIMITS) -> RawTable:
    """A Shapefile beside its .shx and .dbf."""
    refuse_unequal_parts(path, file)
    return read_with_gdal(
        path, file, "shapefile", encoding=dbf_encoding(path, file, limits), limits=limits
    )
