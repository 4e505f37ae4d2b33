"""Layer: a raster of a key area drawn as an image, with its legend.

The image is :func:`hailin.geo.raster.overlay_image`'s PNG (Web Mercator grid, read
from overviews or decimated, so a Sentinel-2 tile becomes a page-sized image),
placed by ``L.imageOverlay`` between its WGS84 corners. Leaflet places the
corners through the map's projection, so over a Gaode basemap the image moves
with the GCJ-02 shift as every other overlay does (``maps/frame.js``). The PNG
travels in the page as a ``data:`` URI, written by :func:`hailin.layers.page.js_value`.
"""

import base64

import folium

from hailin.layers.page import PageParts, js_value
from hailin.layers.text import text
from hailin.surveys.schema import word


class ImageLayer(PageParts, folium.map.Layer):
    """An image overlay: PNG bytes between ``bounds`` (west, south, east, north
    in degrees, WGS84), drawn at ``opacity``."""

    def __init__(self, png, bounds, name, *, opacity=0.75, show=True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ImageLayer"
        self.url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        west, south, east, north = (float(v) for v in bounds)
        self.corners = [[south, west], [north, east]]
        self.opacity = float(opacity)

    def page_script(self):
        options = {"opacity": self.opacity, "interactive": False, "className": "hailin-raster"}
        return (
            f"var {self.get_name()} = L.imageOverlay({js_value(self.url)}, "
            f"{js_value(self.corners)}, {js_value(options)});\n"
        )


def raster_legend(overlay, file: str, lang: str = "zh") -> list[dict]:
    """Legend entries of a raster image: its classes in words (the vocabulary's
    for mangrove, spartina, mudflat and water), or its colour ramp's stops.

    Examples
    --------
    >>> from hailin.geo.raster import Overlay
    >>> image = Overlay(b"", (0, 0, 1, 1), "EPSG:3857", 1, 1, (("spartina", "#e6550d"),))
    >>> raster_legend(image, "a.tif", "zh")
    [{'label': '互花米草', 'color': '#e6550d', 'fill': '#e6550d'}]
    >>> ramp = Overlay(b"", (0, 0, 1, 1), "EPSG:3857", 1, 1, (("0.1", "#d7191c"), ("0.5", "#1a9641")))
    >>> [entry["label"] for entry in raster_legend(ramp, "ndvi.tif", "en")]
    ['ndvi.tif: 0.1', '0.5']
    """
    # Class names start with a letter (geo.raster.parse_classes); ramp stops are numbers.
    classified = not all(_is_number(label) for label, _colour in overlay.legend)
    entries = []
    for number, (label, colour) in enumerate(overlay.legend):
        # A ramp names its file once, on its first stop.
        shown = word("raster_class", label, lang) if classified else label
        if not classified and number == 0:
            shown = f"{file}: {label}"
        entries.append({"label": shown, "color": colour, "fill": colour})
    return entries


def _is_number(label):
    try:
        float(label)
    except ValueError:
        return False
    return True


def raster_layer(file: str, overlay, lang: str = "zh", *, opacity: float = 0.75):
    """(layer, legend entries) of a raster's display image (a
    :class:`hailin.geo.raster.Overlay`); ``file`` names it in the layer control."""
    name = f"{text('raster_layer', lang)}: {file}"
    layer = ImageLayer(overlay.png, overlay.bounds, name, opacity=opacity)
    return layer, raster_legend(overlay, file, lang)
