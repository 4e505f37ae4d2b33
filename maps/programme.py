"""The clearance, restoration and overview maps of the programme."""

import geopandas
import pandas as pd

from geo.sites import site_names
from layers.clearance import STATUS_COLOURS, clearance_layer
from layers.patrols import patrol_layers
from layers.recurrence import detections_layer, patches_layer
from layers.restoration import restoration_layer
from layers.sites import sites_layer
from layers.text import text
from maps.assets import pin_assets
from maps.base import finish, new_map
from maps.controls import SummaryPanel, TimeControl, svg_chart
from maps.kinds import MAP_KINDS


def _bounds(*frames):
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def _months(first, last):
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _pct(value, target):
    return (
        f"{value:,.1f} / {target:,.0f} ({100 * value / target:.1f}%)" if target else f"{value:,.1f}"
    )


def _add(fmap, built, legend):
    layer, entries = built
    layer.add_to(fmap)
    legend.extend(entries)
    return layer


def _patrols(fmap, data, lang, legend):
    if data.surveys is None or len(data.surveys) == 0:
        return
    layers, entries = patrol_layers(data.surveys, lang=lang, pin=pin_assets, timezone=data.timezone)
    for layer in layers:
        layer.add_to(fmap)
    legend.extend(entries)


def _clearance_panel(data, lang):
    totals = data.clearance_progress.totals
    months = data.clearance_progress.by_period
    return [
        (
            text("cleared", lang),
            f"{_pct(totals['cleared_mu'], totals['target_mu'])} {text('mu', lang)}",
        ),
        (text("open_cases", lang), str(totals["cases_by_status"]["open"])),
    ], svg_chart(
        months["month"].tolist(), months["cumulative_mu"].tolist(), text("cumulative_cleared", lang)
    )


def _restoration_panel(data, lang):
    totals = data.restoration_progress.totals
    years = data.restoration_progress.by_period
    survival = totals["survival_pct"]
    return [
        (
            text("planted", lang),
            f"{_pct(totals['planted_mu'], totals['target_mu'])} {text('mu', lang)}",
        ),
        (
            text("survival", lang),
            "—" if survival is None or pd.isna(survival) else f"{survival:.1f}%",
        ),
    ], svg_chart(
        years["year"].tolist(), years["cumulative_mu"].tolist(), text("cumulative_planted", lang)
    )


def _start(sites, frames, lang, basemap, frame):
    """(map, legend): a map fitted to the sites and ``frames``, the reserves drawn;
    ``basemap`` and ``frame`` (tianditu_key, basemap_file, zooms) go to
    :func:`maps.base.new_map`."""
    fmap = new_map(_bounds(sites, *frames), lang=lang, basemap=basemap, **frame)
    legend = []
    _add(fmap, sites_layer(sites, lang), legend)
    return fmap, legend


def _clearance_plots(data, lang):
    return clearance_layer(
        data.clearance, data.ledger, lang, site_names(data.sites, lang), data.patrol_counts
    )


def _restoration_plots(data, lang):
    return restoration_layer(data.restoration, data.survival, lang, site_names(data.sites, lang))


def clearance_map(data, lang="zh", basemap=None, **frame):
    """Clearance plots by ledger status over time, regrowth findings, new patches."""
    fmap, legend = _start(data.sites, [data.clearance], lang, basemap, frame)
    plots = _add(fmap, _clearance_plots(data, lang), legend)
    _add(fmap, detections_layer(data.detections, lang, timezone=data.timezone), legend)
    if len(data.patches):
        _add(fmap, patches_layer(data.patches, data.ledger, lang), legend)
    _patrols(fmap, data, lang, legend)
    if len(data.clearance):
        last = max(
            [pd.Timestamp(max(data.clearance["cleared_on"]))]
            + [t.tz_localize(None) for t in data.ledger["status_since"] if pd.notna(t)]
        )
        periods = _months(min(data.clearance["cleared_on"]), last)
        fmap.add_child(TimeControl([plots], periods, STATUS_COLOURS, text("month", lang)))
    rows, chart = _clearance_panel(data, lang)
    fmap.add_child(SummaryPanel(text("clearance_title", lang), rows, chart))
    return finish(fmap, legend, lang)


def restoration_map(data, lang="zh", basemap=None, **frame):
    """Restoration plots by planting year, with survival."""
    fmap, legend = _start(data.sites, [data.restoration], lang, basemap, frame)
    plots = _add(fmap, _restoration_plots(data, lang), legend)
    _patrols(fmap, data, lang, legend)
    if len(data.restoration):
        years = [
            str(y)
            for y in range(
                min(data.restoration["planted_on"]).year,
                max(data.restoration["planted_on"]).year + 1,
            )
        ]
        fmap.add_child(TimeControl([plots], years, {}, text("year", lang)))
    rows, chart = _restoration_panel(data, lang)
    fmap.add_child(SummaryPanel(text("restoration_title", lang), rows, chart))
    return finish(fmap, legend, lang)


def overview_map(data, lang="zh", basemap=None, **frame):
    """The reserves with everything on them; given only a sites frame, the reserves."""
    if isinstance(data, geopandas.GeoDataFrame):
        fmap, legend = _start(data, [], lang, basemap, frame)
        return finish(fmap, legend, lang)
    fmap, legend = _start(data.sites, [data.clearance, data.restoration], lang, basemap, frame)
    _add(fmap, _clearance_plots(data, lang), legend)
    restoration, entries = _restoration_plots(data, lang)
    restoration.show = False
    restoration.add_to(fmap)
    legend.extend(entries)
    if len(data.patches):
        _add(fmap, patches_layer(data.patches, data.ledger, lang), legend)
    _patrols(fmap, data, lang, legend)
    clearance_rows, chart = _clearance_panel(data, lang)
    restoration_rows, _chart = _restoration_panel(data, lang)
    fmap.add_child(
        SummaryPanel(text("overview_title", lang), clearance_rows + restoration_rows, chart)
    )
    return finish(fmap, legend, lang)


# {name: the function drawing that map}, in the order of MAP_KINDS.
MAPS = dict(zip(MAP_KINDS, (clearance_map, restoration_map, overview_map), strict=True))
