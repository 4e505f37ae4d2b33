"""Demo patrol data shaped on the published Fuding programme (illustrative).

Clearance in spring 2023, then four kinds of patrol through 2023-2024: many
clear inspections and 35 plots' worth of Spartina regrowth (复萌) that are
cleared again and re-inspected, a few regrowing once more in 2024. The files are
written in the formats patrol teams really hand in by :mod:`hailin.demo_files`.
"""

import numpy as np
import pandas as pd
import shapely

from hailin.geo.area import area_m2
from hailin.surveys.localtime import DEFAULT_TIMEZONE
from hailin.surveys.schema import codes, word

RECURRENCE_SPOTS = 35
_TEAMS = {"kewan": "前岐镇", "xuncheng": "店下镇", "luochun": "佳阳畲族乡"}


def points_in_sites(sites, count, rng):
    """(lon, lat, site_id) arrays of random points inside the site polygons."""
    lon, lat, site = [], [], []
    sizes = area_m2(sites).to_numpy()
    weights = sizes / sizes.sum()
    per_site = rng.multinomial(count, weights)
    for (_, row), wanted in zip(sites.iterrows(), per_site, strict=True):
        minx, miny, maxx, maxy = row.geometry.bounds
        got = 0
        while got < wanted:
            x = rng.uniform(minx, maxx, wanted * 4)
            y = rng.uniform(miny, maxy, wanted * 4)
            inside = shapely.contains_xy(row.geometry, x, y)
            take = min(wanted - got, int(inside.sum()))
            lon.extend(x[inside][:take])
            lat.extend(y[inside][:take])
            site.extend([row.site_id] * take)
            got += take
    return np.round(np.array(lon), 6), np.round(np.array(lat), 6), np.array(site)


CLEARANCE_TARGET_MU = 1883
RESTORATION_TARGET_MU = 1070
_SITE_CODES = {"kewan": "KW", "xuncheng": "XC", "luochun": "LC"}
_CONTRACTORS = {
    "kewan": "福鼎市海岸带生态修复有限公司（示例）",
    "xuncheng": "宁德市滩涂治理工程队（示例）",
    "luochun": "福建海林环境工程有限公司（示例）",
}
_METHODS = ["刈割+围淹", "刈割+翻耕", "刈割+围淹", "药剂"]


