"""Layer: restoration plots coloured by planting year, with their survival."""

import pandas as pd

from layers.features import plot_rows, timed_plots_layer
from layers.text import text

YEAR_COLOURS = ["#66c2a5", "#1b9e77", "#7570b3", "#e7298a", "#a6761d", "#666666"]


def year_colours(years):
    """A fixed colour per planting year, in order."""
    return {year: YEAR_COLOURS[i % len(YEAR_COLOURS)] for i, year in enumerate(sorted(set(years)))}


def _from_imagery(imagery, plot_id):
    """'37% (2024-09-15)', or None (no popup row) for a plot no image measured."""
    found = (imagery or {}).get(plot_id)
    if found is None or pd.isna(found[0]):
        return None
    return f"{found[0]:.0f}% ({found[1]})"


def restoration_layer(restoration, survival, lang="zh", site_names=None, imagery=None):
    """(layer, legend entries); ``survival`` is plot_id -> survival % (from progress),
    ``imagery`` plot_id -> (survival % estimated from imagery, the image date)."""
    years = [str(d)[:4] for d in restoration["planted_on"]]
    colours = year_colours(years)
    popups, tooltips, styles = [], [], []
    for plot, year in zip(restoration.itertuples(), years, strict=True):
        rate = survival.get(plot.plot_id)
        shown = text("not_checked", lang) if rate is None or pd.isna(rate) else f"{rate:.0f}%"
        popups.append(
            (
                f"{text('plot', lang)} {plot.plot_id}",
                [
                    *plot_rows(plot, lang, site_names),
                    (text("planted_on", lang), str(plot.planted_on)),
                    (text("species", lang), plot.species),
                    (text("funding", lang), plot.funding),
                    (text("survival", lang), shown),
                    (text("imagery_survival", lang), _from_imagery(imagery, plot.plot_id)),
                ],
            )
        )
        tooltips.append(f"{plot.plot_id} · {year} · {text('survival', lang)} {shown}")
        styles.append(
            {"color": colours[year], "weight": 1, "fillColor": colours[year], "fillOpacity": 0.6}
        )
    timelines = [[[y, "planted"]] for y in years]
    name = text("restoration_plots", lang)
    layer = timed_plots_layer(restoration, name, styles, popups, tooltips, timelines)
    legend = [
        {"label": f"{text('planted', lang)} {y}", "color": c, "fill": c} for y, c in colours.items()
    ]
    return layer, legend
