"""Every reader holds to its bounds (surveys.limits) and reads every encoding it
should: hostile files are generated here in tmp_path, each with its exact outcome."""

import dataclasses
import io
import re
import resource
import stat
import time
import warnings
import zipfile

import geopandas
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from hailin.surveys import SurveyFileError, read_file, read_raw
from hailin.surveys.io.raw import dedupe_headers
from hailin.surveys.limits import LIMITS, over_limit
from tests.conftest import DATA
from tests.data.make_data import P

FORMATS = DATA / "formats"

HEADER = ["observed_at", "lon", "lat", "patrol_type", "finding", "notes"]


def row(i, note="ok"):
    """A good survey row near the demo sites, one minute apart per ``i``."""
    time = f"2023-06-01T{9 + i // 60:02d}:{i % 60:02d}:00+08:00"
    return [time, *P[i % len(P)], "contractor_daily", "clear", note]


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8"):
    lines = [delimiter.join(map(str, r)) for r in [header, *rows]]
    return ("\n".join(lines) + "\n").encode(encoding)


def placemark(i=0, geometry=None):
    geometry = geometry or f"<Point><coordinates>{P[0][0]},{P[0][1]}</coordinates></Point>"
    return (
        f"<Placemark><name>p{i}</name><TimeStamp><when>{row(i)[0]}</when></TimeStamp>"
        "<ExtendedData><Data name='patrol_type'><value>contractor_daily</value></Data>"
        f"<Data name='finding'><value>clear</value></Data></ExtendedData>{geometry}</Placemark>"
    )


def kml(body):
    return (
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{body}</Document></kml>"
    ).encode()


def nested_folders(depth):
    return kml("<Folder><name>f</name>" * depth + placemark() + "</Folder>" * depth)


def multigeometry(depth, inner=None):
    inner = inner or f"<Point><coordinates>{P[0][0]},{P[0][1]}</coordinates></Point>"
    return "<MultiGeometry>" * depth + inner + "</MultiGeometry>" * depth


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(workspace, path, fragment, row=None):
    """Import ``path``; it must be refused whole, quickly, with ``fragment``."""
    started = time.perf_counter()
    summary = workspace.import_file(path)
    assert time.perf_counter() - started < 20, "a refusal must come within seconds"
    assert (summary.status, summary.rows_accepted) == ("rejected", 0), summary
    assert summary.errors[0]["row"] == row, summary.errors
    assert fragment in summary.errors[0]["message"], summary.errors
    assert len(workspace.surveys()) == 0
    return summary


def grown_mib(before):
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


# -- 1. XML walked without recursion, nesting bounded ------------------------------------------
def test_5000_deep_kml_folders_are_refused_by_the_xml_depth_bound(workspace, tmp_path):
    path = write(tmp_path, "deep.kml", nested_folders(5000))
    refused(workspace, path, "XML elements nested 257 deep (limit 256)")


def test_kml_folders_past_64_levels_are_refused_and_64_are_read(workspace, tmp_path):
    assert LIMITS.kml_folder_depth == 64
    # The Document is the first level, so 63 folders inside it make 64.
    table = read_raw(write(tmp_path, "ok.kml", nested_folders(63)))
    assert table.frame["folder"].tolist() == ["/".join(["f"] * 63)]
    refused(
        workspace,
        write(tmp_path, "deep.kml", nested_folders(64)),
        "KML folders nested 65 deep (limit 64)",
    )


def test_nested_multigeometry_is_flattened_and_bounded(workspace, tmp_path):
    three = kml(placemark(0, multigeometry(3, multigeometry(1) * 2)))
    table = read_raw(write(tmp_path, "three.kml", three))
    assert table.geometry[0].equals(shapely.MultiPoint([P[0], P[0]]))
    deep = write(tmp_path, "deep_multi.kml", kml(placemark(0, multigeometry(17))))
    refused(workspace, deep, "placemark 1 nests MultiGeometry 17 deep (limit 16)", row=1)
    deepest = write(tmp_path, "deepest_multi.kml", kml(placemark(0, multigeometry(5000))))
    refused(workspace, deepest, "XML elements nested 257 deep (limit 256)")


