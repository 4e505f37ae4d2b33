"""The digital-monitoring flow: a raster opened and checked, its statistics per
plot measured, and what they mean stored, with the raster as an upload.

Like :mod:`hailin.surveys.ingest` it works on the workspace's paths and explicit
options, never on the Workspace. What the statistics mean (detections, cover)
is decided by the pure functions of :mod:`hailin.surveys.imagery`; the store side is
:mod:`hailin.surveys.io.rasters`. Importing this module loads GDAL (rasterio).
"""

import contextlib
import dataclasses
import datetime
import os

import geopandas
import pandas as pd

from hailin.geo.raster import (
    RasterInfo,
    class_centroids,
    open_raster,
    overlay_image,
    parse_classes,
    raster_info,
)
from hailin.geo.raster.overlay import Overlay
from hailin.surveys.dist.rasters import HERE, Zonal
from hailin.surveys.errors import ImageryError, SurveyFileError
from hailin.surveys.imagery import (
    CoverMeasure,
    DetectionRules,
    Image,
    cleared_before,
    cover_rows,
    detection_records,
    keep_invariants,
    regrown,
)
from hailin.surveys.io import archive
from hailin.surveys.io.layout import ensure_layers
from hailin.surveys.io.rasters import (
    count_raster_rows,
    next_source_row,
    register_raster,
    store_cover,
)
from hailin.surveys.io.store import WRITE_WAIT_S, Store
from hailin.surveys.io.uploads import login, store_surveys
from hailin.surveys.limits import LIMITS
from hailin.surveys.paths import WorkspacePaths


@dataclasses.dataclass(frozen=True)
class Raster:
    """A raster file, checked: its path, printable name, what it is (its
    date included, from its metadata or name) and whether its band is scaled."""

    path: str
    file: str
    info: RasterInfo
    scaled: bool

    @property
    def continuous(self) -> bool:
        """True for floating-point or scaled values (an index), not classes."""
        return self.scaled or not self.info.dtype.startswith(("int", "uint"))


@contextlib.contextmanager
def _readable(raster):
    # GDAL takes UTF-8 paths only; a GBK name is read through a link.
    with archive.utf8_path(raster.path) as path:
        yield path


def check_raster_file(path, /, *, band: int = 1) -> Raster:
    """Open a raster file to check it (size, georeferencing, band; see
    :func:`hailin.geo.raster.check_raster`) and describe it; refused with
    :class:`SurveyFileError` or :class:`hailin.geo.errors.RasterError`."""
    file = archive.printable_name(os.path.basename(os.fspath(path)))
    if not os.path.isfile(path):
        raise SurveyFileError("no such file", file=archive.printable_name(os.fspath(path)))
    archive.check_file_size(path, file, LIMITS.raster_bytes, "the raster")
    with archive.utf8_path(path) as readable, open_raster(readable, band=band) as dataset:
        info = dataclasses.replace(raster_info(dataset, band=band), name=file)
        scaled = dataset.scales[band - 1] != 1.0 or dataset.offsets[band - 1] != 0.0
    return Raster(os.fspath(path), file, info, scaled)


def image_date(raster: Raster, given: datetime.date | None, window) -> datetime.date:
    """The date a raster shows: ``given``, else its metadata's or name's;
    refused when there is none or it lies outside ``window`` (the first and
    last plausible day)."""
    day = given or raster.info.date
    if day is None:
        raise ImageryError(
            f"{raster.file}: the raster's date is not in its metadata (ACQUISITIONDATETIME, "
            "TIFFTAG_DATETIME) nor in its name (YYYYMMDD or YYYY-MM-DD); give it with "
            "--date YYYY-MM-DD"
        )
    first, last = window
    if not first <= day <= last:
        raise ImageryError(
            f"{raster.file}: the image date {day} is outside the plausible window "
            f"{first} to {last} (import.earliest_date and latest_date in hailin.toml)"
        )
    return day


def class_spec(classes) -> dict[int, str]:
    """{pixel value: class name} of a specification; refused when there is none."""
    if classes is None:
        raise ImageryError(
            'name the raster\'s classes: --classes "1=mangrove,2=spartina,3=mudflat,4=water" '
            "or classes under [raster] in hailin.toml"
        )
    return parse_classes(classes)


