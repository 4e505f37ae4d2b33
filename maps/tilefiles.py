"""Offline basemaps: raster tiles read from an MBTiles or PMTiles file.

QGIS ("Generate XYZ tiles (MBTiles)"), GDAL, TileMill and the pmtiles tools
write these files. hailin reads the tiles that cover a map's reserves at the
zoom levels asked and hands them to the page (as ``data:`` URIs inside it, or
as files beside it), so the basemap draws with no network at all.

Both readers are bounded: the file's size, each tile's size, zoom levels,
how many tiles a map takes and their bytes, directory sizes (PMTiles) and
query time (MBTiles, an SQLite file opened read-only with its schema
untrusted). Only raster tiles (PNG, JPEG, WebP, told apart by their bytes) are
drawn; vector tiles are refused with a message.
"""

import dataclasses
import hashlib
import json
import math
import os
import pathlib
import sqlite3
import time
import urllib.parse
import zlib

from maps.errors import TileFileError

MAX_FILE_BYTES = 32 << 30
MAX_TILE_BYTES = 2 << 20
MAX_ZOOM = 22
MAX_TILES = 4096
MAX_TILE_SET_BYTES = 128 << 20
MAX_METADATA_ROWS = 1000
MAX_TEXT = 300  # characters of a name or attribution kept
MAX_DIRECTORY_BYTES = 16 << 20  # a PMTiles directory, compressed
MAX_DIRECTORY_INFLATED = 64 << 20  # ... and decompressed
QUERY_SECONDS = 60

_SQLITE = b"SQLite format 3\x00"
_PMTILES = b"PMTiles"


def _image_type(data):
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def parse_zooms(text):
    """(first, last) zoom level from ``"10-16"`` or ``"14"``.

    Examples
    --------
    >>> parse_zooms("10-16"), parse_zooms(" 14 ")
    ((10, 16), (14, 14))
    >>> parse_zooms("16-10")
    Traceback (most recent call last):
    ...
    maps.errors.TileFileError: zooms should be FIRST-LAST with 0 <= FIRST <= LAST <= 22, e.g. 10-16; got '16-10'
    """
    if isinstance(text, tuple | list) and len(text) == 2:
        first, last = text
    else:
        parts = str(text).strip().split("-")
        try:
            first, last = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (1, 0)
        except ValueError:
            first, last = 1, 0
    if not (isinstance(first, int) and isinstance(last, int) and 0 <= first <= last <= MAX_ZOOM):
        raise TileFileError(
            f"zooms should be FIRST-LAST with 0 <= FIRST <= LAST <= {MAX_ZOOM}, e.g. 10-16; "
            f"got {text!r}"
        )
    return first, last


def tile_range(bounds, zoom):
    """(x0, x1, y0, y1), inclusive, of the XYZ tiles covering ``bounds``
    (minx, miny, maxx, maxy in degrees) at ``zoom``.

    Examples
    --------
    >>> tile_range((120.3, 27.2, 120.4, 27.3), 12)
    (3416, 3417, 1724, 1726)
    """
    n = 1 << zoom

    def x_of(lon):
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def y_of(lat):
        lat = max(-85.0511287798, min(85.0511287798, lat))
        rad = math.radians(lat)
        y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n
        return min(n - 1, max(0, int(y)))

    minx, miny, maxx, maxy = bounds
    return x_of(minx), x_of(maxx), y_of(maxy), y_of(miny)


def tile_bounds(zoom, x0, x1, y0, y1):
    """[[south, west], [north, east]] of a block of XYZ tiles."""
    n = 1 << zoom

    def lat_of(y):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

    return [[lat_of(y1 + 1), x0 / n * 360.0 - 180.0], [lat_of(y0), (x1 + 1) / n * 360.0 - 180.0]]


def padded(bounds, share=0.25, least=0.005):
    """``bounds`` grown on each side by ``share`` of its size (at least ``least`` degrees)."""
    minx, miny, maxx, maxy = bounds
    dx = max((maxx - minx) * share, least)
    dy = max((maxy - miny) * share, least)
    return (minx - dx, max(-85.0, miny - dy), maxx + dx, min(85.0, maxy + dy))


@dataclasses.dataclass
class TileFile:
    """An open MBTiles or PMTiles file of raster tiles; use as a context manager."""

    path: pathlib.Path
    kind: str
    min_zoom: int
    max_zoom: int
    name: str = ""
    attribution: str = ""
    _reader: object = None

    def tile(self, z, x, y):
        """The bytes of XYZ tile z/x/y, or ``None`` if the file lacks it."""
        return self._reader.tile(z, x, y)

    def tiles(self, z, x0, x1, y0, y1):
        """{(x, y): bytes} of the tiles the file has in a block at zoom ``z``."""
        return self._reader.block(z, x0, x1, y0, y1)

    def close(self):
        self._reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _clean(text):
    text = "" if text is None else str(text)
    return " ".join(text.split())[:MAX_TEXT]


class _MBTiles:
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


class _PMTiles:
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