def test_xml_element_count_is_bounded(tmp_path):
    path = write(tmp_path, "many.kml", kml("".join(placemark(i) for i in range(100))))
    assert len(read_raw(path).frame) == 100
    fewer = dataclasses.replace(LIMITS, xml_elements=1000)
    with pytest.raises(SurveyFileError, match=r"more than 1,000 elements \(limit 1,000\)"):
        read_raw(path, limits=fewer)


# -- 2. ZIP members that are links, devices or clash ------------------------------------------
def zip_with(members, path):
    """A ZIP of ``members``: (name, bytes, unix mode or None)."""
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name", on purpose
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.create_system = 3
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def shapefile_parts(tmp_path):
    points = geopandas.GeoDataFrame(
        {"finding": ["clear"]}, geometry=[shapely.Point(P[0])], crs="EPSG:4326"
    )
    points.to_file(tmp_path / "s.shp")
    return {ext: (tmp_path / f"s.{ext}").read_bytes() for ext in ("shp", "shx", "dbf", "prj")}


def xlsx_bytes(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


LINK = stat.S_IFLNK | 0o777


@pytest.mark.parametrize("kind", ["kmz", "shapezip", "xlsx"])
def test_zip_with_a_symlink_member_is_refused(workspace, tmp_path, kind):
    if kind == "kmz":
        members = [("doc.kml", b"/etc/passwd", LINK)]
        name, culprit = "links.kmz", "doc.kml"
    elif kind == "shapezip":
        parts = shapefile_parts(tmp_path)
        members = [(f"s.{e}", parts[e], None) for e in ("shp", "shx", "prj")]
        members.append(("s.dbf", b"/etc/passwd", LINK))
        name, culprit = "links.zip", "s.dbf"
    else:
        with zipfile.ZipFile(io.BytesIO(xlsx_bytes([row(0)]))) as source:
            members = [(i.filename, source.read(i), None) for i in source.infolist()]
        members.append(("xl/media/image1.png", b"/etc/shadow", LINK))
        name, culprit = "links.xlsx", "xl/media/image1.png"
    path = zip_with(members, tmp_path / name)
    refused(workspace, path, f"archive member {culprit!r} is a symbolic link; refused for safety")


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ([("doc.kml", b"", stat.S_IFCHR | 0o666)], "archive member 'doc.kml' is a device"),
        ([("doc.kml", b"", stat.S_IFIFO | 0o666)], "archive member 'doc.kml' is a pipe"),
        ([("/etc/doc.kml", b"<kml/>", None)], "archive member '/etc/doc.kml' points outside"),
        ([("../doc.kml", b"<kml/>", None)], "archive member '../doc.kml' points outside"),
        (
            [("d", b"x", None), ("d/s.shp", b"x", None)],
            "archive member 'd' is both a file and the folder of 'd/s.shp'",
        ),
        ([("a.kml", b"x", None), ("a.kml", b"y", None)], "archive member 'a.kml' appears twice"),
    ],
)
def test_zip_members_that_are_not_plain_files_inside_are_refused(
    workspace, tmp_path, members, fragment
):
    path = zip_with(members, tmp_path / "odd.zip")
    refused(workspace, path, fragment)


# -- 3. A GeoPackage table without geometry -----------------------------------------------------
def test_attributes_only_geopackage_is_read_as_a_table(workspace, tmp_path):
    frame = pd.DataFrame(
        [row(0, "东侧"), row(1, "西侧")],
        columns=["时间", "经度", "纬度", "巡查类型", "发现", "备注"],
    )
    path = tmp_path / "table.gpkg"
    pyogrio.write_dataframe(frame, path, layer="patrol", driver="GPKG")
    summary = workspace.import_file(path)
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("accepted", 2, 0)
    assert any("layer 'patrol' has no geometry" in w["message"] for w in summary.warnings)
    records = workspace.surveys().sort_values("source_row")
    assert records["notes"].tolist() == ["东侧", "西侧"]
    assert records.geometry.iloc[1].equals(shapely.Point(P[1]))


