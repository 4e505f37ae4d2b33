"""Map controls hailin adds: the time slider and the summary panel.

The time slider is ours rather than folium's TimestampedGeoJson, which needs
four more scripts and draws only one part of a MultiPolygon: each feature
carries a ``timeline`` of [period, state] steps and the slider shows, hides and
recolours the features of the layers it drives.
"""

import html
import json

from branca.element import MacroElement
from jinja2 import Template


class TimeControl(MacroElement):
    """A slider over ``periods`` (sorted strings) driving ``layers``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var layers = [{% for name in this.layer_names %}{{ name }}{% if not loop.last %}, {% endif %}{% endfor %}];
            var periods = {{ this.periods_json }};
            var colours = {{ this.colours_json }};
            var control = L.control({position: "bottomleft"});
            var label, slider;
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "hailin-time leaflet-bar");
                div.style.cssText = "background:#fff;padding:6px 10px;font:13px sans-serif;min-width:260px";
                var title = L.DomUtil.create("div", "", div);
                title.textContent = {{ this.title_json }};
                slider = L.DomUtil.create("input", "hailin-time-slider", div);
                slider.type = "range"; slider.min = 0; slider.max = periods.length - 1; slider.step = 1;
                slider.value = periods.length - 1; slider.style.width = "100%";
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
        {% endmacro %}
        """
    )

    def __init__(self, layers, periods, colours, title):
        super().__init__()
        self._name = "TimeControl"
        self.layer_names = [layer.get_name() for layer in layers]
        self.periods_json = json.dumps(list(periods))
        self.colours_json = json.dumps(colours)
        self.title_json = json.dumps(title, ensure_ascii=False)


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
    first, last = html.escape(str(labels[0])), html.escape(str(labels[-1]))
    return (
        f'<div class="hailin-chart-caption">{html.escape(caption)}</div>'
        f'<svg class="hailin-chart" width="{width}" height="{height}" role="img">'
        f'<polyline fill="none" stroke="#1a9850" stroke-width="2" points="{points}"/>'
        f'<text x="10" y="{height - 4}" font-size="10">{first}</text>'
        f'<text x="{width - 10}" y="{height - 4}" font-size="10" text-anchor="end">{last}</text>'
        f'<text x="{width - 10}" y="12" font-size="10" text-anchor="end">{top:,.0f}</text>'
        "</svg>"
    )


class SummaryPanel(MacroElement):
    """A fixed panel of escaped (label, value) lines and an optional chart."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="hailin-summary" style="position: fixed; bottom: 34px; right: 12px; z-index: 1000;
             background: rgba(255,255,255,0.94); padding: 8px 12px; border-radius: 4px;
             box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 13px/1.5 sans-serif; max-width: 300px;">
          <b>{{ this.title }}</b><br>{{ this.body }}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title, rows, chart_html=""):
        super().__init__()
        self._name = "SummaryPanel"
        self.title = html.escape(title)
        lines = [f"{html.escape(label)}: <b>{html.escape(value)}</b>" for label, value in rows]
        self.body = "<br>".join(lines) + chart_html
