"""Files as they arrive: their size, hash and printable name, and the uploads
archive (uploads/) the raw bytes are kept in under their sha256.

A file is copied to a staging file in uploads/ (fsynced, checked against its
hash) before it is read; the store's write transaction then moves it into
place, so the archive never holds bytes the store does not know.
"""

import contextlib
import glob
import hashlib
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator

from hailin.surveys.errors import StoreError, SurveyFileError
from hailin.surveys.limits import LIMITS, over_limit

# A staged copy older than this was left by a killed import and is removed.
STALE_STAGING_S = 24 * 3600
_STAGING_PREFIX = ".incoming-"
# An archived file no upload or photo row names, older than this, was left by a
# process killed before its commit (a photo's file is kept a little before its
# row is written, outside the write lock: younger ones may still be committed).
ORPHAN_GRACE_S = 600
_ARCHIVED = re.compile(r"^[0-9a-f]{64}(\.[^./]{1,15})?$")


def check_file_size(path, file, limit=LIMITS.file_bytes, what="the file"):
    """Refuse a file larger than ``limit`` bytes before reading it."""
    size = os.path.getsize(path)
    if size > limit:
        raise SurveyFileError(f"{what} is {over_limit(size, limit)}", file=file)
    return size


def read_bytes(path) -> bytes:
    """The whole file (readers bound its size before they call this)."""
    with open(path, "rb") as handle:
        return handle.read()


def printable_name(name):
    """A file name fit for messages, the store and reports.

    A name that is not UTF-8 (a GBK name on Linux arrives as surrogate
    escapes, or as bytes) is read as GB18030 when it decodes, else with
    replacement characters; control characters are shown as escapes.

    Examples
    --------
    >>> printable_name(b"\\xb2\\xe2\\xca\\xd4.csv")
    '测试.csv'
    >>> printable_name("a\\x1b[31m.csv")
    'a\\\\x1b[31m.csv'
    """
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "replace")
    return "".join(
        f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text
    )


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _disk_full(folder, error):
    return StoreError(
        f"{folder}: the disk is full ({error.strerror}); nothing was stored and the "
        "store is as it was. Free some space and try again"
    )


def stage_upload(path, uploads_dir, upload_id, file):
    """Copy the raw bytes to a staging file in ``uploads_dir`` (fsynced) and
    return its path; :func:`place_archive` moves it into place once the
    store takes the upload. The copy is checked against ``upload_id``."""
    os.makedirs(uploads_dir, exist_ok=True)
    _remove_stale_staging(uploads_dir)
    digest = hashlib.sha256()
    handle, staged = tempfile.mkstemp(dir=uploads_dir, prefix=_STAGING_PREFIX)
    try:
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        discard(staged)
        if error.errno == 28:  # ENOSPC
            raise _disk_full(uploads_dir, error) from error
        raise
    except BaseException:
        discard(staged)
        raise
    if digest.hexdigest() != upload_id:
        discard(staged)
        raise SurveyFileError("changed while it was being imported; import it again", file=file)
    return staged


def _remove_stale_staging(uploads_dir):
    limit = time.time() - STALE_STAGING_S
    for staged in glob.glob(os.path.join(glob.escape(uploads_dir), _STAGING_PREFIX + "*")):
        try:
            if os.path.getmtime(staged) < limit:
                os.remove(staged)
        except OSError:
            pass


def remove_orphans(uploads_dir, known, grace=ORPHAN_GRACE_S) -> list[str]:
    """Remove archived files (``<sha256><suffix>``) that no row names (``known``:
    the names the upload and photo rows hold) and that are older than ``grace``
    seconds; returns their names. Called inside a write transaction, so no
    import of this store is between placing its archive and committing.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("a" * 64 + ".csv", "b" * 64 + ".csv", "readme.txt"):
    ...     _ = (folder / name).write_text("x")
    >>> remove_orphans(folder, {"a" * 64 + ".csv"}, grace=-1) == ["b" * 64 + ".csv"]
    True
    >>> sorted(p.name for p in folder.iterdir())[1]
    'readme.txt'
    """
    removed: list[str] = []
    if not os.path.isdir(uploads_dir):
        return removed
    limit = time.time() - grace
    for name in os.listdir(uploads_dir):
        if name in known or not _ARCHIVED.match(name):
            continue
        path = os.path.join(uploads_dir, name)
        with contextlib.suppress(OSError):
            if os.path.isfile(path) and os.path.getmtime(path) < limit:
                os.remove(path)
                removed.append(name)
    return removed


def discard(path) -> None:
    """Remove ``path`` if it is there (a staged copy, a partly placed archive)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def archive_name(path, upload_id):
    """uploads/<sha256><suffix>: the name the raw bytes are kept under."""
    return upload_id + os.path.splitext(os.fspath(path))[1].lower()[:16]


def place_archive(staged, uploads_dir, name):
    """Move a staged copy to ``uploads_dir/name`` unless the bytes are kept
    there already; returns (path, whether this call put it there)."""
    target = os.path.join(uploads_dir, name)
    if os.path.exists(target):
        return target, False
    os.replace(staged, target)
    return target, True


@contextlib.contextmanager
def utf8_path(path) -> Iterator[str]:
    """``path``, or when its name is not UTF-8 (GDAL takes only UTF-8 paths),
    a temporary link with a plain name to it and to its same-stem siblings
    (a shapefile's .dbf, .prj, …)."""
    raw = os.fsencode(os.path.abspath(path))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        yield path
        return
    folder, name = os.path.split(raw)
    stem = os.path.splitext(name)[0]
    links = tempfile.mkdtemp(prefix="hailin-name-")
    try:
        siblings = [n for n in os.listdir(folder) if os.path.splitext(n)[0] == stem]
        for sibling in dict.fromkeys([name, *siblings]):
            try:
                suffix = os.path.splitext(sibling)[1].decode("ascii")
            except UnicodeDecodeError:
                continue
            os.symlink(os.path.join(folder, sibling), os.path.join(links, "upload" + suffix))
        yield os.path.join(links, "upload" + os.path.splitext(name)[1].decode("ascii", "replace"))
    finally:
        shutil.rmtree(links, ignore_errors=True)
