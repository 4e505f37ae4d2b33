"""Layer: the next inspections of a patrol plan (`hailin plan`), each stop a
point coloured by what it is (open case, high-risk plot …), with its team,
day, place in the day's route, risk and reasons."""

import numpy as np
import pandas as pd

from hailin.layers.encode import ints, text_column, word_column
from hailin.layers.features import Popup, data_layer, entered, labelled
from hailin.layers.text import text
from hailin.surveys.schema import colours, word

STOP_COLOURS = colours("plan_stop")


def next_inspections_layer(plan, lang="zh", show=True):
    """(layer, legend entries) of ``plan``'s stops (a plan.gpkg frame: stop_id,
    kind, team, day, order, risk, reason and point geometry), in the order walked.

    Examples
    --------
    >>> import geopandas, shapely
    >>> plan = geopandas.GeoDataFrame({"stop_id": ["P1"], "kind": ["risk"], "team": ["KW"],
    ...     "day": ["2024-05-13"], "order": [1], "risk": [0.4], "reason": ["清除方式 刈割"]},
    ...     geometry=[shapely.Point(120.3, 27.2)], crs=4326)
    >>> layer, legend = next_inspections_layer(plan, "en")
    >>> layer.layer_name, [entry["label"] for entry in legend]
    ('Next inspections', ['high-risk plot'])
    """
    plan = plan.sort_values(["team", "day", "order"], kind="stable")
    english = lang == "en"
    visit = [f"{d} · {int(o)}" for d, o in zip(plan["day"], plan["order"], strict=True)]
    risk = ["" if pd.isna(r) else f"{r:.2f}" for r in plan["risk"]]
    columns = {
        "stop_id": text_column(plan["stop_id"].astype(str), entered=english),
        "kind": word_column(plan["kind"], "plan_stop", lang),
        "team": text_column(plan["team"], entered=english),
        "visit": text_column(visit),
        "risk": text_column(risk),
        "reason": text_column(plan["reason"], entered=english),
    }
    kinds = list(STOP_COLOURS)
    popup = Popup(
        text("plot", lang), "stop_id", labelled(["kind", "team", "visit", "risk", "reason"], lang)
    )
    layer = data_layer(
        plan,
        text("next_inspections", lang),
        columns,
        popup,
        ["visit", "stop_id"],
        {
            "colours": list(STOP_COLOURS.values()),
            "class": "kind",
            "base": {"weight": 2, "fillOpacity": 0.9},
        },
        show=show,
        radius=7,
        ids="stop_id",
        classes={
            "kind": ints(
                plan["kind"].map({k: i for i, k in enumerate(kinds)}).fillna(0).astype(np.int64)
            )
        },
        words=entered(lang),
    )
    shown = [k for k in kinds if k in set(plan["kind"])]
    return layer, [
        {"label": word("plan_stop", k, lang), "color": STOP_COLOURS[k], "fill": STOP_COLOURS[k]}
        for k in shown
    ]
