"""The workspace store: a GeoPackage written and read through SQLite directly.

GDAL writes one layer per call, each in its own transaction; an import must put
its upload, accepted rows and rejects in place together or not at all, so the
store speaks SQLite itself. The files it writes are plain GeoPackage 1.4 (any
GIS, QGIS included, opens them); geometry is EPSG:4326 without envelopes.

The journal is WAL, so a reader (opened read-only) sees the last commit and never
waits for a writer; writers queue for one write lock, each for a bounded time.
"""

import contextlib
import os
import sqlite3
import struct
import urllib.parse

import geopandas
import numpy as np
import pandas as pd
import shapely

from surveys import storelock
from surveys.errors import StoreError

GEOMETRY_COLUMN = "geometry"
SRS_ID = 4326
_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10400
_HEADER = b"GP\x00\x01" + struct.pack("<i", SRS_ID)  # little endian, no envelope
_EMPTY_HEADER = b"GP\x00\x11" + struct.pack("<i", SRS_ID)
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]'
)

_CORE_TABLES = """
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

_SRS_ROWS = [
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


def _wkb_of_blob_sql():
    """SQL that strips the GeoPackage header (8 bytes plus the envelope the
    flags byte announces) so SQLite hands over plain WKB."""
    cases = []
    for flags in range(64):
        envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
        if envelope is not None:
            cases.append(f"WHEN X'{flags:02X}' THEN {9 + envelope}")
    return (
        f"substr({GEOMETRY_COLUMN}, CASE substr({GEOMETRY_COLUMN}, 4, 1) "
        f"{' '.join(cases)} ELSE 9 END)"
    )


def encode_geometries(geometries):
    """GeoPackage geometry blobs (list of bytes or None) for shapely geometries."""
    geometries = np.asarray(geometries, dtype=object)
    wkb = shapely.to_wkb(geometries, byte_order=1, flavor="iso", output_dimension=3)
    empty = shapely.is_empty(geometries)
    return [
        None if w is None else (_EMPTY_HEADER if e else _HEADER) + w
        for w, e in zip(wkb.tolist(), empty.tolist(), strict=True)
    ]


def _kind_of(series):
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


def _to_sql_values(series, kind):
    """A list of Python values SQLite stores for one column (vectorised)."""
    if kind in ("datetime", "date"):
        values = pd.to_datetime(series, utc=True) if kind == "datetime" else pd.to_datetime(series)
        stamps = values.to_numpy(dtype="datetime64[ms]")
        if kind == "datetime":  # GeoPackage wants UTC as YYYY-MM-DDTHH:MM:SS.SSSZ
            text = np.char.add(np.datetime_as_string(stamps, unit="ms"), "Z").astype(object)
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
        values = series.astype(str).to_numpy(dtype=object, copy=True)
    values[missing] = None
    return values.tolist()


def _from_sql_values(values, sql_type):
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


def _quote(name):
    return '"' + str(name).replace('"', '""') + '"'


_WKB_OF_BLOB = _wkb_of_blob_sql()


# How long a writer waits for another writer's transaction before it gives up
# (seconds). Readers never wait for writers: WAL lets them read the last commit.
WRITE_WAIT_S = 30.0
# Readers wait only while SQLite recovers the WAL after a crash (milliseconds).
READ_WAIT_S = 30.0
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


def _read_only_uri(path):
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


class Store:
    """A GeoPackage holding the workspace's layers.

    Open with :meth:`open`: a writer (the default; creates the GeoPackage
    tables when new) or a reader (``write=False``: read-only, never waits for
    an import and sees the last commit). Write several layers atomically
    inside ``with store.transaction():``.

    The journal is WAL. A writer waits ``wait`` seconds (default
    :data:`WRITE_WAIT_S`) for another writer, then fails with a
    :class:`StoreError` naming the import that holds the store. Locked, full
    disk and corrupt store each have their own message; the store is checked
    (header and :data:`CHECKED_TABLES`) before every write transaction.
    """

    # A ceiling on the store's size in pages (SQLite's max_page_count), for a
    # quota; None leaves SQLite's own limit.
    max_page_count = None

    def __init__(self, path, /, *, write=True, wait=WRITE_WAIT_S):
        self.path = path
        self.write = write
        self.wait = float(wait)
        self._connection = None
        self._depth = 0
        self._token = None
        self._checked = False

    @classmethod
    def open(cls, path, /, *, create=False, write=True, wait=WRITE_WAIT_S):
        """Open the store at ``path`` (``create`` it when missing; writers only)."""
        if create and not write:
            raise ValueError("a store can only be created by a writer (write=True)")
        store = cls(path, write=write, wait=wait)
        store._connect(create=create)
        return store

    def _connect(self, create):
        if not create and not os.path.exists(self.path):
            raise StoreError(f"{self.path}: no store here")
        try:
            if self.write:
                self._connection = sqlite3.connect(
                    self.path, timeout=self.wait, isolation_level=None
                )
            else:
                self._connection = sqlite3.connect(
                    _read_only_uri(self.path), uri=True, timeout=READ_WAIT_S, isolation_level=None
                )
                self._connection.execute("PRAGMA query_only = ON")
            app_id = self._connection.execute("PRAGMA application_id").fetchone()[0]
            if not self.write:
                if app_id != _APPLICATION_ID:
                    raise StoreError(f"{self.path}: not a GeoPackage store")
                return
            self._connection.execute("PRAGMA foreign_keys = OFF")
            self._connection.execute("PRAGMA synchronous = FULL")  # one fsync per commit
            self._connection.execute("PRAGMA cache_size = -262144")  # 256 MiB for index builds
            self._connection.execute(f"PRAGMA journal_size_limit = {64 << 20}")
            if self.max_page_count is not None:
                self._connection.execute(f"PRAGMA max_page_count = {int(self.max_page_count)}")
            if self._connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._connection.execute("PRAGMA journal_mode = WAL")
            if app_id != _APPLICATION_ID:
                with self.transaction(holder="creating the store"):
                    self._initialise()
        except sqlite3.Error as error:
            self.close()
            raise self.error(error) from error
        except BaseException:
            self.close()
            raise

    def _initialise(self):
        existing = self._connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table'"
        ).fetchone()[0]
        if existing:
            raise StoreError(f"{self.path}: an SQLite file that is not a GeoPackage")
        self._connection.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
        self._connection.execute(f"PRAGMA user_version = {_USER_VERSION}")
        for statement in _CORE_TABLES.split(";"):
            if statement.strip():
                self._connection.execute(statement)
        self._connection.executemany(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _SRS_ROWS
        )

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- errors -----------------------------------------------------------------
    def error(self, error):
        """A :class:`StoreError` with a clear message for an ``sqlite3`` error."""
        if isinstance(error, StoreError):
            return error
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        where = os.fspath(self.path)
        if code in (_BUSY, _LOCKED):
            return StoreError(
                f"{where}: the store is locked by {storelock.describe_holder(self.path)}; "
                f"waited {self.wait:g} s for it. Nothing was written; try again when it has finished"
            )
        if code == _FULL:
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
        return StoreError(f"{where}: {error}")

    def _check_intact(self):
        """Refuse to write to a damaged store: the file header, then a
        quick_check of the schema, GeoPackage tables and the upload log."""
        try:
            with open(self.path, "rb") as handle:
                problem = header_problem(handle.read(100))
        except OSError as error:
            problem = f"cannot read the header ({error})"
        if problem is None:
            present = {
                name
                for (name,) in self._connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            } | {"sqlite_schema"}
            for table in CHECKED_TABLES:
                if table in present:
                    try:
                        result = self._connection.execute(f"PRAGMA quick_check({_quote(table)})")
                        verdict = [row[0] for row in result.fetchmany(3)]
                    except sqlite3.DatabaseError as error:  # a page too damaged to walk
                        verdict = [str(error)]
                    if verdict != ["ok"]:
                        problem = f"quick_check of {table}: {'; '.join(verdict)}"
                        break
        if problem is not None:
            raise StoreError(
                f"{os.fspath(self.path)}: the store is corrupt ({problem}); nothing was "
                "written. Restore hailin.gpkg from a backup "
                "(`sqlite3 hailin.gpkg .recover` saves what it can)"
            )

    # -- transactions -----------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, *, holder=None):
        """All writes inside land together or not at all (nested calls join).

        ``holder`` says what this writer does ("import of a.csv"), for the
        message a waiting writer gets; by default the command line.
        """
        if not self.write:
            raise StoreError(f"{os.fspath(self.path)}: opened read-only; cannot write")
        connection = self._connection
        if self._depth == 0:
            self._begin(holder)
        self._depth += 1
        try:
            yield connection
        except BaseException as error:
            self._depth -= 1
            if self._depth == 0:
                self._end("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self.error(error) from error
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self._end("COMMIT")
            except sqlite3.Error as error:
                self._end("ROLLBACK")
                raise self.error(error) from error

    def _begin(self, holder):
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self.error(error) from error
        try:
            if not self._checked:
                self._check_intact()
                self._checked = True
            self._token = storelock.write_record(self.path, holder)
        except BaseException as error:
            self._end("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self.error(error) from error
            raise

    def _end(self, statement):
        """COMMIT or ROLLBACK, clearing the holder record first, while the
        lock is still held (so it never clears another writer's record)."""
        if self._token is not None:
            storelock.clear_record(self.path, self._token)
            self._token = None
        if statement == "COMMIT" or self._connection.in_transaction:
            self._connection.execute(statement)

    # -- layers -----------------------------------------------------------------
    def layers(self):
        rows = self.execute("SELECT table_name FROM gpkg_contents").fetchall()
        return [r[0] for r in rows]

    def has_layer(self, name):
        return name in self.layers()

    def create_layer(self, name, columns, *, geometry_type="GEOMETRY", spatial=True):
        """Create a layer with ``columns`` = {name: kind} (kinds of :data:`SQL_TYPES`)."""
        definitions = ["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"]
        if spatial:
            definitions.append(f"{GEOMETRY_COLUMN} {geometry_type}")
        for column, kind in columns.items():
            definitions.append(f"{_quote(column)} {SQL_TYPES[kind]}")
        with self.transaction() as connection:
            connection.execute(f"CREATE TABLE {_quote(name)} ({', '.join(definitions)})")
            connection.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES (?, ?, ?, ?)",
                (name, "features" if spatial else "attributes", name, SRS_ID if spatial else None),
            )
            if spatial:
                connection.execute(
                    "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 2, 0)",
                    (name, GEOMETRY_COLUMN, geometry_type, SRS_ID),
                )

    def drop_layer(self, name):
        with self.transaction() as connection:
            connection.execute(f"DROP TABLE IF EXISTS {_quote(name)}")
            connection.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (name,))
            connection.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (name,))

    def column_types(self, name):
        rows = self.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        return {row[1]: row[2] for row in rows}

    def append(self, name, frame, *, kinds=None, progress=None, chunk_rows=50_000):
        """Append rows of ``frame`` to layer ``name``, creating it when missing.

        ``progress(n)`` is called after each chunk of ``n`` rows is written.
        """
        kinds = dict(kinds or {})
        spatial = isinstance(frame, geopandas.GeoDataFrame)
        columns = [c for c in frame.columns if not (spatial and c == frame.geometry.name)]
        for column in columns:
            kinds.setdefault(column, _kind_of(frame[column]))
        with self.transaction() as connection:
            if not self.has_layer(name):
                self.create_layer(name, {c: kinds[c] for c in columns}, spatial=spatial)
            else:
                known = self.column_types(name)
                for column in columns:
                    if column not in known:
                        connection.execute(
                            f"ALTER TABLE {_quote(name)} ADD COLUMN {_quote(column)} "
                            f"{SQL_TYPES[kinds[column]]}"
                        )
            if len(frame) == 0:
                return
            names = [_quote(c) for c in columns] + ([GEOMETRY_COLUMN] if spatial else [])
            placeholders = ", ".join("?" * len(names))
            statement = f"INSERT INTO {_quote(name)} ({', '.join(names)}) VALUES ({placeholders})"
            for start in range(0, len(frame), chunk_rows):
                chunk = frame.iloc[start : start + chunk_rows]
                values = [_to_sql_values(chunk[c], kinds[c]) for c in columns]
                if spatial:
                    values.append(encode_geometries(chunk.geometry.values))
                connection.executemany(statement, zip(*values, strict=True))
                if progress is not None:
                    progress(len(chunk))
            if spatial:
                self._update_extent(name, frame.geometry.values)
            connection.execute(
                "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
                "WHERE table_name = ?",
                (name,),
            )

    def _update_extent(self, name, geometries):
        bounds = shapely.total_bounds(np.asarray(geometries, dtype=object))
        if not np.isfinite(bounds).all():
            return
        self._connection.execute(
            "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), "
            "min_y = min(coalesce(min_y, ?2), ?2), max_x = max(coalesce(max_x, ?3), ?3), "
            "max_y = max(coalesce(max_y, ?4), ?4) WHERE table_name = ?5",
            (*map(float, bounds), name),
        )

    def replace(self, name, frame, *, kinds=None):
        """Replace layer ``name`` by ``frame`` in one transaction."""
        with self.transaction():
            self.drop_layer(name)
            self.append(name, frame, kinds=kinds)

    def read(self, name, *, columns=None, where=None, parameters=(), schema=None, spatial=True):
        """Layer ``name`` as a (Geo)DataFrame: all ``columns`` or the ones named
        (the geometry comes whenever the layer has one), optionally filtered by
        an SQL ``where``.

        With ``schema`` ({column: kind}, and ``spatial``), a layer not yet
        written reads as an empty frame of those columns, and columns the
        stored layer lacks (an older store) read as empty; without it, a
        missing layer or column is a :class:`StoreError`.
        """
        try:
            return self._read(name, columns, where, parameters, schema, spatial)
        except sqlite3.Error as error:
            raise self.error(error) from error

    def _read(self, name, columns, where, parameters, schema, spatial):
        if not self.has_layer(name):
            if schema is None:
                raise StoreError(f"{self.path}: no layer {name!r}")
            return empty_frame(schema, spatial=spatial, columns=columns)
        types = self.column_types(name)
        wanted = [c for c in types if c != "fid"] if columns is None else list(columns)
        if schema is not None and columns is None:
            wanted += [c for c in schema if c not in types]
        if GEOMETRY_COLUMN in types and GEOMETRY_COLUMN not in wanted:
            wanted.append(GEOMETRY_COLUMN)
        absent = [c for c in wanted if c not in types]
        if absent and (schema is None or any(c not in schema for c in absent)):
            raise StoreError(f"{self.path}: layer {name!r} has no column(s) {', '.join(absent)}")
        present = [c for c in wanted if c in types]
        selected = [_WKB_OF_BLOB if c == GEOMETRY_COLUMN else _quote(c) for c in present]
        sql = f"SELECT {', '.join(selected)} FROM {_quote(name)}"
        if where:
            sql += f" WHERE {where}"
        rows = self._connection.execute(sql + " ORDER BY fid", parameters).fetchall()
        values_by_column = list(zip(*rows, strict=True)) if rows else [() for _ in present]
        stored = dict(zip(present, values_by_column, strict=True))
        data = {}
        geometry = None
        for column in wanted:
            if column == GEOMETRY_COLUMN:
                geometry = shapely.from_wkb(np.asarray(stored[column], dtype=object))
            elif column in stored:
                data[column] = _from_sql_values(list(stored[column]), types[column]).array
            else:  # a column an older store lacks
                data[column] = _from_sql_values([None] * len(rows), SQL_TYPES[schema[column]]).array
        frame = pd.DataFrame(data)
        if geometry is not None:
            return geopandas.GeoDataFrame(
                frame, geometry=geopandas.GeoSeries(geometry, crs=SRS_ID), crs=SRS_ID
            )
        return frame

    def ensure_columns(self, name, kinds):
        """Add the columns of ``kinds`` that layer ``name`` lacks (an older store)."""
        with self.transaction() as connection:
            known = self.column_types(name)
            for column, kind in kinds.items():
                if column not in known:
                    connection.execute(
                        f"ALTER TABLE {_quote(name)} ADD COLUMN {_quote(column)} {SQL_TYPES[kind]}"
                    )

    def execute(self, sql, parameters=()):
        """Run one SQL statement on the store (for indexes and small queries)."""
        try:
            return self._connection.execute(sql, parameters)
        except sqlite3.Error as error:
            raise self.error(error) from error

    def count(self, name):
        return self.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]

    def integrity_check(self):
        return self._connection.execute("PRAGMA integrity_check").fetchone()[0]


def empty_frame(kinds, *, spatial=True, columns=None):
    """An empty (Geo)DataFrame with the columns of ``kinds`` ({column: kind}),
    typed as :meth:`Store.read` types them; only ``columns`` when given.

    Examples
    --------
    >>> empty_frame({"plot_id": "text", "area_mu": "real"}).dtypes.astype(str).tolist()
    ['object', 'float64', 'geometry']
    """
    wanted = [c for c in (kinds if columns is None else columns) if c != GEOMETRY_COLUMN]
    frame = pd.DataFrame(
        {c: _from_sql_values([], SQL_TYPES[kinds[c]]).array for c in wanted}, index=pd.RangeIndex(0)
    )
    if not spatial:
        return frame
    return geopandas.GeoDataFrame(frame, geometry=geopandas.GeoSeries([], crs=SRS_ID), crs=SRS_ID)