def test_geopackage_prefers_its_spatial_layer_over_a_table(tmp_path):
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"a": [1]}), path, layer="aaa_table", driver="GPKG")
    points = geopandas.GeoDataFrame(
        {"finding": ["clear"]}, geometry=[shapely.Point(P[0])], crs="EPSG:4326"
    )
    pyogrio.write_dataframe(points, path, layer="points", driver="GPKG", append=True)
    table = read_raw(path)
    assert table.geometry is not None and table.frame["finding"].tolist() == ["clear"]
    assert table.warnings[-1]["message"] == "GeoPackage has 2 layers; read 'points'"


# -- 4. Headers, columns, lines and cells of text tables -----------------------------------------
def test_a_header_repeating_one_name_20000_times_is_refused_within_seconds(workspace, tmp_path):
    data = (",".join(["observed_at"] * 20000) + "\n" + ",".join(["1"] * 20000) + "\n").encode()
    refused(
        workspace,
        write(tmp_path, "repeat.csv", data),
        "the header has 20,000 columns (limit 1,000)",
        row=1,
    )


def test_a_header_repeating_one_name_900_times_is_read_quickly(workspace, tmp_path):
    header = [*HEADER, *["备注"] * 900]
    rows = [[*row(i), *["x"] * 900] for i in range(3)]
    started = time.perf_counter()
    summary = workspace.import_file(write(tmp_path, "repeat.csv", csv_bytes(rows, header)))
    assert time.perf_counter() - started < 20
    assert (summary.status, summary.rows_accepted) == ("accepted", 3)


def test_dedupe_headers_is_unique_even_against_the_files_own_names():
    assert dedupe_headers(["a", "a", "a_2", None, "", "a"]) == [
        "a",
        "a_3",
        "a_2",
        "column_4",
        "column_5",
        "a_4",
    ]
    names = dedupe_headers(["x"] * 50_000 + [f"x_{i}" for i in range(2, 50_000)])
    assert len(set(names)) == len(names) == 99_998


def test_a_line_longer_than_the_bound_is_refused_naming_its_line(workspace, tmp_path):
    long_note = "长" * (LIMITS.line_bytes // 3 + 10)  # three UTF-8 bytes each
    data = csv_bytes([row(0), row(1, long_note), row(2)])
    length = len(data.split(b"\n")[2])
    assert length > LIMITS.line_bytes
    fragment = f"line is {length:,} bytes long (limit 1,048,576 bytes)"
    refused(workspace, write(tmp_path, "long.csv", data), fragment, row=3)


def test_a_line_of_carriage_returns_only_counts_lines_right(tmp_path):
    data = csv_bytes([row(0), row(1)]).replace(b"\n", b"\r")
    records, rejects = read_file(write(tmp_path, "mac.csv", data))
    assert (len(records), len(rejects)) == (2, 0)


def test_more_cells_than_the_bound_are_refused_before_parsing(workspace, tmp_path):
    # GBK text is read whole (a UTF-8 one in parts, under its own bound: test_import_parts.py).
    columns = 12
    rows = LIMITS.cells // columns + 1
    header = ",".join(["时间", *(f"c{i}" for i in range(1, columns))]) + "\n"
    data = header.encode("gbk") + ("1," * 11 + "1\n").encode() * rows
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(
        workspace,
        write(tmp_path, "cells.csv", data),
        f"{rows:,} rows of 12 columns make {rows * 12:,} cells (limit 12,000,000)",
    )
    assert grown_mib(before) < 200


def test_ragged_rows_wider_than_the_header_are_rejected_rows(workspace, tmp_path):
    data = csv_bytes([[*row(0), "extra", "more"], row(1), [*row(2), *["x"] * 2000]])
    summary = workspace.import_file(write(tmp_path, "ragged.csv", data))
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 1, 2)
    assert [(e["row"], e["message"]) for e in summary.errors] == [
        (2, "has 8 fields, the header has 6"),
        (4, "has 2006 fields, the header has 6"),
    ]


