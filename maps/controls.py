"""Map controls hailin adds: the time control, the legend, the summary panel,
and the layout rules that keep popups clear of them (``maps/controls.js``).

The time control is ours rather than folium's TimestampedGeoJson, which needs
four more scripts and draws only one part of a MultiPolygon: it steps through
months and tells every time-stamped layer of the map (``layers/draw.js``) and
the panel the day shown. Every control is a :class:`hailin.layers.page.PageElement`:
its markup is built here with escaped text, its data written as JSON, and
nothing passes through Jinja2.
"""

import pathlib

from hailin.layers.page import PageElement, html_text, js_value, script_file
from hailin.layers.text import text
from hailin.maps.figures import month_ends

CONTROLS_SCRIPT = pathlib.Path(__file__).with_name("controls.js")
_STYLE = (
    ".hailin-box{background:rgba(255,255,255,.95);padding:6px 10px;border-radius:4px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.45 sans-serif;max-width:290px}"
    ".hailin-head{display:flex;align-items:center;justify-content:space-between;gap:8px;"
    "cursor:pointer;font-weight:bold}"
    ".hailin-head button,.hailin-time button{border:1px solid #bbb;background:#fff;"
    "border-radius:3px;cursor:pointer;font:13px sans-serif;min-width:28px;height:26px;padding:0 4px}"
    ".hailin-head button{border:0;min-width:22px}"
    ".hailin-swatch{display:inline-block;width:14px;height:10px;margin-right:6px;opacity:.8;"
    "border:2px solid}"
    ".hailin-time{min-width:240px}.hailin-time-row{display:flex;align-items:center;gap:4px}"
    ".hailin-time-label{margin-left:6px;font-weight:bold}.hailin-time-slider{width:100%}"
    ".hailin-later{opacity:.2}"
    # The chart shrinks with its panel (a phone), never wider than the panel.
    ".hailin-chart{display:block;margin-top:4px;width:100%;max-width:260px;height:auto}"
    ".hailin-popup .leaflet-popup-content{margin:10px 14px}"
    # A phone: the time control (bottom left) and the panel (bottom right) side by side.
    "@media (max-width:600px){.hailin-box{max-width:230px;font-size:12px}"
    ".hailin-time{min-width:0;width:150px}"
    ".hailin-summary{max-width:calc(100vw - 200px);box-sizing:border-box}}"
)


class Controls(PageElement):
    """A control of ``maps/controls.js``: the script and style come once per page."""

    def page_shared(self):
        return {
            "hailin-controls": script_file(CONTROLS_SCRIPT),
            "hailin-controls-style": f"<style>{_STYLE}</style>",
        }

    @property
    def map_name(self):
        return self._parent.get_name()


def _words(lang, *keys):
    return {key: text(key, lang) for key in keys}


class TimeControl(Controls):
    """A month slider over ``periods`` (sorted YYYY-MM), with play/pause and
    steps, driving every time-stamped layer of the map and the panel; the URL
    keeps the month shown (``#date=YYYY-MM``)."""

    def __init__(self, periods, title, lang="zh"):
        super().__init__()
        self._name = "TimeControl"
        self.periods = list(periods)
        self.title = title
        self.lang = lang

    def page_script(self):
        options = {
            "periods": self.periods,
            "ends": month_ends(self.periods),
            "title": self.title,
            "words": _words(self.lang, "play", "pause", "previous", "next", "date"),
        }
        return f"hailinTime({self.map_name}, {js_value(options)});\n"


def _head(title, lang):
    label = html_text(text("hide", lang))
    return (
        f'<div class="hailin-head"><span>{html_text(title)}</span>'
        f'<button type="button" title="{label}" aria-label="{label}">▾</button></div>'
    )


