"""Which basemaps a map offers, the Tianditu key, and the words on the frame."""

import json
import pathlib
import re

import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.sites import load_sites
from hailin.layers.page import check_page
from hailin.maps import save_map
from hailin.maps.basemaps import BASEMAPS, basemap_names, offered, resolve, tianditu_key
from hailin.maps.errors import MapError
from hailin.maps.programme import overview_map
from hailin.surveys.errors import SettingsError
from hailin.surveys.settings import TEMPLATE, parse_settings

KEY = "0123456789abcdef0123456789abcdef"


def test_defaults_and_names():
    assert resolve(None, "zh") == "gaode"
    assert resolve(None, "en") == "osm"
    assert resolve(None, "en", KEY) == "tianditu"
    assert resolve(None, "zh", KEY, has_file=True) == "file"
    assert resolve("imagery", "zh") == "esri-imagery"
    assert basemap_names() == [
        "esri-imagery",
        "file",
        "gaode",
        "gaode-imagery",
        "imagery",
        "osm",
        "tianditu",
        "tianditu-imagery",
    ]
    with pytest.raises(MapError, match="need a key"):
        resolve("tianditu-imagery", "zh")
    with pytest.raises(MapError, match="should be one of"):
        resolve("google", "zh")
    assert [b.name for b in offered()] == ["gaode", "gaode-imagery", "osm", "esri-imagery"]
    assert len(offered(KEY)) == 6
    assert {b.datum for b in BASEMAPS.values() if b.name.startswith("gaode")} == {"gcj02"}


def test_tianditu_key_from_settings_or_the_environment():
    settings = parse_settings(f'[maps]\ntianditu_key = "{KEY}"')
    assert settings.tianditu_key == KEY
    assert tianditu_key(settings, {}) == KEY
    other = "fedcba9876543210fedcba9876543210"
    assert tianditu_key(settings, {"TIANDITU_KEY": other}) == other
    assert tianditu_key(parse_settings('[maps]\ntianditu_key = ""'), {}) is None
    assert parse_settings("").tianditu_key is None
    with pytest.raises(
        SettingsError, match=r"maps\.tianditu_key should be 16 to 64 letters or digits"
    ):
        parse_settings('[maps]\ntianditu_key = "abc&callback=x"')
    with pytest.raises(SettingsError, match="should be text"):
        parse_settings("[maps]\ntianditu_key = 12")
    with pytest.raises(MapError, match=r"\$TIANDITU_KEY should be"):
        tianditu_key(settings, {"TIANDITU_KEY": "short"})
    assert "# tianditu_key" in TEMPLATE.format(language="zh")
    assert parse_settings(TEMPLATE.format(language="zh")).tianditu_key is None
    with pytest.raises(MapError, match="tianditu_key should be 16 to 64 letters or digits"):
        overview_map(load_sites(), tianditu_key=KEY + "&callback=steal")


def test_tianditu_urls_carry_the_key_and_never_appear_without_one(tmp_path):
    sites = load_sites()
    with_key = save_map(overview_map(sites, lang="zh", tianditu_key=KEY), tmp_path / "a.html")
    urls = _tianditu_urls(with_key.read_text(encoding="utf-8"))
    assert len(urls) == 4 and all(u.endswith(f"&tk={KEY}") for u in urls)
    assert {u.split("LAYER=")[1].split("&")[0] for u in urls} == {"vec", "cva", "img", "cia"}
    for basemap in ("osm", "gaode", None):
        text = save_map(overview_map(sites, basemap=basemap), tmp_path / "b.html").read_text(
            encoding="utf-8"
        )
        assert "tianditu" not in text.lower() and "天地图" not in text


def _tianditu_urls(page):
    """The Tianditu tile URL templates in a page, decoded from their JSON."""
    return [json.loads(f'"{u}"') for u in re.findall(r'"(https://t\{s\}\.tianditu[^"]*)"', page)]


def test_basemap_layers_are_page_parts(tmp_path):
    fmap = overview_map(load_sites(), lang="en", tianditu_key=KEY)
    assert check_page(fmap) is fmap
    text = save_map(fmap, tmp_path / "m.html").read_text(encoding="utf-8")
    for label in ("Tianditu map", "Gaode satellite", "OpenStreetMap", "Esri World Imagery"):
        assert f'"{label}"' in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["放大", "缩小", "全屏", "退出全屏", "底图", "专题图层", "坐标（WGS84/CGCS2000）"]),
        ("en", ["Zoom in", "Zoom out", "Full screen", "Exit full screen", "Basemaps"]),
    ],
)
def test_frame_words_in_the_map_language(tmp_path, lang, words):
    text = save_map(overview_map(load_sites(), lang=lang), tmp_path / "m.html").read_text(
        encoding="utf-8"
    )
    for word in words:
        assert word in text, word
    # hailin's own measure tool speaks the map's language and gives mu.
    assert ("测量" if lang == "zh" else "Measure") in text
    assert ("亩" if lang == "zh" else " mu") in text


def test_cli_says_why_tianditu_is_not_offered(demo_copy, tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    ws = demo_copy
    runner = CliRunner()
    result = runner.invoke(main, ["-w", str(ws.root), "map", "overview", "--basemap", "tianditu"])
    assert result.exit_code == 2
    assert result.output.strip() == (  # the demo workspace speaks Chinese
        "hailin：错误：天地图底图需要密钥：请在 hailin.toml 的 [maps] 下设置 tianditu_key，"
        "或设置 $TIANDITU_KEY（在 https://console.tianditu.gov.cn 免费申请的浏览器端密钥）"
    )
    out = tmp_path / "t.html"
    result = CliRunner(env={"TIANDITU_KEY": KEY}).invoke(
        main,
        ["-w", str(ws.root), "map", "overview", "--basemap", "tianditu-imagery", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    urls = _tianditu_urls(out.read_text("utf-8"))
    assert len(urls) == 4 and all(u.endswith(f"&tk={KEY}") for u in urls)
    settings = pathlib.Path(ws.root) / "hailin.toml"
    settings.write_text(
        settings.read_text("utf-8").replace('# tianditu_key = ""', f'tianditu_key = "{KEY}"'),
        "utf-8",
    )
    result = runner.invoke(main, ["-w", str(ws.root), "map", "overview", "-o", str(out)])
    assert result.exit_code == 0 and len(_tianditu_urls(out.read_text("utf-8"))) == 4
