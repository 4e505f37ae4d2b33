"""From a file's raw table to canonical survey records, checked row by row.

Every check is vectorised: it marks the rows it refuses with the column and a
message. Rows with no problem are accepted; the others become rejects with
the raw row, so nothing is lost.
"""

import dataclasses
import datetime
import json
import math

import geopandas
import numpy as np
import pandas as pd
import shapely

from geo.area import UNITS
from geo.crs import WGS84, fit_crs_to_coordinates, is_gcj02, normalize_crs, to_wgs84_geometries
from geo.errors import CRSError
from geo.gcj02 import gcj02_to_wgs84
from geo.validity import coordinate_problems, repair_polygons
from surveys.errors import SettingsError, SurveyFileError
from surveys.isolation import check_isolating_rows
from surveys.parsing import parse_coordinates, parse_numbers, parse_times
from surveys.readers import RawTable
from surveys.schema import (
    ACTIONS,
    FINDINGS,
    PATROL_TYPES,
    allowed_words,
    code_for,
    combine_actions,
    map_vocabulary,
    match_headers,
    read_column,
)

_KM_PER_DEGREE = 111.32
_OPTIONAL_MEASURES = {
    "cover_pct": (0.0, 100.0),
    "survival_pct": (0.0, 100.0),
    "patch_area_m2": (0.0, None),
}
_LINEAR = (1, 2, 5)  # LineString, LinearRing, MultiLineString
EARLIEST_DATE = datetime.date(1990, 1, 1)
# Stored codes must be one of these (the store's invariant; see _enforce_invariants).
KNOWN_CODES = {
    "patrol_type": frozenset(PATROL_TYPES),
    "finding": frozenset(FINDINGS),
    "action": frozenset(ACTIONS),
}
# Repaired polygons named one by one in the warnings; more are counted.
MAX_REPAIR_WARNINGS = 100
# WKT nesting a cell may have: a collection of multipolygons needs 4. GEOS parses
# WKT recursively and overflows the stack (the process dies) some 30,000 deep.
MAX_WKT_DEPTH = 32


@dataclasses.dataclass(frozen=True)
class ImportOptions:
    """What the uploader says about a file (the CLI flags)."""

    patrol_type: str | None = None
    team: str | None = None
    crs: object = None
    sheet: str | None = None
    timezone: str = "Asia/Shanghai"
    max_distance_km: float | None = 30.0
    earliest_date: datetime.date = EARLIEST_DATE  # rows dated before it are refused
    latest_date: datetime.date | None = None  # ... and after it; None: after tomorrow

    def __post_init__(self):
        if self.patrol_type is not None and code_for(self.patrol_type, "patrol_type") is None:
            raise SurveyFileError(
                f"unknown patrol type {self.patrol_type!r}; expected one of "
                f"{allowed_words('patrol_type')}"
            )
        if self.crs is not None:
            normalize_crs(self.crs)
        limit = self.max_distance_km
        if limit is not None and (
            isinstance(limit, bool)
            or not isinstance(limit, int | float)
            or not math.isfinite(limit)
            or limit <= 0
        ):
            raise SettingsError(
                f"max_distance_km should be a number more than 0 (or None), got {limit!r}"
            )
        for name in ("earliest_date", "latest_date"):
            value = getattr(self, name)
            if isinstance(value, str):
                try:
                    value = datetime.date.fromisoformat(value.strip())
                except ValueError:
                    raise SettingsError(f"{name} should be a date, got {value!r}") from None
                object.__setattr__(self, name, value)
            if value is None and name == "latest_date":
                continue
            if (
                isinstance(value, datetime.datetime)
                or not isinstance(value, datetime.date)
                or not 1900 <= value.year <= 2200
            ):
                raise SettingsError(
                    f"{name} should be a date from 1900-01-01 to 2200-12-31, got {value!r}"
                )
        if self.latest_date is not None and self.earliest_date > self.latest_date:
            raise SettingsError(
                f"earliest_date {self.earliest_date} comes after latest_date {self.latest_date}"
            )

    def time_window(self):
        """(earliest, latest, message if later) of plausible times, in UTC.

        The earliest is the start of ``earliest_date`` and the latest the end
        of ``latest_date`` in the options' time zone; without a latest date,
        a day from now (a patrol phone's clock may run ahead)."""
        earliest = pd.Timestamp(self.earliest_date).tz_localize(self.timezone).tz_convert("UTC")
        if self.latest_date is None:
            latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
            return earliest, latest, "date/time is in the future"
        latest = (
            pd.Timestamp(self.latest_date + datetime.timedelta(days=1))
            .tz_localize(self.timezone)
            .tz_convert("UTC")
        ) - pd.Timedelta(microseconds=1)
        return earliest, latest, f"date/time is after {self.latest_date}"