def demo_plots(sites, seed=2023):
    """(clearance plots, restoration plots): the sites tiled into ~10 mu plots.

    About 1,883 mu is cleared within one month of spring 2023 across the three
    townships; about 1,070 mu of it in Kewan (Qianqi) and Luochun (Jiayang) is
    replanted with mangrove in late 2023.
    """
    import geopandas

    rng = np.random.default_rng(seed)
    metric = sites.to_crs(4549)
    cells = []
    for row in metric.itertuples():
        minx, miny, maxx, maxy = row.geometry.bounds
        size = 80.0
        xs = np.arange(np.floor(minx / size) * size, maxx, size)
        ys = np.arange(np.floor(miny / size) * size, maxy, size)
        grid = shapely.box(*np.meshgrid(xs, ys), *np.meshgrid(xs + size, ys + size))
        pieces = shapely.intersection(grid.ravel(), row.geometry)
        pieces = [p for p in pieces if p.area > 2000 and p.geom_type == "Polygon"]
        pieces.sort(key=lambda p: (round(p.centroid.x, -1), p.centroid.y))
        for n, piece in enumerate(pieces, start=1):
            cells.append(
                {
                    "plot_id": f"CC-{_SITE_CODES[row.site_id]}-{n:03d}",
                    "site_id": row.site_id,
                    "township": row.township,
                    "geometry": piece,
                }
            )
    cells = geopandas.GeoDataFrame(cells, crs=4549).to_crs(4326)
    cells["area_mu"] = area_m2(cells).to_numpy() / (10000 / 15)
    order = rng.permutation(len(cells))
    chosen = order[np.cumsum(cells["area_mu"].to_numpy()[order]) <= CLEARANCE_TARGET_MU + 5]
    clearance = cells.iloc[np.sort(chosen)].reset_index(drop=True)
    start = pd.Timestamp("2023-04-10")
    clearance["cleared_on"] = [
        (start + pd.Timedelta(days=int(d))).date() for d in rng.integers(0, 30, len(clearance))
    ]
    clearance["method"] = np.array(_METHODS)[rng.integers(0, len(_METHODS), len(clearance))]
    clearance["contractor"] = clearance["site_id"].map(_CONTRACTORS)
    planted_sites = clearance[clearance["site_id"].isin(["kewan", "luochun"])]
    order = rng.permutation(len(planted_sites))
    chosen = order[
        np.cumsum(planted_sites["area_mu"].to_numpy()[order]) <= RESTORATION_TARGET_MU + 5
    ]
    restoration = planted_sites.iloc[np.sort(chosen)].reset_index(drop=True).copy()
    restoration["plot_id"] = restoration["plot_id"].str.replace("CC-", "ZZ-", regex=False)
    # Planted in three seasons after the clearance: autumn 2023, spring and autumn 2024.
    seasons = pd.to_datetime(["2023-10-20", "2024-04-10", "2024-10-15"])
    restoration["planted_on"] = [
        (seasons[s] + pd.Timedelta(days=int(d))).date()
        for s, d in zip(
            rng.choice(3, len(restoration), p=[0.5, 0.3, 0.2]),
            rng.integers(0, 40, len(restoration)),
            strict=True,
        )
    ]
    restoration["species"] = np.where(
        rng.random(len(restoration)) < 0.8, "秋茄 Kandelia obovata", "桐花树 Aegiceras corniculatum"
    )
    restoration["funding"] = np.where(rng.random(len(restoration)) < 0.6, "财政资金", "公益基金")
    return clearance, restoration


def recurrence_spots(clearance, seed=2023):
    """The 35 demo places, each in its own clearance plot, where Spartina comes back."""
    rng = np.random.default_rng(seed)
    chosen = clearance.iloc[np.sort(rng.choice(len(clearance), RECURRENCE_SPOTS, replace=False))]
    points = [_point_inside(g, rng) for g in chosen.geometry]
    return pd.DataFrame(
        {
            "lon": [round(p.x, 6) for p in points],
            "lat": [round(p.y, 6) for p in points],
            "site_id": chosen["site_id"].to_numpy(),
            "plot_id": chosen["plot_id"].to_numpy(),
            "cleared_on": chosen["cleared_on"].to_numpy(),
        }
    )


def _point_inside(polygon, rng):
    """A random point well inside a polygon (away from its edges)."""
    core = polygon.buffer(-0.0001) if polygon.buffer(-0.0001).area > 0 else polygon
    minx, miny, maxx, maxy = core.bounds
    while True:
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if core.contains(point):
            return point


def _local(day, hour, minute=0):
    return pd.Timestamp(day).tz_localize(DEFAULT_TIMEZONE) + pd.Timedelta(
        hours=hour, minutes=minute
    )


def patrol_records(sites, clearance, restoration, seed=2023):
    """All demo patrol records as one table (canonical codes, local times)."""
    rng = np.random.default_rng(seed)
    rows = []
    _routine_inspections(rows, rng, sites)
    spots = recurrence_spots(clearance, seed)
    _recurrences(rows, rng, spots)
    _planting_checks(rows, rng, restoration)
    _new_patches(rows)
    frame = pd.DataFrame(rows).sort_values("observed_at", kind="stable").reset_index(drop=True)
    frame["team"] = frame["site_id"].map(_TEAMS).fillna("福鼎市林业局")
    for column in ("survival_pct", "patch_area_m2"):
        if column not in frame:
            frame[column] = np.nan
    return frame


