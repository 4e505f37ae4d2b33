"""Readers: the only code (with the store) that opens patrol and boundary files.

Every reader returns a :class:`RawTable`: the file's own columns and values,
the row or feature number a person would quote, and geometry with the file's
CRS where the format carries them. Turning that into survey records is
``surveys.normalize``'s job.
"""

import csv
import dataclasses
import io
import os
import re
import struct
import tempfile
import warnings
import zipfile

import numpy as np
import pandas as pd
import pyogrio
import shapely

from surveys.errors import SurveyFileError
from surveys.limits import LIMITS, over_limit
from surveys.safety import (
    Deadline,
    check_file_size,
    check_xlsx_parts,
    extract_zip,
    open_zip,
    parse_xml,
    read_member,
)
from surveys.schema import match_headers

HEADER_SEARCH_ROWS = 30


@dataclasses.dataclass
class RawTable:
    """What a file holds, before any interpretation."""

    frame: pd.DataFrame  # original headers; values as read (object dtype)
    source_rows: np.ndarray  # 1-based row (tables) or feature (spatial files) numbers
    geometry: np.ndarray | None = None  # shapely geometries, or None for plain tables
    crs: object = None  # the CRS the file declares, if any
    format: str = ""
    warnings: list = dataclasses.field(default_factory=list)


# -- format detection ------------------------------------------------------------
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff_format(path, file, limits=LIMITS):
    """The format of ``path`` judged by its bytes (extensions lie)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        raise SurveyFileError("the file is empty", file=file)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        with open_zip(path, file, limits) as archive:
            names = [n.lower() for n in archive.namelist()]
        if "xl/workbook.xml" in names:
            return "xlsx"
        if any(n.endswith(".kml") for n in names):
            return "kmz"
        if any(n.endswith(".shp") for n in names):
            return "shapezip"
        raise SurveyFileError(
            "a ZIP archive without a Shapefile (.shp), KML or Excel workbook inside", file=file
        )
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head[:4] == b"\x00\x00\x27\x0a":
        base = os.path.splitext(path)[0]
        if all(
            os.path.exists(base + s) or os.path.exists(base + s.upper()) for s in (".shx", ".dbf")
        ):
            return "shapefile"
        raise SurveyFileError(
            "a bare .shp cannot be read alone; upload the .shp, .shx, .dbf, .prj and .cpg "
            "zipped together",
            file=file,
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SurveyFileError(
            "an old Excel .xls workbook; save it as .xlsx and upload again", file=file
        )
    if head.startswith(_UTF16_BOMS):
        # Excel's "Unicode text" (UTF-16 with a byte-order mark, tab-separated), or
        # now and then a KML or GPX saved as UTF-16.
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
        if not head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
            return "csv"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        lowered = head.lower()
        if b"<gpx" in lowered:
            return "gpx"
        if b"<kml" in lowered or b"opengis.net/kml" in lowered:
            return "kml"
        # The root may lie past the first 4 KiB behind a long DTD; decide on the whole file.
        with open(path, "rb") as handle:
            whole = handle.read(1024 * 1024).lower()
        if b"<gpx" in whole:
            return "gpx"
        if b"<kml" in whole:
            return "kml"
        raise SurveyFileError("an XML file that is neither GPX nor KML", file=file)
    if text.startswith((b"{", b"[")):
        return "geojson"
    if b"\x00" in head:
        raise SurveyFileError("a binary file of a kind hailin does not read", file=file)
    return "csv"


_EXPECTED_SUFFIX = {
    "xlsx": (".xlsx", ".xlsm"),
    "kmz": (".kmz",),
    "shapezip": (".zip",),
    "shapefile": (".shp",),
    "gpkg": (".gpkg",),
    "gpx": (".gpx",),
    "kml": (".kml",),
    "geojson": (".geojson", ".json"),
    "csv": (".csv", ".txt", ".tsv"),
}


def _warning(message, row=None, column=None):
    return {"row": row, "column": column, "message": message}


# -- text tables -----------------------------------------------------------------
def decode_text(data, file, deadline=None):
    r"""Text bytes as UTF-8 bytes: ``(data, encoding, misencoded lines)``.

    UTF-8 (with or without BOM), UTF-16 with a BOM, and GBK/GB18030 are read.
    When lines in both UTF-8 and GBK occur, the file is taken to be in the
    encoding of most of its lines (UTF-8 when it has a BOM) and the lines in the
    other come back as rejects-to-be (``{"row", "raw", "message"}``), blanked in
    ``data`` so that line numbers hold: nothing is read as mojibake.

    Examples
    --------
    >>> data = "时间\n".encode() + "西侧\n".encode("gbk") + "东侧\n".encode()
    >>> text, encoding, bad = decode_text(data, "mixed.csv")
    >>> text.decode(), encoding, bad[0]["row"], bad[0]["raw"]
    ('时间\n\n东侧\n', 'utf-8', 2, '西侧')
    >>> bad[0]["message"]
    'line is GBK-encoded while the file is UTF-8'
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16", []
        except UnicodeDecodeError as error:
            raise SurveyFileError(
                "text starts as UTF-16 (byte-order mark) but holds undecodable bytes", file=file
            ) from error
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        data.decode("utf-8")
        return data, "utf-8-sig" if bom else "utf-8", []
    except UnicodeDecodeError:
        pass
    # Not UTF-8 throughout: GBK, or a mix. Judge line by line (no GBK or UTF-8
    # character spans a line feed).
    lines = data.split(b"\n")
    in_utf8, in_gbk = [], []
    for index, line in enumerate(lines):
        if deadline is not None and not index % 65536:
            deadline.check(f"line {index + 1:,}")
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            in_utf8.append(index)
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
            except UnicodeDecodeError as error:
                raise SurveyFileError(
                    "text is neither UTF-8 nor GBK/GB18030 (undecodable bytes)",
                    file=file,
                    row=index + 1,
                ) from error
            in_gbk.append(index)
    if not in_utf8:
        return data.decode("gb18030").encode("utf-8"), "gb18030", []
    if bom or len(in_utf8) >= len(in_gbk):
        encoding, odd, odd_encoding, message = "utf-8", in_gbk, "gb18030", "GBK-encoded"
        label = "UTF-8"
    else:
        encoding, odd, odd_encoding, message = "gb18030", in_utf8, "utf-8", "UTF-8-encoded"
        label = "GBK"
    misencoded = []
    for index in odd:
        misencoded.append(
            {
                "row": index + 1,
                "raw": lines[index].decode(odd_encoding).rstrip("\r"),
                "message": f"line is {message} while the file is {label}",
            }
        )
        lines[index] = b""
    text = b"\n".join(lines)
    if encoding != "utf-8":
        text = text.decode(encoding).encode("utf-8")
    return text, encoding, misencoded


