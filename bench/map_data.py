"""Workspaces for the map benchmark: 10,000 clearance plots, 1,000 restoration
plots and N patrol records (points and 0.5% tracks) with the text fields patrol
files carry (teams, observers, notes in Chinese), written straight into the store.

The plots and records are those of ``bench.bench_flag`` (a 30 km square around
Shacheng Bay, half the records in plots, 3% Spartina regrowth findings), so the
ledger has real cases to draw.
"""

import datetime
import pathlib

import numpy as np
import shapely

from bench.bench_flag import SIZE, SOUTH, WEST, make_frames
from hailin.surveys.io.layout import SURVEYS_LAYER, ensure_layers, plots_layer
from hailin.surveys.schema import KINDS, PLOT_COLUMNS
from hailin.surveys.workspace import Workspace

TEAMS = [
    "前岐镇巡查队",
    "店下镇巡查队",
    "佳阳畲族乡巡查队",
    "福鼎市互花米草除治专班",
    "海岸带施工一队",
]
OBSERVERS = [f"{s}{g}" for s in "林陈吴郑黄王李张" for g in ("明", "华", "强", "芳")]
NOTES = ["刈割后复萌", "人工拔除", "秋茄长势良好", "滩涂有垃圾", "潮水未退，未能进入", "新发斑块"]
CONTRACTORS = ["福鼎市海岸带生态修复有限公司", "宁德市滩涂治理工程队", "福建海林环境工程有限公司"]
METHODS = ["刈割+围淹", "刈割+翻耕", "药剂"]


def _tracks(rng, count):
    """``count`` patrol walks of 30 GPS fixes each, a few hundred metres long."""
    x0 = rng.uniform(WEST, WEST + SIZE, count)
    y0 = rng.uniform(SOUTH, SOUTH + SIZE, count)
    steps = rng.normal(0, 0.0002, (count, 30, 2)).cumsum(axis=1)
    return [
        shapely.LineString(np.column_stack([x + s[:, 0], y + s[:, 1]]))
        for x, y, s in zip(x0, y0, steps, strict=True)
    ]


def write_workspace(folder, records, plots=10_000, seed=5):
    """A workspace in ``folder`` holding the benchmark plots and records."""
    folder = pathlib.Path(folder)
    surveys, clearance = make_frames(records, plots, seed)
    rng = np.random.default_rng(seed + 1)
    tracks = rng.random(records) < 0.005
    geometry = np.asarray(surveys.geometry.values, dtype=object)
    geometry[tracks] = _tracks(rng, int(tracks.sum()))
    surveys = surveys.set_geometry(list(geometry), crs=4326)
    surveys["finding"] = np.where(tracks, "clear", surveys["finding"])
    notes = np.where(rng.random(records) < 0.1, np.array(NOTES)[rng.integers(0, 6, records)], "")
    ws = Workspace.create(folder)
    with ws.store() as store:
        ensure_layers(store)
        stored = surveys.assign(
            record_id=[f"b:{i}" for i in range(records)],
            upload_id="bench",
            source_row=np.arange(records),
            team=np.array(TEAMS)[rng.integers(0, len(TEAMS), records)],
            observer=np.array(OBSERVERS)[rng.integers(0, len(OBSERVERS), records)],
            cover_pct=np.nan,
            notes=notes,
            extra=None,
        )
        store.append(SURVEYS_LAYER, stored[[*KINDS, "geometry"]], kinds=KINDS)
        kept = clearance.assign(
            method=np.array(METHODS)[rng.integers(0, 3, plots)],
            contractor=np.array(CONTRACTORS)[rng.integers(0, 3, plots)],
            declared_area_mu=np.nan,
            area_ha=clearance["area_mu"] / 15,
            notes=None,
            extra=None,
            upload_id="bench",
            source_row=np.arange(plots),
        )
        store.append(
            plots_layer("clearance"),
            kept[[*PLOT_COLUMNS["clearance"], "geometry"]],
            kinds=PLOT_COLUMNS["clearance"],
        )
        planted = kept.iloc[: plots // 10].assign(
            plot_id=[f"ZZ-{i:05d}" for i in range(plots // 10)],
            planted_on=[
                datetime.date(2021 + int(y), 11, 1) for y in rng.integers(0, 4, plots // 10)
            ],
            species="秋茄 Kandelia obovata",
            funding="财政资金",
        )
        store.append(
            plots_layer("restoration"),
            planted[[*PLOT_COLUMNS["restoration"], "geometry"]],
            kinds=PLOT_COLUMNS["restoration"],
        )
    return ws


def workspace(root, records, plots=10_000):
    """The benchmark workspace of ``records`` records under ``root``, made once."""
    folder = pathlib.Path(root) / f"ws-{records}-{plots}"
    if (folder / "hailin.gpkg").exists():
        return Workspace(folder)
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    return write_workspace(folder, records, plots)
