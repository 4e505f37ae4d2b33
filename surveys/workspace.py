"""A workspace folder: hailin.toml, the hailin.gpkg store, uploads/ and out/."""

import contextlib
import os
import shutil

import geopandas
import pandas as pd
import shapely

from geo.sites import load_sites, normalize_sites
from surveys import photos
from surveys.errors import SurveyFileError, UploadError, WorkspaceError
from surveys.exports import export_ledger
from surveys.ingest import (
    REJECT_KINDS,
    REJECTS_LAYER,
    SURVEYS_LAYER,
    UPLOAD_KINDS,
    UPLOADS_LAYER,
    ensure_layers,
    import_file,
    plots_layer,
)
from surveys.ledger import LEDGER_INPUT, LedgerRules, build_ledger, case_areas
from surveys.logs import LOG_FILE
from surveys.normalize import ImportOptions
from surveys.plots import PLOT_COLUMNS
from surveys.progress import clearance_progress, restoration_progress
from surveys.readers import read_vector
from surveys.recurrence import detect
from surveys.schema import KINDS
from surveys.settings import (
    LANGUAGES,
    MAX_SETTINGS_BYTES,
    SETTINGS_FILE,
    TEMPLATE,
    parse_settings,
)
from surveys.store import WRITE_WAIT_S, Store
from surveys.uploads import list_uploads, withdraw

