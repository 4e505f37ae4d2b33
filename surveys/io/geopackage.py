"""The GeoPackage under the store: geometry blobs, column values to and from
SQLite, the core tables, layer reads, and what an SQLite error means to a user.

Plain functions on an ``sqlite3`` connection; :class:`hailin.surveys.io.store.Store`
holds the connection, its transactions and the write lock.
"""

import os
import sqlite3
import struct
import urllib.parse
from collections.abc import Mapping, Sequence

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.errors import StoreError
from hailin.surveys.io import storelock
from hailin.surveys.io.written import full_disk_in

GEOMETRY_COLUMN = "geometry"
SRS_ID = 4326
APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400
_HEADER = b"GP\x00\x01" + struct.pack("<i", SRS_ID)  # little endian, no envelope
_EMPTY_HEADER = b"GP\x00\x11" + struct.pack("<i", SRS_ID)
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]'
)

CORE_TABLES = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
  max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
  REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""

SRS_ROWS = [
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
    ("WGS 84 geodetic", SRS_ID, "EPSG", 4326, _WGS84_WKT, "longitude/latitude WGS 84"),
]

# Column kinds the store knows; each maps to a GeoPackage column type.
SQL_TYPES = {
    "text": "TEXT",
    "integer": "INTEGER",
    "real": "REAL",
    "boolean": "BOOLEAN",
    "datetime": "DATETIME",
    "date": "DATE",
}


def wkb_of_blob_sql(column=GEOMETRY_COLUMN):
    """SQL that strips the GeoPackage header of ``column`` (8 bytes plus the
    envelope the flags byte announces) so SQLite hands over plain WKB."""
    cases = []
    for flags in range(64):
        envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
        if envelope is not None:
            cases.append(f"WHEN X'{flags:02X}' THEN {9 + envelope}")
    return (
        f"substr({quote(column)}, CASE substr({quote(column)}, 4, 1) {' '.join(cases)} ELSE 9 END)"
    )


# A 2-D point's blob: the header, ISO WKB's byte order and type, x, y.
_POINT = np.dtype([("head", "V13"), ("x", "<f8"), ("y", "<f8")])


def encode_geometries(geometries):
    """GeoPackage geometry blobs (list of bytes or None) for shapely geometries.

    Examples
    --------
    >>> blobs = encode_geometries([shapely.Point(120.5, 27.25), None])
    >>> blobs[0] == _HEADER + shapely.to_wkb(shapely.Point(120.5, 27.25), flavor="iso"), blobs[1]
    (True, None)
    """
    geometries = np.asarray(geometries, dtype=object)
    blobs = np.empty(len(geometries), dtype=object)
    # 2-D points (nearly every record) are written by numpy, without WKB objects.
    points = shapely.get_type_id(geometries) == 0
    points[points] = ~shapely.is_empty(geometries[points]) & ~shapely.has_z(geometries[points])
    cells = np.empty(int(points.sum()), dtype=_POINT)
    cells["head"] = np.void(_HEADER + b"\x01\x01\x00\x00\x00")
    cells["x"], cells["y"] = shapely.get_x(geometries[points]), shapely.get_y(geometries[points])
    blobs[points] = cells.view(np.dtype((np.void, _POINT.itemsize))).tolist()
    others = geometries[~points]
    wkb = shapely.to_wkb(others, byte_order=1, flavor="iso", output_dimension=3)
    empty = shapely.is_empty(others)
    blobs[~points] = [
        None if w is None else (_EMPTY_HEADER if e else _HEADER) + w
        for w, e in zip(wkb.tolist(), empty.tolist(), strict=True)
    ]
    return blobs.tolist()


def kind_of(series: pd.Series) -> str:
    """The store kind (:data:`SQL_TYPES`) a column of this dtype is written as."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "real"
    return "text"


def to_sql_values(series: pd.Series, kind: str) -> list:
    """A list of Python values SQLite stores for one column (vectorised)."""
    if kind in ("datetime", "date"):
        values = pd.to_datetime(series, utc=True) if kind == "datetime" else pd.to_datetime(series)
        stamps = values.to_numpy(dtype="datetime64[ms]")
        if kind == "datetime":  # GeoPackage wants UTC as YYYY-MM-DDTHH:MM:SS.SSSZ
            text = np.datetime_as_string(stamps, unit="ms", timezone="UTC").astype(object)
        else:
            text = np.datetime_as_string(stamps, unit="D").astype(object)
        text[np.isnat(stamps)] = None
        return text.tolist()
    missing = series.isna().to_numpy()
    if kind in ("integer", "boolean"):
        if not missing.any():
            return series.to_numpy(dtype=np.int64).tolist()
        values = series.to_numpy(dtype=object, copy=True)
        values[~missing] = series[~missing].to_numpy(dtype=np.int64)
    elif kind == "real":
        values = series.to_numpy(dtype=float, na_value=np.nan).astype(object)
    else:
        values = series.to_numpy(dtype=object, copy=True)
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            values = series.astype(str).to_numpy(dtype=object, copy=True)
    values[missing] = None
    return values.tolist()


def from_sql_values(values: list, sql_type: str | None) -> pd.Series:
    """A column's stored values as a Series of the declared SQL type."""
    sql_type = (sql_type or "").upper()
    if sql_type == "DATETIME":
        return pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")
    if sql_type == "DATE":
        return pd.to_datetime(pd.Series(values, dtype="object"), format="ISO8601").dt.date
    if sql_type == "BOOLEAN":
        series = pd.Series(values, dtype="object")
        return series.map(lambda v: None if v is None else bool(v)).astype("boolean")
    if sql_type == "INTEGER":
        return pd.Series(values, dtype="object").astype("Int64")
    if sql_type in ("REAL", "DOUBLE", "FLOAT"):
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype="object")


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + str(name).replace('"', '""') + '"'


