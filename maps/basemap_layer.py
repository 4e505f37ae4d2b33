"""The folium layer that draws one basemap of :mod:`hailin.maps.basemaps`."""

import folium

from hailin.layers.page import PageParts, js_value
from hailin.maps.basemaps import BASEMAPS


class BasemapLayer(PageParts, folium.map.Layer):
    """One base layer of the switcher: tile layers (``[(url, options)]``, or
    embedded tiles from :mod:`hailin.maps.tilefiles`) in ``datum``; the map's frame
    (``maps/frame.js``) draws the overlays in that datum while it is shown."""

    def __init__(self, label, datum, tiles, *, show=False):
        super().__init__(name=label, overlay=False, control=True, show=show)
        self._name = "BasemapLayer"
        self.datum = datum
        self.tiles = list(tiles)

    def tile_specs(self):
        return [{"url": url, "options": options} for url, options in self.tiles]

    def page_script(self):
        frame = f"{self._parent.get_name()}.hailin"
        return (
            f"var {self.get_name()} = {frame}.basemap("
            f"{js_value(self.tile_specs())}, {js_value(self.datum)});\n"
        )


def basemap_layer(name, lang="zh", key=None, *, show=False):
    """The :class:`BasemapLayer` of basemap ``name``."""
    basemap = BASEMAPS[name]
    return BasemapLayer(basemap.label[lang], basemap.datum, basemap.tiles(lang, key), show=show)
