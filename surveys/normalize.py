"""From a file's raw table to canonical survey records, checked row by row.

Every check is vectorised: it marks the rows it refuses with the column and a
message. Rows with no problem are accepted; the others become rejects with
the raw row, so nothing is lost.
"""

import dataclasses
import json

import geopandas
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84, fit_crs_to_coordinates, is_gcj02, normalize_crs, to_wgs84_geometries
from geo.errors import CRSError
from surveys.errors import SurveyFileError
from surveys.parsing import parse_coordinates, parse_numbers, parse_times
from surveys.readers import RawTable
from surveys.schema import (
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


@dataclasses.dataclass(frozen=True)
class ImportOptions:
    """What the uploader says about a file (the CLI flags)."""

    patrol_type: str | None = None
    team: str | None = None
    crs: object = None
    sheet: str | None = None
    timezone: str = "Asia/Shanghai"
    max_distance_km: float | None = 30.0

    def __post_init__(self):
        if self.patrol_type is not None and code_for(self.patrol_type, "patrol_type") is None:
            raise SurveyFileError(
                f"unknown patrol type {self.patrol_type!r}; expected one of "
                f"{allowed_words('patrol_type')}"
            )
        if self.crs is not None:
            normalize_crs(self.crs)


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


def _missing_columns(file, headers, frame, expected):
    found = ", ".join(map(str, frame.columns)) or "(none)"
    raise SurveyFileError(f"missing required column(s): {expected}; found: {found}", file=file)


def _geometry_from_table(frame, headers, problems, file):
    """(geometries, x, coordinate columns) from lon/lat or WKT columns."""
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
        blank = np.isnan(x) & ~bad_x | np.isnan(y) & ~bad_y
        problems.add(blank, f"{lon_column}/{lat_column}", "no coordinates")
        return x, y, (lon_column, lat_column)
    if "wkt" in headers:
        column = headers["wkt"]
        text = _text(frame[column])
        geometries = shapely.from_wkt(text.to_numpy(), on_invalid="ignore")
        bad = text.notna().to_numpy() & shapely.is_missing(geometries)
        problems.add(bad, column, _describe(text, bad, "unreadable WKT {value!r}"))
        problems.add(text.isna().to_numpy(), column, "no geometry")
        return geometries, None, (column,)
    _missing_columns(file, headers, frame, "经度 and 纬度 (lon, lat) or a WKT column")
    return None


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


def locate(table, frame, headers, options, problems, warnings, file, sites=None):
    """Geometries in EPSG:4326 for every row (None where refused), from the file's
    geometry or its coordinate / WKT columns, in whatever CRS it came."""
    n = len(frame)
    extra_problems = getattr(table, "geometry_problems", None)
    if table.geometry is not None:
        geometries = np.asarray(table.geometry, dtype=object)
        coordinate_columns = ("geometry",)
        if extra_problems:
            bad = np.array([p is not None for p in extra_problems])
            problems.add(bad, "geometry", np.array(extra_problems, dtype=object))
        missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
        if extra_problems:
            missing &= ~np.array([p is not None for p in extra_problems])
        problems.add(missing, "geometry", "no geometry")
        geometries = np.where(missing, None, geometries)
        xy = shapely.get_coordinates(geometries)
        x_values = xy[:, 0]
        declared = options.crs or table.crs or WGS84
    else:
        x, y, coordinate_columns = _geometry_from_table(frame, headers, problems, file)
        declared = options.crs or WGS84
        if y is None:
            geometries = x
            x_values = shapely.get_coordinates(geometries)[:, 0]
        else:
            geometries = None
            x_values = x[np.isfinite(x) & np.isfinite(y)]
            x, y, swapped_axes = _surveying_order(x, y)
            if swapped_axes:
                x_values = x[np.isfinite(x) & np.isfinite(y)]
                warnings.append(
                    {
                        "row": None,
                        "column": "/".join(coordinate_columns),
                        "message": "the X column holds northings and Y eastings "
                        "(surveying order); read as such",
                    }
                )
    crs = _resolve_crs(declared, x_values, file)
    geographic = is_gcj02(crs) or crs.is_geographic
    if geometries is None:
        if geographic:
            finite = np.isfinite(x) & np.isfinite(y)
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
            usable = np.isfinite(x) & np.isfinite(y)
        geometries = np.full(n, None, dtype=object)
        geometries[usable] = shapely.points(x[usable], y[usable])
    elif geographic:
        bounds = shapely.bounds(geometries)
        with np.errstate(invalid="ignore"):
            out_of_range = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (
                np.abs(bounds[:, [1, 3]]) > 90
            ).any(axis=1)
        problems.add(
            out_of_range,
            coordinate_columns[0],
            "coordinates out of range (longitude -180..180, latitude -90..90)",
        )
        geometries = np.where(out_of_range, None, geometries)
    present = ~shapely.is_missing(geometries)
    geometries = geometries.copy()
    geometries[present] = to_wgs84_geometries(geometries[present], crs)
    geometries[present] = shapely.force_2d(geometries[present])
    invalid = present & ~shapely.is_valid(geometries)
    if invalid.any():
        reasons = np.full(n, None, dtype=object)
        reasons[invalid] = [
            "invalid geometry: " + r for r in shapely.is_valid_reason(geometries[invalid])
        ]
        problems.add(invalid, coordinate_columns[0], reasons)
    if sites is not None and options.max_distance_km is not None and present.any():
        distance = np.full(n, np.nan)
        check = present & ~invalid
        distance[check] = _site_distance_km(geometries[check], sites)
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

    return geometries


def observed_times(frame, headers, options, problems, file, expected="时间 or 日期 (date/time)"):
    """UTC timestamps from a date-time column, or a date column plus a time column."""
    n = len(frame)
    reported_time = np.zeros(n, dtype=bool)
    if "datetime" in headers:
        time_column = headers["datetime"]
        observed, bad_time = parse_times(frame[time_column].to_numpy(), options.timezone)
    elif "date" in headers:
        time_column = headers["date"]
        clock = frame[headers["time"]].to_numpy() if "time" in headers else None
        observed, bad_time = parse_times(frame[time_column].to_numpy(), options.timezone, clock)
        if clock is not None:
            _, bad_clock = parse_times(
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
        observed, bad_time = parse_times(frame[time_column].to_numpy(), options.timezone)
    else:
        _missing_columns(file, headers, frame, expected)
    problems.add(
        bad_time,
        time_column,
        _describe(frame[time_column], bad_time, "unreadable date/time {value!r}"),
    )
    problems.add(
        observed.isna().to_numpy() & ~bad_time & ~reported_time, time_column, "no date/time"
    )
    now = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    future = (observed > now).fillna(False).to_numpy()
    problems.add(future, time_column, "date/time is in the future")
    ancient = (observed < pd.Timestamp("1990-01-01", tz="UTC")).fillna(False).to_numpy()
    problems.add(ancient, time_column, "date/time is before 1990")

    return observed


def normalize(table: RawTable, options: ImportOptions, *, file, sites=None):
    """Check and convert a raw table into survey records; see :class:`Normalized`."""
    frame = table.frame.reset_index(drop=True)
    n = len(frame)
    warnings = list(table.warnings)
    if n == 0:
        raise SurveyFileError("holds no records", file=file)
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
    rejects = _rejects(frame, table.source_rows, problems)
    ragged = getattr(table, "ragged", [])
    if ragged:
        rejects = (
            pd.concat(
                [
                    rejects,
                    pd.DataFrame(
                        [
                            {
                                "source_row": r["row"],
                                "column": None,
                                "reason": r["message"],
                                "raw": r["raw"],
                            }
                            for r in ragged
                        ]
                    ),
                ],
                ignore_index=True,
            )
            .sort_values("source_row", kind="stable")
            .reset_index(drop=True)
        )
    return Normalized(records, rejects, warnings, n + len(ragged))


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