# SELECT expression giving plain WKB of the geometry column.
WKB_OF_BLOB = wkb_of_blob_sql()

# Checked before every write transaction (quick_check of each, well under 1 ms
# on a 1M-record store; a whole-store quick_check costs ~0.5 s there).
CHECKED_TABLES = (
    "sqlite_schema",
    "gpkg_spatial_ref_sys",
    "gpkg_contents",
    "gpkg_geometry_columns",
    "uploads",
)

# SQLite primary result codes that get their own message.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def read_only_uri(path) -> str:
    """An SQLite URI opening ``path`` read-only (any bytes in the name survive)."""
    absolute = os.fsencode(os.path.abspath(path))
    return "file:" + urllib.parse.quote(absolute, safe="/") + "?mode=ro"


def header_problem(header):
    """What is wrong with the first 100 bytes of an SQLite file, or None.

    Examples
    --------
    >>> header_problem(b"hello")
    'the file is too short to be an SQLite database (5 bytes)'
    """
    if len(header) == 0:
        return None  # a store being created
    if len(header) < 100:
        return f"the file is too short to be an SQLite database ({len(header)} bytes)"
    if header[:16] != b"SQLite format 3\x00":
        return "the SQLite header is damaged (no 'SQLite format 3' signature)"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"the SQLite header is damaged (page size {page_size})"
    if header[21:24] != b"\x40\x20\x20":
        return "the SQLite header is damaged (payload fractions)"
    return None


def initialise(connection: sqlite3.Connection, path) -> None:
    """Make an empty SQLite file a GeoPackage (refused when it holds tables)."""
    existing = connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table'"
    ).fetchone()[0]
    if existing:
        raise StoreError(f"{path}: an SQLite file that is not a GeoPackage")
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {USER_VERSION}")
    for statement in CORE_TABLES.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.executemany(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", SRS_ROWS
    )


def store_error(path, error: Exception, wait: float) -> StoreError:
    """A :class:`StoreError` with a clear message for an ``sqlite3`` error on the
    store at ``path`` (a writer that waited ``wait`` seconds for the lock)."""
    if isinstance(error, StoreError):
        return error
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    where = os.fspath(path)
    if code in (_BUSY, _LOCKED):
        return StoreError(
            f"{where}: the store is locked by {storelock.describe_holder(path)}; "
            f"waited {wait:g} s for it. Nothing was written; try again when it has finished"
        )
    # A failed write (SQLITE_IOERR) on a disk left full, or a store at the size limit, too.
    if code == _FULL or (code == _IOERR and full_disk_in(os.path.dirname(os.path.abspath(where)))):
        return StoreError(
            f"{where}: the disk is full (or the store reached its size limit); nothing "
            "was written and the store is as it was. Free some space and try again"
        )
    if code == _CORRUPT:
        return StoreError(
            f"{where}: the store is corrupt ({error}); nothing was written. Restore "
            "hailin.gpkg from a backup (`sqlite3 hailin.gpkg .recover` saves what it can)"
        )
    if code == _NOTADB:
        return StoreError(
            f"{where}: not a GeoPackage store, or the store is corrupt ({error}); "
            "restore hailin.gpkg from a backup"
        )
    if code == _READONLY:
        return StoreError(f"{where}: the store cannot be written here ({error})")
    if code in (_IOERR, _CANTOPEN):
        return StoreError(f"{where}: the store cannot be read or written ({error})")
    return StoreError(f"{where}: the store cannot be used ({error})")


