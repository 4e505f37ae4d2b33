"""The bad-input corpus: each file gets a clear error, and nothing is lost."""

import pathlib

import pytest

from tests.conftest import DATA

BAD = DATA / "bad"

# name: (exit code, status, rows accepted, rows rejected, (row, column) of the first error, fragment)
EXPECTED = {
    "empty.csv": (4, "rejected", 0, 0, (None, None), "the file is empty"),
    "only_header.csv": (4, "rejected", 0, 0, (None, None), "holds no records"),
    "blank_lines.csv": (4, "rejected", 0, 0, (None, None), "no header row and no data"),
    "xlsx_named_csv.csv": (0, "accepted", 1, 0, None, None),
    "image_named_csv.csv": (4, "rejected", 0, 0, (None, None), "a binary file"),
    "truncated.zip": (4, "rejected", 0, 0, (None, None), "not a readable ZIP archive"),
    "corrupt.xlsx": (4, "rejected", 0, 0, (None, None), "not a readable Excel workbook"),
    "truncated.xlsx": (4, "rejected", 0, 0, (None, None), "not a readable ZIP archive"),
    "old_excel.xls": (4, "rejected", 0, 0, (None, None), "save it as .xlsx"),
    "no_coordinates.csv": (
        4,
        "rejected",
        0,
        0,
        (None, None),
        "missing required column(s): 经度 and 纬度 (lon, lat) or a WKT column; "
        "found: 时间, 巡查类型, 发现",
    ),
    "no_time.csv": (
        4,
        "rejected",
        0,
        0,
        (None, None),
        "missing required column(s): 时间 or 日期 (date/time), or --observed-on DATE for a "
        "file without times; found: 经度, 纬度, 巡查类型, 发现",
    ),
    "no_finding.csv": (
        4,
        "rejected",
        0,
        0,
        (None, None),
        "missing required column(s): 发现 (finding)",
    ),
    "no_patrol_type.csv": (4, "rejected", 0, 0, (None, None), "or --patrol-type"),
    "bad_dates.csv": (4, "rejected", 0, 2, (2, "时间"), "unreadable date/time 'someday'"),
    "mixed_good_bad.csv": (3, "partial", 3, 3, (3, "经度"), "unreadable coordinate 'abc'"),
    "out_of_range.csv": (4, "rejected", 0, 2, (2, "经度/纬度"), "coordinates out of range"),
    "swapped.csv": (4, "rejected", 0, 1, (2, "经度/纬度"), "longitude and latitude look swapped"),
    "far_away.csv": (
        4,
        "rejected",
        0,
        1,
        (2, "经度/纬度"),
        "km from the nearest site (limit 30 km)",
    ),
    # A self-intersecting polygon is repaired and stored with a warning (tests/test_invariants.py).
    "invalid_polygon.geojson": (0, "accepted", 1, 0, None, None),
    "billion_laughs.kml": (4, "rejected", 0, 0, (None, None), "XML declares entities"),
    "xxe.gpx": (4, "rejected", 0, 0, (None, None), "XML declares entities"),
    "zip_bomb.kmz": (4, "rejected", 0, 0, (None, None), "zip bomb"),
    "zip_slip.zip": (4, "rejected", 0, 0, (None, None), "points outside the archive"),
    "too_many_members.zip": (4, "rejected", 0, 0, (None, None), "1001 members (limit 1000)"),
    "zip_without_shapefile.zip": (4, "rejected", 0, 0, (None, None), "without a Shapefile"),
    "shapefile_without_dbf.zip": (4, "rejected", 0, 0, (None, None), "lacks .dbf"),
    "bare.shp": (4, "rejected", 0, 0, (None, None), "zipped together"),
    "broken.geojson": (4, "rejected", 0, 0, (None, None), "cannot be read as GeoJSON"),
    "empty_collection.geojson": (4, "rejected", 0, 0, (None, None), "holds no records"),
    "empty.gpx": (4, "rejected", 0, 0, (None, None), "no waypoints, tracks or routes"),
    "no_placemarks.kml": (4, "rejected", 0, 0, (None, None), "no placemarks"),
    "malformed.kml": (4, "rejected", 0, 0, (None, None), "not well-formed XML"),
    "unknown_finding.csv": (
        4,
        "rejected",
        0,
        2,
        (2, "发现"),
        "unknown finding '外星人'; expected one of",
    ),
    "ragged.csv": (3, "partial", 2, 1, (3, None), "has 8 fields, the header has 6"),
    "bad_encoding.csv": (4, "rejected", 0, 0, (2, None), "neither UTF-8 nor GBK/GB18030"),
    "future_date.csv": (4, "rejected", 0, 1, (2, "时间"), "in the future"),
    "negative_area.csv": (4, "rejected", 0, 1, (2, "斑块面积"), "-5 is negative"),
    "unknown_patrol_type.csv": (
        4,
        "rejected",
        0,
        1,
        (2, "巡查类型"),
        "unknown patrol type '夜游神'",
    ),
    "gauss_kruger_without_zone.csv": (4, "rejected", 0, 0, (None, None), "give the zone"),
    "hostile_notes.csv": (0, "accepted", 2, 0, None, None),
}


def test_the_corpus_is_complete():
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file(name, workspace, hailin_json):
    code, status, accepted, rejected, where, fragment = EXPECTED[name]
    earlier = workspace.import_file(DATA / "formats" / "patrol_en.csv")
    assert earlier.rows_accepted == 4
    exit_code, summary = hailin_json(workspace, "import", BAD / name)
    assert exit_code == code, summary
    assert summary["status"] == status
    assert summary["file"] == name
    assert (summary["rows_accepted"], summary["rows_rejected"]) == (accepted, rejected)
    if fragment is not None:
        first = summary["errors"][0]
        assert (first["row"], first["column"]) == where
        assert fragment in first["message"]
    # Nothing lost: earlier records intact, this file's rows all accounted for.
    records = workspace.surveys()
    assert len(records) == 4 + accepted
    if code != 0:
        rejects = workspace.rejects()
        mine = rejects[rejects["upload_id"] == summary["upload_id"]]
        assert len(mine) == max(rejected, 1)
        assert fragment in mine["reason"].iloc[0]
        report = pathlib.Path(summary["report"])
        assert report.read_text(encoding="utf-8-sig").count("\n") == len(mine) + 1
    archived = pathlib.Path(workspace.root) / summary["archived_as"]
    assert archived.read_bytes() == (BAD / name).read_bytes()


def test_zip_bomb_is_refused_quickly_with_little_memory(workspace):
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    summary = workspace.import_file(BAD / "zip_bomb.kmz")
    elapsed = time.perf_counter() - started
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert summary.status == "rejected"
    # Refused from the archive's directory, before inflating 64 MiB.
    assert grown_kib < 32 * 1024, grown_kib
    assert elapsed < 30


def test_hostile_notes_are_stored_verbatim(workspace):
    workspace.import_file(BAD / "hostile_notes.csv")
    notes = sorted(workspace.surveys()["notes"])
    assert notes == ["<img src=x onerror=alert(1)>", '=HYPERLINK("x")']
