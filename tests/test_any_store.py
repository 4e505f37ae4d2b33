"""Whatever sequence of imports and withdrawals a workspace went through, every
reporting command still works on its store (the store's invariants hold)."""

import json
import pathlib
import tempfile

import geopandas
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hailin.maps import MAPS
from tests.conftest import DATA, copy_workspace
from tests.hostile import CASES, write_corpus

FORMATS = ["patrol_en.csv", "patrol_gbk.csv", "patrol_nested.kml", "patrol_10.gpx", "patrol.gpkg"]
HOSTILE = [
    "note_jinja_os.csv",
    "note_lone_open.csv",
    "wkt_polygon_empty.csv",
    "coord_lon_inf.csv",
    "time_year_9999.csv",
    "words_removed_on_spot.csv",
    "words_pending.csv",
    "mixed_utf8_gbk.csv",
    "gcj02_points.csv",
    "self_intersecting_plot.geojson",
    "plots_payloads.geojson",
    "restoration_payloads.geojson",
    "gpx_payloads.gpx",
]
BY_NAME = {c.name: c for c in CASES}


def _plots(folder):
    """A clearance and a restoration file around the points the patrol files use."""
    x, y = 120.3301, 27.2612
    clearance = geopandas.GeoDataFrame(
        {
            "图斑编号": ["C1", "C2"],
            "除治日期": ["2023-05-01", "2023-05-20"],
            "除治方式": ["人工拔除", "刈割"],
        },
        geometry=[
            shapely.box(x - 0.0005, y - 0.0005, x + 0.0005, y + 0.0005),
            shapely.box(x + 0.001, y, x + 0.002, y + 0.001),
        ],
        crs=4326,
    )
    restoration = geopandas.GeoDataFrame(
        {"地块编号": ["R1"], "种植日期": ["2023-03-01"], "树种": ["秋茄"]},
        geometry=[shapely.box(x - 0.003, y - 0.002, x - 0.002, y - 0.001)],
        crs=4326,
    )
    paths = folder / "clearance.geojson", folder / "restoration.geojson"
    clearance.to_file(paths[0])
    restoration.to_file(paths[1])
    return paths


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pool")
    written = write_corpus(folder / "hostile")
    clearance, restoration = _plots(folder)
    pool = {f"formats/{name}": (DATA / "formats" / name, "surveys", {}) for name in FORMATS}
    for name in HOSTILE:
        command = BY_NAME[name].command
        kind = command.split()[-1] if command.startswith("plots") else "surveys"
        flags = dict(zip(BY_NAME[name].args[::2], BY_NAME[name].args[1::2], strict=True))
        flags = {k.strip("-").replace("-", "_"): v for k, v in flags.items()}
        pool[f"hostile/{name}"] = (written[name], kind, flags)
    pool["plots/clearance"] = (clearance, "clearance", {})
    pool["plots/restoration"] = (restoration, "restoration", {})
    pool["formats/patrol_gcj02.csv as gcj02"] = (
        DATA / "formats" / "patrol_gcj02.csv",
        "surveys",
        {"crs": "gcj02"},
    )
    return pool


steps = st.lists(
    st.one_of(
        st.sampled_from(
            [f"formats/{n}" for n in FORMATS]
            + [f"hostile/{n}" for n in HOSTILE]
            + ["plots/clearance", "plots/restoration", "formats/patrol_gcj02.csv as gcj02"]
        ),
        st.just("withdraw latest"),
        st.just("sites with payloads"),
    ),
    max_size=7,
)


def _report(ws, folder):
    """Every reporting command, as the CLI runs them."""
    _detections, ledger, patches = ws.flag()
    assert len(ledger) == len(ws.ledger()[0])
    for suffix in ("csv", "xlsx", "gpkg", "geojson"):
        ws.exports.ledger(folder / f"ledger.{suffix}")
    clearance, restoration = ws.progress()
    # The figures `progress --json` prints, through JSON, agree with the store and the ledger.
    figures = json.loads(json.dumps({"c": clearance.to_dict(), "r": restoration.to_dict()}))
    cleared, planted = figures["c"]["totals"], figures["r"]["totals"]
    assert cleared["plots"] == len(ws.plots("clearance"))
    assert planted["plots"] == len(ws.plots("restoration"))
    recurrence = ledger[ledger["kind"] == "recurrence"]
    assert cleared["recurrence_cases"] == len(recurrence)
    assert cleared["recurrence_plots"] == recurrence["plot_id"].nunique()
    assert cleared["new_infestations"] == len(patches)
    assert sum(cleared["cases_by_status"].values()) == len(recurrence)
    data = ws.map_data()
    for draw in MAPS.values():
        for lang in ("zh", "en"):
            assert "</html>" in draw(data, lang=lang).get_root().render()


@settings(
    # Each example runs every reporting command (seven exports and six maps) on a new
    # sequence; 15 a run, and a new draw each run, cover the pool over runs.
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_every_report_works_after_any_sequence_of_imports(files, empty_workspace, sequence):
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        ws = copy_workspace(empty_workspace, folder / "ws")
        for step in sequence:
            if step == "withdraw latest":
                uploads = ws.uploads()
                live = uploads[uploads["status"] != "withdrawn"]
                if len(live):
                    ws.withdraw_upload(live["upload_id"].iloc[-1], reason="property test")
            elif step == "sites with payloads":
                path = folder / "sites.geojson"
                path.write_bytes(BY_NAME["sites_payloads.geojson"].build(folder))
                ws.import_sites(path)
            else:
                path, kind, flags = files[step]
                ws.import_file(path, kind=kind, **flags)
        _report(ws, folder)
        assert not (folder / "HAILIN_PWNED").exists()
