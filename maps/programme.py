"""The clearance, restoration and overview maps of the programme."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas
import pandas as pd

from geo.sites import site_names
from layers.clearance import STATUS_COLOURS, clearance_layer
from layers.patrols import patrol_layers
from layers.raster import raster_layer
from layers.recurrence import detections_layer, patches_layer
from layers.restoration import restoration_layer
from layers.sites import sites_layer
from layers.text import text
from maps.assets import pin_assets
from maps.base import finish, new_map
from maps.controls import SummaryPanel, TimeControl, svg_chart
from maps.data import MapData
from maps.kinds import MAP_KINDS

if TYPE_CHECKING:
    from geo.raster import Overlay


def _bounds(*frames):
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def _months(first, last):
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _pct(value, target):
    return (
        f"{value:,.1f} / {target:,.0f} ({100 * value / target:.1f}%)" if target else f"{value:,.1f}"
    )


def _add(fmap, built, legend):
    layer, entries = built
    layer.add_to(fmap)
    legend.extend(entries)
    return layer


def _patrols(fmap, data, lang, legend):
    if data.surveys is None or len(data.surveys) == 0:
        return
    layers, entries = patrol_layers(data.surveys, lang=lang, pin=pin_assets, timezone=data.timezone)
    for layer in layers:
        layer.add_to(fmap)
    legend.extend(entries)


def _rasters(fmap, rasters, lang, legend):
    """Raster images under the plots: ``rasters`` are (file name, geo.raster.Overlay)."""
    for file, overlay in rasters:
        _add(fmap, raster_layer(file, overlay, lang), legend)


def _imagery_rows(data, lang):
    """The panel's row of the survival estimated from imagery, when rasters measured it."""
    imagery = getattr(data, "imagery", None)
    estimate = None if imagery is None else imagery.totals["survival_pct"]
    if estimate is None:
        return []
    return [(text("imagery_survival", lang), f"{estimate:.1f}%")]


def _clearance_panel(data, lang):
    totals = data.clearance_progress.totals
    months = data.clearance_progress.by_period
    return [
        (
            text("cleared", lang),
            f"{_pct(totals['cleared_mu'], totals['target_mu'])} {text('mu', lang)}",
        ),
        (text("open_cases", lang), str(totals["cases_by_status"]["open"])),
    ], svg_chart(
        months["month"].tolist(), months["cumulative_mu"].tolist(), text("cumulative_cleared", lang)
    )


def _restoration_panel(data, lang):
    totals = data.restoration_progress.totals
    years = data.restoration_progress.by_period
    survival = totals["survival_pct"]
    return [
        (
            text("planted", lang),
            f"{_pct(totals['planted_mu'], totals['target_mu'])} {text('mu', lang)}",
        ),
        (
            text("survival", lang),
            "—" if survival is None or pd.isna(survival) else f"{survival:.1f}%",
        ),
        *_imagery_rows(data, lang),
    ], svg_chart(
        years["year"].tolist(), years["cumulative_mu"].tolist(), text("cumulative_planted", lang)
    )


def _start(sites, frames, lang, basemap, frame):
    """(map, legend): a map fitted to the sites and ``frames``, the reserves drawn;
    ``basemap`` and ``frame`` (tianditu_key, basemap_file, zooms) go to
    :func:`maps.base.new_map`."""
    fmap = new_map(_bounds(sites, *frames), lang=lang, basemap=basemap, **frame)
    legend: list[dict] = []
    _add(fmap, sites_layer(sites, lang), legend)
    return fmap, legend


def _clearance_plots(data, lang):
    return clearance_layer(
        data.clearance, data.ledger, lang, site_names(data.sites, lang), data.patrol_counts
    )


def _restoration_plots(data, lang):
    imagery = getattr(data, "imagery_survival", None)
    names = site_names(data.sites, lang)
    return restoration_layer(data.restoration, data.survival, lang, names, imagery)


