"""Guards for untrusted files: zip bombs, odd archive members, XML depth and entity
tricks, oversized workbook parts, and readers that run too long.

Every guard refuses with a :class:`SurveyFileError` naming the bound it holds to
(see :mod:`surveys.limits`) and the value it found.
"""

import io
import os
import posixpath
import re
import stat
import struct
import time
import zipfile

import defusedxml
import defusedxml.ElementTree

from surveys.errors import SurveyFileError
from surveys.limits import LIMITS, over_limit, size_text

_CHUNK = 1024 * 1024
_UNPACKABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a pipe",
    stat.S_IFSOCK: "a socket",
}


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


def check_file_size(path, file, limit=LIMITS.file_bytes, what="the file"):
    """Refuse a file larger than ``limit`` bytes before reading it."""
    size = os.path.getsize(path)
    if size > limit:
        raise SurveyFileError(f"{what} is {over_limit(size, limit)}", file=file)
    return size


# -- ZIP archives -------------------------------------------------------------------------
def _check_member_name(name, file):
    normalised = posixpath.normpath(name.replace("\\", "/"))
    if (
        normalised.startswith(("/", "../"))
        or normalised == ".."
        or (len(normalised) > 1 and normalised[1] == ":")
    ):
        raise SurveyFileError(f"archive member {name!r} points outside the archive", file=file)
    return normalised


def _directory_record(path):
    """(members, directory bytes) as the archive's end record declares them, read
    the way ``zipfile`` reads it; None when there is no such record."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - (22 + 65535 + 20 + 56)))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    members, directory = struct.unpack_from("<HI", tail, at + 10)
    locator = at - 20
    if locator >= 56 and tail[locator : locator + 4] == b"PK\x06\x07":
        record = tail[locator - 56 : locator]
        if record[:4] == b"PK\x06\x06":  # ZIP64: the real counts are here
            members, directory = struct.unpack_from("<QQ", record, 32)
    return members, directory


def _member_kind(member):
    """What a member is when not a plain file or folder ('a symbolic link', ...)."""
    return _KINDS.get(stat.S_IFMT(member.external_attr >> 16))


def open_zip(path, file, limits=LIMITS):
    """Open a ZIP after checking its members: how many, their names and kinds, and
    their declared sizes, before anything is inflated.

    Examples
    --------
    >>> import pathlib
    >>> kmz = pathlib.Path(__file__).parent.parent / "tests/data/formats/patrol_doc.kmz"
    >>> with open_zip(kmz, "patrol_doc.kmz") as archive:
    ...     sorted(m.filename for m in archive.infolist())[:1]
    ['doc.kml']
    """
    if not zipfile.is_zipfile(path):
        raise SurveyFileError("not a readable ZIP archive (truncated or corrupt?)", file=file)
    declared = _directory_record(path)
    if declared is not None:
        members, directory = declared
        if members > limits.zip_members:
            raise SurveyFileError(
                f"archive has {members} members (limit {limits.zip_members})", file=file
            )
        if directory > limits.zip_directory_bytes:
            raise SurveyFileError(
                f"archive's list of members is {over_limit(directory, limits.zip_directory_bytes)}",
                file=file,
            )
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
        raise SurveyFileError(f"not a readable ZIP archive ({error})", file=file) from error
    try:
        _check_members(members, file, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_members(members, file, limits):
    if len(members) > limits.zip_members:
        raise SurveyFileError(
            f"archive has {len(members)} members (limit {limits.zip_members})", file=file
        )
    total = 0
    files, folders = set(), set()
    for member in members:
        name = _check_member_name(member.filename, file)
        kind = _member_kind(member)
        if kind is not None:
            raise SurveyFileError(
                f"archive member {member.filename!r} is {kind}; refused for safety", file=file
            )
        if member.flag_bits & 0x1:
            raise SurveyFileError(
                f"archive member {member.filename!r} is encrypted; upload it unencrypted",
                file=file,
            )
        if member.compress_type not in _UNPACKABLE:
            raise SurveyFileError(
                f"archive member {member.filename!r} is packed with method "
                f"{member.compress_type}, which hailin cannot unpack; zip it again with "
                "ordinary (deflate) compression",
                file=file,
            )
        if member.is_dir():
            folders.add(name)
        elif name in files:
            raise SurveyFileError(f"archive member {member.filename!r} appears twice", file=file)
        else:
            files.add(name)
        total += member.file_size
        if member.compress_size and member.file_size / member.compress_size > limits.zip_ratio:
            raise SurveyFileError(
                f"archive member {member.filename!r} inflates "
                f"{member.file_size // member.compress_size}x (limit {limits.zip_ratio}x; "
                "a zip bomb?)",
                file=file,
            )
    for name in files:
        parent = posixpath.dirname(name)
        while parent:
            if parent in files:
                raise SurveyFileError(
                    f"archive member {parent!r} is both a file and the folder of {name!r}",
                    file=file,
                )
            parent = posixpath.dirname(parent)
    if total > limits.zip_total_bytes:
        raise SurveyFileError(
            f"archive would unpack to {over_limit(total, limits.zip_total_bytes)}",
            file=file,
        )


_ARCHIVE_BOUND = "the limit for a whole archive; a zip bomb?"


def _chunks(archive, member, file, budget, bound=_ARCHIVE_BOUND):
    """The member's bytes in chunks, refused past ``budget`` whatever its header claims."""
    size = 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise SurveyFileError(
                        f"archive member {member.filename!r} unpacks to more than "
                        f"{size_text(budget)} ({bound})",
                        file=file,
                    )
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        raise SurveyFileError(
            f"archive member {member.filename!r} is corrupt ({error})", file=file
        ) from error


