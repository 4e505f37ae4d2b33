"""Writes the test files under tests/data/ (run: python tests/data/make_data.py).

The files are committed; this script says how each was made. formats/ holds
one good file per supported format; bad/ holds the bad-input corpus whose
expected outcomes tests/test_bad_corpus.py asserts.
"""

import io
import json
import pathlib
import zipfile

import geopandas
import openpyxl
import pyproj
import shapely

from hailin.geo.gcj02 import wgs84_to_gcj02

HERE = pathlib.Path(__file__).resolve().parent
FORMATS = HERE / "formats"
BAD = HERE / "bad"

# Points near the Kewan, Xuncheng and Luochun demo sites.
P = [
    (120.3301, 27.2612),
    (120.3312, 27.2304),
    (120.3795, 27.2468),
    (120.3205, 27.2655),
    (120.3402, 27.2551),
    (120.3856, 27.2431),
]
HOSTILE = "<img src=x onerror=alert(1)>"


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def csv_text(rows, delimiter=","):
    return "\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\n"


def make_formats():
    # 1. English headers, UTF-8, times with offsets.
    write(
        FORMATS / "patrol_en.csv",
        csv_text(
            [
                [
                    "observed_at",
                    "lon",
                    "lat",
                    "patrol_type",
                    "team",
                    "observer",
                    "finding",
                    "cover_pct",
                    "action",
                    "notes",
                ],
                [
                    "2023-06-01T09:30:00+08:00",
                    *P[0],
                    "contractor_daily",
                    "Team A",
                    "Lin",
                    "spartina_regrowth",
                    "15",
                    "removed",
                    "east dyke",
                ],
                [
                    "2023-06-01T10:00:00+08:00",
                    *P[1],
                    "contractor_daily",
                    "Team A",
                    "Lin",
                    "clear",
                    "",
                    "",
                    "",
                ],
                [
                    "2023-06-02T01:00:00Z",
                    *P[2],
                    "city_joint",
                    "City",
                    "Wu",
                    "spartina_new",
                    "5",
                    "reported",
                    HOSTILE,
                ],
                [
                    "2023-06-02T08:15:00+08:00",
                    *P[3],
                    "township_patrol",
                    "Qianqi",
                    "Chen",
                    "mangrove_damage",
                    "",
                    "reported",
                    "=1+1",
                ],
            ]
        ),
    )
    # 2. Chinese headers, UTF-8 with BOM, date and time in two columns.
    write(
        FORMATS / "patrol_bom.csv",
        "\ufeff"
        + csv_text(
            [
                [
                    "巡查日期",
                    "时间",
                    "经度",
                    "纬度",
                    "巡查类型",
                    "巡查人",
                    "发现",
                    "盖度(%)",
                    "处理",
                    "备注",
                ],
                [
                    "2023-07-01",
                    "09:30",
                    *P[0],
                    "施工单位日常巡护",
                    "林",
                    "复萌",
                    "20%",
                    "已清除",
                    "堤岸东侧",
                ],
                ["2023/7/2", "14:05:30", *P[2], "乡镇巡查队伍踏查", "陈", "未见异常", "", "", ""],
                [
                    "2023-07-03",
                    "08:00",
                    *P[4],
                    "市级专班联合巡护",
                    "吴",
                    "新发",
                    "3",
                    "上报",
                    "新斑块",
                ],
            ]
        ),
    )
    # 3. GBK, semicolons, Chinese vocabulary and Chinese dates.
    write(
        FORMATS / "patrol_gbk.csv",
        csv_text(
            [
                ["时间", "东经", "北纬", "巡查类型", "队伍", "问题类型", "斑块面积(㎡)", "备注"],
                [
                    "2023年8月1日 9时30分",
                    *P[0],
                    "乡镇巡查",
                    "前岐镇巡查队",
                    "复萌",
                    "12",
                    "柯湾码头北",
                ],
                [
                    "2023年8月2日 10时00分",
                    *P[1],
                    "乡镇巡查",
                    "店下镇巡查队",
                    "未见异常",
                    "",
                    "巽城",
                ],
                ["2023.08.03 11:00", *P[2], "乡镇巡查", "佳阳乡巡查队", "采摘秋茄苗", "", "罗唇"],
            ],
            ";",
        ).encode("gbk"),
    )
    # 4. GB18030 tab-separated .txt with a character outside GBK.
    write(
        FORMATS / "patrol_gb18030.txt",
        csv_text(
            [
                ["日期时间", "经度", "纬度", "巡查类型", "发现", "备注"],
                ["2023-09-01 09:00", *P[3], "数字化监测", "复萌", "无人机航拍 𠀀"],
                ["2023-09-02 09:00", *P[4], "数字化监测", "未见异常", ""],
            ],
            "\t",
        ).encode("gb18030"),
    )
    # 5. WKT column: a mapped patch and a point.
    patch = shapely.Point(P[0]).buffer(0.0002, quad_segs=4)
    write(
        FORMATS / "patrol_wkt.csv",
        csv_text(
            [
                ["date", "wkt", "patrol_type", "finding", "patch_area_m2"],
                [
                    "2023-10-01 09:00",
                    f'"{patch.wkt}"',
                    "township_patrol",
                    "spartina_regrowth",
                    "400",
                ],
                [
                    "2023-10-01 09:30",
                    f'"POINT ({P[1][0]} {P[1][1]})"',
                    "township_patrol",
                    "clear",
                    "",
                ],
            ]
        ),
    )
    # 6. DMS strings.
    write(
        FORMATS / "patrol_dms.csv",
        csv_text(
            [
                ["时间", "经度", "纬度", "巡查类型", "发现"],
                ["2023-10-02 09:00", "120°19'48.36\"E", "27°15'40.32\"N", "乡镇巡查", "复萌"],
                ["2023-10-02 09:10", "120 19 52.32 E", "北纬27°13′49.44″", "乡镇巡查", "未见异常"],
                ["2023-10-02 09:20", "E120.3795", "N27.2468", "乡镇巡查", "未见异常"],
            ]
        ).replace('"E"', 'E"'),
    )
    # 7. CGCS2000 3-degree Gauss-Kruger, zone 40 prefix, X = northing (surveying order).
    to_gk = pyproj.Transformer.from_crs(4326, 4528, always_xy=True)
    rows = [["时间", "X坐标", "Y坐标", "巡查类型", "发现"]]
    for i, (lon, lat) in enumerate(P[:3]):
        e, n = to_gk.transform(lon, lat)
        rows.append([f"2023-10-03 0{i}:00", f"{n:.3f}", f"{e:.3f}", "乡镇巡查", "未见异常"])
    write(FORMATS / "patrol_gk.csv", csv_text(rows))
    # 8. GCJ-02 (phone map apps).
    rows = [["时间", "经度", "纬度", "巡查类型", "发现"]]
    for i, (lon, lat) in enumerate(P[:3]):
        glon, glat = wgs84_to_gcj02(lon, lat)
        rows.append(
            [f"2023-10-04 0{i}:00", f"{glon:.7f}", f"{glat:.7f}", "施工单位日常巡护", "复萌"]
        )
    write(FORMATS / "patrol_gcj02.csv", csv_text(rows))
    # 9. XLSX with a title above the header, Excel dates, a second sheet.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "巡查记录"
    sheet.append(["福鼎市互花米草除治巡查记录表"])
    sheet.merge_cells("A1:G1")
    sheet.append(["填报单位：前岐镇", None, None, "填报日期：2023-11-30"])
    sheet.append(["序号", "巡查时间", "经度", "纬度", "巡查类型", "发现情况", "备注"])
    import datetime as dt

    sheet.append(
        [1, dt.datetime(2023, 11, 1, 9, 0), P[0][0], P[0][1], "乡镇巡查", "复萌", "第一次复查"]
    )
    sheet.append(
        [2, dt.datetime(2023, 11, 2, 9, 0), P[4][0], P[4][1], "乡镇巡查", "未见异常", None]
    )
    sheet.append([None] * 7)
    sheet.append(
        [
            3,
            dt.datetime(2023, 11, 3, 15, 30),
            P[3][0],
            P[3][1],
            "市级联合巡护",
            "已清除",
            "二次清除",
        ]
    )
    second = book.create_sheet("复查")
    second.append(["日期", "经度", "纬度", "巡查类型", "发现"])
    second.append([dt.date(2023, 12, 1), P[2][0], P[2][1], "数字化监测", "未见异常"])
    buffer = io.BytesIO()
    book.save(buffer)
    write(FORMATS / "patrol_title.xlsx", buffer.getvalue())
    # 10. GeoJSON FeatureCollection with 3D coordinates and a null geometry.
    features = [
        {
            "type": "Feature",
            "properties": {
                "time": "2023-06-05T09:00:00+08:00",
                "patrol_type": "city_joint",
                "finding": "spartina_regrowth",
                "team": "City",
            },
            "geometry": {"type": "Point", "coordinates": [*P[0], 1.5]},
        },
        {
            "type": "Feature",
            "properties": {
                "time": "2023-06-05T09:10:00+08:00",
                "patrol_type": "city_joint",
                "finding": "clear",
                "team": "City",
            },
            "geometry": {"type": "LineString", "coordinates": [[*P[0], 1.0], [*P[3], 2.0]]},
        },
        {
            "type": "Feature",
            "properties": {
                "time": "2023-06-05T09:20:00+08:00",
                "patrol_type": "city_joint",
                "finding": "spartina_new",
                "team": "City",
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[120.33, 27.26], [120.3303, 27.26], [120.3303, 27.2603], [120.33, 27.26]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {
                "time": "2023-06-05T09:30:00+08:00",
                "patrol_type": "city_joint",
                "finding": "clear",
                "team": "City",
            },
            "geometry": None,
        },
    ]
    write(
        FORMATS / "patrol_fc.geojson",
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
    )
    write(FORMATS / "patrol_feature.geojson", json.dumps(features[0], ensure_ascii=False))
    # 11. GPX 1.1: waypoints and a two-segment track with times; 12. GPX 1.0.
    trkpts = lambda pts, t0: "".join(  # noqa: E731
        f'<trkpt lat="{lat}" lon="{lon}"><ele>1</ele><time>2023-06-06T0{t0}:{i:02d}:00Z</time></trkpt>'
        for i, (lon, lat) in enumerate(pts)
    )
    write(
        FORMATS / "patrol_11.gpx",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="hailin tests" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="{P[0][1]}" lon="{P[0][0]}"><time>2023-06-06T01:05:00Z</time><name>复萌</name><desc>盖度约10%</desc></wpt>
  <wpt lat="{P[4][1]}" lon="{P[4][0]}"><time>2023-06-06T01:20:00Z</time><name>WP2</name><type>未见异常</type></wpt>
  <wpt lat="{P[3][1]}" lon="{P[3][0]}"><time>2023-06-06T01:30:00Z</time><name>新发</name>
    <extensions><cover_pct>30</cover_pct></extensions></wpt>
  <trk><name>6月6日巡护</name>
    <trkseg>{trkpts(P[:3], 1)}</trkseg>
    <trkseg>{trkpts(P[3:], 2)}</trkseg>
  </trk>
</gpx>
""",
    )
    write(
        FORMATS / "patrol_10.gpx",
        f"""<?xml version="1.0"?>
<gpx version="1.0" creator="old unit" xmlns="http://www.topografix.com/GPX/1/0">
  <wpt lat="{P[1][1]}" lon="{P[1][0]}"><time>2023-06-07T02:00:00Z</time><name>复萌点</name></wpt>
  <trk><name>track</name><trkseg>{trkpts(P[1:3], 3)}</trkseg></trk>
</gpx>
""",
    )
    # 13. KML with nested folders, ExtendedData and SchemaData; 14. the same as KMZ.
    ring = " ".join(
        f"{x},{y},0"
        for x, y in [
            (120.3300, 27.2600),
            (120.3304, 27.2600),
            (120.3304, 27.2604),
            (120.3300, 27.2604),
            (120.3300, 27.2600),
        ]
    )
    kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>巡查</name>
  <Schema name="patrol" id="patrol"><SimpleField name="巡查类型" type="string"/></Schema>
  <Folder><name>柯湾</name>
    <Folder><name>2023-06</name>
      <Placemark><name>复萌斑块</name><description>刈割后复萌</description>
        <TimeStamp><when>2023-06-08T09:00:00+08:00</when></TimeStamp>
        <ExtendedData><Data name="巡查类型"><value>乡镇巡查</value></Data><Data name="发现"><value>复萌</value></Data>
          <Data name="盖度"><value>25</value></Data></ExtendedData>
        <Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>
      </Placemark>
      <Placemark><name>巡护路线</name>
        <TimeSpan><begin>2023-06-08T08:00:00+08:00</begin><end>2023-06-08T10:00:00+08:00</end></TimeSpan>
        <ExtendedData><SchemaData schemaUrl="#patrol"><SimpleData name="巡查类型">乡镇巡查</SimpleData></SchemaData></ExtendedData>
        <LineString><coordinates>{P[0][0]},{P[0][1]},0 {P[3][0]},{P[3][1]},0</coordinates></LineString>
      </Placemark>
    </Folder>
  </Folder>
  <Folder><name>罗唇</name>
    <Placemark><name>未见异常</name><TimeStamp><when>2023-06-09</when></TimeStamp>
      <ExtendedData><Data name="巡查类型"><value>乡镇巡查</value></Data></ExtendedData>
      <Point><coordinates>{P[2][0]},{P[2][1]},0</coordinates></Point></Placemark>
  </Folder>
</Document></kml>
"""
    write(FORMATS / "patrol_nested.kml", kml)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml)
        archive.writestr("files/readme.txt", "icons would go here")
    write(FORMATS / "patrol_doc.kmz", buffer.getvalue())
    # 15. Zipped Shapefile with .prj and .cpg; 16. GBK DBF without .cpg.
    frame = geopandas.GeoDataFrame(
        # DBF field names hold 10 bytes: three Chinese characters in UTF-8.
        {
            "时间": ["2023-06-10 09:00", "2023-06-10 09:30"],
            "类型": ["乡镇巡查", "乡镇巡查"],
            "发现": ["复萌", "未见异常"],
            "备注": ["柯湾北侧", "巽城"],
        },
        geometry=[shapely.Point(P[0]), shapely.Point(P[1])],
        crs=4326,
    )
    write(FORMATS / "patrol_shp_cpg.zip", _zipped_shapefile(frame, "utf-8", keep_cpg=True))
    write(
        FORMATS / "patrol_shp_gbk.zip", _zipped_shapefile(frame.to_crs(4549), "gbk", keep_cpg=False)
    )
    # 17. GeoPackage.
    path = FORMATS / "patrol.gpkg"
    if path.exists():
        path.unlink()
    frame.assign(备注=["第一层", "第一层"]).to_file(path, layer="patrol", driver="GPKG")


def _zipped_shapefile(frame, encoding, keep_cpg):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        shp = pathlib.Path(folder) / "patrol.shp"
        frame.to_file(shp, encoding=encoding)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(pathlib.Path(folder).iterdir()):
                if part.suffix == ".cpg" and not keep_cpg:
                    continue
                data = part.read_bytes()
                if part.suffix == ".dbf" and not keep_cpg:
                    data = data[:29] + b"\x00" + data[30:]  # no language driver id either
                archive.writestr(f"patrol/{part.name}", data)
        return buffer.getvalue()


GOOD_HEADER = ["时间", "经度", "纬度", "巡查类型", "发现", "备注"]


def good_row(i=0, **changes):
    row = dict(
        zip(
            GOOD_HEADER,
            [f"2023-06-{i % 28 + 1:02d} 09:00", *P[i % len(P)], "乡镇巡查", "复萌", ""],
            strict=True,
        )
    )
    row.update(changes)
    return [row[h] for h in GOOD_HEADER]


def bad_csv(name, rows, header=GOOD_HEADER):
    write(BAD / name, csv_text([header, *rows]))


def make_bad():
    write(BAD / "empty.csv", b"")
    write(BAD / "only_header.csv", csv_text([GOOD_HEADER]))
    write(BAD / "blank_lines.csv", "\n\n   \n")
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(GOOD_HEADER)
    book.active.append(good_row(0))
    book.save(buffer)
    write(BAD / "xlsx_named_csv.csv", buffer.getvalue())
    write(BAD / "image_named_csv.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    good_zip = (FORMATS / "patrol_shp_cpg.zip").read_bytes()
    write(BAD / "truncated.zip", good_zip[: len(good_zip) // 2])
    workbook = io.BytesIO()
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml <<<")
    write(BAD / "corrupt.xlsx", workbook.getvalue())
    write(BAD / "truncated.xlsx", buffer.getvalue()[:400])
    bad_csv(
        "no_coordinates.csv",
        [["2023-06-01 09:00", "乡镇巡查", "复萌"]],
        ["时间", "巡查类型", "发现"],
    )
    bad_csv("no_time.csv", [[*P[0], "乡镇巡查", "复萌"]], ["经度", "纬度", "巡查类型", "发现"])
    bad_csv(
        "no_finding.csv",
        [["2023-06-01 09:00", *P[0], "乡镇巡查"]],
        ["时间", "经度", "纬度", "巡查类型"],
    )
    bad_csv(
        "no_patrol_type.csv",
        [["2023-06-01 09:00", *P[0], "复萌"]],
        ["时间", "经度", "纬度", "发现"],
    )
    bad_csv("bad_dates.csv", [good_row(0, 时间="someday"), good_row(1, 时间="2023-13-45")])
    bad_csv(
        "mixed_good_bad.csv",
        [
            good_row(0),
            good_row(1, 经度="abc"),
            good_row(2),
            good_row(3, 时间="not a date"),
            good_row(4, 发现="外星人"),
            good_row(5),
        ],
    )
    bad_csv("out_of_range.csv", [good_row(0, 纬度="95.0"), good_row(1, 经度="200")])
    bad_csv("swapped.csv", [good_row(0, 经度=P[0][1], 纬度=P[0][0])])
    bad_csv("far_away.csv", [good_row(0, 经度="116.397", 纬度="39.909")])
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [
                [120.33, 27.26],
                [120.331, 27.261],
                [120.331, 27.26],
                [120.33, 27.261],
                [120.33, 27.26],
            ]
        ],
    }
    write(
        BAD / "invalid_polygon.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "时间": "2023-06-01 09:00",
                            "巡查类型": "乡镇巡查",
                            "发现": "复萌",
                        },
                        "geometry": bowtie,
                    }
                ],
            },
            ensure_ascii=False,
        ),
    )
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    write(
        BAD / "billion_laughs.kml",
        f"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY lol0 "lol">{laughs}]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&lol9;</name></Placemark></kml>
""",
    )
    write(
        BAD / "xxe.gpx",
        """<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="27.26" lon="120.33"><time>2023-06-01T01:00:00Z</time><name>&secret;</name></wpt></gpx>
""",
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", b"<kml>" + b" " * (64 * 1024 * 1024) + b"</kml>")
    write(BAD / "zip_bomb.kmz", bomb.getvalue())
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("../../evil.shp", b"\x00\x00\x27\x0a")
        archive.writestr("../../evil.dbf", b"x")
    write(BAD / "zip_slip.zip", slip.getvalue())
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(1001):
            archive.writestr(f"part{i}.shp", b"")
    write(BAD / "too_many_members.zip", many.getvalue())
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "nothing spatial")
    write(BAD / "zip_without_shapefile.zip", other.getvalue())
    partial = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good_zip)) as source, zipfile.ZipFile(partial, "w") as archive:
        for member in source.namelist():
            if not member.endswith(".dbf"):
                archive.writestr(member, source.read(member))
    write(BAD / "shapefile_without_dbf.zip", partial.getvalue())
    with zipfile.ZipFile(io.BytesIO(good_zip)) as source:
        write(BAD / "bare.shp", source.read("patrol/patrol.shp"))
    write(BAD / "broken.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feat')
    write(BAD / "empty_collection.geojson", '{"type": "FeatureCollection", "features": []}')
    write(
        BAD / "empty.gpx",
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"></gpx>',
    )
    write(
        BAD / "no_placemarks.kml",
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
    )
    write(BAD / "malformed.kml", '<?xml version="1.0"?><kml><Placemark><name>x</name></kml>')
    write(BAD / "old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    bad_csv("unknown_finding.csv", [good_row(0, 发现="外星人"), good_row(1, 发现="UFO")])
    write(
        BAD / "ragged.csv",
        csv_text([GOOD_HEADER, good_row(0), [*good_row(1), "extra", "fields"], good_row(2)]),
    )
    write(BAD / "bad_encoding.csv", "时间,经度\n".encode() + b"\x80\xff\xfe,\x81\x30\xff\xff\n")
    bad_csv("future_date.csv", [good_row(0, 时间="2099-01-01 09:00")])
    bad_csv("negative_area.csv", [[*good_row(0), "-5"]], [*GOOD_HEADER, "斑块面积"])
    bad_csv("unknown_patrol_type.csv", [good_row(0, 巡查类型="夜游神")])
    bad_csv("gauss_kruger_without_zone.csv", [good_row(0, 经度="512345.6", 纬度="3015678.9")])
    bad_csv(
        "hostile_notes.csv", [good_row(0, 备注=f'"{HOSTILE}"'), good_row(1, 备注='=HYPERLINK("x")')]
    )


if __name__ == "__main__":
    make_formats()
    make_bad()
    print(len(list(FORMATS.iterdir())), "format files,", len(list(BAD.iterdir())), "bad files")
