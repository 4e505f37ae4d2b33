"""Reading any supported file: its format judged by its bytes (extensions lie),
then the reader for that format. The readers and the store are the only code
that opens patrol and boundary files.

Every reader returns a :class:`hailin.surveys.io.raw.RawTable`; turning that into
survey records is :mod:`hailin.surveys.check`'s job.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hailin.surveys.check.invariants import without_control_characters
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import check_file_size
from hailin.surveys.io.gdal import read_gpkg, read_shapefile, read_shapezip, read_with_gdal
from hailin.surveys.io.gpx import read_gpx
from hailin.surveys.io.kml import read_kml, read_kmz
from hailin.surveys.io.raw import RawTable, note
from hailin.surveys.io.text import UTF16_BOMS, read_delimited
from hailin.surveys.io.xlsx import read_xlsx
from hailin.surveys.io.zips import main_members, open_zip
from hailin.surveys.limits import LIMITS, Limits

if TYPE_CHECKING:
    import geopandas


def sniff_format(path, file, limits=LIMITS):
    """The format of ``path`` judged by its bytes (extensions lie)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head:
        raise SurveyFileError("the file is empty", file=file)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        with open_zip(path, file, limits) as archive:
            names = [n.lower() for n in main_members(archive.namelist())]
        if "xl/workbook.xml" in names:
            return "xlsx"
        # A Shapefile with a stray readme.kml beside it is a Shapefile.
        if any(n.endswith(".shp") for n in names):
            return "shapezip"
        if any(n.endswith(".kml") for n in names):
            return "kmz"
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
    if head.startswith(UTF16_BOMS):
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


# The suffixes each format's files are expected to carry (others get a warning).
EXPECTED_SUFFIX = {
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


def read_raw(
    path: str | os.PathLike[str],
    /,
    *,
    sheet: str | None = None,
    layer: str | None = None,
    name: str | None = None,
    limits: Limits | None = None,
) -> RawTable:
    """Read any supported file into a :class:`RawTable` (format judged by content).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    sheet : str, optional
        The worksheet of a workbook (default: the first with rows).
    layer : str, optional
        The layer of a GeoPackage.
    name : str, optional
        The file's name for messages (default: the name in ``path``).
    limits : Limits, optional
        Bounds on sizes, rows and depths (default :data:`hailin.surveys.limits.LIMITS`).

    Returns
    -------
    RawTable
        The rows as text, with their source row numbers, geometry and CRS.

    Raises
    ------
    SurveyFileError
        For a missing, unreadable or unknown file, or one past a limit.

    Examples
    --------
    >>> import pathlib
    >>> path = pathlib.Path(__file__).parents[2] / "tests/data/formats/patrol_en.csv"
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
        "kml": lambda: read_kml(path, file, limits),
        "kmz": lambda: read_kmz(path, file, limits),
        "shapezip": lambda: read_shapezip(path, file, limits),
        "shapefile": lambda: read_shapefile(path, file, limits),
        "gpkg": lambda: read_gpkg(path, file, layer, limits),
        "geojson": lambda: read_with_gdal(path, file, "geojson", limits=limits),
    }
    table = readers[kind]()
    remove_control_characters(table)
    suffix = os.path.splitext(file)[1].lower()
    if suffix not in EXPECTED_SUFFIX[kind]:
        table.warnings.append(
            note(
                f"the name ends in {suffix or '(nothing)'!r} but the content is "
                f"{kind.upper()}; read as {kind.upper()}"
            )
        )
    return table


def remove_control_characters(table):
    """Control characters removed from every text cell, with a warning naming
    the column and first row: stored, they would break later exports."""
    table.frame, found = without_control_characters(table.frame)
    for item in found:
        row = int(table.source_rows[item["index"]]) if len(table.source_rows) else None
        table.warnings.append(
            note(
                f"control characters removed from {item['cells']:,} cell(s), the first in "
                f"row {row}",
                row=row,
                column=item["column"],
            )
        )


def read_vector(
    path: str | os.PathLike[str], /, *, layer: str | None = None
) -> geopandas.GeoDataFrame:
    """A spatial file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, GPX) as a GeoDataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    layer : str, optional
        The layer of a GeoPackage.

    Returns
    -------
    GeoDataFrame
        The features in the file's own CRS (EPSG:4326 when it declares none).

    Raises
    ------
    SurveyFileError
        For a file without geometry, or one :func:`read_raw` refuses.

    Examples
    --------
    >>> import pathlib
    >>> path = pathlib.Path(__file__).parents[2] / "tests/data/formats/patrol_fc.geojson"
    >>> frame = read_vector(path)
    >>> len(frame), frame.crs.to_epsg(), frame.geom_type.tolist()[:3]
    (4, 4326, ['Point', 'LineString', 'Polygon'])
    """
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