def _line_ends(data, offset, size):
    r"""Offsets of the line ends in ``data[offset:offset + size]`` (\n, \r\n or \r)."""
    window = np.frombuffer(data, np.uint8, count=min(size + 1, len(data) - offset), offset=offset)
    body, after = window[:size], window[1 : size + 1]
    if len(after) < len(body):
        after = np.append(after, np.uint8(0))
    ends = (body == 10) | ((body == 13) & (after != 10))
    return np.flatnonzero(ends) + offset


def _check_lines(data, file, limits):
    """Refuse a text whose longest line passes the bound; returns the line count."""
    count, start, step = 0, 0, 16 * 1024 * 1024
    for offset in range(0, len(data), step):
        size = min(step, len(data) - offset)
        ends = _line_ends(data, offset, size)
        lengths = np.diff(ends, prepend=start - 1) - 1 if len(ends) else np.array([], np.int64)
        if len(lengths) and lengths.max() > limits.line_bytes:
            at = int(np.argmax(lengths))
            _refuse_line(count + at + 1, int(lengths[at]), file, limits)
        if len(ends):
            count, start = count + len(ends), int(ends[-1]) + 1
        if offset + size - start > limits.line_bytes:  # a line still open
            _refuse_line(count + 1, offset + size - start, file, limits)
    return count + (start < len(data))


def _refuse_line(number, length, file, limits):
    raise SurveyFileError(
        f"line is {length:,} bytes long (limit {limits.line_bytes:,} bytes)",
        file=file,
        row=number,
    )


def _sniff_delimiter(lines):
    best, best_count = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if counts and min(counts) > 0 and counts[0] > best_count:
            best, best_count = delimiter, counts[0]
    return best


