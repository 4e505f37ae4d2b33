"""Layers: regrowth findings (points) and new-infestation patches."""

from layers.features import feature_layer
from layers.text import text
from surveys.localtime import DEFAULT_TIMEZONE, local_text
from surveys.schema import word

FINDING_COLOUR = "#b2182b"
PATCH_COLOUR = "#762a83"


def detections_layer(detections, lang="zh", show=True, timezone=DEFAULT_TIMEZONE):
    """(layer, legend entries): Spartina findings after clearance, as points;
    days and times are shown in ``timezone``."""
    popups = [
        (
            f"{text('plot', lang)} {d.plot_id}",
            [
                (text("time", lang), local_text(d.observed_at, timezone)),
                (text("finding", lang), word("finding", d.finding, lang)),
                (text("patrol_type", lang), word("patrol_type", d.patrol_type, lang)),
                (text("notes", lang), d.notes),
            ],
        )
        for d in detections.itertuples()
    ]
    tooltips = [
        f"{d.plot_id} · {local_text(d.observed_at, timezone, '%Y-%m-%d')}"
        for d in detections.itertuples()
    ]
    styles = [
        {"color": FINDING_COLOUR, "fillColor": FINDING_COLOUR, "fillOpacity": 0.9, "weight": 1}
    ] * len(detections)
    layer = feature_layer(
        detections,
        text("detections_layer", lang),
        styles,
        popups,
        tooltips,
        show=show,
        radius=5,
    )
    return layer, [
        {"label": text("detections_layer", lang), "color": FINDING_COLOUR, "fill": FINDING_COLOUR}
    ]


def patches_layer(patches, ledger, lang="zh"):
    """(layer, legend entries): new-infestation patches, each with its latest
    case (a patch found again after it was cleared has several) and how many."""
    cases = ledger[ledger["kind"] == "new_infestation"].sort_values("first_detected", kind="stable")
    latest = cases.drop_duplicates("plot_id", keep="last").set_index("plot_id")
    counts = cases["plot_id"].value_counts()
    popups, tooltips = [], []
    for patch in patches.itertuples():
        rows = []
        if patch.patch_id in latest.index:
            case = latest.loc[patch.patch_id]
            rows = [
                (text("first_found", lang), case["first_detected"].strftime("%Y-%m-%d")),
                (text("status", lang), word("status", case["status"], lang)),
                (text("detections", lang), str(case["detections"])),
                (text("cases", lang), str(counts[patch.patch_id])),
            ]
        popups.append((f"{text('new_patches', lang)} {patch.patch_id}", rows))
        tooltips.append(patch.patch_id)
    styles = [
        {"color": PATCH_COLOUR, "weight": 2, "fillColor": PATCH_COLOUR, "fillOpacity": 0.4}
    ] * len(patches)
    layer = feature_layer(patches, text("new_patches", lang), styles, popups, tooltips)
    return layer, [
        {"label": text("new_patches", lang), "color": PATCH_COLOUR, "fill": PATCH_COLOUR}
    ]
