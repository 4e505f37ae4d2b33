"""A coast-wide synthetic dataset: every coastal province from Liaoning to
Guangxi and Hainan, clearance and restoration plots along the shore, patrol
records over five years (2021-2025).

The shore of each province is a few straight reaches (rough, but in the
right places: the Hilbert partitions then see the coast's real shape). Plots
lie within 2 km of the shore, 40-130 m square; a province's reaches are cut
into counties (``<province>-NN``), each a site. Records: 85 % clear
inspections (half in a plot), 8 % Spartina findings (19 in 20 in or within
15 m of a clearance plot, the others anywhere near the shore: new
infestations), 3 % removals, 4 % planting checks in restoration plots.

Run: python -m bench.coast RECORDS PLOTS DIR  (writes a workspace at DIR)
"""

import datetime
import sys
import zlib

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.geo.sites import normalize_sites
from hailin.surveys.io.layout import SITES_LAYER, SURVEYS_LAYER, ensure_layers, plots_layer
from hailin.surveys.schema import KINDS, PLOT_COLUMNS
from hailin.surveys.workspace import Workspace

# (province, shore vertices lon/lat, counties): a rough line along each coast.
PROVINCES = [
    ("liaoning", [(120.0, 40.2), (121.0, 40.8), (122.2, 40.5), (121.3, 38.9), (124.3, 39.9)], 12),
    ("hebei", [(117.8, 39.1), (119.5, 39.8)], 6),
    ("tianjin", [(117.6, 38.7), (117.8, 39.2)], 3),
    ("shandong", [(118.5, 38.0), (120.8, 37.8), (122.5, 37.0), (120.2, 36.0), (119.2, 35.0)], 14),
    ("jiangsu", [(119.2, 35.0), (120.5, 33.5), (121.8, 32.0)], 9),
    ("shanghai", [(121.8, 31.6), (121.9, 30.9)], 3),
    ("zhejiang", [(121.9, 30.5), (121.6, 29.0), (120.8, 27.5)], 12),
    ("fujian", [(120.7, 27.3), (119.6, 26.0), (118.5, 24.5), (117.2, 23.6)], 14),
    ("guangdong", [(117.0, 23.4), (114.5, 22.5), (112.0, 21.7), (110.3, 20.3)], 16),
    ("guangxi", [(109.8, 21.5), (108.0, 21.6)], 5),
    ("hainan", [(110.2, 20.0), (111.0, 19.5), (109.5, 18.2)], 6),
]
START = pd.Timestamp("2021-01-01", tz="UTC")
YEARS = 5


def _reaches(provinces=None):
    """Every straight reach (of ``provinces``, by default all): x0, y0, x1,
    y1, first county, share of the province's shore at both ends, counties,
    length."""
    rows, county = [], 0
    names = []
    for province, line, counties in PROVINCES:
        if provinces is not None and province not in provinces:
            continue
        line = np.asarray(line, dtype=float)
        length = np.hypot(*np.diff(line, axis=0).T)
        share = np.concatenate([[0.0], np.cumsum(length)]) / length.sum()
        for i in range(len(line) - 1):
            rows.append(
                (*line[i], *line[i + 1], county, share[i], share[i + 1], counties, length[i])
            )
        names += [f"{province}-{k:02d}" for k in range(counties)]
        county += counties
    return np.array(rows), names


def _along_shore(rng, count, spread_deg, provinces):
    """``count`` places within ``spread_deg`` of the shore, and their counties."""
    reaches, names = _reaches(provinces)
    pick = rng.choice(len(reaches), count, p=reaches[:, 8] / reaches[:, 8].sum())
    t = rng.random(count)
    r = reaches[pick]
    x = r[:, 0] + t * (r[:, 2] - r[:, 0]) + rng.uniform(-spread_deg, spread_deg, count)
    y = r[:, 1] + t * (r[:, 3] - r[:, 1]) + rng.uniform(-spread_deg, spread_deg, count)
    position = r[:, 5] + t * (r[:, 6] - r[:, 5])
    county = r[:, 4].astype(int) + np.minimum((position * r[:, 7]).astype(int), r[:, 7] - 1)
    return x, y, np.asarray(names, dtype=object)[county.astype(int)]


def _plots(rng, count, kind, dates, provinces, tag):
    x, y, county = _along_shore(rng, count, 0.018, provinces)
    side = rng.uniform(0.0004, 0.0012, count)
    prefix = "CC" if kind == "clearance" else "RP"
    frame = geopandas.GeoDataFrame(
        {
            "plot_id": [f"{tag}{prefix}-{i:07d}" for i in range(count)],
            "site": county,
            "township": county,
            dict(clearance="cleared_on", restoration="planted_on")[kind]: dates,
            "area_mu": side * side * 1e10 / 666.7,
        },
        geometry=shapely.box(x, y, x + side, y + side),
        crs=4326,
    )
    return frame, (x, y, side)


def _days(rng, count, first, span_days):
    base = datetime.date.fromisoformat(first)
    return [base + datetime.timedelta(days=int(d)) for d in rng.integers(0, span_days, count)]


def _in_boxes(rng, which, boxes, outside_m=0.0):
    """Points in the boxes ``which`` (x, y, side), up to ``outside_m`` beyond their edges."""
    x, y, side = boxes
    grow = outside_m / 100_000.0
    px = x[which] - grow + rng.random(which.size) * (side[which] + 2 * grow)
    py = y[which] - grow + rng.random(which.size) * (side[which] + 2 * grow)
    return px, py


