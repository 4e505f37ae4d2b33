"""How text reaches a map page: as data, never as template source.

branca renders a page in two Jinja2 passes. Each element's macros are rendered,
and ``MacroElement.render`` then wraps that output in ``Element(output)``, which
compiles it *again* as a template: any ``{{ ... }}`` or ``{% ... %}`` inside data
a folium element wrote into its output is evaluated when the map is built (and a
lone ``{{`` breaks the build). So hailin's layers, layer control, legend, panel
and time control are :class:`PageParts` elements: their header, html and script
are finished strings, built in Python with :func:`html_text` (text in HTML) and
:func:`js_value` (values in scripts), and added to the page as they are, outside
Jinja2. folium draws only the frame (the map, tiles and plugins, no data), and
:func:`check_page` refuses a map holding any other folium element.
"""

import html
import json
import re

import folium
import folium.plugins
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from layers.errors import PageError

# Characters that could end a <script> or start markup; everything beyond ASCII
# (the line separators U+2028 and U+2029 included) is escaped by json.dumps.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
# In compact JSON a structural "{" is followed by '"' or "}", so a "{" opening a
# Jinja2 tag ({{, {%, {#) lies inside a string, where \u007b means the same.
_TEMPLATE_START = re.compile("\\{(?=[{%#])")
_HTML_ESCAPES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def js_value(value: object) -> str:
    """``value`` as a JavaScript literal (JSON) safe inside a ``<script>``.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so no text can close
    the script, and so is every ``{`` that would open a Jinja2 tag, so the text
    stays inert even if it ever passed through a template.

    Parameters
    ----------
    value : object
        Anything ``json.dumps`` takes; NaN and infinity are refused (ValueError),
        they are not JSON.

    Returns
    -------
    str
        The literal.

    Examples
    --------
    >>> js_value({"note": "{{7*7}} </script>"})
    '{"note":"\\\\u007b{7*7}} \\\\u003c/script\\\\u003e"}'
    >>> import json; json.loads(js_value("{{7*7}}"))
    '{{7*7}}'
    """
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return _TEMPLATE_START.sub("\\\\u007b", text.translate(_SCRIPT_ESCAPES))


def html_text(value: object) -> str:
    """``value`` as escaped HTML text (quotes, ``{`` and ``}`` included).

    Parameters
    ----------
    value : object
        Any value, written with ``str``; None and NaN are missing.

    Returns
    -------
    str
        The escaped text; a missing value as an empty string.

    Examples
    --------
    >>> html_text("<b>{{7*7}}</b>")
    '&lt;b&gt;&#123;&#123;7*7&#125;&#125;&lt;/b&gt;'
    >>> html_text(None)
    ''
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_HTML_ESCAPES)


class _Finished(Element):
    """Page text already built. ``branca.element.Element(text)`` would compile
    ``text`` as a template; this one is returned as it is."""

    def __init__(self, text):
        super().__init__()
        self._name = "Finished"
        self.text = text

    def render(self, **kwargs):
        return self.text


class PageParts:
    """Mixin for an element whose page text hailin builds: override
    :meth:`page_header`, :meth:`page_html` or :meth:`page_script` to return
    finished strings (data only through :func:`html_text` and :func:`js_value`).
    Mix it in before the folium or branca class."""

    _template = Template("")  # no macros: nothing of this element is a template

    def page_header(self) -> str:
        return ""

    def page_html(self) -> str:
        return ""

    def page_script(self) -> str:
        return ""

    def render(self, **kwargs):
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise PageError(f"{type(self).__name__} renders only inside a Figure, got {figure!r}")
        for part, text in (
            (figure.header, self.page_header()),
            (figure.html, self.page_html()),
            (figure.script, self.page_script()),
        ):
            if text:
                part.add_child(_Finished(text), name=self.get_name())
        super().render(**kwargs)  # the element's own children, e.g. folium's addTo


class PageElement(PageParts, MacroElement):
    """A fixed part of the page (legend, panel, control) built by hailin."""


class DataLayer(PageParts, folium.map.Layer):
    """A GeoJSON layer whose features carry their own ``style`` (a dict),
    ``popup`` (HTML, escaped by its builder) and ``tooltip`` (HTML, likewise);
    points are drawn as circle markers of ``radius`` pixels. Its script is
    built by :meth:`page_script`, outside Jinja2.

    Parameters
    ----------
    features : dict
        A GeoJSON FeatureCollection in EPSG:4326.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens.
    radius : float
        Circle marker radius of points, in pixels.

    Examples
    --------
    >>> point = {"type": "Point", "coordinates": [120.33, 27.26]}
    >>> feature = {"type": "Feature", "geometry": point, "properties": {"tooltip": "P1"}}
    >>> layer = DataLayer({"type": "FeatureCollection", "features": [feature]}, "{{ plots }}")
    >>> "L.geoJson({" in layer.page_script(), layer.layer_name
    (True, '{{ plots }}')
    """

    def __init__(self, features: dict, name: str, *, show: bool = True, radius: float = 4) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "DataLayer"
        self.features = features
        self.radius = radius

    def page_script(self) -> str:
        """The layer's script: its features as :func:`js_value` data."""
        name = self.get_name()
        return f"""
        var {name} = L.geoJson({js_value(self.features)}, {{
            style: function (feature) {{ return feature.properties.style; }},
            pointToLayer: function (feature, latlng) {{
                return L.circleMarker(latlng, {{radius: {js_value(self.radius)}}});
            }},
            onEachFeature: function (feature, layer) {{
                if (feature.properties.popup) {{
                    layer.bindPopup(feature.properties.popup, {{maxWidth: 360}});
                }}
                if (feature.properties.tooltip) {{ layer.bindTooltip(feature.properties.tooltip); }}
            }}
        }});
        """


