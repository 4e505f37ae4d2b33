"""The asset cache: filled from a folder, a tar archive or an npm registry
(a local one on 127.0.0.1 serving tarballs packed here with `npm pack`),
every file checked against its pin; maps written offline or beside it."""

import base64
import contextlib
import dataclasses
import hashlib
import http.server
import io
import json
import pathlib
import re
import shutil
import subprocess
import tarfile
import threading
import typing

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.sites import load_sites
from hailin.maps.assets import (
    ASSETS,
    PACKAGES,
    all_assets,
    assets_for,
    cache_dir,
    missing_assets,
    npm_packages,
    pin_assets,
    read_asset,
    require_assets,
)
from hailin.maps.errors import AssetError, AssetsMissing, MapError
from hailin.maps.fetch import fetch_from, fetch_from_registry
from hailin.maps.frame import inline_css
from hailin.maps.output import save_map
from hailin.maps.programme import overview_map
from tests.map_assets import NODE_MODULES

LOCK = pathlib.Path(__file__).parent / "browser" / "package-lock.json"


def test_pins_agree_with_the_lock_and_the_installed_files():
    lock = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    for package in PACKAGES.values():
        entry = lock[f"node_modules/{package.name}"]
        assert (entry["version"], entry["integrity"]) == (package.version, package.integrity)
    assert set(npm_packages()) == set(PACKAGES)
    for asset in all_assets():
        data = (NODE_MODULES / asset.package.name / asset.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == asset.sha256, asset.relpath


def test_every_stylesheet_reference_is_a_pinned_file(asset_cache):
    sheets = [a for a in all_assets() if a.kind == "css"]
    assert len(sheets) == 5
    for sheet in sheets:
        text = inline_css(sheet, asset_cache)
        refs = re.findall(r"url\(\s*['\"]?([^'\")]*)", text)
        assert all(r.startswith(("data:", "#default#VML")) for r in refs), sheet.relpath
    leaflet = inline_css(ASSETS["leaflet_css"], asset_cache)
    layers = base64.b64encode((NODE_MODULES / "leaflet/dist/images/layers.png").read_bytes())
    assert f'url("data:image/png;base64,{layers.decode()}")' in leaflet


def test_fetch_from_a_node_modules_folder(tmp_path):
    cache = tmp_path / "cache"
    report = fetch_from(NODE_MODULES, cache=cache)
    assert report.complete and len(report.written) == len(all_assets()) == 27
    assert report.refused == {}
    for asset in all_assets():
        written = (cache / asset.relpath).read_bytes()
        assert written == (NODE_MODULES / asset.package.name / asset.path).read_bytes()
    again = fetch_from(NODE_MODULES, cache=cache)
    assert (len(again.written), len(again.kept)) == (0, 27)
    assert missing_assets(cache) == [] and require_assets(cache) == cache
    # A filled cache (or an assets folder) is itself a source.
    copy = fetch_from(cache, cache=tmp_path / "copy")
    assert copy.complete and not list((tmp_path / "copy").rglob(".part-*"))


def _copy_packages(target):
    for package in PACKAGES.values():
        shutil.copytree(NODE_MODULES / package.name, target / "node_modules" / package.name)
    return target


def test_a_tampered_file_is_refused(tmp_path):
    source = _copy_packages(tmp_path / "source")
    script = source / "node_modules" / "leaflet" / "dist" / "leaflet.js"
    script.write_bytes(script.read_bytes().replace(b"Leaflet", b"Leafle7", 1))
    cache = tmp_path / "cache"
    report = fetch_from(source, cache=cache)
    assert [a.relpath for a in report.missing] == ["leaflet@1.9.3/dist/leaflet.js"]
    assert "sha256 differs" in report.refused["leaflet@1.9.3/dist/leaflet.js"]
    assert not (cache / "leaflet@1.9.3" / "dist" / "leaflet.js").exists()
    assert len(report.written) == 26
    result = CliRunner(env={"HAILIN_ASSETS": str(cache)}).invoke(
        main, ["assets", "fetch", "--from", str(source)]
    )
    assert result.exit_code == 4
    assert "refused leaflet@1.9.3/dist/leaflet.js" in result.output
    assert "1 missing" in result.output
    # A cache file changed afterwards is refused when a map reads it.
    (cache / "leaflet@1.9.3" / "dist" / "leaflet.js").write_bytes(script.read_bytes())
    with pytest.raises(AssetsMissing, match="1 of 27 files missing or changed"):
        save_map(overview_map(load_sites()), tmp_path / "map.html", offline=True, cache=cache)
    with pytest.raises(AssetError, match="is not the pinned file"):
        read_asset(ASSETS["leaflet"], cache)


def test_fetch_from_tarballs(tmp_path):
    # A tar.gz of a node_modules folder, as a user would copy it in.
    source = _copy_packages(tmp_path / "source")
    archive = tmp_path / "assets.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "node_modules", arcname="node_modules")
    report = fetch_from(archive, cache=tmp_path / "cache")
    assert report.complete and len(report.written) == 27
    # npm pack tarballs in a folder: each gives its own package's files.
    packed = _npm_pack(tmp_path / "packed")
    only = tmp_path / "one"
    only.mkdir()
    shutil.copy(packed["leaflet.fullscreen"], only)
    report = fetch_from(only, cache=tmp_path / "cache2")
    assert sorted(a.relpath for a in report.written) == [
        "leaflet.fullscreen@3.0.0/Control.FullScreen.css",
        "leaflet.fullscreen@3.0.0/Control.FullScreen.js",
        "leaflet.fullscreen@3.0.0/icon-fullscreen.svg",
    ]
    report = fetch_from(packed["leaflet"], cache=tmp_path / "cache2")
    assert len(report.written) == 7 and len(report.missing) == 27 - 10


def test_fetch_refuses_what_is_not_an_archive(tmp_path):
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"\x1f\x8b" + b"\x00" * 100)
    with pytest.raises(AssetError, match="not a readable tar archive"):
        fetch_from(junk, cache=tmp_path / "cache")
    with pytest.raises(AssetError, match="no such folder or file"):
        fetch_from(tmp_path / "absent", cache=tmp_path / "cache")


