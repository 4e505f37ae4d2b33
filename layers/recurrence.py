"""Layers: regrowth findings (points) and new-infestation patches."""

import numpy as np

from hailin.layers.encode import (
    day_column,
    ints,
    local_minutes,
    text_column,
    timed_values,
    word_column,
)
from hailin.layers.features import Popup, data_layer, entered, labelled
from hailin.layers.text import text
from hailin.surveys.localtime import DEFAULT_TIMEZONE
from hailin.surveys.schema import word

FINDING_COLOUR = "#890502"
PATCH_COLOUR = "#66004a"
# New patches are a few square metres: never drawn smaller than this (pixels);
# a single finding's dot is as large (radius, pixels).
PATCH_MIN_SIZE = 14
FINDING_RADIUS = PATCH_MIN_SIZE // 2


def detections_layer(detections, lang="zh", show=True, timezone=DEFAULT_TIMEZONE):
    """(layer, legend entries): Spartina findings after clearance, as points
    that appear on the day they were found; days and times in ``timezone``."""
    minutes = local_minutes(detections["observed_at"], timezone)
    english = lang == "en"
    columns = {
        "plot_id": text_column(detections["plot_id"].astype(str), entered=english),
        "time": {"kind": "minute", "values": ints(minutes)},
        "day": day_column(minutes // 1440),
        "finding": word_column(detections["finding"], "finding", lang),
        "patrol_type": word_column(detections["patrol_type"], "patrol_type", lang),
        "notes": text_column(detections["notes"], entered=english),
    }
    popup = Popup(
        text("plot", lang),
        "plot_id",
        labelled(["time", "finding", "patrol_type", "notes"], lang),
    )
    style = {"color": FINDING_COLOUR, "fillColor": FINDING_COLOUR, "fillOpacity": 0.9, "weight": 1}
    layer = data_layer(
        detections,
        text("detections_layer", lang),
        columns,
        popup,
        ["plot_id", "day"],
        {"base": style},
        time={"since": "day"},
        show=show,
        radius=FINDING_RADIUS,
        ids="plot_id",
        words=entered(lang),
    )
    return layer, [
        {"label": text("detections_layer", lang), "color": FINDING_COLOUR, "fill": FINDING_COLOUR}
    ]


def _patch_facts(patch_ids, ledger, lang) -> dict:
    """{column: [value per patch]}: each patch's latest case (first found,
    status, detections) and its number of cases, in ``ledger``."""
    cases = ledger[ledger["kind"] == "new_infestation"].sort_values("first_detected", kind="stable")
    latest = cases.drop_duplicates("plot_id", keep="last").set_index("plot_id")
    counts = cases["plot_id"].value_counts()
    ids = [p if p in latest.index else None for p in patch_ids]

    def of(column):
        return [latest.at[p, column] if p is not None else None for p in ids]

    return {
        "first_found": [
            None if t is None else t.strftime("%Y-%m-%d") for t in of("first_detected")
        ],
        "status": [word("status", s, lang) if s else None for s in of("status")],
        "detections": [None if d is None else str(d) for d in of("detections")],
        "cases": [None if p is None else str(counts[p]) for p in ids],
    }


def _patch_columns(patch_ids, ledger, lang, as_of) -> dict:
    """The popup's columns of :func:`_patch_facts`: as ``ledger`` says, or with
    ``as_of`` ([(day number, ledger as it stood then), ...]) as known then."""
    if not as_of:
        return {k: text_column(v) for k, v in _patch_facts(patch_ids, ledger, lang).items()}
    known = [(day, _patch_facts(patch_ids, then, lang)) for day, then in as_of]
    return {c: timed_values([(day, facts[c]) for day, facts in known]) for c in known[0][1]}


def patches_layer(patches, ledger, lang="zh", as_of=None):
    """(layer, legend entries): new-infestation patches, each with its latest
    case (a patch found again after it was cleared has several) and how many;
    a patch appears on the day it was first found. With ``as_of``
    ([(day number, ledger as it stood at its end), ...]) the popups say what
    was known at the day shown."""
    cases = ledger[ledger["kind"] == "new_infestation"].sort_values("first_detected", kind="stable")
    first = cases.drop_duplicates("plot_id", keep="first").set_index("plot_id")
    patch_ids = patches["patch_id"].tolist()
    since = [
        first.at[p, "first_detected"].tz_localize(None).to_datetime64().astype("datetime64[D]")
        .astype(np.int64)
        if p in first.index
        else 0
        for p in patch_ids
    ]  # fmt: skip
    columns = {
        "patch_id": text_column(patches["patch_id"].astype(str), entered=lang == "en"),
        **_patch_columns(patch_ids, ledger, lang, as_of),
        "since": day_column(since),
    }
    popup = Popup(
        text("new_patches", lang),
        "patch_id",
        labelled(["first_found", "status", "detections", "cases"], lang),
    )
    style = {"color": PATCH_COLOUR, "weight": 2, "fillColor": PATCH_COLOUR, "fillOpacity": 0.4}
    layer = data_layer(
        patches,
        text("new_patches", lang),
        columns,
        popup,
        ["patch_id"],
        {"base": style},
        time={"since": "since"},
        min_size=PATCH_MIN_SIZE,
        words=entered(lang),
    )
    return layer, [
        {"label": text("new_patches", lang), "color": PATCH_COLOUR, "fill": PATCH_COLOUR}
    ]
