"""Outputs written whole or not at all, and a full disk recognised whichever
library met it: GDAL (through pyogrio), SQLite and Arrow report a refused
write in words, without the errno a Python ``OSError`` carries.
"""

import contextlib
import errno
import functools
import hashlib
import os
import re
import resource
import shutil
import socket
import sqlite3
import time
import uuid

from hailin.surveys.errors import FullDiskError
from hailin.surveys.io.storelock import is_alive, process_start

# Words that name the cause (lower case) and the errno they stand for.
_CAUSES = (
    ("no space left on device", errno.ENOSPC),
    ("database or disk is full", errno.ENOSPC),  # SQLite's SQLITE_FULL, GDAL's GeoPackage
    ("disk quota exceeded", errno.EDQUOT),
    ("file too large", errno.EFBIG),
)
# Words of a write that failed without a cause given (GDAL's drivers, SQLite's
# SQLITE_IOERR_WRITE): on a disk with room, what refuses a write is the size limit.
_WRITE_FAILED = ("write error", "could not write", "disk i/o error", "error writing bytes")
FULL_DISK = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@functools.cache
def gdal_errors() -> tuple[type[BaseException], ...]:
    """What GDAL raises through pyogrio; it often words a refused write as what went
    wrong next ("no such table: gpkg_contents", "Cannot write feature"). Imported
    on first use: the command line starts without GDAL."""
    import pyogrio.errors

    return (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
    )


# A disk with less room than this after a failed write was the cause of it.
_NEARLY_FULL = 1 << 20


def full_disk_error(error: BaseException) -> OSError | None:
    """The ``OSError`` (errno ENOSPC, EDQUOT or EFBIG) that ``error``, or an
    error it was raised from, stands for; None when it is no refused write.

    Examples
    --------
    >>> import sqlite3
    >>> full_disk_error(sqlite3.OperationalError("database or disk is full")).errno == errno.ENOSPC
    True
    >>> full_disk_error(ValueError("bad value")) is None
    True
    """
    seen = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno in FULL_DISK:
            return cause
        text = str(cause).lower()
        for words, code in _CAUSES:
            if words in text:
                return OSError(code, os.strerror(code))
        if any(words in text for words in _WRITE_FAILED):
            code = errno.ENOSPC if _no_size_limit() else errno.EFBIG
            return OSError(code, os.strerror(code))
        cause = cause.__cause__ or cause.__context__
    return None


def _no_size_limit() -> bool:
    return resource.getrlimit(resource.RLIMIT_FSIZE)[0] == resource.RLIM_INFINITY


# A scratch folder is named .NAME.<host>-<pid>-<process start>-<random>.tmp, so the
# next write to NAME tells one whose writer was killed from one still being written.
_SCRATCH = re.compile(
    r"\.(?P<host>[0-9a-f]{8})-(?P<pid>\d{1,10})-(?P<start>\d{1,20}|x)-[0-9a-f]{8}\.tmp"
)
# The older name (.NAME.<12 hex>.tmp) tells no writer: such a folder is removed once this old.
_UNNAMED_SCRATCH = re.compile(r"\.[0-9a-f]{12}\.tmp")
UNNAMED_SCRATCH_GRACE_S = 24 * 3600


@functools.cache
def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _scratch_name(name: str) -> str:
    start = process_start(os.getpid())
    writer = f"{_host()}-{os.getpid()}-{'x' if start is None else start}"
    return f".{name}.{writer}-{uuid.uuid4().hex[:8]}.tmp"


def _writer_gone(tail: str, path: str) -> bool:
    """Whether the scratch folder ``path`` (``tail``: its name after ``.NAME``) was
    left by a writer no longer running on this machine."""
    named = _SCRATCH.fullmatch(tail)
    if named is None:
        if _UNNAMED_SCRATCH.fullmatch(tail) is None:
            return False
        with contextlib.suppress(OSError):
            return os.path.getmtime(path) < time.time() - UNNAMED_SCRATCH_GRACE_S
        return False
    start = named["start"]
    record = {
        "pid": int(named["pid"]),
        # Another machine's writer (a shared folder) cannot be asked: it counts as alive.
        "host": socket.gethostname() if named["host"] == _host() else None,
        "process_start": None if start == "x" else int(start),
    }
    return not is_alive(record)


