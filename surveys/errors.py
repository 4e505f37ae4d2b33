"""Errors of the survey side: files, workspaces and the store."""

from geo.errors import HailinError


class WorkspaceError(HailinError):
    """A folder that cannot serve as a hailin workspace."""


class NotAWorkspaceError(WorkspaceError, FileNotFoundError):
    """A folder without a workspace (no hailin.toml)."""


class WorkspaceExistsError(WorkspaceError, FileExistsError):
    """A folder that holds a workspace (or other files) already."""


class SettingsError(HailinError, ValueError):
    """A hailin.toml value of the wrong kind."""


class StoreError(HailinError, OSError):
    """The workspace store (GeoPackage) cannot be read or written."""


class SurveyFileError(HailinError, ValueError):
    """An uploaded file that cannot be read as a whole."""

    def __init__(self, message, *, file=None, row=None, column=None):
        where = ", ".join(
            part
            for part in (
                f"{file}" if file else "",
                f"row {row}" if row is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.row, self.column, self.reason = file, row, column, message


class ExportError(HailinError, ValueError):
    """An export that cannot be written as asked."""


class UploadError(HailinError, LookupError):
    """An upload id that matches no upload, several, or one withdrawn already."""


class VocabularyError(HailinError, ValueError):
    """A vocabulary, or a code of one, that hailin does not have."""


class FramesError(HailinError, LookupError):
    """Frames asked for a layer they were not read with."""


class StatisticsError(HailinError, ValueError):
    """A statistic asked for by a grouping or period it does not have."""


class ReportError(HailinError, ValueError):
    """A report that cannot be written as asked."""
