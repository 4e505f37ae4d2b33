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
import tempfile
import warnings
import zipfile

import numpy as np
import pandas as pd
import pyogrio
import shapely

from surveys.errors import SurveyFileError
from surveys.safety import extract_zip, open_zip, parse_xml, read_member
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
def sniff_format(path, file):
    """The format of ``path`` judged by its bytes (extensions lie)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        raise SurveyFileError("the file is empty", file=file)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if not zipfile.is_zipfile(path):
            raise SurveyFileError("not a readable ZIP archive (truncated or corrupt?)", file=file)
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n.lower() for n in archive.namelist()]
        except (zipfile.BadZipFile, OSError) as error:
            raise SurveyFileError(f"not a readable ZIP archive ({error})", file=file) from error
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


# -- text tables -----------------------------------------------------------------
def decode_text(data, file):
    """(text, encoding): UTF-8 (with or without BOM), else GB18030 (covers GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SurveyFileError(
            "text is neither UTF-8 nor GBK/GB18030 (undecodable bytes)", file=file, row=line
        ) from error


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
    seen = {}
    out = []
    for position, header in enumerate(headers):
        name = (
            str(header).strip()
            if header is not None and str(header).strip()
            else f"column_{position + 1}"
        )
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def read_delimited(path, file):
    with open(path, "rb") as handle:
        data = handle.read()
    text, encoding = decode_text(data, file)
    head_lines = text[:65536].splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = _sniff_delimiter(head_lines[:5])
    probe = list(csv.reader(head_lines, delimiter=delimiter))
    header_index = find_header_row(probe)
    if header_index is None:
        raise SurveyFileError("no header row and no data", file=file)
    header_line = header_index + 1  # 1-based line of the header
    # pandas decodes bytes in C, much faster than reading back a Python str.
    source = io.BytesIO(data) if encoding.startswith("utf-8") else io.StringIO(text)
    del text
    try:
        frame = pd.read_csv(
            source,
            sep=delimiter,
            header=header_index,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            encoding=encoding if encoding.startswith("utf-8") else None,
        )
    except pd.errors.ParserError:
        text, _ = decode_text(data, file)
        return _read_delimited_slowly(text, delimiter, header_index, file, encoding)
    except pd.errors.EmptyDataError as error:
        raise SurveyFileError("no header row and no data", file=file) from error
    del data
    frame.columns = _dedupe_headers(frame.columns)
    source_rows = np.arange(len(frame), dtype=np.int64) + header_line + 1
    blank = (frame == "").all(axis=1).to_numpy()
    if blank.any():
        frame, source_rows = frame[~blank].reset_index(drop=True), source_rows[~blank]
    table = RawTable(frame.astype(object), source_rows, format="csv")
    table.warnings.append(
        {
            "row": None,
            "column": None,
            "message": f"read as {encoding} text, delimiter {delimiter!r}",
        }
    )
    return table


def _read_delimited_slowly(text, delimiter, header_index, file, encoding):
    """Rows of the wrong width: read line by line, keep them as rejects-to-be."""
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = _dedupe_headers(rows[header_index])
    good, numbers, ragged = [], [], []
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) == len(header):
            good.append(row)
            numbers.append(number)
        else:
            ragged.append((number, row))
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
    table.warnings.append(
        {
            "row": None,
            "column": None,
            "message": f"read as {encoding} text, delimiter {delimiter!r}",
        }
    )
    return table


def read_xlsx(path, file, sheet=None):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    open_zip(path, file).close()  # member count and size checks before openpyxl inflates
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
        names = workbook.sheetnames
        if sheet is None:
            worksheet = workbook[names[0]]
        elif sheet in names:
            worksheet = workbook[sheet]
        elif str(sheet).isdigit() and 1 <= int(sheet) <= len(names):
            worksheet = workbook[names[int(sheet) - 1]]
        else:
            raise SurveyFileError(f"no sheet {sheet!r}; sheets are: {', '.join(names)}", file=file)
        try:
            rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
        except Exception as error:
            raise SurveyFileError(
                f"sheet {worksheet.title!r} cannot be read ({error})", file=file
            ) from error
    finally:
        workbook.close()
    header_index = find_header_row(rows)
    if header_index is None:
        raise SurveyFileError(f"sheet {worksheet.title!r} is empty", file=file)
    header = _dedupe_headers(rows[header_index])
    width = len(header)
    body, numbers = [], []
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = (row + [None] * width)[:width]
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        body.append(cells)
        numbers.append(number)
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