def open_tile_file(path) -> TileFile:
    """Open an MBTiles or PMTiles file of raster tiles (told apart by its first bytes).

    Raises :class:`~maps.errors.TileFileError` for anything else, a vector
    tile set, or a file past the bounds of this module.
    """
    path = pathlib.Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            start = handle.read(16)
    except OSError as error:
        raise TileFileError(f"{path}: cannot read it ({error.strerror or error})") from error
    if not path.is_file():
        raise TileFileError(f"{path}: not a file")
    if size > MAX_FILE_BYTES:
        raise TileFileError(
            f"{path}: {size:,} bytes, more than a basemap file can be ({MAX_FILE_BYTES:,})"
        )
    if start.startswith(_SQLITE):
        reader = _MBTiles(path)
        try:
            metadata = reader.metadata()
            fmt = str(metadata.get("format", "")).strip().lower()
            if fmt in ("pbf", "mvt"):
                raise TileFileError(
                    f"{path}: holds vector tiles (format {fmt}); hailin draws raster tiles "
                    "(PNG, JPEG, WebP): export a raster MBTiles (QGIS: Generate XYZ tiles)"
                )
            first, last = reader.zooms()
        except BaseException:
            reader.close()
            raise
        name, attribution = metadata.get("name"), metadata.get("attribution")
        kind = "mbtiles"
    elif start.startswith(_PMTILES):
        reader = _PMTiles(path, size)
        first, last = reader.header["min_zoom"], reader.header["max_zoom"]
        metadata = reader.metadata()
        name, attribution, kind = metadata.get("name"), metadata.get("attribution"), "pmtiles"
    else:
        raise TileFileError(f"{path}: not an MBTiles or PMTiles file")
    if first is None or not (0 <= int(first) <= int(last) <= MAX_ZOOM):
        reader.close()
        raise TileFileError(
            f"{path}: zoom levels {first}-{last}, not within 0-{MAX_ZOOM} (or no tiles at all)"
        )
    return TileFile(
        path, kind, int(first), int(last), _clean(name), _clean(attribution), _reader=reader
    )


@dataclasses.dataclass
class TileSet:
    """Tiles chosen for a map: ``index`` {"z/x/y": blob number}, the distinct
    ``blobs`` and their ``types`` (MIME), the ``zooms`` and ``bounds``
    ([[south, west], [north, east]]) they cover, from file ``source``."""

    source: str
    index: dict
    blobs: list
    types: list
    zooms: tuple
    bounds: list
    attribution: str = ""

    @property
    def nbytes(self) -> int:
        return sum(len(b) for b in self.blobs)

    def data_uris(self):
        import base64

        return [
            f"data:{kind};base64,{base64.b64encode(blob).decode('ascii')}"
            for blob, kind in zip(self.blobs, self.types, strict=True)
        ]

    def write(self, folder):
        """Write each distinct tile once into ``folder``; their file names in blob order."""
        folder = pathlib.Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for blob, kind in zip(self.blobs, self.types, strict=True):
            name = f"{hashlib.sha256(blob).hexdigest()[:24]}.{kind.split('/')[1]}"
            target = folder / name
            if not target.exists():
                target.write_bytes(blob)
            names.append(name)
        return names


def _count(bounds, zooms):
    total = 0
    for z in range(zooms[0], zooms[1] + 1):
        x0, x1, y0, y1 = tile_range(bounds, z)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


def select_tiles(tile_file, bounds, zooms=None) -> TileSet:
    """The tiles of ``tile_file`` covering ``bounds`` (padded) at ``zooms``
    ((first, last), default the file's own levels), within the module's bounds.

    A zoom range needing more than :data:`MAX_TILES` tiles is refused with a
    range that fits.
    """
    area = padded(bounds)
    first, last = (
        parse_zooms(zooms) if zooms is not None else (tile_file.min_zoom, tile_file.max_zoom)
    )
    first, last = max(first, tile_file.min_zoom), min(last, tile_file.max_zoom)
    if first > last:
        raise TileFileError(
            f"{tile_file.path}: holds zooms {tile_file.min_zoom}-{tile_file.max_zoom}, "
            f"none of {zooms!r}"
        )
    if _count(area, (first, last)) > MAX_TILES:
        fits = [z for z in range(first, last + 1) if _count(area, (first, z)) <= MAX_TILES]
        hint = f"e.g. --zooms {first}-{fits[-1]}" if fits else "a smaller area"
        raise TileFileError(
            f"{tile_file.path}: zooms {first}-{last} need {_count(area, (first, last)):,} tiles "
            f"to cover the map, more than the {MAX_TILES:,} a map can carry; choose fewer ({hint})"
        )
    index, blobs, types, seen, nbytes = {}, [], [], {}, 0
    covered = None
    for z in range(first, last + 1):
        x0, x1, y0, y1 = tile_range(area, z)
        for (x, y), data in sorted(tile_file.tiles(z, x0, x1, y0, y1).items()):
            kind = _image_type(data)
            if kind is None:
                raise TileFileError(
                    f"{tile_file.path}: tile {z}/{x}/{y} is not a PNG, JPEG or WebP image"
                )
            digest = hashlib.sha256(data).digest()
            if digest not in seen:
                nbytes += len(data)
                if nbytes > MAX_TILE_SET_BYTES:
                    raise TileFileError(
                        f"{tile_file.path}: the tiles of zooms {first}-{last} pass "
                        f"{MAX_TILE_SET_BYTES >> 20} MB; choose fewer zooms (--zooms)"
                    )
                seen[digest] = len(blobs)
                blobs.append(data)
                types.append(kind)
            index[f"{z}/{x}/{y}"] = seen[digest]
        if covered is None:
            covered = tile_bounds(z, x0, x1, y0, y1)
    if not index:
        raise TileFileError(
            f"{tile_file.path}: no tile of zooms {first}-{last} covers the map's area"
        )
    return TileSet(
        tile_file.path.name, index, blobs, types, (first, last), covered, tile_file.attribution
    )
