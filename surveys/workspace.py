"""A workspace folder, and the one orchestrator of what hailin does with it.

A workspace is hailin.toml (settings), hailin.gpkg (the store), uploads/ (raw
files by content hash) and out/ (maps and exports). :class:`Workspace` runs
every command: it calls the readers, checks, store and ledger functions with
explicit arguments, and hands its settings, frames and store to the services
named for what they do (:attr:`Workspace.exports`, :attr:`Workspace.rasters`,
:attr:`Workspace.evidence`); nothing below it receives the workspace.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import geopandas
import pandas as pd

from hailin.geo.sites import load_sites, normalize_sites
from hailin.surveys import ingest
from hailin.surveys.asof import as_of_day
from hailin.surveys.check.options import ImportOptions
from hailin.surveys.digital_monitoring import DigitalMonitoring
from hailin.surveys.errors import (
    NotAWorkspaceError,
    SettingsError,
    WorkspaceError,
    WorkspaceExistsError,
)
from hailin.surveys.evidence import Evidence
from hailin.surveys.exporting import Exports
from hailin.surveys.frames import Frames, read_dataset_frames, read_frames
from hailin.surveys.io import dataset
from hailin.surveys.io.layout import (
    CASES_LAYER,
    DERIVED_LAYERS,
    DETECTIONS_LAYER,
    PATCHES_LAYER,
    SITES_LAYER,
    ensure_layers,
    read_plots,
    read_rejects,
    read_sites,
    read_surveys,
    read_uploads,
)
from hailin.surveys.io.sniff import read_vector
from hailin.surveys.io.store import WRITE_WAIT_S, Store
from hailin.surveys.io.uploads import Withdrawal, list_uploads, withdraw
from hailin.surveys.io.written import removed_on_failure
from hailin.surveys.ledger.progress import Progress, clearance_progress
from hailin.surveys.localtime import with_local_times
from hailin.surveys.paths import STORE_FILE, WorkspacePaths
from hailin.surveys.settings import (
    LANGUAGES,
    MAX_SETTINGS_BYTES,
    SETTINGS_FILE,
    TEMPLATE,
    parse_settings,
)

ENVIRONMENT_VARIABLE = "HAILIN_WORKSPACE"


class Workspace:
    """One monitoring workspace on disk: settings, store, uploads and outputs.

    Parameters
    ----------
    root : str or os.PathLike
        The workspace folder (made by :meth:`create` or ``hailin init``);
        :class:`~surveys.errors.NotAWorkspaceError` when it holds none.

    Examples
    --------
    >>> import pathlib, tempfile, geopandas, shapely
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ws = Workspace.create(folder / "ws")
    >>> ws.sites()["site_id"].tolist()
    ['kewan', 'xuncheng', 'luochun']
    >>> square = shapely.box(120.33, 27.261, 120.331, 27.262)
    >>> plots = geopandas.GeoDataFrame({"图斑编号": ["P1"], "除治日期": ["2023-05-01"]}, geometry=[square], crs=4326)
    >>> plots.to_file(folder / "plots.geojson")
    >>> ws.import_file(folder / "plots.geojson", kind="clearance").status
    'accepted'
    >>> patrol = pathlib.Path(__file__).parent.parent / "tests/data/formats/patrol_bom.csv"
    >>> summary = ws.import_file(patrol)
    >>> summary.status, summary.rows_accepted, len(ws.surveys()), len(ws.rejects())
    ('accepted', 3, 3, 0)
    >>> frames = ws.frames()  # one read of the store, handed to what follows
    >>> detections, ledger, patches = ws.flag(frames)
    >>> ledger[["plot_id", "status"]].values.tolist()
    [['NEW-20230703-01', 'open'], ['P1', 're_cleared']]
    >>> clearance, restoration = ws.progress(frames=frames)
    >>> round(clearance.totals["cleared_mu"], 2), restoration.totals["plots"]
    (16.46, 0)
    """

    # Seconds a write waits for another writer before it fails, naming the holder.
    write_wait_s = WRITE_WAIT_S

    def __init__(self, root: str | os.PathLike[str], /) -> None:
        self.root = os.path.abspath(root)
        self.paths = WorkspacePaths(self.root)
        if not os.path.isfile(self.settings_path):
            raise NotAWorkspaceError(
                f"{self.root} is not a hailin workspace (no {SETTINGS_FILE}); "
                f"create one with `hailin init {root}` or point to one with -w DIR "
                f"or ${ENVIRONMENT_VARIABLE}"
            )
        # Bytes: parse_settings decodes a BOM, UTF-16 or GBK as Windows editors save it.
        with open(self.settings_path, "rb") as handle:
            data = handle.read(MAX_SETTINGS_BYTES + 1)
        self.settings = parse_settings(data, source=self.settings_path)
        # A folder with a dataset manifest is a workspace whose store is the dataset.
        self.is_dataset = dataset.is_dataset(self.root)

    # The workspace's files and folders (see surveys.paths.WorkspacePaths).
    settings_path = property(lambda self: self.paths.settings, doc="hailin.toml")
    store_path = property(lambda self: self.paths.store, doc="hailin.gpkg: the store")
    uploads_dir = property(lambda self: self.paths.uploads, doc="uploads/: the raw files")
    out_dir = property(lambda self: self.paths.out, doc="out/: maps and exports")
    log_path = property(lambda self: self.paths.log, doc="logs/hailin.log: hailin's bugs")

    @property
    def exports(self) -> Exports:
        """The ledger, the 台账, GIS layers and the partitioned dataset, written
        from this workspace (:class:`hailin.surveys.exporting.Exports`)."""
        return Exports(self.settings, self.paths, frames=self.frames, store=self.store)

    @property
    def rasters(self) -> DigitalMonitoring:
        """Rasters of key areas read into this workspace's record: statistics,
        detections, cover, overlays (:class:`hailin.surveys.digital_monitoring.DigitalMonitoring`)."""
        return DigitalMonitoring(
            self.settings, self.paths, plots=self.plots, wait=self.write_wait_s
        )

    @property
    def evidence(self) -> Evidence:
        """Photos as evidence of this workspace's records: import, list, withdraw
        (:class:`hailin.surveys.evidence.Evidence`)."""
        options = self.import_options()
        return Evidence(
            self.paths, options, sites=self.sites, read=self._read, wait=self.write_wait_s
        )

    @classmethod
    def create(cls, root: str | os.PathLike[str], /, *, language: str = "zh") -> Workspace:
        """Make a new workspace in ``root`` (created if missing, must not hold one);
        ``language`` ("zh" or "en") is that of its maps and exports."""
        if language not in LANGUAGES:
            raise SettingsError(f"language should be one of {LANGUAGES}, got {language!r}")
        settings_path = os.path.join(root, SETTINGS_FILE)
        if os.path.exists(settings_path):
            raise WorkspaceExistsError(f"{os.path.abspath(root)} already holds a hailin workspace")
        with removed_on_failure(root):  # a full disk leaves no half workspace
            for folder in ("uploads", "out"):
                os.makedirs(os.path.join(root, folder), exist_ok=True)
            with (
                Store.open(os.path.join(root, STORE_FILE), create=True) as store,
                store.transaction(holder="hailin init"),
            ):
                store.replace(SITES_LAYER, load_sites())
                ensure_layers(store, language)
            with open(settings_path, "w", encoding="utf-8") as handle:
                handle.write(TEMPLATE.format(language=language))
        return cls(root)

    @classmethod
    def find(cls, explicit: str | os.PathLike[str] | None = None) -> Workspace:
        """The workspace from ``-w``, else ``$HAILIN_WORKSPACE``, else the current folder."""
        root = explicit or os.environ.get(ENVIRONMENT_VARIABLE) or os.getcwd()
        return cls(root)

    @contextlib.contextmanager
    def store(self, *, write: bool = True) -> Iterator[Store]:
        """The store, for writing (waits up to :attr:`write_wait_s` for another
        writer when a transaction begins) or, with ``write=False``, read-only:
        a reader never waits for an import and sees the last commit."""
        if self.is_dataset:
            raise WorkspaceError(
                f"{self.root} is a partitioned dataset ({dataset.MANIFEST_FILE}): flag, ledger "
                "and progress read it; import into a workspace and add it with "
                "`hailin -w WORKSPACE dataset export DIR --append`"
            )
        with Store.open(self.store_path, write=write, wait=self.write_wait_s) as store:
            yield store

    def _read(self, reader, *args, **kwargs):
        """One layer read-only (``reader`` of io.layout), its times local (the store's are UTC)."""
        with self.store(write=False) as store:
            return with_local_times(reader(store, *args, **kwargs), self.settings.timezone)

    def sites(self) -> geopandas.GeoDataFrame:
        """The site registry (reserve polygons)."""
        return self._read(read_sites)

    def import_sites(self, path: str | os.PathLike[str], /) -> geopandas.GeoDataFrame:
        """Replace the site registry with the boundaries in ``path``; returns them."""
        sites = normalize_sites(read_vector(path), source=os.path.basename(path))
        with self.store() as store:
            store.replace(SITES_LAYER, sites)
        return sites

    def import_options(self, **flags: Any) -> ImportOptions:
        """ImportOptions with this workspace's timezone, distance limit and dates window."""
        return ImportOptions(
            timezone=self.settings.timezone,
            max_distance_km=self.settings.max_distance_km,
            earliest_date=self.settings.earliest_date,
            latest_date=self.settings.latest_date,
            **flags,
        )

    def import_file(
        self,
        path: str | os.PathLike[str],
        /,
        *,
        kind: str = "surveys",
        dry_run: bool = False,
        strict: bool = False,
        progress: Callable[[int, int], object] | None = None,
        uploader: str | None = None,
        language: str = "en",
        attach: Callable[[Store, str], object] | None = None,
        **flags: Any,
    ) -> ingest.ImportSummary:
        """Import one patrol file, or a plots file with kind="clearance" or
        "restoration" (flags: patrol_type, team, crs, sheet, observed_on,
        date_from_name); ``progress(rows, total)`` follows the writing;
        ``uploader`` is who the upload log names (the portal's account; else
        this process's user); ``language`` is the error report's ("zh" or
        "en"; the command line passes the workspace's); ``attach(store,
        upload_id)`` writes more in the import's transaction. See
        :func:`hailin.surveys.ingest.import_file`."""
        return ingest.import_file(
            path,
            self.import_options(**flags),
            self.paths,
            kind=kind,
            dry_run=dry_run,
            strict=strict,
            progress=progress,
            wait=self.write_wait_s,
            uploader=uploader,
            language=language,
            attach=attach,
        )

    def surveys(
        self,
        columns: Sequence[str] | None = None,
        where: str | None = None,
        parameters: Sequence[object] = (),
    ) -> geopandas.GeoDataFrame:
        """The accepted survey records (optionally some columns, or an SQL filter
        ``where`` with ``?`` placeholders bound to ``parameters``)."""
        return self._read(read_surveys, columns, where, parameters)

    def rejects(self) -> pd.DataFrame:
        """Rejected rows with their reasons."""
        return self._read(read_rejects)

    def uploads(self) -> pd.DataFrame:
        """One row per upload: file, when, by whom, status, counts, and for a
        withdrawn upload when, by whom and why (status ``withdrawn``)."""
        return list_uploads(self._read(read_uploads))

    def withdraw_upload(
        self, upload_id: str, /, reason: str, *, by: str | None = None
    ) -> Withdrawal:
        """Take an upload out of the store: its records, rejects and (for a
        plots upload) plots leave in one transaction; the raw file stays in
        uploads/ and the upload row stays, status ``withdrawn`` with the time,
        user and ``reason``. ``upload_id`` is the sha256 or a unique prefix of
        at least 8 hex digits. The same file can then be imported again.
        Layers written by :meth:`flag` are recomputed. Returns a
        :class:`hailin.surveys.io.uploads.Withdrawal`. ``by`` is who the upload log
        names (the portal's account; else this process's user)."""
        with self.store() as store:
            withdrawal = withdraw(store, upload_id, reason, by=by)
        with self.store(write=False) as store:
            derived = [name for name in DERIVED_LAYERS if store.has_layer(name)]
        if derived:
            self.flag()
            withdrawal.recomputed = derived
        return withdrawal

    def plots(self, kind: str) -> geopandas.GeoDataFrame:
        """The ``kind`` ("clearance" or "restoration") plots (an empty frame when none yet)."""
        return self._read(read_plots, kind)

    def frames(
        self,
        *,
        every_record: bool = False,
        as_of: datetime.date | str | None = None,
        client: Any = None,
        partitions: int | None = None,
    ) -> Frames:
        """One consistent read of the store (one read-only connection, one read
        transaction): a :class:`hailin.surveys.frames.Frames` that builds the ledger
        once, on first use. Pass it to :meth:`flag`, :meth:`export_ledger` and
        :meth:`progress` (and to the maps) so that a command reads and builds
        each thing once. ``every_record`` reads every record in full (the maps
        draw them all); ``as_of`` (a date, "YYYY-MM[-DD]") gives the store as it
        stood at the end of that local day (:mod:`hailin.surveys.asof`).

        With a Dask ``client`` (see :mod:`hailin.surveys.dist`), the records are cut
        into ``partitions`` on its cluster and the ledger and survival are
        computed there, with the same results."""
        as_of = None if as_of is None else as_of_day(as_of)
        if client is not None:
            from hailin.surveys.dist.frames import distributed_frames  # needs the dask extra

            if self.is_dataset:
                return distributed_frames(
                    client, self.settings, dataset=self.root, as_of=as_of, partitions=partitions
                )
            with self.store(write=False) as store:
                return distributed_frames(
                    client, self.settings, store=store, as_of=as_of, partitions=partitions
                )
        if self.is_dataset:
            return read_dataset_frames(
                self.root, self.settings, every_record=every_record, as_of=as_of
            )
        with self.store(write=False) as store:
            return read_frames(
                store, self.settings, every_record=every_record, as_of=as_of, root=self.root
            )

    def map_data(self) -> Frames:
        """The frames the maps are drawn from (:class:`hailin.surveys.frames.Frames`
        with every record): pass it to :func:`hailin.maps.clearance_map` and the others."""
        return self.frames(every_record=True)

    def ledger(
        self, as_of: datetime.date | str | None = None
    ) -> tuple[pd.DataFrame, geopandas.GeoDataFrame]:
        """(ledger, new-infestation patches), recomputed from the store as it
        stood at the end of ``as_of`` (default: all of it)."""
        built = self.frames(as_of=as_of).built
        return built.ledger, built.patches

    def flag(
        self, frames: Frames | None = None
    ) -> tuple[geopandas.GeoDataFrame, pd.DataFrame, geopandas.GeoDataFrame]:
        """Recompute detections, the ledger and new patches and keep them in the
        store as layers a GIS can show (derived data, replaced every time);
        returns (detections, ledger, patches)."""
        frames = frames or self.frames()
        ledger, patches, detections = frames.built
        flagged = frames.cases()
        if self.is_dataset:
            dataset.write_derived(
                self.root,
                {DETECTIONS_LAYER: detections, CASES_LAYER: flagged, PATCHES_LAYER: patches},
            )
            return detections, ledger, patches
        with self.store() as store, store.transaction(holder="hailin flag"):
            store.replace(DETECTIONS_LAYER, detections)
            store.replace(CASES_LAYER, flagged)
            store.replace(PATCHES_LAYER, patches)
        return detections, ledger, patches

    def progress(
        self, ledger: pd.DataFrame | None = None, frames: Frames | None = None
    ) -> tuple[Progress, Progress]:
        """(clearance progress, restoration progress) against the targets, of
        ``frames`` (read when not given); a ``ledger`` already computed is used
        instead of building it."""
        frames = frames or self.frames()
        if ledger is None:
            clearance = frames.clearance_progress
        else:
            clearance = clearance_progress(
                frames.clearance, ledger, self.settings.clearance_target_mu
            )
        return clearance, frames.restoration_progress

    def __repr__(self):
        return f"Workspace({self.root!r})"
