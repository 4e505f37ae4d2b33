"""Small rasters written at test time, with the grids the raster tests hand-compute on."""

import numpy as np
import pyproj
import rasterio
from affine import Affine

from hailin.geo.raster.examples import geotiff_profile

# An equal-area CRS on the CGCS2000 ellipsoid (China Albers): planar m² are
# ellipsoidal m², so hand-computed pixel areas are exact.
ALBERS = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
)
# Albers coordinates near Kewan (120.3E, 27.25N), rounded to 100 m.
X0, TOP = 1500000.0, 2979900.0


def write_raster(
    path,
    values,
    *,
    crs=ALBERS,
    transform=None,
    nodata=None,
    mask=None,
    tiled=False,
    block=16,
    scale=None,
    tags=None,
):
    """Write ``values`` (2-D) as a GeoTIFF; ``mask`` (True = no data) as an internal mask."""
    values = np.asarray(values)
    profile = geotiff_profile(
        values, crs, transform or Affine(10.0, 0.0, X0, 0.0, -10.0, TOP), nodata
    )
    if tiled:
        profile.update(tiled=True, blockxsize=block, blockysize=block, compress="deflate")
    with (
        rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True),
        rasterio.open(path, "w", **profile) as dataset,
    ):
        dataset.write(values, 1)
        if mask is not None:
            dataset.write_mask(np.where(np.asarray(mask), 0, 255).astype("uint8"))
        if scale is not None:
            dataset.scales = (scale,)
        for namespace, items in (tags or {}).items():
            if namespace:
                dataset.update_tags(ns=namespace, **items)
            else:
                dataset.update_tags(**items)
    return path


def utm_origin(lon, lat, epsg, step=100.0):
    """Projected coordinates of (lon, lat) in ``epsg``, rounded down to ``step``."""
    x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return float(np.floor(x / step) * step), float(np.floor(y / step) * step)
