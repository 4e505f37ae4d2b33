"""Guards for ZIP archives (KMZ, zipped Shapefiles, XLSX workbooks): zip bombs,
odd members, names pointing outside the archive.

Every guard refuses with a :class:`SurveyFileError` naming the bound it holds to
(see :mod:`hailin.surveys.limits`) and the value it found.
"""

import os
import posixpath
import stat
import struct
import zipfile
from collections.abc import Iterator

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.limits import LIMITS, over_limit, size_text

_CHUNK = 1024 * 1024
_UNPACKABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a pipe",
    stat.S_IFSOCK: "a socket",
}


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
    >>> kmz = pathlib.Path(__file__).parents[2] / "tests/data/formats/patrol_doc.kmz"
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


def member_chunks(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    file: str,
    budget: int,
    bound: str = _ARCHIVE_BOUND,
) -> Iterator[bytes]:
    """The member's bytes in chunks, refused past ``budget`` whatever its header claims
    (``bound`` names the limit in the refusal)."""
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
    return b"".join(member_chunks(archive, member, file, budget, bound))


def resource_fork(name: str) -> bool:
    """A macOS Finder member (``__MACOSX/…``, ``._name``): metadata, never data.

    Examples
    --------
    >>> resource_fork("__MACOSX/._patrol.shp"), resource_fork("patrol.shp")
    (True, False)
    """
    parts = name.replace("\\", "/").split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._")


def main_members(names):
    """The member names an archive's format is judged by (Finder metadata left out)."""
    return [n for n in names if not resource_fork(n)]


def extract_zip(path, destination, file, limits=LIMITS):
    """Extract every member under ``destination`` within the size budget (macOS
    Finder metadata members left out)."""
    archive = open_zip(path, file, limits)
    budget = limits.zip_total_bytes
    root = os.path.realpath(destination)
    with archive:
        for member in archive.infolist():
            if resource_fork(member.filename):
                continue
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