def read_gpx(path, file):
    with open(path, "rb") as handle:
        root = parse_xml(handle.read(), file)
    if _local(root.tag) != "gpx":
        raise SurveyFileError(f"root element is <{_local(root.tag)}>, not <gpx>", file=file)
    records, geometries = [], []

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

    for element in root:
        kind = _local(element.tag)
        if kind == "wpt":
            values = fields(element)
            values["gpx_kind"] = "waypoint"
            xy = point(element)
            records.append(values)
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
            records.append(values)
            geometries.append(_lines(segments))
    if not records:
        raise SurveyFileError("GPX holds no waypoints, tracks or routes", file=file)
    frame = pd.DataFrame(records, dtype=object)
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


def _kml_geometry(element):
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
    if kind == "MultiGeometry":
        parts = [_kml_geometry(c) for c in element if _local(c.tag) in _KML_GEOMETRIES]
        parts = [p for p in parts if p is not None]
        types = {p.geom_type for p in parts}
        if types == {"Polygon"}:
            return shapely.MultiPolygon(parts)
        if types == {"LineString"}:
            return shapely.MultiLineString(parts)
        if types == {"Point"}:
            return shapely.MultiPoint(parts)
        return shapely.GeometryCollection(parts)
    return None


_KML_GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry"}


def _kml_rows(root):
    rows, geometries, problems = [], [], []

    def walk(element, folders):
        for child in element:
            kind = _local(child.tag)
            if kind in ("Folder", "Document"):
                name = _child_text(child, "name")
                walk(child, [*folders, name] if (kind == "Folder" and name) else folders)
            elif kind == "Placemark":
                values = {
                    "name": _child_text(child, "name"),
                    "description": _child_text(child, "description"),
                    "folder": "/".join(folders) or None,
                }
                stamp = _child(child, "TimeStamp")
                span = _child(child, "TimeSpan")
                if stamp is not None:
                    values["time"] = _child_text(stamp, "when")
                elif span is not None:
                    values["time"] = _child_text(span, "begin")
                    values["ended_at"] = _child_text(span, "end")
                extended = _child(child, "ExtendedData")
                if extended is not None:
                    for data in extended.iter():
                        tag = _local(data.tag)
                        if tag == "Data" and data.get("name"):
                            values[data.get("name")] = _child_text(data, "value")
                        elif tag == "SimpleData" and data.get("name"):
                            values[data.get("name")] = data.text.strip() if data.text else None
                geometry, problem = None, None
                for candidate in child:
                    if _local(candidate.tag) in _KML_GEOMETRIES:
                        try:
                            geometry = _kml_geometry(candidate)
                        except (
                            ValueError,
                            IndexError,
                            TypeError,
                            shapely.errors.GEOSException,
                        ) as error:
                            problem = f"unreadable {_local(candidate.tag)} coordinates ({error})"
                        break
                rows.append(values)
                geometries.append(geometry)
                problems.append(problem)

    walk(root, [])
    return rows, geometries, problems


def read_kml_bytes(data, file, format_name="kml"):
    root = parse_xml(data, file)
    if _local(root.tag) != "kml":
        raise SurveyFileError(f"root element is <{_local(root.tag)}>, not <kml>", file=file)
    rows, geometries, problems = _kml_rows(root)
    if not rows:
        raise SurveyFileError("KML holds no placemarks", file=file)
    frame = pd.DataFrame(rows, dtype=object)
    table = RawTable(
        frame,
        np.arange(1, len(rows) + 1),
        np.asarray(geometries, dtype=object),
        crs="EPSG:4326",
        format=format_name,
    )
    table.geometry_problems = problems
    return table


def read_kmz(path, file):
    archive = open_zip(path, file)
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".kml")]
        members.sort(key=lambda m: (os.path.basename(m.filename).lower() != "doc.kml", m.filename))
        data = read_member(archive, members[0], file)
    return read_kml_bytes(data, file, "kmz")


