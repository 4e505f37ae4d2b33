"""Bounds that did not hold (issues 21.13-17 and 26.6): attribute sizes,
coordinates per geometry and per file, features counted before they are read,
XLSX parts found by what they are, GeoPackage views and layers, rasters by the
pixels the plots ask for. Each refusal is checked to come from the early count
(its message carries the figure only the early path knows), never timed."""

import dataclasses
import json

import numpy as np
import pytest

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.sniff import read_raw
from hailin.surveys.limits import LIMITS
from tests.hostile import INSIDE

X, Y = INSIDE[0]


def lowered(**changes):
    return dataclasses.replace(LIMITS, **changes)


def _gpx(body):
    return (
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{body}</gpx>"
    ).encode()


def test_a_kml_line_of_a_million_coordinates_is_refused_before_its_tuples_are_made(tmp_path):
    coordinates = " ".join(f"{X + i * 1e-7:.7f},{Y},0" for i in range(1_000_000))
    path = tmp_path / "line.kml"
    path.write_text(
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>复萌</name>'
        f"<LineString><coordinates>{coordinates}</coordinates></LineString></Placemark></kml>"
    )
    with pytest.raises(SurveyFileError) as refused:
        read_raw(path)
    # 1,000,000 tuples of two commas: counted from the commas, not parsed.
    assert "placemark 1 has 1,000,000 coordinates (limit 200,000 per geometry)" in str(
        refused.value
    )


def test_a_gpx_track_past_the_geometry_bound_is_refused(tmp_path):
    points = "".join(f'<trkpt lat="{Y}" lon="{X + i * 1e-7:.7f}"/>' for i in range(200_001))
    path = tmp_path / "track.gpx"
    path.write_bytes(_gpx(f"<trk><trkseg>{points}</trkseg></trk>"))
    with pytest.raises(
        SurveyFileError, match=r"a track has more than 200,000 points \(limit 200,000"
    ):
        read_raw(path)


def test_coordinates_of_a_whole_file_are_bounded(tmp_path):
    points = "".join(
        f'<wpt lat="{Y}" lon="{X + i * 1e-5}"><name>复萌</name></wpt>' for i in range(30)
    )
    path = tmp_path / "points.gpx"
    path.write_bytes(_gpx(points))
    with pytest.raises(SurveyFileError, match=r"more than 20 coordinates by waypoint 21"):
        read_raw(path, limits=lowered(file_coordinates=20))


@pytest.mark.parametrize("suffix", ["gpx", "kml"])
def test_an_attribute_past_a_mebibyte_is_refused(suffix, tmp_path):
    note = "长" * 400_000  # 1.2 MB of UTF-8
    path = tmp_path / f"note.{suffix}"
    if suffix == "gpx":
        path.write_bytes(
            _gpx(f'<wpt lat="{Y}" lon="{X}"><name>复萌</name><desc>{note}</desc></wpt>')
        )
    else:
        path.write_text(
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>复萌</name>'
            f"<description>{note}</description><Point><coordinates>{X},{Y}</coordinates>"
            "</Point></Placemark></kml>",
            encoding="utf-8",
        )
    with pytest.raises(
        SurveyFileError, match=r"attribute '(desc|description)' is 1\.1 MiB \(limit 1 MiB\)"
    ):
        read_raw(path)


def _geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _point_feature(i, **properties):
    return {
        "type": "Feature",
        "properties": {"发现": "复萌", **properties},
        "geometry": {"type": "Point", "coordinates": [X + i * 1e-5, Y]},
    }


def test_features_are_counted_before_they_are_read(tmp_path):
    path = _geojson(tmp_path / "many.geojson", [_point_feature(i) for i in range(200)])
    # The layer's own count (200), not the 51 read up to the bound.
    with pytest.raises(SurveyFileError, match=r"200 features of 2 columns make 400 cells"):
        read_raw(path, limits=lowered(cells=100))


