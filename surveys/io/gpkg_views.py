"""GeoPackage bounds GDAL cannot hold: the layers a file registers, and views.

A view runs any query its author wrote: a recursive one without end, one that
builds 400 MB notes. hailin reads a view itself, through SQLite with every
string and blob bounded (``limits.attribute_bytes``), the rows bounded
(``limits.cells``) and the statement stopped after ``limits.statement_seconds``;
GDAL never evaluates one.
"""

import contextlib
import os
import sqlite3
import time
import urllib.parse

import numpy as np
import pandas as pd
import shapely

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.raw import RawTable, note
from hailin.surveys.limits import LIMITS, refuse_past, size_text

# Bytes of the envelope after a GeoPackage geometry's 8-byte header, by its flag.
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def bounded_sqlite(path, limits=LIMITS):
    """A read-only connection to ``path`` (nothing written beside it) whose
    strings and blobs are bounded by ``limits.attribute_bytes`` and whose
    statements together stop after ``limits.statement_seconds``."""
    uri = f"file:{urllib.parse.quote(os.fspath(path))}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.attribute_bytes)
    ends = time.monotonic() + limits.statement_seconds
    connection.set_progress_handler(lambda: time.monotonic() > ends, 10_000)
    return connection


def check_gpkg(path, file, limits=LIMITS) -> set:
    """Refuse a GeoPackage registering more than ``limits.gpkg_layers`` layers
    (before GDAL lists them); returns the names of its registered views."""
    try:
        connection = bounded_sqlite(path, limits)
    except sqlite3.Error:
        return set()  # not SQLite at all: GDAL's refusal says so
    with contextlib.closing(connection):
        try:
            (layers,) = connection.execute("SELECT count(*) FROM gpkg_contents").fetchone()
            views = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'view' AND name IN "
                    "(SELECT table_name FROM gpkg_contents)"
                )
            }
        except sqlite3.Error:
            return set()  # no GeoPackage tables: GDAL's refusal says what is missing
    refuse_past(layers, limits.gpkg_layers, f"the GeoPackage registers {layers:,} layers", file)
    return views


def read_view(path, file, view, limits=LIMITS) -> RawTable:
    """A registered view's rows as a :class:`RawTable`, read within the bounds."""
    with contextlib.closing(bounded_sqlite(path, limits)) as connection:
        geometry_column, crs = _geometry_of(connection, view)
        quoted = '"' + view.replace('"', '""') + '"'
        try:
            cursor = connection.execute(f"SELECT * FROM {quoted} LIMIT ?", (limits.cells + 1,))
            names = [d[0] for d in cursor.description]
            rows = []
            for row in cursor:
                rows.append(row)
                refuse_past(
                    len(rows) * len(names), limits.cells, f"view {view!r} yields more cells", file
                )
        except sqlite3.Error as error:
            raise SurveyFileError(
                f"view {view!r} cannot be read within the bounds (a value over "
                f"{size_text(limits.attribute_bytes)} or more than {limits.statement_seconds:g} s: "
                f"{error})",
                file=file,
            ) from error
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    numbers = np.arange(1, len(frame) + 1)
    if geometry_column not in frame.columns:
        table = RawTable(frame, numbers, format="gpkg")
    else:
        geometry = np.array([_geometry(b) for b in frame.pop(geometry_column)], dtype=object)
        table = RawTable(frame, numbers, geometry, crs=crs, format="gpkg")
    table.warnings.append(note(f"layer {view!r} is a view; read by hailin within its bounds"))
    return table


def _geometry_of(connection, view):
    """(geometry column, CRS) a view is registered with, or (None, None)."""
    try:
        found = connection.execute(
            "SELECT g.column_name, s.organization, s.organization_coordsys_id "
            "FROM gpkg_geometry_columns g LEFT JOIN gpkg_spatial_ref_sys s USING (srs_id) "
            "WHERE g.table_name = ?",
            (view,),
        ).fetchone()
    except sqlite3.Error:
        return None, None
    if found is None:
        return None, None
    column, organisation, code = found
    crs = f"{organisation}:{code}" if organisation and code and code > 0 else None
    return column, crs


def _geometry(blob):
    """A GeoPackage geometry blob (header, envelope, WKB) as a shapely geometry."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        return None
    envelope = _ENVELOPE_BYTES.get((blob[3] >> 1) & 0x07)
    if envelope is None:
        return None
    try:
        return shapely.from_wkb(blob[8 + envelope :])
    except shapely.errors.GEOSException:
        return None
