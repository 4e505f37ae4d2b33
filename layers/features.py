"""One data layer per map layer: its geometry, its columns, and how the page
shows them (popup rows, tooltip, style, time), as one compact payload.

The page's script (``layers/draw.js``) builds every popup and tooltip from the
columns as text nodes: patrol notes and plot ids come from uploaded files, and
no feature carries markup, so nothing a file holds is ever read as HTML.
A popup is a bold title (a label and a column's value) and "label: value"
rows, rows without a value left out, as before; a column of kind ``rows``
gives several rows of its own, and ``@state`` stands for the feature's state
at the time control's date (a plot's status).
"""

import dataclasses

import geopandas
import numpy as np

from hailin.geo.errors import ArgumentTypeError
from hailin.geo.sites import township_name
from hailin.layers.encode import ints, points, shapes, text_column
from hailin.layers.page import DataLayer
from hailin.layers.text import text

STATE = "@state"


@dataclasses.dataclass(frozen=True)
class Popup:
    """A popup: ``title`` then the value of ``title_column`` in bold, and
    ``rows`` of (label, column); a ``None`` label takes the rows a ``rows``
    column holds."""

    title: str
    title_column: str | None
    rows: list


def geometry_of(frame) -> dict:
    """The encoded geometry of ``frame`` (points, lines or polygons, EPSG:4326)."""
    if not isinstance(frame, geopandas.GeoDataFrame):
        raise ArgumentTypeError(f"'frame' should be GeoDataFrame, got {type(frame)}")
    values = np.asarray(frame.geometry.to_crs(4326).values, dtype=object)
    if len(values) and frame.geom_type.iloc[0] == "Point":
        return points(values)
    return shapes(values)


def data_layer(
    frame: geopandas.GeoDataFrame,
    name: str,
    columns: dict,
    popup: Popup,
    tooltip: list,
    style: dict,
    *,
    time: dict | None = None,
    show: bool = True,
    **options,
) -> DataLayer:
    """The :class:`hailin.layers.page.DataLayer` of ``frame``: ``columns`` (name ->
    column of :mod:`hailin.layers.encode`), the ``popup``, the ``tooltip`` (column
    names joined by " · "), ``style`` (``base`` Leaflet path options,
    ``colours`` and the ``class`` column or ``@state`` picking one, or none),
    ``time`` (``since``: a column of day numbers, or ``steps``: see
    :func:`steps`), and ``options`` for the page (``ids``: the column naming
    each feature; ``states``: the words of the states; ``radius``,
    ``min_size`` in pixels; ``records``: drawn aggregated)."""
    payload = {
        "name": name,
        "geometry": geometry_of(frame),
        "count": len(frame),
        "columns": columns,
        "popup": {
            "title": [popup.title, popup.title_column],
            "rows": [list(row) for row in popup.rows],
        },
        "tooltip": list(tooltip),
        "style": style,
        "time": time,
        **options,
    }
    return DataLayer(payload, name, count=len(frame), show=show)


def steps(per_feature, states) -> dict:
    """``time`` of features whose state changes: ``per_feature`` holds, per
    feature, [(day number, state code), ...] in order; ``states`` the codes."""
    index = {state: i for i, state in enumerate(states)}
    flat = [step for feature in per_feature for step in feature]
    return {
        "steps": {
            "count": ints([len(feature) for feature in per_feature]),
            "day": ints([day for day, _state in flat]),
            "state": ints([index[state] for _day, state in flat]),
        }
    }


def labelled(keys, lang) -> list:
    """Popup rows (label, column) of columns named by their label's key.

    Examples
    --------
    >>> labelled(["time", "notes"], "en")
    [('Time', 'time'), ('Notes', 'notes')]
    """
    return [(text(key, lang), key) for key in keys]


def fields(frame, names, lang) -> dict:
    """Text columns of fields typed into files (an English popup marks
    Chinese values "as entered")."""
    return {name: text_column(frame[name], entered=lang == "en") for name in names}


def entered(lang) -> dict:
    """The words a layer's popups need in ``lang`` (the "as entered" mark)."""
    return {"as_entered": text("as_entered", lang)}


def plot_columns(plots, lang, site_names=None):
    """(columns, popup rows) every plot popup starts with: site (by its name in
    ``lang``, from ``site_names``), township, area in mu and ha; and the plot id."""
    area = [
        f"{mu:,.2f} {text('mu', lang)} ({ha:,.3f} {text('ha', lang)})"
        for mu, ha in zip(plots["area_mu"], plots["area_ha"], strict=True)
    ]
    english = lang == "en"
    columns = {
        "plot_id": text_column(plots["plot_id"].astype(str), entered=english),
        "site": text_column([(site_names or {}).get(s, s) for s in plots["site"]], entered=english),
        "township": text_column(
            [township_name(t, lang) for t in plots["township"]], entered=english
        ),
        "area": text_column(area),
    }
    rows = [
        (text("site", lang), "site"),
        (text("township", lang), "township"),
        (text("area", lang), "area"),
    ]
    return columns, rows