def plot_statistics(
    raster: Raster,
    plots: geopandas.GeoDataFrame,
    *,
    classes=None,
    threshold: float | None = None,
    band: int = 1,
    zonal: Zonal = HERE,
    named: bool = False,
) -> tuple[pd.DataFrame, str]:
    """(per-plot table, "classes" or "values"): class areas and shares of a
    classified raster, or statistics of a continuous one (with a
    ``threshold``, or when its values are floating-point or scaled and its
    classes were not ``named`` for this raster: a class raster stored as
    float32 is read by the classes given for it). The table starts with
    plot_id, site and township. ``zonal`` says where the statistics run
    (here, or on a Dask cluster)."""
    with _readable(raster) as path:
        if threshold is not None or (raster.continuous and not named):
            stats, mode = zonal.values(path, plots, band=band, threshold=threshold), "values"
        else:
            stats, mode = zonal.classes(path, plots, classes, band=band), "classes"
    facts = [c for c in ("site", "township") if c in plots]
    table = pd.concat(
        [plots[["plot_id", *facts]].reset_index(drop=True), stats.drop(columns="plot_id")], axis=1
    )
    return table, mode


# The team a raster's records are stored under unless one is named (--team): the
# programme's digital monitoring, never the login of the machine that ran it.
DIGITAL_TEAM = "数字化监测"


@dataclasses.dataclass(frozen=True)
class Recording:
    """Where and as whom a raster's results are stored; ``window`` is the
    (earliest, latest, message) of plausible times the records must keep
    (:meth:`hailin.surveys.check.options.ImportOptions.time_window`);
    ``uploader`` is who ran it (the upload log), ``team`` whose records they are."""

    paths: WorkspacePaths
    timezone: str
    window: tuple
    team: str = DIGITAL_TEAM
    uploader: str | None = None
    wait: float = WRITE_WAIT_S


@dataclasses.dataclass
class RasterRun:
    """What one raster gave (the JSON summary of ``hailin raster detect`` and ``cover``)."""

    file: str
    upload_id: str
    date: str
    plots_measured: int = 0
    found: list = dataclasses.field(default_factory=list)
    stored: int = 0
    already_stored: int = 0
    replaced: int = 0
    refused: int = 0  # detections that broke the store's invariants (none should)
    mean_cover_pct: float | None = None
    archived_as: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def detect_regrowth(
    raster: Raster,
    day: datetime.date,
    clearance: geopandas.GeoDataFrame,
    classes,
    rules: DetectionRules,
    recording: Recording,
    *,
    band: int = 1,
    zonal: Zonal = HERE,
) -> RasterRun:
    """Store as detections the cleared plots where ``raster`` (classified,
    dated ``day``) shows the class of ``rules`` past its thresholds; the
    statistics of every plot run where ``zonal`` says (here, or on a Dask
    cluster), the centres of the few plots found here."""
    named = class_spec(classes)
    values = {name: value for value, name in named.items()}
    if rules.class_name not in values:
        raise ImageryError(
            f"no class named {rules.class_name!r} in {', '.join(named.values())}; "
            "choose one with --class"
        )
    plots = cleared_before(clearance, day).reset_index(drop=True)
    with _readable(raster) as path:
        stats = zonal.classes(path, plots, named, band=band)
        hits = regrown(stats, rules)
        places = class_centroids(path, plots[hits], values[rules.class_name], band=band)
    # A plot whose pixels give no centre (none should) is placed at its own point.
    fallback = plots[hits].set_index("plot_id").geometry.representative_point()
    places = places.where(places.notna(), fallback)
    image = Image(raster.file, archive.sha256_of(raster.path), day)
    records = detection_records(
        stats[hits], places, image, rules, timezone=recording.timezone, team=recording.team
    )
    kept = keep_invariants(records, recording.window)
    run = RasterRun(raster.file, image.upload_id, day.isoformat())
    run.refused = len(records) - len(kept)
    records = kept
    run.plots_measured = int((stats["covered_fraction"] > 0).sum())
    run.found = [
        {"plot_id": plot_id, "area_m2": area, "fraction": round(share / 100, 4)}
        for plot_id, area, share in zip(
            stats.loc[hits, "plot_id"].to_numpy()[records.index],
            records["patch_area_m2"],
            records["cover_pct"],
            strict=True,
        )
    ]
    return _record(raster, image, recording, run, records=records)