# -- 5. XLSX parts bounded before openpyxl reads them -------------------------------------------
def xlsx_with_parts(path, strings=None, sheet=None, stored=False):
    """An XLSX whose shared-strings part and/or worksheet XML are replaced."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([row(0)]))) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    content_types = parts["[Content_Types].xml"].decode()
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
        if "sharedStrings" not in content_types:
            content_types = content_types.replace(
                "</Types>",
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
    parts["[Content_Types].xml"] = content_types.encode()
    if sheet is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method, compresslevel=None if stored else 1) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def shared_strings(count, width=9):
    body = "".join(f"<si><t>s{i:0{width}d}</t></si>" for i in range(count))
    return (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + body + "</sst>"
    ).encode()


def sheet_xml(rows_xml):
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:XFD1048576"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def test_xlsx_shared_strings_past_the_count_are_refused_before_openpyxl(workspace, tmp_path):
    path = xlsx_with_parts(tmp_path / "strings.xlsx", strings=shared_strings(200_001))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused(workspace, path, "holds 200,001 strings (limit 200,000)")
    assert grown_mib(before) < 100


def test_xlsx_shared_strings_past_the_size_are_refused_before_inflating(workspace, tmp_path):
    # 65 MiB of strings, packed about ten times: within the ZIP bounds, past the part bound.
    strings = shared_strings(65 * 2**20 // 29, width=12)
    path = xlsx_with_parts(tmp_path / "big_strings.xlsx", strings=strings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fragment = f"'xl/sharedStrings.xml' unpacks to {over_limit(len(strings), 64 * 2**20)}"
    refused(workspace, path, fragment)
    assert grown_mib(before) < 100


def test_xlsx_sheet_cells_past_the_bound_are_refused_before_openpyxl(workspace, tmp_path):
    cells = "".join(
        f'<row r="{r}">' + '<c t="n"><v>1</v></c>' * 100 + "</row>" for r in range(1, 5002)
    )
    path = xlsx_with_parts(tmp_path / "cells.xlsx", sheet=sheet_xml(cells))
    refused(
        workspace, path, "worksheet 'xl/worksheets/sheet1.xml' holds 500,100 cells (limit 500,000)"
    )


def inline_row(number, values):
    cells = "".join(
        f'<c t="inlineStr"><is><t>{v}</t></is></c>' if isinstance(v, str) else f"<c><v>{v}</v></c>"
        for v in values
    )
    return f'<row r="{number}">{cells}</row>' if number else f"<row>{cells}</row>"


def test_xlsx_row_numbers_past_excels_are_refused_before_openpyxl(workspace, tmp_path):
    rows = inline_row(1, HEADER) + inline_row(999_999_999, [1])
    path = xlsx_with_parts(tmp_path / "far.xlsx", sheet=sheet_xml(rows))
    refused(
        workspace,
        path,
        "worksheet 'xl/worksheets/sheet1.xml' numbers a row 999,999,999 (limit 1,048,576 rows)",
    )


def test_xlsx_rows_are_bounded_while_reading(tmp_path):
    # Rows without numbers or cells pass the scan before openpyxl; the count while
    # reading stops them.
    rows = inline_row(1, HEADER) + "<row/>" * 2000 + inline_row(None, row(0))
    path = xlsx_with_parts(tmp_path / "empty_rows.xlsx", sheet=sheet_xml(rows), stored=True)
    assert len(read_raw(path).frame) == 1
    with pytest.raises(SurveyFileError, match=r"more than 1,000 rows \(limit 1,000\)"):
        read_raw(path, limits=lowered(xlsx_rows=1000))


def test_xlsx_declared_dimension_does_not_pad_rows(workspace, tmp_path):
    # A:XFD declared: read as declared, 300 rows would be 300 x 16384 cells.
    rows = inline_row(1, HEADER) + "".join(inline_row(i + 2, row(i, "东侧")) for i in range(300))
    path = xlsx_with_parts(tmp_path / "dimension.xlsx", sheet=sheet_xml(rows))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = workspace.import_file(path)
    assert (summary.status, summary.rows_accepted) == ("accepted", 300)
    assert set(workspace.surveys()["notes"]) == {"东侧"}
    assert grown_mib(before) < 100


def test_xlsx_header_wider_than_the_column_bound_is_refused(workspace, tmp_path):
    header = [*HEADER, *[f"x{i}" for i in range(1000)]]
    path = write(tmp_path, "wide.xlsx", xlsx_bytes([[*row(0), *["x"] * 1000]], header))
    refused(workspace, path, "the header has 1,006 columns (limit 1,000)", row=1)


# -- 6. UTF-16 with a byte-order mark ("Unicode text") --------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_tab_separated_text_with_a_bom_is_read(workspace, tmp_path, encoding):
    header = ["时间", "经度", "纬度", "巡查类型", "发现", "备注"]
    rows = [row(0, "堤岸东侧"), row(1, "新斑块")]
    data = "\ufeff".encode(encoding) + csv_bytes(rows, header, "\t", encoding)
    summary = workspace.import_file(write(tmp_path, "unicode.txt", data))
    assert (summary.status, summary.rows_accepted) == ("accepted", 2)
    assert "read as utf-16 text, delimiter '\\t'" in [w["message"] for w in summary.warnings]
    records = workspace.surveys().sort_values("source_row")
    assert records["notes"].tolist() == ["堤岸东侧", "新斑块"]
    assert records["source_row"].tolist() == [2, 3]


def test_utf16_kml_with_a_bom_is_read_as_kml(tmp_path):
    text = kml(placemark(0)).decode().replace('<?xml version="1.0"?>', "")
    path = write(tmp_path, "utf16.kml", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"))
    table = read_raw(path)
    assert (table.format, table.frame["finding"].tolist()) == ("kml", ["clear"])


# -- 7. Files mixing UTF-8 and GBK: the odd lines are rejected, never stored as mojibake ---------
def mixed(lines):
    """CSV bytes from (row, encoding) pairs, the header in the first pair's encoding."""
    header = ["时间", "经度", "纬度", "巡查类型", "发现", "备注"]
    out = [",".join(header).encode(lines[0][1])]
    out += [",".join(map(str, r)).encode(e) for r, e in lines[1:]]
    return b"\n".join(out) + b"\n"


