"""What a stored geometry must be: present, non-empty, finite, in range, valid.

Pure checks on arrays of shapely geometries, shared by the import's row
checks and ``hailin area``; each returns one message (or None) per geometry
so the caller can name the row or feature.
"""

import geopandas
import numpy as np
import shapely

from hailin.geo.area import area_m2, drawn_area_m2

OUT_OF_RANGE = "coordinates out of range (longitude -180..180, latitude -90..90)"
_POLYGONAL = (3, 6)  # Polygon, MultiPolygon


def _first_by_owner(owner, mask, size):
    """Index (into the coordinates) of the first masked coordinate of each
    geometry, or -1; ``owner`` is non-decreasing, as shapely returns it."""
    first = np.full(size, -1, dtype=np.int64)
    positions = np.flatnonzero(mask)
    owners, where = np.unique(owner[positions], return_index=True)
    first[owners] = positions[where]
    return first


def coordinate_problems(geometries, *, lonlat=True):
    """Per geometry, why its coordinates cannot be stored, or None.

    Empty geometries, coordinates that are not finite numbers (inf, NaN) and,
    when ``lonlat``, longitudes outside -180..180 or latitudes outside
    -90..90. Missing geometries (None) get None: the caller says "no
    geometry" in its own words. Only x and y are looked at.

    Examples
    --------
    >>> import shapely
    >>> coordinate_problems(
    ...     [shapely.Point(120.3, 27.2), shapely.Point(float("inf"), 27.2),
    ...      shapely.from_wkt("POLYGON EMPTY"), shapely.Point(200, 27.2), None]
    ... ).tolist()  # doctest: +NORMALIZE_WHITESPACE
    [None, 'coordinates are not finite numbers (inf, 27.2)', 'empty geometry',
     'coordinates out of range (longitude -180..180, latitude -90..90)', None]
    """
    geometries = np.asarray(geometries, dtype=object)
    n = len(geometries)
    problems = np.full(n, None, dtype=object)
    if n == 0:
        return problems
    present = ~shapely.is_missing(geometries)
    empty = present & shapely.is_empty(geometries)
    problems[empty] = "empty geometry"
    coordinates, owner = shapely.get_coordinates(geometries, return_index=True)
    finite = np.isfinite(coordinates).all(axis=1)
    first = _first_by_owner(owner, ~finite, n)
    for position in np.flatnonzero(first >= 0):
        x, y = coordinates[first[position]]
        problems[position] = f"coordinates are not finite numbers ({x:g}, {y:g})"
    if lonlat:
        with np.errstate(invalid="ignore"):
            outside = finite & (
                (np.abs(coordinates[:, 0]) > 180) | (np.abs(coordinates[:, 1]) > 90)
            )
        flagged = np.zeros(n, dtype=bool)
        flagged[owner[outside]] = True
        problems[flagged & (first < 0)] = OUT_OF_RANGE
    return problems


def repair_polygons(geometries, crs=4326):
    """Repair invalid polygons with ``shapely.make_valid`` (structure method).

    Returns ``(geometries, repaired, lost, before_m2, after_m2)``: the
    geometries with each invalid polygon replaced by its polygonal repair,
    a mask of the repaired ones, a mask of those whose repair leaves no
    polygon (set to None), and the area of each repaired or lost polygon as
    drawn (the rings' net enclosed area, see :func:`hailin.geo.area.drawn_area_m2`)
    and after repair (NaN elsewhere). Other geometry types are left alone.

    Examples
    --------
    >>> import shapely
    >>> bowtie = shapely.Polygon([(120.33, 27.26), (120.331, 27.261), (120.331, 27.26),
    ...                           (120.33, 27.261)])
    >>> fixed, repaired, lost, before, after = repair_polygons([bowtie])
    >>> fixed[0].geom_type, repaired.tolist(), lost.tolist(), round(before[0]), round(after[0])
    ('MultiPolygon', [True], [False], 0, 5486)
    """
    geometries = np.array(geometries, dtype=object)
    n = len(geometries)
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    invalid = (
        ~shapely.is_missing(geometries)
        & np.isin(shapely.get_type_id(geometries), _POLYGONAL)
        & ~shapely.is_valid(geometries)
    )
    repaired = np.zeros(n, dtype=bool)
    lost = np.zeros(n, dtype=bool)
    if not invalid.any():
        return geometries, repaired, lost, before, after
    positions = np.flatnonzero(invalid)
    before[positions] = drawn_area_m2(geometries[positions], crs)
    fixed = shapely.make_valid(geometries[positions], method="structure", keep_collapsed=False)
    # A repair may give a collection with lines or points; keep its polygons only.
    parts, owner = shapely.get_parts(fixed, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), _POLYGONAL) & ~shapely.is_empty(parts)
    kept = np.zeros(positions.size, dtype=bool)
    kept[owner[polygonal]] = True
    for i in np.flatnonzero(kept & (shapely.get_type_id(fixed) == 7)):
        fixed[i] = shapely.union_all(parts[(owner == i) & polygonal])
    sizes = np.zeros(positions.size)
    if kept.any():
        sizes[kept] = area_m2(geopandas.GeoSeries(fixed[kept], crs=crs)).to_numpy()
    kept &= sizes > 0
    geometries[positions[kept]] = fixed[kept]
    geometries[positions[~kept]] = None
    repaired[positions[kept]] = True
    lost[positions[~kept]] = True
    after[positions[kept]] = sizes[kept]
    return geometries, repaired, lost, before, after
