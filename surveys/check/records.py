"""From a file's raw table to canonical survey records, checked row by row.

Every check is vectorised and marks the rows it refuses (see
:mod:`hailin.surveys.check.problems`); rows with no problem are accepted, the others
become rejects with the raw row, so nothing is lost.
"""

import re

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.geo.crs import WGS84
from hailin.geo.units import M2_PER_HA, M2_PER_MU
from hailin.surveys.check.invariants import enforce_invariants, geometry_column
from hailin.surveys.check.isolation import check_isolating_rows
from hailin.surveys.check.locate import locate
from hailin.surveys.check.options import ImportOptions
from hailin.surveys.check.phrase_facts import (
    contradictions,
    fill_measures,
    kept_notes,
    weigh_removals,
    with_people_stopped,
)
from hailin.surveys.check.problems import (
    Normalized,
    Problems,
    checked,
    clean_text,
    describe,
    extra_json,
    missing_columns,
    only_read_rejects,
    optional_text,
)
from hailin.surveys.check.quantities import measure_values
from hailin.surveys.check.senses import Readings
from hailin.surveys.check.times import observed_times, time_column
from hailin.surveys.check.undated import day_for_blank_times
from hailin.surveys.check.words import code_for, combine_actions, map_vocabulary, read_readings
from hailin.surveys.headers import area_unit_of, match_headers
from hailin.surveys.io.raw import RawTable, note
from hailin.surveys.schema import allowed_words

_OPTIONAL_MEASURES = {
    "cover_pct": (0.0, 100.0),
    "survival_pct": (0.0, 100.0),
    "patch_area_m2": (0.0, None),
}
_KINDS = {"cover_pct": "percent", "survival_pct": "percent", "patch_area_m2": "area"}

_LINEAR = (1, 2, 5)  # LineString, LinearRing, MultiLineString
# The columns of a record that make its key (see record_keys), besides time and place.
_KEY_COLUMNS = ("finding", "patrol_type", "action", "cover_pct", "patch_area_m2", "survival_pct")


def normalize(table: RawTable, options: ImportOptions, *, file, sites=None) -> Normalized:
    """Check and convert a raw table into survey records; see :class:`Normalized`.

    A row whose check raises an unexpected error is rejected alone (see
    :mod:`hailin.surveys.check.isolation`); the other rows are checked as usual.

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
    problems = Problems(n)
    geometries = locate(table, frame, headers, options, problems, warnings, file, sites)
    dated, dated_headers = day_for_blank_times(frame, headers, options, warnings)
    observed = observed_times(
        dated, dated_headers, options, problems, file, _when(options), warnings=warnings
    )
    patrol_type, team = _who(frame, headers, options, problems, warnings, file)
    finding, named = _findings(frame, headers, geometries, problems, file)
    measures = _measures(frame, headers, problems)
    context = {"headers": headers, "column": named["column"], "rows": table.source_rows}
    fill_measures(measures, named["readings"], named["words"], context, problems, warnings)
    action, said = _action(frame, headers, finding, named, problems)
    notes = kept_notes(
        optional_text(frame, headers, "notes"),
        ((named["words"], named["readings"]), (said["words"], said["readings"]), said["left"]),
    )
    used = {headers[k] for k in headers if k not in ("name", "category")}
    columns = {
        "patrol_type": patrol_type,
        "team": team,
        "observer": optional_text(frame, headers, "observer"),
        "finding": finding,
        **{field: measures[field] for field in ("cover_pct", "patch_area_m2", "survival_pct")},
        "action": action,
        "notes": notes,
        "extra": with_people_stopped(
            extra_json(frame, [c for c in frame.columns if c not in used]),
            action,
            named["readings"],
            said["readings"],
        ),
    }
    enforce_invariants(
        problems,
        geometries,
        observed,
        options.time_window(),
        {"patrol_type": patrol_type, "finding": finding, "action": action},
        {
            "geometry": geometry_column(headers, table),
            "time": time_column(headers),
            "patrol_type": headers.get("patrol_type", "patrol_type"),
            "finding": named["column"],
            "action": headers.get("action", "action"),
        },
        numbers=measures,
    )
    keep = ~problems.refused()
    records = geopandas.GeoDataFrame(
        {
            "source_row": table.source_rows[keep].astype(np.int64),
            "observed_at": observed[keep].reset_index(drop=True),
            # Text stays object: pandas would make Arrow strings the store turns back.
            **{
                name: pd.Series(values[keep], dtype=values.dtype)
                for name, values in columns.items()
            },
        },
        geometry=geopandas.GeoSeries(geometries[keep], crs=WGS84),
        crs=WGS84,
    )
    records.insert(0, "record_key", record_keys(records))
    return checked(table, frame, problems, records, warnings)


def _when(options):
    """The time columns a file needs, and what the uploader can say instead."""
    if options.date_from_name:
        return "时间 or 日期 (date/time), or a date in the file name (巡查_2024-05-03.kml)"
    return "时间 or 日期 (date/time), or --observed-on DATE for a file without times"


def _who(frame, headers, options, problems, warnings, file):
    """(patrol type codes, teams): from the file's columns, else the options."""
    if "patrol_type" not in headers and options.patrol_type is None:
        missing_columns(file, frame, "巡查类型 (patrol type) or --patrol-type")
    patrol_type = _from_file_or_option(
        frame, headers, "patrol_type", options.patrol_type, "patrol_type", problems, warnings
    )
    problems.add(
        pd.isna(patrol_type) & ~problems.refused_under(headers.get("patrol_type")),
        headers.get("patrol_type", "patrol_type"),
        "no patrol type",
    )
    team = _from_file_or_option(frame, headers, "team", options.team, None, problems, warnings)
    return patrol_type, team


