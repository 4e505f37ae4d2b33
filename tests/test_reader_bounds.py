"""Bounds that did not hold (issues 21.13-17 and 26.6): attribute sizes,
coordinates per geometry and per file, features counted before they are read,
XLSX parts found by what they are, GeoPackage views and layers, rasters by the
pixels the plots ask for. Each refusal is checked to come from the early count
(its message carries the figure only the early path knows), never timed."""

import dataclasses
import json

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
    with pytest.raises(SurveyFileError, match=r"track 1 has 200,001 coordinates \(limit 200,000"):
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
