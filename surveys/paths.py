"""Where a workspace keeps things: hailin.toml, the store, uploads/, out/, the log."""

import dataclasses
import os

from hailin.surveys.io.logs import LOG_FILE
from hailin.surveys.settings import SETTINGS_FILE

STORE_FILE = "hailin.gpkg"


@dataclasses.dataclass(frozen=True)
class WorkspacePaths:
    """The files and folders of the workspace in ``root`` (an absolute path).

    Examples
    --------
    >>> paths = WorkspacePaths("/data/ws")
    >>> paths.store, paths.uploads, paths.log
    ('/data/ws/hailin.gpkg', '/data/ws/uploads', '/data/ws/logs/hailin.log')
    """

    root: str

    @property
    def settings(self) -> str:
        """hailin.toml: the settings, every key commented."""
        return os.path.join(self.root, SETTINGS_FILE)

    @property
    def store(self) -> str:
        """hailin.gpkg: the store."""
        return os.path.join(self.root, STORE_FILE)

    @property
    def uploads(self) -> str:
        """uploads/: the raw files, by content hash."""
        return os.path.join(self.root, "uploads")

    @property
    def out(self) -> str:
        """out/: maps, exports and import error reports."""
        return os.path.join(self.root, "out")

    @property
    def log(self) -> str:
        """logs/hailin.log: where tracebacks of hailin bugs go."""
        return os.path.join(self.root, LOG_FILE)
