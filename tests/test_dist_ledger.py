"""The ledger, detections, patches and progress on a Dask cluster are the
single-machine ones, row for row and value for value: on a coast-wide
synthetic dataset for 1, 2 and 4 partitions, and on records placed exactly
on partition edges, within the tolerance of a plot in the next partition, and
in new-infestation patches that straddle an edge."""

import datetime

import geopandas
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from bench.coast import coast, write_workspace
from hailin.surveys.dist.flag import distributed_ledger
from hailin.surveys.dist.partition import (
    COARSE_SHIFT,
    COAST_BOUNDS,
    Divisions,
    coarse_keys,
    hilbert_keys,
)
from hailin.surveys.dist.scheduler import connect
from hailin.surveys.dist.sources import engine_from_frames
from hailin.surveys.ledger.cases import LedgerRules, build_ledger
from tests.scenario import records

GEOD = pyproj.Geod(ellps="GRS80")
RULES = LedgerRules()
# Where a coarse cell column starts (lon): every partition edge is such a line.
_SIDE = 2**16 - 1
_WIDTH = (COAST_BOUNDS[2] - COAST_BOUNDS[0]) * (2**COARSE_SHIFT) / _SIDE


@pytest.fixture(scope="module")
def client():
    with connect("local:2", processes=False) as client:
        yield client


def assert_same(left, right):
    """Two LedgerBuilds, row for row, value for value."""
    pd.testing.assert_frame_equal(left.ledger, right.ledger, check_exact=True)
    pd.testing.assert_frame_equal(
        pd.DataFrame(left.detections), pd.DataFrame(right.detections), check_exact=True
    )
    assert left.patches["patch_id"].tolist() == right.patches["patch_id"].tolist()
    assert shapely.equals_exact(
        left.patches.geometry.values, right.patches.geometry.values, 1e-9
    ).all()


@pytest.fixture(scope="module")
def coast_workspace(tmp_path_factory):
    return write_workspace(tmp_path_factory.mktemp("coast") / "ws", coast(12_000, 900, seed=3))


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_coast_ledger_and_progress_are_the_single_machine_ones(coast_workspace, client, partitions):
    single = coast_workspace.frames()
    spread = coast_workspace.frames(client=client, partitions=partitions)
    assert spread.engine.count == partitions
    assert len(single.ledger) > 300 and len(single.patches) > 100  # a real ledger
    assert set(single.ledger["status"]) == {"open", "re_cleared", "verified_clear"}
    assert_same(spread.built, single.built)
    clearance, restoration = coast_workspace.progress(frames=single)
    d_clearance, d_restoration = coast_workspace.progress(frames=spread)
    assert d_clearance.to_dict() == clearance.to_dict()
    assert d_restoration.to_dict() == restoration.to_dict()
    assert restoration.totals["plots_checked"] > 100


def _east(lon, lat, metres):
    return GEOD.fwd(lon, lat, 90.0, metres)[:2]


def edge_sites(columns):
    """Plots whose east edge lies exactly on a coarse-cell line (lon), and
    records on and across it: exactly on the edge, 9 m past it (the next
    cell), 11 m past it (a new infestation), a removal 5 m past it, two clear
    inspections past it; and a patch of findings 20 m apart straddling the line
    200 m south of the plot."""
    plots, rows = [], []
    for i, column in enumerate(columns):
        edge = COAST_BOUNDS[0] + column * _WIDTH
        south = 27.0 + 0.0127 * (i % 7) + 0.004
        plots.append((f"E{i:02d}", shapely.box(edge - 0.0008, south, edge, south + 0.0006)))
        middle = south + 0.0003
        rows += [
            ("2023-06-01T09:00+08:00", "spartina_regrowth", (edge, middle)),
            ("2023-06-02T09:00+08:00", "spartina_regrowth", _east(edge, middle, 9.0)),
            ("2023-06-03T09:00+08:00", "spartina_regrowth", _east(edge, middle + 0.0001, 11.0)),
            ("2023-06-10T09:00+08:00", "spartina_removed", _east(edge, middle, 5.0), "removed"),
            ("2023-06-20T09:00+08:00", "clear", _east(edge, middle, 8.0)),
            ("2023-07-25T09:00+08:00", "clear", _east(edge, middle - 0.0001, 3.0)),
        ]
        far = south - 0.0018
        rows += [
            ("2023-08-01T09:00+08:00", "spartina_regrowth", _east(edge, far, metres))
            for metres in (-25.0, -5.0, 15.0, 35.0)
        ]
    clearance = geopandas.GeoDataFrame(
        {
            "plot_id": [p for p, _ in plots],
            "site": "kewan",
            "township": "前岐镇",
            "cleared_on": datetime.date(2023, 5, 1),
            "area_mu": 1.0,
        },
        geometry=[g for _, g in plots],
        crs=4326,
    )
    return clearance, records(*rows)