def test_geojson_attribute_and_geometry_sizes_are_bounded(tmp_path):
    big = _geojson(
        tmp_path / "big.geojson", [_point_feature(0, 备注="x" * (LIMITS.attribute_bytes + 1))]
    )
    with pytest.raises(SurveyFileError, match=r"feature 1: attribute '备注' is"):
        read_raw(big)
    line = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "LineString", "coordinates": [[X + i * 1e-7, Y] for i in range(300)]},
    }
    path = _geojson(tmp_path / "line.geojson", [_point_feature(0), line])
    with pytest.raises(SurveyFileError, match=r"feature 2 has 300 coordinates \(limit 200 per"):
        read_raw(path, limits=lowered(geometry_coordinates=200))


def _workbook(tmp_path, name, rows, change=None):
    """A minimal workbook (tests.hostile) with its parts changed by ``change``
    ({part name: new name or None, ...} and text replacements per part)."""
    import io
    import zipfile

    from tests.hostile import _xlsx_with_parts

    source = zipfile.ZipFile(io.BytesIO(_xlsx_with_parts(sheet_rows=rows)))
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.namelist():
            text = source.read(part)
            target, replacements = (change or {}).get(part, (part, ()))
            for old, new in replacements:
                text = text.replace(old.encode(), new.encode())
            archive.writestr(target, text)
    return path


def _cells_row(number, count):
    # Varied values: a row of one repeated cell would inflate past the zip-bomb ratio.
    cells = "".join(f"<c><v>{i * 7919 % 1000003}</v></c>" for i in range(count))
    return f'<row r="{number}">{cells}</row>'


def test_a_worksheet_without_a_content_type_is_bounded_as_a_worksheet(tmp_path):
    no_type = [('<Override PartName="/xl/worksheets/sheet1.xml"', '<Override PartName="/x.xml"')]
    path = _workbook(
        tmp_path,
        "bin.xlsx",
        _cells_row(2, 600_000),
        {
            "xl/worksheets/sheet1.xml": ("xl/worksheets/sheet1.bin", ()),
            "xl/_rels/workbook.xml.rels": (
                "xl/_rels/workbook.xml.rels",
                [("worksheets/sheet1.xml", "worksheets/sheet1.bin")],
            ),
            "[Content_Types].xml": ("[Content_Types].xml", no_type),
        },
    )
    with pytest.raises(
        SurveyFileError, match=r"worksheet 'xl/worksheets/sheet1.bin' holds 600,006 cells"
    ):
        read_raw(path)


def test_a_part_named_twice_in_the_content_types_is_refused(tmp_path):
    twice = '<Override PartName="/xl/workbook.xml" ContentType="application/octet-stream"/></Types>'
    path = _workbook(
        tmp_path,
        "twice.xlsx",
        "",
        {"[Content_Types].xml": ("[Content_Types].xml", [("</Types>", twice)])},
    )
    with pytest.raises(SurveyFileError, match=r"name part 'xl/workbook.xml' twice"):
        read_raw(path)


def test_a_million_empty_styled_rows_after_the_data_are_never_parsed(tmp_path):
    from tests.hostile import good_row
    from tests.hostile3 import _inline_row

    data = "".join(_inline_row(n, good_row(n)) for n in range(2, 5))
    empty = "".join(f'<row r="{n}" s="1" customFormat="1"/>' for n in range(5, 1_048_577))
    path = _workbook(tmp_path, "styled.xlsx", data + empty)
    # 10 s of processor time (the promise) would stop a reader that parsed them all.
    table = read_raw(path, limits=lowered(read_seconds=10))
    assert table.source_rows.tolist() == [2, 3, 4]


def _geopackage(tmp_path, name, *statements):
    import sqlite3

    import geopandas
    import shapely

    path = tmp_path / name
    frame = geopandas.GeoDataFrame(
        {"发现": ["复萌"], "时间": ["2023-06-01 09:00"]}, geometry=[shapely.Point(X, Y)], crs=4326
    )
    frame.to_file(path, layer="points", driver="GPKG", engine="pyogrio")
    with sqlite3.connect(path) as connection:
        for statement, *rows in statements:
            if rows:
                connection.executemany(statement, rows[0])
            else:
                connection.execute(statement)
    return path


