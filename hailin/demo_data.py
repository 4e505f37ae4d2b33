"""Demo patrol data shaped on the published Fuding programme (illustrative).

Clearance in spring 2023, then four kinds of patrol through 2023-2024: many
clear inspections and 35 plots' worth of Spartina regrowth (复萌) that are
cleared again and re-inspected, a few regrowing once more in 2024. Files are
written in the formats patrol teams really hand in.
"""

import io
import os
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import shapely

from geo.area import area_m2

RECURRENCE_SPOTS = 35
TIMEZONE = "Asia/Shanghai"
_PATROL_NAMES = {
    "contractor_daily": "施工单位日常巡护",
    "township_patrol": "乡镇巡查队伍踏查",
    "city_joint": "市级专班联合巡护",
    "digital_monitoring": "数字化监测预警",
}
_FINDING_NAMES = {
    "spartina_regrowth": "复萌",
    "spartina_new": "新发",
    "spartina_removed": "已清除",
    "clear": "未见异常",
    "planting_check": "种植成活检查",
}
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
    restoration["planted_on"] = [
        (pd.Timestamp("2023-10-20") + pd.Timedelta(days=int(d))).date()
        for d in rng.integers(0, 50, len(restoration))
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
    return pd.Timestamp(day).tz_localize(TIMEZONE) + pd.Timedelta(hours=hour, minutes=minute)


def patrol_records(sites, clearance, restoration, seed=2023):
    """All demo patrol records as one table (canonical codes, local times)."""
    rng = np.random.default_rng(seed)
    rows = []
    # Routine inspections: contractor every 3 days, township weekly, city monthly.
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
    # 35 recurrence spots: found in 2023, cleared again, re-inspected; 5 regrow in 2024.
    spots = recurrence_spots(clearance, seed)
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
    # Planting checks: survival counted twice in 2024 in every restoration plot.
    for plot in restoration.itertuples():
        for day in ("2024-04-15", "2024-10-15"):
            point = _point_inside(plot.geometry, rng)
            rows.append(
                {
                    "observed_at": _local(
                        pd.Timestamp(day) + pd.Timedelta(days=int(rng.integers(0, 20))), 10
                    ),
                    "lon": round(point.x, 6),
                    "lat": round(point.y, 6),
                    "site_id": plot.site_id,
                    "patrol_type": "township_patrol",
                    "finding": "planting_check",
                    "action": "none",
                    "cover_pct": np.nan,
                    "survival_pct": float(rng.integers(70, 96)),
                    "notes": "秋茄成活检查",
                }
            )
    # Two new patches outside every cleared plot: one reported three times then removed.
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
    frame = pd.DataFrame(rows).sort_values("observed_at", kind="stable").reset_index(drop=True)
    frame["team"] = frame["site_id"].map(_TEAMS).fillna("福鼎市林业局")
    for column in ("survival_pct", "patch_area_m2"):
        if column not in frame:
            frame[column] = np.nan
    return frame


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


def _chinese_table(frame):
    local = frame["observed_at"].dt.tz_convert(TIMEZONE)
    return pd.DataFrame(
        {
            "巡查日期": local.dt.strftime("%Y-%m-%d"),
            "时间": local.dt.strftime("%H:%M"),
            "经度": frame["lon"].map(lambda v: f"{v:.6f}"),
            "纬度": frame["lat"].map(lambda v: f"{v:.6f}"),
            "巡查类型": frame["patrol_type"].map(_PATROL_NAMES),
            "巡查单位": frame["team"],
            "发现情况": frame["finding"].map(_FINDING_NAMES),
            "盖度(%)": frame["cover_pct"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "斑块面积(㎡)": frame["patch_area_m2"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "成活率(%)": frame["survival_pct"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "处理情况": frame["action"].map(
                {"none": "", "reported": "已上报", "removed": "已清除"}
            ),
            "备注": frame["notes"],
        }
    )


def write_demo_patrols(folder, sites, clearance, restoration, seed=2023):
    """Write the demo patrol files; returns [(path, import options)]."""
    os.makedirs(folder, exist_ok=True)
    records = patrol_records(sites, clearance, restoration, seed)
    written = []
    by_type = {t: records[records["patrol_type"] == t] for t in _PATROL_NAMES}

    # Contractor daily patrols: a GBK CSV as their office PC exports it.
    path = os.path.join(folder, "施工单位日常巡护记录_2023-2024.csv")
    _chinese_table(by_type["contractor_daily"]).to_csv(path, index=False, encoding="gbk")
    written.append((path, {}))

    # Township patrol teams: an Excel sheet with a title above the header.
    path = os.path.join(folder, "乡镇巡查队伍踏查台账.xlsx")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "踏查记录"
    sheet.append(["福鼎市互花米草除治乡镇巡查记录（示例数据）"])
    sheet.merge_cells("A1:J1")
    table = _chinese_table(by_type["township_patrol"])
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)
    written.append((path, {}))

    # City joint patrols: a GPX from a handheld unit, waypoints and the route walked.
    path = os.path.join(folder, "市级专班联合巡护.gpx")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(_gpx(by_type["city_joint"]))
    written.append((path, {"patrol_type": "city_joint", "team": "福鼎市互花米草除治专班"}))

    # Digital monitoring: a KMZ of UAV-checked points, grouped by month.
    path = os.path.join(folder, "数字化监测预警.kmz")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", _kml(by_type["digital_monitoring"]))
    with open(path, "wb") as handle:
        handle.write(buffer.getvalue())
    written.append((path, {}))
    return written


def write_demo_plots(folder, clearance, restoration):
    """Clearance plots as GeoJSON with Chinese headers, restoration plots as a
    zipped Shapefile in CGCS2000 Gauss-Kruger metres; returns their paths."""
    import tempfile

    os.makedirs(folder, exist_ok=True)
    cleared = clearance.assign(面积=clearance["area_mu"].round(2))
    cleared.loc[cleared.index[:2], "面积"] = (cleared["area_mu"].iloc[:2] * 1.2).round(
        2
    )  # typing slips
    cleared = cleared.rename(
        columns={
            "plot_id": "图斑编号",
            "township": "乡镇",
            "cleared_on": "除治日期",
            "method": "除治方式",
            "contractor": "施工单位",
        }
    )
    cleared["除治日期"] = cleared["除治日期"].astype(str)
    clearance_path = os.path.join(folder, "互花米草除治图斑_2023.geojson")
    cleared[["图斑编号", "乡镇", "除治日期", "除治方式", "施工单位", "面积", "geometry"]].to_file(
        clearance_path, driver="GeoJSON"
    )
    planted = restoration.assign(area=restoration["area_mu"].round(2))
    planted = planted.rename(columns={"plot_id": "plot_id", "planted_on": "planted_on"})
    planted["planted_on"] = planted["planted_on"].astype(str)
    planted = planted[
        ["plot_id", "township", "planted_on", "species", "funding", "area", "geometry"]
    ]
    restoration_path = os.path.join(folder, "红树林种植地块_2023.zip")
    with tempfile.TemporaryDirectory() as scratch:
        planted.to_crs(4549).to_file(os.path.join(scratch, "plots.shp"), encoding="utf-8")
        with zipfile.ZipFile(restoration_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(os.listdir(scratch)):
                archive.write(os.path.join(scratch, name), name)
    return clearance_path, restoration_path


def _gpx(frame):
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="hailin demo" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for row in frame.itertuples():
        when = row.observed_at.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        desc = f"<desc>{row.notes}</desc>" if row.notes else ""
        parts.append(
            f'<wpt lat="{row.lat:.6f}" lon="{row.lon:.6f}"><time>{when}</time>'
            f"<name>{_FINDING_NAMES[row.finding]}</name>{desc}</wpt>"
        )
    for day, group in frame.groupby(frame["observed_at"].dt.tz_convert(TIMEZONE).dt.date):
        if len(group) < 2:
            continue
        ordered = group.sort_values("observed_at")
        points = "".join(
            f'<trkpt lat="{r.lat:.6f}" lon="{r.lon:.6f}"><time>'
            f"{r.observed_at.tz_convert('UTC').strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
            for r in ordered.itertuples()
        )
        parts.append(f"<trk><name>{day} 联合巡护路线</name><trkseg>{points}</trkseg></trk>")
    parts.append("</gpx>")
    return "\n".join(parts)


def _kml(frame):
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>数字化监测预警</name>',
    ]
    months = frame["observed_at"].dt.tz_convert(TIMEZONE).dt.strftime("%Y-%m")
    for month, group in frame.groupby(months):
        parts.append(f"<Folder><name>{month}</name>")
        for row in group.itertuples():
            data = {
                "巡查类型": _PATROL_NAMES[row.patrol_type],
                "发现": _FINDING_NAMES[row.finding],
                "巡查单位": "福鼎市数字化监测中心",
            }
            if not pd.isna(row.cover_pct):
                data["盖度"] = f"{row.cover_pct:g}"
            if not pd.isna(row.patch_area_m2):
                data["斑块面积"] = f"{row.patch_area_m2:g}"
            extended = "".join(
                f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items()
            )
            parts.append(
                f"<Placemark><name>{_FINDING_NAMES[row.finding]}</name>"
                f"<TimeStamp><when>{row.observed_at.isoformat()}</when></TimeStamp>"
                f"<ExtendedData>{extended}</ExtendedData>"
                f"<Point><coordinates>{row.lon:.6f},{row.lat:.6f},0</coordinates></Point></Placemark>"
            )
        parts.append("</Folder>")
    parts.append("</Document></kml>")
    return "\n".join(parts)


def survey_csv_frame(count, sites, seed=7):
    """A large realistic survey table with Chinese headers (for benchmarks and tests)."""
    rng = np.random.default_rng(seed)
    lon, lat, site = points_in_sites(sites, count, rng)
    order = rng.permutation(count)
    lon, lat, site = lon[order], lat[order], site[order]
    start = pd.Timestamp("2023-05-01").value // 10**9
    seconds = start + rng.integers(0, 600 * 86400, count)
    stamps = pd.to_datetime(seconds, unit="s")
    patrol = np.array(list(_PATROL_NAMES.values()))[rng.integers(0, 4, count)]
    finding = np.where(rng.random(count) < 0.03, "复萌", "未见异常")
    cover = np.where(finding == "复萌", rng.integers(1, 60, count).astype(str), "")
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
            "备注": np.where(finding == "复萌", "刈割后复萌", ""),
        }
    )
