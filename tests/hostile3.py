"""The hostile corpus, third round (issue 26): files that reached out, lost rows
without a word, stored characters that broke later exports, or killed a file
over one valid time. Registered into :data:`tests.hostile.CASES` like the rest.
"""

from __future__ import annotations

import os

import geopandas
import shapely

from tests.hostile import HEADER, INSIDE, _zipped_shapefile, case, csv_bytes, good_row


def _patrol_points(count):
    x, y = INSIDE[0]
    return geopandas.GeoDataFrame(
        {"时间": [f"2023-06-01 09:{i:02d}" for i in range(count)], "发现": ["复萌"] * count},
        geometry=[shapely.Point(x + i * 1e-4, y) for i in range(count)],
        crs=4326,
    )


# -- Rows lost without a word ----------------------------------------------------------------
@case("quote_swallows_997_rows.csv", "structure", 4, "rejected", 0, 0, "opens on line 5")
def _swallowing_quote(folder):
    lines = csv_bytes([good_row(i) for i in range(1000)]).decode().split("\n")
    lines[4] = lines[4].replace(",第", ',"第', 1)
    return "\n".join(lines).encode()


@case("quote_closed_40_lines_later.csv", "structure", 4, "rejected", 0, 0, "runs over 41 lines")
def _late_closing_quote(folder):
    lines = csv_bytes([good_row(i) for i in range(100)]).decode().split("\n")
    lines[10] = lines[10].replace(",第", ',"第', 1)
    lines[50] = lines[50] + '"'
    return "\n".join(lines).encode()


@case("note_on_three_lines.csv", "structure", 0, "accepted", 3)
def _multiline_note(folder):
    return csv_bytes([good_row(0, 备注="一\n二\n三"), good_row(1), good_row(2)])


