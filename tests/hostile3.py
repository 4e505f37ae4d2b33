"""The hostile corpus, third round (issue 26): files that reached out, lost rows
without a word, stored characters that broke later exports, or killed a file
over one valid time. Registered into :data:`tests.hostile.CASES` like the rest.
"""

from __future__ import annotations

import geopandas
import shapely

from tests.hostile import INSIDE, _zipped_shapefile, case, csv_bytes, good_row


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
