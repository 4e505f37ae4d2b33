"""Layer: restoration plots coloured by planting year, with their survival."""

import pandas as pd

from hailin.layers.encode import day_numbers, ints, rows_column, text_column
from hailin.layers.features import Popup, data_layer, entered, fields, plot_columns
from hailin.layers.text import text

# Chosen with the other legend colours so that every pair differs by CIE ΔE2000
# >= 15, also as a deuteranope sees them (tests/test_maps_offline.py).
YEAR_COLOURS = ["#7cdcdd", "#21aa97", "#7f97df", "#cf1968", "#8d5b00", "#f0dbad"]


def year_colours(years):
    """A fixed colour per planting year, in order."""
    return {year: YEAR_COLOURS[i % len(YEAR_COLOURS)] for i, year in enumerate(sorted(set(years)))}


def _from_imagery(imagery, plot_id):
    """'37% (2024-09-15)', or None (no popup row) for a plot no image measured."""
    found = (imagery or {}).get(plot_id)
    if found is None or pd.isna(found[0]):
        return None
    return f"{found[0]:.0f}% ({found[1]})"


def _shown(rate, lang):
    return text("not_checked", lang) if rate is None or pd.isna(rate) else f"{rate:.0f}%"


def restoration_layer(restoration, survival, lang="zh", site_names=None, checks=None, imagery=None):
    """(layer, legend entries); ``survival`` is plot_id -> survival % (from
    progress), ``checks`` plot_id -> [(date, survival %), ...] of the checks
    made (shown as the plot's survival history), ``imagery`` plot_id ->
    (survival % estimated from imagery, the image date). A plot appears on the
    day it was planted."""
    years = [str(d)[:4] for d in restoration["planted_on"]]
    colours = year_colours(years)
    shown = [_shown(survival.get(p), lang) for p in restoration["plot_id"]]
    history = [
        [
            (f"{text('survival', lang)} {day}", f"{rate:.0f}%")
            for day, rate in (checks or {}).get(p, [])
        ]
        for p in restoration["plot_id"]
    ]
    columns, rows = plot_columns(restoration, lang, site_names)
    columns |= {
        "planted_on": text_column(restoration["planted_on"].astype(str)),
        **fields(restoration, ["species", "funding"], lang),
        "survival": text_column(shown),
        "imagery_survival": text_column(
            [_from_imagery(imagery, p) or "" for p in restoration["plot_id"]]
        ),
        "checks": rows_column(history),
        "year": text_column(years),
        "survival_tip": text_column([f"{text('survival', lang)} {s}" for s in shown]),
        "planted_day": {"kind": "day", "values": ints(day_numbers(restoration["planted_on"]))},
    }
    rows += [
        (text("planted_on", lang), "planted_on"),
        (text("species", lang), "species"),
        (text("funding", lang), "funding"),
        (text("survival", lang), "survival"),
        (text("imagery_survival", lang), "imagery_survival"),
        (None, "checks"),
    ]
    order = list(colours)
    layer = data_layer(
        restoration,
        text("restoration_plots", lang),
        columns,
        Popup(text("restoration_plot", lang), "plot_id", rows),
        ["plot_id", "year", "survival_tip"],
        {
            "base": {"weight": 1, "fillOpacity": 0.6},
            "colours": [colours[y] for y in order],
            "class": "year_index",
        },
        time={"since": "planted_day"},
        ids="plot_id",
        classes={"year_index": ints([order.index(y) for y in years])},
        words=entered(lang),
    )
    legend = [
        {"label": f"{text('planted', lang)} {y}", "color": c, "fill": c} for y, c in colours.items()
    ]
    return layer, legend
