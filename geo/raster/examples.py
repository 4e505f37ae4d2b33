"""Small rasters in memory, for the examples in these docs and for tests."""

import contextlib

import numpy as np
from rasterio.io import MemoryFile
from rasterio.transform import from_origin


def geotiff_profile(values, crs, transform, nodata=None) -> dict:
    """The profile of a one-band GeoTIFF holding ``values`` (rows x columns).

    Examples
    --------
    >>> profile = geotiff_profile(np.zeros((2, 3), "uint8"), "EPSG:32651", from_origin(0, 0, 1, 1))
    >>> profile["width"], profile["height"], profile["dtype"]
    (3, 2, dtype('uint8'))
    """
    values = np.asarray(values)
    return {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": values.dtype,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
    }


@contextlib.contextmanager
def memory_raster(
    values,
    *,
    crs: str = "EPSG:32651",
    origin: tuple[float, float] = (220000, 3030000),
    pixel: float = 10,
    nodata: float | None = None,
    scales: tuple[float, ...] | None = None,
    tags: dict | None = None,
    filename: str | None = None,
):
    """An in-memory GeoTIFF of ``values`` (rows x columns, one band), opened for
    reading: a grid of ``pixel`` CRS units from ``origin`` (its top-left
    corner), by default 10 m pixels in UTM 51N near Fuding.

    Examples
    --------
    >>> with memory_raster(np.array([[1, 2, 2]], dtype="uint8"), nodata=0) as ds:
    ...     ds.crs.to_epsg(), ds.res, ds.nodata, ds.read(1).tolist()
    (32651, (10.0, 10.0), 0.0, [[1, 2, 2]])
    """
    values = np.asarray(values)
    profile = geotiff_profile(values, crs, from_origin(*origin, pixel, pixel), nodata)
    with MemoryFile(filename=filename) as memory:
        with memory.open(**profile) as dataset:
            dataset.write(values, 1)
            if scales is not None:
                dataset.scales = scales
            if tags:
                dataset.update_tags(**tags)
        with memory.open() as dataset:
            yield dataset