def remove_left_scratch(path) -> list[str]:
    """Remove the scratch folders that writes to ``path`` killed mid-way left beside
    it (only hailin's own, only those whose writer is gone); returns their names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / ".out.gpkg.00000000-999999999-1-0badcafe.tmp").mkdir()
    >>> (folder / ".out.gpkg.mine").mkdir()
    >>> remove_left_scratch(folder / "out.gpkg")
    []
    """
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    removed: list[str] = []
    prefix = f".{name}"
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
                continue
            if _writer_gone(entry.name[len(prefix) :], entry.path):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.name)
    return removed


@contextlib.contextmanager
def replacing(path):
    """Yield where to write instead of ``path``: the same name in a hidden scratch
    folder beside it (named after this process, so the next write removes it if
    the process is killed mid-way). When the block ends, every file written there replaces
    its namesake beside ``path`` (a Shapefile's parts too); a reader sees the
    old file or the new. On an error nothing written is left, the old file stays.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with replacing(path) as scratch:
    ...     _ = pathlib.Path(scratch).write_text("new")
    >>> path.read_text(), sorted(p.name for p in path.parent.iterdir())
    ('new', ['out.txt'])
    """
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    remove_left_scratch(path)  # a write killed mid-way left its scratch folder
    scratch = os.path.join(folder, _scratch_name(name))
    os.makedirs(scratch)
    try:
        with _full_disk_said(scratch, name):
            yield os.path.join(scratch, name)
        for written in sorted(os.listdir(scratch)):
            os.replace(os.path.join(scratch, written), os.path.join(folder, written))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def _full_disk_said(folder, name):
    """Raise a library's failed write under ``folder`` as the ``OSError`` of a
    full disk (naming ``name``) when the disk or the size limit was its cause."""
    writers: tuple[type[BaseException], ...] = (*gdal_errors(), sqlite3.Error, OSError)
    try:
        yield
    except writers as error:
        full = full_disk_error(error) or full_disk_in(folder)
        if full is None or full is error:
            raise
        raise FullDiskError(full.errno, full.strerror, name) from error


def full_disk_in(folder) -> OSError | None:
    """The ENOSPC of a disk left with under 1 MiB, or the EFBIG of a file under
    ``folder`` within 1 MiB of this process's file-size limit; else None."""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY and any(
        size + _NEARLY_FULL >= limit for size in _sizes(folder)
    ):
        return OSError(errno.EFBIG, os.strerror(errno.EFBIG))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)  # a folder the block could not make
    disk = os.statvfs(folder)
    if disk.f_bavail * disk.f_frsize < _NEARLY_FULL:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return None


def _sizes(folder):
    for parent, _folders, files in os.walk(folder):
        for file in files:
            with contextlib.suppress(OSError):
                yield os.path.getsize(os.path.join(parent, file))


@contextlib.contextmanager
def removed_on_failure(folder):
    """Within the block, files and folders may be added under ``folder``; if
    the block fails, every one added is removed (``folder`` too, if the block
    made it), so a failed export leaves what was there before.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "dataset"
    >>> try:
    ...     with removed_on_failure(folder):
    ...         (folder / "part").mkdir(parents=True)
    ...         _ = (folder / "part" / "a.parquet").write_bytes(b"half")
    ...         raise OSError(errno.ENOSPC, "No space left on device")
    ... except OSError:
    ...     pass
    >>> folder.exists()
    False
    """
    folder = os.path.abspath(os.fspath(folder))
    before = _tree(folder)
    try:
        with _full_disk_said(folder, os.path.basename(folder)):
            yield folder
    except BaseException:
        added = _tree(folder) - before
        # Deepest first: files, then the folders that held them.
        for path in sorted(added, key=lambda p: (-p.count(os.sep), p)):
            with contextlib.suppress(OSError):
                (shutil.rmtree if os.path.isdir(path) else os.remove)(path)
        raise


def _tree(folder) -> set:
    """Every path under ``folder`` and ``folder`` itself (empty if it is missing)."""
    if not os.path.isdir(folder):
        return set()
    paths = {folder}
    for parent, folders, files in os.walk(folder):
        paths.update(os.path.join(parent, name) for name in folders + files)
    return paths