STORE_FILE = "hailin.gpkg"
ENVIRONMENT_VARIABLE = "HAILIN_WORKSPACE"
SITES_LAYER = "sites"
DETECTIONS_LAYER = "detections"
CASES_LAYER = "recurrence_cases"
PATCHES_LAYER = "new_infestations"
# Layers `flag` derives from the records; recomputed when an upload is withdrawn.
DERIVED_LAYERS = (DETECTIONS_LAYER, CASES_LAYER, PATCHES_LAYER)
PHOTOS_LAYER = "photos"
PHOTO_KINDS = {
    "photo_id": "text", "file": "text", "format": "text", "taken_at": "datetime",
    "time_source": "text", "width": "integer", "height": "integer", "team": "text",
    "uploaded_by": "text", "uploaded_at": "datetime", "record_id": "text",
    "distance_m": "real", "gap_s": "real", "archived_as": "text", "thumbnail": "text",
    "status": "text", "withdrawn_at": "datetime", "withdrawn_by": "text",
    "withdrawn_reason": "text",
}  # fmt: skip


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
        return os.path.join(self.root, SETTINGS_FILE)

    @property
    def store_path(self):
        return os.path.join(self.root, STORE_FILE)

    @property
    def uploads_dir(self):
        return os.path.join(self.root, "uploads")

    @property
    def out_dir(self):
        return os.path.join(self.root, "out")

    @property
    def log_path(self):
        """logs/hailin.log: where tracebacks of hailin bugs go."""
        return os.path.join(self.root, LOG_FILE)

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

    def _read(self, name, schema, spatial=False, **query):
        """Layer ``name`` read-only; an empty frame of ``schema`` when not yet written."""
        with self.store(write=False) as store:
            return store.read(name, schema=schema, spatial=spatial, **query)

    def sites(self):
        with self.store(write=False) as store:
            return store.read(SITES_LAYER)

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
        options = self.import_options(**flags)
        return import_file(
            self, path, options, kind=kind, dry_run=dry_run, strict=strict, progress=progress
        )

    def surveys(self, columns=None, where=None, parameters=()):
        """The accepted survey records (optionally some columns, or an SQL filter)."""
        return self._read(
            SURVEYS_LAYER, KINDS, True, columns=columns, where=where, parameters=parameters
        )

    def rejects(self):
        """Rejected rows with their reasons."""
        return self._read(REJECTS_LAYER, REJECT_KINDS)

    def uploads(self):
        """One row per upload: file, when, by whom, status, counts, and for a
        withdrawn upload when, by whom and why (status ``withdrawn``)."""
        return list_uploads(self._read(UPLOADS_LAYER, UPLOAD_KINDS))

    def withdraw_upload(self, upload_id, /, reason):
        """Take an upload out of the store: its records, rejects and (for a
        plots upload) plots leave in one transaction; the raw file stays in
        uploads/ and the upload row stays, status ``withdrawn`` with the time,
        user and ``reason``. ``upload_id`` is the sha256 or a unique prefix of
        at least 8 hex digits. The same file can then be imported again.
        Layers written by :meth:`flag` are recomputed. Returns a
        :class:`surveys.uploads.Withdrawal`."""
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
        return self._read(plots_layer(kind), PLOT_COLUMNS[kind], True)

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

    # -- photos: patrol evidence (read by surveys.photos, kept in the photos layer) --
    def import_photo(self, path, /, *, file=None, team=None, uploader=None):
        """Store a geotagged JPEG/HEIC photo as evidence; returns a
        :class:`surveys.photos.PhotoSummary`. It is attached to the record
        nearest in time and place (within :data:`surveys.photos.ATTACH_DISTANCE_M`
        and :data:`~surveys.photos.ATTACH_GAP_S`), else kept as a record of its
        own; one without GPS or time, or far from every site, is rejected with
        the reason. The raw photo goes to uploads/, a thumbnail to out/photos/."""
        file = file or os.path.basename(path)
        summary = photos.PhotoSummary(upload_id="", file=file, status="rejected")
        try:
            photo = photos.read_photo(path, file=file, timezone=self.settings.timezone)
            far = photos.distances_m(photo.lon, photo.lat, self.sites().geometry.values).min()
            if far > self.settings.max_distance_km * 1000:
                raise SurveyFileError(
                    f"the photo was taken {far / 1000:,.1f} km from the nearest site "
                    f"(at most {self.settings.max_distance_km:g} km)",
                    file=file,
                )
        except SurveyFileError as error:
            summary.errors.append({"row": None, "column": None, "message": error.reason})
            return summary
        summary.upload_id = photo_id = photos.sha256_bytes(path)
        summary.lon, summary.lat, summary.taken_at = (
            photo.lon,
            photo.lat,
            photo.taken_at.isoformat(),
        )
        window = [
            (photo.taken_at + pd.Timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            for s in (-photos.ATTACH_GAP_S, photos.ATTACH_GAP_S + 1)
        ]
        near = self.surveys(["record_id", "observed_at"], "observed_at BETWEEN ? AND ?", window)
        record, metres, gap = photos.nearest_record(photo, near)
        suffix = ".heic" if photo.format == "heic" else ".jpg"
        archived = os.path.join(self.uploads_dir, photo_id + suffix)
        thumb = os.path.join(self.out_dir, "photos", photo_id + ".jpg")
        for target, data in ((archived, None), (thumb, photos.thumbnail(path))):
            if not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                staged = f"{target}.{os.getpid()}.part"
                if data is None:
                    shutil.copyfile(path, staged)
                else:
                    with open(staged, "wb") as handle:
                        handle.write(data)
                os.replace(staged, target)
        row = {
            "photo_id": photo_id, "file": file, "format": photo.format,
            "taken_at": photo.taken_at, "time_source": photo.time_source,
            "width": photo.width, "height": photo.height, "team": team,
            "uploaded_by": uploader, "uploaded_at": pd.Timestamp.now(tz="UTC"),
            "record_id": record, "distance_m": metres, "gap_s": gap,
            "archived_as": os.path.relpath(archived, self.root),
            "thumbnail": os.path.relpath(thumb, self.root), "status": "accepted",
        }  # fmt: skip
        frame = geopandas.GeoDataFrame(
            pd.DataFrame([row]), geometry=[shapely.Point(photo.lon, photo.lat)], crs=4326
        )
        with self.store() as store, store.transaction(holder=f"hailin photo {file}"):
            if (
                store.has_layer(PHOTOS_LAYER)
                and store.execute(
                    f"SELECT 1 FROM {PHOTOS_LAYER} WHERE photo_id = ? AND status = 'accepted'",
                    (photo_id,),
                ).fetchone()
            ):
                summary.status = "duplicate"
                summary.warnings.append(
                    {"row": None, "column": None, "message": "this photo is stored already"}
                )
                return summary
            store.append(PHOTOS_LAYER, frame, kinds=PHOTO_KINDS)
        summary.status, summary.record_id = "accepted", record
        summary.distance_m, summary.gap_s = metres, gap
        summary.thumbnail = row["thumbnail"]
        return summary

    def photos(self):
        """The stored photos (withdrawn ones too, with status ``withdrawn``)."""
        return self._read(PHOTOS_LAYER, PHOTO_KINDS, True)

    def withdraw_photo(self, photo_id, /, reason, by=None):
        """Take a photo out of the evidence (status ``withdrawn`` with time, user
        and ``reason``); the raw file stays in uploads/."""
        reason = " ".join(str(reason or "").split())
        if not reason:
            raise UploadError("say why the photo is withdrawn")
        with self.store() as store, store.transaction(holder="hailin photo withdraw"):
            if store.has_layer(PHOTOS_LAYER):
                store.ensure_columns(PHOTOS_LAYER, PHOTO_KINDS)  # the withdrawn_* columns
            changed = store.has_layer(PHOTOS_LAYER) and store.execute(
                f"UPDATE {PHOTOS_LAYER} SET status = 'withdrawn', withdrawn_at = ?, "
                "withdrawn_by = ?, withdrawn_reason = ? "
                "WHERE photo_id = ? AND status = 'accepted'",
                (pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ"), by, reason[:500],
                 str(photo_id)),
            ).rowcount  # fmt: skip
        if not changed:
            raise UploadError(f"no standing photo {str(photo_id)[:16]!r}")
