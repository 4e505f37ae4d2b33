"""Leaflet from the installed XStatic-Leaflet package, every file checked against
its pin; maps written self-contained (the default), beside their assets, or
CDN-linked (the opt-in)."""

import base64
import hashlib
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.sites import load_sites
from hailin.maps import assets as assets_module
from hailin.maps.assets import ASSETS, LEAFLET_VERSION, all_assets, assets_for, read_asset
from hailin.maps.errors import AssetError, MapError
from hailin.maps.frame import inline_css
from hailin.maps.output import save_map
from hailin.maps.programme import overview_map


def test_pins_agree_with_the_installed_package():
    from xstatic.pkg import leaflet

    assert leaflet.VERSION == LEAFLET_VERSION == "1.9.3"
    for asset in all_assets():
        data = (assets_module.leaflet_dir() / asset.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == asset.sha256, asset.path
        assert read_asset(asset) == data
    assert len(all_assets()) == 7


def test_the_stylesheet_references_become_data_uris():
    text = inline_css(ASSETS["leaflet_css"])
    refs = re.findall(r"url\(\s*['\"]?([^'\")]*)", text)
    assert refs and all(r.startswith(("data:", "#default#VML")) for r in refs)
    layers = base64.b64encode((assets_module.leaflet_dir() / "images/layers.png").read_bytes())
    assert f'url("data:image/png;base64,{layers.decode()}")' in text


@pytest.fixture
def tampered(tmp_path, monkeypatch):
    """Leaflet's folder with leaflet.js changed by one byte."""
    folder = tmp_path / "leaflet"
    shutil.copytree(assets_module.leaflet_dir(), folder)
    script = folder / "leaflet.js"
    script.write_bytes(script.read_bytes().replace(b"Leaflet 1.9.3", b"Leaflet 1.9.4", 1))
    monkeypatch.setattr(assets_module, "leaflet_dir", lambda: folder)
    read_asset.cache_clear()
    yield folder
    read_asset.cache_clear()


def test_a_changed_file_is_refused_with_the_fix(tmp_path, tampered):
    with pytest.raises(AssetError, match=r"leaflet\.js is not the pinned file: reinstall it"):
        save_map(overview_map(load_sites(), lang="en"), tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()
    result = CliRunner().invoke(main, ["assets", "status", "--json"])
    assert result.exit_code == 4
    assert json.loads(result.output)["missing"] == ["leaflet.js"]
    result = CliRunner().invoke(main, ["assets", "status"])
    assert "1 of 7 files missing or changed; reinstall it: pip install" in result.output


def test_the_three_ways_to_write_a_map(tmp_path):
    sites = load_sites()
    inline = save_map(overview_map(sites, lang="en"), tmp_path / "inline.html")
    text = inline.read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in text and "<script src" not in text
    assert not re.search(r"<(script|link)[^>]+(src|href)=", text)
    assert "Leaflet 1.9.3" in text and "hailinTools(L," in text
    assert "jquery" not in text.lower() and "bootstrap" not in text.lower()
    cdn = save_map(overview_map(sites, lang="en"), tmp_path / "cdn.html", cdn=True)
    text = cdn.read_text(encoding="utf-8")
    leaflet = ASSETS["leaflet"]
    assert f'<script src="{leaflet.url}" integrity="{leaflet.sri}" crossorigin="anonymous">' in text
    assert "Leaflet 1.9.3" not in text and "hailinTools(L," in text
    assert cdn.stat().st_size < inline.stat().st_size - 140_000
    beside = save_map(
        overview_map(sites, lang="en"),
        tmp_path / "www" / "maps" / "overview.html",
        assets=tmp_path / "www" / "static",
    )
    text = beside.read_text(encoding="utf-8")
    assert '<script src="../static/leaflet@1.9.3/leaflet.js"></script>' in text
    assert '<link rel="stylesheet" href="../static/leaflet@1.9.3/leaflet.css"/>' in text
    for asset in all_assets():
        copied = (tmp_path / "www" / "static" / asset.relpath).read_bytes()
        assert copied == read_asset(asset)
    with pytest.raises(MapError, match="not both"):
        save_map(overview_map(sites), tmp_path / "x.html", cdn=True, assets=tmp_path / "s")


def test_a_plugin_loading_its_own_scripts_is_refused():
    import folium.plugins

    fmap = overview_map(load_sites())
    folium.plugins.MiniMap().add_to(fmap)
    with pytest.raises(AssetError, match="MiniMap loads scripts from a CDN"):
        assets_for(fmap)


def test_assets_status_command():
    result = CliRunner().invoke(main, ["assets", "status", "--json"])
    status = json.loads(result.output)
    assert (status["leaflet"], status["complete"], status["files"], status["missing"]) == (
        "1.9.3",
        True,
        7,
        [],
    )
    result = CliRunner().invoke(main, ["assets", "status"])
    assert result.exit_code == 0 and "complete (7 files); every map carries it" in result.output
    assert CliRunner().invoke(main, ["assets", "fetch"]).exit_code == 2


def test_hailin_map_flags(workspace, tmp_path):
    root = str(workspace.root)
    out = tmp_path / "map.html"
    both = CliRunner().invoke(main, ["-w", root, "map", "overview", "--cdn", "--assets", "x"])
    assert both.exit_code == 2 and "exclude each other" in both.output
    # The old flag still works: the default is what it asked for.
    old = CliRunner().invoke(main, ["-w", root, "map", "overview", "-o", str(out), "--offline"])
    assert old.exit_code == 0 and "(self-contained, opens with no network:" in old.output
    assert "Leaflet 1.9.3" in out.read_text(encoding="utf-8")
    beside = CliRunner().invoke(
        main, ["-w", root, "map", "overview", "-o", str(out), "--assets", str(tmp_path / "a")]
    )
    assert beside.exit_code == 0 and "(scripts and styles in" in beside.output
    assert (tmp_path / "a" / "leaflet@1.9.3" / "leaflet.js").is_file()