def _npm_pack(folder):
    """{package name: tarball path}, packed from tests/browser/node_modules."""
    folder.mkdir(parents=True, exist_ok=True)
    packed = {}
    for package in PACKAGES.values():
        subprocess.run(
            ["npm", "pack", "--ignore-scripts", "--silent", str(NODE_MODULES / package.name)],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=120,
        )
        packed[package.name] = folder / package.tarball
        assert packed[package.name].is_file()
    return packed


def _integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class _Registry(http.server.BaseHTTPRequestHandler):
    """npm's registry API, the two calls hailin makes: /NAME/VERSION and the tarball."""

    tarballs: typing.ClassVar[dict] = {}  # name -> bytes
    stated: typing.ClassVar[dict] = {}  # name -> integrity the metadata states
    requests: typing.ClassVar[list] = []

    def do_GET(self):
        self.requests.append(self.path)
        for name, data in self.tarballs.items():
            package = PACKAGES[name]
            if self.path == f"/{name}/{package.version}":
                body = json.dumps(
                    {
                        "name": name,
                        "version": package.version,
                        "dist": {
                            "tarball": f"/{name}/-/{package.tarball}",
                            "integrity": self.stated.get(name, _integrity(data)),
                        },
                    }
                ).encode()
                return self._send(body, "application/json")
            if self.path == f"/{name}/-/{package.tarball}":
                return self._send(data, "application/octet-stream")
        self.send_error(404)

    def _send(self, body, kind):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serve(tarballs, stated=None):
    handler = type("Registry", (_Registry,), {"tarballs": tarballs, "stated": stated or {}})
    handler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    return {
        name: path.read_bytes()
        for name, path in _npm_pack(tmp_path_factory.mktemp("packed")).items()
    }