def find_header_row(rows):
    """Index of the header among the first rows: the first that names >= 2 known
    fields (titles above the header are common in Chinese office sheets)."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [c for c in row if c is not None and str(c).strip()]
        if len(match_headers(cells)) >= 2:
            return index
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(c is not None and str(c).strip() for c in row):
            return index
    return None


def _dedupe_headers(headers):
    """Unique column names, in one pass: blanks become ``column_N``, repeats
    ``name_2``, ``name_3``... (skipping names the file itself uses)."""
    names = [
        str(h).strip() if h is not None and str(h).strip() else f"column_{position + 1}"
        for position, h in enumerate(headers)
    ]
    taken = set(names)
    used, next_number = set(), {}
    out = []
    for name in names:
        if name not in used:
            used.add(name)
            out.append(name)
            continue
        # Each probe that fails lands on a name the file holds, so all probes
        # together stay within the number of headers.
        number = next_number.get(name, 2)
        while f"{name}_{number}" in taken or f"{name}_{number}" in used:
            number += 1
        next_number[name] = number + 1
        used.add(f"{name}_{number}")
        out.append(f"{name}_{number}")
    return out


_PROBE_CHARS = 65_536


def _first_lines(data, count, limits):
    """The first ``count`` lines of UTF-8 ``data`` as text (lines already bounded)."""
    size = min(len(data), (count + 1) * (limits.line_bytes + 2))
    ends = _line_ends(data, 0, size)
    end = int(ends[count - 1]) if len(ends) >= count else size
    return data[:end].decode("utf-8").splitlines()[:count]


def read_delimited(path, file, limits=LIMITS):
    deadline = Deadline(file, limits.read_seconds)
    with open(path, "rb") as handle:
        data = handle.read()
    data, encoding, misencoded = decode_text(data, file, deadline)
    if len(data) > limits.text_bytes:
        raise SurveyFileError(
            f"the text, as UTF-8, is {over_limit(len(data), limits.text_bytes)}",
            file=file,
        )
    lines = _check_lines(data, file, limits)
    head_lines = _first_lines(data, HEADER_SEARCH_ROWS, limits)
    delimiter = _sniff_delimiter(head_lines[:5])
    # Finding the header needs only the start of each line, and the csv module
    # refuses fields over 128 KiB (a long note in the first rows is no reason to fail).
    probe = list(csv.reader((line[:_PROBE_CHARS] for line in head_lines), delimiter=delimiter))
    header_index = find_header_row(probe)
    if header_index is None:
        raise SurveyFileError("no header row and no data", file=file)
    header_line = header_index + 1  # 1-based line of the header
    if misencoded and misencoded[0]["row"] <= header_line:
        raise SurveyFileError(
            f"{misencoded[0]['message']}, above the data; save the file in one encoding",
            file=file,
            row=misencoded[0]["row"],
        )
    if len(probe[header_index]) > limits.columns:
        raise SurveyFileError(
            f"the header has {len(probe[header_index]):,} columns (limit {limits.columns:,})",
            file=file,
            row=header_line,
        )
    header = _dedupe_headers(probe[header_index])
    rows = max(lines - header_line, 0)
    if rows * len(header) > limits.cells:
        raise SurveyFileError(
            f"{rows:,} rows of {len(header)} columns make {rows * len(header):,} cells "
            f"(limit {limits.cells:,})",
            file=file,
        )
    try:
        # Our own unique names: pandas' renaming of repeated headers is quadratic.
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            header=None,
            skiprows=header_line,
            names=header,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            encoding="utf-8",
        )
        # A first row wider than the header turns into an index: read line by line.
        ragged_first_row = not isinstance(frame.index, pd.RangeIndex)
    except pd.errors.ParserError:
        ragged_first_row = True
    except pd.errors.EmptyDataError as error:
        raise SurveyFileError("no header row and no data", file=file) from error
    if ragged_first_row:
        table = _read_delimited_slowly(data, delimiter, header, header_line, file, limits, deadline)
    else:
        del data
        source_rows = np.arange(len(frame), dtype=np.int64) + header_line + 1
        blank = (frame == "").all(axis=1).to_numpy()
        if blank.any():
            frame, source_rows = frame[~blank].reset_index(drop=True), source_rows[~blank]
        table = RawTable(frame.astype(object), source_rows, format="csv")
        table.ragged = []
    if misencoded:
        table.ragged = sorted(table.ragged + misencoded, key=lambda r: r["row"])
        table.warnings.append(
            _warning(
                f"{len(misencoded)} line(s) in another encoding than the file's "
                f"{'UTF-8' if encoding == 'utf-8' else 'GBK'} rejected: save the file in "
                "one encoding"
            )
        )
    table.warnings.append(_warning(f"read as {encoding} text, delimiter {delimiter!r}"))
    return table


def _read_delimited_slowly(data, delimiter, header, header_line, file, limits, deadline):
    """Rows of the wrong width: read line by line, keep them as rejects-to-be."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter)
    good, numbers, ragged = [], [], []
    cells = 0
    try:
        for number, row in enumerate(reader, start=1):
            if number <= header_line:
                continue
            if not number % 4096:
                deadline.check(f"line {number:,}")
            cells += len(row)
            if cells > limits.cells:
                raise SurveyFileError(
                    f"more than {limits.cells:,} cells by line {number:,} (limit {limits.cells:,})",
                    file=file,
                )
            if not any(cell.strip() for cell in row):
                continue
            if len(row) == len(header):
                good.append(row)
                numbers.append(number)
            else:
                ragged.append((number, row))
    except csv.Error as error:
        raise SurveyFileError(
            f"cannot be read as delimited text ({error})", file=file, row=reader.line_num
        ) from error
    frame = pd.DataFrame(good, columns=header, dtype=object)
    table = RawTable(frame, np.asarray(numbers, dtype=np.int64), format="csv")
    table.ragged = [
        {
            "row": number,
            "raw": delimiter.join(row),
            "message": f"has {len(row)} fields, the header has {len(header)}",
        }
        for number, row in ragged
    ]
    return table


