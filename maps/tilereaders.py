"""Readers of raster tile files: MBTiles (SQLite, opened read-only with its
schema untrusted, queries time-limited) and PMTiles (bounded directories).

:func:`hailin.maps.tilefiles.open_tile_file` chooses one by the file's first bytes.
"""

import json
import os
import sqlite3
import time
import urllib.parse
import zlib

from hailin.maps.errors import TileFileError

MAX_TILES = 4096
MAX_TILE_BYTES = 2 << 20
MAX_METADATA_ROWS = 1000
MAX_TEXT = 300  # characters of a name or attribution kept
MAX_DIRECTORY_BYTES = 16 << 20  # a PMTiles directory, compressed
MAX_DIRECTORY_INFLATED = 64 << 20  # ... and decompressed
QUERY_SECONDS = 60


def clean_text(text):
    """A name or attribution from a tile file: one line, at most MAX_TEXT characters."""
    text = "" if text is None else str(text)
    return " ".join(text.split())[:MAX_TEXT]


class MBTilesReader:
    """Tiles from an MBTiles (SQLite) file, rows in the TMS scheme the spec sets."""

    def __init__(self, path):
        uri = f"file:{urllib.parse.quote(os.fspath(path))}?mode=ro"
        self.path = path
        self.db = sqlite3.connect(uri, uri=True)
        self.deadline = time.monotonic() + QUERY_SECONDS
        self.db.set_progress_handler(lambda: int(time.monotonic() > self.deadline), 10_000)
        for pragma in ("trusted_schema = OFF", "cell_size_check = ON", "query_only = ON"):
            self.db.execute(f"PRAGMA {pragma}")

    def query(self, sql, args=()):
        self.deadline = time.monotonic() + QUERY_SECONDS
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as error:
            raise TileFileError(f"{self.path}: cannot read it as MBTiles ({error})") from error

    def metadata(self):
        names = {row[0] for row in self.query("SELECT name FROM sqlite_master")}
        if not {"tiles", "metadata"} <= names:
            raise TileFileError(
                f"{self.path}: an SQLite file without the tiles and metadata tables of MBTiles"
            )
        rows = self.query(
            "SELECT name, substr(CAST(value AS TEXT), 1, ?) FROM metadata LIMIT ?",
            (4 * MAX_TEXT, MAX_METADATA_ROWS + 1),
        )
        if len(rows) > MAX_METADATA_ROWS:
            raise TileFileError(f"{self.path}: more than {MAX_METADATA_ROWS} metadata rows")
        return {str(k): v for k, v in rows}

    def zooms(self):
        first, last = self.query("SELECT min(zoom_level), max(zoom_level) FROM tiles")[0]
        return first, last

    def _rows(self, z, x0, x1, y0, y1):
        n = 1 << z
        # TMS rows count from the south: row = 2^z - 1 - y.
        return self.query(
            "SELECT tile_column, tile_row, length(tile_data), "
            "CASE WHEN length(tile_data) <= ? THEN tile_data END FROM tiles "
            "WHERE zoom_level = ? AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ? "
            "LIMIT ?",
            (MAX_TILE_BYTES, z, x0, x1, n - 1 - y1, n - 1 - y0, MAX_TILES + 1),
        )

    def block(self, z, x0, x1, y0, y1):
        rows = self._rows(z, x0, x1, y0, y1)
        if len(rows) > MAX_TILES:
            raise TileFileError(f"{self.path}: more than {MAX_TILES:,} tiles at zoom {z}")
        n = 1 << z
        tiles = {}
        for column, row, size, data in rows:
            if data is None:
                raise TileFileError(
                    f"{self.path}: tile {z}/{column}/{n - 1 - row} is {size:,} bytes, "
                    f"more than a tile can be ({MAX_TILE_BYTES:,})"
                )
            tiles[(int(column), n - 1 - int(row))] = bytes(data)
        return tiles

    def tile(self, z, x, y):
        return self.block(z, x, x, y, y).get((x, y))

    def close(self):
        self.db.close()


