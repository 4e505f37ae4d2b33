"""The store's R-tree spatial index (GeoPackage ``gpkg_rtree_index``): present on
every geometry layer, in step with the rows after imports, replacements and
withdrawals, and used by GDAL."""

import contextlib
import sqlite3

import geopandas
import numpy as np
import pyogrio
import shapely

from hailin.surveys.io import rtree, rtree_pack
from hailin.surveys.io.geopackage import read_only_uri
from hailin.surveys.io.store import Store
from tests.conftest import DATA
from tests.test_plots import KEWAN, KEWAN_2, write_plots

FORMATS = DATA / "formats"
TRIGGERS = {"insert", "update2", "update4", "update5", "update6", "update7", "delete"}


@contextlib.contextmanager
def connect(path):
    """A read-only connection, closed at the end."""
    db = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        yield db
    finally:
        db.close()


def geometry_tables(path):
    with connect(path) as db:
        return db.execute(
            "SELECT table_name, column_name FROM gpkg_geometry_columns ORDER BY table_name"
        ).fetchall()


def index_rows(path, table):
    """{fid: (minx, maxx, miny, maxy)} as the R-tree of ``table`` holds it."""
    with connect(path) as db:
        rows = db.execute(f'SELECT * FROM "rtree_{table}_geometry"').fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def expected_rows(path, table):
    """The same, computed independently: GDAL reads the rows, shapely gives
    their bounds and SQLite's own R-tree rounds them (an in-memory one)."""
    frame = pyogrio.read_dataframe(path, layer=table, fid_as_index=True)
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bounds = shapely.bounds(frame.geometry.values)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    db.executemany(
        "INSERT INTO r VALUES (?, ?, ?, ?, ?)",
        zip(
            frame.index.tolist(),
            bounds[:, 0].tolist(),
            bounds[:, 2].tolist(),
            bounds[:, 1].tolist(),
            bounds[:, 3].tolist(),
            strict=True,
        ),
    )
    return {row[0]: tuple(row[1:]) for row in db.execute("SELECT * FROM r")}


def assert_indexed(path):
    """Every geometry layer has its R-tree, extension row and the seven
    triggers, the tree is sound and holds exactly the rows' boxes."""
    tables = geometry_tables(path)
    with connect(path) as db:
        extensions = db.execute(
            "SELECT table_name, column_name, definition, scope FROM gpkg_extensions "
            "WHERE extension_name = 'gpkg_rtree_index' ORDER BY table_name"
        ).fetchall()
        assert extensions == [
            (t, c, "http://www.geopackage.org/spec120/#extension_rtree", "write-only")
            for t, c in tables
        ]
        for table, column in tables:
            name = f"rtree_{table}_{column}"
            assert db.execute("SELECT rtreecheck(?)", (name,)).fetchone() == ("ok",)
            triggers = {
                row[0].removeprefix(name + "_")
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                    (table,),
                )
            }
            assert triggers == TRIGGERS
    for table, _column in tables:
        assert index_rows(path, table) == expected_rows(path, table), table


def test_import_and_withdraw_keep_every_index_in_step(workspace, tmp_path):
    workspace.import_file(FORMATS / "patrol_en.csv")
    workspace.import_file(DATA / "bad" / "mixed_good_bad.csv")
    write_plots(
        tmp_path / "v1.geojson",
        [
            {"plot_id": "CC-1", "cleared_on": "2023-04-12", "geometry": KEWAN},
            {"plot_id": "CC-2", "cleared_on": "2023-04-13", "geometry": KEWAN_2},
        ],
    )
    workspace.import_file(tmp_path / "v1.geojson", kind="clearance")
    path = workspace.store_path
    layers = [t for t, _c in geometry_tables(path)]
    assert layers == ["clearance_plots", "sites", "surveys"]
    assert_indexed(path)
    assert len(index_rows(path, "surveys")) == 7
    assert len(index_rows(path, "clearance_plots")) == 2

    # A replaced plot: the old box leaves the index, the new one comes in.
    write_plots(
        tmp_path / "v2.geojson",
        [{"plot_id": "CC-1", "cleared_on": "2023-04-14", "geometry": KEWAN_2}],
    )
    workspace.import_file(tmp_path / "v2.geojson", kind="clearance")
    assert_indexed(path)
    boxes = sorted(index_rows(path, "clearance_plots").values())
    assert len(boxes) == 2 and boxes[0] == boxes[1]  # both plots now KEWAN_2

    uploads = workspace.uploads()
    mixed = uploads.loc[uploads["file"] == "mixed_good_bad.csv", "upload_id"].iloc[0]
    before = len(index_rows(path, "surveys"))
    withdrawal = workspace.withdraw_upload(mixed, reason="wrong team")
    assert (withdrawal.records_removed, before) == (3, 7)
    assert_indexed(path)
    assert len(index_rows(path, "surveys")) == 4
    assert len(index_rows(path, "surveys")) == len(workspace.surveys())


def points(n, seed):
    rng = np.random.default_rng(seed)
    return geopandas.GeoDataFrame(
        {"name": [f"p{i}" for i in range(n)]},
        geometry=shapely.points(rng.uniform(120.0, 121.0, n), rng.uniform(27.0, 28.0, n)),
        crs=4326,
    )


