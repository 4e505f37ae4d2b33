"""Exports a GIS office opens as it expects, read back with GDAL (pyogrio): NULL
stays NULL, days and times are typed fields, codes are shown in the workspace
language with the codes kept, a GBK DBF says so in its language byte, and every
GeoPackage (the store included) and Shapefile carries a style QGIS applies."""

import os
import sqlite3

import pandas as pd
import pyogrio
import pytest

from hailin.layers.recurrence import PATCH_COLOUR
from hailin.layers.sites import STYLE
from hailin.surveys.io.styles import LAYER_COLOURS, STORE_LAYERS
from hailin.surveys.schema import codes, colours, word
from tests.office_files import field_types, in_chinese, layer_styles, read_local
from tests.stats_workspace import build


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """The statistics workspace, in Chinese."""
    return in_chinese(build(tmp_path_factory.mktemp("office")))


def _rgba(colour):
    return ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5)) + ",255"


def _check_status_style(qml, sld, field, lang="zh"):
    """The QML and SLD colour a layer by its status codes, as the maps do."""
    renderer = qml.find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", field)
    categories = [(c.get("value"), c.get("label")) for c in renderer.iter("category")]
    assert categories == [(c, word("status", c, lang)) for c in codes("status")]
    fills = [
        o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"
    ]  # one per symbol
    assert fills == [_rgba(colours("status")[c]) for c in codes("status")]
    ns = {"se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}
    rules = sld.findall(".//se:Rule", ns)
    assert [r.find(".//ogc:Literal", ns).text for r in rules] == list(codes("status"))
    assert {r.find(".//ogc:PropertyName", ns).text for r in rules} == {field}
    painted = [r.find(".//se:Fill/se:SvgParameter", ns).text for r in rules]
    assert painted == [colours("status")[c] for c in codes("status")]


def test_cases_in_a_geopackage_typed_in_chinese_with_nulls_and_a_style(ws, tmp_path):
    path = tmp_path / "cases.gpkg"
    ws.exports.layer("cases", path, crs="gk3")
    cases = read_local(path, layer="cases").set_index("case_id")
    a1, new = cases.loc["A#1"], cases.loc["NEW-20240620-01#1"]
    assert (a1["status"], a1["status_code"]) == ("已再次清除", "re_cleared")
    assert (a1["kind"], a1["kind_code"]) == ("复萌", "recurrence")
    assert (a1["site"], a1["site_code"]) == ("柯湾红树林保护小区", "kewan")
    assert (a1["sources"], a1["sources_code"]) == ("市级专班联合巡护", "city_joint")
    assert a1["cleared_on"] == pd.Timestamp("2023-04-10")
    assert a1["first_detected"] == pd.Timestamp("2023-08-01 09:00+08:00")
    types = field_types(path, layer="cases")
    assert (types["cleared_on"], types["first_detected"]) == ("OFTDate", "OFTDateTime")
    assert (types["area_mu"], types["status"]) == ("OFTReal", "OFTString")
    # The new patch lies outside every reserve: its site is NULL, not the text "nan".
    assert pd.isna(new["site"]) and pd.isna(new["site_code"]) and pd.isna(new["cleared_on"])
    with sqlite3.connect(path) as connection:
        stored = connection.execute(
            "SELECT typeof(site), typeof(site_code), typeof(re_cleared_at), typeof(cleared_on) "
            "FROM cases WHERE case_id = 'NEW-20240620-01#1'"
        ).fetchone()
        declared = connection.execute("SELECT type FROM pragma_table_info('cases')").fetchall()
    connection.close()
    assert stored == ("null", "null", "null", "null")
    assert ("DATE",) in declared and ("DATETIME",) in declared
    qml, sld, default = layer_styles(path)["cases"]
    assert default == 1
    _check_status_style(qml, sld, "status_code")
    aliases = {a.get("field"): a.get("name") for a in qml.iter("alias")}
    assert aliases["status"] == "状态" and aliases["status_code"] == "状态代码"
    assert aliases["first_detected"] == "首次发现" and aliases["area_mu"] == "面积(亩)"
    assert "nan" not in [str(v) for v in cases["township"]]


def test_a_shapefile_is_gbk_by_its_language_byte_has_date_fields_and_a_qml(ws, tmp_path):
    path = tmp_path / "案件.shp"
    written = ws.exports.layer("cases", path)
    assert written["style"] == str(tmp_path / "案件.qml")
    dbf = (tmp_path / "案件.dbf").read_bytes()
    assert dbf[29] == 0x4D  # code page 936
    types = field_types(path)
    assert (types["first_det"], types["recleared"], types["cleared_on"]) == ("OFTDate",) * 3
    os.remove(tmp_path / "案件.cpg")  # lost on the way to an office: the DBF still says GBK
    back = pyogrio.read_dataframe(path).set_index("case_id")
    assert back.loc["A#1", "township"] == "前岐镇"
    assert back.loc["A#1", "status"] == "已再次清除"
    assert back.loc["A#1", "first_det"] == pd.Timestamp("2023-08-01")
    assert back.loc["NEW-20240620-01#1", ["site", "site_cd", "recleared"]].isna().all()
    import defusedxml.ElementTree

    qml = defusedxml.ElementTree.parse(tmp_path / "案件.qml").getroot()
    renderer = qml.find("renderer-v2")
    assert renderer.get("attr") == "status_cd"
    aliases = {a.get("field"): a.get("name") for a in qml.iter("alias")}
    assert set(aliases) <= set(types)
    assert (aliases["status_cd"], aliases["first_det"]) == ("状态代码", "首次发现")


def test_plots_keep_their_days_and_nulls(ws, tmp_path):
    path = tmp_path / "plots.gpkg"
    ws.exports.layer("plots", path, kind="clearance")
    assert field_types(path, layer="clearance_plots")["cleared_on"] == "OFTDate"
    plots = read_local(path, layer="clearance_plots").set_index("plot_id")
    assert plots.loc["A", "cleared_on"] == pd.Timestamp("2023-04-10")
    assert plots["declared_area_mu"].isna().all() and plots["contractor"].isna().all()
    assert plots.loc["C", ["site", "site_code"]].tolist() == ["巽城红树林保护小区", "xuncheng"]
    qml, _sld, _default = layer_styles(path)["clearance_plots"]
    assert qml.find("renderer-v2").get("type") == "singleSymbol"
    fill = next(o for o in qml.iter("Option") if o.get("name") == "color")
    assert fill.get("value") == _rgba(colours("status")["clean"])


def test_the_ledger_as_a_geopackage_is_in_chinese_and_styled(ws, tmp_path):
    path = tmp_path / "ledger.gpkg"
    ws.exports.ledger(path)
    ledger = read_local(path, layer="ledger").set_index("case_id")
    assert ledger.loc["D#1", ["status", "status_code"]].tolist() == ["复萌未处置", "open"]
    assert field_types(path, layer="ledger")["verified_at"] == "OFTDateTime"
    qml, sld, _default = layer_styles(path)["ledger"]
    _check_status_style(qml, sld, "status_code")


def test_the_store_carries_a_style_for_each_layer(ws):
    styles = layer_styles(ws.store_path)
    assert set(STORE_LAYERS) <= set(styles)
    qml, _sld, _default = styles["surveys"]
    renderer = qml.find("renderer-v2")
    assert renderer.get("attr") == "patrol_type"
    assert [c.get("value") for c in renderer.iter("category")] == list(codes("patrol_type"))
    labels = [c.get("label") for c in renderer.iter("category")]
    # Labelled in the language the workspace was made in (English here), fields in Chinese.
    assert labels == [word("patrol_type", c, "en") for c in codes("patrol_type")]
    assert labels[0] == "contractor daily patrol"
    aliases = {a.get("field"): a.get("name") for a in qml.iter("alias")}
    assert aliases["patrol_type"] == "巡护类型"
    _check_status_style(*styles["recurrence_cases"][:2], "status", "en")
    # GDAL lists the styles beside the layers and reads the store as before.
    assert "layer_styles" in pyogrio.list_layers(ws.store_path)[:, 0]
    assert len(pyogrio.read_dataframe(ws.store_path, layer="clearance_plots")) == 4
    with sqlite3.connect(ws.store_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()


def test_the_single_colours_are_the_maps():
    assert LAYER_COLOURS["sites"] == STYLE["fillColor"]
    assert LAYER_COLOURS["new_infestations"] == LAYER_COLOURS["patches"] == PATCH_COLOUR
