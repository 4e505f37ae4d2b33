"""The clearance, restoration and overview maps of the programme.

Each map has one time control (:class:`hailin.maps.controls.TimeControl`) over every
month its data spans: it drives every time-stamped layer (plots by status or
planting, findings and patches from the day they were found, patrol records
and tracks by date) and the summary panel, whose figures are those of the
month shown (:mod:`hailin.maps.figures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas

from hailin.geo.sites import site_names
from hailin.layers.clearance import clearance_layer
from hailin.layers.inspections import next_inspections_layer
from hailin.layers.patrols import patrol_layers
from hailin.layers.raster import raster_layer
from hailin.layers.recurrence import detections_layer, patches_layer
from hailin.layers.restoration import restoration_layer
from hailin.layers.sites import sites_layer
from hailin.layers.tasks import tasks_layer
from hailin.layers.text import text
from hailin.maps.base import finish, new_map
from hailin.maps.controls import SummaryPanel, TimeControl
from hailin.maps.data import MapData
from hailin.maps.figures import (
    month_ends,
    patrols_by_period,
    periods_of,
    planting_states,
    snapshots,
    survival_history,
)
from hailin.maps.kinds import MAP_KINDS
from hailin.maps.panels import clearance_panel, restoration_panel

if TYPE_CHECKING:
    from hailin.geo.raster import Overlay


def _bounds(*frames):
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def _add(fmap, built, legend):
    layer, entries = built
    layer.add_to(fmap)
    legend.extend({**e, "layer": layer} for e in entries)
    return layer


def _patrols(fmap, data, lang, legend):
    if data.surveys is None or len(data.surveys) == 0:
        return
    layers, entries = patrol_layers(data.surveys, lang=lang, timezone=data.timezone)
    for layer in layers:
        layer.add_to(fmap)
    legend.extend(entries)


def _rasters(fmap, rasters, lang, legend):
    """Raster images under the plots: ``rasters`` are (file name, geo.raster.Overlay)."""
    for file, overlay in rasters:
        _add(fmap, raster_layer(file, overlay, lang), legend)


def _start(sites, frames, lang, basemap, frame):
    """(map, legend): a map fitted to the sites and ``frames``, the reserves drawn;
    ``basemap`` and ``frame`` (tianditu_key, basemap_file, zooms) go to
    :func:`hailin.maps.base.new_map`."""
    fmap = new_map(_bounds(sites, *frames), lang=lang, basemap=basemap, **frame)
    legend: list[dict] = []
    _add(fmap, sites_layer(sites, lang), legend)
    return fmap, legend


def _timeline(data, periods, cases=True):
    """[(day number, data as it stood at the end of that day)] of each
    period's end (:func:`hailin.maps.figures.snapshots`)."""
    ends = month_ends(periods)
    return list(zip(ends, snapshots(data, ends, cases), strict=True))


def _clearance_plots(data, lang, timeline):
    return clearance_layer(
        data.clearance,
        data.ledger,
        lang,
        site_names(data.sites, lang),
        data.patrol_counts,
        as_of=[
            (day, state.ledger, counts)
            for (day, state), counts in zip(
                timeline, patrols_by_period(data, [d for d, _ in timeline]), strict=True
            )
        ],
    )


def _patches(fmap, data, lang, legend, timeline):
    if len(data.patches):
        as_of = [(day, state.ledger) for day, state in timeline]
        _add(fmap, patches_layer(data.patches, data.ledger, lang, as_of=as_of), legend)


def _restoration_plots(data, lang, timeline, show=True):
    days = [day for day, _ in timeline]
    states = planting_states([state for _, state in timeline])
    layer, legend = restoration_layer(
        data.restoration,
        data.survival,
        lang,
        site_names(data.sites, lang),
        checks=survival_history(data),
        imagery=getattr(data, "imagery_survival", None),
        as_of=[(d, (s.survival, s.imagery_survival)) for d, s in zip(days, states, strict=True)],
    )
    layer.show = show
    return layer, legend


def _timed(fmap, periods, lang, panel):
    """Add the time control (when there are periods) and the panel."""
    if periods:
        fmap.add_child(TimeControl(periods, text("date", lang), lang))
    fmap.add_child(panel)


