"""Who holds the store's write lock: a small record beside the store.

SQLite says only "database is locked"; a writer that gives up waiting should
say which import it waited for. The writer that takes the lock writes
``hailin.gpkg.writer`` (JSON: pid, host, process start, what, since) and
removes it before it lets go, while it still holds the lock, so two hailin
writers never touch the record at once. A record left by a killed process is
recognised as stale (no such process, or another process under that pid) and
never named as the holder.
"""

import contextlib
import datetime
import json
import os
import socket
import sys
import uuid

RECORD_SUFFIX = ".writer"
_MAX_RECORD_BYTES = 4096
_MAX_TEXT = 200


def record_path(store_path):
    """Where the holder record of the store at ``store_path`` lives."""
    return os.fspath(store_path) + RECORD_SUFFIX


def _printable(text):
    text = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = "".join(c if c.isprintable() or c == " " else "?" for c in text)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def process_start(pid):
    """The start time of process ``pid`` in clock ticks since boot (Linux), else None.

    A pid is reused after its process ends; the start time tells a new
    process under an old pid from the one that wrote the record.
    """
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def command_line():
    """This process's command line, shortened and printable."""
    words = [os.path.basename(sys.argv[0]) if sys.argv else "python", *sys.argv[1:]]
    return _printable(" ".join(words))


def write_record(store_path, what):
    """Record this process as the holder; returns the record's token.

    Best effort: the record only improves a message, so a folder that
    cannot take it (read-only, full) never stops a write.
    """
    token = uuid.uuid4().hex
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "process_start": process_start(os.getpid()),
        "what": _printable(what or command_line()),
        "since": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "token": token,
    }
    path = record_path(store_path)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temporary)
    return token


def clear_record(store_path, token):
    """Remove the record if it is still the one ``token`` wrote."""
    path = record_path(store_path)
    record = read_record(store_path)
    if record is not None and record.get("token") == token:
        with contextlib.suppress(OSError):
            os.remove(path)


def read_record(store_path):
    """The holder record as a dict, or None when there is none or it is unreadable."""
    try:
        with open(record_path(store_path), "rb") as handle:
            data = handle.read(_MAX_RECORD_BYTES + 1)
        if len(data) > _MAX_RECORD_BYTES:
            return None
        record = json.loads(data.decode("utf-8"))
        return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def is_alive(record):
    """Whether the process that wrote ``record`` still runs (True when it
    cannot be told, e.g. written on another host)."""
    if record.get("host") != socket.gethostname() or os.name != "posix":
        return True
    pid = record["pid"]
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    recorded, current = record.get("process_start"), process_start(pid)
    return recorded is None or current is None or recorded == current


def describe_holder(store_path):
    """A phrase naming who holds the write lock, for a "store is locked" message.

    Examples
    --------
    >>> describe_holder("/nonexistent/hailin.gpkg")[:53]
    'another program (no running hailin import is recorded'
    """
    record = read_record(store_path)
    if record is not None and is_alive(record):
        return (
            f"{_printable(record.get('what', '?'))} (pid {record['pid']} on "
            f"{_printable(record.get('host', '?'))}, writing since {record.get('since', '?')})"
        )
    stale = (
        f"; a record left by pid {record['pid']}, which is no longer running, was ignored"
        if record is not None
        else ""
    )
    return (
        "another program (no running hailin import is recorded as holding it"
        f"{stale}; QGIS or an SQLite tool editing the store holds it the same way)"
    )
