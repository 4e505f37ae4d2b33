"""The bounds every reader holds an uploaded file to, in one place.

A file past any bound is refused whole with a message naming the bound and the
value found; the bounds are sized so that a refusal comes within seconds and
with modest memory, while the largest real patrol and plot files pass.
"""

import dataclasses
import time

from hailin.surveys.errors import SurveyFileError

_MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Limits:
    """Reader bounds (sizes in bytes, times in seconds).

    Attributes
    ----------
    file_bytes : int
        Size of any uploaded file, as stored on disk.
    text_bytes : int
        Size of a CSV/TXT table once decoded and re-encoded as UTF-8.
    line_bytes : int
        Longest line of a CSV/TXT table (UTF-8 bytes).
    quoted_lines : int
        Lines one quoted CSV/TXT field may span; more is an unbalanced quote
        mark swallowing the rows below it, and the file is refused.
    columns : int
        Columns of any table: CSV header, XLSX header row, attribute fields.
    cells : int
        Rows x columns of a CSV/TXT, GeoJSON, GeoPackage or Shapefile table.
    part_rows : int
        Rows of a UTF-8 CSV/TXT read and checked at a time: a longer one is
        imported in parts, in one transaction, holding one part in memory.
    part_file_bytes : int
        Size of a UTF-8 CSV/TXT imported in parts (other files: ``file_bytes``).
    part_cells : int
        Rows x columns of a UTF-8 CSV/TXT imported in parts.
    zip_members : int
        Members of a ZIP archive (KMZ, zipped Shapefile, XLSX).
    zip_directory_bytes : int
        Size of a ZIP archive's central directory (its list of members).
    zip_total_bytes : int
        Unpacked size of all members of a ZIP archive together.
    zip_ratio : int
        How many times a ZIP member may inflate over its packed size.
    xml_bytes : int
        Size of a KML or GPX document (the KML inside a KMZ included).
    xml_depth : int
        Element nesting depth of a KML or GPX document.
    xml_elements : int
        Elements in one KML or GPX document.
    kml_folder_depth : int
        Folder and Document levels nested in a KML document.
    kml_geometry_depth : int
        MultiGeometry levels nested in one KML placemark.
    xlsx_sheet_bytes : int
        Unpacked size of each worksheet part of an XLSX workbook.
    xlsx_cells : int
        Cells of one worksheet (as written in the part, and as read with padding).
    xlsx_shared_strings_bytes : int
        Unpacked size of an XLSX workbook's shared-strings part.
    xlsx_shared_strings : int
        Strings in an XLSX workbook's shared-strings part.
    xlsx_part_bytes : int
        Unpacked size of any other XLSX part (styles, workbook, theme, ...).
    xlsx_total_bytes : int
        Unpacked size of all parts of an XLSX workbook together.
    xlsx_workbook_cells : int
        Cells of all worksheets of a workbook together (openpyxl scans each on opening).
    xlsx_rows : int
        Rows of one worksheet (Excel's own maximum).
    read_seconds : float
        Processor time a reader may spend building the table of one file.
    attribute_bytes : int
        Any one attribute value of a KML, GPX, GeoJSON, GeoPackage or Shapefile
        feature (UTF-8 bytes), like a CSV line.
    geometry_coordinates : int
        Coordinates of one geometry (a track, a line, a polygon with its holes).
    file_coordinates : int
        Coordinates of all geometries of one file together.
    gpkg_layers : int
        Layers (tables and views) registered in a GeoPackage.
    statement_seconds : float
        Wall time for reading a GeoPackage view's rows (a view can run any query).
    settings_depth : int
        Arrays and inline tables nested in hailin.toml (tomllib recurses on each).
    raster_bytes : int
        Size of a raster file (`hailin raster`); rasters are read in windows,
        never whole, but those that are stored are copied into uploads/.

    Examples
    --------
    >>> from hailin.surveys.limits import LIMITS
    >>> LIMITS.columns, LIMITS.xml_depth
    (1000, 256)
    """

    # Any file, and text tables.
    file_bytes: int = 512 * _MIB
    text_bytes: int = 256 * _MIB
    line_bytes: int = 1 * _MIB
    quoted_lines: int = 20
    columns: int = 1000
    cells: int = 12_000_000
    # UTF-8 CSV/TXT read in parts: memory bounded by the part, time by the size.
    part_rows: int = 200_000
    part_file_bytes: int = 1024 * _MIB
    part_cells: int = 100_000_000
    # ZIP archives.
    zip_members: int = 1000
    zip_directory_bytes: int = 4 * _MIB
    zip_total_bytes: int = 512 * _MIB
    zip_ratio: int = 200
    # XML: KML and GPX.
    xml_bytes: int = 128 * _MIB
    xml_depth: int = 256
    xml_elements: int = 2_000_000
    kml_folder_depth: int = 64
    kml_geometry_depth: int = 16
    # XLSX workbooks.
    xlsx_sheet_bytes: int = 64 * _MIB
    xlsx_cells: int = 500_000
    xlsx_shared_strings_bytes: int = 64 * _MIB
    xlsx_shared_strings: int = 200_000
    xlsx_part_bytes: int = 4 * _MIB
    xlsx_total_bytes: int = 256 * _MIB
    xlsx_workbook_cells: int = 2_000_000
    xlsx_rows: int = 1_048_576
    # Time.
    read_seconds: float = 30.0
    # Feature sizes (KML, GPX and GDAL formats).
    attribute_bytes: int = 1 * _MIB
    geometry_coordinates: int = 200_000
    file_coordinates: int = 2_000_000
    gpkg_layers: int = 100
    statement_seconds: float = 10.0
    # Settings.
    settings_depth: int = 32
    # Rasters (read in windows; the pixel count is bounded by geo.raster.io.MAX_SIDE).
    raster_bytes: int = 8 * 1024 * _MIB