class PMTilesReader:
    """Tiles from a PMTiles v3 file, through the pmtiles package, with bounded
    directory reads (a directory is checked before the package inflates it)."""

    def __init__(self, path, size):
        from pmtiles.tile import (
            Compression,
            TileType,
            deserialize_header,
        )

        self.path = path
        self.size = size
        self.handle = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.directories = {}
        try:
            header = deserialize_header(self._bytes(0, 127))
        except Exception as error:  # the package raises its own and struct errors
            self.close()
            raise TileFileError(f"{path}: not a PMTiles v3 file ({error!r})") from error
        self.header = header
        if header["tile_type"] not in (TileType.PNG, TileType.JPEG, TileType.WEBP):
            self.close()
            raise TileFileError(
                f"{path}: holds {header['tile_type'].name} tiles; hailin draws raster "
                "tiles (PNG, JPEG, WebP): export a raster PMTiles"
            )
        if header["internal_compression"] != Compression.GZIP:
            self.close()
            raise TileFileError(
                f"{path}: directories compressed with {header['internal_compression'].name}; "
                "hailin reads gzip (the pmtiles default)"
            )
        self.gzip_tiles = header["tile_compression"] == Compression.GZIP
        if header["tile_compression"] not in (
            Compression.NONE,
            Compression.UNKNOWN,
            Compression.GZIP,
        ):
            self.close()
            raise TileFileError(
                f"{path}: tiles compressed with {header['tile_compression'].name}, refused"
            )

    def _bytes(self, offset, length):
        if offset < 0 or length < 0 or offset + length > self.size:
            raise TileFileError(f"{self.path}: points past its end (a damaged file)")
        self.handle.seek(offset)
        return self.handle.read(length)

    def _directory(self, offset, length):
        from pmtiles.tile import deserialize_directory

        key = (offset, length)
        if key not in self.directories:
            if length > MAX_DIRECTORY_BYTES:
                raise TileFileError(f"{self.path}: a directory of {length:,} bytes, refused")
            blob = self._bytes(offset, length)
            inflater = zlib.decompressobj(wbits=47)
            try:
                inflater.decompress(blob, MAX_DIRECTORY_INFLATED)
                ok = not inflater.unconsumed_tail
                entries = deserialize_directory(blob) if ok else None
            except Exception as error:
                raise TileFileError(f"{self.path}: a damaged directory ({error!r})") from error
            if entries is None:
                raise TileFileError(
                    f"{self.path}: a directory inflating past {MAX_DIRECTORY_INFLATED:,} bytes"
                )
            if len(self.directories) > 4096:
                self.directories.clear()
            self.directories[key] = entries
        return self.directories[key]

    def metadata(self):
        """The JSON metadata (name, attribution, ...), or {} if it cannot be read."""
        length = self.header["metadata_length"]
        if length > MAX_DIRECTORY_BYTES:
            return {}
        try:
            inflater = zlib.decompressobj(wbits=47)
            text = inflater.decompress(self._bytes(self.header["metadata_offset"], length), 1 << 20)
            data = json.loads(text) if not inflater.unconsumed_tail else {}
        except (zlib.error, ValueError, TileFileError):
            return {}
        return data if isinstance(data, dict) else {}

    def tile(self, z, x, y):
        from pmtiles.tile import find_tile, zxy_to_tileid

        header = self.header
        tile_id = zxy_to_tileid(z, x, y)
        offset, length = header["root_offset"], header["root_length"]
        for _depth in range(4):
            entry = find_tile(self._directory(offset, length), tile_id)
            if entry is None:
                return None
            if entry.run_length == 0:
                offset = header["leaf_directory_offset"] + entry.offset
                length = entry.length
                continue
            if entry.length > MAX_TILE_BYTES:
                raise TileFileError(
                    f"{self.path}: tile {z}/{x}/{y} is {entry.length:,} bytes, more than a "
                    f"tile can be ({MAX_TILE_BYTES:,})"
                )
            data = self._bytes(header["tile_data_offset"] + entry.offset, entry.length)
            if self.gzip_tiles:
                inflater = zlib.decompressobj(wbits=47)
                data = inflater.decompress(data, MAX_TILE_BYTES)
                if inflater.unconsumed_tail:
                    raise TileFileError(f"{self.path}: tile {z}/{x}/{y} inflates too far")
            return data
        raise TileFileError(f"{self.path}: directories nested deeper than PMTiles allows")

    def block(self, z, x0, x1, y0, y1):
        tiles = {}
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                data = self.tile(z, x, y)
                if data is not None:
                    tiles[(x, y)] = data
        return tiles

    def close(self):
        self.handle.close()