def _worksheet(workbook, sheet, file):
    names = workbook.sheetnames
    if sheet is None:
        return workbook[names[0]]
    if sheet in names:
        return workbook[sheet]
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(names):
        return workbook[names[int(sheet) - 1]]
    raise SurveyFileError(f"no sheet {sheet!r}; sheets are: {', '.join(names)}", file=file)


def _sheet_rows(worksheet, file, limits, deadline):
    """The worksheet's rows as tuples, refused past the row and cell bounds."""
    cells = 0
    # Read what is there: a declared size (A1:XFD1048576) would pad every row.
    worksheet.reset_dimensions()
    for rows, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells += len(row)
        if rows > limits.xlsx_rows:
            raise SurveyFileError(
                f"sheet {worksheet.title!r} has more than {limits.xlsx_rows:,} rows "
                f"(limit {limits.xlsx_rows:,})",
                file=file,
            )
        if cells > limits.xlsx_cells:
            raise SurveyFileError(
                f"sheet {worksheet.title!r} reads as more than {limits.xlsx_cells:,} cells "
                f"by row {rows:,} (limit {limits.xlsx_cells:,})",
                file=file,
            )
        if not rows % 1024:
            deadline.check(f"row {rows:,}")
        yield row


def _blank(cells):
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_xlsx(path, file, sheet=None, limits=LIMITS):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    deadline = Deadline(file, limits.read_seconds)
    # Bounds on members and on every workbook part before openpyxl inflates any.
    with open_zip(path, file, limits) as archive:
        check_xlsx_parts(archive, file, limits)
    try:
        # A file object, so that a workbook under another name still opens.
        workbook = openpyxl.load_workbook(
            io.BytesIO(_read_bytes(path)), read_only=True, data_only=True
        )
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise SurveyFileError(f"not a readable Excel workbook ({error})", file=file) from error
    except Exception as error:  # openpyxl raises many kinds on damaged parts
        raise SurveyFileError(
            f"not a readable Excel workbook ({type(error).__name__}: {error})", file=file
        ) from error
    try:
        worksheet = _worksheet(workbook, sheet, file)
        try:
            rows = _sheet_rows(worksheet, file, limits, deadline)
            head = [list(r) for _, r in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
            header_index = find_header_row(head)
            if header_index is None:
                raise SurveyFileError(f"sheet {worksheet.title!r} is empty", file=file)
            titles = head[header_index]
            while titles and _blank(titles[-1:]):
                titles.pop()
            if len(titles) > limits.columns:
                raise SurveyFileError(
                    f"the header has {len(titles):,} columns (limit {limits.columns:,})",
                    file=file,
                    row=header_index + 1,
                )
            header = _dedupe_headers(titles)
            width = len(header)
            body, numbers = [], []

            def keep(number, row):
                cells = (list(row[:width]) + [None] * width)[:width]
                if not _blank(cells):
                    body.append(cells)
                    numbers.append(number)

            for number, row in enumerate(head[header_index + 1 :], start=header_index + 2):
                keep(number, row)
            for number, row in enumerate(rows, start=len(head) + 1):
                keep(number, row)
        except SurveyFileError:
            raise
        except Exception as error:
            raise SurveyFileError(
                f"sheet {worksheet.title!r} cannot be read ({error})", file=file
            ) from error
    finally:
        workbook.close()
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return RawTable(frame, np.asarray(numbers, dtype=np.int64), format="xlsx")


# -- XML formats -------------------------------------------------------------------
def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element, name):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(element, name):
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text else None


