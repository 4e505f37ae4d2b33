"""Placing rows: geometries in EPSG:4326 from a file's own geometry, its
coordinate columns or a WKT column, in whatever CRS it came.

Every geometry kept is present, non-empty and valid, with finite coordinates
in range and within reach of a site; invalid polygons are repaired (and
reported), or refused when nothing of them is left.
"""

import numpy as np
import pandas as pd
import shapely

from hailin.geo.area import UNITS
from hailin.geo.crs import (
    WGS84,
    fit_crs_to_coordinates,
    is_gcj02,
    normalize_crs,
    to_wgs84_geometries,
)
from hailin.geo.errors import CRSError
from hailin.geo.gcj02 import gcj02_to_wgs84
from hailin.geo.overlay import inside_sites, site_distance_km
from hailin.geo.validity import OUT_OF_RANGE, coordinate_problems, repair_polygons
from hailin.surveys.check.parsing import parse_coordinates
from hailin.surveys.check.problems import Problems, clean_text, describe, missing_columns
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.raw import note

# Repaired polygons named one by one in the warnings; more are counted.
MAX_REPAIR_WARNINGS = 100
# WKT nesting a cell may have: a collection of multipolygons needs 4. GEOS parses
# WKT recursively and overflows the stack (the process dies) some 30,000 deep.
MAX_WKT_DEPTH = 32


def locate(table, frame, headers, options, problems, warnings, file, sites=None):
    """Geometries in EPSG:4326 for every row (None where refused); see the
    module docstring. Problems go to ``problems``, file notes to ``warnings``."""
    if table.geometry is not None:
        geometries, columns = _file_geometry(table, problems), ("geometry",)
        declared = options.crs or table.crs or WGS84
    else:
        x, y, columns = _geometry_from_table(frame, headers, problems, file)
        declared = options.crs or WGS84
        geometries = x if y is None else None
        if y is not None:
            x, y, swapped_axes = _surveying_order(x, y)
            if swapped_axes:
                warnings.append(
                    note(
                        "the X column holds northings and Y eastings (surveying order); "
                        "read as such",
                        column="/".join(columns),
                    )
                )
    if geometries is not None:  # the file's own geometry or WKT
        geometries = refuse_coordinates(geometries, problems, columns[0], lonlat=False)
        crs = resolve_crs(declared, shapely.get_coordinates(geometries)[:, 0], file)
    else:
        crs = resolve_crs(declared, x[np.isfinite(x) & np.isfinite(y)], file)
    geographic = is_gcj02(crs) or crs.is_geographic
    if geometries is None:
        geometries, column = _points(x, y, geographic, problems, columns), "/".join(columns)
    else:
        column = columns[0]
        if geographic:
            geometries = refuse_coordinates(geometries, problems, column, lonlat=True)
    geometries = _to_wgs84(geometries, crs, geographic, problems, column)
    geometries = _repair_polygons(geometries, problems, warnings, column, table.source_rows)
    _near_sites(geometries, crs, options, sites, problems, warnings, "/".join(columns))
    return geometries


def resolve_crs(declared, x_values: np.ndarray, file: str):
    """The CRS of the coordinates: ``declared`` (an option, the file's own or
    WGS84) fitted to what the eastings show; see :func:`hailin.geo.crs.fit_crs_to_coordinates`."""
    try:
        crs = normalize_crs(declared)
        if is_gcj02(crs):
            return crs
        return fit_crs_to_coordinates(crs, x_values)
    except CRSError as error:
        raise SurveyFileError(str(error), file=file) from error


def refuse_coordinates(
    geometries: np.ndarray, problems: Problems, column: str, *, lonlat: bool, prefix: str = ""
) -> np.ndarray:
    """Refuse (and drop) geometries that are empty, not finite or, when
    ``lonlat``, out of range; see :func:`hailin.geo.validity.coordinate_problems`."""
    found = coordinate_problems(geometries, lonlat=lonlat)
    bad = pd.notna(found)
    if bad.any():
        if prefix:
            found[bad] = [prefix + message for message in found[bad]]
        problems.add(bad, column, found)
        geometries = np.where(bad, None, geometries)  # type: ignore[call-overload]  # numpy's stubs refuse a None scalar; object arrays take it
    return geometries


def invalid_mask(geometries: np.ndarray) -> np.ndarray:
    """Mask of the invalid geometries; points (their coordinates checked
    finite already) are valid, which saves testing a million of them."""
    check = ~shapely.is_missing(geometries) & (shapely.get_type_id(geometries) != 0)
    invalid = np.zeros(len(geometries), dtype=bool)
    invalid[check] = ~shapely.is_valid(geometries[check])
    return invalid


