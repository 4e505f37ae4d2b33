"""The frame every hailin map shares: basemaps, controls and the legend."""

import folium
import folium.plugins
import xyzservices.providers as providers

from layers.page import LayerControl, PageElement, check_page, html_text
from layers.text import text
from maps.assets import pin_assets
from maps.errors import MapError

BASEMAPS = {
    "osm": providers.OpenStreetMap.Mapnik,
    "imagery": providers.Esri.WorldImagery,
}


def new_map(bounds, lang="zh", basemap="osm"):
    """An empty map fitted to ``bounds`` (minx, miny, maxx, maxy) with basemaps."""
    if basemap not in BASEMAPS:
        raise MapError(f"basemap should be one of {sorted(BASEMAPS)}, got {basemap!r}")
    fmap = pin_assets(folium.Map(tiles=None, control_scale=True, prefer_canvas=False))
    order = [basemap] + [name for name in BASEMAPS if name != basemap]
    for name in order:
        provider = BASEMAPS[name]
        folium.TileLayer(
            tiles=provider.build_url(),
            attr=provider.html_attribution,
            name=provider.name,
            max_zoom=provider.get("max_zoom", 19),
            overlay=False,
            control=True,
            show=name == basemap,
        ).add_to(fmap)
    minx, miny, maxx, maxy = bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    pin_assets(folium.plugins.Fullscreen()).add_to(fmap)
    measure = folium.plugins.MeasureControl(
        primary_length_unit="meters", primary_area_unit="sqmeters"
    )
    pin_assets(measure).add_to(fmap)
    return fmap


class Legend(PageElement):
    """A fixed legend: a title and (label, line colour, fill colour) rows."""

    def __init__(self, title, entries):
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.entries = entries

    def page_html(self):
        rows = "<br>".join(
            '<span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
            f"border:2px solid {html_text(e['color'])};"
            f"background:{html_text(e.get('fill', e['color']))};"
            f'opacity:0.8"></span>{html_text(e["label"])}'
            for e in self.entries
        )
        return f"""
        <div class="hailin-legend" style="position: fixed; top: 120px; left: 12px;
             z-index: 1000; background: rgba(255,255,255,0.92); padding: 8px 10px;
             border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
             font: 13px/1.5 sans-serif;">
          <b>{html_text(self.title)}</b><br>{rows}
        </div>
        """


def add_legend(fmap, entries, lang="zh"):
    """Add a fixed legend listing ``entries`` (dicts with label, color, fill)."""
    fmap.add_child(Legend(text("legend", lang), entries))
    return fmap


def finish(fmap, entries, lang="zh"):
    """Add the layer control and the legend once every layer is on the map, and
    check that nothing on it writes text through a template."""
    LayerControl(collapsed=False).add_to(fmap)
    return check_page(add_legend(fmap, entries, lang))
