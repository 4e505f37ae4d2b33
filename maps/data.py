"""What the maps are drawn from: frames given to them, never read here.

A workspace gathers them once per command (``Workspace.map_data()`` in
:mod:`surveys.workspace`, a :class:`surveys.frames.Frames`) and the front
(``hailin map``, the demo, a notebook) hands them to the map functions; any
object with these attributes will do.
"""

from typing import Protocol

import geopandas
import pandas as pd


class Figures(Protocol):
    """Progress figures of one kind of work (see ``surveys.ledger.progress.Progress``)."""

    totals: dict
    by_period: pd.DataFrame


class MapData(Protocol):
    """The frames a map is drawn from (all EPSG:4326); :class:`surveys.frames.Frames`
    (``Workspace.map_data()``) is one.

    Examples
    --------
    >>> import tempfile
    >>> from surveys import Workspace
    >>> data = Workspace.create(tempfile.mkdtemp()).map_data()
    >>> len(data.sites), len(data.clearance), len(data.ledger), data.timezone
    (3, 0, 0, 'Asia/Shanghai')
    """

    sites: geopandas.GeoDataFrame
    clearance: geopandas.GeoDataFrame
    restoration: geopandas.GeoDataFrame
    ledger: pd.DataFrame
    patches: geopandas.GeoDataFrame
    detections: geopandas.GeoDataFrame
    surveys: geopandas.GeoDataFrame  # every patrol record
    clearance_progress: Figures  # by_period: month, area_mu, cumulative_mu
    restoration_progress: Figures  # by_period: year, area_mu, cumulative_mu
    survival: dict  # restoration plot_id -> survival %
    patrol_counts: dict  # clearance plot_id -> records inside
    timezone: str  # the days and times shown are local to it