def test_bulk_appends_packed_and_trickled_and_sql_updates(tmp_path):
    """Appends large (a packed tree several levels deep), middling (the tree
    packed anew over old and new) and small (SQLite's own inserts), then
    updates and deletes by SQL through the triggers."""
    path = tmp_path / "s.gpkg"
    with Store.open(path, create=True) as store:
        store.create_layer("pts", {"name": "text"}, geometry_type="POINT")
        store.append("pts", points(40_000, 1), kinds={"name": "text"})
        store.append("pts", points(6_000, 2), kinds={"name": "text"})
        store.append("pts", points(50, 3), kinds={"name": "text"})
        with store.transaction():
            store.execute("DELETE FROM pts WHERE fid % 7 = 0")
            # Moved points, a point emptied and a row given another fid.
            moved = store.read("pts", where="fid IN (1, 2)")
            store.execute(
                "UPDATE pts SET geometry = (SELECT geometry FROM pts WHERE fid = 3) "
                "WHERE fid IN (1, 2)"
            )
            store.execute("UPDATE pts SET geometry = NULL WHERE fid = 4")
            store.execute("UPDATE pts SET fid = 100000 WHERE fid = 5")
    assert len(moved) == 2
    with connect(path) as db:
        depth = int.from_bytes(
            db.execute("SELECT data FROM rtree_pts_geometry_node WHERE nodeno = 1").fetchone()[0][
                :2
            ],
            "big",
        )
    assert depth >= 2
    assert_indexed(path)
    index = index_rows(path, "pts")
    assert len(index) == 46_050 - 46_050 // 7 - 1
    assert index[1] == index[2] == index[3]
    assert 4 not in index and 5 not in index and 100000 in index


def test_gdal_uses_the_index_for_a_bounding_box(workspace):
    workspace.import_file(FORMATS / "patrol_en.csv")
    path = workspace.store_path
    info = pyogrio.read_info(path, layer="surveys")
    assert info["capabilities"]["fast_spatial_filter"] is True
    every = pyogrio.read_dataframe(path, layer="surveys", fid_as_index=True)
    x, y = every.geometry.x, every.geometry.y
    box = (x.min() - 1e-6, y.min() - 1e-6, x.median() + 1e-9, y.max() + 1e-6)
    inside = every[(x >= box[0]) & (x <= box[2])].index
    found = pyogrio.read_dataframe(path, layer="surveys", bbox=box, fid_as_index=True)
    assert (len(found), len(every)) == (2, 4)
    assert sorted(found.index) == sorted(inside)


def test_a_store_written_before_the_index_gets_it_at_its_first_write(workspace):
    workspace.import_file(FORMATS / "patrol_en.csv")
    path = workspace.store_path
    with (
        contextlib.closing(sqlite3.connect(path)) as db,
        db,
    ):  # no index, as an older hailin left it
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        for table, column in geometry_tables(path):
            db.execute(f'DROP TABLE "rtree_{table}_{column}"')
        db.execute("DELETE FROM gpkg_extensions")
    assert pyogrio.read_info(path, layer="surveys")["capabilities"]["fast_spatial_filter"] is False
    with connect(path) as db:
        assert rtree.unindexed(db) == [("sites", "geometry"), ("surveys", "geometry")]
    with Store.open(path, write=False) as store:  # a reader changes nothing
        assert len(store.read("surveys")) == 4
    with connect(path) as db:
        assert rtree.unindexed(db) == [("sites", "geometry"), ("surveys", "geometry")]
    with Store.open(path) as store, store.transaction():
        pass
    assert_indexed(path)
    assert len(index_rows(path, "surveys")) == len(workspace.surveys())


def test_packed_cells_are_rounded_as_sqlite_rounds_them():
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [rng.uniform(-180, 180, 5000), rng.normal(0, 1e-3, 2000), [0.0, 0.5, -2.0, 120.33, 1e-40]]
    )
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)")
    db.executemany(
        "INSERT INTO r VALUES (?, ?, ?, ?, ?)",
        [(i, v, v, v, v) for i, v in enumerate(values.tolist())],
    )
    sqlite = np.array(db.execute("SELECT minx, maxx FROM r ORDER BY id").fetchall())
    low, high, _, _ = rtree_pack.outward(values, values, values, values)
    assert low.astype(np.float64).tolist() == sqlite[:, 0].tolist()
    assert high.astype(np.float64).tolist() == sqlite[:, 1].tolist()


def test_an_append_to_a_layer_whose_index_another_program_dropped_keeps_its_geometry(tmp_path):
    path = tmp_path / "s.gpkg"
    with Store.open(path, create=True) as store:
        store.create_layer("pts", {"name": "text"}, geometry_type="POINT")
        store.append("pts", points(3, 1), kinds={"name": "text"})
        with contextlib.closing(sqlite3.connect(path)) as other, other:
            for name in TRIGGERS:
                other.execute(f'DROP TRIGGER "rtree_pts_geometry_{name}"')
            other.execute('DROP TABLE "rtree_pts_geometry"')
            other.execute("DELETE FROM gpkg_extensions")
        store.append("pts", points(2, 2), kinds={"name": "text"})
        stored = store.read("pts")
    expected = [*points(3, 1).geometry, *points(2, 2).geometry]
    assert [(g.x, g.y) for g in stored.geometry] == [(g.x, g.y) for g in expected]