def clearance_map(
    data: MapData,
    lang: str = "zh",
    basemap: str | None = None,
    *,
    rasters: Sequence[tuple[str, Overlay]] = (),
    plan: Any = None,
    **frame: Any,
) -> folium.Map:
    """Clearance plots by ledger status over time, regrowth findings, new patches
    (and a patrol plan's next inspections when given).

    Parameters
    ----------
    data : MapData
        The frames, e.g. ``Workspace.map_data()``.
    lang : {"zh", "en"}
        The language of the map.
    basemap : str, optional
        The basemap shown (see :func:`hailin.maps.new_map`).
    rasters : sequence of (str, geo.raster.Overlay), optional
        Raster overlays (file name, display image) drawn under the plots.
    plan : GeoDataFrame, optional
        A patrol plan's stops (``hailin plan``'s plan.gpkg): the next inspections layer.
    **frame
        ``tianditu_key``, ``basemap_file`` and ``zooms`` of :func:`hailin.maps.new_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import pathlib, tempfile, folium, geopandas, shapely
    >>> from hailin.surveys import Workspace
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ws = Workspace.create(folder / "ws")
    >>> plots = geopandas.GeoDataFrame({"图斑编号": ["P1"], "除治日期": ["2023-05-01"]},
    ...     geometry=[shapely.box(120.33, 27.261, 120.331, 27.262)], crs=4326)
    >>> plots.to_file(folder / "plots.geojson")
    >>> ws.import_file(folder / "plots.geojson", kind="clearance").status
    'accepted'
    >>> fmap = clearance_map(ws.map_data(), "en")
    >>> [c.layer_name for c in fmap._children.values() if isinstance(c, folium.map.Layer) and c.overlay]
    ['Reserve boundaries', 'Clearance plots', 'Regrowth findings']
    """
    fmap, legend = _start(data.sites, [data.clearance], lang, basemap, frame)
    periods = periods_of(data, restoration=False)
    timeline = _timeline(data, periods)
    _rasters(fmap, rasters, lang, legend)
    _add(fmap, _clearance_plots(data, lang, timeline), legend)
    _add(fmap, detections_layer(data.detections, lang, timezone=data.timezone), legend)
    _patches(fmap, data, lang, legend, timeline)
    tasks = getattr(data, "tasks", None)  # optional: suspected findings to verify
    if tasks is not None and len(tasks):
        _add(fmap, tasks_layer(tasks, lang, timezone=data.timezone), legend)
    _patrols(fmap, data, lang, legend)
    if plan is not None and len(plan):
        _add(fmap, next_inspections_layer(plan, lang), legend)
    rows, chart = clearance_panel(data, lang, periods, [s for _, s in timeline])
    _timed(fmap, periods, lang, SummaryPanel(text("clearance_title", lang), rows, chart, lang))
    return finish(fmap, legend, lang)


def restoration_map(
    data: MapData,
    lang: str = "zh",
    basemap: str | None = None,
    *,
    rasters: Sequence[tuple[str, Overlay]] = (),
    **frame: Any,
) -> folium.Map:
    """Restoration plots by planting year, with survival.

    Parameters
    ----------
    data : MapData
        The frames, e.g. ``Workspace.map_data()``.
    lang : {"zh", "en"}
        The language of the map.
    basemap : str, optional
        The basemap shown (see :func:`hailin.maps.new_map`).
    rasters : sequence of (str, geo.raster.Overlay), optional
        Raster overlays (file name, display image) drawn under the plots.
    **frame
        ``tianditu_key``, ``basemap_file`` and ``zooms`` of :func:`hailin.maps.new_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import tempfile, folium
    >>> from hailin.surveys import Workspace
    >>> fmap = restoration_map(Workspace.create(tempfile.mkdtemp()).map_data(), "en")
    >>> [c.layer_name for c in fmap._children.values() if isinstance(c, folium.map.Layer) and c.overlay]
    ['Reserve boundaries', 'Restoration plots']
    """
    fmap, legend = _start(data.sites, [data.restoration], lang, basemap, frame)
    periods = periods_of(data, clearance=False)
    timeline = _timeline(data, periods, cases=False)
    _rasters(fmap, rasters, lang, legend)
    _add(fmap, _restoration_plots(data, lang, timeline), legend)
    _patrols(fmap, data, lang, legend)
    rows, chart = restoration_panel(data, lang, periods, [s for _, s in timeline])
    _timed(fmap, periods, lang, SummaryPanel(text("restoration_title", lang), rows, chart, lang))
    return finish(fmap, legend, lang)


def overview_map(
    data: MapData | geopandas.GeoDataFrame,
    lang: str = "zh",
    basemap: str | None = None,
    *,
    rasters: Sequence[tuple[str, Overlay]] = (),
    **frame: Any,
) -> folium.Map:
    """The reserves with everything on them; given only a sites frame, the reserves.

    Parameters
    ----------
    data : MapData or GeoDataFrame
        The frames, e.g. ``Workspace.map_data()``, or a site registry.
    lang : {"zh", "en"}
        The language of the map.
    basemap : str, optional
        The basemap shown (see :func:`hailin.maps.new_map`).
    rasters : sequence of (str, geo.raster.Overlay), optional
        Raster overlays (file name, display image) drawn under the plots.
    **frame
        ``tianditu_key``, ``basemap_file`` and ``zooms`` of :func:`hailin.maps.new_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import folium
    >>> from hailin.geo import load_sites
    >>> fmap = overview_map(load_sites(), "en")
    >>> [c.layer_name for c in fmap._children.values() if isinstance(c, folium.map.Layer) and c.overlay]
    ['Reserve boundaries']
    """
    if isinstance(data, geopandas.GeoDataFrame):
        fmap, legend = _start(data, [], lang, basemap, frame)
        _rasters(fmap, rasters, lang, legend)
        return finish(fmap, legend, lang)
    fmap, legend = _start(data.sites, [data.clearance, data.restoration], lang, basemap, frame)
    periods = periods_of(data)
    timeline = _timeline(data, periods)
    states = [s for _, s in timeline]
    _rasters(fmap, rasters, lang, legend)
    _add(fmap, _clearance_plots(data, lang, timeline), legend)
    _add(fmap, _restoration_plots(data, lang, timeline, show=False), legend)
    _patches(fmap, data, lang, legend, timeline)
    _patrols(fmap, data, lang, legend)
    clearance_rows, chart = clearance_panel(data, lang, periods, states)
    restoration_rows, _chart = restoration_panel(data, lang, periods, states)
    panel = SummaryPanel(
        text("overview_title", lang), clearance_rows + restoration_rows, chart, lang
    )
    _timed(fmap, periods, lang, panel)
    return finish(fmap, legend, lang)


# {name: the function drawing that map}, in the order of MAP_KINDS.
MAPS = dict(zip(MAP_KINDS, (clearance_map, restoration_map, overview_map), strict=True))
