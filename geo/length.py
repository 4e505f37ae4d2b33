"""Lengths of lines on the ellipsoid: how far a patrol walked.

Geodesic lengths on GRS80 (the CGCS2000 ellipsoid) with :class:`pyproj.Geod`,
vectorised over every segment of every line at once.
"""

import numpy as np
import pyproj
import shapely

_GEOD = pyproj.Geod(ellps="GRS80")


def length_m(geometries) -> np.ndarray:
    """Geodesic length in metres of each lon/lat geometry (EPSG:4326); points,
    polygons and missing geometries count 0.

    Examples
    --------
    >>> line = shapely.LineString([(120.30, 27.20), (120.31, 27.20)])
    >>> round(float(length_m([line, shapely.Point(120.3, 27.2), None])[0]), 1)
    990.8
    """
    geometries = np.asarray(geometries, dtype=object)
    lengths = np.zeros(len(geometries))
    lines = np.isin(shapely.get_type_id(geometries), (1, 5))  # LineString, MultiLineString
    if not lines.any():
        return lengths
    parts, owner = shapely.get_parts(geometries[lines], return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    _az, _back, distance = _GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    per_part = np.bincount(
        part[:-1][same], weights=np.asarray(distance)[same], minlength=len(parts)
    )
    lengths[np.flatnonzero(lines)] = np.bincount(owner, weights=per_part, minlength=lines.sum())
    return lengths
