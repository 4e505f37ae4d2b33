"""A workspace folder, and the one orchestrator of what hailin does with it.

A workspace is hailin.toml (settings), hailin.gpkg (the store), uploads/ (raw
files by content hash) and out/ (maps and exports). :class:`Workspace` runs
every command: it calls the readers, checks, store and ledger functions with
explicit arguments; nothing below it receives the workspace.
"""

import contextlib
import os

import geopandas

from geo.sites import load_sites, normalize_sites
from surveys import evidence, ingest
from surveys.check.options import ImportOptions
from surveys.errors import NotAWorkspaceError, SettingsError, WorkspaceExistsError
from surveys.frames import read_frames
from surveys.io.exports import export_ledger
from surveys.io.layout import (
    CASES_LAYER,
    DERIVED_LAYERS,
    DETECTIONS_LAYER,
    PATCHES_LAYER,
    SITES_LAYER,
    ensure_layers,
    read_photos,
    read_plots,
    read_rejects,
    read_sites,
    read_surveys,
    read_uploads,
)
from surveys.io.sniff import read_vector
from surveys.io.store import WRITE_WAIT_S, Store
from surveys.io.uploads import list_uploads, withdraw
from surveys.ledger.progress import clearance_progress
from surveys.paths import STORE_FILE, WorkspacePaths
from surveys.settings import LANGUAGES, MAX_SETTINGS_BYTES, SETTINGS_FILE, TEMPLATE, parse_settings

ENVIRONMENT_VARIABLE = "HAILIN_WORKSPACE"