def test_gbk_lines_in_a_utf8_file_are_rejected_rows(workspace, tmp_path):
    data = mixed(
        [
            (None, "utf-8"),
            (row(0, "东侧"), "utf-8"),
            (row(1, "西侧"), "gbk"),
            (row(2, "南侧"), "utf-8"),
        ]
    )
    summary = workspace.import_file(write(tmp_path, "mixed.csv", data))
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 2, 1)
    assert summary.errors == [
        {"row": 3, "column": None, "message": "line is GBK-encoded while the file is UTF-8"}
    ]
    assert sorted(workspace.surveys()["notes"]) == ["东侧", "南侧"]
    rejects = workspace.rejects()
    assert rejects["raw"].tolist() == [",".join(map(str, row(1, "西侧")))]


def test_a_utf8_line_in_a_gbk_file_is_a_rejected_row(workspace, tmp_path):
    data = mixed(
        [(None, "gbk"), (row(0, "东侧"), "gbk"), (row(1, "西侧"), "utf-8"), (row(2, "南侧"), "gbk")]
    )
    summary = workspace.import_file(write(tmp_path, "mixed.csv", data))
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 2, 1)
    assert summary.errors[0] == {
        "row": 3,
        "column": None,
        "message": "line is UTF-8-encoded while the file is GBK",
    }
    assert sorted(workspace.surveys()["notes"]) == ["东侧", "南侧"]


def test_a_header_in_the_minority_encoding_refuses_the_file(workspace, tmp_path):
    data = mixed([(None, "gbk"), (row(0, "东侧"), "utf-8"), (row(1, "西侧"), "utf-8")])
    refused(
        workspace,
        write(tmp_path, "mixed.csv", data),
        "line is GBK-encoded while the file is UTF-8, above the data; save the file in one encoding",
        row=1,
    )


def test_a_utf8_bom_file_rejects_its_gbk_lines_even_when_most_are_gbk(tmp_path):
    lines = [(None, "utf-8"), (row(0, "东侧"), "gbk"), (row(1, "西侧"), "gbk"), (row(2), "utf-8")]
    data = b"\xef\xbb\xbf" + mixed(lines)
    records, rejects = read_file(write(tmp_path, "bom.csv", data))
    # The byte-order mark says UTF-8: the GBK lines are the odd ones.
    assert records["notes"].tolist() == ["ok"]
    assert rejects["source_row"].tolist() == [2, 3]
    assert rejects["reason"].tolist() == ["line is GBK-encoded while the file is UTF-8"] * 2