class Legend(Controls):
    """The legend: a title and, per layer, its (label, line colour, fill colour)
    rows; only the layers on the map are listed, and it folds away."""

    def __init__(self, title, entries, lang="zh"):
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.entries = list(entries)
        self.lang = lang

    def _groups(self):
        groups = {}
        for entry in self.entries:
            groups.setdefault(id(entry.get("layer")), (entry.get("layer"), []))[1].append(entry)
        return list(groups.values())

    def page_html(self):
        blocks = []
        for number, (_layer, entries) in enumerate(self._groups()):
            rows = "".join(
                f'<div><span class="hailin-swatch" style="border-color:{html_text(e["color"])};'
                f'background:{html_text(e.get("fill", e["color"]))}"></span>'
                f"{html_text(e['label'])}</div>"
                for e in entries
            )
            blocks.append(f'<div class="hailin-legend-group" data-group="{number}">{rows}</div>')
        return (
            f'<div class="hailin-legend hailin-box" id="{self.get_name()}">'
            f'{_head(self.title, self.lang)}<div class="hailin-body">{"".join(blocks)}</div></div>'
        )

    def page_script(self):
        layers = ", ".join(
            layer.get_name() if layer is not None else "null" for layer, _ in self._groups()
        )
        words = js_value(_words(self.lang, "show", "hide"))
        return f"hailinLegend({self.map_name}, {js_value(self.get_name())}, [{layers}], {words});\n"


def bar_chart(bars, caption, width=260, height=104):
    """A bar chart as inline SVG: ``bars`` of (label, value, colour, period
    index, note); a bar whose period the time control has not reached is
    faded. Values are written on the bars when there are few of them, and
    labels under at most eight of them.

    Examples
    --------
    >>> svg = bar_chart([("2024", 618.0, "#1b9e77", 0, "91%")], "Planted by year")
    >>> svg.count("<rect"), "91%" in svg
    (1, True)
    """
    if not bars:
        return ""
    top = max(value for _l, value, *_ in bars) or 1.0
    slot = (width - 20) / len(bars)
    bar = min(48.0, slot * 0.7)
    every = -(-len(bars) // 8)
    parts = []
    for i, (label, value, colour, period, note) in enumerate(bars):
        x = 10 + i * slot + (slot - bar) / 2
        h = (value / top) * (height - 44)
        y = height - 30 - h
        middle = f"{x + bar / 2:.1f}"
        parts.append(
            f'<rect class="hailin-bar" data-period="{int(period)}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{bar:.1f}" height="{h:.1f}" fill="{html_text(colour)}"/>'
        )
        if i % every == 0:  # many bars (months of years): a label on every few
            parts.append(
                f'<text x="{middle}" y="{height - 18}" font-size="10" text-anchor="middle">'
                f"{html_text(label)}</text>"
            )
        if note and len(bars) <= 8:
            parts.append(
                f'<text x="{middle}" y="{height - 6}" font-size="9" text-anchor="middle" '
                f'fill="#555">{html_text(note)}</text>'
            )
        if len(bars) <= 8:
            parts.append(
                f'<text x="{middle}" y="{y - 3:.1f}" font-size="9" text-anchor="middle">'
                f"{value:,.0f}</text>"
            )
    return (
        f'<div class="hailin-chart-caption">{html_text(caption)}</div>'
        f'<svg class="hailin-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html_text(caption)}">{"".join(parts)}</svg>'
    )


class SummaryPanel(Controls):
    """A panel of escaped (label, value) lines and an optional chart (markup
    from :func:`bar_chart`). A value may be a list, one per period of the
    time control: the panel then shows the one of the month shown."""

    def __init__(self, title, rows, chart_html="", lang="zh"):
        super().__init__()
        self._name = "SummaryPanel"
        self.title = title
        self.rows = list(rows)
        self.chart_html = chart_html
        self.lang = lang

    def page_html(self):
        lines = "".join(
            f'<div>{html_text(label)}: <b class="hailin-value" data-row="{i}">'
            f"{html_text(value[-1] if isinstance(value, list) else value)}</b></div>"
            for i, (label, value) in enumerate(self.rows)
        )
        return (
            f'<div class="hailin-summary hailin-box" id="{self.get_name()}">'
            f'{_head(self.title, self.lang)}<div class="hailin-body">{lines}{self.chart_html}'
            "</div></div>"
        )

    def page_script(self):
        values = [value if isinstance(value, list) else None for _label, value in self.rows]
        words = js_value(_words(self.lang, "show", "hide"))
        return (
            f"hailinPanel({self.map_name}, {js_value(self.get_name())}, {js_value(values)}, "
            f"{words});\n"
        )


class Layout(Controls):
    """Popups kept clear of every control (the map pans them into the free
    part of the view) and small screens given folded controls."""

    def __init__(self):
        super().__init__()
        self._name = "Layout"

    def page_script(self):
        return f"hailinLayout({self.map_name});\n"
