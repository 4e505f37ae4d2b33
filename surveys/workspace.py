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
from surveys import ingest
from surveys.check.options import ImportOptions
from surveys.errors import WorkspaceError
from surveys.io.exports import export_ledger
from surveys.io.layout import (
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
from surveys.io.sniff import read_vector
from surveys.io.store import WRITE_WAIT_S, Store
from surveys.io.uploads import list_uploads, withdraw
from surveys.ledger.cases import LEDGER_INPUT, LedgerRules, build_ledger, case_areas
from surveys.ledger.detections import detect
from surveys.ledger.progress import clearance_progress, restoration_progress
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
            raise WorkspaceError(
                f"{self.root} is not a hailin workspace (no {SETTINGS_FILE}); "
                f"create one with `hailin init {root}` or point to one with -w DIR "
                f"or ${ENVIRONMENT_VARIABLE}"
            )
        # Bytes: parse_settings decodes a BOM, UTF-16 or GBK as Windows editors save it.
        with open(self.settings_path, "rb") as handle:
            data = handle.read(MAX_SETTINGS_BYTES + 1)
        self.settings = parse_settings(data, source=self.settings_path)

    @property
    def settings_path(self):
        return self.paths.settings

    @property
    def store_path(self):
        return self.paths.store

    @property
    def uploads_dir(self):
        return self.paths.uploads

    @property
    def out_dir(self):
        return self.paths.out

    @property
    def log_path(self):
        """logs/hailin.log: where tracebacks of hailin bugs go."""
        return self.paths.log

    @classmethod
    def create(cls, root, /, *, language="zh"):
        """Make a new workspace in ``root`` (created if missing, must not hold one)."""
        if language not in LANGUAGES:
            raise WorkspaceError(f"language should be one of {LANGUAGES}, got {language!r}")
        os.makedirs(root, exist_ok=True)
        settings_path = os.path.join(root, SETTINGS_FILE)
        if os.path.exists(settings_path):
            raise WorkspaceError(f"{os.path.abspath(root)} already holds a hailin workspace")
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

    def _ledger_inputs(self):
        """(findings, inspections): the clear inspections are most of the records,
        so only their time and place are read."""
        findings = self.surveys(
            [*LEDGER_INPUT, "record_id", "team", "notes"], where="finding != 'clear'"
        )
        inspections = self.surveys(["observed_at"], where="finding = 'clear'")
        return findings, inspections

    def ledger(self, as_of=None):
        """(ledger, new-infestation patches), recomputed from the store."""
        findings, inspections = self._ledger_inputs()
        return build_ledger(
            findings,
            self.plots("clearance"),
            LedgerRules.from_settings(self.settings),
            self.sites(),
            as_of,
            inspections=inspections,
        )

    def flag(self):
        """Recompute detections, the ledger and new patches and keep them in the
        store as layers a GIS can show (derived data, replaced every time)."""
        clearance = self.plots("clearance")
        rules = LedgerRules.from_settings(self.settings)
        findings, inspections = self._ledger_inputs()
        detections, _outside = detect(findings, clearance, rules.tolerance_m, rules.timezone)
        ledger, patches = build_ledger(
            findings, clearance, rules, self.sites(), inspections=inspections
        )
        areas = case_areas(clearance, patches).set_index("plot_id")
        geometry = areas.geometry.reindex(ledger["plot_id"]).to_numpy()
        flagged = geopandas.GeoDataFrame(ledger, geometry=geometry, crs=4326)
        with self.store() as store, store.transaction(holder="hailin flag"):
            store.replace(DETECTIONS_LAYER, detections)
            store.replace(CASES_LAYER, flagged)
            store.replace(PATCHES_LAYER, patches)
        return detections, ledger, patches

    def export_ledger(self, path, language=None):
        """Write the ledger, recomputed, to CSV, XLSX, GeoPackage or GeoJSON."""
        ledger, patches = self.ledger()
        areas = case_areas(self.plots("clearance"), patches)
        export_ledger(ledger, areas, path, language or self.settings.language)
        return ledger

    def progress(self, ledger=None):
        """(clearance progress, restoration progress) against the targets; pass
        a ``ledger`` already computed to save recomputing it."""
        if ledger is None:
            ledger, _patches = self.ledger()
        clearance = clearance_progress(
            self.plots("clearance"), ledger, self.settings.clearance_target_mu
        )
        checks = self.surveys(LEDGER_INPUT, where="finding = 'planting_check'")
        restoration = restoration_progress(
            self.plots("restoration"),
            checks,
            self.settings.restoration_target_mu,
            self.settings.timezone,
        )
        return clearance, restoration

    def __repr__(self):
        return f"Workspace({self.root!r})"
