"""Guards for untrusted archives and XML: zip bombs, path escapes, entity tricks."""

import os
import posixpath
import zipfile

import defusedxml
import defusedxml.ElementTree

from surveys.errors import SurveyFileError

MAX_MEMBERS = 1000
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # a member inflating more than this is treated as a bomb
_CHUNK = 1024 * 1024


def _check_member_name(name, file):
    normalised = posixpath.normpath(name.replace("\\", "/"))
    if (
        normalised.startswith(("/", "../"))
        or normalised == ".."
        or (len(normalised) > 1 and normalised[1] == ":")
    ):
        raise SurveyFileError(f"archive member {name!r} points outside the archive", file=file)
    return normalised


def open_zip(path, file):
    """Open a ZIP after checking member names, count and declared sizes."""
    if not zipfile.is_zipfile(path):
        raise SurveyFileError("not a readable ZIP archive (truncated or corrupt?)", file=file)
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SurveyFileError(f"not a readable ZIP archive ({error})", file=file) from error
    if len(members) > MAX_MEMBERS:
        raise SurveyFileError(
            f"archive has {len(members)} members (limit {MAX_MEMBERS})", file=file
        )
    total = 0
    for member in members:
        _check_member_name(member.filename, file)
        total += member.file_size
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
            raise SurveyFileError(
                f"archive member {member.filename!r} inflates {member.file_size // member.compress_size}x "
                "(a zip bomb?)",
                file=file,
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise SurveyFileError(
            f"archive would unpack to {total / 2**20:.0f} MiB (limit {MAX_UNCOMPRESSED_BYTES // 2**20} MiB)",
            file=file,
        )
    return archive


def read_member(archive, member, file, budget=MAX_UNCOMPRESSED_BYTES):
    """Read one member, stopping at ``budget`` bytes whatever its header claims."""
    chunks = []
    size = 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise SurveyFileError(
                        f"archive member {member.filename!r} unpacks past the limit (a zip bomb?)",
                        file=file,
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise SurveyFileError(
            f"archive member {member.filename!r} is corrupt ({error})", file=file
        ) from error
    return b"".join(chunks)


def extract_zip(path, destination, file):
    """Extract every member under ``destination`` within the size budget."""
    archive = open_zip(path, file)
    budget = MAX_UNCOMPRESSED_BYTES
    root = os.path.realpath(destination)
    with archive:
        for member in archive.infolist():
            name = _check_member_name(member.filename, file)
            target = os.path.realpath(os.path.join(root, name))
            if not target.startswith(root + os.sep):
                raise SurveyFileError(
                    f"archive member {member.filename!r} points outside the archive", file=file
                )
            if member.is_dir():
                os.makedirs(target, exist_ok=True)
                continue
            data = read_member(archive, member, file, budget)
            budget -= len(data)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)


def parse_xml(data, file):
    """Parse XML bytes with entity expansion and external entities refused."""
    try:
        return defusedxml.ElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as error:
        raise SurveyFileError(
            f"XML declares entities ({type(error).__name__}); refused for safety", file=file
        ) from error
    except defusedxml.ElementTree.ParseError as error:
        raise SurveyFileError(f"not well-formed XML ({error})", file=file) from error
