"""Patrol records: readers, the survey schema, the workspace and its store."""

import logging
from typing import TYPE_CHECKING

from hailin.geo.lazy import lazy_exports
from hailin.surveys.errors import (
    ExportError,
    FramesError,
    NotAWorkspaceError,
    SettingsError,
    StoreError,
    SurveyFileError,
    UploadError,
    VocabularyError,
    WorkspaceError,
    WorkspaceExistsError,
)

if TYPE_CHECKING:
    from hailin.surveys.check.options import ImportOptions
    from hailin.surveys.evidence import Evidence
    from hailin.surveys.files import read_file
    from hailin.surveys.io.sniff import read_raw, read_vector
    from hailin.surveys.io.store import Store
    from hailin.surveys.settings import Settings
    from hailin.surveys.workspace import Workspace

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.surveys.check.options": ["ImportOptions"],
        "hailin.surveys.evidence": ["Evidence"],
        "hailin.surveys.files": ["read_file"],
        "hailin.surveys.io.sniff": ["read_raw", "read_vector"],
        "hailin.surveys.io.store": ["Store"],
        "hailin.surveys.settings": ["Settings"],
        "hailin.surveys.workspace": ["Workspace"],
    },
)

__all__ = [
    "Evidence",
    "ExportError",
    "FramesError",
    "ImportOptions",
    "NotAWorkspaceError",
    "Settings",
    "SettingsError",
    "Store",
    "StoreError",
    "SurveyFileError",
    "UploadError",
    "VocabularyError",
    "Workspace",
    "WorkspaceError",
    "WorkspaceExistsError",
    "read_file",
    "read_raw",
    "read_vector",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
