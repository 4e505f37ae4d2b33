"""Layer: restoration plots coloured by planting year, with their survival."""

import pandas as pd

from hailin.layers.encode import (
    day_numbers,
    ints,
    rows_column,
    text_column,
    timed_column,
    timed_values,
)
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


def _month_end(label) -> int:
    """The day number of the last day of the month ``label`` (YYYY-MM)."""
    return int(day_numbers([pd.Period(label, freq="M").end_time.normalize()])[0])


def _versions(plots, as_of, value):
    """The timed column of ``value(plot, figures)`` for each (day, figures) of ``as_of``."""
    return timed_values([(day, [value(p, figures) for p in plots]) for day, figures in as_of])


def _timed_figures(plots, survival, imagery, lang, as_of):
    """The survival and imagery columns: as of now, or with ``as_of``
    ([(day number, (survival, imagery) as they stood then), ...]) as known
    at each day."""
    tip = text("survival", lang)
    if not as_of:
        shown = [_shown(survival.get(p), lang) for p in plots]
        return {
            "survival": text_column(shown),
            "imagery_survival": text_column([_from_imagery(imagery, p) or "" for p in plots]),
            "survival_tip": text_column([f"{tip} {s}" for s in shown]),
        }
    return {
        "survival": _versions(plots, as_of, lambda p, f: _shown(f[0].get(p), lang)),
        "imagery_survival": _versions(plots, as_of, lambda p, f: _from_imagery(f[1], p) or ""),
        "survival_tip": _versions(plots, as_of, lambda p, f: f"{tip} {_shown(f[0].get(p), lang)}"),
    }


def _check_rows(plots, checks, lang, timed):
    """Each plot's survival checks, month by month; ``timed``: each shown from
    the end of its month on."""
    rows = [
        [(f"{text('survival', lang)} {month}", f"{rate:.0f}%") for month, rate in checks.get(p, [])]
        for p in plots
    ]
    if not timed:
        return rows_column(rows)
    versions = [
        [(_month_end(month), plot_rows[: k + 1]) for k, (month, _) in enumerate(checks.get(p, []))]
        for p, plot_rows in zip(plots, rows, strict=True)
    ]
    return timed_column(versions)


def restoration_layer(
    restoration, survival, lang="zh", site_names=None, checks=None, imagery=None, as_of=None
):
    """(layer, legend entries); ``survival`` is plot_id -> survival % (from
    progress), ``checks`` plot_id -> [(YYYY-MM, survival %), ...] of the checks
    made (shown as the plot's survival history), ``imagery`` plot_id ->
    (survival % estimated from imagery, the image date). A plot appears on the
    day it was planted. With ``as_of`` ([(day number, (survival, imagery) as
    they stood at its end), ...]) popups say what was known at the day shown."""
    years = [str(d)[:4] for d in restoration["planted_on"]]
    colours = year_colours(years)
    plots = restoration["plot_id"].tolist()
    columns, rows = plot_columns(restoration, lang, site_names)
    columns |= {
        "planted_on": text_column(restoration["planted_on"].astype(str)),
        **fields(restoration, ["species", "funding"], lang),
        **_timed_figures(plots, survival, imagery, lang, as_of),
        "checks": _check_rows(plots, checks or {}, lang, bool(as_of)),
        "year": text_column(years),
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
