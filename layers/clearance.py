"""Layer: clearance plots coloured by their ledger status, with their history."""

import numpy as np
import pandas as pd

from hailin.layers.encode import (
    day_numbers,
    rows_column,
    text_column,
    timed_numbers,
    timed_values,
)
from hailin.layers.features import STATE, Popup, data_layer, entered, fields, plot_columns, steps
from hailin.layers.text import text
from hailin.surveys.schema import colours, word

# A plot's colour by its status, in legend order (the vocabulary's).
STATUS_COLOURS = colours("status")


def plot_statuses(clearance, ledger):
    """Each plot's current status: its latest case's, or ``clean``."""
    cases = ledger[ledger["kind"] == "recurrence"].sort_values("first_detected")
    latest = cases.groupby("plot_id")["status"].last()
    # object dtype: with no case at all the mapped statuses are float NaN.
    statuses = clearance["plot_id"].map(latest).astype(object)
    return statuses.where(statuses.notna(), "clean")


def _days(stamps):
    """Local day numbers of the ledger's local timestamps (NaT as -1)."""
    local = pd.to_datetime(pd.Series(stamps)).dt.tz_localize(None)
    days = local.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(local.isna().to_numpy(), -1, days)


def status_timeline(clearance, ledger):
    """{plot_id: [(day number, status), ...]}: when each plot changed colour,
    in order (a plot is ``clean`` from its clearance day)."""
    timeline = {
        plot: [(int(day), "clean")]
        for plot, day in zip(
            clearance["plot_id"], day_numbers(clearance["cleared_on"]), strict=True
        )
    }
    cases = ledger[ledger["kind"] == "recurrence"].sort_values("first_detected", kind="stable")
    changes = zip(
        cases["plot_id"],
        _days(cases["first_detected"]),
        _days(cases["re_cleared_at"]),
        _days(cases["verified_at"]),
        strict=True,
    )
    for plot, found, re_cleared, verified in changes:
        events = [(found, "open"), (re_cleared, "re_cleared"), (verified, "verified_clear")]
        timeline.setdefault(plot, []).extend((int(d), s) for d, s in events if d >= 0)
    return {plot: sorted(events, key=lambda e: e[0]) for plot, events in timeline.items()}


def _histories(cases, lang):
    """{plot_id: [(label, value), ...]}: each plot's recurrence cases in order."""
    cases = cases.sort_values("first_detected", kind="stable")
    labels = cases["first_detected"].dt.strftime("%Y-%m-%d") + f" {text('first_found', lang)}"
    statuses = [word("status", s, lang) for s in cases["status"]]
    values = [
        f"{status} ({since}), {text('detections', lang)} {count}"
        for status, since, count in zip(
            statuses,
            cases["status_since"].dt.strftime("%Y-%m-%d"),
            cases["detections"],
            strict=True,
        )
    ]
    histories: dict[str, list] = {}
    for plot, label, value in zip(cases["plot_id"], labels, values, strict=True):
        histories.setdefault(plot, []).append((label, value))
    return histories


def _histories_of(plots, ledger, lang):
    """Each plot's recurrence history as ``ledger`` says it."""
    none = [(text("history", lang), text("no_recurrence", lang))]
    by_plot = _histories(ledger[ledger["kind"] == "recurrence"], lang)
    return [by_plot.get(p, none) for p in plots]


def clearance_layer(clearance, ledger, lang="zh", site_names=None, patrol_counts=None, as_of=None):
    """(layer, legend entries): plots coloured by their status at the time
    control's date; popups with the facts, the patrol records and the
    recurrence history, as known at that date when ``as_of`` gives them at
    the end of each period ([(day number, ledger then, patrol counts then), ...])."""
    plots = clearance["plot_id"].tolist()

    def counts(known):
        return [(known or {}).get(p, 0) for p in plots]

    if as_of:
        history = timed_values([(d, _histories_of(plots, then, lang)) for d, then, _ in as_of])
        patrols = timed_numbers([(d, counts(known)) for d, _, known in as_of])
    else:
        history = rows_column(_histories_of(plots, ledger, lang))
        patrols = text_column([str(n) for n in counts(patrol_counts)])
    columns, rows = plot_columns(clearance, lang, site_names)
    columns |= {
        "cleared_on": text_column(clearance["cleared_on"].astype(str)),
        **fields(clearance, ["method", "contractor"], lang),
        "patrol_count": patrols,
        "history": history,
    }
    rows += [
        (text("cleared_on", lang), "cleared_on"),
        (text("method", lang), "method"),
        (text("contractor", lang), "contractor"),
        (text("status", lang), STATE),
        (text("patrol_count", lang), "patrol_count"),
        (None, "history"),
    ]
    timeline = status_timeline(clearance, ledger)
    layer = data_layer(
        clearance,
        text("clearance_plots", lang),
        columns,
        Popup(text("plot", lang), "plot_id", rows),
        ["plot_id", STATE],
        {
            "base": {"weight": 1, "fillOpacity": 0.55},
            "colours": list(STATUS_COLOURS.values()),
            "class": STATE,
        },
        time=steps([timeline[p] for p in clearance["plot_id"]], list(STATUS_COLOURS)),
        ids="plot_id",
        states=[word("status", s, lang) for s in STATUS_COLOURS],
        words=entered(lang),
    )
    legend = [
        {"label": word("status", s, lang), "color": c, "fill": c} for s, c in STATUS_COLOURS.items()
    ]
    return layer, legend
