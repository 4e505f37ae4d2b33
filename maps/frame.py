"""The part of every map page hailin writes around the data: Leaflet (inlined,
linked beside the map, or linked from the CDN), the words on Leaflet's
controls, the frame script (``maps/frame.js``: GCJ-02 drawing over Gaode,
basemap switching, coordinates in popups, the notice when tiles fail) and
hailin's own full-screen and measure tools (``maps/tools.js``).

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
    "measure": {"zh": "测量距离和面积", "en": "Measure distance and area"},
    "measure_hint": {"zh": "在地图上点击，逐点测量", "en": "Click the map to add points"},
    "distance": {"zh": "距离", "en": "Distance"},
    "colon": {"zh": "：", "en": ": "},
    "area": {"zh": "面积", "en": "Area"},
    "finish": {"zh": "完成", "en": "Finish"},
    "clear": {"zh": "清除", "en": "Clear"},
    "metres": {"zh": "米", "en": "m"},
    "kilometres": {"zh": "公里", "en": "km"},
    "square_metres": {"zh": "平方米", "en": "m²"},
    "hectares": {"zh": "公顷", "en": "ha"},
    "mu": {"zh": "亩", "en": "mu"},
    "tiles_failed": {
        "zh": "底图瓦片无法加载（无网络或被拦截）；离线底图：hailin map --basemap-file 文件",
        "en": "Basemap tiles failed to load (offline or blocked); "
        "for an offline basemap: hailin map --basemap-file FILE",
    },
}

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
_ICONS = {
    # Four corners (full screen) and a ruler (measure), drawn for hailin.
    "fullscreen": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 26 26' fill='none' "
    "stroke='%23333' stroke-width='2.4'><path d='M6 11V6h5M15 6h5v5M20 15v5h-5M11 20H6v-5'/></svg>",
    "measure": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 26 26' fill='none' "
    "stroke='%23333' stroke-width='2'><rect x='3' y='9' width='20' height='8' rx='1'/>"
    "<path d='M7 9v4M11 9v3M15 9v4M19 9v3'/></svg>",
}
_STYLE = (
    ".hailin-layers-heading{font-weight:bold;font-size:12px;color:#333;margin:2px 0}"
    ".leaflet-control-layers-separator+.hailin-layers-heading{margin-top:4px}"
    ".hailin-fullscreen-toggle,.hailin-measure-toggle{background:#fff center/26px no-repeat}"
    f'.hailin-fullscreen-toggle{{background-image:url("data:image/svg+xml,{_ICONS["fullscreen"]}")}}'
    f'.hailin-measure-toggle{{background-image:url("data:image/svg+xml,{_ICONS["measure"]}")}}'
    ".hailin-fullscreen-on .hailin-fullscreen-toggle,.hailin-measuring .hailin-measure-toggle"
    "{background-color:#ddd}"
    ".hailin-pseudo-fullscreen{position:fixed!important;inset:0;width:100%!important;"
    "height:100%!important;z-index:10000}"
    ".hailin-measure-box{display:none;background:#fff;padding:6px 8px;font:12px/1.5 sans-serif;"
    "min-width:170px;border-top:1px solid #ccc}"
    ".hailin-measuring .hailin-measure-box{display:block}"
    ".hailin-measure-actions{display:flex;gap:6px;margin-top:4px}"
    ".hailin-measure-actions button{font:12px sans-serif;padding:2px 8px;cursor:pointer}"
    ".hailin-measuring-map{cursor:crosshair}"
    # Reserve names on the map: dark text with a light halo, no box or arrow.
    ".leaflet-tooltip.hailin-label{background:transparent;border:0;box-shadow:none;padding:0;"
    "font:bold 13px/1.2 sans-serif;color:#00402d;white-space:nowrap;"
    "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}"
    ".leaflet-tooltip.hailin-label:before{display:none}"
    ".hailin-tiles-failed{position:absolute;top:10px;left:50%;transform:translateX(-50%);"
    "z-index:900;background:rgba(255,248,225,.95);border:1px solid #c9a227;border-radius:3px;"
    "padding:3px 8px;font:12px/1.4 sans-serif;width:max-content;"
    "max-width:min(640px,calc(100% - 130px));color:#3b2f00}"
)


def words(lang):
    """The frame's words in ``lang``."""
    return {key: value[lang] for key, value in WORDS.items()}


@functools.cache
def frame_script() -> str:
    """The text of ``maps/frame.js`` and ``maps/tools.js``."""
    folder = pathlib.Path(__file__).parent
    return "\n".join(
        (folder / name).read_text(encoding="utf-8") for name in ("frame.js", "tools.js")
    )


def mainland_outline():
    """[[lon, lat], ...]: the ring inside which GCJ-02 shifts (geo.gcj02's)."""
    return [[x, y] for x, y in gcj02._MAINLAND_OUTLINE.exterior.coords]


@dataclasses.dataclass(frozen=True)
class Output:
    """How a page loads Leaflet: ``inline`` (the default: inside the page),
    ``assets`` (beside the map at ``base_url``) or ``cdn`` (jsDelivr, opted into)."""

    mode: str = "inline"
    base_url: str = ""


def _inline_script(text):
    # Inside <script> only "</script" and "<!--" mean something to HTML; in
    # JavaScript "<\/" is the same as "</" wherever either can stand.
    return re.sub(r"<(/script|!--)", r"<\\\1", text, flags=re.IGNORECASE)


def _data_uri(asset):
    kind = _TYPES[asset.path.rsplit(".", 1)[-1].lower()]
    return f"data:{kind};base64,{base64.b64encode(read_asset(asset)).decode('ascii')}"


def inline_css(asset) -> str:
    """A stylesheet's text with each ``url(...)`` it makes to its package's
    files replaced by a ``data:`` URI (``data:`` and ``#`` references kept)."""
    text = read_asset(asset).decode("utf-8")
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
        found = BY_PATH.get("/".join(resolved))
        if found is None:
            raise AssetError(f"{asset.relpath} refers to {target!r}, which is not a pinned asset")
        return f'url("{_data_uri(found)}")'

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
        if out.mode == "inline":
            return [
                *(f"<style>{inline_css(a)}</style>" for a in sheets),
                *(
                    f"<script>{_inline_script(read_asset(a).decode('utf-8'))}</script>"
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
        # --cdn: jsDelivr serves npm's bytes; a file that is not them is not run.
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
        """Inlined, Leaflet's default marker icon is found from its data: URIs
        (Leaflet would read a folder from the stylesheet's url(), which a
        data: URI does not have)."""
        if self.output.mode != "inline":
            return ""
        icons = {
            "iconUrl": _data_uri(ASSETS["leaflet_marker_icon"]),
            "iconRetinaUrl": _data_uri(ASSETS["leaflet_marker_icon_2x"]),
            "shadowUrl": _data_uri(ASSETS["leaflet_marker_shadow"]),
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
        said = js_value(words(self.lang))
        return (
            f"hailinFrame(L, {fmap}, hailinGcj02({js_value(mainland_outline())}), {said});\n"
            f"hailinTools(L, {fmap}, {said});\n"
        )