def _registered_view(name, select):
    return (
        (f'CREATE VIEW "{name}" AS {select}',),
        (
            "INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES (?, ?, ?)",
            [(name, "attributes", name)],
        ),
    )


def test_a_view_without_end_is_stopped_by_the_statement_bound(tmp_path):
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n"
    path = _geopackage(tmp_path, "endless.gpkg", *_registered_view("endless", endless))
    with pytest.raises(SurveyFileError, match=r"view 'endless' cannot be read within the bounds"):
        read_raw(path, layer="endless", limits=lowered(statement_seconds=1, cells=10**12))


def test_a_view_making_huge_notes_is_refused_before_they_are_made(tmp_path):
    huge = "SELECT replace(hex(zeroblob(200000000)), '0', 'x') AS 备注 FROM points"
    path = _geopackage(tmp_path, "huge.gpkg", *_registered_view("huge", huge))
    with pytest.raises(SurveyFileError, match=r"a value over 1 MiB .*string or blob too big"):
        read_raw(path, layer="huge")


def test_a_view_is_read_by_hailin_with_its_geometry(tmp_path):
    register = (
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, "
        "srs_id, z, m) VALUES ('found', 'geom', 'POINT', 4326, 0, 0)"
    )
    statements = _registered_view("found", "SELECT * FROM points WHERE 发现 = '复萌'")
    path = _geopackage(tmp_path, "view.gpkg", *statements, (register,))
    table = read_raw(path, layer="found")
    assert table.frame["发现"].tolist() == ["复萌"]
    assert [(g.x, g.y) for g in table.geometry] == [(X, Y)]
    assert str(table.crs) == "EPSG:4326"


def test_a_view_is_bounded_by_cells(tmp_path):
    rows = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 50) SELECT i FROM n"
    )
    path = _geopackage(tmp_path, "rows.gpkg", *_registered_view("rows", rows))
    with pytest.raises(SurveyFileError, match=r"view 'rows' yields more cells \(limit 20\)"):
        read_raw(path, layer="rows", limits=lowered(cells=20))


def test_thirty_thousand_layers_are_refused_from_the_register(tmp_path):
    register = "INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES (?, ?, ?)"
    path = _geopackage(
        tmp_path,
        "layers.gpkg",
        (register, [(f"t{i}", "attributes", f"t{i}") for i in range(30_000)]),
    )
    with pytest.raises(SurveyFileError, match=r"registers 30,001 layers \(limit 100\)"):
        read_raw(path)


def test_a_raster_of_a_million_pixels_a_side_is_refused_before_reading(tmp_path):
    import rasterio
    from affine import Affine
    from click.testing import CliRunner

    from hailin.cli import main
    from hailin.surveys.workspace import Workspace
    from tests.raster_workspace import CLASSES, TOP, X0, seeded_workspace
    from tests.rasters import ALBERS

    ws = seeded_workspace(Workspace.create(tmp_path / "ws"), tmp_path)
    path = tmp_path / "huge.tif"
    profile = {
        "driver": "GTiff", "width": 1_000_000, "height": 1_000_000, "count": 1, "dtype": "uint8",
        "crs": ALBERS, "transform": Affine(0.005, 0, X0, 0, -0.005, TOP), "tiled": True,
        "blockxsize": 4096, "blockysize": 4096, "sparse_ok": True, "bigtiff": "YES",
        "compress": "deflate",
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dataset:  # one block written, the rest sparse
        dataset.write(np.full((1, 4096, 4096), 2, "uint8"), window=((0, 4096), (0, 4096)))
    result = CliRunner().invoke(
        main, ["-w", str(ws.root), "raster", "stats", "--classes", CLASSES, str(path)]
    )
    assert result.exit_code == 4, result.output
    assert "个像元（上限 400,000,000）" in result.output
