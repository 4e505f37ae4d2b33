"""A hand-built workspace for the programme's statistics, with its answers
worked out by hand (see tests/test_statistics.py).

Four clearance plots: A and B in Kewan (前岐镇), C in Xuncheng (店下镇), D in
Luochun (佳阳畲族乡); three restoration plots; patrol records telling this story:

- A: regrowth 2023-08-01, removed 2023-09-01; again 2024-05-01, removed 2024-06-01
- B: regrowth found and removed 2023-10-01
- C: regrowth 2023-12-20, removed 2024-04-15
- D: regrowth 2024-06-10, still open
- a new patch outside every reserve, 2024-06-20, open (nearest reserve: Xuncheng)
- in 2024 Q1: three township patrols (two teams, two days; 林 and 陈 out
  together on 01-10) and one city joint patrol of three with one track
- planting checks: R1 80 %, R2 60 % and 70 % on one day
"""

import csv

import geopandas
import shapely

from hailin.demo import entered_at_once
from hailin.surveys.workspace import Workspace

CLEARANCE = {
    "A": (shapely.box(120.3300, 27.2600, 120.3306, 27.2604), "2023-04-10", "刈割+围淹"),
    "B": (shapely.box(120.3320, 27.2600, 120.3326, 27.2604), "2023-05-03", "药剂"),
    "C": (shapely.box(120.3330, 27.2300, 120.3336, 27.2304), "2023-05-20", "刈割+围淹"),
    "D": (shapely.box(120.3780, 27.2468, 120.3786, 27.2472), "2024-04-02", "刈割+翻耕"),
}
RESTORATION = {
    "R1": (shapely.box(120.3240, 27.2628, 120.3246, 27.2632), "2023-11-02", "秋茄", "公益基金"),
    "R2": (shapely.box(120.3340, 27.2310, 120.3346, 27.2314), "2024-03-01", "白骨壤", "财政资金"),
    "R3": (shapely.box(120.3250, 27.2628, 120.3256, 27.2632), "2024-03-15", "秋茄", "公益基金"),
}
TRACK = "LINESTRING (120.3260 27.2580, 120.3300 27.2580, 120.3300 27.2620)"
TARGETS = """
[targets.clearance.by_year]
2023 = 10
2024 = 5
[targets.clearance.by_month]
2023-04 = 2
2023-05 = 6
[targets.clearance.by_township]
"前岐镇" = { 2023 = 5, 2024 = 3 }
"店下镇" = 4
[targets.restoration.by_year]
2023 = 3
2024 = 8
[targets.restoration.by_township]
"前岐镇" = 6
"""


def _centre(geometry):
    point = geometry.centroid
    return f"POINT ({point.x:.6f} {point.y:.6f})"


def _rows():
    a, b, c, d = (_centre(CLEARANCE[k][0]) for k in "ABCD")
    r1, r2 = _centre(RESTORATION["R1"][0]), _centre(RESTORATION["R2"][0])
    joint = ("city_joint", "专班", "林,王")
    kewan, xuncheng = "POINT (120.3280 27.2560)", "POINT (120.3250 27.2260)"
    # observed_at, wkt, patrol type, team, observer, finding, action, survival %
    return [
        ("2023-08-01 09:00", a, *joint, "spartina_regrowth", "reported", ""),
        ("2023-09-01 09:00", a, *joint, "spartina_regrowth", "removed", ""),
        ("2024-05-01 09:00", a, *joint, "spartina_regrowth", "reported", ""),
        ("2024-06-01 09:00", a, *joint, "spartina_regrowth", "removed", ""),
        ("2023-10-01 09:00", b, *joint, "spartina_regrowth", "removed", ""),
        ("2023-12-20 09:00", c, *joint, "spartina_regrowth", "reported", ""),
        ("2024-04-15 09:00", c, *joint, "spartina_regrowth", "removed", ""),
        ("2024-06-10 09:00", d, *joint, "spartina_regrowth", "reported", ""),
        ("2024-06-20 09:00", "POINT (120.3500 27.2300)", *joint, "spartina_new", "reported", ""),
        ("2024-01-10 09:00", kewan, "township_patrol", "前岐镇", "林、陈", "clear", "none", ""),
        ("2024-01-10 10:00", kewan, "township_patrol", "前岐镇", "陈", "clear", "none", ""),
        ("2024-01-10 09:30", xuncheng, "township_patrol", "店下镇", "吴", "clear", "none", ""),
        ("2024-01-11 09:00", kewan, "township_patrol", "前岐镇", "林", "clear", "none", ""),
        ("2024-02-05 09:00", kewan, "city_joint", "专班", "林,王,赵", "clear", "none", ""),
        ("2024-02-05 11:00", TRACK, "city_joint", "专班", "林,王,赵", "clear", "none", ""),
        ("2024-04-01 09:00", kewan, "contractor_daily", "施工队", "", "clear", "none", ""),
        ("2024-06-01 09:00", r1, "township_patrol", "前岐镇", "林", "planting_check", "none", "80"),
        ("2024-06-02 09:00", r2, "township_patrol", "店下镇", "吴", "planting_check", "none", "60"),
        ("2024-06-02 10:00", r2, "township_patrol", "店下镇", "吴", "planting_check", "none", "70"),
    ]


def build(root):
    """The workspace in ``root / "ws"`` with the plots, records and targets above."""
    ws = Workspace.create(root / "ws", language="en")
    with open(ws.settings_path, "a", encoding="utf-8") as settings:
        settings.write(TARGETS)
    ws = Workspace(ws.root)
    files = root / "files"
    files.mkdir()
    clearance = geopandas.GeoDataFrame(
        {
            "plot_id": list(CLEARANCE),
            "cleared_on": [v[1] for v in CLEARANCE.values()],
            "method": [v[2] for v in CLEARANCE.values()],
        },
        geometry=[v[0] for v in CLEARANCE.values()],
        crs=4326,
    )
    restoration = geopandas.GeoDataFrame(
        {
            "plot_id": list(RESTORATION),
            "planted_on": [v[1] for v in RESTORATION.values()],
            "species": [v[2] for v in RESTORATION.values()],
            "funding": [v[3] for v in RESTORATION.values()],
        },
        geometry=[v[0] for v in RESTORATION.values()],
        crs=4326,
    )
    for kind, frame in (("clearance", clearance), ("restoration", restoration)):
        frame.to_file(files / f"{kind}.geojson")
        summary = ws.import_file(files / f"{kind}.geojson", kind=kind)
        assert summary.status == "accepted", summary
    with open(files / "patrols.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["observed_at", "wkt", "patrol_type", "team", "observer", "finding", "action",
             "survival_pct"]
        )  # fmt: skip
        writer.writerows(_rows())
    summary = ws.import_file(files / "patrols.csv")
    assert summary.status == "accepted", summary
    # The story is the earlier record entered at once: as of any day it counts
    # from when it was observed (hailin.toml's [as_of] history_until).
    return entered_at_once(ws)