def _file_geometry(table, problems):
    """The geometry a spatial file carries; features whose geometry could not
    be read (KML) or that have none are refused."""
    geometries = np.asarray(table.geometry, dtype=object)
    missing = shapely.is_missing(geometries)
    if table.geometry_problems:
        reported = np.array([p is not None for p in table.geometry_problems])
        problems.add(reported, "geometry", np.array(table.geometry_problems, dtype=object))
        missing &= ~reported
        geometries = np.where(reported, None, geometries)
    problems.add(missing, "geometry", "no geometry")
    return geometries


def _geometry_from_table(frame, headers, problems, file):
    """(x, y, coordinate columns) from lon/lat columns, or (geometries, None,
    columns) from a WKT column; unreadable, infinite and empty values refused."""
    if "lon" in headers and "lat" in headers:
        lon_column, lat_column = headers["lon"], headers["lat"]
        x, bad_x = parse_coordinates(frame[lon_column].to_numpy())
        y, bad_y = parse_coordinates(frame[lat_column].to_numpy())
        # "inf" and "1e999" read as numbers; a point there would poison the store.
        infinite_x, infinite_y = np.isinf(x), np.isinf(y)
        unreadable, infinite = (
            "unreadable coordinate {value!r}",
            "coordinate {value!r} is not a finite number",
        )
        for mask, column, template in (
            (bad_x, lon_column, unreadable),
            (bad_y & ~bad_x, lat_column, unreadable),
            (infinite_x, lon_column, infinite),
            (infinite_y & ~infinite_x, lat_column, infinite),
        ):
            problems.add(mask, column, describe(frame[column], mask, template))
        blank = np.isnan(x) & ~bad_x | np.isnan(y) & ~bad_y
        problems.add(blank, f"{lon_column}/{lat_column}", "no coordinates")
        return x, y, (lon_column, lat_column)
    if "wkt" in headers:
        column = headers["wkt"]
        text = clean_text(frame[column])
        depth = _wkt_depth(text)
        deep = depth > MAX_WKT_DEPTH
        problems.add(
            deep,
            column,
            describe(depth, deep, f"WKT nested {{value}} deep (limit {MAX_WKT_DEPTH})"),
        )
        # Blank cells as None (from_wkt refuses NaN); NaN inside the text is refused later.
        with np.errstate(invalid="ignore"):
            geometries = shapely.from_wkt(
                text.where(~deep, None).to_numpy(dtype=object, na_value=None),
                on_invalid="ignore",
            )
        bad = text.notna().to_numpy() & shapely.is_missing(geometries) & ~deep
        problems.add(bad, column, describe(text, bad, "unreadable WKT {value!r}"))
        problems.add(text.isna().to_numpy(), column, "no geometry")
        return geometries, None, (column,)
    missing_columns(file, frame, "经度 and 纬度 (lon, lat) or a WKT column")
    return None


def _wkt_depth(text):
    """Deepest bracket nesting of each WKT text (0 for blanks), in linear time;
    only texts with many brackets are walked."""
    depth = np.zeros(len(text), dtype=np.int64)
    present = text.notna().to_numpy()
    if not present.any():
        return depth
    counts = np.zeros(len(text), dtype=np.int64)
    counts[present] = text[present].str.count(r"\(").to_numpy()
    depth[present] = np.minimum(counts[present], MAX_WKT_DEPTH)
    for position in np.flatnonzero(counts > MAX_WKT_DEPTH):
        codes = np.frombuffer(text.iloc[position].encode("utf-8"), dtype=np.uint8)
        steps = (codes == ord("(")).astype(np.int64) - (codes == ord(")"))
        depth[position] = int(np.cumsum(steps).max())
    return depth


def _surveying_order(x, y):
    """Chinese surveying names northing X and easting Y. When the 'X' column
    holds northings (1-10 million m) and 'Y' eastings, swap them back."""
    if not (np.isfinite(x).any() and np.isfinite(y).any()):
        return x, y, False
    median_x, median_y = np.nanmedian(x), np.nanmedian(y)
    if 1e6 < median_x < 1e7 and (360 < median_y < 1e6 or median_y >= 1e7):
        return y, x, True
    return x, y, False


def _points(x, y, geographic, problems, columns):
    """Points from coordinate columns; in degrees, swapped and out-of-range
    pairs are refused."""
    finite = np.isfinite(x) & np.isfinite(y)
    usable = finite
    if geographic:
        swapped = finite & (x >= 3) & (x <= 54) & (y >= 73) & (y <= 136)
        if swapped.any():
            shown = np.full(len(x), None, dtype=object)
            shown[swapped] = [
                f"lon={a:g}, lat={b:g}" for a, b in zip(x[swapped], y[swapped], strict=True)
            ]
            problems.add(
                swapped,
                "/".join(columns),
                describe(shown, swapped, "longitude and latitude look swapped ({value})"),
            )
        out_of_range = finite & ~swapped & ((np.abs(x) > 180) | (np.abs(y) > 90))
        problems.add(out_of_range, f"{columns[0]}/{columns[1]}", OUT_OF_RANGE)
        usable = finite & ~swapped & ~out_of_range
    geometries = np.full(len(x), None, dtype=object)
    geometries[usable] = shapely.points(x[usable], y[usable])
    return geometries


