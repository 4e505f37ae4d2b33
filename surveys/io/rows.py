"""Writing a frame's rows into a store layer: the INSERTs, a chunk at a time,
and the layer's extent in gpkg_contents. Inside the store's write transaction
(:meth:`hailin.surveys.io.store.Store.append` calls these)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import shapely

from hailin.surveys.io import rtree
from hailin.surveys.io.geopackage import (
    GEOMETRY_COLUMN,
    encode_geometries,
    next_fid,
    quote,
    to_sql_values,
)


def write_rows(
    connection: sqlite3.Connection,
    name: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    kinds: Mapping[str, str],
    *,
    spatial: bool,
    chunk_rows: int,
    progress: Callable[[int], object] | None = None,
    index: Callable[[range, np.ndarray], object] | None = None,
) -> None:
    """INSERT the rows of ``frame`` (its ``columns``, and its geometry when
    ``spatial``) into layer ``name``, ``chunk_rows`` at a time, and keep the
    layer's R-tree (the rows get their fids here; their cells are packed in
    bulk at the end, or handed to ``index``, the adder of a caller packing
    several appends at once), extent and time of last change."""
    names = [quote(c) for c in columns] + ([GEOMETRY_COLUMN] if spatial else [])
    with contextlib.ExitStack() as stack:
        if index is None and spatial and rtree.has_index(connection, name, GEOMETRY_COLUMN):
            index = stack.enter_context(rtree.bulk_insert(connection, name, GEOMETRY_COLUMN))
        first = 0
        if index is not None:
            names = ["fid", *names]
            first = next_fid(connection, name)
        placeholders = ", ".join("?" * len(names))
        statement = f"INSERT INTO {quote(name)} ({', '.join(names)}) VALUES ({placeholders})"
        for start in range(0, len(frame), chunk_rows):
            chunk = frame.iloc[start : start + chunk_rows]
            values: list = [to_sql_values(chunk[c], kinds[c]) for c in columns]
            if spatial:
                geometries = chunk.geometry.values
                values.append(encode_geometries(geometries))
                if index is not None:
                    fids = range(first + start, first + start + len(chunk))
                    values.insert(0, fids)
                    index(fids, geometries)
            connection.executemany(statement, zip(*values, strict=True))
            if progress is not None:
                progress(len(chunk))
    if spatial:
        update_extent(connection, name, frame.geometry.values)
    connection.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
        "WHERE table_name = ?",
        (name,),
    )


def update_extent(connection: sqlite3.Connection, name: str, geometries) -> None:
    """Widen layer ``name``'s extent in gpkg_contents to take in ``geometries``."""
    bounds = shapely.total_bounds(np.asarray(geometries, dtype=object))
    if not np.isfinite(bounds).all():
        return
    connection.execute(
        "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), "
        "min_y = min(coalesce(min_y, ?2), ?2), max_x = max(coalesce(max_x, ?3), ?3), "
        "max_y = max(coalesce(max_y, ?4), ?4) WHERE table_name = ?5",
        (*map(float, bounds), name),
    )