def test_mixed_dbf_records_refuse_the_shapefile(workspace, tmp_path):
    points = geopandas.GeoDataFrame(
        {"finding": ["clear", "clear"], "notes": ["东侧东侧", "西侧西侧"]},
        geometry=[shapely.Point(P[0]), shapely.Point(P[1])],
        crs="EPSG:4326",
    )
    points.to_file(tmp_path / "m.shp", encoding="UTF-8")
    dbf = (tmp_path / "m.dbf").read_bytes()
    # The second record rewritten in GBK (padded to the field's width with blanks).
    dbf = dbf.replace("西侧西侧".encode(), "西侧西侧".encode("gbk").ljust(12))
    members = [(f"m.{e}", (tmp_path / f"m.{e}").read_bytes(), None) for e in ("shp", "shx", "prj")]
    path = zip_with([*members, ("m.dbf", dbf, None)], tmp_path / "mixed_dbf.zip")
    refused(
        workspace,
        path,
        "the attribute table (.dbf) mixes encodings: record 1 is UTF-8, record 2 is not",
    )


# -- 8. A time bound on the table-building loops --------------------------------------------------
def test_a_reader_past_its_time_bound_is_refused(tmp_path):
    path = write(tmp_path, "many.kml", kml("".join(placemark(i % 50) for i in range(2048))))
    assert len(read_raw(path).frame) == 2048
    no_time = dataclasses.replace(LIMITS, read_seconds=0)
    with pytest.raises(
        SurveyFileError,
        match=r"reading took [\d.]+ s of processor time and had only reached .*\(limit 0 s\)",
    ):
        read_raw(path, limits=no_time)


# -- the other bounds, each at a lowered value ---------------------------------------------------
def lowered(**changes):
    return dataclasses.replace(LIMITS, **changes)


def test_gdal_formats_are_bounded_by_cells_and_columns():
    path = FORMATS / "patrol_fc.geojson"  # 4 features, 4 fields and a geometry
    assert len(read_raw(path).frame) == 4
    # Counted from the layer before any feature is read.
    with pytest.raises(
        SurveyFileError, match=r"4 features of 5 columns make 20 cells \(limit 12\)"
    ):
        read_raw(path, limits=lowered(cells=12))
    with pytest.raises(SurveyFileError, match=r"4 attribute fields \(limit 3\)"):
        read_raw(path, limits=lowered(columns=3))


def test_kml_inside_a_kmz_is_bounded_by_the_xml_size():
    with pytest.raises(
        SurveyFileError,
        match=r"'doc.kml' unpacks to more than 1 KiB \(the limit for a KML document\)",
    ):
        read_raw(FORMATS / "patrol_doc.kmz", limits=lowered(xml_bytes=1024))


def test_zip_directory_and_xlsx_parts_are_bounded(tmp_path):
    path = write(tmp_path, "ok.xlsx", xlsx_bytes([row(0)]))
    with pytest.raises(
        SurveyFileError, match=r"archive's list of members is [\d,]+ bytes \(limit 100 bytes\)"
    ):
        read_raw(path, limits=lowered(zip_directory_bytes=100))
    with zipfile.ZipFile(path) as archive:
        theme = archive.getinfo("xl/theme/theme1.xml").file_size
    fragment = f"workbook part 'xl/theme/theme1.xml' unpacks to {over_limit(theme, 5000)}"
    with pytest.raises(SurveyFileError, match=re.escape(fragment)):
        read_raw(path, limits=lowered(xlsx_part_bytes=5000))


def test_text_and_file_sizes_are_bounded(tmp_path):
    path = write(tmp_path, "patrol.csv", csv_bytes([row(0), row(1)]))
    size = path.stat().st_size
    with pytest.raises(
        SurveyFileError, match=re.escape(f"the file is {size} bytes (limit 100 bytes)")
    ):
        read_raw(path, limits=lowered(file_bytes=100))
    with pytest.raises(SurveyFileError, match=re.escape(f"the text, as UTF-8, is {size} bytes")):
        read_raw(path, limits=lowered(text_bytes=100))


