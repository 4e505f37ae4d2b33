"""Patrol records: readers, the survey schema, the workspace and its store."""

import logging
from typing import TYPE_CHECKING

from geo.lazy import lazy_exports
from surveys.errors import (
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
    from surveys.check.options import ImportOptions
    from surveys.files import read_file
    from surveys.io.sniff import read_raw, read_vector
    from surveys.io.store import Store
    from surveys.settings import Settings
    from surveys.workspace import Workspace

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "surveys.check.options": ["ImportOptions"],
        "surveys.files": ["read_file"],
        "surveys.io.sniff": ["read_raw", "read_vector"],
        "surveys.io.store": ["Store"],
        "surveys.settings": ["Settings"],
        "surveys.workspace": ["Workspace"],
    },
)

__all__ = [
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
