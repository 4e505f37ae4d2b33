"""What one command reads from the store, and what it computes from that, once.

:func:`read_frames` reads every layer a command needs through one read-only
connection in one read transaction, so the frames agree with each other even
when an import commits meanwhile. :class:`Frames` then builds the ledger once
(detection included) and the figures drawn from it, on first use, and hands
the same frames to exports, progress and maps.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools

import geopandas
import pandas as pd

from hailin.geo.overlay import records_per_plot
from hailin.surveys.asof import frames_as_of, upload_times, with_upload_times
from hailin.surveys.errors import FramesError
from hailin.surveys.io.dataset import read_dataset_layers
from hailin.surveys.io.layout import (
    COVER_KINDS,
    read_cover,
    read_plots,
    read_sites,
    read_surveys,
    read_uploads,
)
from hailin.surveys.io.rasters import raster_sources
from hailin.surveys.ledger.cases import (
    LEDGER_INPUT,
    LedgerBuild,
    LedgerRules,
    build_ledger,
    case_areas,
    point_inspections,
)
from hailin.surveys.ledger.cover import ImageryCover, imagery_survival
from hailin.surveys.ledger.progress import Progress, clearance_progress, restoration_progress
from hailin.surveys.ledger.tasks import verification_tasks
from hailin.surveys.localtime import with_local_times
from hailin.surveys.settings import Settings
from hailin.surveys.withdrawn import read_back

# The survey columns a command reads of the records it shows or keeps (detections).
RECORD_DETAIL = [*LEDGER_INPUT, "record_id", "team", "observer", "notes"]


@dataclasses.dataclass
class Frames:
    """The frames of one consistent read of a workspace store (EPSG:4326), and
    what is computed from them, each once (on first use).

    ``findings`` are the records other than ``clear`` inspections (with the
    file name of the raster each raster detection came from, ``raster``); the
    inspections carry only time and place unless every record was read
    (``records`` then holds them all, in the store's order, for the maps).
    Records and plots read from a store carry ``uploaded_at``, when their
    upload was made (the as-of cut keeps only what was uploaded by its day).
    ``cover`` holds the mangrove cover measured on rasters (imagery_cover).
    With ``as_of`` (a local day) they hold only what was known by its end
    (:mod:`hailin.surveys.asof`) and open cases' ages are counted to it.
    """

    settings: Settings
    sites: geopandas.GeoDataFrame
    clearance: geopandas.GeoDataFrame
    restoration: geopandas.GeoDataFrame
    findings: geopandas.GeoDataFrame
    inspections: geopandas.GeoDataFrame
    records: geopandas.GeoDataFrame | None = None
    as_of: datetime.date | None = None
    cover: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame({c: [] for c in COVER_KINDS})
    )
    # {"surveys" | "clearance" | "restoration": rows the store held once and no longer
    # holds (withdrawn, replaced), with uploaded_at and withdrawn_at}: Frames.at chooses.
    earlier: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)
    # The frames as of each day asked (the maps ask for every month, twice in the overview).
    _days: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def at(self, day: datetime.date) -> Frames:
        """These frames as they stood at the end of the local ``day``: what was
        observed, cleared, planted and imaged by then and uploaded by then, the
        ledger built from that alone (:func:`hailin.surveys.asof.frames_as_of`)."""
        if day not in self._days:
            self._days[day] = frames_as_of(self, day)
        return self._days[day]

    @functools.cached_property
    def built(self) -> LedgerBuild:
        """The ledger, new-infestation patches and detections (built once)."""
        return self.build_ledger(LedgerRules.from_settings(self.settings))

    def build_ledger(self, rules: LedgerRules) -> LedgerBuild:
        """The ledger of these frames under ``rules`` (use :attr:`built`: once)."""
        return build_ledger(
            self.findings,
            self.clearance,
            rules,
            self.sites,
            self.as_of,
            inspections=self.inspections,
        )

    @property
    def ledger(self) -> pd.DataFrame:
        """One row per recurrence case (see :mod:`hailin.surveys.ledger.cases`)."""
        return self.built.ledger

    @property
    def patches(self) -> geopandas.GeoDataFrame:
        """The new-infestation patches."""
        return self.built.patches

    @property
    def detections(self) -> geopandas.GeoDataFrame:
        """Spartina findings after clearance, one row per (record, plot)."""
        return self.built.detections

    @property
    def surveys(self) -> geopandas.GeoDataFrame:
        """Every record (the maps' patrol layers); read only with ``every_record``."""
        if self.records is None:
            raise FramesError("these frames hold no records; read them with every_record=True")
        return self.records

    @property
    def timezone(self) -> str:
        """The workspace's time zone: every day and time shown is local to it."""
        return self.settings.timezone

    @property
    def language(self) -> str:
        """The workspace's language ("zh" or "en")."""
        return self.settings.language

    def case_areas(self) -> geopandas.GeoDataFrame:
        """plot_id and geometry of everything a ledger row can be about."""
        return case_areas(self.clearance, self.patches)

    def cases(self) -> geopandas.GeoDataFrame:
        """The ledger with each case's plot or patch as its geometry (EPSG:4326)."""
        areas = self.case_areas().drop_duplicates("plot_id").set_index("plot_id")
        geometry = areas.geometry.reindex(self.ledger["plot_id"]).to_numpy()
        return geopandas.GeoDataFrame(self.ledger, geometry=geometry, crs=4326)

    def new_patches(self) -> geopandas.GeoDataFrame:
        """The new-infestation patches with where they are (site, township),
        their area, and their latest case (status, first and last finding,
        findings) and number of cases."""
        ledger = self.ledger[self.ledger["kind"] == "new_infestation"]
        latest = ledger.sort_values("first_detected").drop_duplicates("plot_id", keep="last")
        columns = ["site", "township", "area_mu", "area_ha", "status", "first_detected"]
        columns += ["last_detected", "detections"]
        about = latest.set_index("plot_id")[columns]
        about["cases"] = ledger.groupby("plot_id").size().reindex(about.index).astype("int64")
        patches = self.patches[["patch_id", "geometry"]]
        return patches.merge(about, left_on="patch_id", right_index=True, how="left")

    @functools.cached_property
    def clearance_progress(self) -> Progress:
        """Cleared area by month, site and township against the target; open cases."""
        return clearance_progress(self.clearance, self.ledger, self.settings.clearance_target_mu)

    @functools.cached_property
    def _patrol_restoration(self) -> Progress:
        checks = self.findings[self.findings["finding"] == "planting_check"]
        return restoration_progress(
            self.restoration, checks, self.settings.restoration_target_mu, self.timezone
        )

    @functools.cached_property
    def restoration_progress(self) -> Progress:
        """Planted area by year, site and township against the target; survival
        from planting checks, and from imagery (``extra["imagery"]``)."""
        progress = self._patrol_restoration
        progress.extra["imagery"] = self.imagery.to_dict()
        return progress

    @property
    def survival(self) -> dict:
        """{restoration plot_id: survival %} of the plots checked."""
        survival = self._patrol_restoration.extra["plot_survival"]
        return dict(zip(survival["plot_id"], survival["survival_pct"], strict=True))

    @functools.cached_property
    def imagery(self) -> ImageryCover:
        """Mangrove cover from imagery per restoration plot, its trend and the
        imagery survival estimate (see :mod:`hailin.surveys.ledger.cover`)."""
        return imagery_survival(self.cover, self.restoration, self.survival)

    @property
    def imagery_survival(self) -> dict:
        """{restoration plot_id: (latest cover % from imagery, its date)}."""
        return self.imagery.by_plot()

    @functools.cached_property
    def tasks(self) -> geopandas.GeoDataFrame:
        """Verification tasks of the suspected findings (疑似复萌: open until the
        next inspection there, see :mod:`hailin.surveys.ledger.tasks`)."""
        return verification_tasks(
            self.findings,
            point_inspections(self.inspections),
            self.clearance,
            self.settings.tolerance_m,
        )

    @functools.cached_property
    def patrol_counts(self) -> dict:
        """{clearance plot_id: number of patrol records inside it}."""
        return records_per_plot(self.surveys, self.clearance)


def read_frames(
    store,
    settings: Settings,
    *,
    every_record: bool = False,
    as_of: datetime.date | None = None,
    root: str | None = None,
) -> Frames:
    """The layers a command needs, from ``store`` (a reader) in one read transaction.

    With ``every_record`` every record is read with :data:`RECORD_DETAIL`
    (the maps draw them all); otherwise the ``clear`` inspections, most of the
    records, are read as time and place only. With ``as_of``, the frames as
    the store stood at the end of that day; given the workspace folder
    ``root``, uploads withdrawn after the day are read back from its archive.
    """
    with store.snapshot():
        sites = read_sites(store)
        clearance = read_plots(store, "clearance")
        restoration = read_plots(store, "restoration")
        # Each record's upload, for when it was made (the as-of cut).
        detail = [*RECORD_DETAIL, "upload_id"]
        if every_record:
            records = read_surveys(store, detail)
            clear = records["finding"].eq("clear").to_numpy()
            findings, inspections = records[~clear], records[clear]
        else:
            records = None
            findings = read_surveys(store, detail, where="finding != 'clear'")
            inspections = read_surveys(
                store, ["observed_at", "upload_id"], where="finding = 'clear'"
            )
        rasters = findings["record_key"].map(raster_sources(store)).astype(object)
        findings = findings.assign(raster=rasters.where(rasters.notna(), None))
        cover = read_cover(store)
        uploads = read_uploads(store)
    made, zone = upload_times(uploads), settings.timezone
    frames = _local(
        Frames(
            settings,
            sites,
            with_upload_times(clearance, made["clearance"], keep_id=True),
            with_upload_times(restoration, made["restoration"], keep_id=True),
            with_upload_times(findings, made["records"]),
            with_upload_times(inspections, made["records"]),
            None if records is None else with_upload_times(records, made["records"]),
            cover=cover,
        )
    )
    if root and (as_of or every_record):  # the maps' months and as-of figures
        earlier = read_back(uploads, root, settings, frames.sites, frames)
        frames.earlier = {kind: with_local_times(rows, zone) for kind, rows in earlier.items()}
    return frames if as_of is None else frames.at(as_of)


def _local(frames: Frames) -> Frames:
    """``frames`` with their times in the workspace's zone (the one convention
    of what hailin hands to users; the store keeps UTC)."""
    zone = frames.settings.timezone
    return dataclasses.replace(
        frames,
        findings=with_local_times(frames.findings, zone),
        inspections=with_local_times(frames.inspections, zone),
        records=with_local_times(frames.records, zone),
        cover=with_local_times(frames.cover, zone),
    )


def read_dataset_frames(
    root, settings: Settings, *, every_record: bool = False, as_of: datetime.date | None = None
) -> Frames:
    """The frames of :func:`read_frames`, from the partitioned dataset (GeoParquet)
    at ``root`` (:mod:`hailin.surveys.io.dataset`), on this machine (rasters and imagery
    cover stay in the county workspaces)."""
    layers = read_dataset_layers(root, RECORD_DETAIL, every_record=every_record)
    frames = Frames(
        settings,
        layers["sites"],
        layers["clearance"],
        layers["restoration"],
        layers["findings"],
        layers["inspections"],
        layers["records"],
    )
    return _local(frames) if as_of is None else _local(frames).at(as_of)