def _findings(frame, headers, geometries, problems, file):
    """(finding codes, {"action", "words", "column"}): the finding of each row,
    with the action its words name too (复萌已清除: found and removed on the
    spot) and the words that named it, and the column findings are reported under.

    GPX and KML often say the finding in the point's name or category only; a
    name that is no finding is no reason to refuse the row. A patrol track with
    no finding is the route walked: nothing found on it.
    """
    n = len(frame)
    linear = np.isin(shapely.get_type_id(geometries), _LINEAR)
    fallbacks = [headers[f] for f in ("name", "category") if f in headers]
    if "finding" not in headers and not fallbacks and not linear.all():
        missing_columns(file, frame, "发现 (finding)")
    finding_column = headers.get("finding", fallbacks[0] if fallbacks else "finding")
    finding = np.full(n, None, dtype=object)
    named_action = np.full(n, None, dtype=object)
    named_by = np.full(n, None, dtype=object)
    readings = Readings.blank(n)
    tried = np.full(n, None, dtype=object)  # the name or category that was no finding
    unknown = np.zeros(n, dtype=bool)
    for column in ([headers["finding"]] if "finding" in headers else []) + fallbacks:
        text = clean_text(frame[column])
        read, column_readings = read_readings(text, "finding")
        if column not in fallbacks:
            unknown = read["problem"].notna().to_numpy()
            problems.add(unknown, column, read["problem"].to_numpy(dtype=object))
        take = pd.isna(finding) & ~unknown & read["code"].notna().to_numpy()
        finding = np.where(take, read["code"].to_numpy(dtype=object), finding)
        named_action = np.where(take, read["action"].to_numpy(dtype=object), named_action)
        named_by = np.where(take, text.to_numpy(dtype=object), named_by)
        readings = readings.where(take, column_readings)
        tried = np.where(
            pd.isna(tried) & text.notna().to_numpy(), text.to_numpy(dtype=object), tried
        )
    finding = np.where(pd.isna(finding) & ~unknown & linear, "clear", finding)
    nothing = pd.isna(finding) & ~unknown
    named = nothing & pd.notna(tried)  # a waypoint's name that is no finding: quoted
    problems.add(nothing & ~named, finding_column, "no finding")
    problems.add(
        named, finding_column, describe(tried, named, "no finding: {value!r} is no finding word")
    )
    return finding, {
        "action": named_action,
        "words": named_by,
        "column": finding_column,
        "readings": readings,
    }


def _measures(frame, headers, problems):
    """{measurement: values}: cover, patch area and survival, NaN where not given."""
    measures = {}
    for field, (low, high) in _OPTIONAL_MEASURES.items():
        if field not in headers:
            measures[field] = np.full(len(frame), np.nan)
            continue
        column = headers[field]
        plain = _patch_area_unit(column) if field == "patch_area_m2" else 1.0
        values, bad = measure_values(frame[column].to_numpy(), _KINDS[field], plain)
        problems.add(bad, column, describe(frame[column], bad, "not a number: {value!r}"))
        with np.errstate(invalid="ignore"):
            outside = (values < low) | ((values > high) if high is not None else False)
        template = f"{{value}} is outside {low:g}..{high:g}" if high is not None else None
        problems.add(
            outside, column, describe(frame[column], outside, template or "{value} is negative")
        )
        measures[field] = values
    return measures


