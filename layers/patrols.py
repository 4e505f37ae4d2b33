"""Layers: patrol records (clustered points by patrol type) and patrol tracks."""

import folium.plugins
import shapely

from layers.features import feature_layer
from layers.text import FINDING_WORDS, PATROL_WORDS, text, word

PATROL_COLOURS = {
    "contractor_daily": "#1f78b4",
    "township_patrol": "#33a02c",
    "city_joint": "#ff7f00",
    "digital_monitoring": "#6a3d9a",
}
TRACK_COLOUR = "#555555"


def _record_popup(record, lang):
    return (
        word(FINDING_WORDS, record.finding, lang),
        [
            (
                text("time", lang),
                record.observed_at.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M"),
            ),
            (text("patrol_type", lang), word(PATROL_WORDS, record.patrol_type, lang)),
            (text("team", lang), record.team),
            (text("observer", lang), getattr(record, "observer", None)),
            (text("finding", lang), word(FINDING_WORDS, record.finding, lang)),
            (text("notes", lang), record.notes),
        ],
    )


def patrol_layers(surveys, lang="zh", show=False, pin=lambda element: element):
    """([cluster layer, tracks layer], legend entries). ``pin`` points plugins at
    the map's asset table."""
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
        [_record_popup(r, lang) for r in points.itertuples()],
        [
            f"{r.observed_at:%Y-%m-%d} · {word(FINDING_WORDS, r.finding, lang)}"
            for r in points.itertuples()
        ],
        radius=4,
    ).add_to(cluster)
    track_layer = feature_layer(
        tracks,
        text("patrol_tracks", lang),
        [{"color": TRACK_COLOUR, "weight": 2, "opacity": 0.8, "dashArray": "4 4"}] * len(tracks),
        [_record_popup(r, lang) for r in tracks.itertuples()],
        [
            f"{r.observed_at:%Y-%m-%d} · {word(PATROL_WORDS, r.patrol_type, lang)}"
            for r in tracks.itertuples()
        ],
        show=show,
    )
    legend = [
        {"label": word(PATROL_WORDS, p, lang), "color": c, "fill": c}
        for p, c in PATROL_COLOURS.items()
    ]
    legend.append({"label": text("patrol_tracks", lang), "color": TRACK_COLOUR, "fill": "#ffffff"})
    return [cluster, track_layer], legend
