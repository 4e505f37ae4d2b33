"""The part of every map page hailin writes around the data: the scripts and
stylesheets it loads (linked from the CDN, linked beside the map, or inlined),
the words on Leaflet's controls, and the frame script (``maps/frame.js``):
GCJ-02 drawing over Gaode, basemap switching, coordinates in popups.

:class:`Frame` is the map's first child, so its scripts run before any layer
is made. It is a :class:`hailin.layers.page.PageElement`: its text is finished here
and never passes through Jinja2 (leaflet.js holds ``{{`` in places).
"""

import base64
import dataclasses
import functools
import pathlib
import re

from hailin.geo import gcj02
from hailin.layers.page import PageElement, html_text, js_value
from hailin.maps.assets import ASSETS, BY_PATH, assets_for, read_asset
from hailin.maps.errors import AssetError

WORDS = {
    "zoom_in": {"zh": "放大", "en": "Zoom in"},
    "zoom_out": {"zh": "缩小", "en": "Zoom out"},
    "layers": {"zh": "图层", "en": "Layers"},
    "basemaps": {"zh": "底图", "en": "Basemaps"},
    "overlays": {"zh": "专题图层", "en": "Map layers"},
    "fullscreen": {"zh": "全屏", "en": "Full screen"},
    "exit_fullscreen": {"zh": "退出全屏", "en": "Exit full screen"},
    "coordinates": {"zh": "坐标（WGS84/CGCS2000）", "en": "WGS84 / CGCS2000"},
    "offline_basemap": {"zh": "离线底图", "en": "Offline basemap"},
    "mu": {"zh": "亩", "en": "mu"},
}
# leaflet-measure's own translations, by map language.
MEASURE_LOCALE = {"zh": "cn", "en": "en"}

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "gif": "image/gif",
    "jpg": "image/jpeg",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
}
_STYLE = (
    ".hailin-layers-heading{font-weight:bold;font-size:12px;color:#333;margin:2px 0}"
    ".leaflet-control-layers-separator+.hailin-layers-heading{margin-top:4px}"
)


def words(lang):
    """The frame's words in ``lang``."""
    return {key: value[lang] for key, value in WORDS.items()}


@functools.cache
def frame_script() -> str:
    """The text of ``maps/frame.js``."""
    return (pathlib.Path(__file__).with_name("frame.js")).read_text(encoding="utf-8")


def mainland_outline():
    """[[lon, lat], ...]: the ring inside which GCJ-02 shifts (geo.gcj02's)."""
    return [[x, y] for x, y in gcj02._MAINLAND_OUTLINE.exterior.coords]


@dataclasses.dataclass(frozen=True)
class Output:
    """How a page loads its assets: ``online`` (CDN), ``assets`` (beside the
    map at ``base_url``) or ``offline`` (inlined, read from ``cache``)."""

    mode: str = "online"
    cache: pathlib.Path | None = None
    base_url: str = ""


def _inline_script(text):
    # Inside <script> only "</script" and "<!--" mean something to HTML; in
    # JavaScript "<\/" is the same as "</" wherever either can stand.
    return re.sub(r"<(/script|!--)", r"<\\\1", text, flags=re.IGNORECASE)


def _data_uri(asset, cache):
    kind = _TYPES[asset.path.rsplit(".", 1)[-1].lower()]
    return f"data:{kind};base64,{base64.b64encode(read_asset(asset, cache)).decode('ascii')}"


def inline_css(asset, cache) -> str:
    """A stylesheet's text with each ``url(...)`` it makes to its package's
    files replaced by a ``data:`` URI (``data:`` and ``#`` references kept)."""
    text = read_asset(asset, cache).decode("utf-8")
    folder = asset.path.rsplit("/", 1)[0] if "/" in asset.path else ""

    def replace(match):
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            return match.group(0)
        parts = [p for p in f"{folder}/{target}".split("/") if p not in ("", ".")]
        resolved = []
        for part in parts:
            if part == "..":
                if resolved:
                    resolved.pop()
            else:
                resolved.append(part)
        found = BY_PATH.get((asset.package.name, "/".join(resolved)))
        if found is None:
            raise AssetError(f"{asset.relpath} refers to {target!r}, which is not a pinned asset")
        return f'url("{_data_uri(found, cache)}")'

    return re.sub(r"</(style)", r"<\\/\1", _CSS_URL.sub(replace, text), flags=re.IGNORECASE)


class Frame(PageElement):
    """Assets, control words and the frame script of one map in ``lang``."""

    def __init__(self, lang="zh"):
        super().__init__()
        self._name = "Frame"
        self.lang = lang
        self.output = Output()

    def _asset_tags(self):
        scripts, sheets = assets_for(self._parent)
        out = self.output
        if out.mode == "offline":
            return [
                *(f"<style>{inline_css(a, out.cache)}</style>" for a in sheets),
                *(
                    f"<script>{_inline_script(read_asset(a, out.cache).decode('utf-8'))}</script>"
                    for a in scripts
                ),
            ]
        if out.mode == "assets":
            return [
                *(
                    f'<link rel="stylesheet" href="{html_text(out.base_url + a.relpath)}"/>'
                    for a in sheets
                ),
                *(
                    f'<script src="{html_text(out.base_url + a.relpath)}"></script>'
                    for a in scripts
                ),
            ]
        # Online: jsDelivr serves npm's bytes; a file that is not them is not run.
        return [
            *(
                f'<link rel="stylesheet" href="{html_text(a.url)}" integrity="{a.sri}" '
                'crossorigin="anonymous"/>'
                for a in sheets
            ),
            *(
                f'<script src="{html_text(a.url)}" integrity="{a.sri}" '
                'crossorigin="anonymous"></script>'
                for a in scripts
            ),
        ]

    def _icon_paths(self):
        """Offline, Leaflet's default marker icon is found from its data: URIs
        (Leaflet would read a folder from the stylesheet's url(), which a
        data: URI does not have)."""
        if self.output.mode != "offline":
            return ""
        cache = self.output.cache
        icons = {
            "iconUrl": _data_uri(ASSETS["leaflet_marker_icon"], cache),
            "iconRetinaUrl": _data_uri(ASSETS["leaflet_marker_icon_2x"], cache),
            "shadowUrl": _data_uri(ASSETS["leaflet_marker_shadow"], cache),
        }
        return f'L.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions({js_value(icons)});\n'

    def page_header(self):
        script = _inline_script(frame_script())
        return "\n".join(
            [
                *self._asset_tags(),
                f"<style>{_STYLE}</style>",
                f"<script>{script}\n{self._icon_paths()}"
                f"hailinControlWords(L, {js_value(words(self.lang))});</script>",
            ]
        )

    def page_script(self):
        fmap = self._parent.get_name()
        return (
            f"hailinFrame(L, {fmap}, hailinGcj02({js_value(mainland_outline())}), "
            f"{js_value(words(self.lang))});\n"
        )
