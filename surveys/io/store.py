"""The workspace store: a GeoPackage written and read through SQLite directly.

GDAL writes one layer per call, each in its own transaction; an import must put
its upload, accepted rows and rejects in place together or not at all, so the
store speaks SQLite itself. The files it writes are plain GeoPackage 1.4 (any
GIS, QGIS included, opens them); geometry is EPSG:4326 without envelopes.

The journal is WAL, so a reader (opened read-only) sees the last commit and never
waits for a writer; writers queue for one write lock, each for a bounded time.

Every geometry layer carries the GeoPackage R-tree spatial index (:mod:`hailin.surveys.io.rtree`),
kept by the store's writes; an older store gets it at its first write transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence

import geopandas
import pandas as pd

from hailin.surveys.errors import StoreError
from hailin.surveys.io import rtree, storelock
from hailin.surveys.io.geopackage import (
    APPLICATION_ID,
    GEOMETRY_COLUMN,
    SQL_TYPES,
    SRS_ID,
    check_intact,
    column_types,
    initialise,
    kind_of,
    quote,
    read_layer,
    read_only_uri,
    store_error,
    table_names,
)
from hailin.surveys.io.rows import write_rows

# How long a writer waits for another writer's transaction before it gives up
# (seconds). Readers never wait for writers: WAL lets them read the last commit.
WRITE_WAIT_S = 30.0
# Readers wait only while SQLite recovers the WAL after a crash (milliseconds).
READ_WAIT_S = 30.0


class Store:
    """A GeoPackage holding the workspace's layers, opened with :meth:`open` as a
    writer (the default) or a reader (``write=False``: never waits for an import,
    sees the last commit). Writes inside ``with store.transaction():`` land
    together; a writer waits ``wait`` seconds for another, then a StoreError.

    Examples
    --------
    >>> import os, tempfile, geopandas, shapely
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.gpkg")
    >>> xy = shapely.points([[120.33, 27.26], [120.34, 27.27]])
    >>> points = geopandas.GeoDataFrame({"name": ["a", "b"]}, geometry=xy, crs=4326)
    >>> with Store.open(path, create=True) as store, store.transaction():
    ...     store.append("points", points)
    >>> with Store.open(path, write=False) as store:
    ...     store.count("points"), store.read("points", where="name = ?", parameters=("b",)).geometry.x.tolist()
    (2, [120.34])
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
        self._bulk: dict[str, Callable] = {}  # layer -> its R-tree's bulk adder

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        /,
        *,
        create: bool = False,
        write: bool = True,
        wait: float = WRITE_WAIT_S,
    ) -> Store:
        """Open the store at ``path`` (``create`` it when missing; writers only)."""
        if create and not write:
            raise StoreError("a store can only be created by a writer (write=True)")
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
                    read_only_uri(self.path), uri=True, timeout=READ_WAIT_S, isolation_level=None
                )
                self._connection.execute("PRAGMA query_only = ON")
            app_id = self._connection.execute("PRAGMA application_id").fetchone()[0]
            if not self.write:
                if app_id != APPLICATION_ID:
                    raise StoreError(f"{self.path}: not a GeoPackage store")
                return
            rtree.register_functions(self._connection)  # what the R-tree triggers call
            self._connection.execute("PRAGMA foreign_keys = OFF")
            self._connection.execute("PRAGMA synchronous = FULL")  # one fsync per commit
            self._connection.execute("PRAGMA cache_size = -262144")  # 256 MiB for index builds
            self._connection.execute(f"PRAGMA journal_size_limit = {64 << 20}")
            if self.max_page_count is not None:
                self._connection.execute(f"PRAGMA max_page_count = {int(self.max_page_count)}")
            if self._connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._connection.execute("PRAGMA journal_mode = WAL")
            if app_id != APPLICATION_ID:
                with self.transaction(holder="creating the store"):
                    initialise(self._connection, self.path)
        except sqlite3.Error as error:
            self.close()
            raise self.error(error) from error
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection (the store is closed on leaving ``with``)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- errors -----------------------------------------------------------------
    def error(self, error: sqlite3.Error) -> StoreError:
        """A :class:`StoreError` with a clear message for an ``sqlite3`` error."""
        return store_error(self.path, error, self.wait)

    # -- transactions -----------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, *, holder: str | None = None) -> Iterator[sqlite3.Connection]:
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

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Reads inside see one state of the store: one read transaction, so the
        layers a command reads agree with each other even when an import
        commits meanwhile (WAL keeps the reader's snapshot; it never waits for
        the writer). Inside another transaction it joins that one."""
        if self._connection.in_transaction:
            yield self
            return
        try:
            self._connection.execute("BEGIN")
        except sqlite3.Error as error:
            raise self.error(error) from error
        try:
            yield self
        finally:
            if self._connection is not None and self._connection.in_transaction:
                self._connection.execute("ROLLBACK" if self.write else "COMMIT")

    def _begin(self, holder):
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self.error(error) from error
        try:
            if not self._checked:
                check_intact(self._connection, self.path)
            self._token = storelock.write_record(self.path, holder)
            if not self._checked:
                for table, column in rtree.unindexed(self._connection):
                    rtree.create_index(self._connection, table, column)
                self._checked = True
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
    def layers(self) -> list[str]:
        """The names of the store's layers."""
        try:
            return table_names(self._connection)
        except sqlite3.Error as error:
            raise self.error(error) from error

    def has_layer(self, name: str) -> bool:
        """Whether the store has a layer ``name``."""
        return name in self.layers()

    def create_layer(
        self,
        name: str,
        columns: Mapping[str, str],
        *,
        geometry_type: str = "GEOMETRY",
        spatial: bool = True,
    ) -> None:
        """Create a layer with ``columns`` = {name: kind} (kinds of :data:`SQL_TYPES`)."""
        definitions = ["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"]
        if spatial:
            definitions.append(f"{GEOMETRY_COLUMN} {geometry_type}")
        for column, kind in columns.items():
            definitions.append(f"{quote(column)} {SQL_TYPES[kind]}")
        with self.transaction() as connection:
            connection.execute(f"CREATE TABLE {quote(name)} ({', '.join(definitions)})")
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
                rtree.create_index(connection, name, GEOMETRY_COLUMN)

    def drop_layer(self, name: str) -> None:
        """Remove layer ``name`` (nothing when it is not there)."""
        with self.transaction() as connection:
            rtree.drop_index(connection, name, GEOMETRY_COLUMN)
            connection.execute(f"DROP TABLE IF EXISTS {quote(name)}")
            connection.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (name,))
            connection.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (name,))

    def column_types(self, name: str) -> dict[str, str]:
        """{column: declared SQL type} of layer ``name``."""
        try:
            return column_types(self._connection, name)
        except sqlite3.Error as error:
            raise self.error(error) from error

    def append(
        self,
        name: str,
        frame: pd.DataFrame,
        *,
        kinds: Mapping[str, str] | None = None,
        progress: Callable[[int], object] | None = None,
        chunk_rows: int = 50_000,
    ) -> None:
        """Append rows of ``frame`` to layer ``name``, creating it when missing.

        ``progress(n)`` is called after each chunk of ``n`` rows is written.
        """
        kinds = dict(kinds or {})
        spatial = isinstance(frame, geopandas.GeoDataFrame)
        columns = [c for c in frame.columns if not (spatial and c == frame.geometry.name)]
        for column in columns:
            kinds.setdefault(column, kind_of(frame[column]))
        with self.transaction() as connection:
            if not self.has_layer(name):
                self.create_layer(name, {c: kinds[c] for c in columns}, spatial=spatial)
            else:
                self.ensure_columns(name, {c: kinds[c] for c in columns})
            if len(frame) == 0:
                return
            write_rows(
                connection,
                name,
                frame,
                columns,
                kinds,
                spatial=spatial,
                chunk_rows=chunk_rows,
                progress=progress,
                index=self._bulk.get(name),
            )

    @contextlib.contextmanager
    def bulk_appends(self, name: str) -> Iterator[None]:
        """Appends to layer ``name`` inside (one transaction) have their R-tree
        cells packed once, at the end: an import in parts packs its tree once."""
        with self.transaction() as connection:
            if not rtree.has_index(connection, name, GEOMETRY_COLUMN):
                yield
                return
            with rtree.bulk_insert(connection, name, GEOMETRY_COLUMN) as add:
                self._bulk[name] = add
                try:
                    yield
                finally:
                    del self._bulk[name]

    def replace(
        self, name: str, frame: pd.DataFrame, *, kinds: Mapping[str, str] | None = None
    ) -> None:
        """Replace layer ``name`` by ``frame`` in one transaction."""
        with self.transaction():
            self.drop_layer(name)
            self.append(name, frame, kinds=kinds)

    def read(
        self,
        name: str,
        *,
        columns: Sequence[str] | None = None,
        where: str | None = None,
        parameters: Sequence[object] = (),
        schema: Mapping[str, str] | None = None,
        spatial: bool = True,
    ) -> pd.DataFrame:
        """Layer ``name`` as a (Geo)DataFrame: all ``columns`` or the ones named
        (the geometry comes whenever the layer has one), optionally filtered by
        an SQL ``where``.

        With ``schema`` ({column: kind}, and ``spatial``), a layer not yet
        written reads as an empty frame of those columns, and columns the
        stored layer lacks (an older store) read as empty; without it, a
        missing layer or column is a :class:`StoreError`.
        """
        try:
            return read_layer(
                self._connection, self.path, name, columns, where, parameters, schema, spatial
            )
        except sqlite3.Error as error:
            raise self.error(error) from error

    def ensure_columns(self, name: str, kinds: Mapping[str, str]) -> None:
        """Add the columns of ``kinds`` that layer ``name`` lacks (an older store)."""
        with self.transaction() as connection:
            known = self.column_types(name)
            for column, kind in kinds.items():
                if column not in known:
                    connection.execute(
                        f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} {SQL_TYPES[kind]}"
                    )

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> sqlite3.Cursor:
        """Run one SQL statement on the store (for indexes and small queries)."""
        try:
            return self._connection.execute(sql, parameters)
        except sqlite3.Error as error:
            raise self.error(error) from error

    def count(self, name: str) -> int:
        """The number of rows in layer ``name``."""
        return self.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: "ok" for a sound store."""
        return self._connection.execute("PRAGMA integrity_check").fetchone()[0]