class _Columns:
    """Keeps the distinct attribute names of an XML file within the column bound."""

    def __init__(self, file, limits, base=()):
        self.file, self.limits, self.seen = file, limits, set(base)

    def add(self, values):
        for key in values:
            if key not in self.seen:
                self.seen.add(key)
                if len(self.seen) > self.limits.columns:
                    raise SurveyFileError(
                        f"attributes have more than {self.limits.columns:,} distinct names "
                        f"(limit {self.limits.columns:,})",
                        file=self.file,
                    )
        return values

    def frame(self, records):
        cells = len(records) * len(self.seen)
        if cells > self.limits.cells:
            raise SurveyFileError(
                f"{len(records):,} features with {len(self.seen)} attributes make "
                f"{cells:,} cells (limit {self.limits.cells:,})",
                file=self.file,
            )
        return pd.DataFrame(records, dtype=object)


def read_gpx(path, file, limits=LIMITS):
    deadline = Deadline(file, limits.read_seconds)
    check_file_size(path, file, limits.xml_bytes, "the GPX document")
    root = parse_xml(_read_bytes(path), file, limits, deadline)
    if _local(root.tag) != "gpx":
        raise SurveyFileError(f"root element is <{_local(root.tag)}>, not <gpx>", file=file)
    records, geometries = [], []
    columns = _Columns(file, limits)

    def point(element):
        try:
            return float(element.get("lon")), float(element.get("lat"))
        except (TypeError, ValueError):
            return None

    def fields(element):
        values = {}
        for name in ("name", "desc", "cmt", "type", "time", "src", "sym"):
            # GPX <type> is the point's category, not a patrol type.
            values["category" if name == "type" else name] = _child_text(element, name)
        extensions = _child(element, "extensions")
        if extensions is not None:
            for child in extensions.iter():
                if child is not extensions and child.text and child.text.strip():
                    values[_local(child.tag)] = child.text.strip()
        return values

    for number, element in enumerate(root, start=1):
        if not number % 1024:
            deadline.check(f"element {number:,} of the GPX")
        kind = _local(element.tag)
        if kind == "wpt":
            values = fields(element)
            values["gpx_kind"] = "waypoint"
            xy = point(element)
            records.append(columns.add(values))
            geometries.append(shapely.Point(xy) if xy else None)
        elif kind in ("trk", "rte"):
            values = fields(element)
            values["gpx_kind"] = "track" if kind == "trk" else "route"
            segments, times = [], []
            containers = (
                [s for s in element if _local(s.tag) == "trkseg"] if kind == "trk" else [element]
            )
            point_tag = "trkpt" if kind == "trk" else "rtept"
            for container in containers:
                coords = []
                for pt in container:
                    if _local(pt.tag) != point_tag:
                        continue
                    xy = point(pt)
                    if xy is None:
                        continue
                    coords.append(xy)
                    times.append(_child_text(pt, "time"))
                if coords:
                    segments.append(coords)
            known_times = [t for t in times if t]
            if not values.get("time") and known_times:
                values["time"] = known_times[0]
            if known_times:
                values["track_point_times"] = "|".join(t or "" for t in times)
                values["ended_at"] = known_times[-1]
            records.append(columns.add(values))
            geometries.append(_lines(segments))
    if not records:
        raise SurveyFileError("GPX holds no waypoints, tracks or routes", file=file)
    frame = columns.frame(records)
    return RawTable(
        frame,
        np.arange(1, len(records) + 1),
        np.asarray(geometries, dtype=object),
        crs="EPSG:4326",
        format="gpx",
    )


def _lines(segments):
    parts = [s for s in segments if len(s) >= 2]
    if not parts:
        singles = [s[0] for s in segments if len(s) == 1]
        return shapely.Point(singles[0]) if singles else None
    return shapely.LineString(parts[0]) if len(parts) == 1 else shapely.MultiLineString(parts)


_COORDINATE_SPLIT = re.compile(r"\s+")


def _kml_coordinates(element):
    text = _child_text(element, "coordinates")
    if not text:
        raise ValueError("no coordinates")
    coords = []
    for token in _COORDINATE_SPLIT.split(text.strip()):
        if not token:
            continue
        parts = token.split(",")
        coords.append(tuple(float(v) for v in parts[:3]))
    return coords


def _kml_simple_geometry(element):
    kind = _local(element.tag)
    if kind == "Point":
        return shapely.Point(_kml_coordinates(element)[0])
    if kind == "LineString":
        return shapely.LineString(_kml_coordinates(element))
    if kind == "LinearRing":
        return shapely.Polygon(_kml_coordinates(element))
    if kind == "Polygon":
        outer = _child(element, "outerBoundaryIs")
        ring = _child(outer, "LinearRing") if outer is not None else None
        if ring is None:
            raise ValueError("polygon without an outer boundary")
        holes = []
        for inner in element:
            if _local(inner.tag) == "innerBoundaryIs":
                inner_ring = _child(inner, "LinearRing")
                if inner_ring is not None:
                    holes.append(_kml_coordinates(inner_ring))
        return shapely.Polygon(_kml_coordinates(ring), holes)
    return None


