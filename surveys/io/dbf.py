"""A Shapefile's attribute table (.dbf) made readable before GDAL reads it:
its encoding judged (a .cpg may lie), field names cut mid-character by the
10-byte limit repaired, and its record count checked against the geometries.
"""

import contextlib
import os
import shutil
import struct
import tempfile

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import check_file_size
from hailin.surveys.io.raw import note
from hailin.surveys.limits import LIMITS, Limits

_UTF8_NAMES = {"utf-8", "utf8", "65001", "unicode"}
_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj")


def sidecar(shp_path, suffix):
    """The Shapefile part with ``suffix`` beside ``shp_path`` (either case), or None."""
    base = os.path.splitext(shp_path)[0]
    return next((base + s for s in (suffix, suffix.upper()) if os.path.exists(base + s)), None)


def dbf_encoding(shp_path, file: str, limits: Limits = LIMITS) -> tuple[str | None, list]:
    """(the DBF's encoding, warnings): a .cpg's word, unless it says UTF-8 over
    records that are not (then GBK, with a warning); without a .cpg, UTF-8 if
    it decodes, else GBK; refused when some records are UTF-8 and others GBK
    (never read as mojibake). None leaves the .cpg's other encodings to GDAL."""
    dbf = sidecar(shp_path, ".dbf")
    if dbf is None:
        return None, []
    check_file_size(dbf, file, limits.file_bytes, "the attribute table (.dbf)")
    with open(dbf, "rb") as handle:
        data = handle.read()
    cpg = sidecar(shp_path, ".cpg")
    if cpg is not None:
        with open(cpg, "rb") as handle:
            said = handle.read(64).decode("ascii", "replace").strip().lower()
        if said not in _UTF8_NAMES:
            return None, []  # GDAL reads the .cpg itself
        if _decodes(data, "utf-8"):
            return "UTF-8", []
        return "GB18030", [
            note("the .cpg says UTF-8 but the attribute table is not; read as GBK (GB18030)")
        ]
    language_driver = data[29] if len(data) > 29 else 0
    if language_driver in (0x4D, 0x7A):  # code page 936 (GBK)
        return "GBK", []
    if _decodes(data, "utf-8"):
        return "UTF-8", []
    _refuse_mixed_records(data, file, limits)
    return "GB18030", []


def _decodes(data, encoding):
    """Whether the records and the field names (allowing a last character cut
    in half, repaired later) decode in ``encoding``."""
    if len(data) < 12:
        return True
    header_length = struct.unpack_from("<H", data, 8)[0]
    try:
        data[header_length:].decode(encoding)
    except UnicodeDecodeError:
        return False
    return _cut_names(data[:header_length], encoding) is not None


def _cut_names(data, encoding):
    """{descriptor offset: repaired name} of field names cut mid-character, or
    None when a name does not decode at all."""
    repaired = {}
    for at in range(32, min(len(data), 32 * 1001), 32):
        if data[at] == 0x0D:
            break
        name = data[at : at + 11].split(b"\0", 1)[0]
        for cut in range(4):
            try:
                text = name[: len(name) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            if cut:
                repaired[at] = text
            break
        else:
            return None
    return repaired


@contextlib.contextmanager
def readable_shapefile(shp_path, encoding):
    """``shp_path``, or a copy whose .dbf has its cut field names repaired (the
    trailing bytes of a character cut in half dropped), and the warnings."""
    dbf = sidecar(shp_path, ".dbf")
    repaired = None
    if dbf is not None and encoding is not None:  # else GDAL decodes by the .cpg
        with open(dbf, "rb") as handle:
            repaired = _cut_names(handle.read(32 * 1001), encoding)
    if not repaired:
        yield shp_path, []
        return
    with tempfile.TemporaryDirectory(prefix="hailin-dbf-") as folder:
        base = os.path.join(folder, "upload")
        for suffix in _SIDECARS:
            part = sidecar(shp_path, suffix)
            if part is not None:
                shutil.copyfile(part, base + suffix)
        with open(base + ".dbf", "r+b") as handle:
            for at, name in repaired.items():
                handle.seek(at)
                handle.write(name.encode(encoding).ljust(11, b"\0"))
        names = ", ".join(repr(n) for n in repaired.values())
        warning = note(f"field names cut mid-character by the .dbf's 10-byte limit read as {names}")
        yield base + ".shp", [warning]


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


def refuse_unequal_parts(shp_path, file: str) -> None:
    """Refuse a Shapefile whose geometries (.shp, through its .shx index) and
    attribute records (.dbf) differ in number: GDAL would drop the extra ones
    without a word."""
    shx, dbf = sidecar(shp_path, ".shx"), sidecar(shp_path, ".dbf")
    if shx is None or dbf is None:
        return
    with open(shx, "rb") as handle:
        header = handle.read(100)
        index_bytes = os.fstat(handle.fileno()).st_size - 100
        handle.seek(max(100 + index_bytes // 8 * 8 - 8, 100))
        last = handle.read(8)
    with open(dbf, "rb") as handle:
        dbf_header = handle.read(8)
    if len(header) < 100 or len(dbf_header) < 8:
        return  # GDAL's own refusal names what is wrong
    geometries = max(index_bytes, 0) // 8
    records = struct.unpack_from("<I", dbf_header, 4)[0]
    if geometries and len(last) == 8:
        offset, length = struct.unpack(">ii", last)
        if (offset + length + 4) * 2 > os.path.getsize(shp_path):
            geometries = -1  # the index points past the end of the .shp
    if geometries != records:
        shapes = "fewer than its .shx index says" if geometries < 0 else f"{geometries:,}"
        raise SurveyFileError(
            f"the Shapefile's parts disagree: the .shp holds {shapes} geometries and the "
            f".dbf {records:,} attribute records; export it again so that they match",
            file=file,
        )
