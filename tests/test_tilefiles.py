"""MBTiles and PMTiles basemap files: read within bounds, refused with a message."""

import contextlib
import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.sites import load_sites
from hailin.maps import save_map
from hailin.maps.errors import TileFileError
from hailin.maps.programme import overview_map
from hailin.maps.tilefiles import (
    open_tile_file,
    padded,
    parse_zooms,
    select_tiles,
    tile_range,
)
from hailin.maps.tilereaders import MAX_TILE_BYTES, MAX_TILES
from tests.tiles import tile_png, tiles_for, write_mbtiles, write_pmtiles

SITES = tuple(load_sites().total_bounds)


@pytest.fixture(scope="module")
def tiles():
    return tiles_for(padded(SITES, share=0.6), (10, 14))


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_reads_the_tiles_covering_the_map(tmp_path, tiles, kind):
    path = tmp_path / f"t.{kind}"
    if kind == "mbtiles":
        write_mbtiles(path, tiles)
    else:
        write_pmtiles(path, tiles, padded(SITES, share=0.6))
    with open_tile_file(path) as tile_file:
        assert (tile_file.kind, tile_file.min_zoom, tile_file.max_zoom) == (kind, 10, 14)
        assert tile_file.attribution == "test tiles" and tile_file.name == "test basemap"
        some = next(iter(tiles))
        assert tile_file.tile(*some) == tiles[some]
        assert tile_file.tile(3, 0, 0) is None
        chosen = select_tiles(tile_file, SITES, "12-13")
    expected = set()
    for z in (12, 13):
        x0, x1, y0, y1 = tile_range(padded(SITES), z)
        expected |= {f"{z}/{x}/{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
    assert set(chosen.index) == expected
    assert chosen.zooms == (12, 13) and chosen.types == ["image/png"] * len(chosen.blobs)
    # Identical tiles are carried once (the test tiles repeat in a checkerboard).
    assert len(chosen.blobs) == 4 < len(chosen.index)
    z, x, y = (int(v) for v in sorted(expected)[0].split("/"))
    assert chosen.blobs[chosen.index[f"{z}/{x}/{y}"]] == tile_png(z, x, y)
    (south, west), (north, east) = chosen.bounds
    assert west <= SITES[0] and south <= SITES[1] and east >= SITES[2] and north >= SITES[3]


def test_the_offline_map_carries_the_tiles(tmp_path, tiles):
    path = write_mbtiles(tmp_path / "fuding.mbtiles", tiles)
    page = save_map(
        overview_map(load_sites(), lang="en", basemap_file=path, zooms="11-12"),
        tmp_path / "map.html",
    )
    text = page.read_text(encoding="utf-8")
    assert "Offline basemap (fuding.mbtiles)" in text
    index = json.loads(text.split('"index":', 1)[1].split("}", 1)[0] + "}")
    assert {key.split("/")[0] for key in index} == {"11", "12"}
    assert text.count("data:image/png;base64,") >= 4


def test_file_names_and_attributions_stay_text(tmp_path, tiles):
    hostile = "<img src=x onerror=alert(1)>"
    path = write_mbtiles(tmp_path / f"{hostile}.mbtiles", tiles, {"attribution": hostile})
    fmap = overview_map(load_sites(), lang="zh", basemap_file=path, zooms="12-12")
    text = save_map(fmap, tmp_path / "map.html").read_text(encoding="utf-8")
    assert hostile not in text
    # The page's own part, after the inlined leaflet.js (whose quotes the pattern would misread).
    text = text.split("hailinControlWords(L,", 1)[1]
    strings = set()
    for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', text):
        with contextlib.suppress(ValueError):
            strings.add(json.loads(f'"{literal}"'))
    # Leaflet writes layer names and attributions as HTML: they arrive escaped.
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    assert f"离线底图 ({escaped}.mbtiles)" in strings and escaped in strings


def test_zooms():
    assert parse_zooms("10-16") == (10, 16) and parse_zooms((3, 4)) == (3, 4)
    for bad in ("16-10", "x", "1-2-3", "-1", "0-23", ""):
        with pytest.raises(TileFileError, match="zooms should be FIRST-LAST"):
            parse_zooms(bad)


def test_too_many_tiles_are_refused_with_a_range_that_fits(tmp_path):
    path = write_mbtiles(
        tmp_path / "deep.mbtiles", {(0, 0, 0): tile_png(0, 0, 0)}, {"minzoom": "0", "maxzoom": "0"}
    )
    db = sqlite3.connect(path)
    db.execute("INSERT INTO tiles VALUES (20, 0, 0, ?)", (tile_png(0, 0, 0),))
    db.commit()
    db.close()
    with open_tile_file(path) as tile_file, pytest.raises(TileFileError) as error:
        select_tiles(tile_file, SITES)
    message = str(error.value)
    assert f"more than the {MAX_TILES:,} a map can carry" in message
    assert "e.g. --zooms 0-1" in message


def _sqlite(path, *statements):
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"GIF89a" + b"\x00" * 200), "not an MBTiles or PMTiles file"),
        (lambda p: p.write_bytes(b""), "not an MBTiles or PMTiles file"),
        (
            lambda p: _sqlite(p, "CREATE TABLE features (id INTEGER)"),
            "without the tiles and metadata tables of MBTiles",
        ),
        (
            lambda p: write_mbtiles(p, {(5, 1, 1): b"\x1a\x00"}, {"format": "pbf"}),
            "holds vector tiles (format pbf)",
        ),
        (
            lambda p: write_mbtiles(p, {(30, 1, 1): tile_png(0, 0, 0)}),
            "zoom levels 30-30, not within 0-22",
        ),
        (lambda p: write_mbtiles(p, {}), "or no tiles at all"),
        (lambda p: p.write_bytes(b"PMTiles\x03" + b"\x00" * 50), "not a PMTiles v3 file"),
        (
            lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200),
            "cannot read it as MBTiles",
        ),
    ],
)
def test_files_that_are_not_raster_tile_sets_are_refused(tmp_path, make, message):
    path = tmp_path / "basemap.mbtiles"
    make(path)
    with (
        pytest.raises(TileFileError, match="^" + re.escape(str(path))) as error,
        open_tile_file(path) as tile_file,
    ):
        select_tiles(tile_file, SITES, "0-22")
    assert message in str(error.value)