class _TooDeep(Exception):
    """A MultiGeometry nested past the bound (the file is refused, not the row)."""


def _kml_geometry(element, limits):
    """The geometry of a KML geometry element; nested MultiGeometry is walked with
    an explicit stack (no recursion) and its parts flattened into one collection."""
    if _local(element.tag) != "MultiGeometry":
        return _kml_simple_geometry(element)
    parts = []
    stack = [iter(element)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif _local(child.tag) == "MultiGeometry":
            if len(stack) + 1 > limits.kml_geometry_depth:
                raise _TooDeep(len(stack) + 1)
            stack.append(iter(child))
        elif _local(child.tag) in _KML_GEOMETRIES:
            part = _kml_simple_geometry(child)
            if part is not None:
                parts.append(part)
    types = {p.geom_type for p in parts}
    if types == {"Polygon"}:
        return shapely.MultiPolygon(parts)
    if types == {"LineString"}:
        return shapely.MultiLineString(parts)
    if types == {"Point"}:
        return shapely.MultiPoint(parts)
    return shapely.GeometryCollection(parts)


_KML_GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry"}


def _kml_placemark(placemark, folders, limits):
    values = {
        "name": _child_text(placemark, "name"),
        "description": _child_text(placemark, "description"),
        "folder": "/".join(folders) or None,
    }
    stamp = _child(placemark, "TimeStamp")
    span = _child(placemark, "TimeSpan")
    if stamp is not None:
        values["time"] = _child_text(stamp, "when")
    elif span is not None:
        values["time"] = _child_text(span, "begin")
        values["ended_at"] = _child_text(span, "end")
    extended = _child(placemark, "ExtendedData")
    if extended is not None:
        for data in extended.iter():
            tag = _local(data.tag)
            if tag == "Data" and data.get("name"):
                values[data.get("name")] = _child_text(data, "value")
            elif tag == "SimpleData" and data.get("name"):
                values[data.get("name")] = data.text.strip() if data.text else None
    geometry, problem = None, None
    for candidate in placemark:
        if _local(candidate.tag) in _KML_GEOMETRIES:
            try:
                geometry = _kml_geometry(candidate, limits)
            except (ValueError, IndexError, TypeError, shapely.errors.GEOSException) as error:
                problem = f"unreadable {_local(candidate.tag)} coordinates ({error})"
            break
    return values, geometry, problem


def _kml_rows(root, file, limits, deadline):
    """Placemarks in document order, walked with an explicit stack of folders."""
    rows, geometries, problems = [], [], []
    columns = _Columns(file, limits)
    stack = [(iter(root), ())]  # (children still to visit, folder names above them)
    while stack:
        child = next(stack[-1][0], None)
        if child is None:
            stack.pop()
            continue
        folders = stack[-1][1]
        kind = _local(child.tag)
        if kind in ("Folder", "Document"):
            if len(stack) > limits.kml_folder_depth:
                raise SurveyFileError(
                    f"KML folders nested {len(stack)} deep (limit {limits.kml_folder_depth})",
                    file=file,
                )
            name = _child_text(child, "name")
            stack.append((iter(child), (*folders, name) if kind == "Folder" and name else folders))
        elif kind == "Placemark":
            if not (len(rows) + 1) % 1024:
                deadline.check(f"placemark {len(rows) + 1:,}")
            try:
                values, geometry, problem = _kml_placemark(child, folders, limits)
            except _TooDeep as error:
                raise SurveyFileError(
                    f"placemark {len(rows) + 1} nests MultiGeometry {error.args[0]} deep "
                    f"(limit {limits.kml_geometry_depth})",
                    file=file,
                    row=len(rows) + 1,
                ) from None
            rows.append(columns.add(values))
            geometries.append(geometry)
            problems.append(problem)
    return columns.frame(rows) if rows else None, geometries, problems


def read_kml_bytes(data, file, format_name="kml", limits=LIMITS):
    deadline = Deadline(file, limits.read_seconds)
    root = parse_xml(data, file, limits, deadline)
    if _local(root.tag) != "kml":
        raise SurveyFileError(f"root element is <{_local(root.tag)}>, not <kml>", file=file)
    frame, geometries, problems = _kml_rows(root, file, limits, deadline)
    if frame is None:
        raise SurveyFileError("KML holds no placemarks", file=file)
    table = RawTable(
        frame,
        np.arange(1, len(frame) + 1),
        np.asarray(geometries, dtype=object),
        crs="EPSG:4326",
        format=format_name,
    )
    table.geometry_problems = problems
    return table


def read_kmz(path, file, limits=LIMITS):
    with open_zip(path, file, limits) as archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".kml")]
        members.sort(key=lambda m: (os.path.basename(m.filename).lower() != "doc.kml", m.filename))
        data = read_member(
            archive, members[0], file, limits.xml_bytes, "the limit for a KML document"
        )
    return read_kml_bytes(data, file, "kmz", limits)