def check_intact(connection: sqlite3.Connection, path) -> None:
    """Refuse to write to a damaged store: the file header, then a
    quick_check of the schema, GeoPackage tables and the upload log."""
    try:
        with open(path, "rb") as handle:
            problem = header_problem(handle.read(100))
    except OSError as error:
        problem = f"cannot read the header ({error})"
    if problem is None:
        present = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        } | {"sqlite_schema"}
        for table in CHECKED_TABLES:
            if table in present:
                try:
                    result = connection.execute(f"PRAGMA quick_check({quote(table)})")
                    verdict = [row[0] for row in result.fetchmany(3)]
                except sqlite3.DatabaseError as error:  # a page too damaged to walk
                    verdict = [str(error)]
                if verdict != ["ok"]:
                    problem = f"quick_check of {table}: {'; '.join(verdict)}"
                    break
    if problem is not None:
        raise StoreError(
            f"{os.fspath(path)}: the store is corrupt ({problem}); nothing was "
            "written. Restore hailin.gpkg from a backup "
            "(`sqlite3 hailin.gpkg .recover` saves what it can)"
        )


def table_names(connection: sqlite3.Connection) -> list[str]:
    """The layers a GeoPackage lists in its contents."""
    return [r[0] for r in connection.execute("SELECT table_name FROM gpkg_contents").fetchall()]


def next_fid(connection: sqlite3.Connection, name: str) -> int:
    """The fid the next row of table ``name`` gets: past every fid it holds and
    every fid it ever gave (AUTOINCREMENT never gives one twice)."""
    last = connection.execute(f"SELECT max(fid) FROM {quote(name)}").fetchone()[0] or 0
    if connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'"
    ).fetchone()[0]:
        given = connection.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)
        ).fetchone()
        last = max(last, given[0] if given else 0)
    return last + 1


def column_types(connection: sqlite3.Connection, name: str) -> dict[str, str]:
    """{column: declared SQL type} of table ``name``."""
    rows = connection.execute(f"PRAGMA table_info({quote(name)})").fetchall()
    return {row[1]: row[2] for row in rows}


def read_layer(
    connection: sqlite3.Connection,
    path,
    name: str,
    columns: Sequence[str] | None,
    where: str | None,
    parameters: Sequence[object],
    schema: Mapping[str, str] | None,
    spatial: bool,
) -> pd.DataFrame:
    """Layer ``name`` as a (Geo)DataFrame; see :meth:`hailin.surveys.io.store.Store.read`."""
    if name not in table_names(connection):
        if schema is None:
            raise StoreError(f"{path}: no layer {name!r}")
        return empty_frame(schema, spatial=spatial, columns=columns)
    types = column_types(connection, name)
    wanted = [c for c in types if c != "fid"] if columns is None else list(columns)
    if schema is not None and columns is None:
        wanted += [c for c in schema if c not in types]
    if GEOMETRY_COLUMN in types and GEOMETRY_COLUMN not in wanted:
        wanted.append(GEOMETRY_COLUMN)
    absent = [c for c in wanted if c not in types]
    if absent and (schema is None or any(c not in schema for c in absent)):
        raise StoreError(f"{path}: layer {name!r} has no column(s) {', '.join(absent)}")
    present = [c for c in wanted if c in types]
    selected = [WKB_OF_BLOB if c == GEOMETRY_COLUMN else quote(c) for c in present]
    sql = f"SELECT {', '.join(selected)} FROM {quote(name)}"
    if where:
        sql += f" WHERE {where}"
    rows = connection.execute(sql + " ORDER BY fid", parameters).fetchall()
    values_by_column = list(zip(*rows, strict=True)) if rows else [() for _ in present]
    stored = dict(zip(present, values_by_column, strict=True))
    data = {}
    geometry = None
    for column in wanted:
        if column == GEOMETRY_COLUMN:
            geometry = shapely.from_wkb(np.asarray(stored[column], dtype=object))
        elif column in stored:
            data[column] = from_sql_values(list(stored[column]), types[column]).array
        else:  # a column an older store lacks (refused above unless the schema names it)
            assert schema is not None
            data[column] = from_sql_values([None] * len(rows), SQL_TYPES[schema[column]]).array
    frame = pd.DataFrame(data)
    if geometry is not None:
        return geopandas.GeoDataFrame(
            frame, geometry=geopandas.GeoSeries(geometry, crs=SRS_ID), crs=SRS_ID
        )
    return frame


def empty_frame(kinds, *, spatial=True, columns=None):
    """An empty (Geo)DataFrame with the columns of ``kinds`` ({column: kind}),
    typed as :meth:`hailin.surveys.io.store.Store.read` types them; only ``columns`` when given.

    Examples
    --------
    >>> empty_frame({"plot_id": "text", "area_mu": "real"}).dtypes.astype(str).tolist()
    ['object', 'float64', 'geometry']
    """
    wanted = [c for c in (kinds if columns is None else columns) if c != GEOMETRY_COLUMN]
    frame = pd.DataFrame(
        {c: from_sql_values([], SQL_TYPES[kinds[c]]).array for c in wanted}, index=pd.RangeIndex(0)
    )
    if not spatial:
        return frame
    return geopandas.GeoDataFrame(frame, geometry=geopandas.GeoSeries([], crs=SRS_ID), crs=SRS_ID)