# -- GDAL formats -------------------------------------------------------------------
_LABELS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shapefile": "Shapefile"}


def _read_with_gdal(path, file, format_name, layer=None, encoding=None):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(
                path, layer=layer, encoding=encoding, datetime_as_string=True
            )
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
    ) as error:
        raise SurveyFileError(
            f"cannot be read as {_LABELS[format_name]}: {error}", file=file
        ) from error
    geometry = np.asarray(frame.geometry.values, dtype=object)
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(object)
    return RawTable(
        attributes, np.arange(1, len(frame) + 1), geometry, crs=frame.crs, format=format_name
    )


def _dbf_encoding(shp_path):
    """The DBF's encoding when no .cpg names it: UTF-8 if it decodes, else GBK."""
    base = os.path.splitext(shp_path)[0]
    for suffix in (".cpg", ".CPG"):
        if os.path.exists(base + suffix):
            return None  # GDAL reads the .cpg itself
    dbf = next((base + s for s in (".dbf", ".DBF") if os.path.exists(base + s)), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as handle:
        data = handle.read()
    language_driver = data[29] if len(data) > 29 else 0
    if language_driver in (0x4D, 0x7A):  # code page 936 (GBK)
        return "GBK"
    try:
        data[32:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "GB18030"


def read_shapezip(path, file):
    with tempfile.TemporaryDirectory(prefix="hailin-shp-") as folder:
        extract_zip(path, folder, file)
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
        table = _read_with_gdal(shp, file, "shapefile", encoding=_dbf_encoding(shp))
        if len(shapefiles) > 1:
            table.warnings.append(
                {
                    "row": None,
                    "column": None,
                    "message": f"archive holds {len(shapefiles)} Shapefiles; read "
                    f"{os.path.basename(shp)} only",
                }
            )
        if table.crs is None:
            table.warnings.append(
                {
                    "row": None,
                    "column": None,
                    "message": "no .prj in the archive; CRS taken from --crs or WGS84",
                }
            )
        return table


def read_gpkg(path, file, layer=None):
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as error:
        raise SurveyFileError(f"cannot be read as GeoPackage: {error}", file=file) from error
    if len(layers) == 0:
        raise SurveyFileError("GeoPackage holds no layers", file=file)
    names = [str(n) for n in layers[:, 0]]
    if layer is not None and layer not in names:
        raise SurveyFileError(f"no layer {layer!r}; layers are: {', '.join(names)}", file=file)
    table = _read_with_gdal(path, file, "gpkg", layer=layer or names[0])
    if layer is None and len(names) > 1:
        table.warnings.append(
            {
                "row": None,
                "column": None,
                "message": f"GeoPackage has {len(names)} layers; read {names[0]!r}",
            }
        )
    return table


# -- entry points ---------------------------------------------------------------------
def _read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def read_raw(path, /, *, sheet=None, layer=None, name=None):
    """Read any supported file into a :class:`RawTable` (format judged by content)."""
    file = name or os.path.basename(path)
    if not os.path.exists(path):
        raise SurveyFileError("no such file", file=file)
    if os.path.isdir(path):
        raise SurveyFileError("is a folder, not a file", file=file)
    kind = sniff_format(path, file)
    readers = {
        "csv": lambda: read_delimited(path, file),
        "xlsx": lambda: read_xlsx(path, file, sheet),
        "gpx": lambda: read_gpx(path, file),
        "kml": lambda: read_kml_bytes(_read_bytes(path), file),
        "kmz": lambda: read_kmz(path, file),
        "shapezip": lambda: read_shapezip(path, file),
        "shapefile": lambda: _read_with_gdal(path, file, "shapefile", encoding=_dbf_encoding(path)),
        "gpkg": lambda: read_gpkg(path, file, layer),
        "geojson": lambda: _read_with_gdal(path, file, "geojson"),
    }
    table = readers[kind]()
    suffix = os.path.splitext(file)[1].lower()
    if suffix not in _EXPECTED_SUFFIX[kind]:
        table.warnings.append(
            {
                "row": None,
                "column": None,
                "message": f"the name ends in {suffix or '(nothing)'!r} but the content is "
                f"{kind.upper()}; read as {kind.upper()}",
            }
        )
    return table


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
