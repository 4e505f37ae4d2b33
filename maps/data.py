"""What the maps are drawn from: frames given to them, never read here.

A workspace gathers them once per command (``Workspace.map_data()`` in
:mod:`hailin.surveys.workspace`, a :class:`hailin.surveys.frames.Frames`) and the front
(``hailin map``, the demo, a notebook) hands them to the map functions; any
object with these attributes will do.
"""

import datetime
from typing import Protocol

import geopandas
import pandas as pd


class Figures(Protocol):
    """Progress figures of one kind of work (see ``hailin.surveys.ledger.progress.Progress``)."""

    @property
    def totals(self) -> dict:
        """The headline figures (e.g. cleared_mu, target_mu, pct_of_target)."""

    @property
    def by_period(self) -> pd.DataFrame:
        """Per period: the period (month or year), area_mu, cumulative_mu."""


class MapData(Protocol):
    """The frames a map is drawn from (all EPSG:4326); :class:`hailin.surveys.frames.Frames`
    (``Workspace.map_data()``) is one. Members are read-only properties, so that
    frozen dataclasses and cached properties fit.

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys import Workspace
    >>> data = Workspace.create(tempfile.mkdtemp()).map_data()
    >>> len(data.sites), len(data.clearance), len(data.ledger), data.timezone
    (3, 0, 0, 'Asia/Shanghai')
    """

    @property
    def sites(self) -> geopandas.GeoDataFrame:
        """The site registry (reserve polygons)."""

    @property
    def clearance(self) -> geopandas.GeoDataFrame:
        """The clearance plots."""

    @property
    def restoration(self) -> geopandas.GeoDataFrame:
        """The restoration plots."""

    @property
    def ledger(self) -> pd.DataFrame:
        """The recurrence ledger, one row per case."""

    @property
    def patches(self) -> geopandas.GeoDataFrame:
        """New-infestation patches."""

    @property
    def detections(self) -> geopandas.GeoDataFrame:
        """Regrowth findings placed in clearance plots."""

    @property
    def surveys(self) -> geopandas.GeoDataFrame:
        """Every patrol record."""

    @property
    def clearance_progress(self) -> Figures:
        """Clearance figures; by_period holds month, area_mu, cumulative_mu."""

    @property
    def restoration_progress(self) -> Figures:
        """Restoration figures; by_period holds year, area_mu, cumulative_mu."""

    @property
    def survival(self) -> dict:
        """{restoration plot_id: survival %}."""

    @property
    def patrol_counts(self) -> dict:
        """{clearance plot_id: number of patrol records inside}."""

    @property
    def timezone(self) -> str:
        """The time zone the days and times shown are local to."""

    def at(self, day: datetime.date) -> "MapData":
        """The same data as it stood at the end of ``day`` (the time control's
        figures, :func:`hailin.surveys.asof.frames_as_of`)."""

    # Optional (read with getattr): cover from imagery, surveys.ledger.cover.ImageryCover,
    # and its per-plot survival estimate, plot_id -> (percent, image date).
    # imagery: ImageryCover
    # imagery_survival: dict
    # and the verification tasks of suspected findings (surveys.ledger.tasks):
    # tasks: geopandas.GeoDataFrame
