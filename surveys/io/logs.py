"""The workspace log (logs/hailin.log): where tracebacks go instead of a user's screen."""

import contextlib
import logging
import logging.handlers
import os

LOG_FILE = os.path.join("logs", "hailin.log")
# The packages whose loggers write to the workspace log.
LOGGERS = ("hailin",)
_MAX_BYTES = 1 << 20
_BACKUPS = 3
_FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s"


def _attached(logger, path):
    return any(
        isinstance(h, logging.FileHandler) and h.baseFilename == path for h in logger.handlers
    )


@contextlib.contextmanager
def logging_to(path):
    """Within the block, hailin's loggers also write to ``path`` (rotating at
    1 MiB, three old files kept; the folder and file appear with the first
    message). Nested blocks for the same file share one handler.

    Examples
    --------
    >>> import logging, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "logs", "hailin.log")
    >>> with logging_to(path):
    ...     logging.getLogger("hailin.surveys.ingest").error("a hailin bug")
    >>> import pathlib
    >>> "hailin.surveys.ingest ERROR: a hailin bug" in pathlib.Path(path).read_text(encoding="utf-8")
    True
    """
    path = os.path.abspath(path)
    loggers = [logging.getLogger(name) for name in LOGGERS]
    if all(_attached(logger, path) for logger in loggers):
        yield path
        return
    handler = _DeferredRotatingHandler(path)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(logging.WARNING)
    added = [logger for logger in loggers if not _attached(logger, path)]
    for logger in added:
        logger.addHandler(handler)
    try:
        yield path
    finally:
        for logger in added:
            logger.removeHandler(handler)
        handler.close()


class _DeferredRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler that makes its folder only when it first writes."""

    def __init__(self, path):
        super().__init__(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8", delay=True
        )

    def _open(self):
        os.makedirs(os.path.dirname(self.baseFilename), exist_ok=True)
        return super()._open()

    def flush(self):
        with contextlib.suppress(OSError):  # a full disk: see handleError
            super().flush()

    def close(self):
        with contextlib.suppress(OSError):
            super().close()

    def handleError(self, record):
        """A log that cannot be written (read-only or full disk) stays silent:
        printing logging's own traceback would defeat its purpose."""
