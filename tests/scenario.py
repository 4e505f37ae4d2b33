"""Small hand-made frames for ledger scenarios: one plot, records placed in metres."""

import datetime

import geopandas
import pandas as pd
import pyproj
import shapely

GEOD = pyproj.Geod(ellps="GRS80")
PLOT = shapely.box(120.3300, 27.2600, 120.3310, 27.2610)
CENTRE = (120.3305, 27.2605)
EAST_EDGE = (120.3310, 27.2605)


def east_of_edge(metres):
    lon, lat, _ = GEOD.fwd(*EAST_EDGE, 90.0, metres)
    return (lon, lat)


def plots(cleared_on=datetime.date(2023, 5, 1), geometry=PLOT, plot_id="P1"):
    return geopandas.GeoDataFrame(
        {
            "plot_id": [plot_id],
            "site": ["kewan"],
            "township": ["前岐镇"],
            "cleared_on": [cleared_on],
            "area_mu": [1.0],
        },
        geometry=[geometry],
        crs=4326,
    )


def records(*rows):
    """rows: (time, finding, where=(lon, lat), action='none', patrol_type, patch_area_m2)."""
    data = []
    for key, row in enumerate(rows, start=1):
        time, finding, *rest = row
        where = rest[0] if len(rest) > 0 else CENTRE
        action = rest[1] if len(rest) > 1 else "none"
        patrol = rest[2] if len(rest) > 2 else "township_patrol"
        patch = rest[3] if len(rest) > 3 else float("nan")
        data.append(
            {
                "record_key": key,
                "record_id": f"r{key}",
                "observed_at": pd.Timestamp(time),
                "finding": finding,
                "action": action,
                "patrol_type": patrol,
                "patch_area_m2": patch,
                "survival_pct": float("nan"),
                "geometry": shapely.Point(where),
            }
        )
    frame = geopandas.GeoDataFrame(data, geometry="geometry", crs=4326)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    return frame
