"""Compact encodings of layer data for the page (decoded by ``layers/draw.js``).

Measured on 10,000 plots and 100,000 records (bench/RESULTS.md): one GeoJSON
feature per record with its popup as an HTML string costs ~180 bytes a record;
the same record here costs ~25. Three things make the difference:

- integer columns as little-endian typed arrays in base64, each with the
  smallest unsigned type its range needs after an offset (:func:`ints`);
- text by lookup table: each distinct value written once, features carrying
  a code (:func:`text_column`); popups are built in the browser from these
  columns, as text nodes, so no feature carries markup;
- coordinates as integers at 1e-6 degree (~0.1 m, the store's precision),
  lines and rings delta-encoded, and boundaries simplified for display by at
  most :data:`SIMPLIFY_M` (:func:`shapes`): no boundary moves more than 1 m.
"""

import base64

import numpy as np
import pandas as pd
import shapely

from hailin.surveys.schema import word

# Display simplification of lines and rings, metres; with the rounding to
# 1e-6 degree (at most 0.08 m) no drawn boundary is more than 1 m off.
SIMPLIFY_M = 0.8
SCALE = 1_000_000  # coordinates as integer micro-degrees
_TYPES = ((0xFF, "u1", "<u1"), (0xFFFF, "u2", "<u2"), (0xFFFFFFFF, "u4", "<u4"))
_METRES_PER_DEGREE = 110_574.0  # of latitude; longitude scaled by cos(latitude)


def ints(values) -> dict:
    """Whole numbers as ``{"t": type, "o": offset, "b": base64}``: the values
    minus ``o`` in the smallest unsigned little-endian type holding them.

    Examples
    --------
    >>> ints([19500, 19501, 19745])
    {'t': 'u1', 'o': 19500, 'b': 'AAH1'}
    >>> ints([])
    {'t': 'u1', 'o': 0, 'b': ''}
    """
    values = np.asarray(values, dtype=np.int64)
    if values.size == 0:
        return {"t": "u1", "o": 0, "b": ""}
    low = int(values.min())
    span = int(values.max()) - low
    for top, name, dtype in _TYPES:
        if span <= top:
            raw = (values - low).astype(dtype).tobytes()
            return {"t": name, "o": low, "b": base64.b64encode(raw).decode("ascii")}
    raise OverflowError(f"values span {span}, more than 32 bits")


def decode_ints(spec) -> np.ndarray:
    """The values :func:`ints` encoded (what the page's script reads)."""
    dtype = {name: code for _top, name, code in _TYPES}[spec["t"]]
    raw = np.frombuffer(base64.b64decode(spec["b"]), dtype=dtype)
    return raw.astype(np.int64) + spec["o"]


def text_column(values, entered=False) -> dict:
    """Text by lookup table: ``{"kind": "text", "table": [...], "codes": ints}``;
    a missing value is ``""``. With ``entered``, ``"entered"`` lists the codes
    of values holding Chinese characters, which an English popup labels "as
    entered" (field values from files are shown as they were typed).

    Examples
    --------
    >>> text_column(["甲", None, "甲", "b"], entered=True)["table"]
    ['', 'b', '甲']
    """
    if isinstance(values, pd.Series):  # iterating a pandas array value by value is slow
        series = values.reset_index(drop=True).astype(object)
    else:
        series = pd.Series(list(values), dtype=object)
    texts = series.where(series.notna(), "").astype(str)
    codes, table = pd.factorize(texts, sort=True)
    column = {"kind": "text", "table": table.tolist(), "codes": ints(codes)}
    if entered:
        column["entered"] = [i for i, value in enumerate(column["table"]) if _has_cjk(value)]
    return column


def _has_cjk(value):
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in value)


def word_column(codes, kind, lang) -> dict:
    """Text by lookup table of vocabulary ``codes`` of ``kind`` in ``lang``.

    Examples
    --------
    >>> word_column(["city_joint", "city_joint"], "patrol_type", "en")["table"]
    ['city joint patrol']
    """
    codes = pd.Series(codes).reset_index(drop=True)
    return text_column(codes.map({c: word(kind, c, lang) for c in codes.dropna().unique()}))


def rows_column(rows) -> dict:
    """Popup rows that vary in number per feature: ``rows`` holds, per
    feature, a list of (label, value); equal lists are written once."""
    keyed = [tuple(tuple(pair) for pair in feature) for feature in rows]
    codes, table = pd.factorize(pd.Series(keyed, dtype=object))
    return {"kind": "rows", "table": [list(map(list, t)) for t in table], "codes": ints(codes)}


def timed_column(versions) -> dict:
    """Popup values that change with the time control: ``versions`` holds, per
    feature, a list of (day number, value) in order, each value (a text, or
    (label, value) rows) shown from its day on; the page shows the last
    version on or before the day shown (none before the first). Equal lists
    are written once.

    Examples
    --------
    >>> column = timed_column([[(10, "open"), (40, "re-cleared")]] * 2)
    >>> column["table"], column["kind"]
    ([[[10, 'open'], [40, 're-cleared']]], 'timed')
    """
    keyed = [tuple((int(day), _frozen(value)) for day, value in feature) for feature in versions]
    codes, table = pd.factorize(pd.Series(keyed, dtype=object))
    return {
        "kind": "timed",
        "table": [[[day, _thawed(value)] for day, value in t] for t in table],
        "codes": ints(codes),
    }