LIMITS = Limits()
"""The bounds the readers use unless given others."""


def toml_nesting(text: str) -> int:
    r"""The deepest nesting of arrays and inline tables in TOML ``text`` (brackets
    inside strings and comments not counted), found without parsing it.

    Examples
    --------
    >>> toml_nesting('a = [[1, 2], {b = "[["}]  # ]]]\n[table]\nc = 1')
    2
    """
    depth = deepest = 0
    quote, at, size = None, 0, len(text)
    while at < size:
        char = text[at]
        if quote is not None:
            if char == "\\" and quote[0] == '"':
                at += 1
            elif text.startswith(quote, at):
                at += len(quote) - 1
                quote = None
        elif char == "#":
            at = text.find("\n", at)
            at = size if at < 0 else at
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, at) else char
            at += len(quote) - 1
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
        at += 1
    return deepest


def size_text(size):
    """A byte count as people read it: '512 MiB', '1.5 KiB', '300 bytes'.

    Examples
    --------
    >>> size_text(512 * 1024 * 1024), size_text(1536), size_text(300)
    ('512 MiB', '1.5 KiB', '300 bytes')
    """
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def refuse_past(found: int, limit: int, message: str, file: str, *, unit: str = "") -> None:
    """Refuse the file when ``found`` passes ``limit``: '{message} (limit {limit}{unit})'.

    Examples
    --------
    >>> refuse_past(3, 2, "sheet 'a' holds 3 cells", "a.xlsx")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SurveyFileError: a.xlsx: sheet 'a' holds 3 cells (limit 2)
    """
    if found > limit:
        raise SurveyFileError(f"{message} (limit {limit:,}{unit})", file=file)


def over_limit(found, limit):
    """'67.3 MiB (limit 64 MiB)': a size past its bound, in exact bytes where the
    rounded figures would read the same.

    Examples
    --------
    >>> over_limit(70_000_000, 64 * 2**20), over_limit(2**20 + 99, 2**20)
    ('66.8 MiB (limit 64 MiB)', '1,048,675 bytes (limit 1,048,576 bytes)')
    """
    found_text, limit_text = size_text(found), size_text(limit)
    if found_text == limit_text:
        found_text, limit_text = f"{found:,} bytes", f"{limit:,} bytes"
    return f"{found_text} (limit {limit_text})"


class Coordinates:
    """Counts a file's coordinates as its geometries are read; refuses one
    geometry past ``limits.geometry_coordinates`` and the file past
    ``limits.file_coordinates``.

    Examples
    --------
    >>> counter = Coordinates("track.gpx", LIMITS)
    >>> counter.add(3, "track 1")
    >>> counter.add(300_000, "track 2")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SurveyFileError: track.gpx: track 2 has 300,000 coordinates (limit 200,000 per geometry)
    """

    def __init__(self, file, limits):
        self.file, self.limits, self.total = file, limits, 0

    def add(self, count, where):
        if count > self.limits.geometry_coordinates:
            raise SurveyFileError(
                f"{where} has {count:,} coordinates "
                f"(limit {self.limits.geometry_coordinates:,} per geometry)",
                file=self.file,
            )
        self.total += count
        if self.total > self.limits.file_coordinates:
            raise SurveyFileError(
                f"the geometries hold more than {self.limits.file_coordinates:,} coordinates "
                f"by {where} (limit {self.limits.file_coordinates:,} per file)",
                file=self.file,
            )


class Deadline:
    """The time bound of one reader: ``check`` refuses the file once it has passed.

    The time counted is the reading thread's processor time, so that one file
    gets the same answer on a busy machine as on an idle one.

    Examples
    --------
    >>> deadline = Deadline("patrol.csv", 30)
    >>> deadline.check("row 2")  # well within the bound: nothing happens
    """

    def __init__(self, file, seconds):
        self.file, self.seconds = file, seconds
        self.started = time.thread_time()

    def check(self, where):
        spent = time.thread_time() - self.started
        if spent > self.seconds:
            raise SurveyFileError(
                f"reading took {spent:.1f} s of processor time and had only reached "
                f"{where} (limit {self.seconds:g} s)",
                file=self.file,
            )