def _patch_area_unit(column):
    """m² per plain number of a patch area column: m² unless its header names 亩
    or 公顷 (a bare 面积 is m² here; in plot files it is mu)."""
    if re.search(r"亩|\bmu\b|_mu$", str(column).lower()):
        return M2_PER_MU
    return M2_PER_HA if area_unit_of(column) == "ha" else 1.0


def _action(frame, headers, finding, named, problems):
    """(actions, {"words", "readings", "left"}) of the rows: from the action
    column and the finding's words (a removal one says and the other denies
    refuses the row, see :func:`hailin.surveys.check.words.combine_actions`;
    one that covers only part of what was found is partly_removed, see
    :func:`hailin.surveys.check.phrase_facts.weigh_removals`), else removed for
    the finding spartina_removed and none for the others."""
    n = len(frame)
    stated = np.full(n, None, dtype=object)
    action_column = headers.get("action", named["column"])
    action_text = np.full(n, None, dtype=object)
    readings = Readings.blank(n)
    if "action" in headers:
        action_text = clean_text(frame[action_column]).to_numpy(dtype=object)
        read, readings = read_readings(pd.Series(action_text, dtype=object), "action")
        stated = read["code"].to_numpy(dtype=object)
        problem = read["problem"]
        problems.add(problem.notna().to_numpy(), action_column, problem.to_numpy(dtype=object))
    action, clash = combine_actions(stated, named["action"])
    if clash.any():
        shown = np.full(n, None, dtype=object)
        shown[clash] = [
            f"action {str(a)[:60]!r} ({s}) contradicts the finding {str(f)[:60]!r} ({m}); "
            "correct one of them"
            for a, s, f, m in zip(
                action_text[clash],
                stated[clash],
                named["words"][clash],
                named["action"][clash],
                strict=True,
            )
        ]
        problems.add(clash, action_column, shown)
    action = np.where(
        pd.isna(action), np.where(finding == "spartina_removed", "removed", "none"), action
    )
    action, left = weigh_removals(action, named["readings"], readings, problems, action_column)
    contradictions(finding, readings, action, problems, action_column)
    return action, {"words": action_text, "readings": readings, "left": left}


def record_keys(records) -> np.ndarray:
    """64-bit record key of each observation: its time to the second, place to
    ~0.1 m, patrol type, finding, action and measurements.

    Two uploads holding the same observation (re-exported under another name,
    or overlapping exports) give equal keys and are stored once. Team, observer
    and notes are left out: offices retype them.
    """
    geometries = np.asarray(records.geometry.values, dtype=object)
    seconds = records["observed_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    is_point = shapely.get_type_id(geometries) == 0
    points = np.where(is_point, geometries, None)  # type: ignore[call-overload]  # numpy's stubs refuse a None scalar; object arrays take it
    x = np.where(is_point, shapely.get_x(points), 0.0)
    y = np.where(is_point, shapely.get_y(points), 0.0)
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
            **{c: pd.Series(records[c].to_numpy(), dtype=records[c].dtype) for c in _KEY_COLUMNS},
        }
    )
    return pd.util.hash_pandas_object(key_frame, index=False).to_numpy().view(np.int64)


def _from_file_or_option(frame, headers, field, option, vocabulary, problems, warnings):
    """A column from the file where present, else the uploader's option; a
    difference between the two is reported (the file wins)."""
    option_code = code_for(option, vocabulary) if (vocabulary and option) else option
    if field not in headers:
        return np.full(len(frame), option_code, dtype=object)
    column = headers[field]
    if vocabulary:
        values = _coded_column(frame, column, vocabulary, problems)
    else:
        values = clean_text(frame[column]).to_numpy(dtype=object)
    if option_code is not None:
        differs = pd.notna(values) & (values != option_code)
        if differs.any():
            warnings.append(
                note(
                    f"{int(differs.sum())} row(s) give a {field.replace('_', ' ')} that differs "
                    f"from --{field.replace('_', '-')} {option!r}; the file's value is kept",
                    column=column,
                )
            )
        values = np.where(pd.isna(values), option_code, values)
    return values


def _coded_column(frame, column, vocabulary, problems):
    """The codes of a vocabulary column; unknown words are refused."""
    raw = clean_text(frame[column])
    codes = map_vocabulary(raw, vocabulary).to_numpy(dtype=object)
    unknown = raw.notna().to_numpy() & pd.isna(codes)
    label = vocabulary.replace("_", " ")
    template = f"unknown {label} {{value!r}}; expected one of {allowed_words(vocabulary)}"
    problems.add(unknown, column, describe(raw, unknown, template))
    return codes
