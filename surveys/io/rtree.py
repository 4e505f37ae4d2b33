"""The GeoPackage R-tree spatial index (the ``gpkg_rtree_index`` extension).

Every geometry table ``t`` of the store has the index GDAL writes and reads:
the virtual table ``rtree_t_geometry`` (id, minx, maxx, miny, maxy), its row in
``gpkg_extensions``, and the spec's seven triggers that keep it when any
program inserts, updates or deletes a feature. QGIS and GDAL find it there and
draw or filter a large layer by bounding box without reading every row.

The triggers call ``ST_IsEmpty`` and ``ST_MinX``..``ST_MaxY``, which plain
SQLite lacks: :func:`register_functions` gives them to hailin's writing
connections (read-only connections never run a trigger and need none). hailin's
own appends fill the index in bulk instead: the insert trigger is dropped for
the length of the write transaction and put back before it commits (as GDAL's
bulk mode does), and the bounds come from shapely, vectorised, not from a call
per row (see bench/RESULTS.md, "Issue 9: the house").
"""

import contextlib
import sqlite3
import struct

import numpy as np
import shapely

from hailin.surveys.io.geopackage import quote, wkb_of_blob_sql
from hailin.surveys.io.rtree_pack import NATIVE_CELL, outward, read_leaves, write_tree

EXTENSION = "gpkg_rtree_index"
DEFINITION = "http://www.geopackage.org/spec120/#extension_rtree"
FID = "fid"
# The columns of an R-tree, as of a CELL.
FIELDS = ("id", "minx", "maxx", "miny", "maxy")

EXTENSIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
    "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"
)

# The triggers of the GeoPackage spec (1.4, F.3), as GDAL writes them: {t} the
# table, {c} its geometry column, {i} its id column, {r} the R-tree (all quoted).
_BOUNDS = "ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})"
_NEW_FILLED = "(NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))"
TRIGGERS = {
    "insert": "AFTER INSERT ON {t} WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c})) "
    "BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.{i}, " + _BOUNDS + "); END",
    "update6": "AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND " + _NEW_FILLED + " AND "
    "(OLD.{c} NOTNULL AND NOT ST_IsEmpty(OLD.{c})) BEGIN UPDATE {r} SET "
    "minx = ST_MinX(NEW.{c}), maxx = ST_MaxX(NEW.{c}), miny = ST_MinY(NEW.{c}), "
    "maxy = ST_MaxY(NEW.{c}) WHERE id = NEW.{i}; END",
    "update7": "AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND " + _NEW_FILLED + " AND "
    "(OLD.{c} ISNULL OR ST_IsEmpty(OLD.{c})) BEGIN INSERT INTO {r} VALUES (NEW.{i}, "
    + _BOUNDS
    + "); END",
    "update2": "AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND "
    "(NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END",
    "update5": "AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND " + _NEW_FILLED + " BEGIN "
    "DELETE FROM {r} WHERE id = OLD.{i}; INSERT OR REPLACE INTO {r} VALUES (NEW.{i}, "
    + _BOUNDS
    + "); END",
    "update4": "AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND "
    "(NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) BEGIN DELETE FROM {r} WHERE id IN "
    "(OLD.{i}, NEW.{i}); END",
    "delete": "AFTER DELETE ON {t} WHEN old.{c} NOT NULL BEGIN DELETE FROM {r} "
    "WHERE id = OLD.{i}; END",
}

# Rows read at a time while an index is built for a table that has none.
_CHUNK_ROWS = 100_000
# New cells that are more than 1/REPACK_SHARE of the tree they join make it
# cheaper to pack the whole tree anew than to insert them one by one.
REPACK_SHARE = 8


def index_name(table: str, column: str) -> str:
    """The R-tree table of ``table``'s geometry ``column``.

    Examples
    --------
    >>> index_name("surveys", "geometry")
    'rtree_surveys_geometry'
    """
    return f"rtree_{table}_{column}"


def _trigger_name(table, column, which):
    return quote(f"{index_name(table, column)}_{which}")