def _pins_of(tarballs):
    return {
        name: dataclasses.replace(PACKAGES[name], integrity=_integrity(data))
        for name, data in tarballs.items()
    }


def test_fetch_from_a_registry(tmp_path, packed):
    """Download, integrity check and extraction over real HTTP. The tarballs
    are packed here, so their sha512 is theirs; the files in them must still
    match hailin's own pinned sha256."""
    with _serve(packed) as (url, handler):
        report = fetch_from_registry(tmp_path / "cache", url, packages=_pins_of(packed))
        assert report.complete and len(report.written) == 27
        assert sorted(handler.requests) == sorted(
            [f"/{n}/{p.version}" for n, p in PACKAGES.items()]
            + [f"/{n}/-/{p.tarball}" for n, p in PACKAGES.items()]
        )
        # Filled: nothing more is downloaded.
        handler.requests.clear()
        again = fetch_from_registry(tmp_path / "cache", url, packages=_pins_of(packed))
        assert again.complete and handler.requests == []


def test_a_tarball_not_matching_its_pin_is_refused(tmp_path, packed):
    """With hailin's own pins the packed tarballs are not the published bytes,
    even from a registry whose metadata states the pinned integrity: refused,
    nothing written; through the CLI, one line and exit 4."""
    claimed = {name: package.integrity for name, package in PACKAGES.items()}
    with _serve(packed, claimed) as (url, _handler):
        cache = tmp_path / "cache"
        with pytest.raises(AssetError, match="does not match its pinned sha512"):
            fetch_from_registry(cache, url)
        assert not cache.exists() or not any(cache.rglob("*.js"))
        result = CliRunner(env={"HAILIN_ASSETS": str(cache)}).invoke(
            main, ["assets", "fetch", "--registry", url]
        )
        assert result.exit_code == 4
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "does not match its pinned sha512" in lines[0]
        assert "Traceback" not in result.output