def read_member(archive, member, file, budget=LIMITS.zip_total_bytes, bound=_ARCHIVE_BOUND):
    """Read one member, stopping at ``budget`` bytes whatever its header claims
    (``bound`` names the limit in the refusal)."""
    return b"".join(_chunks(archive, member, file, budget, bound))


def extract_zip(path, destination, file, limits=LIMITS):
    """Extract every member under ``destination`` within the size budget."""
    archive = open_zip(path, file, limits)
    budget = limits.zip_total_bytes
    root = os.path.realpath(destination)
    with archive:
        for member in archive.infolist():
            name = _check_member_name(member.filename, file)
            target = os.path.realpath(os.path.join(root, name))
            if not target.startswith(root + os.sep):
                raise SurveyFileError(
                    f"archive member {member.filename!r} points outside the archive", file=file
                )
            try:
                if member.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                data = read_member(archive, member, file, budget)
                budget -= len(data)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                # "x": never write through anything already there (a link, a folder).
                with open(target, "xb") as handle:
                    handle.write(data)
            except OSError as error:
                raise SurveyFileError(
                    f"archive member {member.filename!r} cannot be unpacked "
                    f"({error.strerror or error})",
                    file=file,
                ) from error


# -- XLSX workbooks -----------------------------------------------------------------------
_PREFIX = rb"(?:[A-Za-z_][\w.-]{0,63}:)?"
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_STRING_TAG = re.compile(rb"<" + _PREFIX + rb"si[\s/>]")
_ROW_NUMBER = re.compile(rb"<" + _PREFIX + rb"row\s[^<>]{0,200}?\br=\"(\d{1,40})\"")
_LONGEST_TAG = 400  # longer than any match of the three patterns above


class _Scanner:
    """Matches of a tag pattern over a stream of chunks, in one pass and bounded memory."""

    def __init__(self, pattern):
        self.pattern, self.carry = pattern, b""

    def feed(self, chunk):
        buffer = self.carry + chunk
        cut = max(0, len(buffer) - _LONGEST_TAG)
        # A match holds no '<' but its first, so matches never overlap: take those
        # starting before the cut now, the rest with the next chunk.
        found = self.pattern.findall(buffer)
        later = len(self.pattern.findall(buffer, cut))
        self.carry = buffer[cut:]
        return found[: len(found) - later]

    def finish(self):
        return self.pattern.findall(self.carry)


def _scan(chunks, count=(), highest=None):
    """Scan a stream of chunks once, in bounded memory: ({pattern: number of matches}
    for the ``count`` patterns, the highest number ``highest`` captures, bytes seen)."""
    patterns = [*count, *([highest] if highest is not None else [])]
    scanners = [_Scanner(p) for p in patterns]
    counts, top, size = dict.fromkeys(count, 0), 0, 0

    def take(pattern, found):
        nonlocal top
        if pattern is highest:
            top = max(top, max(map(int, found), default=0))
        else:
            counts[pattern] += len(found)

    for chunk in chunks:
        size += len(chunk)
        for scanner in scanners:
            take(scanner.pattern, scanner.feed(chunk))
    for scanner in scanners:
        take(scanner.pattern, scanner.finish())
    return counts, top, size


