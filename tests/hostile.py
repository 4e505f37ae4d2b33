"""The hostile corpus: crafted and dirty files as a hostile or careless uploader
would send them, each with the exact outcome hailin owes them.

The files are generated (several are large or built from bytes no editor
writes), so nothing big is committed: ``write_corpus(folder)`` writes every case
and returns their paths; ``python -m tests.hostile DIR`` does the same from the
command line for inspection and for ``bench/bench_hostile.py``.

Every case names its command (``import``, ``plots clearance``, ``plots
restoration``, ``sites``, ``area``), the exit code, the upload status, the rows
accepted and rejected, and a fragment of the first message (error, or warning
where the file is accepted with a note). Payload files that a template engine
or shell could run carry a marker path; if the marker ever appears, something
ran uploaded text as code.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pathlib
import sqlite3
import stat
import sys
import zipfile

import geopandas
import pyproj
import shapely

from hailin.geo.gcj02 import wgs84_to_gcj02

# Points inside the Kewan, Xuncheng and Luochun demo sites.
INSIDE = [(120.3301, 27.2612), (120.3312, 27.2304), (120.3795, 27.2468), (120.3402, 27.2551)]
HEADER = ["时间", "经度", "纬度", "巡查类型", "发现", "备注"]
MARKER = "HAILIN_PWNED"  # a payload that runs creates a file with this name


def good_row(i=0, **changes):
    """A valid Chinese patrol row; ``changes`` replace columns by header name."""
    lon, lat = INSIDE[i % len(INSIDE)]
    row = {
        "时间": f"2023-06-{1 + i % 28:02d} 09:{i % 60:02d}",
        "经度": f"{lon:.4f}",
        "纬度": f"{lat:.4f}",
        "巡查类型": "乡镇巡查",
        "发现": "复萌",
        "备注": f"第{i + 1}条",
    }
    row.update(changes)
    return row


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8", newline="\n"):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [row.get(h, "") if isinstance(row, dict) else row[k] for k, h in enumerate(header)]
        )
    return buffer.getvalue().encode(encoding)


def payloads(folder):
    """Template, script and shell payloads; the shell ones touch ``folder/MARKER``."""
    target = pathlib.Path(folder) / MARKER
    return {
        "jinja_math": "{{7*7}}",
        "jinja_loop": "{% for x in range(3) %}x{% endfor %}",
        "lone_open": "note {{ unterminated",
        "lone_comment": "note {# unterminated",
        "jinja_os": "{{ cycler.__init__.__globals__.os.system('touch " + str(target) + "') }}",
        "jinja_popen": "{{ lipsum.__globals__['os'].popen('touch " + str(target) + "').read() }}",
        "script_tag": "</script><script>document.title='pwned'</script>",
        "img_onerror": "<img src=x onerror=alert(1)>",
        "shell_subst": "$(touch " + str(target) + ")",
        "shell_backtick": "`touch " + str(target) + "`",
        "sql_drop": "'); DROP TABLE surveys; --",
        "formula_eq": "=cmd|' /C calc'!A0",
        "formula_plus": "+1+1",
        "formula_at": "@SUM(1,1)",
        "bidi_override": "a\u202egnp.exe\u200b\ufeff",
    }


@dataclasses.dataclass(frozen=True)
class Case:
    """One hostile file and the outcome hailin owes it."""

    name: str
    category: str
    build: object  # build(folder) -> bytes, or a path it wrote itself
    exit: int
    status: str | None  # upload status; None for commands without one (sites, area)
    accepted: int = 0
    rejected: int = 0
    fragment: str | None = None  # in the first error (or warning, when nothing is rejected)
    command: str = "import"
    args: tuple = ()
    codes: tuple = ()  # (finding, action) of each stored record, where the case is about words


CASES: list[Case] = []


def case(
    name,
    category,
    exit,
    status,
    accepted=0,
    rejected=0,
    fragment=None,
    command="import",
    args=(),
    codes=(),
):
    def register(build):
        CASES.append(
            Case(
                name,
                category,
                build,
                exit,
                status,
                accepted,
                rejected,
                fragment,
                command,
                args,
                codes,
            )
        )
        return build

    return register


# -- 1. Code in text: template, script, shell, SQL, spreadsheet payloads ---------------------
for _key in payloads("."):

    def _note_payload(folder, key=_key):
        text = payloads(folder)[key]
        return csv_bytes([good_row(0, 备注=text), good_row(1, 备注="ok")])

    case(f"note_{_key}.csv", "code in text", 0, "accepted", 2)(_note_payload)


@case("team_observer_payloads.csv", "code in text", 0, "accepted", 3)
def _team_payloads(folder):
    p = payloads(folder)
    header = [*HEADER, "队伍", "巡查人"]
    rows = [
        {**good_row(0), "队伍": p["jinja_os"], "巡查人": p["jinja_math"]},
        {**good_row(1), "队伍": p["lone_open"], "巡查人": p["script_tag"]},
        {**good_row(2), "队伍": p["formula_eq"], "巡查人": p["shell_subst"]},
    ]
    return csv_bytes(rows, header)


@case("plots_payloads.geojson", "code in text", 0, "accepted", 3, command="plots clearance")
def _plot_payloads(folder):
    p = payloads(folder)
    return _plots_geojson(
        [
            {"图斑编号": p["jinja_math"], "除治方式": p["jinja_os"], "施工单位": p["lone_comment"]},
            {"图斑编号": "P-{{", "除治方式": p["script_tag"], "施工单位": p["formula_at"]},
            {"图斑编号": "P-3", "除治方式": "人工拔除", "施工单位": p["jinja_popen"]},
        ]
    )


@case("restoration_payloads.geojson", "code in text", 0, "accepted", 2, command="plots restoration")
def _restoration_payloads(folder):
    p = payloads(folder)
    return _plots_geojson(
        [
            {
                "地块编号": "R-{{7*7}}",
                "种植日期": "2023-04-01",
                "树种": p["jinja_os"],
                "资金来源": p["lone_open"],
            },
            {
                "地块编号": "R-2",
                "种植日期": "2023-04-02",
                "树种": "秋茄",
                "资金来源": p["img_onerror"],
            },
        ],
        date_key=None,
    )


@case("sites_payloads.geojson", "code in text", 0, None, command="sites")
def _site_payloads(folder):
    p = payloads(folder)
    from hailin.geo.sites import load_sites

    sites = load_sites()
    sites["name_zh"] = [p["jinja_os"], p["lone_open"], p["script_tag"]]
    sites["name_en"] = [p["jinja_math"], p["lone_comment"], p["formula_eq"]]
    sites["township"] = [p["jinja_loop"], "{{", "{#"]
    return sites.to_json().encode()


@case("kml_payloads.kml", "code in text", 0, "accepted", 2)
def _kml_payloads(folder):
    p = payloads(folder)
    marks = "".join(
        f"<Placemark><name>复萌</name><description><![CDATA[{text}]]></description>"
        f"<TimeStamp><when>2023-06-0{i + 1}T09:00:00+08:00</when></TimeStamp>"
        f'<ExtendedData><Data name="巡查类型"><value>乡镇巡查</value></Data></ExtendedData>'
        f"<Point><coordinates>{INSIDE[i][0]},{INSIDE[i][1]}</coordinates></Point></Placemark>"
        for i, text in enumerate([p["jinja_os"], p["script_tag"]])
    )
    return (
        f'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"{marks}</Document></kml>"
    ).encode()


@case("gpx_payloads.gpx", "code in text", 0, "accepted", 1, args=("--patrol-type", "city_joint"))
def _gpx_payloads(folder):
    p = payloads(folder)
    lon, lat = INSIDE[0]
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="x" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        f'<wpt lat="{lat}" lon="{lon}"><time>2023-06-01T01:00:00Z</time><name>复萌</name>'
        f"<desc>{_xml_escape(p['jinja_popen'])}</desc></wpt></gpx>"
    ).encode()


# -- 2. Geometry that would poison the store ------------------------------------------------
WKT_HEADER = ["时间", "wkt", "巡查类型", "发现"]


def _wkt_rows(*wkts):
    return csv_bytes(
        [[f"2023-06-0{1 + i % 9} 09:00", w, "乡镇巡查", "复萌"] for i, w in enumerate(wkts)],
        WKT_HEADER,
    )


_GOOD_WKT = f"POINT ({INSIDE[0][0]} {INSIDE[0][1]})"
for _name, _wkt, _fragment in [
    ("polygon_empty", "POLYGON EMPTY", "empty geometry"),
    ("point_empty", "POINT EMPTY", "empty geometry"),
    ("point_inf", "POINT (inf 27.26)", "coordinates are not finite numbers (inf, 27.26)"),
    ("point_nan", "POINT (nan 27.26)", "coordinates are not finite numbers (nan, 27.26)"),
    ("point_huge", "POINT (1e308 1e308)", "coordinates out of range"),
    ("linestring_one_point", "LINESTRING (120.33 27.26)", "unreadable WKT"),
    (
        "polygon_two_points",
        "POLYGON ((120.33 27.26, 120.34 27.26, 120.33 27.26))",
        "repairing it leaves no area",
    ),
    ("wkt_garbage", "POINT ((((", "unreadable WKT"),
]:
    case(f"wkt_{_name}.csv", "geometry", 3, "partial", 1, 1, _fragment)(
        lambda folder, w=_wkt: _wkt_rows(_GOOD_WKT, w)
    )

# A one-part collection is that part; a Z of inf is dropped with the Z (stored 2-D).
for _name, _wkt in [
    ("collection", f"GEOMETRYCOLLECTION (POINT ({INSIDE[1][0]} {INSIDE[1][1]}))"),
    ("point_z_inf", f"POINT Z ({INSIDE[1][0]} {INSIDE[1][1]} inf)"),
]:
    case(f"wkt_{_name}.csv", "geometry", 0, "accepted", 2)(
        lambda folder, w=_wkt: _wkt_rows(_GOOD_WKT, w)
    )

for _name, _lon, _lat, _fragment in [
    ("lon_inf", "inf", "27.26", "coordinate 'inf' is not a finite number"),
    ("lat_nan", "120.33", "nan", "no coordinates"),
    ("lon_181", "181", "27.26", "out of range"),
    ("lat_minus_91", "120.33", "-91", "out of range"),
    ("lon_1e400", "1e400", "27.26", "coordinate '1e400' is not a finite number"),
    ("swapped", "27.2612", "120.3301", "swapped"),
    ("far_away", "116.40", "39.90", "km from the nearest site"),
    ("null_island", "0", "0", "km from the nearest site"),
]:
    case(f"coord_{_name}.csv", "geometry", 3, "partial", 1, 1, _fragment)(
        lambda folder, x=_lon, y=_lat: csv_bytes([good_row(0), good_row(1, 经度=x, 纬度=y)])
    )


@case(
    "self_intersecting_plot.geojson",
    "geometry",
    0,
    "accepted",
    2,
    0,
    "repaired",
    command="plots clearance",
)
def _bowtie_plot(folder):
    x, y = INSIDE[0]
    bowtie = shapely.Polygon([(x, y), (x + 0.001, y + 0.001), (x + 0.001, y), (x, y + 0.001)])
    good = shapely.box(x + 0.002, y, x + 0.003, y + 0.001)
    return _plots_geojson([{"图斑编号": "BOWTIE"}, {"图斑编号": "GOOD"}], geometries=[bowtie, good])


@case(
    "plot_is_a_point.geojson",
    "geometry",
    3,
    "partial",
    1,
    1,
    "a plot must be a polygon",
    command="plots clearance",
)
def _point_plot(folder):
    x, y = INSIDE[0]
    return _plots_geojson(
        [{"图斑编号": "PT"}, {"图斑编号": "OK"}],
        geometries=[shapely.Point(x, y), shapely.box(x, y, x + 0.001, y + 0.001)],
    )


@case("plot_empty_polygon.csv", "geometry", 3, "partial", 1, 1, "empty", command="plots clearance")
def _empty_plot(folder):
    x, y = INSIDE[0]
    good = shapely.box(x, y, x + 0.001, y + 0.001).wkt
    return csv_bytes(
        [["P1", "2023-05-01", good], ["P2", "2023-05-01", "POLYGON EMPTY"]],
        ["图斑编号", "除治日期", "wkt"],
    )


@case("gcj02_points.csv", "geometry", 0, "accepted", 6, 0, "--crs gcj02")
def _gcj02(folder):
    """Points near the reserves' edges as a Gaode export gives them: shifted ~550 m
    into the bay, outside the sites, until read as GCJ-02."""
    from hailin.geo.sites import load_sites

    sites = shapely.union_all(load_sites().geometry.values)
    inner = shapely.buffer(sites, -0.0005)
    rows = []
    for lon, lat in shapely.get_coordinates(shapely.segmentize(inner.boundary, 0.002)):
        glon, glat = wgs84_to_gcj02(lon, lat)
        if not shapely.contains_xy(sites, glon, glat) and len(rows) < 6:
            rows.append(good_row(len(rows), 经度=f"{glon:.6f}", 纬度=f"{glat:.6f}"))
    return csv_bytes(rows)


@case("gauss_kruger_no_zone.csv", "geometry", 4, "rejected", 0, 0, "give the zone")
def _gk_no_zone(folder):
    return csv_bytes(
        [good_row(0, 经度="532618.1", 纬度="3015220.4")],
    )


@case(
    "metres_without_prj.zip", "geometry", 4, None, 0, 0, "give the CRS with --crs", command="area"
)
def _shapefile_metres(folder):
    crs = pyproj.CRS.from_epsg(4549)
    square = shapely.box(532000, 3015000, 533000, 3016000)
    frame = geopandas.GeoDataFrame({"name": ["sq"]}, geometry=[square], crs=crs)
    return _zipped_shapefile(frame, keep_prj=False)


# -- 3. Times out of any plausible window -----------------------------------------------------
for _name, _time, _fragment in [
    ("year_0001", "0001-01-01 00:00", "date/time is before 1990-01-01 (0001-01-01 00:00)"),
    ("year_9999", "9999-12-31 23:59", "date/time is in the future (9999-12-31 23:59)"),
    ("year_1899", "1899-12-30 12:00", "date/time is before 1990-01-01"),
    ("before_1990", "1989-12-31 09:00", "before 1990"),
    ("far_future", "2999-01-01 09:00", "future"),
    ("feb_30", "2023-02-30 09:00", "unreadable date/time"),
    ("hour_25", "2023-06-01 25:00", "unreadable date/time"),
    ("epoch_huge", "99999999999999999999", "unreadable date/time"),
    ("nanosecond_overflow", "2262-04-12 00:00", "date/time is in the future"),
    ("negative_year", "-2023-06-01", "date/time is before 1990-01-01"),
]:
    case(f"time_{_name}.csv", "time", 3, "partial", 1, 1, _fragment)(
        lambda folder, t=_time: csv_bytes([good_row(0), good_row(1, 时间=t)])
    )

# -- 4. Chinese read as meant ----------------------------------------------------------------
ACTION_HEADER = [*HEADER, "处理"]
for _name, _finding, _action, _codes, _fragment in [
    # 待处理 (pending) and 未清除 (not removed) must never re-clear a case.
    ("pending", "复萌", "待处理", (("spartina_regrowth", "pending"),), None),
    ("not_removed", "复萌", "未清除", (("spartina_regrowth", "none"),), None),
    ("reported", "复萌", "已上报", (("spartina_regrowth", "reported"),), None),
    # Found and removed on the spot: a regrowth finding with the removal.
    ("removed_on_spot", "复萌已清除", "", (("spartina_regrowth", "removed"),), None),
    ("negated_late", "红树林未受破坏", "", (("clear", "none"),), None),
    ("not_seen", "未见复萌", "", (("clear", "none"),), None),
    ("unknown_phrase", "外星人登陆", "", (), "unknown finding '外星人登陆'"),
    ("conflict", "复萌已清除", "未清除", (), "未清除"),
]:
    case(
        f"words_{_name}.csv",
        "words",
        0 if _codes else 4,
        "accepted" if _codes else "rejected",
        len(_codes),
        0 if _codes else 1,
        _fragment,
        codes=_codes,
    )(
        lambda folder, f=_finding, a=_action: csv_bytes(
            [{**good_row(0, 发现=f), "处理": a}], ACTION_HEADER
        )
    )


# -- 5. Text structure and encodings ------------------------------------------------------------
@case("utf16_le_bom.txt", "encoding", 0, "accepted", 2)
def _utf16le(folder):
    return b"\xff\xfe" + csv_bytes([good_row(0), good_row(1)], delimiter="\t").decode().encode(
        "utf-16-le"
    )


@case("utf16_be_bom.txt", "encoding", 0, "accepted", 2)
def _utf16be(folder):
    return b"\xfe\xff" + csv_bytes([good_row(0), good_row(1)], delimiter="\t").decode().encode(
        "utf-16-be"
    )


@case("mixed_utf8_gbk.csv", "encoding", 3, "partial", 2, 1, "GBK")
def _mixed(folder):
    head = csv_bytes([good_row(0), good_row(1)])
    gbk_line = ",".join(good_row(2, 备注="广州的巡查记录").values()).encode("gbk") + b"\n"
    return head + gbk_line


@case("gbk_plain.csv", "encoding", 0, "accepted", 2)
def _gbk(folder):
    return csv_bytes([good_row(0), good_row(1)], encoding="gbk")


@case("utf8_bom_only.csv", "encoding", 4, "rejected", 0, 0, "no header row and no data")
def _bom_only(folder):
    return b"\xef\xbb\xbf"


@case("nul_bytes.csv", "encoding", 4, "rejected", 0, 0, "a binary file")
def _nul(folder):
    return csv_bytes([good_row(0)]).replace(b",", b"\x00,", 3)


@case("latin1_garbage.csv", "encoding", 4, "rejected", 0, 0, "neither UTF-8 nor GBK")
def _latin1(folder):
    return bytes(range(128, 256)) * 40


@case("cr_only_lines.csv", "structure", 0, "accepted", 2)
def _cr_only(folder):
    return csv_bytes([good_row(0), good_row(1)], newline="\r")


@case("quoted_newline_in_note.csv", "structure", 0, "accepted", 2)
def _quoted_newline(folder):
    return csv_bytes([good_row(0, 备注="第一行\n第二行"), good_row(1)])


@case("unterminated_quote.csv", "structure", 3, "partial", 1, 1, "has 5 fields, the header has 6")
def _unterminated(folder):
    return (
        csv_bytes([good_row(0)])
        + b'2023-06-02 09:00,120.3312,27.2304,\xe4\xb9\xa1\xe9\x95\x87,"\xe5\xa4\x8d\xe8\x90\x8c\n'
    )


@case("repeated_headers.csv", "structure", 4, "rejected", 0, 0, "20,000 columns (limit 1,000)")
def _repeated_headers(folder):
    header = ["备注"] * 20000
    return (",".join(header) + "\n" + ",".join(["x"] * 20000) + "\n").encode()


@case("many_columns.csv", "structure", 4, "rejected", 0, 0, "columns (limit 1,000)")
def _many_columns(folder):
    header = [*HEADER, *[f"c{i}" for i in range(100_000)]]
    row = [*good_row(0).values(), *["1"] * 100_000]
    return (",".join(header) + "\n" + ",".join(row) + "\n").encode()


@case("long_line.csv", "structure", 4, "rejected", 0, 0, "(limit 1,048,576 bytes)")
def _long_line(folder):
    return csv_bytes([good_row(0, 备注="长" * 3_000_000)])


@case("huge_note_cell.csv", "structure", 0, "accepted", 2)
def _huge_cell(folder):
    return csv_bytes([good_row(0), good_row(1, 备注="x" * 200_000)])


@case("empty_lines_100k.csv", "structure", 0, "accepted", 1)
def _empty_lines(folder):
    return csv_bytes([good_row(0)]) + b"\n" * 100_000


@case("header_only_bom.csv", "structure", 4, "rejected", 0, 0, "holds no records")
def _header_only(folder):
    return b"\xef\xbb\xbf" + csv_bytes([])


@case("json_deep_nesting.geojson", "structure", 4, "rejected", 0, 0, "Too many nested")
def _deep_json(folder):
    return b'{"type":"FeatureCollection","features":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@case("geojson_not_features.geojson", "structure", 4, "rejected", 0, 0, "cannot be read as GeoJSON")
def _geojson_list(folder):
    return json.dumps([1, 2, 3]).encode()


# -- 6. Archives and XML ---------------------------------------------------------------------------
@case("symlink_member.kmz", "archive", 4, "rejected", 0, 0, "is a symbolic link")
def _symlink_kmz(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("doc.kml")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@case("symlink_in_shapefile.zip", "archive", 4, "rejected", 0, 0, "is a symbolic link")
def _symlink_shp(folder):
    x, y = INSIDE[0]
    frame = geopandas.GeoDataFrame(
        {"time": ["2023-06-01 09:00"], "patrol": ["乡镇巡查"], "finding": ["复萌"]},
        geometry=[shapely.Point(x, y)],
        crs=4326,
    )
    data = _zipped_shapefile(frame)
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo("readme.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/shadow")
    return buffer.getvalue()


@case("nested_zip.zip", "archive", 4, "rejected", 0, 0, "without a Shapefile")
def _nested_zip(folder):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inner.csv", csv_bytes([good_row(0)]))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
    return outer.getvalue()


@case("deep_kml_folders.kml", "xml", 4, "rejected", 0, 0, "nested 257 deep (limit 256)")
def _deep_kml(folder):
    depth = 5000
    x, y = INSIDE[0]
    mark = (
        f"<Placemark><name>复萌</name><TimeStamp><when>2023-06-01T09:00:00+08:00</when>"
        f"</TimeStamp><Point><coordinates>{x},{y}</coordinates></Point></Placemark>"
    )
    return (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + "<Folder><name>f</name>" * depth
        + mark
        + "</Folder>" * depth
        + "</Document></kml>"
    ).encode()


@case("deep_multigeometry.kml", "xml", 4, "rejected", 0, 0, "nested 257 deep (limit 256)")
def _deep_multi(folder):
    depth = 3000
    x, y = INSIDE[0]
    return (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>复萌</name>'
        "<TimeStamp><when>2023-06-01T09:00:00+08:00</when></TimeStamp>"
        + "<MultiGeometry>" * depth
        + f"<Point><coordinates>{x},{y}</coordinates></Point>"
        + "</MultiGeometry>" * depth
        + "</Placemark></kml>"
    ).encode()


@case("quadratic_blowup.kml", "xml", 4, "rejected", 0, 0, "XML declares entities")
def _quadratic(folder):
    big = "x" * 50_000
    refs = "&a;" * 5_000
    return (
        f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "{big}">]>'
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>{refs}</name>'
        "</Document></kml>"
    ).encode()


@case("external_entity.kml", "xml", 4, "rejected", 0, 0, "XML declares entities")
def _xxe_kml(folder):
    return (
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&x;</name></Document>'
        b"</kml>"
    )


@case(
    "gpx_inf_coordinates.gpx",
    "xml",
    3,
    "partial",
    1,
    1,
    "coordinates are not finite numbers",
    args=("--patrol-type", "city_joint"),
)
def _gpx_inf(folder):
    (x, y) = INSIDE[0]
    return (
        '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
        f'<wpt lat="{y}" lon="{x}"><time>2023-06-01T01:00:00Z</time><name>复萌</name></wpt>'
        '<wpt lat="inf" lon="nan"><time>2023-06-01T02:00:00Z</time><name>复萌</name></wpt>'
        "</gpx>"
    ).encode()


@case("kml_bad_coordinates.kml", "xml", 3, "partial", 1, 1, "unreadable Point coordinates")
def _kml_bad_coords(folder):
    x, y = INSIDE[0]
    marks = "".join(
        f"<Placemark><name>复萌</name><TimeStamp><when>2023-06-01T0{i}:00:00+08:00</when>"
        f'</TimeStamp><ExtendedData><Data name="巡查类型"><value>乡镇巡查</value></Data>'
        f"</ExtendedData><Point><coordinates>{c}</coordinates></Point></Placemark>"
        for i, c in enumerate([f"{x},{y}", "abc,def"])
    )
    return (
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{marks}</Document></kml>'.encode()
    )


@case(
    "xlsx_shared_strings_bomb.xlsx",
    "archive",
    4,
    "rejected",
    0,
    0,
    "800,000 strings (limit 200,000)",
)
def _xlsx_strings(folder):
    # Distinct strings compress ~10:1, well inside the zip ratio guard: only a bound on
    # the shared-strings part itself stops openpyxl from building them all in memory.
    return _xlsx_with_parts(shared_strings=_shared_strings(800_000))


@case("xlsx_huge_dimension.xlsx", "archive", 4, "rejected", 0, 0, "holds no records")
def _xlsx_cells(folder):
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="A{r}" t="n"><v>{r}</v></c>' for _ in range(1)) + "</row>"
        for r in range(1, 2)
    )
    rows += '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'
    return _xlsx_with_parts(sheet_rows=rows)


@case("xlsx_many_cells.xlsx", "archive", 4, "rejected", 0, 0, "(limit 64 MiB)")
def _xlsx_many(folder):
    cells = "".join(f'<c t="n"><v>{c}</v></c>' for c in range(200))
    rows = "".join(f'<row r="{r}">{cells}</row>' for r in range(1, 40_001))
    return _xlsx_with_parts(sheet_rows=rows)


@case("xlsx_formulas.xlsx", "archive", 0, "accepted", 1)
def _xlsx_formulas(folder):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    row = list(good_row(0).values())
    row[5] = '=HYPERLINK("http://x","click")'
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@case("gpkg_attributes_only.gpkg", "archive", 0, "accepted", 1, 0, "read as a table")
def _gpkg_attributes(folder):
    path = pathlib.Path(folder) / "gpkg_attributes_only.gpkg"
    import pandas as pd
    import pyogrio

    frame = pd.DataFrame([good_row(0)])
    pyogrio.write_dataframe(frame, path, driver="GPKG", layer="patrols")
    return path


@case("gpkg_not_really.gpkg", "archive", 4, "rejected", 0, 0, "cannot be read as GeoPackage")
def _fake_gpkg(folder):
    path = pathlib.Path(folder) / "gpkg_not_really.gpkg"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (a)")
    connection.execute("INSERT INTO t VALUES ('{{7*7}}')")
    connection.commit()
    connection.close()
    return path


@case("gpkg_empty_layer.gpkg", "archive", 4, "rejected", 0, 0, "holds no records")
def _gpkg_empty(folder):
    path = pathlib.Path(folder) / "gpkg_empty_layer.gpkg"
    frame = geopandas.GeoDataFrame({"发现": []}, geometry=[], crs=4326)
    frame.to_file(path, driver="GPKG", layer="patrols")
    return path


# -- 7. Names that are themselves hostile --------------------------------------------------------
@case("=cmd|' calc'!A0.csv", "names", 0, "accepted", 1)
def _formula_name(folder):
    return csv_bytes([good_row(0)])


@case("{{7*7}}.csv", "names", 0, "accepted", 1)
def _template_name(folder):
    return csv_bytes([good_row(0)])


@case("gbk-name", "names", 0, "accepted", 1)
def _gbk_name(folder):
    path = os.path.join(os.fsencode(folder), "巡查记录.csv".encode("gbk"))
    with open(path, "wb") as handle:
        handle.write(csv_bytes([good_row(0)]))
    return pathlib.Path(os.fsdecode(path))


# -- helpers ---------------------------------------------------------------------------------------
def _xml_escape(text):
    from xml.sax.saxutils import escape

    return escape(text)


def _plots_geojson(properties, geometries=None, date_key="除治日期"):
    x, y = INSIDE[0]
    geometries = geometries or [
        shapely.box(x + 0.002 * i, y, x + 0.002 * i + 0.001, y + 0.001)
        for i in range(len(properties))
    ]
    rows = [{**({date_key: "2023-05-01"} if date_key else {}), **p} for p in properties]
    frame = geopandas.GeoDataFrame(rows, geometry=geometries, crs=4326)
    return frame.to_json().encode()


def _zipped_shapefile(frame, keep_prj=True):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "patrol.shp")
        frame.to_file(path, engine="pyogrio", encoding="UTF-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(os.listdir(tmp)):
                if name.endswith(".prj") and not keep_prj:
                    continue
                archive.write(os.path.join(tmp, name), name)
        return buffer.getvalue()


def _shared_strings(count):
    items = "".join(
        f"<si><t>巡查记录{i * 7919 % 1000003:07d}{i:08x}</t></si>" for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{count}" uniqueCount="{count}">{items}</sst>'
    )


def _xlsx_with_parts(shared_strings=None, sheet_rows=None):
    """A minimal workbook written part by part (openpyxl would refuse to write these)."""
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER)
    )
    sheet_rows = sheet_rows or ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{header}</row>{sheet_rows}</sheetData></worksheet>'
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                if shared_strings
                else ""
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                if shared_strings
                else ""
            )
            + "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings:
        parts["xl/sharedStrings.xml"] = shared_strings
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write_corpus(folder):
    """Write every case under ``folder``; returns {case name: path written}."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for item in CASES:
        result = item.build(folder)
        if isinstance(result, bytes):
            path = folder / item.name
            path.write_bytes(result)
        else:
            path = pathlib.Path(result)
        written[item.name] = path
    return written


def write_manifest(folder):
    """Write the corpus and ``manifest.json`` (every case's command, arguments, path
    and expected outcome), so a benchmark can run it without importing hailin."""
    folder = pathlib.Path(folder)
    written = write_corpus(folder)
    manifest = [
        {
            **{k: v for k, v in dataclasses.asdict(item).items() if k != "build"},
            "path": os.fsencode(written[item.name]).hex(),
        }
        for item in CASES
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


# The third round's cases (issue 26) register themselves into CASES.
from tests import hostile3  # noqa: E402, F401

if __name__ == "__main__":
    from tests.hostile import write_manifest  # the module hostile3 registered into

    cases = write_manifest(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    print(f"{len(cases)} hostile files written")
