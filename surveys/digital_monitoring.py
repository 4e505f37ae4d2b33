"""The workspace's digital monitoring (数字化监测预警): rasters as uploads,
early warning into the ledger, cover of restoration plots, overlays for the
maps. :class:`hailin.surveys.workspace.Workspace` hands its settings, files
and plots to :class:`DigitalMonitoring`; :mod:`hailin.surveys.monitoring`
loads GDAL, so it is imported on use."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from hailin.surveys.check.options import ImportOptions

if TYPE_CHECKING:
    from hailin.geo.raster import Overlay
    from hailin.surveys.imagery import CoverMeasure, DetectionRules
    from hailin.surveys.monitoring import Raster, RasterRun
    from hailin.surveys.paths import WorkspacePaths
    from hailin.surveys.settings import Settings

PathLike = str | os.PathLike[str]


class DigitalMonitoring:
    """Rasters of key areas read into the record: statistics per plot, early
    warning of regrowth, cover of restoration plots, overlays for the maps.

    Parameters
    ----------
    settings : Settings
        The workspace's hailin.toml ([raster] classes and colours, dates, time zone).
    paths : WorkspacePaths
        Its files (rasters are kept as uploads).
    plots : callable
        ``plots(kind)`` reads the clearance or restoration plots.
    wait : float
        Seconds a write waits for another writer.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys.workspace import Workspace
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> ws.rasters.classes("1=mangrove,2=spartina")
    '1=mangrove,2=spartina'
    """

    def __init__(
        self,
        settings: Settings,
        paths: WorkspacePaths,
        *,
        plots: Callable[[str], pd.DataFrame],
        wait: float,
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.plots = plots
        self.wait = wait

    def classes(self, classes: str | dict | None = None) -> dict | str | None:
        """The class specification of classified rasters: ``classes`` when given,
        else ``classes`` under [raster] in hailin.toml, else None."""
        if classes is not None:
            return classes
        named = self.settings.raster_classes
        return None if named is None else dict(named)

    def stats(
        self,
        path: PathLike,
        /,
        *,
        kind: str = "clearance",
        classes: str | dict | None = None,
        threshold: float | None = None,
        band: int = 1,
        client: Any = None,
    ) -> tuple[Raster, pd.DataFrame, str]:
        """(checked raster, per-plot table, "classes" or "values"): the statistics
        of a raster over the ``kind`` plots (see :func:`hailin.surveys.monitoring.plot_statistics`),
        computed as tasks on ``client``'s Dask cluster when given."""
        from hailin.surveys import monitoring
        from hailin.surveys.dist.rasters import Zonal

        raster = monitoring.check_raster_file(path, band=band)
        table, mode = monitoring.plot_statistics(
            raster,
            self.plots(kind),
            classes=self.classes(classes),
            threshold=threshold,
            band=band,
            zonal=Zonal(client),
            named=classes is not None,
        )
        return raster, table, mode

    def _dated_rasters(self, paths, date, band):
        """[(checked raster, its date)]: every raster checked before anything is stored."""
        from hailin.surveys import monitoring

        rasters = [monitoring.check_raster_file(path, band=band) for path in paths]
        latest = self.settings.latest_date or datetime.date.today() + datetime.timedelta(days=1)
        window = (self.settings.earliest_date, latest)
        return [(raster, monitoring.image_date(raster, date, window)) for raster in rasters]

    def _recording(self, team):
        from hailin.surveys import monitoring

        settings = self.settings
        options = ImportOptions(
            timezone=settings.timezone,
            earliest_date=settings.earliest_date,
            latest_date=settings.latest_date,
        )
        return monitoring.Recording(
            self.paths,
            settings.timezone,
            options.time_window(),
            team or monitoring.DIGITAL_TEAM,
            wait=self.wait,
        )

    def _each_raster(self, paths, date, band, kind, classes, team, work):
        """``work(raster, day, plots, class spec, recording)`` for each raster,
        every one checked and dated before the first is stored."""
        dated = self._dated_rasters(paths, date, band)
        plots, recording = self.plots(kind), self._recording(team)
        spec = self.classes(classes)
        return [work(raster, day, plots, spec, recording) for raster, day in dated]

    def detect(
        self,
        paths: Sequence[PathLike],
        /,
        *,
        date: datetime.date | None = None,
        classes: str | dict | None = None,
        rules: DetectionRules | None = None,
        team: str | None = None,
        band: int = 1,
        client: Any = None,
    ) -> list[RasterRun]:
        """Early warning from classified rasters: every cleared plot whose class
        area (Spartina by default) passes ``rules`` (a
        :class:`hailin.surveys.imagery.DetectionRules`) on an image dated after its
        clearance is stored as a ``digital_monitoring`` detection, with the raster
        as an upload. ``date`` (a ``datetime.date``) is the image's, else each
        file's metadata or name says; the plots' statistics run as tasks on
        ``client``'s Dask cluster when given. Returns a
        :class:`hailin.surveys.monitoring.RasterRun` per raster."""
        from hailin.surveys import monitoring
        from hailin.surveys.dist.rasters import Zonal
        from hailin.surveys.imagery import DetectionRules

        rules = rules or DetectionRules()

        def detect_one(raster, day, plots, spec, recording):
            return monitoring.detect_regrowth(
                raster, day, plots, spec, rules, recording, band=band, zonal=Zonal(client)
            )

        return self._each_raster(paths, date, band, "clearance", classes, team, detect_one)

    def cover(
        self,
        paths: Sequence[PathLike],
        /,
        *,
        date: datetime.date | None = None,
        classes: str | dict | None = None,
        measure: CoverMeasure | None = None,
        team: str | None = None,
        band: int = 1,
        client: Any = None,
    ) -> list[RasterRun]:
        """Mangrove cover of every restoration plot on each raster's date, stored
        in the imagery_cover layer (a raster's earlier rows are replaced);
        ``measure`` is a :class:`hailin.surveys.imagery.CoverMeasure` (default: the
        ``mangrove`` class; the statistics run on ``client``'s Dask cluster when
        given). Returns a :class:`hailin.surveys.monitoring.RasterRun` per raster."""
        from hailin.surveys import monitoring
        from hailin.surveys.dist.rasters import Zonal
        from hailin.surveys.imagery import CoverMeasure

        measure = measure or CoverMeasure()

        def cover_one(raster, day, plots, spec, recording):
            return monitoring.measure_cover(
                raster, day, plots, spec, measure, recording, band=band, zonal=Zonal(client)
            )

        return self._each_raster(paths, date, band, "restoration", classes, team, cover_one)

    def overlay(
        self, path: PathLike, /, *, classes: str | dict | None = None, band: int = 1
    ) -> tuple[str, Overlay]:
        """(file name, :class:`hailin.geo.raster.Overlay`): a raster coloured for the maps,
        classes in their colours ([raster] colours in hailin.toml) or a ramp."""
        from hailin.surveys import monitoring

        raster = monitoring.check_raster_file(path, band=band)
        overlay = monitoring.raster_overlay(
            raster,
            classes=self.classes(classes),
            colours=dict(self.settings.raster_colours),
            band=band,
            named=classes is not None,
        )
        return raster.file, overlay
