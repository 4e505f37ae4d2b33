"""Layers: patrol records (clustered points by patrol type) and patrol tracks."""

import folium.plugins
import shapely

from layers.features import feature_layer
from layers.text import text
from surveys.localtime import DEFAULT_TIMEZONE, local_text
from surveys.schema import colours, word

# A record's colour by its patrol type, in legend order (the vocabulary's).
PATROL_COLOURS = colours("patrol_type")
TRACK_COLOUR = "#555555"


def _record_popup(record, lang, timezone):
    return (
        word("finding", record.finding, lang),
        [
            (text("time", lang), local_text(record.observed_at, timezone)),
            (text("patrol_type", lang), word("patrol_type", record.patrol_type, lang)),
            (text("team", lang), record.team),
            (text("observer", lang), getattr(record, "observer", None)),
            (text("finding", lang), word("finding", record.finding, lang)),
            (text("notes", lang), record.notes),
        ],
    )


def _tooltip(record, vocabulary, lang, timezone):
    """'2023-05-02 · 复萌': the record's local day and its finding or patrol type."""
    day = local_text(record.observed_at, timezone, "%Y-%m-%d")
    return f"{day} · {word(vocabulary, getattr(record, vocabulary), lang)}"


def patrol_layers(
    surveys, lang="zh", show=False, pin=lambda element: element, timezone=DEFAULT_TIMEZONE
):
    """([cluster layer, tracks layer], legend entries). ``pin`` points plugins at
    the map's asset table; days and times are shown in ``timezone``."""
    kinds = shapely.get_type_id(surveys.geometry.values)
    points = surveys[kinds == 0]
    tracks = surveys[(kinds == 1) | (kinds == 5)]
    cluster = pin(folium.plugins.MarkerCluster(name=text("patrol_records", lang), show=show))
    styles = [
        {
            "color": PATROL_COLOURS.get(p, "#999999"),
            "fillColor": PATROL_COLOURS.get(p, "#999999"),
            "fillOpacity": 0.8,
            "weight": 1,
        }
        for p in points["patrol_type"]
    ]
    feature_layer(
        points,
        text("patrol_records", lang),
        styles,
        [_record_popup(r, lang, timezone) for r in points.itertuples()],
        [_tooltip(r, "finding", lang, timezone) for r in points.itertuples()],
        radius=4,
    ).add_to(cluster)
    track_layer = feature_layer(
        tracks,
        text("patrol_tracks", lang),
        [{"color": TRACK_COLOUR, "weight": 2, "opacity": 0.8, "dashArray": "4 4"}] * len(tracks),
        [_record_popup(r, lang, timezone) for r in tracks.itertuples()],
        [_tooltip(r, "patrol_type", lang, timezone) for r in tracks.itertuples()],
        show=show,
    )
    legend = [
        {"label": word("patrol_type", p, lang), "color": c, "fill": c}
        for p, c in PATROL_COLOURS.items()
    ]
    legend.append({"label": text("patrol_tracks", lang), "color": TRACK_COLOUR, "fill": "#ffffff"})
    return [cluster, track_layer], legend