def _tampered(data):
    """The tarball with one byte of dist/leaflet.js changed, packed again."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as source,
        tarfile.open(fileobj=out, mode="w:gz") as target,
    ):
        for member in source.getmembers():
            content = source.extractfile(member).read() if member.isfile() else None
            if member.name == "package/dist/leaflet.js":
                content = content.replace(b"Leaflet", b"Leafle7", 1)
                member.size = len(content)
            target.addfile(member, io.BytesIO(content) if content is not None else None)
    return out.getvalue()


def test_a_tampered_file_inside_a_matching_tarball_is_refused(tmp_path, packed):
    tarballs = {**packed, "leaflet": _tampered(packed["leaflet"])}
    with _serve(tarballs) as (url, _handler):
        report = fetch_from_registry(tmp_path / "cache", url, packages=_pins_of(tarballs))
    assert [a.relpath for a in report.missing] == ["leaflet@1.9.3/dist/leaflet.js"]
    assert "sha256 differs" in report.refused["leaflet@1.9.3/dist/leaflet.js"]


def test_metadata_stating_another_integrity_is_refused(tmp_path, packed):
    stated = {"leaflet": PACKAGES["leaflet.markercluster"].integrity}
    with _serve(packed, stated) as (url, _handler):
        with pytest.raises(AssetError, match="states integrity"):
            fetch_from_registry(tmp_path / "cache", url, packages=_pins_of(packed))
        with pytest.raises(AssetError, match="HTTP 404"):
            fetch_from_registry(tmp_path / "cache", url + "/nothing", packages=_pins_of(packed))


def test_cache_location(tmp_path, monkeypatch):
    monkeypatch.setenv("HAILIN_ASSETS", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv("HAILIN_ASSETS")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "hailin" / "assets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "hailin" / "assets"


def test_offline_without_the_cache_says_which_command_fills_it(tmp_path):
    from hailin.demo import build_demo

    ws, _ = build_demo(tmp_path / "demo")
    env = {"HAILIN_ASSETS": str(tmp_path / "empty")}
    for flags in (["--offline"], ["--assets", str(tmp_path / "a")]):
        result = CliRunner(env=env).invoke(
            main, ["-w", str(ws.root), "map", "clearance", "-o", str(tmp_path / "m.html"), *flags]
        )
        assert result.exit_code == 4
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "run `hailin assets fetch`" in lines[0]
        assert str(tmp_path / "empty") in lines[0]
    with pytest.raises(AssetsMissing, match="hailin assets fetch"):
        save_map(overview_map(load_sites()), tmp_path / "m.html", offline=True, cache=tmp_path)
    both = CliRunner().invoke(
        main, ["-w", str(ws.root), "map", "clearance", "--offline", "--assets", "x"]
    )
    assert both.exit_code == 2 and "exclude each other" in both.output


def test_the_three_ways_to_write_a_map(tmp_path, asset_cache):
    sites = load_sites()
    online = save_map(overview_map(sites, lang="en"), tmp_path / "online.html")
    text = online.read_text(encoding="utf-8")
    leaflet = ASSETS["leaflet"]
    assert f'<script src="{leaflet.url}" integrity="{leaflet.sri}" crossorigin="anonymous">' in text
    assert "jquery" not in text and "bootstrap" not in text
    offline = save_map(
        overview_map(sites, lang="en"), tmp_path / "offline.html", offline=True, cache=asset_cache
    )
    text = offline.read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in text and "<script src" not in text
    assert "Leaflet 1.9.3" in text  # leaflet.js itself
    beside = save_map(
        overview_map(sites, lang="en"),
        tmp_path / "www" / "maps" / "overview.html",
        assets=tmp_path / "www" / "static",
        cache=asset_cache,
    )
    text = beside.read_text(encoding="utf-8")
    assert '<script src="../static/leaflet@1.9.3/dist/leaflet.js"></script>' in text
    assert '<link rel="stylesheet" href="../static/leaflet@1.9.3/dist/leaflet.css"/>' in text
    for asset in all_assets():
        assert (tmp_path / "www" / "static" / asset.relpath).read_bytes() == (
            asset_cache / asset.relpath
        ).read_bytes()
    with pytest.raises(MapError, match="not both"):
        save_map(overview_map(sites), tmp_path / "x.html", offline=True, assets=tmp_path / "s")


def test_a_plugin_that_is_not_pinned_is_refused(tmp_path, asset_cache):
    import folium.plugins

    fmap = overview_map(load_sites())
    folium.plugins.MiniMap().add_to(fmap)
    with pytest.raises(AssetError, match="MiniMap loads scripts hailin has not pinned"):
        assets_for(fmap)
    pinned = pin_assets(folium.plugins.MarkerCluster())
    assert pinned.default_js == [] and pinned.default_css == []


def test_demo_writes_offline_maps_when_the_cache_is_filled(tmp_path, monkeypatch, asset_cache):
    from hailin.demo import build_demo

    monkeypatch.setenv("HAILIN_ASSETS", str(asset_cache))
    _ws, outputs = build_demo(tmp_path / "demo")
    assert outputs["maps"] == f"offline: scripts inlined from {asset_cache}"
    page = pathlib.Path(outputs["overview map"]).read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in page and "Leaflet 1.9.3" in page
    monkeypatch.setenv("HAILIN_ASSETS", str(tmp_path / "none"))
    _ws, outputs = build_demo(tmp_path / "demo2")
    assert outputs["maps"].startswith("online: scripts from jsDelivr")
    assert "hailin assets fetch" in outputs["maps"]


def test_assets_status_command(tmp_path, asset_cache):
    result = CliRunner(env={"HAILIN_ASSETS": str(asset_cache)}).invoke(
        main, ["assets", "status", "--json"]
    )
    status = json.loads(result.output)
    assert status == {"cache": str(asset_cache), "complete": True, "files": 27, "missing": []}
    result = CliRunner(env={"HAILIN_ASSETS": str(tmp_path)}).invoke(main, ["assets", "status"])
    assert "27 of 27 files missing" in result.output and "hailin assets fetch" in result.output