def _mismatched_shapefile(shapes, records):
    import io
    import zipfile

    geometries = zipfile.ZipFile(io.BytesIO(_zipped_shapefile(_patrol_points(shapes))))
    attributes = zipfile.ZipFile(io.BytesIO(_zipped_shapefile(_patrol_points(records))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in geometries.namelist():
            source = attributes if name.endswith(".dbf") else geometries
            archive.writestr(name, source.read(name))
    return buffer.getvalue()


for _shapes, _records in ((3, 5), (5, 3)):
    case(
        f"shp_{_shapes}_dbf_{_records}.zip",
        "structure",
        4,
        "rejected",
        0,
        0,
        f"the .shp holds {_shapes} geometries and the .dbf {_records} attribute records",
    )(lambda folder, s=_shapes, r=_records: _mismatched_shapefile(s, r))


# -- Control characters that would break every later export -----------------------------------
@case(
    "plot_id_vertical_tab.geojson",
    "code in text",
    0,
    "accepted",
    2,
    fragment="control characters removed from 1 cell(s), the first in row 1",
    command="plots clearance",
)
def _plot_controls(folder):
    from tests.hostile import _plots_geojson

    return _plots_geojson(
        [
            {"图斑编号": "KW\x0b1", "除治方式": "人工拔除", "施工单位": "海林公司"},
            {"图斑编号": "KW2", "除治方式": "人工拔除", "施工单位": "海\x1b[31m林\x7f"},
        ]
    )


@case("team_with_controls.csv", "code in text", 0, "accepted", 2, fragment="control characters")
def _team_controls(folder):
    header = [*HEADER, "队伍"]
    rows = [{**good_row(0), "队伍": "一队\x0b"}, {**good_row(1), "队伍": "二队\x08"}]
    return csv_bytes(rows, header)


@case("nul_after_4k_in_note.csv", "encoding", 0, "accepted", 2, fragment="control characters")
def _late_nul(folder):
    return csv_bytes([good_row(0, 备注="长" * 2000), good_row(1, 备注="a\x00b\tc")])


@case("site_name_vertical_tab.geojson", "code in text", 0, None, command="sites")
def _site_controls(folder):
    from tests.hostile import _plots_geojson

    return _plots_geojson([{"名称": "柯湾\x0b保护区", "编号": "kw"}], date_key=None)


# -- One valid time kills the file; values misread ----------------------------------------------
@case("one_offset_among_200_naive.csv", "time", 0, "accepted", 201)
def _offset_among_naive(folder):
    rows = [good_row(i) for i in range(200)]
    return csv_bytes([*rows, good_row(200, 时间="2023-06-02T15:00+08")])


@case("mixed_offsets.csv", "time", 0, "accepted", 4)
def _mixed_offsets(folder):
    times = ["2023-06-02T07:00Z", "2023-06-02 15:00+0800", "2023-06-02 16:00+09:00", "2023-06-02"]
    return csv_bytes([good_row(i, 时间=t) for i, t in enumerate(times)])


@case(
    "one_offset_among_naive.gpx",
    "time",
    0,
    "accepted",
    41,
    args=("--patrol-type", "city_joint"),
)
def _gpx_offset(folder):
    x, y = INSIDE[0]
    stamps = [f"2023-06-02T09:{i:02d}:00" for i in range(40)] + ["2023-06-02T10:00:00+08"]
    points = "".join(
        f'<wpt lat="{y}" lon="{x + i * 1e-5}"><time>{t}</time><name>复萌</name></wpt>'
        for i, t in enumerate(stamps)
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{points}</gpx>"
    ).encode()


@case("named_offsets.csv", "time", 0, "accepted", 3)
def _named_offsets(folder):
    times = ["2023-06-02 15:00 UTC+8", "2023-06-02 15:00 GMT+8", "2023-06-02 15:00 GMT+0800"]
    return csv_bytes([good_row(i, 时间=t) for i, t in enumerate(times)])


@case("two_digit_year.csv", "time", 3, "partial", 1, 1, "ambiguous date '23-06-02 15:00'")
def _two_digit_year(folder):
    return csv_bytes([good_row(0), good_row(1, 时间="23-06-02 15:00")])


@case("day_first_column.csv", "time", 0, "accepted", 2, fragment="read as day/month/year")
def _day_first(folder):
    return csv_bytes([good_row(0, 时间="02/06/2023 09:00"), good_row(1, 时间="13/06/2023 09:00")])


@case("day_month_unsettled.csv", "time", 3, "partial", 1, 2, "ambiguous date '02/06/2023'")
def _unsettled(folder):
    times = ["2023-06-05 09:00", "02/06/2023", "03/06/2023"]
    return csv_bytes([good_row(i, 时间=t) for i, t in enumerate(times)])


@case("mistyped_decimal_coordinates.csv", "geometry", 3, "partial", 1, 2, "120.331.2")
def _mistyped_coordinates(folder):
    return csv_bytes([good_row(0), good_row(1, 经度="120.331.2"), good_row(2, 纬度="27.230.4")])


# -- Valid files that were refused or misread -------------------------------------------------
def _rezipped(data, extra):
    """A zip's members with ``extra`` ({name: bytes}) added first."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in extra.items():
            archive.writestr(name, content)
        for name in source.namelist():
            archive.writestr(name, source.read(name))
    return buffer.getvalue()


@case("macos_finder.zip", "archive", 0, "accepted", 3, args=("--patrol-type", "city_joint"))
def _finder_zip(folder):
    # AppleDouble members sort first and start with the same bytes as nothing hailin reads.
    fork = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 64
    return _rezipped(
        _zipped_shapefile(_patrol_points(3)),
        {"__MACOSX/._patrol.shp": fork, "__MACOSX/._patrol.dbf": fork, "._patrol.shx": fork},
    )


@case(
    "shapefile_with_readme_kml.zip",
    "archive",
    0,
    "accepted",
    3,
    args=("--patrol-type", "city_joint"),
)
def _stray_kml(folder):
    kml = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>'
    return _rezipped(_zipped_shapefile(_patrol_points(3)), {"readme.kml": kml})


@case("gx_track.kml", "xml", 0, "accepted", 1, args=("--patrol-type", "city_joint"))
def _gx_track(folder):
    x, y = INSIDE[0]
    whens = "".join(f"<when>2023-06-02T09:0{i}:00+08:00</when>" for i in range(3))
    coords = "".join(f"<gx:coord>{x + i * 1e-4} {y} 0</gx:coord>" for i in range(3))
    return (
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2" '
        'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><Placemark><name>复萌</name>'
        f"<gx:Track>{whens}{coords}</gx:Track></Placemark></Document></kml>"
    ).encode()


def _inline_row(number, row, replace=None):
    """A worksheet row of inline strings from a patrol row; ``replace`` maps a column
    letter to the raw cell XML written there instead."""
    from tests.hostile import HEADER, _xml_escape

    cells = []
    for i, name in enumerate(HEADER):
        letter = chr(65 + i)
        cell = (replace or {}).get(letter)
        cells.append(
            cell.format(ref=f"{letter}{number}")
            if cell
            else f'<c r="{letter}{number}" t="inlineStr"><is><t>{_xml_escape(row[name])}</t></is></c>'
        )
    return f'<row r="{number}">{"".join(cells)}</row>'


def _strict(data):
    """A workbook's parts renamed to the Strict OOXML namespaces."""
    pairs = (
        ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"),
        ("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships"),
    )  # fmt: skip
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            text = source.read(name).decode()
            for old, new in pairs:
                text = text.replace(old, new)
            archive.writestr(name, text)
    return buffer.getvalue()


@case("strict_ooxml.xlsx", "structure", 0, "accepted", 2, fragment="Strict Open XML")
def _strict_workbook(folder):
    from tests.hostile import _xlsx_with_parts

    rows = _inline_row(2, good_row(0)) + _inline_row(3, good_row(1))
    return _strict(_xlsx_with_parts(sheet_rows=rows))


@case("one_bad_date_cell.xlsx", "structure", 3, "partial", 2, 2, "unreadable date/time")
def _bad_cells(folder):
    from tests.hostile import _xlsx_with_parts

    rows = (
        _inline_row(2, good_row(0))
        + _inline_row(3, good_row(1), {"A": '<c r="{ref}" t="d"><v>2023-13-45T99:00</v></c>'})
        + _inline_row(4, good_row(2), {"B": '<c r="{ref}"><v>NaN</v></c>'})
        + _inline_row(5, good_row(3), {"A": '<c r="{ref}" t="d"><v>2023-06-05T09:00:00</v></c>'})
    )
    return _xlsx_with_parts(sheet_rows=rows)


@case("data_on_second_sheet.xlsx", "structure", 0, "accepted", 2, fragment="read sheet '巡查记录'")
def _second_sheet(folder):
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "说明"
    notes.append(["本表记录柯湾保护区的巡查。"])
    notes.append(["填表人：张三"])
    data = workbook.create_sheet("巡查记录")
    data.append(HEADER)
    for i in range(2):
        data.append(list(good_row(i).values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@case("big5.csv", "encoding", 0, "accepted", 2, fragment="read as big5 text")
def _big5(folder):
    # English headers and codes: only the notes are Chinese (traditional, in Big5).
    lines = ["observed_at,lon,lat,patrol_type,finding,notes"] + [
        f"2023-06-0{i + 1} 09:00,{x},{y},contractor_daily,spartina_regrowth,"
        "柯灣保護區：互花米草復萌，已組織人工拔除。"
        for i, (x, y) in enumerate(INSIDE[:2])
    ]
    return "\n".join(lines).encode("big5")


def _shapefile_zip(frame, encoding, cpg=None):
    import io
    import tempfile
    import warnings
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL shortens the long names
            frame.to_file(os.path.join(tmp, "p.shp"), engine="pyogrio", encoding=encoding)
        if cpg is not None:
            with open(os.path.join(tmp, "p.cpg"), "w") as handle:
                handle.write(cpg)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in sorted(os.listdir(tmp)):
                archive.write(os.path.join(tmp, name), name)
        return buffer.getvalue()


def _long_names(count=2):
    # 现场情况说明 is 18 bytes in UTF-8: GDAL cuts it to 10, inside 况 (3 bytes).
    x, y = INSIDE[0]
    return geopandas.GeoDataFrame(
        {
            "发现": ["复萌"] * count,
            "时间": [f"2023-06-0{i + 1} 09:00" for i in range(count)],
            "现场情况说明": ["东堤外侧"] * count,
        },
        geometry=[shapely.Point(x + i * 1e-4, y) for i in range(count)],
        crs=4326,
    )


@case(
    "dbf_name_cut_mid_character.zip",
    "encoding",
    0,
    "accepted",
    2,
    fragment="read as '现场情'",
    args=("--patrol-type", "city_joint"),
)
def _cut_name(folder):
    return _shapefile_zip(_long_names(), "UTF-8")


@case(
    "cpg_utf8_over_gbk.zip",
    "encoding",
    0,
    "accepted",
    2,
    fragment="the .cpg says UTF-8",
    args=("--patrol-type", "city_joint"),
)
def _lying_cpg(folder):
    return _shapefile_zip(
        _long_names().rename(columns={"现场情况说明": "备注"}), "GBK", cpg="UTF-8"
    )