def test_a_huge_tile_and_a_tile_that_is_no_image_are_refused(tmp_path):
    x0, _x1, y0, _y1 = tile_range(padded(SITES), 12)
    huge = write_mbtiles(
        tmp_path / "huge.mbtiles", {(12, x0, y0): b"\x89PNG" + bytes(MAX_TILE_BYTES)}
    )
    with (
        open_tile_file(huge) as tile_file,
        pytest.raises(TileFileError, match="more than a tile can be"),
    ):
        select_tiles(tile_file, SITES)
    text = write_mbtiles(tmp_path / "text.mbtiles", {(12, x0, y0): b"<svg onload=alert(1)>"})
    with (
        open_tile_file(text) as tile_file,
        pytest.raises(TileFileError, match="not a PNG, JPEG or WebP"),
    ):
        select_tiles(tile_file, SITES)


@pytest.mark.parametrize(
    ("length", "message"),
    [(5_000_000, "points past its end"), (10**9, "a directory of 1,000,000,000 bytes, refused")],
)
def test_a_damaged_pmtiles_file_is_refused(tmp_path, tiles, length, message):
    path = write_pmtiles(tmp_path / "t.pmtiles", tiles, SITES)
    data = bytearray(path.read_bytes())
    data[16:24] = length.to_bytes(8, "little")  # the root directory's length
    path.write_bytes(bytes(data))
    with pytest.raises(TileFileError, match=message), open_tile_file(path) as tile_file:
        select_tiles(tile_file, SITES, "12-12")


def test_vector_pmtiles_are_refused(tmp_path):
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    path = tmp_path / "v.pmtiles"
    with open(path, "wb") as handle:
        writer = Writer(handle)
        writer.write_tile(zxy_to_tileid(0, 0, 0), b"\x1a\x00")
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.NONE,
                "min_lon_e7": 0,
                "min_lat_e7": 0,
                "max_lon_e7": 0,
                "max_lat_e7": 0,
                "center_zoom": 0,
                "center_lon_e7": 0,
                "center_lat_e7": 0,
            },
            {},
        )
    with pytest.raises(TileFileError, match="holds MVT tiles"):
        open_tile_file(path)


def test_cli_basemap_file(tmp_path, tiles):
    from hailin.demo import build_demo

    ws, _ = build_demo(tmp_path / "demo")
    path = write_pmtiles(tmp_path / "fuding.pmtiles", tiles, SITES)
    runner = CliRunner()
    out = tmp_path / "map.html"
    result = runner.invoke(
        main,
        [
            "-w",
            str(ws.root),
            "map",
            "restoration",
            "-o",
            str(out),
            "--basemap-file",
            str(path),
            "--zooms",
            "12-13",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "(self-contained, opens with no network:" in result.output
    assert "Offline basemap (fuding.pmtiles)" in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.mbtiles"
    bad.write_text("not tiles")
    result = runner.invoke(
        main, ["-w", str(ws.root), "map", "restoration", "-o", str(out), "--basemap-file", str(bad)]
    )
    assert result.exit_code == 4
    assert result.output.strip() == f"hailin：错误：{bad}：不是 MBTiles 或 PMTiles 文件"
    result = runner.invoke(main, ["-w", str(ws.root), "map", "restoration", "--zooms", "10-12"])
    assert result.exit_code == 2 and "--zooms needs --basemap-file" in result.output
    result = runner.invoke(main, ["-w", str(ws.root), "map", "restoration", "--basemap", "file"])
    assert result.exit_code == 2 and "需要底图文件" in result.output


def test_a_pmtiles_directory_inflating_past_its_bound_is_refused(tmp_path, tiles):
    import zlib

    path = write_pmtiles(tmp_path / "t.pmtiles", tiles, SITES)
    data = bytearray(path.read_bytes())
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    bomb = b"".join(packer.compress(chunk) for _ in range(80)) + packer.flush()
    assert len(bomb) < 200_000
    data[8:16] = len(data).to_bytes(8, "little")  # the root directory: the bomb
    data[16:24] = len(bomb).to_bytes(8, "little")
    path.write_bytes(bytes(data) + bomb)
    with (
        pytest.raises(TileFileError, match="a directory inflating past 67,108,864 bytes"),
        open_tile_file(path) as tile_file,
    ):
        select_tiles(tile_file, SITES, "12-12")