def clearance_map(
    data: MapData,
    lang: str = "zh",
    basemap: str | None = None,
    *,
    rasters: Sequence[tuple[str, Overlay]] = (),
    **frame: Any,
) -> folium.Map:
    """Clearance plots by ledger status over time, regrowth findings, new patches.

    Parameters
    ----------
    data : MapData
        The frames, e.g. ``Workspace.map_data()``.
    lang : {"zh", "en"}
        The language of the map.
    basemap : str, optional
        The basemap shown (see :func:`maps.new_map`).
    rasters : sequence of (str, geo.raster.Overlay), optional
        Raster overlays (file name, display image) drawn under the plots.
    **frame
        ``tianditu_key``, ``basemap_file`` and ``zooms`` of :func:`maps.new_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import pathlib, tempfile, folium, geopandas, shapely
    >>> from surveys import Workspace
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
    _rasters(fmap, rasters, lang, legend)
    plots = _add(fmap, _clearance_plots(data, lang), legend)
    _add(fmap, detections_layer(data.detections, lang, timezone=data.timezone), legend)
    if len(data.patches):
        _add(fmap, patches_layer(data.patches, data.ledger, lang), legend)
    _patrols(fmap, data, lang, legend)
    if len(data.clearance):
        last = max(
            [pd.Timestamp(max(data.clearance["cleared_on"]))]
            + [t.tz_localize(None) for t in data.ledger["status_since"] if pd.notna(t)]
        )
        periods = _months(min(data.clearance["cleared_on"]), last)
        fmap.add_child(TimeControl([plots], periods, STATUS_COLOURS, text("month", lang)))
    rows, chart = _clearance_panel(data, lang)
    fmap.add_child(SummaryPanel(text("clearance_title", lang), rows, chart))
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
        The basemap shown (see :func:`maps.new_map`).
    rasters : sequence of (str, geo.raster.Overlay), optional
        Raster overlays (file name, display image) drawn under the plots.
    **frame
        ``tianditu_key``, ``basemap_file`` and ``zooms`` of :func:`maps.new_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import tempfile, folium
    >>> from surveys import Workspace
    >>> fmap = restoration_map(Workspace.create(tempfile.mkdtemp()).map_data(), "en")
    >>> [c.layer_name for c in fmap._children.values() if isinstance(c, folium.map.Layer) and c.overlay]
    ['Reserve boundaries', 'Restoration plots']
    """
    fmap, legend = _start(data.sites, [data.restoration], lang, basemap, frame)
    _rasters(fmap, rasters, lang, legend)
    plots = _add(fmap, _restoration_plots(data, lang), legend)
    _patrols(fmap, data, lang, legend)
    if len(data.restoration):
        years = [
            str(y)
            for y in range(
                min(data.restoration["planted_on"]).year,
                max(data.restoration["planted_on"]).year + 1,
            )
        ]
        fmap.add_child(TimeControl([plots], years, {}, text("year", lang)))
    rows, chart = _restoration_panel(data, lang)
    fmap.add_child(SummaryPanel(text("restoration_title", lang), rows, chart))
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
        The basemap shown (see :func:`maps.new_map`).
    rasters : sequence of (str, geo.raster.Overlay), optional
        Raster overlays (file name, display image) drawn under the plots.
    **frame
        ``tianditu_key``, ``basemap_file`` and ``zooms`` of :func:`maps.new_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import folium
    >>> from geo import load_sites
    >>> fmap = overview_map(load_sites(), "en")
    >>> [c.layer_name for c in fmap._children.values() if isinstance(c, folium.map.Layer) and c.overlay]
    ['Reserve boundaries']
    """
    if isinstance(data, geopandas.GeoDataFrame):
        fmap, legend = _start(data, [], lang, basemap, frame)
        _rasters(fmap, rasters, lang, legend)
        return finish(fmap, legend, lang)
    fmap, legend = _start(data.sites, [data.clearance, data.restoration], lang, basemap, frame)
    _rasters(fmap, rasters, lang, legend)
    _add(fmap, _clearance_plots(data, lang), legend)
    restoration, entries = _restoration_plots(data, lang)
    restoration.show = False
    restoration.add_to(fmap)
    legend.extend(entries)
    if len(data.patches):
        _add(fmap, patches_layer(data.patches, data.ledger, lang), legend)
    _patrols(fmap, data, lang, legend)
    clearance_rows, chart = _clearance_panel(data, lang)
    restoration_rows, _chart = _restoration_panel(data, lang)
    fmap.add_child(
        SummaryPanel(text("overview_title", lang), clearance_rows + restoration_rows, chart)
    )
    return finish(fmap, legend, lang)


# {name: the function drawing that map}, in the order of MAP_KINDS.
MAPS = dict(zip(MAP_KINDS, (clearance_map, restoration_map, overview_map), strict=True))
