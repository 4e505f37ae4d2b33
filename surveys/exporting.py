"""The workspace's exports: the ledger (CSV, XLSX, GeoPackage, GeoJSON), the
台账 an office files, plots, cases and patches for a GIS in the CRS it works
in, and the partitioned dataset. :class:`hailin.surveys.workspace.Workspace`
hands its settings, frames and store to :class:`Exports`."""

from __future__ import annotations

import datetime
import os
import zoneinfo
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hailin.geo.overlay import place_in_sites
from hailin.geo.sites import site_names
from hailin.surveys.errors import ExportError
from hailin.surveys.io import dataset
from hailin.surveys.io.exports import export_ledger, write_taizhang
from hailin.surveys.io.gis import export_layer
from hailin.surveys.io.layout import field_aliases_zh, read_plots, read_sites, read_surveys
from hailin.surveys.io.rasters import raster_sources
from hailin.surveys.io.taizhang import taizhang_table

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from hailin.surveys.frames import Frames
    from hailin.surveys.io.store import Store
    from hailin.surveys.paths import WorkspacePaths
    from hailin.surveys.settings import Settings


class Exports:
    """What a workspace writes for offices and other machines.

    Parameters
    ----------
    settings : Settings
        The workspace's hailin.toml (language, time zone).
    paths : WorkspacePaths
        Its files (the settings file is copied beside a dataset).
    frames : callable
        ``frames()`` reads the store once (:meth:`Workspace.frames`).
    store : callable
        ``store(write=False)`` opens the store (:meth:`Workspace.store`).

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys.workspace import Workspace
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> ws.exports.ledger(ws.root + "/ledger.csv").empty
    True
    """

    def __init__(
        self,
        settings: Settings,
        paths: WorkspacePaths,
        *,
        frames: Callable[[], Frames],
        store: Callable[..., AbstractContextManager[Store]],
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.frames = frames
        self.store = store

    def ledger(
        self,
        path: str | os.PathLike[str],
        language: str | None = None,
        frames: Frames | None = None,
    ) -> pd.DataFrame:
        """Write the ledger, recomputed (or of ``frames``), to CSV, XLSX,
        GeoPackage or GeoJSON in ``language`` (default the workspace's);
        returns the ledger."""
        frames = frames or self.frames()
        language = language or self.settings.language
        export_ledger(frames.ledger, frames.case_areas(), path, language, frames.sites)
        return frames.ledger

    def layer(
        self,
        what: str,
        path: str | os.PathLike[str],
        /,
        *,
        crs: str = "4326",
        kind: str = "clearance",
        frames: Frames | None = None,
    ) -> dict:
        """Write plots (``what`` "plots", of ``kind`` "clearance" or
        "restoration"), the ledger's cases ("cases") or the new patches
        ("patches") to a GeoPackage, GeoJSON or Shapefile ``path`` in the
        output CRS ``crs`` (see :func:`hailin.surveys.io.gis.export_layer`), in
        the workspace language with the codes kept, styled; returns what was
        written."""
        frames = frames or self.frames()
        layers = {
            "plots": lambda: frames.clearance if kind == "clearance" else frames.restoration,
            "cases": frames.cases,
            "patches": frames.new_patches,
        }
        if what not in layers:
            raise ExportError(f"export one of {sorted(layers)}, not {what!r}")
        if kind not in ("clearance", "restoration"):
            raise ExportError(f"plots are 'clearance' or 'restoration', not {kind!r}")
        layer = f"{kind}_plots" if what == "plots" else what
        headers = field_aliases_zh()
        language = self.settings.language
        return export_layer(
            layers[what](), path, crs=crs, layer=layer, headers=headers, lang=language,
            site_names=site_names(frames.sites, language),
        )  # fmt: skip

    def taizhang(
        self,
        path: str | os.PathLike[str],
        /,
        language: str | None = None,
        frames: Frames | None = None,
    ) -> pd.DataFrame:
        """Write the ledger in the 台账 layout (XLSX with a title row, frozen
        header and print setup; :mod:`hailin.surveys.io.taizhang`); returns the table."""
        frames = frames or self.frames()
        language = language or self.settings.language
        table = taizhang_table(frames.ledger, frames.clearance, frames.sites, language)
        # The day the office files it, local to the workspace.
        as_of = (
            frames.as_of or datetime.datetime.now(zoneinfo.ZoneInfo(self.settings.timezone)).date()
        )
        write_taizhang(table, path, language, as_of)
        return table

    def dataset(
        self, root: str | os.PathLike[str], /, *, county: str | None = None, append: bool = False
    ) -> dict:
        """Write the store as a partitioned dataset (GeoParquet by county and
        year, :mod:`hailin.surveys.io.dataset`) in ``root``, with this workspace's
        hailin.toml. ``county`` names the county of every row; by default a
        record's county is the site holding it (``none`` outside the sites)
        and a plot's its site. With ``append`` the dataset at ``root`` gains
        these counties' partitions (replacing its own earlier ones). Returns
        the manifest."""
        with self.store(write=False) as store, store.snapshot():
            sites = read_sites(store)
            records = read_surveys(store)
            rasters = records["record_key"].map(raster_sources(store)).astype(object)
            layers = {
                dataset.SITES: sites,
                dataset.RECORDS: records.assign(**{dataset.RASTER: rasters.to_numpy()}),
                **{dataset.PLOT_LAYERS[k]: read_plots(store, k) for k in dataset.PLOT_LAYERS},
            }
        counties = {
            name: _counties(frame, county, sites, name == dataset.RECORDS)
            for name, frame in layers.items()
            if name != dataset.SITES
        }
        return dataset.write_dataset(
            root,
            layers,
            counties,
            timezone=self.settings.timezone,
            append=append,
            settings=self.paths.settings,
        )


def _counties(frame, county, sites, records):
    """The county of each row: ``county``, else its ``county`` column, else the
    site holding a record or a plot's site (``none`` when none)."""
    if county:
        return np.full(len(frame), str(county), dtype=object)
    if "county" in frame:
        return frame["county"].fillna("none").astype(str).to_numpy()
    if records:
        site, _township = place_in_sites(np.asarray(frame.geometry.values, dtype=object), sites)
        return np.where(pd.isna(site), "none", site).astype(object)
    return frame["site"].fillna("none").astype(str).to_numpy()