# -- GDAL formats -------------------------------------------------------------------
_LABELS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shapefile": "Shapefile"}
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)


def _read_with_gdal(path, file, format_name, layer=None, encoding=None, limits=LIMITS):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(path, layer=layer, encoding=encoding)
            columns = len(info["fields"]) + (info["geometry_type"] is not None)
            if len(info["fields"]) > limits.columns:
                raise SurveyFileError(
                    f"{len(info['fields']):,} attribute fields (limit {limits.columns:,})",
                    file=file,
                )
            most = limits.cells // max(columns, 1)
            frame = pyogrio.read_dataframe(
                path,
                layer=layer,
                encoding=encoding,
                datetime_as_string=True,
                max_features=most + 1,
                read_geometry=info["geometry_type"] is not None,
            )
    except _GDAL_ERRORS as error:
        raise SurveyFileError(
            f"cannot be read as {_LABELS[format_name]}: {error}", file=file
        ) from error
    if len(frame) > most:
        raise SurveyFileError(
            f"more than {most:,} features of {columns} columns make more than "
            f"{limits.cells:,} cells (limit {limits.cells:,})",
            file=file,
        )
    if info["geometry_type"] is None:
        # An attributes-only table (a GeoPackage table without geometry, say): rows are
        # placed by their coordinate or WKT columns, like a CSV's.
        table = RawTable(
            pd.DataFrame(frame).astype(object),
            np.arange(1, len(frame) + 1),
            format=format_name,
        )
        table.warnings.append(
            _warning(
                f"layer {info.get('layer_name') or layer or ''!r} has no geometry; "
                "read as a table (rows placed by their coordinate columns)"
            )
        )
        return table
    geometry = np.asarray(frame.geometry.values, dtype=object)
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(object)
    return RawTable(
        attributes, np.arange(1, len(frame) + 1), geometry, crs=frame.crs, format=format_name
    )


