"""Small MBTiles and PMTiles basemap files, written at test time.

Tiles are 256x256 PNGs made here byte by byte (zlib, no imaging library): a
colour per zoom level, a darker band per tile column so neighbouring tiles
differ, and a one-pixel border, so a screenshot shows where tiles lie.
"""

import sqlite3
import struct
import zlib

from hailin.maps.tilefiles import tile_range

ZOOM_COLOURS = [
    (0xCF, 0xE8, 0xD0),
    (0xBF, 0xDD, 0xEA),
    (0xE8, 0xDF, 0xC4),
    (0xD6, 0xCF, 0xE8),
]


def png(width, height, rgb_rows):
    """A truecolour PNG from ``rgb_rows`` (bytes of 3*width per row)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + row for row in rgb_rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def tile_png(z, x, y):
    """The test tile z/x/y."""
    r, g, b = ZOOM_COLOURS[z % len(ZOOM_COLOURS)]
    shade = 18 if (x + y) % 2 else 0
    fill = bytes((max(r - shade, 0), max(g - shade, 0), max(b - shade, 0)))
    edge = bytes((0x55, 0x66, 0x77))
    body = edge + fill * 254 + edge
    rows = [edge * 256] + [body] * 254 + [edge * 256]
    return png(256, 256, rows)


def tiles_for(bounds, zooms):
    """{(z, x, y): PNG bytes} covering ``bounds`` (minx, miny, maxx, maxy) at zooms (first, last)."""
    tiles = {}
    for z in range(zooms[0], zooms[1] + 1):
        x0, x1, y0, y1 = tile_range(bounds, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles[(z, x, y)] = tile_png(z, x, y)
    return tiles


def write_mbtiles(path, tiles, metadata=None):
    """An MBTiles file (the spec's tables, TMS rows) holding ``tiles`` {(z, x, y): bytes}."""
    zooms = [z for z, _x, _y in tiles] or [0]
    meta = {
        "name": "test basemap",
        "format": "png",
        "minzoom": str(min(zooms)),
        "maxzoom": str(max(zooms)),
        "attribution": "test tiles",
        **(metadata or {}),
    }
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB)"
        )
        db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
        db.commit()
    finally:
        db.close()
    return path


def write_pmtiles(path, tiles, bounds):
    """A PMTiles v3 file (raster PNG) holding ``tiles`` {(z, x, y): bytes}."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    zooms = [z for z, _x, _y in tiles]
    minx, miny, maxx, maxy = bounds
    with open(path, "wb") as handle:
        writer = Writer(handle)
        for (z, x, y), data in sorted(tiles.items(), key=lambda t: zxy_to_tileid(*t[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        writer.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_zoom": min(zooms),
                "max_zoom": max(zooms),
                "min_lon_e7": int(minx * 1e7),
                "min_lat_e7": int(miny * 1e7),
                "max_lon_e7": int(maxx * 1e7),
                "max_lat_e7": int(maxy * 1e7),
                "center_zoom": min(zooms),
                "center_lon_e7": int((minx + maxx) / 2 * 1e7),
                "center_lat_e7": int((miny + maxy) / 2 * 1e7),
            },
            {"name": "test basemap", "attribution": "test tiles"},
        )
    return path
