"""Patrol records: readers, the survey schema, the workspace and its store."""

import logging

from surveys.errors import (
    ExportError,
    SettingsError,
    StoreError,
    SurveyFileError,
    UploadError,
    WorkspaceError,
)
from surveys.files import read_file
from surveys.normalize import ImportOptions
from surveys.readers import read_raw, read_vector
from surveys.settings import Settings
from surveys.store import Store
from surveys.workspace import Workspace

__all__ = [
    "ExportError",
    "ImportOptions",
    "Settings",
    "SettingsError",
    "Store",
    "StoreError",
    "SurveyFileError",
    "UploadError",
    "Workspace",
    "WorkspaceError",
    "read_file",
    "read_raw",
    "read_vector",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
