"""A generated history with a known risk rule, written into a real workspace.

Plots cleared by mowing only (刈割) regrow often in the first 240 days after
each clearance; every other plot rarely. Each regrowth is removed on the spot
(the plot is re-cleared that day), except in the first plot, where regrowth is
reported and left (an open case). Patrols inspect every plot once a month.
"""

import datetime

import geopandas
import numpy as np
import pandas as pd
import pyproj
import shapely

from bench.coast import write_workspace
from hailin.geo.sites import load_sites

GEOD = pyproj.Geod(ellps="GRS80")
MOWING = "刈割"
OTHER = "刈割+围淹"
START = datetime.date(2023, 1, 1)


def _grid(site, count, spacing_m=150.0, size_m=40.0):
    """``count`` squares of ``size_m`` on a grid around the site's inside point."""
    centre = load_sites().set_index("site_id").geometry[site].representative_point()
    side = int(np.ceil(np.sqrt(count)))
    squares = []
    for i in range(count):
        east, north = (i % side) * spacing_m, (i // side) * spacing_m
        lon, lat, _ = GEOD.fwd(centre.x, centre.y, 90.0, east)
        lon, lat, _ = GEOD.fwd(lon, lat, 0.0, north)
        lon2, lat2, _ = GEOD.fwd(lon, lat, 45.0, size_m * np.sqrt(2))
        squares.append(shapely.box(lon, lat, lon2, lat2))
    return squares


def clearance_plots(per_site=40, sites=("kewan", "xuncheng"), seed=5, span_days=540):
    rng = np.random.default_rng(seed)
    rows, shapes = [], []
    for site in sites:
        township = load_sites().set_index("site_id")["township"][site]
        for i, square in enumerate(_grid(site, per_site)):
            rows.append(
                {
                    "plot_id": f"{site[:2].upper()}-{i + 1:03d}",
                    "site": site,
                    "township": township,
                    "cleared_on": START + datetime.timedelta(days=int(rng.integers(0, span_days))),
                    "method": MOWING if i % 2 == 0 else OTHER,
                    "contractor": "示例",
                    "area_mu": 2.4,
                }
            )
            shapes.append(square)
    return geopandas.GeoDataFrame(rows, geometry=shapes, crs=4326)


def _record(day, finding, where, action="none", team="前岐镇"):
    time = pd.Timestamp(day).tz_localize("Asia/Shanghai") + pd.Timedelta(hours=10)
    return {
        "observed_at": time.tz_convert("UTC"),
        "finding": finding,
        "action": action,
        "patrol_type": "township_patrol",
        "team": team,
        "observer": "张三",
        "patch_area_m2": np.nan,
        "survival_pct": np.nan,
        "notes": None,
        "geometry": where,
    }


def patrol_history(plots, end, seed=6):
    """Monthly inspections of every plot from its clearance to ``end``; the rule's regrowth."""
    rng = np.random.default_rng(seed)
    rows = []
    for plot in plots.itertuples():
        where = plot.geometry.representative_point()
        cleared = plot.cleared_on
        day = cleared + datetime.timedelta(days=int(rng.integers(20, 35)))
        while day <= end:
            early = (day - cleared).days <= 240
            chance = 0.35 if plot.method == MOWING and early else 0.03
            if rng.random() < chance:
                left = plot.Index == 0
                rows.append(_record(day, "spartina_regrowth", where, "none" if left else "removed"))
                cleared = cleared if left else day
            else:
                rows.append(_record(day, "clear", where))
            day += datetime.timedelta(days=int(rng.integers(25, 35)))
    records = geopandas.GeoDataFrame(rows, geometry="geometry", crs=4326)
    records["record_key"] = np.arange(1, len(records) + 1)
    records["record_id"] = [f"gen-{k}" for k in records["record_key"]]
    return records


def generated(*, end=datetime.date(2025, 6, 30), per_site=40, span_days=540):
    """The generated sites, surveys, clearance and (no) restoration plots."""
    plots = clearance_plots(per_site, span_days=span_days)
    surveys = patrol_history(plots, end)
    restoration = plots.iloc[0:0][["plot_id", "site", "township", "area_mu", "geometry"]]
    return {
        "sites": load_sites(),
        "surveys": surveys,
        "clearance": plots,
        "restoration": restoration,
    }


def build(root, **options):
    """A workspace at ``root`` with the generated history (see :func:`generated`)."""
    return write_workspace(root, generated(**options))