def cut_at(frame, count):
    """Divisions whose edges are the coarse cells just east of the first
    ``count - 1`` plots: each cut runs along a plot's east edge."""
    keys = coarse_keys(hilbert_keys(frame.geometry))
    pairs = []
    for geometry in frame.geometry:
        _west, miny, maxx, _north = geometry.bounds
        inside = coarse_keys(hilbert_keys(geopandas.GeoSeries([shapely.Point(maxx - 1e-5, miny)])))
        beyond = coarse_keys(hilbert_keys(geopandas.GeoSeries([shapely.Point(maxx + 1e-5, miny)])))
        pairs.append((int(inside[0]), int(beyond[0])))
    starts = sorted({max(pair) for pair in pairs[: count - 1]})
    assert len(starts) == count - 1 and keys.size
    return Divisions(tuple(starts)), pairs


@pytest.mark.parametrize("partitions", [2, 4])
def test_records_on_and_across_partition_edges(client, partitions):
    clearance, frame = edge_sites([1500, 1520, 1541, 1563, 1590, 1612])
    clear = frame["finding"].eq("clear").to_numpy()
    single = build_ledger(frame[~clear], clearance, RULES, inspections=frame[clear])
    divisions, pairs = cut_at(clearance, partitions)
    engine = engine_from_frames(client, frame[~clear], frame[clear], divisions=divisions)
    # The plot and the records past its edge are in different partitions, for every cut plot.
    split = [
        i
        for i, (inside, beyond) in enumerate(pairs)
        if divisions.partition_of(np.array([inside]))[0]
        != divisions.partition_of(np.array([beyond]))[0]
    ]
    assert len(split) >= partitions - 1
    spread = distributed_ledger(engine, clearance, RULES)
    assert_same(spread, single)
    by_plot = single.ledger.set_index("plot_id")
    for i in split:  # the edge records counted where the plot is: 2 detections, verified
        case = by_plot.loc[f"E{i:02d}"]
        assert (case["detections"], case["status"]) == (2, "verified_clear")
    patches = single.ledger[single.ledger["kind"] == "new_infestation"]
    # Per site: the 11 m finding alone, and one patch of the four across the edge.
    assert len(patches) == 2 * len(pairs)
    assert sorted(set(patches["detections"])) == [1, 4]


def test_divisions_cut_where_asked():
    divisions = Divisions((10, 20))
    assert divisions.partition_of(np.array([9, 10, 19, 20, 99])).tolist() == [0, 1, 1, 2, 2]


def test_a_partition_keeps_point_inspections_as_coordinates_and_polygons_whole():
    from hailin.surveys.dist.engine import Part

    square = shapely.box(120.30, 27.20, 120.3001, 27.2001)
    inspections = records(
        ("2023-06-20T09:00+08:00", "clear", (120.30, 27.20)),
        ("2023-07-25T09:00+08:00", "clear", (120.3000001, 27.2000001)),
    )
    inspections.loc[1, "geometry"] = square
    part = Part.of(records(("2023-06-01T09:00+08:00", "spartina_regrowth")), inspections)
    assert list(part.inspections.columns) == ["observed_at", "x", "y", "cell"]
    assert part.inspections[["x", "y"]].values.tolist() == [[120.30, 27.20]]
    assert part.other.geometry.tolist() == [square]
    later = part.inspections_after(pd.Timestamp("2023-06-01", tz="UTC"))
    assert later.geometry.to_wkt().tolist() == ["POINT (120.3 27.2)", square.wkt]
    assert later["observed_at"].tolist() == inspections["observed_at"].tolist()
    assert part.latest()[1] == pd.Timestamp("2023-07-25T01:00", tz="UTC")
    assert len(part.inspections_after(pd.Timestamp("2023-07-01", tz="UTC"))) == 1
