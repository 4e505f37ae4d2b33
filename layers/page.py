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
import os
import pathlib
import re

import folium
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from hailin.layers.errors import PageError

# Characters that could end a <script> or start markup, the line separators
# U+2028 and U+2029 (line ends to older JavaScript) and lone surrogates (not
# UTF-8) are escaped; other text, Chinese included, stays UTF-8: as \u escapes
# it was more than half the bytes of a map.
# Found by one regular expression (str.translate with a table of 2,000 entries
# looked up every character: 2 s of a 30 MB map's generation).
_SCRIPT_ESCAPE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def _escaped(found: re.Match) -> str:
    return f"\\u{ord(found[0]):04x}"


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
    text = json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    return _TEMPLATE_START.sub("\\\\u007b", _SCRIPT_ESCAPE.sub(_escaped, text))


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
    finished strings (data only through :func:`html_text` and :func:`js_value`),
    and :meth:`page_shared` for header parts several elements need once (a
    script file). Mix it in before the folium or branca class."""

    _template = Template("")  # no macros: nothing of this element is a template

    def page_shared(self) -> dict:
        return {}

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
        for name, text in self.page_shared().items():
            if name not in figure.header._children:
                figure.header.add_child(_Finished(text), name=name)
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


def script_file(path: str | os.PathLike[str]) -> str:
    """A ``<script>`` holding hailin's own script file ``path`` (inline: every
    way a map is written carries it).

    Parameters
    ----------
    path : str or path-like
        A script file shipped with hailin.

    Returns
    -------
    str
        The script element, with ``</script`` and ``<!--`` made inert.

    Examples
    --------
    >>> script_file(DRAW_SCRIPT).startswith("<script>")
    True
    """
    text = pathlib.Path(path).read_text(encoding="utf-8")
    # Inside <script> only "</script" and "<!--" mean something to HTML; in
    # JavaScript "<\\/" is the same as "</" wherever either can stand.
    text = re.sub(r"<(/script|!--)", r"<\\\1", text, flags=re.IGNORECASE)
    return "<script>" + text + "</script>"


DRAW_SCRIPT = pathlib.Path(__file__).with_name("draw.js")
# The data layers' scripts in the order the page loads them: the paths' canvas,
# the layers (columns, popups, paths), the patrol records' layer.
DRAW_SCRIPTS = tuple(
    pathlib.Path(__file__).with_name(n) for n in ("canvas.js", "draw.js", "records.js")
)


class DataLayer(PageParts, folium.map.Layer):
    """A layer of the page's data drawn by ``layers/draw.js`` (with canvas.js and
    records.js) from ``payload``
    (see :func:`hailin.layers.features.data_layer`): the data enters the page as JSON
    (:func:`js_value`), never as template source.

    Parameters
    ----------
    payload : dict
        The layer's compact data (geometry, columns, popup and style specs).
    name : str
        The layer's name in the layer control.
    count : int
        How many features it holds.
    show : bool
        Whether the layer is on when the map opens.

    Examples
    --------
    >>> layer = DataLayer({"features": []}, "{{ plots }}", count=0)
    >>> layer.layer_name, layer.count
    ('{{ plots }}', 0)
    """

    def __init__(self, payload: dict, name: str, *, count: int, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "DataLayer"
        self.payload = payload
        self.count = count

    def page_shared(self) -> dict[str, str]:
        """The drawing scripts, once per page whatever the number of layers."""
        return {"hailin-draw": "".join(script_file(path) for path in DRAW_SCRIPTS)}

    def page_script(self) -> str:
        """The layer's script: its payload as :func:`js_value` data."""
        if self._parent is None:
            raise PageError(f"layer {self.layer_name!r} is drawn on a map: add it to one first")
        return (
            f"var {self.get_name()} = hailinLayer({self._parent.get_name()}, "
            f"{js_value(self.payload)});\n"
        )


class LayerControl(PageElement):
    """Leaflet's layer switcher over the map's layers, names written by
    :func:`js_value` (folium's own control writes them through its template).
    ``collapsed="auto"``: folded to its button on screens under 700 pixels."""

    def __init__(self, collapsed="auto"):
        super().__init__()
        self._name = "LayerControl"
        self.collapsed = collapsed

    def page_script(self):
        base, overlays = [], []
        for item in self._parent._children.values():
            if isinstance(item, folium.map.Layer) and item.control:
                entry = f"{js_value(item.layer_name)}: {item.get_name()}"
                (overlays if item.overlay else base).append(entry)
        fmap = self._parent.get_name()
        collapsed = (
            f"{fmap}.getSize().x < 700" if self.collapsed == "auto" else js_value(self.collapsed)
        )
        return (
            f"L.control.layers({{{', '.join(base)}}}, {{{', '.join(overlays)}}}, "
            f"{{collapsed: {collapsed}}}).addTo({fmap});"
        )


# The folium elements a hailin map may hold: its frame, whose text is hailin's
# own settings (tile URLs, attributions, options), never data.
FRAME = (
    folium.Map,
    folium.TileLayer,
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
    >>> from hailin.geo import load_sites
    >>> from hailin.layers.sites import sites_layer
    >>> fmap = folium.Map()
    >>> layer, legend = sites_layer(load_sites())
    >>> _ = layer.add_to(fmap)
    >>> check_page(fmap) is fmap
    True
    >>> _ = folium.Marker([27.26, 120.33], popup="{{ x }}").add_to(fmap)
    >>> check_page(fmap)
    Traceback (most recent call last):
    ...
    hailin.layers.errors.PageError: folium.map.Marker would put its text through Jinja2; draw map data with layers.page (DataLayer, PageElement)
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