class LayerControl(PageElement):
    """Leaflet's layer switcher over the map's layers, names written by
    :func:`js_value` (folium's own control writes them through its template)."""

    def __init__(self, collapsed=False):
        super().__init__()
        self._name = "LayerControl"
        self.collapsed = collapsed

    def page_script(self):
        base, overlays = [], []
        for item in self._parent._children.values():
            if isinstance(item, folium.map.Layer) and item.control:
                entry = f"{js_value(item.layer_name)}: {item.get_name()}"
                (overlays if item.overlay else base).append(entry)
        return (
            f"L.control.layers({{{', '.join(base)}}}, {{{', '.join(overlays)}}}, "
            f"{{collapsed: {js_value(self.collapsed)}}}).addTo({self._parent.get_name()});"
        )


# The folium elements a hailin map may hold: its frame, whose text is hailin's
# own settings (tile URLs, attributions, options), never data.
FRAME = (
    folium.Map,
    folium.TileLayer,
    folium.plugins.Fullscreen,
    folium.plugins.MeasureControl,
    folium.plugins.MarkerCluster,
    folium.map.FitBounds,
)


def check_page(fmap: folium.Map) -> folium.Map:
    """Refuse a map holding an element other than hailin's :class:`PageParts`
    and folium's frame: such an element would write its text through Jinja2 twice.

    Parameters
    ----------
    fmap : folium.Map
        The map, with everything added to it.

    Returns
    -------
    folium.Map
        ``fmap``, when it passes.

    Raises
    ------
    PageError
        (also a TypeError) naming the first other element found.

    Examples
    --------
    >>> import folium
    >>> from geo import load_sites
    >>> from layers.sites import sites_layer
    >>> fmap = folium.Map()
    >>> layer, legend = sites_layer(load_sites())
    >>> _ = layer.add_to(fmap)
    >>> check_page(fmap) is fmap
    True
    >>> _ = folium.Marker([27.26, 120.33], popup="{{ x }}").add_to(fmap)
    >>> check_page(fmap)
    Traceback (most recent call last):
    ...
    layers.errors.PageError: folium.map.Marker would put its text through Jinja2; draw map data with layers.page (DataLayer, PageElement)
    """
    elements: list[Element] = [fmap]
    while elements:
        element = elements.pop()
        if not isinstance(element, (PageParts, *FRAME)):
            raise PageError(
                f"{type(element).__module__}.{type(element).__name__} would put its text "
                "through Jinja2; draw map data with layers.page (DataLayer, PageElement)"
            )
        elements.extend(element._children.values())
    return fmap