def measure_cover(
    raster: Raster,
    day: datetime.date,
    restoration: geopandas.GeoDataFrame,
    classes,
    measure: CoverMeasure,
    recording: Recording,
    *,
    band: int = 1,
    zonal: Zonal = HERE,
) -> RasterRun:
    """Store the mangrove cover ``raster`` (dated ``day``) shows in each
    restoration plot, in place of what it gave before."""
    with _readable(raster) as path:
        if measure.continuous:
            stats = zonal.values(path, restoration, band=band, threshold=measure.threshold)
        else:
            stats = zonal.classes(path, restoration, class_spec(classes), band=band)
    image = Image(raster.file, archive.sha256_of(raster.path), day)
    rows = cover_rows(stats, image, measure)
    run = RasterRun(raster.file, image.upload_id, day.isoformat(), plots_measured=len(rows))
    if len(rows):
        run.mean_cover_pct = round(float(rows["cover_m2"].sum() / rows["plot_m2"].sum() * 100), 2)
    return _record(raster, image, recording, run, cover=rows)


def _record(raster, image, recording, run, *, records=None, cover=None):
    """Store a raster's detections or cover rows in one write transaction,
    with its upload row and its archived copy (staged first when new)."""
    paths = recording.paths
    name = archive.archive_name(raster.path, image.upload_id)
    archived = os.path.join(paths.uploads, name)
    staged = None
    if not os.path.exists(archived):
        staged = archive.stage_upload(raster.path, paths.uploads, image.upload_id, raster.file)
    placed = None
    try:
        with (
            Store.open(paths.store, write=True, wait=recording.wait) as store,
            store.transaction(holder=f"hailin raster of {raster.file}"),
        ):
            ensure_layers(store)
            if staged is not None:
                target, created = archive.place_archive(staged, paths.uploads, name)
                placed = target if created else None
            run.archived_as = os.path.relpath(archived, paths.root)
            register_raster(store, _upload_row(raster, image, recording, run.archived_as))
            duplicates = 0
            if records is not None and len(records):
                records["source_row"] += next_source_row(store, image.upload_id) - 1
                prefix = image.upload_id[:16]
                run.stored, duplicates = store_surveys(store, records, image.upload_id, prefix)
                run.already_stored = duplicates
            if cover is not None:
                run.replaced = store_cover(store, cover, image.upload_id)
                run.stored = len(cover)
            count_raster_rows(store, image.upload_id, run.plots_measured, duplicates)
    except BaseException:
        if placed is not None:
            archive.discard(placed)
        raise
    finally:
        if staged is not None:
            archive.discard(staged)
    return run


def _upload_row(raster, image, recording, archived_as):
    info = raster.info
    return {
        "upload_id": image.upload_id,
        "file": raster.file,
        "archived_as": archived_as,
        "size_bytes": os.path.getsize(raster.path),
        "format": f"raster {info.width}x{info.height} {info.dtype}",
        "uploaded_at": pd.Timestamp.now(tz="UTC"),
        "uploaded_by": recording.uploader or login(),
        "team": recording.team,
        "patrol_type": "digital_monitoring",
        "crs": info.crs,
        "sheet": None,
        "message": f"image date {image.date}",
    }


def raster_overlay(
    raster: Raster, *, classes=None, colours=None, band: int = 1, named: bool = False
) -> Overlay:
    """The display image of a raster for web maps (:func:`hailin.geo.raster.overlay_image`):
    classes in their colours when the raster is classified (or its classes were
    ``named`` for it, whatever its data type) and ``classes`` are given, else a
    colour ramp with its legend."""
    continuous = raster.continuous and not named
    spec = None if classes is None or continuous else parse_classes(classes)
    with _readable(raster) as path:
        return overlay_image(path, classes=spec, colours=colours, band=band)
