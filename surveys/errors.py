"""Errors of the survey side: files, workspaces and the store."""

from hailin.geo.errors import HailinError


class WorkspaceError(HailinError):
    """A folder that cannot serve as a hailin workspace.

    Examples
    --------
    >>> issubclass(NotAWorkspaceError, WorkspaceError), issubclass(WorkspaceExistsError, WorkspaceError)
    (True, True)
    """


class NotAWorkspaceError(WorkspaceError, FileNotFoundError):
    """A folder without a workspace (no hailin.toml).

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> Workspace(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hailin.surveys.errors.NotAWorkspaceError: ... is not a hailin workspace (no hailin.toml); create one with `hailin init ...`...
    """


class WorkspaceExistsError(WorkspaceError, FileExistsError):
    """A folder that holds a workspace (or other files) already.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> Workspace.create(ws.root)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hailin.surveys.errors.WorkspaceExistsError: ... already holds a hailin workspace
    """


class SettingsError(HailinError, ValueError):
    """A hailin.toml value of the wrong kind.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> Workspace.create(tempfile.mkdtemp(), language="fr")
    Traceback (most recent call last):
    hailin.surveys.errors.SettingsError: language should be one of ('zh', 'en'), got 'fr'
    """


class StoreError(HailinError, OSError):
    """The workspace store (GeoPackage) cannot be read or written.

    Examples
    --------
    >>> import os, tempfile
    >>> from hailin.surveys import Store
    >>> Store.open(os.path.join(tempfile.mkdtemp(), "hailin.gpkg"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hailin.surveys.errors.StoreError: .../hailin.gpkg: no store here
    """


class SurveyFileError(HailinError, ValueError):
    """An uploaded file that cannot be read as a whole; ``file``, ``row`` and
    ``column`` say where, ``reason`` what.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from hailin.surveys import read_file
    >>> empty = pathlib.Path(tempfile.mkdtemp()) / "patrol.csv"
    >>> empty.touch()
    >>> read_file(empty)
    Traceback (most recent call last):
    hailin.surveys.errors.SurveyFileError: patrol.csv: the file is empty
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
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
    """An export that cannot be written as asked.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> Workspace.create(tempfile.mkdtemp()).exports.ledger("ledger.pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hailin.surveys.errors.ExportError: ledger.pdf: the ledger is written as .csv, .xlsx, .gpkg, .geojson; got '.pdf'
    """


class UploadError(HailinError, LookupError):
    """An upload id that matches no upload, several, or one withdrawn already.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> Workspace.create(tempfile.mkdtemp()).withdraw_upload("0123456789abcdef", reason="typo")
    Traceback (most recent call last):
    hailin.surveys.errors.UploadError: no upload '0123456789abcdef' in this workspace (see `hailin uploads list`)
    """


class VocabularyError(HailinError, ValueError):
    """A vocabulary, or a code of one, that hailin does not have.

    Examples
    --------
    >>> from hailin.surveys.schema import word
    >>> word("finding", "clear", "fr")
    Traceback (most recent call last):
    hailin.surveys.errors.VocabularyError: lang should be 'zh' or 'en', got 'fr'
    """


class FramesError(HailinError, LookupError):
    """Frames asked for a layer they were not read with.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> Workspace.create(tempfile.mkdtemp()).frames().surveys
    Traceback (most recent call last):
    hailin.surveys.errors.FramesError: these frames hold no records; read them with every_record=True
    """


class ImageryError(HailinError, ValueError):
    """A raster that cannot be used for monitoring as asked: no date, no class named."""


class StatisticsError(HailinError, ValueError):
    """A statistic asked for by a grouping or period it does not have."""


class ReportError(HailinError, ValueError):
    """A report that cannot be written as asked."""


class PartitionError(HailinError, ValueError):
    """Partitions that cannot be made as asked (a count below one)."""


class SchedulerError(HailinError, ValueError):
    """A Dask scheduler that cannot be named, reached or started (``--scheduler``)."""


class FullDiskError(HailinError, OSError):
    """A write the disk refused: full, over quota or past the size limit (its errno says which)."""


class DatasetError(HailinError, OSError):
    """A partitioned dataset (GeoParquet) that cannot be read or written."""


class RiskError(HailinError, ValueError):
    """A recurrence-risk ranking or evaluation that cannot be made as asked."""


class PlanError(HailinError, ValueError):
    """A patrol plan that cannot be made as asked: teams, week, a plan file."""


class QuantityError(HailinError, ValueError):
    """A removal that cannot be weighed against what was found (other units, or more)."""