def coast(records=1_000_000, plots=100_000, seed=14, provinces=None, tag=""):
    """``{"sites", "clearance", "restoration", "surveys"}``: GeoDataFrames of a
    coast-wide dataset (EPSG:4326) with ``records`` records and ``plots``
    plots (four in five clearance plots), along the shore of ``provinces``
    (names of :data:`PROVINCES`; by default all). ``tag`` starts every plot
    and record id, and sets the record keys apart (datasets to put together).

    Examples
    --------
    >>> frames = coast(2_000, 100)
    >>> len(frames["surveys"]), len(frames["clearance"]), len(frames["restoration"])
    (2000, 80, 20)
    """
    rng = np.random.default_rng(seed)
    n_clear = plots * 4 // 5
    dates = _days(rng, n_clear, "2021-03-01", 900)
    clearance, cboxes = _plots(rng, n_clear, "clearance", dates, provinces, tag)
    dates = _days(rng, plots - n_clear, "2021-03-01", 1200)
    restoration, rboxes = _plots(rng, plots - n_clear, "restoration", dates, provinces, tag)
    roll = rng.random(records)
    finding = np.select(
        [roll < 0.85, roll < 0.93, roll < 0.96],
        ["clear", "spartina_regrowth", "clear"],
        "planting_check",
    ).astype(object)
    removal = (roll >= 0.93) & (roll < 0.96)
    x, y, _county = _along_shore(rng, records, 0.02, provinces)
    in_plot = (
        ((finding == "clear") & (rng.random(records) < 0.5))
        | ((finding == "spartina_regrowth") & (rng.random(records) < 0.95))
        | removal
    )
    chosen = np.flatnonzero(in_plot)
    x[chosen], y[chosen] = _in_boxes(rng, rng.integers(0, n_clear, chosen.size), cboxes, 15.0)
    if plots > n_clear:
        checks = np.flatnonzero(finding == "planting_check")
        which = rng.integers(0, plots - n_clear, checks.size)
        x[checks], y[checks] = _in_boxes(rng, which, rboxes)
    finding[removal] = np.where(rng.random(removal.sum()) < 0.5, "spartina_removed", "clear")
    seconds = rng.integers(0, YEARS * 365 * 86400, records)
    surveys = geopandas.GeoDataFrame(
        {
            "record_key": rng.permutation(np.arange(records, dtype=np.int64) * 7 + 1)
            + (zlib.crc32(tag.encode()) << 30 if tag else 0),
            "record_id": [f"{tag}c{i}" for i in range(records)],
            "observed_at": START + pd.to_timedelta(seconds, unit="s"),
            "patrol_type": np.array(
                ["contractor_daily", "township_patrol", "city_joint", "digital_monitoring"]
            )[rng.integers(0, 4, records)],
            "team": None,
            "observer": None,
            "finding": finding,
            "action": np.where(removal & (finding == "clear"), "removed", "none"),
            "patch_area_m2": np.where(
                finding == "spartina_regrowth", rng.uniform(1, 200, records).round(1), np.nan
            ),
            "survival_pct": np.where(
                finding == "planting_check", rng.uniform(20, 100, records).round(0), np.nan
            ),
            "notes": None,
        },
        geometry=shapely.points(x, y),
        crs=4326,
    )
    return {
        "sites": county_sites(clearance, restoration),
        "clearance": clearance,
        "restoration": restoration,
        "surveys": surveys,
    }


def county_sites(*plots):
    """One site per county: the box around its plots, grown by 3 km."""
    frame = pd.concat([p[["site", "geometry"]] for p in plots], ignore_index=True)
    boxes = geopandas.GeoDataFrame(frame, geometry="geometry", crs=4326).dissolve("site")
    bounds = boxes.bounds + np.array([-0.03, -0.03, 0.03, 0.03])
    sites = geopandas.GeoDataFrame(
        {
            "site_id": boxes.index.to_numpy(),
            "name_en": boxes.index.to_numpy(),
            "township": boxes.index.to_numpy(),  # as the plots' township: the county
        },
        geometry=shapely.box(*bounds.to_numpy().T),
        crs=4326,
    )
    return normalize_sites(sites, source="coast")


def write_workspace(root, frames) -> Workspace:
    """A new workspace at ``root`` holding ``frames`` (of :func:`coast`)."""
    ws = Workspace.create(root)
    surveys = frames["surveys"]
    with ws.store() as store:
        ensure_layers(store)
        store.replace(SITES_LAYER, frames["sites"])
        stored = surveys.assign(
            upload_id="coast", source_row=np.arange(len(surveys)), cover_pct=np.nan, extra=None
        )
        store.append(SURVEYS_LAYER, stored[[*KINDS, "geometry"]], kinds=KINDS)
        for kind in ("clearance", "restoration"):
            plots = frames[kind]
            kept = plots.assign(
                declared_area_mu=np.nan,
                area_ha=plots["area_mu"] / 15,
                notes=None,
                extra=None,
                upload_id="coast",
                source_row=np.arange(len(plots)),
            )
            for column in PLOT_COLUMNS[kind]:
                if column not in kept:
                    kept[column] = None
            store.append(
                plots_layer(kind), kept[[*PLOT_COLUMNS[kind], "geometry"]], kinds=PLOT_COLUMNS[kind]
            )
    return ws


if __name__ == "__main__":
    records, plots, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    write_workspace(folder, coast(records, plots))
    print(f"{records:,} records, {plots:,} plots along the coast: workspace {folder}")
