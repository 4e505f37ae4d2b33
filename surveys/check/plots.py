"""Clearance plots (除治图斑) and restoration plots (种植地块): checked row by row.

Plots come through the same readers, CRS handling and row checks as surveys
(:func:`hailin.surveys.check.locate.locate`, :func:`hailin.surveys.check.times.observed_times`);
here is only what is particular to plots: polygons, ids, dates, declared
areas, and the site each plot lies in.
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.geo.area import UNITS, area_m2
from hailin.geo.crs import WGS84
from hailin.geo.overlay import overlapping_pairs, place_in_sites
from hailin.surveys.check.invariants import enforce_invariants
from hailin.surveys.check.isolation import check_isolating_rows
from hailin.surveys.check.locate import locate
from hailin.surveys.check.problems import (
    Normalized,
    Problems,
    checked,
    describe,
    extra_json,
    missing_columns,
    only_read_rejects,
    optional_text,
)
from hailin.surveys.check.quantities import measure_values
from hailin.surveys.check.times import observed_times, time_column
from hailin.surveys.errors import VocabularyError
from hailin.surveys.headers import PLOT_HEADERS, area_unit_of, match_headers
from hailin.surveys.io.raw import RawTable, note
from hailin.surveys.localtime import local_dates
from hailin.surveys.schema import DATE_COLUMN, PLOT_KINDS, TEXT_FIELDS

# A declared area further than this from the computed one is reported.
DECLARED_AREA_TOLERANCE = 0.05
_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    4: "MultiPoint",
    5: "MultiLineString",
    7: "GeometryCollection",
}


def normalize_plots(table: RawTable, kind, options, *, file, sites=None) -> Normalized:
    """Check and convert a plots file; returns :class:`~surveys.check.problems.Normalized`.

    Self-intersecting plots are repaired and reported with their area as
    drawn and after repair, or refused when no polygon is left; a row whose
    check raises an unexpected error is rejected alone (see
    :mod:`hailin.surveys.check.isolation`).
    """
    if kind not in PLOT_KINDS:
        raise VocabularyError(f"kind should be one of {PLOT_KINDS}, got {kind!r}")
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
    problems = Problems(n)
    if "plot_id" not in headers:
        missing_columns(file, frame, "图斑编号 / 地块编号 (plot id)")
    geometries = locate(table, frame, headers, options, problems, warnings, file, sites)
    column = headers.get("wkt") or "geometry"
    not_polygon = _refuse_other_shapes(geometries, problems, column)
    when = observed_times(
        frame, headers, options, problems, file, "除治日期 / 种植日期 (date)", warnings
    )
    plot_ids = _plot_ids(frame, headers, table.source_rows, problems)
    sizes = np.full(n, np.nan)
    usable = ~shapely.is_missing(geometries) & ~not_polygon
    if usable.any():
        sizes[usable] = area_m2(geopandas.GeoSeries(geometries[usable], crs=WGS84)).to_numpy()
    declared = _declared_area(frame, headers, problems)
    in_site, township_of_site = place_in_sites(geometries, sites)
    enforce_invariants(
        problems,
        geometries,
        when,
        options.time_window(),
        {},
        {"geometry": column, "time": time_column(headers)},
        numbers={headers.get("declared_area", "declared_area"): declared},
    )
    keep = ~problems.refused()
    area_mu = sizes / UNITS["mu"]
    for position in np.flatnonzero(keep):
        row, plot_id = int(table.source_rows[position]), plot_ids[position]
        warnings.extend(
            _plot_notes(plot_id, row, declared[position], area_mu[position], headers, column)
        )
        if sites is not None and in_site[position] is None:
            warnings.append(note(f"plot {plot_id} lies outside every site", row=row, column=column))
    text_fields = {f: optional_text(frame, headers, f) for f in (*TEXT_FIELDS[kind], "notes")}
    township = optional_text(frame, headers, "township")
    used = set(headers.values())
    data = {
        "plot_id": plot_ids,
        "site": _sites(frame, headers, sites, in_site),
        "township": np.where(pd.isna(township), township_of_site, township),
        DATE_COLUMN[kind]: local_dates(when, options.timezone).to_numpy(dtype=object),
        **{f: v for f, v in text_fields.items() if f != "notes"},
        "declared_area_mu": declared,
        "area_mu": area_mu,
        "area_ha": sizes / UNITS["ha"],
        "notes": text_fields["notes"],
        "extra": extra_json(frame, [c for c in frame.columns if c not in used]),
        "source_row": table.source_rows.astype(np.int64),
    }
    plots = geopandas.GeoDataFrame(
        {name: values[keep] for name, values in data.items()},
        geometry=geopandas.GeoSeries(geometries[keep], crs=WGS84),
        crs=WGS84,
    )
    if kind == "clearance":
        for first, second, overlap in overlapping_pairs(plots):
            warnings.append(
                note(f"clearance plots {first} and {second} overlap by {overlap:,.0f} m²")
            )
    return checked(table, frame, problems, plots, warnings)


def _refuse_other_shapes(geometries, problems, column):
    """Refuse geometries that are no polygon; returns their mask."""
    not_polygon = ~shapely.is_missing(geometries) & ~np.isin(
        shapely.get_type_id(geometries), (3, 6)
    )
    if not_polygon.any():
        kinds = np.full(len(geometries), None, dtype=object)
        kinds[not_polygon] = [
            _TYPE_NAMES.get(k, str(k)) for k in shapely.get_type_id(geometries[not_polygon])
        ]
        problems.add(
            not_polygon,
            column,
            describe(kinds, not_polygon, "a plot must be a polygon, got {value}"),
        )
    return not_polygon


def _plot_ids(frame, headers, source_rows, problems):
    """The plot ids; a missing id and a repeated one are refused."""
    column = headers["plot_id"]
    plot_ids = optional_text(frame, headers, "plot_id")
    problems.add(pd.isna(plot_ids), column, "no plot id")
    repeated = pd.Series(plot_ids).duplicated(keep="first").to_numpy() & ~pd.isna(plot_ids)
    if repeated.any():
        first_row: dict[str, int] = {}
        for position, plot_id in enumerate(plot_ids):
            first_row.setdefault(plot_id, source_rows[position])
        shown = np.full(len(plot_ids), None, dtype=object)
        shown[repeated] = [f"{p}' first given at row {first_row[p]}" for p in plot_ids[repeated]]
        problems.add(
            repeated, column, describe(shown, repeated, "plot id '{value}; ids must be unique")
        )
    return plot_ids


def _declared_area(frame, headers, problems):
    """The area a file declares per plot, in mu (its header names the unit)."""
    if "declared_area" not in headers:
        return np.full(len(frame), np.nan)
    column = headers["declared_area"]
    # A unit written in a cell wins over the header's (2公顷 in a 面积(亩) column is 30 mu).
    plain = UNITS[area_unit_of(column)]
    values, bad = measure_values(frame[column].to_numpy(), "area", plain)
    problems.add(bad, column, describe(frame[column], bad, "not an area: {value!r}"))
    return values / UNITS["mu"]


def _plot_notes(plot_id, row, declared, computed, headers, column):
    """A note when the declared area is more than the tolerance off the computed one."""
    if np.isnan(declared) or not computed > 0:
        return []
    gap = abs(declared - computed) / computed
    if gap <= DECLARED_AREA_TOLERANCE:
        return []
    return [
        note(
            f"plot {plot_id}: declared {declared:,.2f} mu, computed {computed:,.2f} mu "
            f"({gap:.0%} apart); the computed area is used",
            row=row,
            column=headers["declared_area"],
        )
    ]


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


def _sites(frame, headers, sites, in_site):
    """The site of each plot: the one its site column names (by id or name),
    else the one it lies in."""
    lookup = _site_lookup(sites) if sites is not None else {}
    given = optional_text(frame, headers, "site")
    site = np.array([_match_site(v, lookup) or v for v in given], dtype=object)
    return np.where(pd.isna(site), in_site, site)
