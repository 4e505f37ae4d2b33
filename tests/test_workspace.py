import sqlite3

import geopandas
import pandas as pd
import pyogrio
import pytest
import shapely

from hailin.surveys.errors import SettingsError, StoreError, WorkspaceError
from hailin.surveys.io.store import Store
from hailin.surveys.settings import TEMPLATE, parse_settings
from hailin.surveys.workspace import Workspace


def test_create_makes_the_whole_folder(tmp_path):
    ws = Workspace.create(tmp_path / "ws", language="en")
    root = tmp_path / "ws"
    assert (root / "hailin.toml").is_file()
    assert (root / "hailin.gpkg").is_file()
    assert (root / "uploads").is_dir()
    assert (root / "out").is_dir()
    assert ws.settings.language == "en"
    assert ws.settings.clearance_target_mu == 1883
    assert ws.settings.restoration_target_mu == 1070
    assert ws.settings.tolerance_m == 10
    assert ws.settings.timezone == "Asia/Shanghai"
    assert ws.sites()["site_id"].tolist() == ["kewan", "xuncheng", "luochun"]


def test_every_setting_is_commented():
    lines = TEMPLATE.format(language="zh").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[number - 1].startswith("#"), f"no comment above {line!r}"


def test_store_is_a_geopackage_gis_can_open(workspace):
    layers = pyogrio.list_layers(workspace.store_path)
    assert "sites" in layers[:, 0]
    sites = pyogrio.read_dataframe(workspace.store_path, layer="sites")
    assert len(sites) == 3
    assert sites.crs.to_epsg() == 4326
    with sqlite3.connect(workspace.store_path) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_not_a_workspace_says_how_to_make_one(tmp_path):
    with pytest.raises(WorkspaceError, match="hailin init"):
        Workspace(tmp_path)


def test_creating_twice_is_refused(workspace):
    with pytest.raises(WorkspaceError, match="already holds"):
        Workspace.create(workspace.root)


def test_lookup_order(tmp_path, monkeypatch):
    first = Workspace.create(tmp_path / "first")
    second = Workspace.create(tmp_path / "second")
    third = Workspace.create(tmp_path / "third")
    monkeypatch.chdir(third.root)
    monkeypatch.delenv("HAILIN_WORKSPACE", raising=False)
    assert Workspace.find().root == third.root
    monkeypatch.setenv("HAILIN_WORKSPACE", second.root)
    assert Workspace.find().root == second.root
    assert Workspace.find(first.root).root == first.root


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('language = "fr"', "language should be 'zh' or 'en'"),
        ('timezone = "Mars/Olympus"', "unknown timezone"),
        ("[recurrence]\ntolerance_m = -1", "recurrence.tolerance_m should not be negative"),
        ('[targets]\nclearance_mu = "lots"', "targets.clearance_mu should be a number"),
        ("language = ", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_key(text, message):
    with pytest.raises(SettingsError, match=message):
        parse_settings(text)


def test_store_round_trips_types(tmp_path):
    frame = geopandas.GeoDataFrame(
        {
            "name": ["柯湾", None],
            "count": [1, 2],
            "cover": [0.5, None],
            "seen": pd.to_datetime(["2023-05-01T10:00:00+08:00", None], utc=True),
            "ok": [True, False],
        },
        geometry=[shapely.Point(120.3, 27.2), shapely.box(120.0, 27.0, 120.1, 27.1)],
        crs=4326,
    )
    with Store.open(tmp_path / "s.gpkg", create=True) as store:
        store.replace("things", frame)
        back = store.read("things")
    assert back["name"].tolist()[0] == "柯湾" and pd.isna(back["name"].iloc[1])
    assert back["count"].tolist() == [1, 2]
    assert back["cover"].iloc[0] == 0.5 and pd.isna(back["cover"].iloc[1])
    assert back["seen"].iloc[0] == pd.Timestamp("2023-05-01T02:00:00Z")
    assert pd.isna(back["seen"].iloc[1])
    assert back["ok"].tolist() == [True, False]
    assert back.geometry.iloc[1].equals(frame.geometry.iloc[1])


def test_a_failed_transaction_leaves_the_store_as_it_was(tmp_path):
    frame = geopandas.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(1, 2)], crs=4326)
    with Store.open(tmp_path / "s.gpkg", create=True) as store:
        store.append("a", frame)
        with pytest.raises(RuntimeError), store.transaction():
            store.append("a", frame)
            store.append("b", frame)
            raise RuntimeError("crash mid-import")
        assert store.count("a") == 1
        assert not store.has_layer("b")


def test_a_file_that_is_not_a_store(tmp_path):
    path = tmp_path / "x.gpkg"
    path.write_text("hello, not sqlite")
    with pytest.raises(StoreError, match="not a GeoPackage store"):
        Store.open(path)
    with pytest.raises(StoreError, match="no store here"):
        Store.open(tmp_path / "missing.gpkg")