def _trigger_sql(table, column, which):
    body = TRIGGERS[which].format(
        t=quote(table), c=quote(column), i=quote(FID), r=quote(index_name(table, column))
    )
    return f"CREATE TRIGGER {_trigger_name(table, column, which)} {body}"


# -- the ST_ functions the triggers call ------------------------------------------
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}
_POINT_TYPES = {1, 1001, 2001, 3001}  # ISO WKB Point, Point Z, M, ZM


def blob_bounds(blob):
    """(minx, maxx, miny, maxy) of a GeoPackage geometry blob; None when it is
    empty or not a GeoPackage geometry. Read from the blob's envelope when it
    has one, from the WKB of a point, else from the parsed geometry.

    Examples
    --------
    >>> import struct
    >>> point = b"GP\\x00\\x01" + struct.pack("<i", 4326) + b"\\x01" + struct.pack("<I2d", 1, 120.2, 27.1)
    >>> blob_bounds(point)
    (120.2, 120.2, 27.1, 27.1)
    >>> blob_bounds(b"GP\\x00\\x11" + bytes(4)) is None
    True
    """
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    doubles = _ENVELOPE_DOUBLES.get((flags >> 1) & 0b111)
    if flags & 0b10000 or doubles is None:  # the empty flag, or no such envelope
        return None
    if doubles:
        order = "<" if flags & 1 else ">"
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
    else:
        wkb = blob[8:]
        if len(wkb) >= 21 and wkb[0] in (0, 1):
            order = "<" if wkb[0] else ">"
            if struct.unpack_from(order + "I", wkb, 1)[0] in _POINT_TYPES:
                x, y = struct.unpack_from(order + "2d", wkb, 5)
                return None if x != x or y != y else (x, x, y, y)
        try:
            minx, miny, maxx, maxy = shapely.bounds(shapely.from_wkb(wkb)).tolist()
        except shapely.errors.ShapelyError:
            return None
    return None if minx != minx else (minx, maxx, miny, maxy)


def register_functions(connection: sqlite3.Connection) -> None:
    """Give ``connection`` the functions the spec's R-tree triggers call, so
    hailin's writes keep the index whichever path they take."""
    last = [None, None]  # one blob's bounds serve its four calls in a trigger

    def bounds(blob):
        if last[0] is not blob:
            last[0], last[1] = blob, blob_bounds(blob)
        return last[1]

    def is_empty(blob):
        if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
            return None
        return int(bool(blob[3] & 0b10000) or bounds(blob) is None)

    def one_bound(position):
        def function(blob):
            found = bounds(blob)
            return None if found is None else found[position]

        return function

    connection.create_function("ST_IsEmpty", 1, is_empty, deterministic=True)
    for position, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        connection.create_function(name, 1, one_bound(position), deterministic=True)


# -- creating, filling and dropping an index ---------------------------------------
def _exists(connection, name):
    return bool(
        connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()[0]
    )


def has_index(connection: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether ``table`` has its R-tree (the table and the extension row)."""
    if not (
        _exists(connection, "gpkg_extensions") and _exists(connection, index_name(table, column))
    ):
        return False
    return bool(
        connection.execute(
            "SELECT count(*) FROM gpkg_extensions WHERE table_name = ? AND column_name = ? "
            "AND extension_name = ?",
            (table, column, EXTENSION),
        ).fetchone()[0]
    )


def unindexed(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of the geometry columns that have no R-tree yet (a store
    written before the index came, or a layer another program added)."""
    if not _exists(connection, "gpkg_geometry_columns"):
        return []  # a store being created
    columns = connection.execute(
        "SELECT table_name, column_name FROM gpkg_geometry_columns"
    ).fetchall()
    return [
        (t, c) for t, c in columns if _exists(connection, t) and not has_index(connection, t, c)
    ]


def create_index(connection: sqlite3.Connection, table: str, column: str) -> None:
    """Index geometry ``column`` of ``table``: the R-tree packed over the rows
    already there, its extension row and the spec's triggers. Inside the
    caller's write transaction."""
    name = index_name(table, column)
    connection.execute(EXTENSIONS_TABLE)
    connection.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    connection.execute(
        f"CREATE VIRTUAL TABLE {quote(name)} USING rtree(id, minx, maxx, miny, maxy)"
    )
    rows = connection.execute(
        f"SELECT {quote(FID)}, {wkb_of_blob_sql(column)} FROM {quote(table)} WHERE {quote(column)} NOT NULL"
    )
    parts = []
    while chunk := rows.fetchmany(_CHUNK_ROWS):
        fids, wkb = zip(*chunk, strict=True)
        parts.append(
            cells(fids, shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore"))
        )
    if parts:
        write_tree(connection, name, np.concatenate(parts))
    connection.execute(
        "INSERT OR REPLACE INTO gpkg_extensions VALUES (?, ?, ?, ?, 'write-only')",
        (table, column, EXTENSION, DEFINITION),
    )
    for which in TRIGGERS:
        connection.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, column, which)}")
        connection.execute(_trigger_sql(table, column, which))