def timed_values(steps) -> dict:
    """A :func:`timed_column` from ``steps``: [(day number, [each feature's
    value as known that day]), ...] in order; a feature keeps a version only
    from a day its value changed.

    Examples
    --------
    >>> timed_values([(10, ["open", "—"]), (40, ["open", "open"])])["table"]
    [[[10, 'open']], [[10, '—'], [40, 'open']]]
    """
    return timed_column(_changes(steps))


def timed_numbers(steps) -> dict:
    """Whole numbers that change with the time control (a count of records),
    from ``steps`` as :func:`timed_values` takes them, written compactly: how
    many versions each feature has, and each version's day and value.

    Examples
    --------
    >>> column = timed_numbers([(10, [0, 2]), (40, [1, 2])])  # versions 0, 1 | 2
    >>> column["kind"], column["value"] == ints([0, 1, 2]), column["day"] == ints([10, 40, 10])
    ('timed_numbers', True, True)
    """
    versions = _changes(steps)
    return {
        "kind": "timed_numbers",
        "count": ints([len(kept) for kept in versions]),
        "day": ints([day for kept in versions for day, _ in kept]),
        "value": ints([value for kept in versions for _, value in kept]),
    }


def _changes(steps) -> list[list]:
    """Per feature, [(day, value), ...] of the days its value changed."""
    versions: list[list] = []
    for day, values in steps:
        versions = versions or [[] for _ in values]
        for kept, value in zip(versions, values, strict=True):
            if not kept or kept[-1][1] != value:
                kept.append((day, value))
    return versions


def _frozen(value):
    return tuple(tuple(pair) for pair in value) if isinstance(value, list) else value


def _thawed(value):
    return [list(pair) for pair in value] if isinstance(value, tuple) else value


def day_numbers(dates) -> np.ndarray:
    """Days since 1970-01-01 of dates (``datetime.date``, strings or naive timestamps)."""
    stamps = pd.to_datetime(pd.Series(list(dates), dtype=object))
    return stamps.to_numpy(dtype="datetime64[D]").astype(np.int64)


def local_minutes(timestamps, timezone) -> np.ndarray:
    """Local wall-clock minutes since 1970-01-01 of UTC-aware ``timestamps``."""
    local = pd.to_datetime(pd.Series(timestamps), utc=True).dt.tz_convert(timezone)
    return local.dt.tz_localize(None).to_numpy(dtype="datetime64[m]").astype(np.int64)


def minute_column(timestamps, timezone) -> dict:
    """Times shown as local ``YYYY-MM-DD HH:MM``."""
    return {"kind": "minute", "values": ints(local_minutes(timestamps, timezone))}


def day_column(days) -> dict:
    """Dates shown as ``YYYY-MM-DD``, from day numbers."""
    return {"kind": "day", "values": ints(days)}


def points(geometries) -> dict:
    """Point coordinates at 1e-6 degree: ``{"type": "point", "scale", "x", "y"}``."""
    xy = np.round(shapely.get_coordinates(np.asarray(geometries, dtype=object)) * SCALE)
    return {"type": "point", "scale": SCALE, "x": ints(xy[:, 0]), "y": ints(xy[:, 1])}


def _simplified(geometries):
    """Geometries simplified by :data:`SIMPLIFY_M` in a local metric frame."""
    if len(geometries) == 0:
        return geometries
    bounds = shapely.total_bounds(geometries)
    shrink = np.cos(np.radians((bounds[1] + bounds[3]) / 2))

    def to_metres(xy):
        return np.column_stack([xy[:, 0] * shrink, xy[:, 1]]) * _METRES_PER_DEGREE

    def to_degrees(xy):
        xy = xy / _METRES_PER_DEGREE
        return np.column_stack([xy[:, 0] / shrink, xy[:, 1]])

    metric = shapely.transform(geometries, to_metres)
    simple = shapely.simplify(metric, SIMPLIFY_M, preserve_topology=True)
    return shapely.transform(simple, to_degrees)


def shapes(geometries) -> dict:
    """Lines or polygons (single or multi), simplified for display and written
    as integer micro-degrees: per feature its number of parts, per part its
    rings, per ring its vertices (closing vertex left out), each ring's first
    vertex whole and the rest as steps from the one before."""
    geometries = _simplified(np.asarray(geometries, dtype=object))
    polygonal = bool(len(geometries)) and shapely.get_type_id(geometries[0]) in (3, 6)
    pieces, owner = shapely.get_parts(geometries, return_index=True)
    parts = np.bincount(owner, minlength=len(geometries))
    if polygonal:
        loops, owner = shapely.get_rings(pieces, return_index=True)
        rings = np.bincount(owner, minlength=len(pieces))
    else:
        loops, rings = pieces, np.ones(len(pieces), np.int64)
    counts = shapely.get_num_coordinates(loops).astype(np.int64)
    xy = shapely.get_coordinates(loops)
    if polygonal:  # a ring's closing vertex repeats its first: left out
        keep = np.ones(len(xy), bool)
        keep[np.cumsum(counts) - 1] = False
        xy, counts = xy[keep], counts - 1
    sizes = counts
    flat = np.round(xy * SCALE).astype(np.int64).reshape(-1, 2)
    starts = np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.int64)
    steps = np.diff(flat, axis=0, prepend=np.zeros((1, 2), np.int64))
    first = np.ones(len(flat), bool)
    first[starts] = False
    return {
        "type": "polygon" if polygonal else "line",
        "scale": SCALE,
        "parts": ints(parts),
        "rings": ints(rings),
        "sizes": ints(sizes),
        "first": ints(flat[starts].ravel()),
        "steps": ints(steps[first].ravel()),
    }
