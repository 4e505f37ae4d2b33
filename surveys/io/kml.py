"""KML and KMZ files (Google Earth, Ovi/2bulu exports): placemarks in document
order, folders walked with an explicit stack, nested MultiGeometry flattened.
"""

import os
import re

import numpy as np
import shapely

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import check_file_size, read_bytes
from hailin.surveys.io.raw import RawTable
from hailin.surveys.io.xml import AttributeColumns, child, child_text, local_name, parse_document
from hailin.surveys.io.zips import open_zip, read_member, resource_fork
from hailin.surveys.limits import LIMITS, Coordinates, Deadline, Limits

_COORDINATE_SPLIT = re.compile(r"\s+")


class _Unreadable(Exception):
    """Coordinates a placemark's geometry cannot be made of (the row is refused)."""


class _TooMany(Exception):
    """A geometry past the coordinate bound (the file is refused, not the row)."""


def _kml_coordinates(element, limits):
    text = child_text(element, "coordinates")
    if not text:
        raise _Unreadable("no coordinates")
    # Each tuple has one or two commas: past twice the bound, too many for sure,
    # known before any tuple is made.
    if text.count(",") > 2 * limits.geometry_coordinates:
        raise _TooMany(text.count(",") // 2)
    coords = []
    for token in _COORDINATE_SPLIT.split(text.strip()):
        if not token:
            continue
        parts = token.split(",")
        coords.append(tuple(float(v) for v in parts[:3]))
    if len(coords) > limits.geometry_coordinates:
        raise _TooMany(len(coords))
    return coords


def _kml_simple_geometry(element, limits):
    kind = local_name(element.tag)
    if kind == "Point":
        return shapely.Point(_kml_coordinates(element, limits)[0])
    if kind == "LineString":
        return shapely.LineString(_kml_coordinates(element, limits))
    if kind == "LinearRing":
        return shapely.Polygon(_kml_coordinates(element, limits))
    if kind == "Polygon":
        outer = child(element, "outerBoundaryIs")
        ring = child(outer, "LinearRing") if outer is not None else None
        if ring is None:
            raise _Unreadable("polygon without an outer boundary")
        holes = []
        for inner in element:
            if local_name(inner.tag) == "innerBoundaryIs":
                inner_ring = child(inner, "LinearRing")
                if inner_ring is not None:
                    holes.append(_kml_coordinates(inner_ring, limits))
        return shapely.Polygon(_kml_coordinates(ring, limits), holes)
    return None


class _TooDeep(Exception):
    """A MultiGeometry nested past the bound (the file is refused, not the row)."""


def _kml_geometry(element, limits):
    """The geometry of a KML geometry element; nested MultiGeometry is walked with
    an explicit stack (no recursion) and its parts flattened into one collection."""
    if local_name(element.tag) != "MultiGeometry":
        return _kml_simple_geometry(element, limits)
    parts = []
    stack = [iter(element)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif local_name(child.tag) == "MultiGeometry":
            if len(stack) + 1 > limits.kml_geometry_depth:
                raise _TooDeep(len(stack) + 1)
            stack.append(iter(child))
        elif local_name(child.tag) in _KML_GEOMETRIES:
            part = _kml_simple_geometry(child, limits)
            if part is not None:
                parts.append(part)
    types = {p.geom_type for p in parts}
    if types == {"Polygon"}:
        return shapely.MultiPolygon(parts)
    if types == {"LineString"}:
        return shapely.MultiLineString(parts)
    if types == {"Point"}:
        return shapely.MultiPoint(parts)
    return shapely.GeometryCollection(parts)


_KML_GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry"}


_TRACKS = {"Track", "MultiTrack"}


def _kml_track(element, values, limits):
    """A gx:Track (or gx:MultiTrack) as a line, its first and last ``when`` as the
    placemark's time and end, every point's time kept as a GPX track's are."""
    tracks = (
        [element]
        if local_name(element.tag) == "Track"
        else [t for t in element if local_name(t.tag) == "Track"]
    )
    lines, times = [], []
    points = sum(1 for t in tracks for c in t if local_name(c.tag) == "coord")
    if points > limits.geometry_coordinates:
        raise _TooMany(points)
    for track in tracks:
        coords = [
            tuple(float(v) for v in (c.text or "").split()[:3])
            for c in track
            if local_name(c.tag) == "coord"
        ]
        if coords:
            lines.append(
                shapely.LineString(coords) if len(coords) > 1 else shapely.Point(coords[0])
            )
        times += [(w.text or "").strip() for w in track if local_name(w.tag) == "when"]
    if not lines:
        raise _Unreadable("a track without coordinates")
    known = [t for t in times if t]
    if known:
        values.setdefault("time", known[0])
        values.setdefault("ended_at", known[-1])
        values["track_point_times"] = "|".join(times)
    if len(lines) == 1:
        return lines[0]
    return shapely.MultiLineString([g for g in lines if g.geom_type == "LineString"])


def _kml_placemark(placemark, folders, limits):
    values = {
        "name": child_text(placemark, "name"),
        "description": child_text(placemark, "description"),
        "folder": "/".join(folders) or None,
    }
    stamp = child(placemark, "TimeStamp")
    span = child(placemark, "TimeSpan")
    if stamp is not None:
        values["time"] = child_text(stamp, "when")
    elif span is not None:
        values["time"] = child_text(span, "begin")
        values["ended_at"] = child_text(span, "end")
    extended = child(placemark, "ExtendedData")
    if extended is not None:
        for data in extended.iter():
            tag = local_name(data.tag)
            if tag == "Data" and data.get("name"):
                values[data.get("name")] = child_text(data, "value")
            elif tag == "SimpleData" and data.get("name"):
                values[data.get("name")] = data.text.strip() if data.text else None
    geometry, problem = None, None
    for candidate in placemark:
        if local_name(candidate.tag) in _KML_GEOMETRIES | _TRACKS:
            try:
                if local_name(candidate.tag) in _TRACKS:
                    geometry = _kml_track(candidate, values, limits)
                else:
                    geometry = _kml_geometry(candidate, limits)
            except (
                _Unreadable,
                ValueError,
                IndexError,
                TypeError,
                shapely.errors.GEOSException,
            ) as error:
                problem = f"unreadable {local_name(candidate.tag)} coordinates ({error})"
            break
    return values, geometry, problem


def _kml_rows(root, file, limits, deadline):
    """Placemarks in document order, walked with an explicit stack of folders."""
    rows, geometries, problems = [], [], []
    columns = AttributeColumns(file, limits)
    counter = Coordinates(file, limits)
    stack = [(iter(root), ())]  # (children still to visit, folder names above them)
    while stack:
        child = next(stack[-1][0], None)
        if child is None:
            stack.pop()
            continue
        folders = stack[-1][1]
        kind = local_name(child.tag)
        if kind in ("Folder", "Document"):
            if len(stack) > limits.kml_folder_depth:
                raise SurveyFileError(
                    f"KML folders nested {len(stack)} deep (limit {limits.kml_folder_depth})",
                    file=file,
                )
            name = child_text(child, "name")
            stack.append((iter(child), (*folders, name) if kind == "Folder" and name else folders))
        elif kind == "Placemark":
            if not (len(rows) + 1) % 1024:
                deadline.check(f"placemark {len(rows) + 1:,}")
            try:
                values, geometry, problem = _kml_placemark(child, folders, limits)
            except _TooDeep as error:
                raise SurveyFileError(
                    f"placemark {len(rows) + 1} nests MultiGeometry {error.args[0]} deep "
                    f"(limit {limits.kml_geometry_depth})",
                    file=file,
                    row=len(rows) + 1,
                ) from None
            except _TooMany as error:
                counter.add(error.args[0], f"placemark {len(rows) + 1}")
            where = f"placemark {len(rows) + 1}"
            if geometry is not None:
                counter.add(int(shapely.get_num_coordinates(geometry)), where)
            rows.append(columns.add(values, where))
            geometries.append(geometry)
            problems.append(problem)
    return columns.frame(rows) if rows else None, geometries, problems


def read_kml_bytes(data, file, format_name="kml", limits=LIMITS):
    """KML bytes as a :class:`RawTable`: one row per placemark."""
    deadline = Deadline(file, limits.read_seconds)
    root = parse_document(data, file, "kml", limits, deadline)
    frame, geometries, problems = _kml_rows(root, file, limits, deadline)
    if frame is None:
        raise SurveyFileError("KML holds no placemarks", file=file)
    return RawTable(
        frame,
        np.arange(1, len(frame) + 1),
        np.asarray(geometries, dtype=object),
        crs="EPSG:4326",
        format=format_name,
        geometry_problems=problems,
    )


def read_kmz(path, file, limits=LIMITS):
    """A KMZ: its doc.kml (else its first KML) read as KML."""
    with open_zip(path, file, limits) as archive:
        members = [
            m
            for m in archive.infolist()
            if m.filename.lower().endswith(".kml") and not resource_fork(m.filename)
        ]
        members.sort(key=lambda m: (os.path.basename(m.filename).lower() != "doc.kml", m.filename))
        data = read_member(
            archive, members[0], file, limits.xml_bytes, "the limit for a KML document"
        )
    return read_kml_bytes(data, file, "kmz", limits)


def read_kml(path, file: str, limits: Limits = LIMITS) -> RawTable:
    """A KML file as a :class:`RawTable`: one row per placemark."""
    check_file_size(path, file, limits.xml_bytes, "the KML document")
    return read_kml_bytes(read_bytes(path), file, "kml", limits)
