"""The frame every hailin map shares: basemaps, controls (hailin's own full-screen
and measure tools come with :class:`hailin.maps.frame.Frame`) and the legend."""

from __future__ import annotations

import os
from collections.abc import Sequence

import folium

from hailin.layers.page import LayerControl, check_page, html_text
from hailin.layers.text import text
from hailin.maps.assets import pin_assets
from hailin.maps.basemap_layer import BasemapLayer, basemap_layer
from hailin.maps.basemaps import FILE, checked_key, offered, resolve
from hailin.maps.controls import Layout, Legend
from hailin.maps.errors import MapError
from hailin.maps.frame import Frame, words
from hailin.maps.tilefiles import open_tile_file, select_tiles


class FileBasemapLayer(BasemapLayer):
    """The basemap drawn from an MBTiles or PMTiles file: its tiles travel with
    the page (``data:`` URIs), or lie beside it once :func:`hailin.maps.output.save_map`
    has written them there (``tile_urls``)."""

    def __init__(self, label, tiles, *, show=False):
        super().__init__(html_text(label), "wgs84", [], show=show)
        self._name = "FileBasemapLayer"
        self.tile_set = tiles
        self.tile_urls = None

    def tile_specs(self):
        tiles = self.tile_set
        first, last = tiles.zooms
        # Below minZoom the layer draws nothing: Leaflet walks every tile of the
        # view at minNativeZoom, which from a world view would never end.
        options = {
            "minZoom": max(0, first - 2),
            "minNativeZoom": first,
            "maxNativeZoom": last,
            "maxZoom": 20,
        }
        if tiles.attribution:
            options["attribution"] = html_text(tiles.attribution)
        return [
            {
                "embedded": True,
                "index": tiles.index,
                "tiles": self.tile_urls or tiles.data_uris(),
                "bounds": tiles.bounds,
                "options": options,
            }
        ]


def file_basemap(path, bounds, zooms=None, lang="zh", *, show=True):
    """A :class:`FileBasemapLayer` of the tiles of ``path`` covering ``bounds`` at ``zooms``."""
    with open_tile_file(path) as tile_file:
        tiles = select_tiles(tile_file, bounds, zooms)
    label = f"{words(lang)['offline_basemap']} ({tiles.source})"
    return FileBasemapLayer(label, tiles, show=show)


def new_map(
    bounds: Sequence[float],
    lang: str = "zh",
    basemap: str | None = None,
    *,
    tianditu_key: str | None = None,
    basemap_file: str | os.PathLike[str] | None = None,
    zooms: str | tuple[int, int] | None = None,
) -> folium.Map:
    """An empty map fitted to ``bounds``, with its basemaps and controls.

    Parameters
    ----------
    bounds : sequence of float
        (minx, miny, maxx, maxy) in EPSG:4326.
    lang : {"zh", "en"}
        The language of labels and controls.
    basemap : str, optional
        The basemap shown: a name of :data:`hailin.maps.basemaps.BASEMAPS`, ``"file"``,
        or None for the default (see :func:`hailin.maps.basemaps.resolve`).
    tianditu_key : str, optional
        Adds the Tianditu basemaps.
    basemap_file : str or os.PathLike, optional
        An MBTiles or PMTiles file whose tiles the map carries along.
    zooms : str or (int, int), optional
        The zoom levels of ``basemap_file`` to carry ("10-16").

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import folium
    >>> fmap = new_map((120.3, 27.2, 120.4, 27.3), "en")
    >>> [child.layer_name for child in fmap._children.values() if isinstance(child, folium.map.Layer)]
    ['Gaode map', 'Gaode satellite', 'OpenStreetMap', 'Esri World Imagery']
    """
    if lang not in ("zh", "en"):
        raise MapError(f"lang should be 'zh' or 'en', got {lang!r}")
    tianditu_key = checked_key(tianditu_key)
    shown = resolve(basemap, lang, tianditu_key, basemap_file is not None)
    fmap = pin_assets(folium.Map(tiles=None, control_scale=True, prefer_canvas=False))
    fmap.add_child(Frame(lang))
    # The view first, so that no basemap starts loading tiles of the whole world.
    minx, miny, maxx, maxy = bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if basemap_file is not None:
        file_basemap(basemap_file, bounds, zooms, lang, show=shown == FILE).add_to(fmap)
    for choice in offered(tianditu_key):
        basemap_layer(choice.name, lang, tianditu_key, show=choice.name == shown).add_to(fmap)
    return fmap


def add_legend(fmap, entries, lang="zh"):
    """Add a legend listing ``entries`` (dicts with label, color, fill and the
    ``layer`` they belong to: listed only while it is on the map)."""
    fmap.add_child(Legend(text("legend", lang), entries, lang))
    return fmap


def finish(fmap, entries, lang="zh"):
    """Add the layer control, the legend and the layout rules once every layer
    is on the map, and check that nothing on it writes text through a template."""
    LayerControl().add_to(fmap)
    add_legend(fmap, entries, lang)
    fmap.add_child(Layout())
    return check_page(fmap)
