"""Patrol records: readers, the survey schema, the workspace and its store."""

import logging

from surveys.check.options import ImportOptions
from surveys.errors import (
    ExportError,
    SettingsError,
    StoreError,
    SurveyFileError,
    UploadError,
    WorkspaceError,
)
from surveys.files import read_file
from surveys.io.sniff import read_raw, read_vector
from surveys.io.store import Store
from surveys.settings import Settings
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