def _content_types(archive, file, limits):
    """{part name: content type} from the package's [Content_Types].xml."""
    try:
        member = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return {}, {}
    data = b"".join(
        _chunks(archive, member, file, limits.xlsx_part_bytes, "the limit for a workbook part")
    )
    root = parse_xml(data, file, limits)
    overrides, defaults = {}, {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "Override" and element.get("PartName"):
            overrides[element.get("PartName").lstrip("/")] = element.get("ContentType", "")
        elif tag == "Default" and element.get("Extension"):
            defaults[element.get("Extension").lower()] = element.get("ContentType", "")
    return overrides, defaults


def check_xlsx_parts(archive, file, limits=LIMITS):
    """Bound every part of an XLSX workbook before openpyxl reads it: the shared
    strings (bytes and count), each worksheet (bytes and cells), every other XML
    part, and all of them together, each measured as it actually inflates.

    openpyxl loads the whole shared-strings table even in read-only mode and scans
    each worksheet once on opening, so the bounds must hold before it starts.
    """
    overrides, defaults = _content_types(archive, file, limits)
    total = cells = 0
    for member in archive.infolist():
        kind = overrides.get(member.filename) or defaults.get(
            member.filename.rsplit(".", 1)[-1].lower(), ""
        )
        if kind.endswith("sharedStrings+xml"):
            what, budget = "shared strings", limits.xlsx_shared_strings_bytes
            count, highest = (_STRING_TAG,), None
        elif kind.endswith("worksheet+xml"):
            what, budget = "worksheet", limits.xlsx_sheet_bytes
            count, highest = (_CELL_TAG,), _ROW_NUMBER
        elif kind.endswith("xml") or member.filename.endswith((".xml", ".rels")):
            what, budget, count, highest = "workbook part", limits.xlsx_part_bytes, (), None
        else:
            continue  # folders, pictures and the like: openpyxl does not read them here
        if member.file_size > budget:
            raise SurveyFileError(
                f"{what} {member.filename!r} unpacks to {over_limit(member.file_size, budget)}",
                file=file,
            )
        chunks = _chunks(archive, member, file, budget, f"the {what} limit")
        counts, last_row, size = _scan(chunks, count, highest)
        total += size
        if total > limits.xlsx_total_bytes:
            raise SurveyFileError(
                f"workbook parts unpack to more than {over_limit(total, limits.xlsx_total_bytes)}",
                file=file,
            )
        if counts.get(_STRING_TAG, 0) > limits.xlsx_shared_strings:
            raise SurveyFileError(
                f"{what} {member.filename!r} holds {counts[_STRING_TAG]:,} strings "
                f"(limit {limits.xlsx_shared_strings:,})",
                file=file,
            )
        if _CELL_TAG in counts:
            if counts[_CELL_TAG] > limits.xlsx_cells:
                raise SurveyFileError(
                    f"{what} {member.filename!r} holds {counts[_CELL_TAG]:,} cells "
                    f"(limit {limits.xlsx_cells:,})",
                    file=file,
                )
            cells += counts[_CELL_TAG]
            if cells > limits.xlsx_workbook_cells:
                raise SurveyFileError(
                    f"worksheets hold {cells:,} cells together "
                    f"(limit {limits.xlsx_workbook_cells:,})",
                    file=file,
                )
        if last_row > limits.xlsx_rows:
            raise SurveyFileError(
                f"{what} {member.filename!r} numbers a row {last_row:,} "
                f"(limit {limits.xlsx_rows:,} rows)",
                file=file,
            )


# -- XML ----------------------------------------------------------------------------------
def parse_xml(data, file, limits=LIMITS, deadline=None):
    """Parse XML bytes with entity expansion and external entities refused, and
    element depth and count bounded while parsing (so no deep tree is ever built).

    Examples
    --------
    >>> parse_xml(b"<gpx><wpt/></gpx>", "a.gpx").tag
    'gpx'
    """
    if len(data) > limits.xml_bytes:
        raise SurveyFileError(
            f"XML document is {over_limit(len(data), limits.xml_bytes)}",
            file=file,
        )
    root = None
    depth = elements = 0
    try:
        for event, element in defusedxml.ElementTree.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "end":
                depth -= 1
                continue
            depth += 1
            elements += 1
            if root is None:
                root = element
            if depth > limits.xml_depth:
                raise SurveyFileError(
                    f"XML elements nested {depth} deep (limit {limits.xml_depth})", file=file
                )
            if elements > limits.xml_elements:
                raise SurveyFileError(
                    f"XML holds more than {limits.xml_elements:,} elements "
                    f"(limit {limits.xml_elements:,})",
                    file=file,
                )
            if deadline is not None and not elements % 4096:
                deadline.check(f"XML element {elements:,}")
    except defusedxml.DefusedXmlException as error:
        raise SurveyFileError(
            f"XML declares entities ({type(error).__name__}); refused for safety", file=file
        ) from error
    except defusedxml.ElementTree.ParseError as error:
        raise SurveyFileError(f"not well-formed XML ({error})", file=file) from error
    return root