def _routine_inspections(rows, rng, sites):
    """Clear inspections: contractor every 3 days, township weekly, city monthly,
    digital monitoring monthly."""
    schedule = [
        ("contractor_daily", pd.date_range("2023-05-15", "2024-12-28", freq="3D"), 3),
        ("township_patrol", pd.date_range("2023-05-20", "2024-12-28", freq="7D"), 2),
        ("city_joint", pd.date_range("2023-06-01", "2024-12-01", freq="MS"), 4),
        (
            "digital_monitoring",
            pd.date_range("2023-06-15", "2024-12-15", freq="MS") + pd.Timedelta(days=14),
            6,
        ),
    ]
    for patrol_type, days, per_site in schedule:
        for day in days:
            lon, lat, site = points_in_sites(sites, per_site * len(sites), rng)
            for x, y, s in zip(lon, lat, site, strict=True):
                rows.append(
                    {
                        "observed_at": _local(
                            day, int(rng.integers(8, 17)), int(rng.integers(0, 60))
                        ),
                        "lon": x,
                        "lat": y,
                        "site_id": s,
                        "patrol_type": patrol_type,
                        "finding": "clear",
                        "action": "none",
                        "cover_pct": np.nan,
                        "notes": "",
                    }
                )


def _recurrences(rows, rng, spots):
    """35 recurrence spots: found in 2023, cleared again, re-inspected; 5 regrow in 2024."""
    finders = (
        ["contractor_daily"] * 15
        + ["township_patrol"] * 10
        + ["city_joint"] * 5
        + ["digital_monitoring"] * 5
    )
    for spot, finder in zip(spots.itertuples(), finders, strict=True):
        first = pd.Timestamp("2023-06-01") + pd.Timedelta(days=int(rng.integers(0, 150)))
        _spot_record(
            rows,
            rng,
            spot,
            first,
            "spartina_regrowth",
            "reported",
            finder,
            float(rng.integers(5, 40)),
            "刈割后复萌",
        )
        if rng.random() < 0.4:  # seen again by another patrol before removal
            _spot_record(
                rows,
                rng,
                spot,
                first + pd.Timedelta(days=2),
                "spartina_regrowth",
                "reported",
                "city_joint",
                float(rng.integers(5, 40)),
            )
        cleared = first + pd.Timedelta(days=int(rng.integers(3, 15)))
        _spot_record(
            rows,
            rng,
            spot,
            cleared,
            "spartina_removed",
            "removed",
            "contractor_daily",
            note="人工拔除",
        )
        for offset in (10, 25, 45):
            _spot_record(
                rows,
                rng,
                spot,
                cleared + pd.Timedelta(days=offset),
                "clear",
                "none",
                "township_patrol",
            )
    for spot in spots.iloc[:5].itertuples():
        day = pd.Timestamp("2024-05-10") + pd.Timedelta(days=int(rng.integers(0, 60)))
        rows.append(
            {
                "observed_at": _local(day, 10),
                "lon": spot.lon,
                "lat": spot.lat,
                "site_id": spot.site_id,
                "patrol_type": "township_patrol",
                "finding": "spartina_regrowth",
                "action": "reported",
                "cover_pct": 10.0,
                "notes": "二次复萌",
            }
        )


# Survival checks: each April and October, from the first one at least 150 days after planting.
_CHECK_DAYS = pd.to_datetime(["2024-04-15", "2024-10-15"])


def _planting_checks(rows, rng, restoration):
    """Survival counted in every restoration plot at each check after its
    planting: high at first, a few points lower at each later check."""
    for plot in restoration.itertuples():
        due = [
            d for d in _CHECK_DAYS if d - pd.Timestamp(plot.planted_on) >= pd.Timedelta(days=150)
        ]
        survival = float(rng.integers(84, 97))
        for day in due:
            point = _point_inside(plot.geometry, rng)
            rows.append(
                {
                    "observed_at": _local(day + pd.Timedelta(days=int(rng.integers(0, 20))), 10),
                    "lon": round(point.x, 6),
                    "lat": round(point.y, 6),
                    "site_id": plot.site_id,
                    "patrol_type": "township_patrol",
                    "finding": "planting_check",
                    "action": "none",
                    "cover_pct": np.nan,
                    "survival_pct": survival,
                    "notes": "秋茄成活检查",
                }
            )
            survival = max(40.0, survival - float(rng.integers(3, 12)))