class Workspace:
    """One monitoring workspace on disk.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> ws.sites()["site_id"].tolist()
    ['kewan', 'xuncheng', 'luochun']
    """

    # Seconds a write waits for another writer before it fails, naming the holder.
    write_wait_s = WRITE_WAIT_S

    def __init__(self, root, /):
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

    # The workspace's files and folders (see surveys.paths.WorkspacePaths).
    settings_path = property(lambda self: self.paths.settings, doc="hailin.toml")
    store_path = property(lambda self: self.paths.store, doc="hailin.gpkg: the store")
    uploads_dir = property(lambda self: self.paths.uploads, doc="uploads/: the raw files")
    out_dir = property(lambda self: self.paths.out, doc="out/: maps and exports")
    log_path = property(lambda self: self.paths.log, doc="logs/hailin.log: hailin's bugs")

    @classmethod
    def create(cls, root, /, *, language="zh"):
        """Make a new workspace in ``root`` (created if missing, must not hold one)."""
        if language not in LANGUAGES:
            raise SettingsError(f"language should be one of {LANGUAGES}, got {language!r}")
        os.makedirs(root, exist_ok=True)
        settings_path = os.path.join(root, SETTINGS_FILE)
        if os.path.exists(settings_path):
            raise WorkspaceExistsError(f"{os.path.abspath(root)} already holds a hailin workspace")
        for folder in ("uploads", "out"):
            os.makedirs(os.path.join(root, folder), exist_ok=True)
        with (
            Store.open(os.path.join(root, STORE_FILE), create=True) as store,
            store.transaction(holder="hailin init"),
        ):
            store.replace(SITES_LAYER, load_sites())
            ensure_layers(store)
        with open(settings_path, "w", encoding="utf-8") as handle:
            handle.write(TEMPLATE.format(language=language))
        return cls(root)

    @classmethod
    def find(cls, explicit=None):
        """The workspace from ``-w``, else ``$HAILIN_WORKSPACE``, else the current folder."""
        root = explicit or os.environ.get(ENVIRONMENT_VARIABLE) or os.getcwd()
        return cls(root)

    @contextlib.contextmanager
    def store(self, *, write=True):
        """The store, for writing (waits up to :attr:`write_wait_s` for another
        writer when a transaction begins) or, with ``write=False``, read-only:
        a reader never waits for an import and sees the last commit."""
        with Store.open(self.store_path, write=write, wait=self.write_wait_s) as store:
            yield store

    def _read(self, reader, *args, **kwargs):
        """One layer read-only: ``reader(store, ...)`` of :mod:`surveys.io.layout`."""
        with self.store(write=False) as store:
            return reader(store, *args, **kwargs)

    def sites(self):
        """The site registry (reserve polygons)."""
        return self._read(read_sites)

    def import_sites(self, path, /):
        """Replace the site registry with the boundaries in ``path``."""
        sites = normalize_sites(read_vector(path), source=os.path.basename(path))
        with self.store() as store:
            store.replace(SITES_LAYER, sites)
        return sites

    def import_options(self, **flags):
        """ImportOptions with this workspace's timezone, distance limit and dates window."""
        return ImportOptions(
            timezone=self.settings.timezone,
            max_distance_km=self.settings.max_distance_km,
            earliest_date=self.settings.earliest_date,
            latest_date=self.settings.latest_date,
            **flags,
        )

    def import_file(
        self, path, /, *, kind="surveys", dry_run=False, strict=False, progress=None, **flags
    ):
        """Import one patrol file, or a plots file with kind="clearance" or
        "restoration" (flags: patrol_type, team, crs, sheet); see
        :func:`surveys.ingest.import_file`."""
        return ingest.import_file(
            path,
            self.import_options(**flags),
            self.paths,
            kind=kind,
            dry_run=dry_run,
            strict=strict,
            progress=progress,
            wait=self.write_wait_s,
        )

    def surveys(self, columns=None, where=None, parameters=()):
        """The accepted survey records (optionally some columns, or an SQL filter)."""
        return self._read(read_surveys, columns, where, parameters)

    def rejects(self):
        """Rejected rows with their reasons."""
        return self._read(read_rejects)

    def uploads(self):
        """One row per upload: file, when, by whom, status, counts, and for a
        withdrawn upload when, by whom and why (status ``withdrawn``)."""
        return list_uploads(self._read(read_uploads))

    def withdraw_upload(self, upload_id, /, reason):
        """Take an upload out of the store: its records, rejects and (for a
        plots upload) plots leave in one transaction; the raw file stays in
        uploads/ and the upload row stays, status ``withdrawn`` with the time,
        user and ``reason``. ``upload_id`` is the sha256 or a unique prefix of
        at least 8 hex digits. The same file can then be imported again.
        Layers written by :meth:`flag` are recomputed. Returns a
        :class:`surveys.io.uploads.Withdrawal`."""
        with self.store() as store:
            withdrawal = withdraw(store, upload_id, reason)
        with self.store(write=False) as store:
            derived = [name for name in DERIVED_LAYERS if store.has_layer(name)]
        if derived:
            self.flag()
            withdrawal.recomputed = derived
        return withdrawal

    def plots(self, kind):
        """The clearance or restoration plots (an empty frame when none yet)."""
        return self._read(read_plots, kind)

    def frames(self, *, every_record=False, as_of=None):
        """One consistent read of the store (one read-only connection, one read
        transaction): a :class:`surveys.frames.Frames` that builds the ledger
        once, on first use. Pass it to :meth:`flag`, :meth:`export_ledger` and
        :meth:`progress` (and to the maps) so that a command reads and builds
        each thing once. ``every_record`` reads every record in full (the maps
        draw them all); ``as_of`` is the day open cases are counted to."""
        with self.store(write=False) as store:
            return read_frames(store, self.settings, every_record=every_record, as_of=as_of)

    def map_data(self):
        """The frames the maps are drawn from (:class:`surveys.frames.Frames`
        with every record): pass it to :func:`maps.clearance_map` and the others."""
        return self.frames(every_record=True)

    def ledger(self, as_of=None):
        """(ledger, new-infestation patches), recomputed from the store."""
        built = self.frames(as_of=as_of).built
        return built.ledger, built.patches

    def flag(self, frames=None):
        """Recompute detections, the ledger and new patches and keep them in the
        store as layers a GIS can show (derived data, replaced every time);
        returns (detections, ledger, patches)."""
        frames = frames or self.frames()
        ledger, patches, detections = frames.built
        areas = frames.case_areas().set_index("plot_id")
        geometry = areas.geometry.reindex(ledger["plot_id"]).to_numpy()
        flagged = geopandas.GeoDataFrame(ledger, geometry=geometry, crs=4326)
        with self.store() as store, store.transaction(holder="hailin flag"):
            store.replace(DETECTIONS_LAYER, detections)
            store.replace(CASES_LAYER, flagged)
            store.replace(PATCHES_LAYER, patches)
        return detections, ledger, patches

    def export_ledger(self, path, language=None, frames=None):
        """Write the ledger, recomputed (or of ``frames``), to CSV, XLSX,
        GeoPackage or GeoJSON; returns the ledger."""
        frames = frames or self.frames()
        language = language or self.settings.language
        export_ledger(frames.ledger, frames.case_areas(), path, language, frames.sites)
        return frames.ledger

    def progress(self, ledger=None, frames=None):
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

    def import_photo(self, path, /, *, file=None, team=None, uploader=None):
        """Store a geotagged JPEG/HEIC photo as evidence; returns a
        :class:`surveys.io.photos.PhotoSummary`. It is attached to the record
        nearest in time and place (within
        :data:`surveys.io.photos.ATTACH_DISTANCE_M` and
        :data:`~surveys.io.photos.ATTACH_GAP_S`), else kept as a record of its
        own; one without GPS or time, or far from every site, is rejected with
        the reason. The raw photo goes to uploads/, a thumbnail to out/photos/."""
        return evidence.import_photo(
            path,
            self.paths,
            self.sites(),
            timezone=self.settings.timezone,
            max_distance_km=self.settings.max_distance_km,
            file=file,
            team=team,
            uploader=uploader,
            wait=self.write_wait_s,
        )

    def photos(self):
        """The stored photos (withdrawn ones too, with status ``withdrawn``)."""
        return self._read(read_photos)

    def withdraw_photo(self, photo_id, /, reason, by=None):
        """Take a photo out of the evidence with a ``reason``; the raw file stays."""
        evidence.withdraw_photo(self.store_path, photo_id, reason, by=by, wait=self.write_wait_s)

    def __repr__(self):
        return f"Workspace({self.root!r})"