def _dbf_encoding(shp_path, file, limits=LIMITS):
    """The DBF's encoding when no .cpg names it: UTF-8 if it decodes, else GBK;
    refused when some records are UTF-8 and others GBK (never read as mojibake)."""
    base = os.path.splitext(shp_path)[0]
    for suffix in (".cpg", ".CPG"):
        if os.path.exists(base + suffix):
            return None  # GDAL reads the .cpg itself
    dbf = next((base + s for s in (".dbf", ".DBF") if os.path.exists(base + s)), None)
    if dbf is None:
        return None
    check_file_size(dbf, file, limits.file_bytes, "the attribute table (.dbf)")
    with open(dbf, "rb") as handle:
        data = handle.read()
    language_driver = data[29] if len(data) > 29 else 0
    if language_driver in (0x4D, 0x7A):  # code page 936 (GBK)
        return "GBK"
    try:
        data[32:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    _refuse_mixed_records(data, file, limits)
    return "GB18030"


def _refuse_mixed_records(data, file, limits):
    if len(data) < 12:
        return
    header_length, record_length = struct.unpack_from("<HH", data, 8)
    if record_length < 2 or (len(data) - header_length) // record_length > limits.cells:
        return
    in_utf8 = in_gbk = None
    for number, at in enumerate(range(header_length, len(data), record_length), start=1):
        record = data[at : at + record_length]
        if record.isascii():
            continue
        try:
            record.decode("utf-8")
            in_utf8 = in_utf8 or number
        except UnicodeDecodeError:
            in_gbk = in_gbk or number
        if in_utf8 and in_gbk:
            raise SurveyFileError(
                f"the attribute table (.dbf) mixes encodings: record {in_utf8} is UTF-8, "
                f"record {in_gbk} is not; save it in one encoding (with a .cpg naming it)",
                file=file,
            )


def read_shapezip(path, file, limits=LIMITS):
    with tempfile.TemporaryDirectory(prefix="hailin-shp-") as folder:
        extract_zip(path, folder, file, limits)
        shapefiles = sorted(
            os.path.join(dirpath, name)
            for dirpath, _dirs, names in os.walk(folder)
            for name in names
            if name.lower().endswith(".shp")
        )
        shp = shapefiles[0]
        base = os.path.splitext(shp)[0]
        missing = [
            s for s in (".shx", ".dbf") if not any(os.path.exists(base + v) for v in (s, s.upper()))
        ]
        if missing:
            raise SurveyFileError(
                f"the Shapefile in the archive lacks {', '.join(missing)}", file=file
            )
        table = _read_with_gdal(
            shp, file, "shapefile", encoding=_dbf_encoding(shp, file, limits), limits=limits
        )
        if len(shapefiles) > 1:
            table.warnings.append(
                _warning(
                    f"archive holds {len(shapefiles)} Shapefiles; read {os.path.basename(shp)} only"
                )
            )
        if table.crs is None:
            table.warnings.append(_warning("no .prj in the archive; CRS taken from --crs or WGS84"))
        return table


def read_gpkg(path, file, layer=None, limits=LIMITS):
    try:
        # GDAL warns about a file that is SQLite but no GeoPackage; the refusal says it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as error:
        raise SurveyFileError(f"cannot be read as GeoPackage: {error}", file=file) from error
    if len(layers) == 0:
        raise SurveyFileError("GeoPackage holds no layers", file=file)
    names = [str(n) for n in layers[:, 0]]
    if layer is not None and layer not in names:
        raise SurveyFileError(f"no layer {layer!r}; layers are: {', '.join(names)}", file=file)
    # A patrol team means its points or plots: the first layer with geometry, else
    # the first table.
    spatial = [str(n) for n, kind in layers if kind is not None]
    chosen = layer or (spatial or names)[0]
    table = _read_with_gdal(path, file, "gpkg", layer=chosen, limits=limits)
    if layer is None and len(names) > 1:
        table.warnings.append(_warning(f"GeoPackage has {len(names)} layers; read {chosen!r}"))
    return table


# -- entry points ---------------------------------------------------------------------
def _read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def read_raw(path, /, *, sheet=None, layer=None, name=None, limits=None):
    """Read any supported file into a :class:`RawTable` (format judged by content).

    Every reader holds to ``limits`` (default :data:`surveys.limits.LIMITS`) and
    refuses a file past any of them with a :class:`SurveyFileError`.

    Examples
    --------
    >>> import pathlib
    >>> path = pathlib.Path(__file__).parent.parent / "tests/data/formats/patrol_en.csv"
    >>> table = read_raw(path)
    >>> table.format, len(table.frame), table.source_rows.tolist()
    ('csv', 4, [2, 3, 4, 5])
    """
    limits = limits or LIMITS
    file = name or os.path.basename(path)
    if not os.path.exists(path):
        raise SurveyFileError("no such file", file=file)
    if os.path.isdir(path):
        raise SurveyFileError("is a folder, not a file", file=file)
    check_file_size(path, file, limits.file_bytes)
    kind = sniff_format(path, file, limits)
    readers = {
        "csv": lambda: read_delimited(path, file, limits),
        "xlsx": lambda: read_xlsx(path, file, sheet, limits),
        "gpx": lambda: read_gpx(path, file, limits),
        "kml": lambda: read_kml_bytes(_kml_bytes(path, file, limits), file, "kml", limits),
        "kmz": lambda: read_kmz(path, file, limits),
        "shapezip": lambda: read_shapezip(path, file, limits),
        "shapefile": lambda: _read_with_gdal(
            path, file, "shapefile", encoding=_dbf_encoding(path, file, limits), limits=limits
        ),
        "gpkg": lambda: read_gpkg(path, file, layer, limits),
        "geojson": lambda: _read_with_gdal(path, file, "geojson", limits=limits),
    }
    table = readers[kind]()
    suffix = os.path.splitext(file)[1].lower()
    if suffix not in _EXPECTED_SUFFIX[kind]:
        table.warnings.append(
            _warning(
                f"the name ends in {suffix or '(nothing)'!r} but the content is "
                f"{kind.upper()}; read as {kind.upper()}"
            )
        )
    return table


def _kml_bytes(path, file, limits):
    check_file_size(path, file, limits.xml_bytes, "the KML document")
    return _read_bytes(path)


def read_vector(path, /, *, layer=None):
    """A spatial file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, GPX) as a
    GeoDataFrame in the file's own CRS (EPSG:4326 when it declares none)."""
    import geopandas

    file = os.path.basename(path)
    table = read_raw(path, layer=layer)
    if table.geometry is None:
        raise SurveyFileError(
            "has no geometry (a table; expected a spatial vector file)", file=file
        )
    return geopandas.GeoDataFrame(
        table.frame.reset_index(drop=True),
        geometry=list(table.geometry),
        crs=table.crs if table.crs is not None else "EPSG:4326",
    )