@dataclasses.dataclass
class Normalized:
    """Accepted records, rejected rows and file-level notes of one file."""

    records: geopandas.GeoDataFrame
    rejects: pd.DataFrame  # source_row, column, reason, raw
    warnings: list
    rows_read: int


class _Problems:
    """Collects (row position, column, message) for refused rows."""

    def __init__(self, size):
        self.size = size
        self.parts = []

    def add(self, mask, column, message):
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        if isinstance(message, str):
            messages = np.full(positions.size, message, dtype=object)
        else:
            messages = np.asarray(message, dtype=object)[positions]
        self.parts.append(
            pd.DataFrame({"position": positions, "column": column, "message": messages})
        )

    def frame(self):
        if not self.parts:
            return pd.DataFrame(columns=["position", "column", "message"])
        return pd.concat(self.parts, ignore_index=True)

    def refused(self):
        mask = np.zeros(self.size, dtype=bool)
        for part in self.parts:
            mask[part["position"].to_numpy()] = True
        return mask


def _text(series):
    """Object Series of stripped strings with None for blanks.

    Works on the distinct values only: patrol columns repeat a few words a
    million times.
    """
    codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
    text = pd.Series(uniques, dtype="object").astype(str).str.strip()
    blank = text.eq("") | text.str.lower().isin(["nan", "none", "null"])
    cleaned = text.where(~blank, None).to_numpy(dtype=object)
    values = np.append(cleaned, None)[np.where(codes < 0, len(cleaned), codes)]
    return pd.Series(values, index=series.index, dtype="object")


def _describe(values, mask, template):
    """Per-row messages: template.format(value=...) for the masked rows."""
    out = np.full(len(values), None, dtype=object)
    positions = np.flatnonzero(mask)
    if positions.size:
        shown = pd.Series(values, dtype="object").iloc[positions].astype(str).str.slice(0, 60)
        out[positions] = [template.format(value=v) for v in shown]
    return out


_LISTED_COLUMNS = 20


def _missing_columns(file, headers, frame, expected):
    names = [str(c)[:60] for c in frame.columns[:_LISTED_COLUMNS]]
    found = ", ".join(names) or "(none)"
    if len(frame.columns) > _LISTED_COLUMNS:
        found += f" and {len(frame.columns) - _LISTED_COLUMNS} more"
    raise SurveyFileError(f"missing required column(s): {expected}; found: {found}", file=file)


def _geometry_from_table(frame, headers, problems, file):
    """(x, y, coordinate columns) from lon/lat columns, or (geometries, None,
    columns) from a WKT column; unreadable, infinite and empty values refused."""
    if "lon" in headers and "lat" in headers:
        lon_column, lat_column = headers["lon"], headers["lat"]
        x, bad_x = parse_coordinates(frame[lon_column].to_numpy())
        y, bad_y = parse_coordinates(frame[lat_column].to_numpy())
        problems.add(
            bad_x,
            lon_column,
            _describe(frame[lon_column], bad_x, "unreadable coordinate {value!r}"),
        )
        problems.add(
            bad_y & ~bad_x,
            lat_column,
            _describe(frame[lat_column], bad_y, "unreadable coordinate {value!r}"),
        )
        # "inf" and "1e999" read as numbers; a point there would poison the store.
        infinite_x, infinite_y = np.isinf(x), np.isinf(y)
        problems.add(
            infinite_x,
            lon_column,
            _describe(frame[lon_column], infinite_x, "coordinate {value!r} is not a finite number"),
        )
        problems.add(
            infinite_y & ~infinite_x,
            lat_column,
            _describe(frame[lat_column], infinite_y, "coordinate {value!r} is not a finite number"),
        )
        blank = np.isnan(x) & ~bad_x | np.isnan(y) & ~bad_y
        problems.add(blank, f"{lon_column}/{lat_column}", "no coordinates")
        return x, y, (lon_column, lat_column)
    if "wkt" in headers:
        column = headers["wkt"]
        text = _text(frame[column])
        depth = _wkt_depth(text)
        deep = depth > MAX_WKT_DEPTH
        problems.add(
            deep,
            column,
            _describe(depth, deep, f"WKT nested {{value}} deep (limit {MAX_WKT_DEPTH})"),
        )
        # Blank cells as None (from_wkt refuses NaN); NaN inside the text is refused later.
        with np.errstate(invalid="ignore"):
            geometries = shapely.from_wkt(
                text.where(~deep, None).to_numpy(dtype=object, na_value=None),
                on_invalid="ignore",
            )
        bad = text.notna().to_numpy() & shapely.is_missing(geometries) & ~deep
        problems.add(bad, column, _describe(text, bad, "unreadable WKT {value!r}"))
        problems.add(text.isna().to_numpy(), column, "no geometry")
        return geometries, None, (column,)
    _missing_columns(file, headers, frame, "经度 and 纬度 (lon, lat) or a WKT column")
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