def _to_wgs84(geometries, crs, geographic, problems, column):
    """The geometries in EPSG:4326, 2D; metres that do not fit the CRS refused."""
    present = ~shapely.is_missing(geometries)
    geometries = geometries.copy()
    geometries[present] = to_wgs84_geometries(geometries[present], crs)
    has_z = present & shapely.has_z(geometries)  # points made from two columns have none
    geometries[has_z] = shapely.force_2d(geometries[has_z])
    if not geographic:
        # Metres far outside a projection's zone come back infinite or off the globe.
        name = crs.name if hasattr(crs, "name") else str(crs)
        geometries = refuse_coordinates(
            geometries, problems, column, lonlat=True, prefix=f"converted from {name}: "
        )
    return geometries


def _repair_polygons(geometries, problems, warnings, column, source_rows):
    """Invalid polygons repaired (a warning naming the row, with the area as
    drawn and after) or refused when no polygon is left; other invalid
    geometries refused."""
    invalid = invalid_mask(geometries)
    if not invalid.any():
        return geometries
    reasons = np.full(len(geometries), None, dtype=object)
    reasons[invalid] = shapely.is_valid_reason(geometries[invalid])
    geometries, repaired, lost, before, after = repair_polygons(geometries)
    problems.add(
        lost,
        column,
        describe(reasons, lost, "invalid polygon ({value}); repairing it leaves no area"),
    )
    other = invalid & ~repaired & ~lost
    problems.add(other, column, describe(reasons, other, "invalid geometry: {value}"))
    geometries = np.where(other, None, geometries)
    positions = np.flatnonzero(repaired)
    for position in positions[:MAX_REPAIR_WARNINGS]:
        was, now = before[position], after[position]
        warnings.append(
            note(
                f"invalid polygon ({reasons[position]}) repaired: area as drawn "
                f"{was:,.1f} m² ({was / UNITS['mu']:,.2f} mu), after repair "
                f"{now:,.1f} m² ({now / UNITS['mu']:,.2f} mu)",
                row=int(source_rows[position]),
                column=column,
            )
        )
    if positions.size > MAX_REPAIR_WARNINGS:
        more = positions.size - MAX_REPAIR_WARNINGS
        warnings.append(note(f"{more} more invalid polygon(s) repaired", column=column))
    return geometries


def _near_sites(geometries, crs, options, sites, problems, warnings, column):
    """Refuse geometries further than ``options.max_distance_km`` from every
    site; note when most points would lie in a site if read as GCJ-02."""
    present = ~shapely.is_missing(geometries)
    distance = np.full(len(geometries), np.nan)
    if sites is not None and options.max_distance_km is not None and present.any():
        distance[present] = site_distance_km(geometries[present], sites)
        far = np.nan_to_num(distance) > options.max_distance_km
        problems.add(
            far,
            column,
            describe(
                pd.Series(np.round(distance, 1)),
                far,
                "{value} km from the nearest site (limit "
                f"{options.max_distance_km:g} km); wrong coordinates or CRS?",
            ),
        )
    if sites is not None and len(sites) and not is_gcj02(crs) and crs.is_geographic:
        usable = present & ~problems.refused()
        hint = _gcj02_hint(geometries[usable], distance[usable], sites, column)
        if hint is not None:
            warnings.append(hint)


def _gcj02_hint(geometries, distance_km, sites, column):
    """A file warning when most points lie outside every site but inside one
    once read as GCJ-02 (a Gaode/Tencent export imported without --crs gcj02).

    ``distance_km`` (to the nearest site, NaN where not measured) saves
    testing the points again: 0 is inside. Only the points outside are
    shifted and tested, and only when they are most of the file."""
    is_point = shapely.get_type_id(geometries) == 0
    total = int(is_point.sum())
    if total == 0:
        return None
    known = is_point & ~np.isnan(distance_km)
    outside = known & (distance_km > 0)
    unknown = np.flatnonzero(is_point & ~known)
    outside[unknown] = ~inside_sites(geometries[unknown], sites)
    if outside.sum() * 2 <= total:
        return None
    located = geometries[outside]
    lon, lat = gcj02_to_wgs84(shapely.get_x(located), shapely.get_y(located))
    shifted_inside = int(inside_sites(shapely.points(lon, lat), sites).sum())
    if shifted_inside * 2 <= total:
        return None
    return note(
        f"{shifted_inside} of {total} points lie outside every site but inside one when "
        "read as GCJ-02 (Gaode/Tencent map coordinates, about 550 m off); if the file "
        "comes from such a map, import it with --crs gcj02",
        column=column,
    )
