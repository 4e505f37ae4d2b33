"""A workspace with clearance and restoration plots over small hand-made rasters.

Everything is laid out on a 10 m grid in China Albers (equal-area, so a pixel
is exactly 100 m² of ground) near the Kewan reserve: three clearance plots of
10 x 10 pixels side by side (A, B, C) and one far outside the rasters (D), and
two restoration plots (Z1, Z2) of 10 x 10 pixels below A and B.
"""

import geopandas
import numpy as np
import shapely
from affine import Affine

from tests.rasters import ALBERS, utm_origin, write_raster

CLASSES = "1=mangrove,2=spartina,3=mudflat,4=water"
# The grid's top-left corner, near Kewan (120.33E, 27.26N).
X0, TOP = utm_origin(120.33, 27.26, ALBERS)
TRANSFORM = Affine(10.0, 0.0, X0, 0.0, -10.0, TOP)
CLEARED = {"A": "2023-04-12", "B": "2023-04-12", "C": "2024-09-01", "D": "2023-04-12"}


def cell_box(col, row, cols=10, rows=10):
    """The Albers box of ``cols`` x ``rows`` pixels from pixel (col, row)."""
    left, top = X0 + 10 * col, TOP - 10 * row
    return shapely.box(left, top - 10 * rows, left + 10 * cols, top)


def write_plots(folder):
    """(clearance file, restoration file), GeoJSON in EPSG:4326."""
    clearance = geopandas.GeoDataFrame(
        {"plot_id": list(CLEARED), "cleared_on": list(CLEARED.values())},
        geometry=[cell_box(0, 0), cell_box(10, 0), cell_box(20, 0), cell_box(0, 40)],
        crs=ALBERS,
    ).to_crs(4326)
    restoration = geopandas.GeoDataFrame(
        {"plot_id": ["Z1", "Z2"], "planted_on": ["2022-11-02", "2022-11-02"]},
        geometry=[cell_box(0, 10), cell_box(10, 10)],
        crs=ALBERS,
    ).to_crs(4326)
    clearance.to_file(folder / "clearance.geojson")
    restoration.to_file(folder / "restoration.geojson")
    return folder / "clearance.geojson", folder / "restoration.geojson"


def classified(spartina_a=6, spartina_b=4, spartina_c=10, mangrove=(30, 60)):
    """30 x 20 pixels of mudflat (3): Spartina (2) on the first ``spartina_a``,
    ``spartina_b``, ``spartina_c`` pixels of the top row of plots A, B, C, and
    mangrove (1) on the first pixels of Z1 and Z2 (their row-major order)."""
    values = np.full((20, 30), 3, dtype="uint8")
    for col, count in ((0, spartina_a), (10, spartina_b), (20, spartina_c)):
        block = values[0:10, col : col + 10].reshape(-1)
        block[:count] = 2
        values[0:10, col : col + 10] = block.reshape(10, 10)
    for col, count in zip((0, 10), mangrove, strict=True):
        block = values[10:20, col : col + 10].reshape(-1)
        block[:count] = 1
        values[10:20, col : col + 10] = block.reshape(10, 10)
    return values


def write_classified(path, values=None, *, crs=ALBERS, **options):
    """Write ``values`` (default :func:`classified`) on the grid as a GeoTIFF."""
    values = classified() if values is None else values
    return write_raster(path, values, crs=crs, transform=TRANSFORM, **options)


def seeded_workspace(ws, folder):
    """Import the plots into ``ws``; returns it."""
    clearance, restoration = write_plots(folder)
    assert ws.import_file(clearance, kind="clearance").status == "accepted"
    assert ws.import_file(restoration, kind="restoration").status == "accepted"
    return ws
