"""Layer: clearance plots coloured by their ledger status, with their history."""

import pandas as pd

from layers.features import plot_rows, timed_plots_layer
from layers.text import text
from surveys.schema import colours, word

# A plot's colour by its status, in legend order (the vocabulary's).
STATUS_COLOURS = colours("status")


def plot_statuses(clearance, ledger):
    """Each plot's current status: its latest case's, or ``clean``."""
    cases = ledger[ledger["kind"] == "recurrence"].sort_values("first_detected")
    latest = cases.groupby("plot_id")["status"].last()
    # object dtype: with no case at all the mapped statuses are float NaN.
    statuses = clearance["plot_id"].map(latest).astype(object)
    return statuses.where(statuses.notna(), "clean")


def status_timeline(clearance, ledger):
    """{plot_id: [[period YYYY-MM, status], ...]}: when each plot changed colour."""
    timeline = {}
    for plot in clearance.itertuples():
        timeline[plot.plot_id] = [[str(plot.cleared_on)[:7], "clean"]]
    cases = ledger[ledger["kind"] == "recurrence"].sort_values("first_detected")
    for case in cases.itertuples():
        steps = timeline.setdefault(case.plot_id, [])
        steps.append([case.first_detected.strftime("%Y-%m"), "open"])
        if pd.notna(case.re_cleared_at):
            steps.append([case.re_cleared_at.strftime("%Y-%m"), "re_cleared"])
        if pd.notna(case.verified_at):
            steps.append([case.verified_at.strftime("%Y-%m"), "verified_clear"])
    return timeline


def _history(cases, lang):
    rows = []
    for case in cases.itertuples():
        since = case.status_since.strftime("%Y-%m-%d")
        rows.append(
            (
                f"{case.first_detected:%Y-%m-%d} {text('first_found', lang)}",
                f"{word('status', case.status, lang)} ({since}), "
                f"{text('detections', lang)} {case.detections}",
            )
        )
    return rows


def clearance_layer(clearance, ledger, lang="zh", site_names=None, patrol_counts=None):
    """(layer, legend entries): plots coloured by status; popups with the facts."""
    statuses = plot_statuses(clearance, ledger)
    by_plot = {
        pid: group for pid, group in ledger[ledger["kind"] == "recurrence"].groupby("plot_id")
    }
    popups, tooltips, styles = [], [], []
    for plot, status in zip(clearance.itertuples(), statuses, strict=True):
        rows = [
            *plot_rows(plot, lang, site_names),
            (text("cleared_on", lang), str(plot.cleared_on)),
            (text("method", lang), plot.method),
            (text("contractor", lang), plot.contractor),
            (text("status", lang), word("status", status, lang)),
            (text("patrol_count", lang), str((patrol_counts or {}).get(plot.plot_id, 0))),
        ]
        cases = by_plot.get(plot.plot_id)
        rows += (
            _history(cases, lang)
            if cases is not None
            else [(text("history", lang), text("no_recurrence", lang))]
        )
        popups.append((f"{text('plot', lang)} {plot.plot_id}", rows))
        tooltips.append(f"{plot.plot_id} · {word('status', status, lang)}")
        colour = STATUS_COLOURS[status]
        styles.append({"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.55})
    timeline = status_timeline(clearance, ledger)
    timelines = [timeline.get(p, []) for p in clearance["plot_id"]]
    layer = timed_plots_layer(
        clearance, text("clearance_plots", lang), styles, popups, tooltips, timelines
    )
    legend = [
        {"label": word("status", s, lang), "color": c, "fill": c} for s, c in STATUS_COLOURS.items()
    ]
    return layer, legend