def _resolve_crs(declared, x_values, file):
    try:
        crs = normalize_crs(declared)
        if is_gcj02(crs):
            return crs
        return fit_crs_to_coordinates(crs, x_values)
    except CRSError as error:
        raise SurveyFileError(str(error), file=file) from error


def _site_distance_km(geometries, sites):
    """Approximate distance (km) from each geometry to the nearest site."""
    lat0 = float(np.radians(sites.total_bounds[[1, 3]].mean()))
    scale = np.array([np.cos(lat0) * _KM_PER_DEGREE, _KM_PER_DEGREE])

    def to_km(xy):
        return xy * scale

    target = shapely.transform(shapely.union_all(np.asarray(sites.geometry.values)), to_km)
    shapely.prepare(target)
    return shapely.distance(shapely.transform(geometries, to_km), target)


def _record_keys(records):
    """64-bit record key of each observation: its time to the second, place to
    ~0.1 m, patrol type, finding, action and measurements.

    Two uploads holding the same observation (re-exported under another name,
    or overlapping exports) give equal keys and are stored once. Team, observer
    and notes are left out: offices retype them.
    """
    geometries = np.asarray(records.geometry.values, dtype=object)
    seconds = records["observed_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    is_point = shapely.get_type_id(geometries) == 0
    x = np.where(is_point, shapely.get_x(np.where(is_point, geometries, None)), 0.0)
    y = np.where(is_point, shapely.get_y(np.where(is_point, geometries, None)), 0.0)
    shape = np.zeros(len(geometries), dtype=np.uint64)
    if (~is_point).any():
        rounded = shapely.set_precision(geometries[~is_point], 1e-6)
        shape[~is_point] = pd.util.hash_array(shapely.to_wkb(rounded).astype(object))
    key_frame = pd.DataFrame(
        {
            "t": seconds,
            "x": np.round(np.nan_to_num(x) * 1e6).astype(np.int64),
            "y": np.round(np.nan_to_num(y) * 1e6).astype(np.int64),
            "shape": shape,
            **{
                c: records[c].to_numpy()
                for c in (
                    "finding",
                    "patrol_type",
                    "action",
                    "cover_pct",
                    "patch_area_m2",
                    "survival_pct",
                )
            },
        }
    )
    return pd.util.hash_pandas_object(key_frame, index=False).to_numpy().view(np.int64)


def _coded_column(frame, column, vocabulary, problems):
    """(codes, unknown mask) of a vocabulary column; unknown words are refused."""
    raw = _text(frame[column])
    codes = map_vocabulary(raw, vocabulary).to_numpy(dtype=object)
    unknown = raw.notna().to_numpy() & pd.isna(codes)
    label = vocabulary.replace("_", " ")
    problems.add(
        unknown,
        column,
        _describe(
            raw,
            unknown,
            f"unknown {label} {{value!r}}; expected one of {allowed_words(vocabulary)}",
        ),
    )
    return codes, unknown


def _from_file_or_option(frame, headers, field, option, vocabulary, problems, warnings):
    """A column from the file where present, else the uploader's option; a
    difference between the two is reported (the file wins)."""
    n = len(frame)
    option_code = code_for(option, vocabulary) if (vocabulary and option) else option
    if field not in headers:
        return np.full(n, option_code, dtype=object)
    column = headers[field]
    if vocabulary:
        values, _unknown = _coded_column(frame, column, vocabulary, problems)
    else:
        values = _text(frame[column]).to_numpy(dtype=object)
    if option_code is not None:
        differs = pd.notna(values) & (values != option_code)
        if differs.any():
            rows = np.flatnonzero(differs)
            warnings.append(
                {
                    "row": None,
                    "column": column,
                    "message": f"{rows.size} row(s) give a {field.replace('_', ' ')} that differs from "
                    f"--{field.replace('_', '-')} {option!r}; the file's value is kept",
                }
            )
        values = np.where(pd.isna(values), option_code, values)
    return values


def _refuse_coordinates(geometries, problems, column, *, lonlat, prefix=""):
    """Refuse (and drop) geometries that are empty, not finite or, when
    ``lonlat``, out of range; see :func:`geo.validity.coordinate_problems`."""
    found = coordinate_problems(geometries, lonlat=lonlat)
    bad = pd.notna(found)
    if bad.any():
        if prefix:
            found[bad] = [prefix + message for message in found[bad]]
        problems.add(bad, column, found)
        geometries = np.where(bad, None, geometries)
    return geometries


def _invalid(geometries):
    """Mask of the invalid geometries; points (their coordinates checked
    finite already) are valid, which saves testing a million of them."""
    check = ~shapely.is_missing(geometries) & (shapely.get_type_id(geometries) != 0)
    invalid = np.zeros(len(geometries), dtype=bool)
    invalid[check] = ~shapely.is_valid(geometries[check])
    return invalid


def _repair_polygons(geometries, problems, warnings, column, source_rows):
    """Invalid polygons repaired (a warning naming the row, with the area as
    drawn and after) or refused when no polygon is left; other invalid
    geometries refused."""
    invalid = _invalid(geometries)
    if not invalid.any():
        return geometries
    reasons = np.full(len(geometries), None, dtype=object)
    reasons[invalid] = shapely.is_valid_reason(geometries[invalid])
    geometries, repaired, lost, before, after = repair_polygons(geometries)
    problems.add(
        lost,
        column,
        _describe(reasons, lost, "invalid polygon ({value}); repairing it leaves no area"),
    )
    other = invalid & ~repaired & ~lost
    problems.add(other, column, _describe(reasons, other, "invalid geometry: {value}"))
    geometries = np.where(other, None, geometries)
    positions = np.flatnonzero(repaired)
    for position in positions[:MAX_REPAIR_WARNINGS]:
        was, now = before[position], after[position]
        warnings.append(
            {
                "row": int(source_rows[position]),
                "column": column,
                "message": f"invalid polygon ({reasons[position]}) repaired: area as drawn "
                f"{was:,.1f} m² ({was / UNITS['mu']:,.2f} mu), after repair "
                f"{now:,.1f} m² ({now / UNITS['mu']:,.2f} mu)",
            }
        )
    if positions.size > MAX_REPAIR_WARNINGS:
        warnings.append(
            {
                "row": None,
                "column": column,
                "message": f"{positions.size - MAX_REPAIR_WARNINGS} more invalid polygon(s) "
                "repaired",
            }
        )
    return geometries


def _inside_sites(geometries, sites):
    """Mask of the geometries lying within a site."""
    tree = shapely.STRtree(np.asarray(sites.geometry.values, dtype=object))
    inside = np.zeros(len(geometries), dtype=bool)
    found, _site = tree.query(geometries, predicate="within")
    inside[found] = True
    return inside


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
    outside[unknown] = ~_inside_sites(geometries[unknown], sites)
    if outside.sum() * 2 <= total:
        return None
    located = geometries[outside]
    lon, lat = gcj02_to_wgs84(shapely.get_x(located), shapely.get_y(located))
    shifted_inside = int(_inside_sites(shapely.points(lon, lat), sites).sum())
    if shifted_inside * 2 <= total:
        return None
    return {
        "row": None,
        "column": column,
        "message": f"{shifted_inside} of {total} points lie outside every "
        "site but inside one when read as GCJ-02 (Gaode/Tencent map coordinates, about "
        "550 m off); if the file comes from such a map, import it with --crs gcj02",
    }


def locate(table, frame, headers, options, problems, warnings, file, sites=None):
    """Geometries in EPSG:4326 for every row (None where refused), from the file's
    geometry or its coordinate / WKT columns, in whatever CRS it came.

    Every geometry kept is present, non-empty and valid, with finite
    coordinates in range; invalid polygons are repaired (and reported), or
    refused when nothing of them is left."""
    n = len(frame)
    extra_problems = getattr(table, "geometry_problems", None)
    if table.geometry is not None:
        geometries = np.asarray(table.geometry, dtype=object)
        coordinate_columns = ("geometry",)
        missing = shapely.is_missing(geometries)
        if extra_problems:
            reported = np.array([p is not None for p in extra_problems])
            problems.add(reported, "geometry", np.array(extra_problems, dtype=object))
            missing &= ~reported
            geometries = np.where(reported, None, geometries)
        problems.add(missing, "geometry", "no geometry")
        declared = options.crs or table.crs or WGS84
    else:
        x, y, coordinate_columns = _geometry_from_table(frame, headers, problems, file)
        declared = options.crs or WGS84
        if y is None:
            geometries = x
        else:
            geometries = None
            x, y, swapped_axes = _surveying_order(x, y)
            x_values = x[np.isfinite(x) & np.isfinite(y)]
            if swapped_axes:
                warnings.append(
                    {
                        "row": None,
                        "column": "/".join(coordinate_columns),
                        "message": "the X column holds northings and Y eastings "
                        "(surveying order); read as such",
                    }
                )
    column = coordinate_columns[0]
    if geometries is not None:  # the file's own geometry or WKT
        geometries = _refuse_coordinates(geometries, problems, column, lonlat=False)
        x_values = shapely.get_coordinates(geometries)[:, 0]
    crs = _resolve_crs(declared, x_values, file)
    geographic = is_gcj02(crs) or crs.is_geographic
    if geometries is None:
        finite = np.isfinite(x) & np.isfinite(y)
        if geographic:
            swapped = finite & (x >= 3) & (x <= 54) & (y >= 73) & (y <= 136)
            if swapped.any():
                shown = np.full(n, None, dtype=object)
                shown[swapped] = [
                    f"lon={a:g}, lat={b:g}" for a, b in zip(x[swapped], y[swapped], strict=True)
                ]
                problems.add(
                    swapped,
                    "/".join(coordinate_columns),
                    _describe(shown, swapped, "longitude and latitude look swapped ({value})"),
                )
            out_of_range = finite & ~swapped & ((np.abs(x) > 180) | (np.abs(y) > 90))
            problems.add(
                out_of_range,
                f"{coordinate_columns[0]}/{coordinate_columns[1]}",
                "coordinates out of range (longitude -180..180, latitude -90..90)",
            )
            usable = finite & ~swapped & ~out_of_range
        else:
            usable = finite
        geometries = np.full(n, None, dtype=object)
        geometries[usable] = shapely.points(x[usable], y[usable])
        column = "/".join(coordinate_columns)
    elif geographic:
        geometries = _refuse_coordinates(geometries, problems, column, lonlat=True)
    present = ~shapely.is_missing(geometries)
    geometries = geometries.copy()
    geometries[present] = to_wgs84_geometries(geometries[present], crs)
    geometries[present] = shapely.force_2d(geometries[present])
    if not geographic:
        # Metres far outside a projection's zone come back infinite or off the globe.
        name = crs.name if hasattr(crs, "name") else str(crs)
        geometries = _refuse_coordinates(
            geometries, problems, column, lonlat=True, prefix=f"converted from {name}: "
        )
    geometries = _repair_polygons(geometries, problems, warnings, column, table.source_rows)
    present = ~shapely.is_missing(geometries)
    distance = np.full(n, np.nan)
    if sites is not None and options.max_distance_km is not None and present.any():
        distance[present] = _site_distance_km(geometries[present], sites)
        far = np.nan_to_num(distance) > options.max_distance_km
        problems.add(
            far,
            "/".join(coordinate_columns),
            _describe(
                pd.Series(np.round(distance, 1)),
                far,
                "{value} km from the nearest site (limit "
                f"{options.max_distance_km:g} km); wrong coordinates or CRS?",
            ),
        )
    if sites is not None and len(sites) and not is_gcj02(crs) and crs.is_geographic:
        usable = present & ~problems.refused()
        hint = _gcj02_hint(
            geometries[usable], distance[usable], sites, "/".join(coordinate_columns)
        )
        if hint is not None:
            warnings.append(hint)
    return geometries


def observed_times(frame, headers, options, problems, file, expected="时间 or 日期 (date/time)"):
    """UTC timestamps from a date-time column, or a date column plus a time column;
    times outside the options' plausible window are refused."""
    n = len(frame)
    reported_time = np.zeros(n, dtype=bool)
    if "datetime" in headers:
        time_column = headers["datetime"]
        observed, bad_time, beyond = parse_times(frame[time_column].to_numpy(), options.timezone)
    elif "date" in headers:
        time_column = headers["date"]
        clock = frame[headers["time"]].to_numpy() if "time" in headers else None
        observed, bad_time, beyond = parse_times(
            frame[time_column].to_numpy(), options.timezone, clock
        )
        if clock is not None:
            _, bad_clock, _ = parse_times(
                np.where(pd.isna(clock), None, "2000-01-01"), options.timezone, clock
            )
            problems.add(
                bad_clock,
                headers["time"],
                _describe(frame[headers["time"]], bad_clock, "unreadable time {value!r}"),
            )
            bad_time = bad_time & ~bad_clock
            reported_time = bad_clock
    elif "time" in headers:
        time_column = headers["time"]
        observed, bad_time, beyond = parse_times(frame[time_column].to_numpy(), options.timezone)
    else:
        _missing_columns(file, headers, frame, expected)
    problems.add(
        bad_time,
        time_column,
        _describe(frame[time_column], bad_time, "unreadable date/time {value!r}"),
    )
    problems.add(
        observed.isna().to_numpy() & ~bad_time & ~reported_time & (beyond == 0),
        time_column,
        "no date/time",
    )
    earliest, latest, too_late = options.time_window()
    future = (observed > latest).fillna(False).to_numpy() | (beyond > 0)
    problems.add(
        future, time_column, _describe(frame[time_column], future, too_late + " ({value})")
    )
    ancient = (observed < earliest).fillna(False).to_numpy() | (beyond < 0)
    problems.add(
        ancient,
        time_column,
        _describe(
            frame[time_column], ancient, f"date/time is before {options.earliest_date} ({{value}})"
        ),
    )
    return observed


def _geometry_column(headers, table):
    """The column a geometry problem is reported under."""
    if table.geometry is not None:
        return "geometry"
    if "lon" in headers and "lat" in headers:
        return f"{headers['lon']}/{headers['lat']}"
    return headers.get("wkt", "geometry")


def _enforce_invariants(problems, geometries, observed, window, codes, columns, numbers=None):
    """Refuse any row still kept that breaks what the store promises: a
    present, non-empty, valid geometry with finite coordinates in range; a
    time in the plausible window; known vocabulary codes.

    The checks before this one refuse such rows with a sharper message; this
    is the last guard, so that no later change to them can let one through.
    ``codes`` maps a field to its values, ``columns`` a field ("geometry",
    "time" or a code field) to the column named in the reject; ``numbers``
    maps a measurement to its values, which must be finite or missing.
    """
    kept = ~problems.refused()
    if not kept.any():
        return
    missing = kept & shapely.is_missing(geometries)
    problems.add(missing, columns["geometry"], "no geometry")
    found = np.full(len(geometries), None, dtype=object)
    check = kept & ~missing
    found[check] = coordinate_problems(geometries[check])
    invalid = check & pd.isna(found)
    invalid[invalid] = _invalid(geometries[invalid])
    if invalid.any():
        found[invalid] = [
            "invalid geometry: " + r for r in shapely.is_valid_reason(geometries[invalid])
        ]
    problems.add(pd.notna(found), columns["geometry"], found)
    earliest, latest, _message = window
    times = pd.Series(observed)
    outside = kept & (times.isna() | (times < earliest) | (times > latest)).to_numpy()
    problems.add(outside, columns["time"], "date/time is missing or outside the plausible window")
    for field, values in codes.items():
        values = np.asarray(values, dtype=object)
        unknown = kept & ~pd.Series(values).isin(KNOWN_CODES[field]).to_numpy()
        problems.add(
            unknown,
            columns.get(field, field),
            _describe(values, unknown, f"{field.replace('_', ' ')} code {{value}} is not known"),
        )
    for field, values in (numbers or {}).items():
        infinite = kept & np.isinf(np.asarray(values, dtype=float))
        problems.add(infinite, field, "not a finite number")


def normalize(table: RawTable, options: ImportOptions, *, file, sites=None) -> Normalized:
    """Check and convert a raw table into survey records; see :class:`Normalized`.

    A row whose check raises an unexpected error is rejected alone (see
    :mod:`surveys.isolation`); the other rows are checked as usual.

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     {
    ...         "时间": ["2023-06-01 09:00", "9999-12-31"],
    ...         "经度": ["120.3301", "120.3301"],
    ...         "纬度": ["27.2612", "27.2612"],
    ...         "巡查类型": ["乡镇巡查", "乡镇巡查"],
    ...         "发现": ["复萌", "复萌"],
    ...     }
    ... )
    >>> result = normalize(RawTable(frame, np.array([2, 3])), ImportOptions(), file="f.csv")
    >>> len(result.records), result.rejects[["source_row", "column", "reason"]].values.tolist()
    (1, [[3, '时间', 'date/time is in the future (9999-12-31)']])
    """
    return check_isolating_rows(
        lambda part: _normalize_table(part, options, file=file, sites=sites), table, file=file
    )


def _normalize_table(table, options, *, file, sites=None):
    frame = table.frame.reset_index(drop=True)
    n = len(frame)
    warnings = list(table.warnings)
    if n == 0:
        return only_read_rejects(table, file, "holds no records")
    headers = match_headers(frame.columns)
    problems = _Problems(n)
    geometries = locate(table, frame, headers, options, problems, warnings, file, sites)
    observed = observed_times(frame, headers, options, problems, file)

    # -- who and what --------------------------------------------------------------------
    if "patrol_type" not in headers and options.patrol_type is None:
        _missing_columns(file, headers, frame, "巡查类型 (patrol type) or --patrol-type")
    patrol_type = _from_file_or_option(
        frame, headers, "patrol_type", options.patrol_type, "patrol_type", problems, warnings
    )
    problems.add(
        pd.isna(patrol_type) & ~_known_unknown(problems, headers, "patrol_type", n),
        headers.get("patrol_type", "patrol_type"),
        "no patrol type",
    )
    team = _from_file_or_option(frame, headers, "team", options.team, None, problems, warnings)
    observer = (
        _text(frame[headers["observer"]]).to_numpy(dtype=object)
        if "observer" in headers
        else np.full(n, None, dtype=object)
    )

    linear = np.isin(shapely.get_type_id(geometries), _LINEAR)
    fallbacks = [headers[f] for f in ("name", "category") if f in headers]
    if "finding" not in headers and not fallbacks and not linear.all():
        _missing_columns(file, headers, frame, "发现 (finding)")
    finding_column = headers.get("finding", fallbacks[0] if fallbacks else "finding")
    finding = np.full(n, None, dtype=object)
    # The action a finding's words name too (复萌已清除: found and removed on the spot),
    # and the words that named it.
    named_action = np.full(n, None, dtype=object)
    named_by = np.full(n, None, dtype=object)
    unknown = np.zeros(n, dtype=bool)
    # GPX and KML often say the finding in the point's name or category only; a
    # name that is no finding is no reason to refuse the row.
    for column in ([headers["finding"]] if "finding" in headers else []) + fallbacks:
        text = _text(frame[column])
        read = read_column(text, "finding")
        if column not in fallbacks:
            unknown = read["problem"].notna().to_numpy()
            problems.add(unknown, column, read["problem"].to_numpy(dtype=object))
        take = pd.isna(finding) & ~unknown & read["code"].notna().to_numpy()
        finding = np.where(take, read["code"].to_numpy(dtype=object), finding)
        named_action = np.where(take, read["action"].to_numpy(dtype=object), named_action)
        named_by = np.where(take, text.to_numpy(dtype=object), named_by)
    # A patrol track with no finding is the route walked: nothing found on it.
    finding = np.where(pd.isna(finding) & ~unknown & linear, "clear", finding)
    problems.add(pd.isna(finding) & ~unknown, finding_column, "no finding")

    measures = {}
    for field, (low, high) in _OPTIONAL_MEASURES.items():
        if field not in headers:
            measures[field] = np.full(n, np.nan)
            continue
        column = headers[field]
        values, bad = parse_numbers(frame[column].to_numpy())
        problems.add(bad, column, _describe(frame[column], bad, "not a number: {value!r}"))
        with np.errstate(invalid="ignore"):
            outside = (values < low) | ((values > high) if high is not None else False)
        problems.add(
            outside,
            column,
            _describe(
                frame[column],
                outside,
                f"{{value}} is outside {low:g}..{high:g}"
                if high is not None
                else "{value} is negative",
            ),
        )
        measures[field] = values

    stated = np.full(n, None, dtype=object)
    if "action" in headers:
        action_column = headers["action"]
        action_text = _text(frame[action_column])
        read = read_column(action_text, "action")
        stated = read["code"].to_numpy(dtype=object)
        problems.add(
            read["problem"].notna().to_numpy(),
            action_column,
            read["problem"].to_numpy(dtype=object),
        )
    # Both the action column and the finding's words may say the action; a removal
    # one says and the other denies refuses the row (see combine_actions).
    action, clash = combine_actions(stated, named_action)
    if clash.any():
        shown = np.full(n, None, dtype=object)
        shown[clash] = [
            f"action {str(a)[:60]!r} ({s}) contradicts the finding {str(f)[:60]!r} ({m}); "
            "correct one of them"
            for a, s, f, m in zip(
                action_text.to_numpy(dtype=object)[clash],
                stated[clash],
                named_by[clash],
                named_action[clash],
                strict=True,
            )
        ]
        problems.add(clash, action_column, shown)
    action = np.where(
        pd.isna(action), np.where(finding == "spartina_removed", "removed", "none"), action
    )

    notes = (
        _text(frame[headers["notes"]]).to_numpy(dtype=object)
        if "notes" in headers
        else np.full(n, None, dtype=object)
    )
    used = {headers[k] for k in headers if k not in ("name", "category")}
    extra_columns = [c for c in frame.columns if c not in used]
    extra = _extra_json(frame, extra_columns)

    _enforce_invariants(
        problems,
        geometries,
        observed,
        options.time_window(),
        {"patrol_type": patrol_type, "finding": finding, "action": action},
        {
            "geometry": _geometry_column(headers, table),
            "time": headers.get("datetime") or headers.get("date") or headers.get("time"),
            "patrol_type": headers.get("patrol_type", "patrol_type"),
            "finding": finding_column,
            "action": headers.get("action", "action"),
        },
        numbers=measures,
    )

    # -- split ---------------------------------------------------------------------------
    refused = problems.refused()
    keep = ~refused
    records = geopandas.GeoDataFrame(
        {
            "source_row": table.source_rows[keep].astype(np.int64),
            "observed_at": observed[keep].reset_index(drop=True),
            "patrol_type": patrol_type[keep],
            "team": team[keep],
            "observer": observer[keep],
            "finding": finding[keep],
            "cover_pct": measures["cover_pct"][keep],
            "patch_area_m2": measures["patch_area_m2"][keep],
            "survival_pct": measures["survival_pct"][keep],
            "action": action[keep],
            "notes": notes[keep],
            "extra": extra[keep],
        },
        geometry=geopandas.GeoSeries(geometries[keep], crs=WGS84),
        crs=WGS84,
    )
    records.insert(0, "record_key", _record_keys(records))
    rejects = with_read_rejects(_rejects(frame, table.source_rows, problems), table)
    return Normalized(records, rejects, warnings, n + len(getattr(table, "ragged", [])))


def _known_unknown(problems, headers, field, n):
    """Rows already refused for an unknown value in ``field``'s column."""
    mask = np.zeros(n, dtype=bool)
    column = headers.get(field)
    for part in problems.parts:
        if column is not None and (part["column"] == column).any():
            mask[part.loc[part["column"] == column, "position"].to_numpy()] = True
    return mask


def _extra_json(frame, columns):
    n = len(frame)
    if not columns:
        return np.full(n, None, dtype=object)
    sub = frame[columns].astype("object")
    sub = sub.where(sub.notna(), None)
    out = np.full(n, None, dtype=object)
    for position, row in enumerate(sub.itertuples(index=False, name=None)):
        values = {
            c: (v if isinstance(v, int | float | bool) else str(v))
            for c, v in zip(columns, row, strict=True)
            if v is not None and str(v).strip() != ""
        }
        if values:
            out[position] = json.dumps(values, ensure_ascii=False, default=str)
    return out


def _rejects(frame, source_rows, problems):
    found = problems.frame()
    if found.empty:
        return pd.DataFrame(columns=["source_row", "column", "reason", "raw"])
    grouped = found.groupby("position", sort=True)
    positions = np.asarray(list(grouped.groups.keys()), dtype=np.int64)
    columns = grouped["column"].first().to_numpy()
    found["labelled"] = found["column"].astype(str) + ": " + found["message"].astype(str)
    several = grouped["column"].transform("nunique").to_numpy() > 1
    found["shown"] = np.where(several, found["labelled"], found["message"])
    reasons = (
        found.groupby("position", sort=True)["shown"]
        .agg(lambda m: "; ".join(dict.fromkeys(m)))
        .to_numpy()
    )
    raw_rows = frame.iloc[positions].astype("object")
    raw = [
        json.dumps(
            {
                str(c): (None if pd.isna(v) else str(v))
                for c, v in zip(frame.columns, row, strict=True)
            },
            ensure_ascii=False,
        )
        for row in raw_rows.itertuples(index=False, name=None)
    ]
    return pd.DataFrame(
        {
            "source_row": source_rows[positions].astype(np.int64),
            "column": columns,
            "reason": reasons,
            "raw": raw,
        }
    )


def read_rejects(table: RawTable) -> pd.DataFrame:
    """The rows the reader itself refused (lines of the wrong width, lines in
    another encoding) as rejects."""
    return pd.DataFrame(
        [
            {"source_row": r["row"], "column": None, "reason": r["message"], "raw": r["raw"]}
            for r in getattr(table, "ragged", [])
        ],
        columns=["source_row", "column", "reason", "raw"],
    )


def with_read_rejects(rejects: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """``rejects`` and the reader's own, in file order."""
    read = read_rejects(table)
    if read.empty:
        return rejects
    both = pd.concat([rejects, read], ignore_index=True) if len(rejects) else read
    return both.sort_values("source_row", kind="stable").reset_index(drop=True)


def only_read_rejects(table: RawTable, file, message) -> Normalized:
    """A table the reader left no rows in: its refused lines are the rejects
    (each with its reason), or, when there are none, the file holds nothing."""
    if not getattr(table, "ragged", []):
        raise SurveyFileError(message, file=file)
    empty = geopandas.GeoDataFrame(
        {"source_row": pd.Series(dtype=np.int64)}, geometry=[], crs=WGS84
    )
    return Normalized(empty, read_rejects(table), list(table.warnings), len(table.ragged))
