"""GPX files from handheld GPS units: waypoints as points, tracks and routes as lines."""

import numpy as np
import shapely

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import check_file_size, read_bytes
from hailin.surveys.io.raw import RawTable
from hailin.surveys.io.xml import AttributeColumns, child, child_text, local_name, parse_document
from hailin.surveys.limits import LIMITS, Coordinates, Deadline

# The point fields read from every waypoint, track and route.
_FIELDS = ("name", "desc", "cmt", "type", "time", "src", "sym")


def read_gpx(path, file, limits=LIMITS):
    """A GPX file as a :class:`RawTable`: one row per waypoint, track or route."""
    deadline = Deadline(file, limits.read_seconds)
    check_file_size(path, file, limits.xml_bytes, "the GPX document")
    root = parse_document(read_bytes(path), file, "gpx", limits, deadline)
    records: list[dict] = []
    geometries: list = []
    columns = AttributeColumns(file, limits)
    counter = Coordinates(file, limits)
    for number, element in enumerate(root, start=1):
        if not number % 1024:
            deadline.check(f"element {number:,} of the GPX")
        kind = local_name(element.tag)
        if kind == "wpt":
            values = _fields(element)
            values["gpx_kind"] = "waypoint"
            xy = _point(element)
            geometry = shapely.Point(xy) if xy else None
        elif kind in ("trk", "rte"):
            points = sum(1 for p in element.iter() if local_name(p.tag) in ("trkpt", "rtept"))
            counter.add(points, f"{'track' if kind == 'trk' else 'route'} {len(records) + 1}")
            values, geometry = _track(element, kind)
        else:
            continue
        if kind == "wpt":
            counter.add(1, f"waypoint {len(records) + 1}")
        records.append(columns.add(values, f"{local_name(element.tag)} {len(records) + 1}"))
        geometries.append(geometry)
    if not records:
        raise SurveyFileError("GPX holds no waypoints, tracks or routes", file=file)
    return RawTable(
        columns.frame(records),
        np.arange(1, len(records) + 1),
        np.asarray(geometries, dtype=object),
        crs="EPSG:4326",
        format="gpx",
    )


def _point(element):
    try:
        return float(element.get("lon")), float(element.get("lat"))
    except (TypeError, ValueError):
        return None


def _fields(element):
    values = {}
    for name in _FIELDS:
        # GPX <type> is the point's category, not a patrol type.
        values["category" if name == "type" else name] = child_text(element, name)
    extensions = child(element, "extensions")
    if extensions is not None:
        for part in extensions.iter():
            if part is not extensions and part.text and part.text.strip():
                values[local_name(part.tag)] = part.text.strip()
    return values


def _track(element, kind):
    """(fields, line geometry) of a track (``trk``) or route (``rte``); its time is
    its first point's, unless it has its own."""
    values = _fields(element)
    values["gpx_kind"] = "track" if kind == "trk" else "route"
    segments, times = [], []
    containers = (
        [s for s in element if local_name(s.tag) == "trkseg"] if kind == "trk" else [element]
    )
    point_tag = "trkpt" if kind == "trk" else "rtept"
    for container in containers:
        coords = []
        for pt in container:
            if local_name(pt.tag) != point_tag:
                continue
            xy = _point(pt)
            if xy is None:
                continue
            coords.append(xy)
            times.append(child_text(pt, "time"))
        if coords:
            segments.append(coords)
    known_times = [t for t in times if t]
    if not values.get("time") and known_times:
        values["time"] = known_times[0]
    if known_times:
        values["track_point_times"] = "|".join(t or "" for t in times)
        values["ended_at"] = known_times[-1]
    return values, _lines(segments)


def _lines(segments):
    parts = [s for s in segments if len(s) >= 2]
    if not parts:
        singles = [s[0] for s in segments if len(s) == 1]
        return shapely.Point(singles[0]) if singles else None
    return shapely.LineString(parts[0]) if len(parts) == 1 else shapely.MultiLineString(parts)