def drop_index(connection: sqlite3.Connection, table: str, column: str) -> None:
    """Remove ``table``'s R-tree and its extension row (its triggers go with the table)."""
    connection.execute(f"DROP TABLE IF EXISTS {quote(index_name(table, column))}")
    if _exists(connection, "gpkg_extensions"):
        connection.execute(
            "DELETE FROM gpkg_extensions WHERE table_name = ? AND column_name = ? "
            "AND extension_name = ?",
            (table, column, EXTENSION),
        )


def cells(fids, geometries):
    """R-tree cells (:data:`~surveys.io.rtree_pack.NATIVE_CELL`) of shapely
    ``geometries`` under ``fids``; empty and missing geometries have none, as
    the spec says."""
    bounds = shapely.bounds(np.asarray(geometries, dtype=object))
    kept = ~np.isnan(bounds).any(axis=1)
    found = np.empty(int(kept.sum()), dtype=NATIVE_CELL)
    found["id"] = np.asarray(fids, dtype=np.int64)[kept]
    minx, miny, maxx, maxy = bounds[kept].T
    found["minx"], found["maxx"], found["miny"], found["maxy"] = outward(minx, maxx, miny, maxy)
    return found


def add_cells(connection: sqlite3.Connection, name: str, new) -> None:
    """Put ``new`` cells into R-tree ``name``: through SQLite's own inserts
    when they are few, else by packing the whole tree anew (old cells read
    from its leaves), which costs about as much as inserting an eighth of it."""
    if not len(new):
        return
    count = connection.execute(f"SELECT count(*) FROM {quote(name + '_rowid')}").fetchone()[0]
    if len(new) * REPACK_SHARE < count + len(new):
        connection.executemany(
            f"INSERT OR REPLACE INTO {quote(name)} VALUES (?, ?, ?, ?, ?)",
            zip(*(new[f].tolist() for f in FIELDS), strict=True),
        )
        return
    if count == 0:  # nothing to merge with (an import into a new layer)
        write_tree(connection, name, new)
        return
    every = np.concatenate([new, read_leaves(connection, name).astype(NATIVE_CELL)])
    _ids, first = np.unique(every["id"], return_index=True)  # a new cell replaces an old one
    write_tree(connection, name, every[first])


@contextlib.contextmanager
def bulk_insert(connection: sqlite3.Connection, table: str, column: str):
    """Inside: rows inserted into ``table`` do not fire the insert trigger; the
    block calls what it is given, ``add(fids, geometries)``, for the rows it
    inserts, and their cells go into the R-tree at the end, at once. The
    trigger is back when the block ends (all inside one write transaction: no
    other connection ever sees the store without it)."""
    connection.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, column, 'insert')}")
    added = []
    yield lambda fids, geometries: added.append(cells(fids, geometries))
    # Not on an error: the caller's rollback brings the trigger back with the rest.
    every = np.concatenate([np.empty(0, NATIVE_CELL), *added])
    added.clear()  # the parts' arrays are in ``every`` now
    add_cells(connection, index_name(table, column), every)
    connection.execute(_trigger_sql(table, column, "insert"))
