"""The workspace store: a GeoPackage written and read through SQLite directly.

GDAL writes one layer per call, each in its own transaction; an import must put
its upload, accepted rows and rejects in place together or not at all, so the
store speaks SQLite itself. The files it writes are plain GeoPackage 1.4 (any
GIS, QGIS included, opens them); geometry is EPSG:4326 without envelopes.
"""

import contextlib
import sqlite3
import struct

import geopandas
import numpy as np
import pandas as pd
import shapely

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


class Store:
    """A GeoPackage holding the workspace's layers.

    Open with :meth:`open` (creating the GeoPackage tables when new); write
    several layers atomically inside ``with store.transaction():``.
    """

    def __init__(self, path, /):
        self.path = path
        self._connection = None
        self._depth = 0

    @classmethod
    def open(cls, path, /, *, create=False):
        store = cls(path)
        store._connect(create=create)
        return store

    def _connect(self, create):
        import os

        if not create and not os.path.exists(self.path):
            raise StoreError(f"{self.path}: no store here")
        try:
            # A large import holds the write lock for a while; others wait for it.
            self._connection = sqlite3.connect(self.path, timeout=900.0, isolation_level=None)
            self._connection.execute("PRAGMA foreign_keys = OFF")
            self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.execute("PRAGMA cache_size = -262144")  # 256 MiB for index builds
            with self.transaction():
                app_id = self._connection.execute("PRAGMA application_id").fetchone()[0]
                if app_id != _APPLICATION_ID:
                    self._initialise()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not a GeoPackage store ({error})") from error

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

    @contextlib.contextmanager
    def transaction(self):
        """All writes inside land together or not at all (nested calls join)."""
        connection = self._connection
        if self._depth == 0:
            connection.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield connection
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                connection.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            connection.execute("COMMIT")

    # -- layers -----------------------------------------------------------------
    def layers(self):
        rows = self._connection.execute("SELECT table_name FROM gpkg_contents").fetchall()
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
        rows = self._connection.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
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

    def read(self, name, *, columns=None, where=None, parameters=()):
        """Layer ``name`` as a (Geo)DataFrame: all ``columns`` or the ones named
        (the geometry comes whenever the layer has one), optionally filtered by
        an SQL ``where``."""
        if not self.has_layer(name):
            raise StoreError(f"{self.path}: no layer {name!r}")
        types = self.column_types(name)
        wanted = [c for c in types if c != "fid"] if columns is None else list(columns)
        if GEOMETRY_COLUMN in types and GEOMETRY_COLUMN not in wanted:
            wanted.append(GEOMETRY_COLUMN)
        missing = [c for c in wanted if c not in types]
        if missing:
            raise StoreError(f"{self.path}: layer {name!r} has no column(s) {', '.join(missing)}")
        selected = [_WKB_OF_BLOB if c == GEOMETRY_COLUMN else _quote(c) for c in wanted]
        sql = f"SELECT {', '.join(selected)} FROM {_quote(name)}"
        if where:
            sql += f" WHERE {where}"
        rows = self._connection.execute(sql + " ORDER BY fid", parameters).fetchall()
        values_by_column = list(zip(*rows, strict=True)) if rows else [() for _ in wanted]
        data = {}
        geometry = None
        for column, values in zip(wanted, values_by_column, strict=True):
            if column == GEOMETRY_COLUMN:
                geometry = shapely.from_wkb(np.asarray(values, dtype=object))
            else:
                data[column] = _from_sql_values(list(values), types[column]).array
        frame = pd.DataFrame(data)
        if geometry is not None:
            return geopandas.GeoDataFrame(
                frame, geometry=geopandas.GeoSeries(geometry, crs=SRS_ID), crs=SRS_ID
            )
        return frame

    def execute(self, sql, parameters=()):
        """Run one SQL statement on the store (for indexes and small queries)."""
        return self._connection.execute(sql, parameters)

    def count(self, name):
        return self._connection.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]

    def integrity_check(self):
        return self._connection.execute("PRAGMA integrity_check").fetchone()[0]
