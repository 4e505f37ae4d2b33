"""Layers: patrol records (every point, aggregated where they are dense) and
patrol tracks, both following the time control."""

import numpy as np
import shapely

from hailin.layers.encode import day_column, ints, local_minutes, text_column, word_column
from hailin.layers.features import Popup, data_layer, entered, labelled
from hailin.layers.text import text
from hailin.surveys.localtime import DEFAULT_TIMEZONE
from hailin.surveys.schema import colours, word

# A record's colour by its patrol type, in legend order (the vocabulary's).
PATROL_COLOURS = colours("patrol_type")
OTHER_COLOUR = "#999999"
TRACK_COLOUR = "#646977"
# Records drawn one by one when no more than this many are in view, else in cells.
DETAIL_RECORDS = 1500


def _columns(records, lang, timezone):
    """The columns of records' popups and tooltips, and their local minutes."""
    minutes = local_minutes(records["observed_at"], timezone)
    english = lang == "en"
    observer = records["observer"] if "observer" in records else [None] * len(records)
    columns = {
        "time": {"kind": "minute", "values": ints(minutes)},
        "day": day_column(minutes // 1440),
        "patrol_type": word_column(records["patrol_type"], "patrol_type", lang),
        "team": text_column(records["team"], entered=english),
        "observer": text_column(observer, entered=english),
        "finding": word_column(records["finding"], "finding", lang),
        "notes": text_column(records["notes"], entered=english),
    }
    return columns, minutes


def _popup(lang):
    return Popup(
        "",
        "finding",
        labelled(["time", "patrol_type", "team", "observer", "finding", "notes"], lang),
    )


def records_layer(points, lang="zh", show=False, timezone=DEFAULT_TIMEZONE):
    """The patrol records (points) in time order, coloured by patrol type:
    drawn one by one when few are in view, else as cells of a grid with their
    count and their shares of each patrol type (the legend's colours)."""
    # datetime64 (UTC), not Timestamp objects: sorting objects took seconds at 100k.
    order = np.argsort(points["observed_at"].to_numpy(dtype="datetime64[ns]"), kind="stable")
    points = points.iloc[order]
    columns, _minutes = _columns(points, lang, timezone)
    types = list(PATROL_COLOURS)
    patrol = points["patrol_type"].map({p: i for i, p in enumerate(types)}).fillna(len(types))
    return data_layer(
        points,
        text("patrol_records", lang),
        columns,
        _popup(lang),
        ["day", "finding"],
        {"colours": [*PATROL_COLOURS.values(), OTHER_COLOUR], "class": "patrol"},
        time={"sorted": "time"},
        show=show,
        records=True,
        detail=DETAIL_RECORDS,
        classes={"patrol": ints(patrol)},
        class_words=[*(word("patrol_type", p, lang) for p in types), "—"],
        words={
            **entered(lang),
            "records": text("records_in_cell", lang),
            "zoom": text("click_to_zoom", lang),
        },
    )


def tracks_layer(tracks, lang="zh", show=False, timezone=DEFAULT_TIMEZONE):
    """Patrol tracks (lines), each appearing on the day it was walked."""
    columns, _minutes = _columns(tracks, lang, timezone)
    style = {"color": TRACK_COLOUR, "weight": 2, "opacity": 0.8, "dashArray": "4 4"}
    return data_layer(
        tracks,
        text("patrol_tracks", lang),
        columns,
        _popup(lang),
        ["day", "patrol_type"],
        {"base": style},
        time={"since": "day"},
        show=show,
        words=entered(lang),
    )


def patrol_layers(surveys, lang="zh", show=False, timezone=DEFAULT_TIMEZONE):
    """([records layer, tracks layer], legend entries); days and times are
    shown in ``timezone``. Each legend entry names its layer (``layer``)."""
    kinds = shapely.get_type_id(np.asarray(surveys.geometry.values, dtype=object))
    records = records_layer(surveys[kinds == 0], lang, show, timezone)
    tracks = tracks_layer(surveys[(kinds == 1) | (kinds == 5)], lang, show, timezone)
    legend = [
        {"label": word("patrol_type", p, lang), "color": c, "fill": c, "layer": records}
        for p, c in PATROL_COLOURS.items()
    ]
    legend.append(
        {
            "label": text("patrol_tracks", lang),
            "color": TRACK_COLOUR,
            "fill": TRACK_COLOUR,
            "layer": tracks,
        }
    )
    return [records, tracks], legend
