"""Patrol records: readers, the survey schema, the workspace and its store."""

import logging

from surveys.check.options import ImportOptions
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
from surveys.files import read_file
from surveys.io.sniff import read_raw, read_vector
from surveys.io.store import Store
from surveys.settings import Settings
from surveys.workspace import Workspace

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