def _new_patches(rows):
    """Two new patches outside every cleared plot: one reported three times then removed."""
    for day, patrol_type, finding, action, dx in (
        ("2023-08-05", "digital_monitoring", "spartina_new", "reported", 0.0),
        ("2023-08-07", "city_joint", "spartina_new", "reported", 0.00005),
        ("2023-08-20", "contractor_daily", "spartina_removed", "removed", 0.00003),
    ):
        rows.append(
            {
                "observed_at": _local(day, 11),
                "lon": 120.3560 + dx,
                "lat": 27.2400,
                "site_id": None,
                "patrol_type": patrol_type,
                "finding": finding,
                "action": action,
                "cover_pct": 20.0 if finding == "spartina_new" else np.nan,
                "notes": "新发斑块",
            }
        )
    rows.append(
        {
            "observed_at": _local("2024-03-12", 9),
            "lon": 120.3010,
            "lat": 27.2460,
            "site_id": None,
            "patrol_type": "township_patrol",
            "finding": "spartina_new",
            "action": "reported",
            "cover_pct": 5.0,
            "notes": "新发斑块",
        }
    )


def _spot_record(rows, rng, spot, day, finding, action, patrol_type, cover=np.nan, note=""):
    """One record at a recurrence spot, with a few metres of GPS scatter."""
    rows.append(
        {
            "observed_at": _local(day, int(rng.integers(8, 17)), int(rng.integers(0, 60))),
            "lon": round(spot.lon + rng.normal(0, 0.00002), 6),
            "lat": round(spot.lat + rng.normal(0, 0.00002), 6),
            "site_id": spot.site_id,
            "patrol_type": patrol_type,
            "finding": finding,
            "action": action,
            "cover_pct": cover,
            # A regrowth patch of a few to some tens of square metres.
            "patch_area_m2": float(rng.integers(2, 60))
            if finding == "spartina_regrowth"
            else np.nan,
            "notes": note,
        }
    )


def survey_csv_frame(count, sites, seed=7):
    """A large realistic survey table with Chinese headers (for benchmarks and tests)."""
    rng = np.random.default_rng(seed)
    lon, lat, site = points_in_sites(sites, count, rng)
    order = rng.permutation(count)
    lon, lat, site = lon[order], lat[order], site[order]
    start = pd.Timestamp("2023-05-01").value // 10**9
    seconds = start + rng.integers(0, 600 * 86400, count)
    stamps = pd.to_datetime(seconds, unit="s")
    patrol = np.array([word("patrol_type", c, "zh") for c in codes("patrol_type")])
    patrol = patrol[rng.integers(0, 4, count)]
    regrowth = rng.random(count) < 0.03
    finding = np.where(
        regrowth, word("finding", "spartina_regrowth", "zh"), word("finding", "clear", "zh")
    )
    cover = np.where(regrowth, rng.integers(1, 60, count).astype(str), "")
    return pd.DataFrame(
        {
            "巡查时间": stamps.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": np.char.mod("%.6f", lon),
            "纬度": np.char.mod("%.6f", lat),
            "巡查类型": patrol,
            "巡查单位": pd.Series(site).map(_TEAMS).to_numpy(),
            "巡查人": np.array(["林", "陈", "吴", "郑", "黄"])[rng.integers(0, 5, count)],
            "发现情况": finding,
            "盖度(%)": cover,
            "备注": np.where(regrowth, "刈割后复萌", ""),
        }
    )