def test_a_long_note_in_the_first_rows_does_not_hide_the_header(tmp_path):
    path = tmp_path / "long-note.csv"
    path.write_text(
        "时间,经度,纬度,巡查类型,发现,备注\n"
        "2023-06-01 09:00,120.3301,27.2612,乡镇巡查,复萌," + "长" * 200_000 + "\n",
        encoding="utf-8",
    )
    records, rejects = read_file(path)
    assert len(rejects) == 0
    assert records["notes"].str.len().tolist() == [200_000]


def test_the_readme_states_the_limits_as_they_are():
    """The README's limits table and surveys.limits cannot drift apart."""
    import pathlib

    from hailin.geo.raster.io import MAX_PIXELS_READ

    text = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    mib = 1024 * 1024
    stated = {
        "| file size | 512 MiB |": LIMITS.file_bytes == 512 * mib,
        "| text | 256 MiB |": LIMITS.text_bytes == 256 * mib,
        "| line | 1 MiB |": LIMITS.line_bytes == 1 * mib,
        "| columns | 1,000 |": LIMITS.columns == 1000,
        "| cells | 12,000,000 |": LIMITS.cells == 12_000_000,
        "| parts | 200,000 rows at a time; 1 GiB, 100,000,000 cells |": (
            LIMITS.part_rows == 200_000
            and LIMITS.part_file_bytes == 1024 * mib
            and LIMITS.part_cells == 100_000_000
        ),
        "| ZIP members | 1,000 |": LIMITS.zip_members == 1000,
        "| ZIP unpacked | 512 MiB in all, 200× per member |": (
            LIMITS.zip_total_bytes == 512 * mib and LIMITS.zip_ratio == 200
        ),
        "| XML | 128 MiB, 256 levels deep, 2,000,000 elements;": (
            LIMITS.xml_bytes == 128 * mib
            and LIMITS.xml_depth == 256
            and LIMITS.xml_elements == 2_000_000
        ),
        "| KML nesting | 64 folder levels, 16 MultiGeometry levels |": (
            LIMITS.kml_folder_depth == 64 and LIMITS.kml_geometry_depth == 16
        ),
        "sheet 64 MiB, shared strings 64 MiB and 200,000 strings, other parts 4 MiB, 256 MiB in all": (
            LIMITS.xlsx_sheet_bytes == 64 * mib
            and LIMITS.xlsx_shared_strings_bytes == 64 * mib
            and LIMITS.xlsx_shared_strings == 200_000
            and LIMITS.xlsx_part_bytes == 4 * mib
            and LIMITS.xlsx_total_bytes == 256 * mib
        ),
        "| XLSX cells | 500,000 per sheet, 2,000,000 per workbook |": (
            LIMITS.xlsx_cells == 500_000 and LIMITS.xlsx_workbook_cells == 2_000_000
        ),
        "| time | 30 s of processor time |": LIMITS.read_seconds == 30,
        "| quoted field | 20 lines |": LIMITS.quoted_lines == 20,
        "| attribute | 1 MiB |": LIMITS.attribute_bytes == 1 * mib,
        "| coordinates | 200,000 per geometry, 2,000,000 per file |": (
            LIMITS.geometry_coordinates == 200_000 and LIMITS.file_coordinates == 2_000_000
        ),
        "| GeoPackage | 100 layers; a view read by hailin with every value ≤ 1 MiB, the cell "
        "bound and 10 s |": (
            LIMITS.gpkg_layers == 100
            and LIMITS.attribute_bytes == 1 * mib
            and LIMITS.statement_seconds == 10
        ),
        "| raster pixels | 400,000,000 the plots ask for |": MAX_PIXELS_READ == 400_000_000,
        "| settings | 32 levels of arrays and inline tables |": LIMITS.settings_depth == 32,
    }
    for line, holds in stated.items():
        assert line in text, line
        assert holds, line


def test_a_file_past_the_size_bound_is_refused_before_it_is_hashed_or_copied(tmp_path):
    from hailin.surveys.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:  # sparse: 600 MiB that take no disk
        handle.truncate(600 * 1024 * 1024)
    summary = ws.import_file(path)
    assert (summary.status, summary.upload_id, summary.rows_read) == ("rejected", "", 0)
    assert summary.errors[0]["message"] == "the file is 600 MiB (limit 512 MiB)"
    assert list((tmp_path / "ws" / "uploads").iterdir()) == []
    assert len(ws.uploads()) == 0
