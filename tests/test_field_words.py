"""Every word a patrol member reads about a file is Chinese: each message the
import writes for the bad-file corpus fits a message shape of
hailin.translate, each shape has its Chinese in the portal's one
catalogue with the same slots, and the error report's header is Chinese.
A new message without Chinese fails here."""

import gettext
import pathlib
import re

import pytest

from hailin.surveys import Workspace
from hailin.translate import CLI_WORDS, CLICK_WORDS, NESTED, TEMPLATES, template_of, translate
from tests.conftest import DATA

LOCALE = pathlib.Path(__file__).resolve().parent.parent / "hailin" / "web" / "portal" / "locale"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalogue():
    with open(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)


@pytest.fixture(scope="module")
def corpus_messages(tmp_path_factory):
    ws = Workspace.create(tmp_path_factory.mktemp("words") / "ws")
    messages = set()
    for path in sorted((DATA / "bad").iterdir()):
        summary = ws.import_file(path, dry_run=True)
        messages.update(n["message"] for n in summary.errors + summary.warnings)
    return sorted(messages)


def test_every_message_shape_has_chinese_with_the_same_slots(catalogue):
    for template in TEMPLATES + CLI_WORDS + CLICK_WORDS:
        chinese = catalogue.gettext(template)
        assert chinese != template, template
        # "{file}: {message}" differs in its full-width colon only
        assert CHINESE.search(chinese) or chinese == template.replace(": ", "："), template
        slots = sorted(re.findall(r"\{(\w+)\}", template))
        assert sorted(re.findall(r"\{(\w+)\}", chinese)) == slots, template


def test_every_message_about_a_bad_file_has_chinese(corpus_messages):
    assert len(corpus_messages) > 30
    missing = [m for m in corpus_messages if template_of(m)[0] is None]
    assert missing == []


def test_a_message_reads_in_chinese_with_its_values(corpus_messages, catalogue):
    found = next(m for m in corpus_messages if m.startswith("missing required column(s): 时间"))
    assert "words" in NESTED  # the list of columns is a message shape of its own
    assert translate(found, "zh") == (
        "缺少必需的列：时间 或 日期（日期时间）；没有时间的文件请指定巡查日期（--observed-on）；"
        "文件中的列：经度, 纬度, 巡查类型, 发现"
    )
    assert translate("a message hailin never wrote", "zh") == ("a message hailin never wrote")


def _plots(path, boxes):
    import geopandas
    import shapely

    frame = geopandas.GeoDataFrame(
        {"图斑编号": [b[0] for b in boxes], "除治日期": ["2023-05-01"] * len(boxes)},
        geometry=[shapely.box(*b[1:]) for b in boxes],
        crs=4326,
    )
    frame.to_file(path)
    return path


def test_every_note_on_plots_layers_and_photos_has_chinese(tmp_path):
    """Overlapping clearance plots, a plot outside the sites, a GeoPackage of two
    layers, photos far away or out of time: each message fits a shape with Chinese."""
    import geopandas
    import shapely

    from tests.portal import geotagged_jpeg

    ws = Workspace.create(tmp_path / "ws")
    messages = []
    for path in sorted((DATA / "formats").iterdir()):  # the good files' notes
        summary = ws.import_file(path, dry_run=True)
        messages += [n["message"] for n in summary.errors + summary.warnings]
    first = _plots(tmp_path / "p1.geojson", [("P1", 120.33, 27.261, 120.331, 27.262)])
    assert ws.import_file(first, kind="clearance").status == "accepted"
    both = [("P2", 120.3305, 27.261, 120.3315, 27.262), ("P3", 120.3308, 27.261, 120.3318, 27.262)]
    both.append(("P4", 120.36, 27.20, 120.361, 27.201))  # near, outside every site
    summary = ws.import_file(_plots(tmp_path / "p2.geojson", both), kind="clearance")
    messages += [n["message"] for n in summary.errors + summary.warnings]
    layers = tmp_path / "two.gpkg"
    for name in ("a", "b"):
        frame = geopandas.GeoDataFrame(
            {"时间": ["2024-05-01 10:00"], "发现": ["未见异常"], "巡查类型": ["乡镇巡查"]},
            geometry=[shapely.Point(120.3302, 27.2601)],
            crs=4326,
        )
        frame.to_file(layers, layer=name)
    summary = ws.import_file(layers, dry_run=True)
    messages += [n["message"] for n in summary.errors + summary.warnings]
    photos = {
        "far.jpg": geotagged_jpeg(116.4, 39.9),
        "old.jpg": geotagged_jpeg(120.3302, 27.2601, taken="2099:05:01 10:00:00"),
        "none.jpg": b"not a photo at all",
    }
    for name, body in photos.items():
        (tmp_path / name).write_bytes(body)
        summary = ws.evidence.import_photo(tmp_path / name)
        messages += [n["message"] for n in summary.errors + summary.warnings]
    assert any("overlaps stored plot" in m for m in messages)
    assert any(m.startswith("clearance plots P2 and P3 overlap") for m in messages)
    assert any("lies outside every site" in m for m in messages)
    assert any(m.startswith("GeoPackage has 2 layers") for m in messages)
    assert sum(m.startswith("the photo") for m in messages) == 2
    untranslated = [m for m in messages if not CHINESE.search(translate(m, "zh"))]
    assert untranslated == []
