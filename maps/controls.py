"""Map controls hailin adds: the time slider and the summary panel.

The time slider is ours rather than folium's TimestampedGeoJson, which needs
four more scripts and draws only one part of a MultiPolygon: each feature
carries a ``timeline`` of [period, state] steps and the slider shows, hides and
recolours the features of the layers it drives. Both are
:class:`layers.page.PageElement` s: their text never passes through Jinja2.
"""

from layers.page import PageElement, html_text, js_value

_TIME_SCRIPT = """
(function () {
    var map = %(map)s;
    var layers = [%(layers)s];
    var periods = %(periods)s;
    var colours = %(colours)s;
    var control = L.control({position: "bottomleft"});
    var label, slider;
    control.onAdd = function () {
        var div = L.DomUtil.create("div", "hailin-time leaflet-bar");
        div.style.cssText = "background:#fff;padding:6px 10px;font:13px sans-serif;min-width:260px";
        var title = L.DomUtil.create("div", "", div);
        title.textContent = %(title)s;
        slider = L.DomUtil.create("input", "hailin-time-slider", div);
        slider.type = "range"; slider.min = 0; slider.max = periods.length - 1; slider.step = 1;
        slider.value = periods.length - 1; slider.style.width = "100%%";
        label = L.DomUtil.create("div", "hailin-time-label", div);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        L.DomEvent.on(slider, "input change", function () { show(+slider.value); });
        return div;
    };
    function stateAt(timeline, period) {
        var state = null;
        for (var i = 0; i < timeline.length; i++) {
            if (timeline[i][0] <= period) { state = timeline[i][1]; }
        }
        return state;
    }
    function show(index) {
        var period = periods[index];
        label.textContent = period;
        layers.forEach(function (group) {
            group.eachLayer(function (layer) {
                var state = stateAt(layer.feature.properties.timeline || [], period);
                var path = layer.getElement ? layer.getElement() : null;
                if (path) { path.style.display = state === null ? "none" : ""; }
                if (state !== null && colours[state]) {
                    layer.setStyle({color: colours[state], fillColor: colours[state]});
                }
            });
        });
        map.getContainer().setAttribute("data-hailin-period", period);
    }
    control.addTo(map);
    map.whenReady(function () { show(periods.length - 1); });
})();
"""


class TimeControl(PageElement):
    """A slider over ``periods`` (sorted strings) driving ``layers``."""

    def __init__(self, layers, periods, colours, title):
        super().__init__()
        self._name = "TimeControl"
        self.layers = list(layers)
        self.periods = list(periods)
        self.colours = dict(colours)
        self.title = title

    def page_script(self):
        return _TIME_SCRIPT % {
            "map": self._parent.get_name(),
            "layers": ", ".join(layer.get_name() for layer in self.layers),
            "periods": js_value(self.periods),
            "colours": js_value(self.colours),
            "title": js_value(self.title),
        }


def svg_chart(labels, values, caption, width=260, height=90):
    """A small line chart as inline SVG (no chart library to load)."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = (width - 20) / max(len(values) - 1, 1)
    points = " ".join(
        f"{10 + i * step:.1f},{height - 18 - (v / top) * (height - 30):.1f}"
        for i, v in enumerate(values)
    )
    first, last = html_text(labels[0]), html_text(labels[-1])
    return (
        f'<div class="hailin-chart-caption">{html_text(caption)}</div>'
        f'<svg class="hailin-chart" width="{width}" height="{height}" role="img">'
        f'<polyline fill="none" stroke="#1a9850" stroke-width="2" points="{points}"/>'
        f'<text x="10" y="{height - 4}" font-size="10">{first}</text>'
        f'<text x="{width - 10}" y="{height - 4}" font-size="10" text-anchor="end">{last}</text>'
        f'<text x="{width - 10}" y="12" font-size="10" text-anchor="end">{top:,.0f}</text>'
        "</svg>"
    )


class SummaryPanel(PageElement):
    """A fixed panel of escaped (label, value) lines and an optional chart
    (markup from :func:`svg_chart`)."""

    def __init__(self, title, rows, chart_html=""):
        super().__init__()
        self._name = "SummaryPanel"
        self.title = title
        self.rows = list(rows)
        self.chart_html = chart_html

    def page_html(self):
        lines = "<br>".join(
            f"{html_text(label)}: <b>{html_text(value)}</b>" for label, value in self.rows
        )
        return f"""
        <div class="hailin-summary" style="position: fixed; bottom: 34px; right: 12px; z-index: 1000;
             background: rgba(255,255,255,0.94); padding: 8px 12px; border-radius: 4px;
             box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 13px/1.5 sans-serif; max-width: 300px;">
          <b>{html_text(self.title)}</b><br>{lines}{self.chart_html}
        </div>
        """
