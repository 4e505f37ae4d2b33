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
import math
import pathlib

from hailin.maps.errors import TileFileError
from hailin.maps.tilereaders import (
    MAX_TILES,
    MBTilesReader,
    PMTilesReader,
    clean_text,
)

MAX_FILE_BYTES = 32 << 30
MAX_ZOOM = 22
MAX_TILE_SET_BYTES = 128 << 20

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
    hailin.maps.errors.TileFileError: zooms should be FIRST-LAST with 0 <= FIRST <= LAST <= 22, e.g. 10-16; got '16-10'
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
    reader: MBTilesReader | PMTilesReader
    if start.startswith(_SQLITE):
        reader = MBTilesReader(path)
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
        reader = PMTilesReader(path, size)
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
        path, kind, int(first), int(last), clean_text(name), clean_text(attribution), _reader=reader
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
    index: dict[str, int] = {}
    blobs: list[bytes] = []
    types: list[str] = []
    seen: dict[bytes, int] = {}
    nbytes = 0
    covered = tile_bounds(first, *tile_range(area, first))
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
    if not index:
        raise TileFileError(
            f"{tile_file.path}: no tile of zooms {first}-{last} covers the map's area"
        )
    return TileSet(
        tile_file.path.name, index, blobs, types, (first, last), covered, tile_file.attribution
    )
