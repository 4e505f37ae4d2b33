"""Clearance plots (除治图斑) and restoration plots (种植地块): checked row by row.

Plots come through the same readers, CRS handling and row checks as surveys
(``surveys.normalize.locate`` and ``observed_times``); here are only what is
particular to plots: polygons, ids, dates, declared areas, and the site each
plot lies in.
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from geo.area import UNITS, area_m2
from geo.crs import WGS84
from surveys.isolation import check_isolating_rows
from surveys.normalize import (
    Normalized,
    _describe,
    _enforce_invariants,
    _extra_json,
    _missing_columns,
    _Problems,
    _rejects,
    _text,
    locate,
    observed_times,
    only_read_rejects,
    with_read_rejects,
)
from surveys.parsing import parse_numbers
from surveys.readers import RawTable
from surveys.schema import PLOT_HEADERS, area_unit_of, match_headers

PLOT_KINDS = ("clearance", "restoration")
DATE_COLUMN = {"clearance": "cleared_on", "restoration": "planted_on"}
DECLARED_AREA_TOLERANCE = 0.05

# Store kinds of the plot layers' columns: the same frame around each kind's own fields.
_OWN_FIELDS = {
    "clearance": {"cleared_on": "date", "method": "text", "contractor": "text"},
    "restoration": {"planted_on": "date", "species": "text", "funding": "text"},
}
PLOT_COLUMNS = {
    kind: {
        "plot_id": "text",
        "site": "text",
        "township": "text",
        **own,
        "declared_area_mu": "real",
        "area_mu": "real",
        "area_ha": "real",
        "notes": "text",
        "extra": "text",
        "upload_id": "text",
        "source_row": "integer",
    }
    for kind, own in _OWN_FIELDS.items()
}
_TEXT_FIELDS = {"clearance": ("method", "contractor"), "restoration": ("species", "funding")}


def _site_lookup(sites):
    """{lower-case id or name: site_id} for matching what plot files call a site."""
    lookup = {}
    for row in sites.itertuples():
        for key in (row.site_id, row.name_zh, row.name_en):
            if key:
                lookup[str(key).strip().lower()] = row.site_id
    return lookup


def _match_site(value, lookup):
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in lookup:
        return lookup[text]
    for key, site_id in lookup.items():
        if len(key) >= 2 and (key in text or text in key):
            return site_id
    return None


def place_in_sites(geometries, sites):
    """(site_id, township) of the site holding each plot (largest overlap), or None."""
    n = len(geometries)
    site_ids = np.full(n, None, dtype=object)
    townships = np.full(n, None, dtype=object)
    present = np.flatnonzero(~shapely.is_missing(geometries))
    if sites is None or present.size == 0:
        return site_ids, townships
    tree = shapely.STRtree(np.asarray(sites.geometry.values, dtype=object))
    plot_index, site_index = tree.query(geometries[present], predicate="intersects")
    if plot_index.size:
        overlap = shapely.area(
            shapely.intersection(
                geometries[present][plot_index], np.asarray(sites.geometry.values)[site_index]
            )
        )
        best = pd.DataFrame({"plot": plot_index, "site": site_index, "overlap": overlap})
        best = best.sort_values(["plot", "overlap"], ascending=[True, False]).drop_duplicates(
            "plot"
        )
        rows = present[best["plot"].to_numpy()]
        site_ids[rows] = sites["site_id"].to_numpy()[best["site"].to_numpy()]
        townships[rows] = sites["township"].to_numpy()[best["site"].to_numpy()]
    return site_ids, townships


def overlapping_pairs(plots, others=None):
    """[(plot_id, other plot_id, overlap m²)] of plots whose areas overlap."""
    others = plots if others is None else others
    if len(plots) == 0 or len(others) == 0:
        return []
    tree = shapely.STRtree(np.asarray(others.geometry.values, dtype=object))
    left, right = tree.query(np.asarray(plots.geometry.values, dtype=object), predicate="overlaps")
    pairs = []
    for a, b in zip(left, right, strict=True):
        first, second = plots["plot_id"].iloc[a], others["plot_id"].iloc[b]
        if others is plots and first >= second:
            continue
        if first == second:
            continue
        shared = shapely.intersection(plots.geometry.iloc[a], others.geometry.iloc[b])
        overlap = float(area_m2(geopandas.GeoSeries([shared], crs=WGS84)).iloc[0])
        if overlap >= 1.0:
            pairs.append((first, second, overlap))
    return pairs


def normalize_plots(table: RawTable, kind, options, *, file, sites=None) -> Normalized:
    """Check and convert a plots file; returns :class:`~surveys.normalize.Normalized`.

    Self-intersecting plots are repaired and reported with their area as
    drawn and after repair, or refused when no polygon is left; a row whose
    check raises an unexpected error is rejected alone (see
    :mod:`surveys.isolation`).
    """
    if kind not in PLOT_KINDS:
        raise ValueError(f"kind should be one of {PLOT_KINDS}, got {kind!r}")
    return check_isolating_rows(
        lambda part: _normalize_plots(part, kind, options, file=file, sites=sites),
        table,
        file=file,
    )


def _normalize_plots(table, kind, options, *, file, sites=None):
    frame = table.frame.reset_index(drop=True)
    n = len(frame)
    warnings = list(table.warnings)
    if n == 0:
        return only_read_rejects(table, file, "holds no plots")
    headers = match_headers(frame.columns, PLOT_HEADERS)
    problems = _Problems(n)
    if "plot_id" not in headers:
        _missing_columns(file, headers, frame, "图斑编号 / 地块编号 (plot id)")
    geometries = locate(table, frame, headers, options, problems, warnings, file, sites)
    column = headers.get("wkt") or "geometry"
    not_polygon = ~shapely.is_missing(geometries) & ~np.isin(
        shapely.get_type_id(geometries), (3, 6)
    )
    if not_polygon.any():
        kinds = np.full(n, None, dtype=object)
        kinds[not_polygon] = shapely.get_type_id(geometries[not_polygon]).astype(str)
        names = {
            "0": "Point",
            "1": "LineString",
            "4": "MultiPoint",
            "5": "MultiLineString",
            "7": "GeometryCollection",
        }
        kinds[not_polygon] = [names.get(k, k) for k in kinds[not_polygon]]
        problems.add(
            not_polygon,
            column,
            _describe(kinds, not_polygon, "a plot must be a polygon, got {value}"),
        )
    date_name = DATE_COLUMN[kind]
    when = observed_times(
        frame, headers, options, problems, file, expected="除治日期 / 种植日期 (date)"
    )
    dates = when.dt.tz_convert(options.timezone).dt.date.to_numpy(dtype=object)

    plot_ids = _text(frame[headers["plot_id"]]).to_numpy(dtype=object)
    problems.add(pd.isna(plot_ids), headers["plot_id"], "no plot id")
    repeated = pd.Series(plot_ids).duplicated(keep="first").to_numpy() & ~pd.isna(plot_ids)
    if repeated.any():
        first_row = {}
        for position, plot_id in enumerate(plot_ids):
            first_row.setdefault(plot_id, table.source_rows[position])
        shown = np.full(n, None, dtype=object)
        shown[repeated] = [f"{p}' first given at row {first_row[p]}" for p in plot_ids[repeated]]
        problems.add(
            repeated,
            headers["plot_id"],
            _describe(shown, repeated, "plot id '{value}; ids must be unique"),
        )

    sizes = np.full(n, np.nan)
    usable = ~shapely.is_missing(geometries) & ~not_polygon
    if usable.any():
        sizes[usable] = area_m2(geopandas.GeoSeries(geometries[usable], crs=WGS84)).to_numpy()
    declared = np.full(n, np.nan)
    if "declared_area" in headers:
        area_column = headers["declared_area"]
        values, bad = parse_numbers(frame[area_column].to_numpy())
        problems.add(
            bad, area_column, _describe(frame[area_column], bad, "not a number: {value!r}")
        )
        declared = values * UNITS[area_unit_of(area_column)] / UNITS["mu"]

    in_site, township_of_site = place_in_sites(geometries, sites)
    lookup = _site_lookup(sites) if sites is not None else {}
    given_site = (
        _text(frame[headers["site"]]).to_numpy(dtype=object)
        if "site" in headers
        else np.full(n, None, dtype=object)
    )
    site = np.array([_match_site(v, lookup) or v for v in given_site], dtype=object)
    site = np.where(pd.isna(site), in_site, site)
    township = (
        _text(frame[headers["township"]]).to_numpy(dtype=object)
        if "township" in headers
        else np.full(n, None, dtype=object)
    )
    township = np.where(pd.isna(township), township_of_site, township)

    date_column = headers.get("datetime") or headers.get("date") or headers.get("time")
    _enforce_invariants(
        problems,
        geometries,
        when,
        options.time_window(),
        {},
        {"geometry": column, "time": date_column},
        numbers={headers.get("declared_area", "declared_area"): declared},
    )
    refused = problems.refused()
    keep = ~refused
    area_mu = sizes / UNITS["mu"]
    rows = table.source_rows
    for position in np.flatnonzero(keep):
        if not np.isnan(declared[position]) and area_mu[position] > 0:
            gap = abs(declared[position] - area_mu[position]) / area_mu[position]
            if gap > DECLARED_AREA_TOLERANCE:
                warnings.append(
                    {
                        "row": int(rows[position]),
                        "column": headers["declared_area"],
                        "message": f"plot {plot_ids[position]}: declared {declared[position]:,.2f} mu, "
                        f"computed {area_mu[position]:,.2f} mu ({gap:.0%} apart); "
                        "the computed area is used",
                    }
                )
        if sites is not None and in_site[position] is None:
            warnings.append(
                {
                    "row": int(rows[position]),
                    "column": column,
                    "message": f"plot {plot_ids[position]} lies outside every site",
                }
            )
    text_fields = {
        f: (
            _text(frame[headers[f]]).to_numpy(dtype=object)
            if f in headers
            else np.full(n, None, dtype=object)
        )
        for f in (*_TEXT_FIELDS[kind], "notes")
    }
    used = set(headers.values())
    extra = _extra_json(frame, [c for c in frame.columns if c not in used])
    data = {
        "plot_id": plot_ids[keep],
        "site": site[keep],
        "township": township[keep],
        date_name: dates[keep],
        **{f: v[keep] for f, v in text_fields.items() if f != "notes"},
        "declared_area_mu": declared[keep],
        "area_mu": area_mu[keep],
        "area_ha": (sizes / UNITS["ha"])[keep],
        "notes": text_fields["notes"][keep],
        "extra": extra[keep],
        "source_row": rows[keep].astype(np.int64),
    }
    plots = geopandas.GeoDataFrame(
        data, geometry=geopandas.GeoSeries(geometries[keep], crs=WGS84), crs=WGS84
    )
    if kind == "clearance":
        for first, second, overlap in overlapping_pairs(plots):
            warnings.append(
                {
                    "row": None,
                    "column": None,
                    "message": f"clearance plots {first} and {second} overlap by {overlap:,.0f} m²",
                }
            )
    rejects = with_read_rejects(_rejects(frame, table.source_rows, problems), table)
    return Normalized(plots, rejects, warnings, n + len(getattr(table, "ragged", [])))
