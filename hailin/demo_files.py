"""The demo's input files, written as patrol teams and planners hand them in: a
GBK CSV, an Excel sheet with a title row, a GPX, a KMZ, plots as GeoJSON and a
zipped Shapefile in CGCS2000 Gauss-Kruger metres. Words are the vocabulary's.
"""

import io
import os
import tempfile
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import shapely

from hailin.demo_data import patrol_records
from hailin.surveys.localtime import DEFAULT_TIMEZONE
from hailin.surveys.schema import codes, word

# What the demo's files write in the action column (no action: left blank).
_ACTIONS_WRITTEN = {"none": "", "reported": word("action", "reported", "zh"),
                    "removed": word("action", "removed", "zh")}  # fmt: skip


def _zh(vocabulary):
    """{code: Chinese word} of a vocabulary."""
    return {code: word(vocabulary, code, "zh") for code in codes(vocabulary)}


def _chinese_table(frame):
    local = frame["observed_at"].dt.tz_convert(DEFAULT_TIMEZONE)
    return pd.DataFrame(
        {
            "巡查日期": local.dt.strftime("%Y-%m-%d"),
            "时间": local.dt.strftime("%H:%M"),
            "经度": frame["lon"].map(lambda v: f"{v:.6f}"),
            "纬度": frame["lat"].map(lambda v: f"{v:.6f}"),
            "巡查类型": frame["patrol_type"].map(_zh("patrol_type")),
            "巡查单位": frame["team"],
            "巡查人": frame["observer"],
            "发现情况": frame["finding"].map(_zh("finding")),
            "盖度(%)": frame["cover_pct"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "斑块面积(㎡)": frame["patch_area_m2"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "成活率(%)": frame["survival_pct"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "处理情况": frame["action"].map(_ACTIONS_WRITTEN),
            "备注": frame["notes"],
        }
    )


# Who walks, by patrol mode: a day's crew is drawn from the roster in turn (the
# records' random stream is left as it was), written as teams write names:
# parted by spaces, 、 or ，.
_ROSTERS = {
    "contractor_daily": (["陈明", "林海", "郑强", "黄伟", "王磊"], 2, " "),
    "township_patrol": (["林秀英", "陈建国", "吴丽", "张勇"], 3, "、"),
    "city_joint": (["赵六", "钱七", "孙八", "李九", "周十"], 4, "，"),
    "digital_monitoring": (["叶晨"], 1, ""),
}


def _crews(records):
    """The observer cell of each record: the crew of its day, mode and reserve."""
    days = records["observed_at"].dt.tz_convert(DEFAULT_TIMEZONE).dt.day_of_year.to_numpy()
    places = records["site_id"].map({s: i for i, s in enumerate(sorted(set(
        records["site_id"].dropna())))}).fillna(0).to_numpy(dtype=int)  # fmt: skip
    cells = []
    for mode, day, place in zip(records["patrol_type"], days, places, strict=True):
        names, size, parting = _ROSTERS[mode]
        start = int(day + place) % len(names)
        cells.append(parting.join(names[(start + k) % len(names)] for k in range(size)))
    return cells


def write_demo_patrols(folder, sites, clearance, restoration, seed=2023):
    """Write the demo patrol files; returns [(path, import options)]."""
    os.makedirs(folder, exist_ok=True)
    records = patrol_records(sites, clearance, restoration, seed)
    records["observer"] = _crews(records)
    written = []
    by_type = {t: records[records["patrol_type"] == t] for t in codes("patrol_type")}

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
        handle.write(_gpx(by_type["city_joint"], sites))
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


def _route(site, group, points=40):
    """A day's walk in one reserve: along its edge (30 m inside), from the
    first waypoint's place on it to the last's, as (lon, lat, UTC time) fixes."""
    inner = site.buffer(-0.0003)
    ring = (inner if not inner.is_empty else site).exterior
    ordered = group.sort_values("observed_at")
    along = [ring.project(shapely.Point(r.lon, r.lat)) for r in ordered.itertuples()]
    start, end = ordered["observed_at"].iloc[0], ordered["observed_at"].iloc[-1]
    steps = np.linspace(0.0, 1.0, points)
    places = [ring.interpolate(along[0] + f * (along[-1] - along[0])) for f in steps]
    return [(p.x, p.y, start + f * (end - start)) for p, f in zip(places, steps, strict=True)]


def _gpx(frame, sites):
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="hailin demo" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for row in frame.itertuples():
        when = row.observed_at.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        desc = f"<desc>{row.notes}</desc>" if row.notes else ""
        parts.append(
            f'<wpt lat="{row.lat:.6f}" lon="{row.lon:.6f}"><time>{when}</time>'
            f"<name>{word('finding', row.finding, 'zh')}</name>{desc}"
            f"<extensions><observer>{row.observer}</observer></extensions></wpt>"
        )
    reserves = dict(zip(sites["site_id"], sites.geometry, strict=True))
    days = frame["observed_at"].dt.tz_convert(DEFAULT_TIMEZONE).dt.date
    for (day, site_id), group in frame.groupby([days, frame["site_id"]]):
        if len(group) < 2 or site_id not in reserves:
            continue
        points = "".join(
            f'<trkpt lat="{y:.6f}" lon="{x:.6f}"><time>'
            f"{t.tz_convert('UTC').strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
            for x, y, t in _route(reserves[site_id], group)
        )
        parts.append(f"<trk><name>{day} 联合巡护路线</name><trkseg>{points}</trkseg></trk>")
    parts.append("</gpx>")
    return "\n".join(parts)


def _kml(frame):
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>数字化监测预警</name>',
    ]
    months = frame["observed_at"].dt.tz_convert(DEFAULT_TIMEZONE).dt.strftime("%Y-%m")
    for month, group in frame.groupby(months):
        parts.append(f"<Folder><name>{month}</name>")
        for row in group.itertuples():
            data = {
                "巡查类型": word("patrol_type", row.patrol_type, "zh"),
                "发现": word("finding", row.finding, "zh"),
                "巡查单位": "福鼎市数字化监测中心",
                "巡查人": row.observer,
            }
            if not pd.isna(row.cover_pct):
                data["盖度"] = f"{row.cover_pct:g}"
            if not pd.isna(row.patch_area_m2):
                data["斑块面积"] = f"{row.patch_area_m2:g}"
            extended = "".join(
                f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items()
            )
            parts.append(
                f"<Placemark><name>{word('finding', row.finding, 'zh')}</name>"
                f"<TimeStamp><when>{row.observed_at.isoformat()}</when></TimeStamp>"
                f"<ExtendedData>{extended}</ExtendedData>"
                f"<Point><coordinates>{row.lon:.6f},{row.lat:.6f},0</coordinates></Point></Placemark>"
            )
        parts.append("</Folder>")
    parts.append("</Document></kml>")
    return "\n".join(parts)
