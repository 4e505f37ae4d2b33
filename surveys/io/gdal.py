"""Formats GDAL reads (through pyogrio): GeoJSON, GeoPackage and Shapefiles,
zipped or beside their .shx and .dbf; attribute fields and cells bounded, a
Shapefile's attribute encoding judged when no .cpg names it.
"""

import os
import tempfile
import warnings

import numpy as np
import pandas as pd
import pyogrio
import shapely

from hailin.geo.offline import geojson_link_reason, pyogrio_offline
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.dbf import dbf_encoding, readable_shapefile, refuse_unequal_parts
from hailin.surveys.io.gpkg_views import check_gpkg, read_view
from hailin.surveys.io.raw import RawTable, note
from hailin.surveys.io.written import gdal_errors
from hailin.surveys.io.zips import extract_zip
from hailin.surveys.limits import LIMITS, Coordinates, Limits, over_limit

_LABELS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shapefile": "Shapefile"}


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
    info, frame = _read_layer(path, file, format_name, layer, encoding, limits)
    _refuse_large_values(frame, file, limits)
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


def _read_layer(path, file, format_name, layer, encoding, limits):
    """(layer info, frame): fields, and features times columns, bounded from the
    layer's own count before any feature is read."""
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
            if info.get("features", -1) > most:
                _refuse_cells(info["features"], columns, file, limits)
            frame = pyogrio.read_dataframe(
                path,
                layer=layer,
                encoding=encoding,
                datetime_as_string=True,
                max_features=most + 1,
                read_geometry=info["geometry_type"] is not None,
            )
    except gdal_errors() as error:
        raise SurveyFileError(
            f"cannot be read as {_LABELS[format_name]}: {error}", file=file
        ) from error
    except UnicodeDecodeError as error:
        raise SurveyFileError(
            f"its text is not {encoding or 'UTF-8'} ({error.reason} at byte {error.start}); "
            "save it with a .cpg naming its encoding",
            file=file,
        ) from error
    if len(frame) > most:  # a layer that could not count itself
        raise SurveyFileError(
            f"more than {most:,} features of {columns} columns make more than "
            f"{limits.cells:,} cells (limit {limits.cells:,})",
            file=file,
        )
    return info, frame


def _refuse_cells(features, columns, file, limits):
    raise SurveyFileError(
        f"{features:,} features of {columns} columns make {features * columns:,} cells "
        f"(limit {limits.cells:,})",
        file=file,
    )


def _refuse_large_values(frame, file, limits):
    """Refuse an attribute value or a geometry past its bound, and the file past
    its total of coordinates."""
    geometry_name = getattr(frame, "_geometry_column_name", None)
    for column in frame.columns:
        values = frame[column]
        if column == geometry_name or not (
            values.dtype == object or pd.api.types.is_string_dtype(values)
        ):
            continue
        lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
        # A character is at most four UTF-8 bytes: measure bytes only where it matters.
        if len(lengths) and lengths.max() * 4 > limits.attribute_bytes:
            at = int(lengths.argmax())
            size = len(values.iloc[at].encode("utf-8"))
            if size > limits.attribute_bytes:
                raise SurveyFileError(
                    f"feature {at + 1}: attribute {column!r} is "
                    f"{over_limit(size, limits.attribute_bytes)}",
                    file=file,
                )
    if geometry_name is None:
        return
    counts = shapely.get_num_coordinates(np.asarray(frame[geometry_name].values, dtype=object))
    if len(counts) and (
        counts.max() > limits.geometry_coordinates or counts.sum() > limits.file_coordinates
    ):
        counter = Coordinates(file, limits)
        for number, count in enumerate(counts, start=1):
            counter.add(int(count), f"feature {number}")


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
        table = read_shapefile(shp, file, limits)
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
    views = check_gpkg(path, file, limits)
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
    if chosen in views:  # a view runs its own query: read by hailin, bounded
        table = read_view(path, file, chosen, limits)
    else:
        table = read_with_gdal(path, file, "gpkg", layer=chosen, limits=limits)
    if layer is None and len(names) > 1:
        table.warnings.append(note(f"GeoPackage has {len(names)} layers; read {chosen!r}"))
    return table


def read_shapefile(path, file: str, limits: Limits = LIMITS) -> RawTable:
    """A Shapefile beside its .shx and .dbf."""
    refuse_unequal_parts(path, file)
    encoding, warnings = dbf_encoding(path, file, limits)
    with readable_shapefile(path, encoding) as (readable, repairs):
        table = read_with_gdal(readable, file, "shapefile", encoding=encoding, limits=limits)
    table.warnings.extend(warnings + repairs)
    return table
