"""No request leaves the machine because of a file: a local listener stands in
for the addresses a hostile file names, and must see nothing across import,
area, raster and map commands (issue 26, item 1)."""

import json
import socket
import threading

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.offline import geojson_link_reason, raster_source_reason
from hailin.surveys.workspace import Workspace
from tests.raster_workspace import CLASSES, seeded_workspace, write_classified

POINT = {"type": "Point", "coordinates": [120.3301, 27.2612]}
PLOT = {
    "type": "Polygon",
    "coordinates": [
        [[120.33, 27.26], [120.331, 27.26], [120.331, 27.261], [120.33, 27.261], [120.33, 27.26]]
    ],
}


@pytest.fixture(scope="module")
def listener():
    """A TCP listener on loopback that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    seen = []

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            seen.append(connection.recv(1024))
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    server.close()


def _geojson(folder, name, crs_member, geometry=POINT, properties=None):
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": properties or {}, "geometry": geometry}],
    }
    text = json.dumps(collection)[:-1] + ", " + crs_member + "}"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _link_members(url):
    link = json.dumps({"type": "link", "properties": {"href": url + "/a", "type": "ogcwkt"}})
    upper = json.dumps({"properties": {"url": url + "/b"}, "type": "URL"})
    escaped = json.dumps({"type": "link", "properties": {"href": url + "/c"}})
    return {
        "link": '"crs": ' + link,
        "url_upper": '"CRS": ' + upper,
        "escaped": '"\\u0063rs": ' + escaped.replace('"link"', '"\\u006cink"'),
    }


def _run(workspace, *arguments):
    result = CliRunner().invoke(main, ["-w", str(workspace), *arguments])
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("member", ["link", "url_upper", "escaped"])
def test_a_geojson_crs_link_is_refused_by_every_command_without_a_request(
    member, listener, tmp_path
):
    url, seen = listener
    workspace = Workspace.create(tmp_path / "ws").root
    crs = _link_members(url)[member]
    points = _geojson(tmp_path, "points.geojson", crs, properties={"发现": "复萌"})
    plots = _geojson(tmp_path, "plots.geojson", crs, PLOT, {"图斑编号": "P1"})
    runs = [
        ("import", str(points)),
        ("import", "--dry-run", str(points)),
        ("plots", "import", "--kind", "clearance", str(plots)),
        ("sites", "import", str(plots)),
        ("area", str(plots)),
    ]
    for arguments in runs:
        result = _run(workspace, *arguments)
        assert result.exit_code == 4, (arguments, result.output)
        assert "never fetches links" in result.output, (arguments, result.output)
    assert seen == []
    assert len(Workspace(workspace).surveys()) == 0


def test_a_named_crs_is_read_and_fetches_nothing(listener, tmp_path):
    url, seen = listener
    named = '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}'
    path = _geojson(tmp_path, "named.geojson", named)
    assert geojson_link_reason(path) is None
    # A crs link's text inside a note is data, not a member: the file is read.
    note = {"备注": '"crs": ' + json.dumps({"type": "link", "properties": {"href": url}})}
    path = _geojson(tmp_path, "note.geojson", named, properties=note)
    assert geojson_link_reason(path) is None
    assert seen == []


def _vrt(path, source, relative=False, raw=False):
    band = (
        '<VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">'
        f'<SourceFilename relativeToVRT="{int(relative)}">{source}</SourceFilename>'
        "<ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset><LineOffset>30</LineOffset>"
        "</VRTRasterBand>"
        if raw
        else '<VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
        f'<SourceFilename relativeToVRT="{int(relative)}">{source}</SourceFilename>'
        "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>"
    )
    path.write_text(
        '<VRTDataset rasterXSize="30" rasterYSize="20">'
        "<SRS>EPSG:102025</SRS><GeoTransform>0, 10, 0, 0, 0, -10</GeoTransform>"
        f"{band}</VRTDataset>"
    )
    return path


@pytest.fixture
def raster_workspace(tmp_path):
    ws = seeded_workspace(Workspace.create(tmp_path / "ws"), tmp_path)
    return ws.root


def test_rasters_reaching_out_are_refused_by_raster_and_map_commands(
    listener, raster_workspace, tmp_path
):
    url, seen = listener
    folder = tmp_path / "rasters"
    folder.mkdir()
    hostile = {
        "curl.vrt": _vrt(folder / "curl.vrt", f"/vsicurl/{url}/x.tif"),
        "passwd.vrt": _vrt(folder / "passwd.vrt", "/etc/passwd", raw=True),
        "climb.vrt": _vrt(folder / "climb.vrt", "../../etc/passwd", relative=True, raw=True),
        "wms.xml": folder / "wms.xml",
    }
    hostile["wms.xml"].write_text(
        f"<GDAL_WMS><Service name='TMS'><ServerUrl>{url}/${{z}}</ServerUrl></Service></GDAL_WMS>"
    )
    for name, path in hostile.items():
        for arguments in (
            ("raster", "stats", "--classes", CLASSES, str(path)),
            ("map", "clearance", "--raster", str(path), "-o", str(tmp_path / "m.html")),
        ):
            result = _run(raster_workspace, *arguments)
            assert result.exit_code == 4, (name, arguments, result.output)
            assert "已拒收" in result.output, (name, result.output)
            assert str(folder) not in result.output
    assert seen == []
    assert not (tmp_path / "m.html").exists()


def test_a_vrt_over_a_raster_in_its_own_folder_is_read(raster_workspace, tmp_path):
    folder = tmp_path / "rasters"
    folder.mkdir()
    write_classified(folder / "classes.tif")
    vrt = folder / "classes.vrt"
    vrt.write_text(
        '<VRTDataset rasterXSize="30" rasterYSize="20"><VRTRasterBand dataType="Byte" band="1">'
        '<SimpleSource><SourceFilename relativeToVRT="1">classes.tif</SourceFilename>'
        "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>"
    )
    assert raster_source_reason(vrt) is None
    assert raster_source_reason(folder / "classes.tif") is None
