"""The summary panel of the programme's maps: its rows and chart, one value
per period of the time control.

Each period's figures are those of the data as it stood at the period's end
(``states``: :func:`hailin.maps.figures.snapshots`), computed by the progress
functions planners use, so the panel at any month says what ``hailin progress
--as-of`` says for it.
"""

import numpy as np
import pandas as pd

from hailin.layers.restoration import year_colours
from hailin.layers.text import text
from hailin.maps.controls import bar_chart
from hailin.maps.figures import (
    cleared_by_period,
    imagery_by_period,
    month_ends,
    planted_by_period,
)
from hailin.surveys.ledger.counts import case_counts, open_cases_text
from hailin.surveys.schema import colours

# The panel's cleared bars in the legend's colour of a cleared plot.
CLEARED_COLOUR = colours("status")["clean"]


def _pct(value, target):
    return (
        f"{value:,.1f} / {target:,.0f} ({100 * value / target:.1f}%)" if target else f"{value:,.1f}"
    )


def _survival(value):
    return "—" if value is None or pd.isna(value) else f"{value:.1f}%"


def _imagery_rows(data, lang, periods, states):
    """The panel's row of the survival estimated from imagery, each period's
    from the images dated by its end, when rasters measured it."""
    imagery = getattr(data, "imagery", None)
    if imagery is None or imagery.totals["survival_pct"] is None:
        return []
    if not periods:
        return [(text("imagery_survival", lang), [_survival(imagery.totals["survival_pct"])])]
    estimates = imagery_by_period(data, month_ends(periods), states)
    return [(text("imagery_survival", lang), [_survival(v) for v in estimates])]


def _period_of(periods, label):
    """The index of the first period starting with ``label`` (a month or a year)."""
    found = [i for i, p in enumerate(periods) if p.startswith(label)]
    return found[0] if found else len(periods) - 1


def clearance_panel(data, lang, periods, states):
    """(rows, chart) of clearance figures, one value per period (``states``:
    the data as it stood at each period's end)."""
    target = data.clearance_progress.totals["target_mu"]
    if not periods:
        totals = data.clearance_progress.totals
        mu, open_cases = [totals["cleared_mu"]], [case_counts(data.ledger)]
    else:
        mu, open_cases = cleared_by_period(data, month_ends(periods), states)
    rows = [
        (text("cleared", lang), [f"{_pct(v, target)} {text('mu', lang)}" for v in mu]),
        (text("open_cases", lang), [open_cases_text(n, lang) for n in open_cases]),
    ]
    months = data.clearance_progress.by_period
    bars = [
        (m[2:], float(a), CLEARED_COLOUR, _period_of(periods, m), None)
        for m, a in zip(months["month"], months["area_mu"], strict=True)
    ]
    return rows, bar_chart(bars, text("cleared_by_month", lang))


def _year_survival(data):
    """{year: survival %} of the plots planted that year that were checked
    (weighted by area, as in :func:`hailin.surveys.ledger.progress.restoration_progress`)."""
    plots = data.restoration.assign(
        year=[str(d)[:4] for d in data.restoration["planted_on"]],
        rate=data.restoration["plot_id"].map(data.survival).astype(float),
    ).dropna(subset=["rate"])
    return {
        year: float(np.average(group["rate"], weights=group["area_mu"]))
        for year, group in plots.groupby("year")
        if group["area_mu"].sum() > 0
    }


def restoration_panel(data, lang, periods, states):
    """(rows, chart) of restoration figures, one value per period (``states``:
    the data as it stood at each period's end); the chart has a bar per
    planting year with that year's survival under it."""
    totals = data.restoration_progress.totals
    target = totals["target_mu"]
    if not periods:
        mu, survival = [totals["planted_mu"]], [totals["survival_pct"]]
    else:
        mu, survival = planted_by_period(data, month_ends(periods), states)
    rows = [
        (text("planted", lang), [f"{_pct(v, target)} {text('mu', lang)}" for v in mu]),
        (text("survival", lang), [_survival(v) for v in survival]),
    ]
    colours = year_colours([str(d)[:4] for d in data.restoration["planted_on"]])
    rates = _year_survival(data)
    years = data.restoration_progress.by_period
    rows += _imagery_rows(data, lang, periods, states)
    bars = [
        (y, float(a), colours.get(y, CLEARED_COLOUR), _period_of(periods, y), _short(rates.get(y)))
        for y, a in zip(years["year"], years["area_mu"], strict=True)
    ]
    return rows, bar_chart(bars, text("planted_by_year", lang))


def _short(rate):
    return None if rate is None else f"{rate:.0f}%"
