"""Patrol records: readers, the survey schema, the workspace and its store."""

import logging

from surveys.errors import SettingsError, StoreError, SurveyFileError, WorkspaceError
from surveys.readers import read_vector
from surveys.settings import Settings
from surveys.store import Store
from surveys.workspace import Workspace

__all__ = [
    "Settings",
    "SettingsError",
    "Store",
    "StoreError",
    "SurveyFileError",
    "Workspace",
    "WorkspaceError",
    "read_vector",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
