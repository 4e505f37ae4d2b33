"""Where a class lies inside each plot: the coverage-weighted centre of its pixels.

An early-warning record needs a place: for a plot where a classified raster
shows Spartina, the centre of the Spartina pixels it holds, each weighted by
the fraction of it the plot covers, tells a patrol where to look. When that
centre falls outside the plot (two patches at either end of a crescent), the
plot's representative point is given instead, so that the place always lies
in the plot it is about.
"""

import geopandas
import numpy as np
import shapely

from hailin.geo.crs import transformer
from hailin.geo.raster.extract import extract
from hailin.geo.raster.io import RasterLike, opened, raster_crs

_OPS = [
    ("values", "values", 0),
    ("coverage", "coverage", 0),
    ("center_x", "x", 0),
    ("center_y", "y", 0),
]


def class_centroids(
    raster: RasterLike, plots: geopandas.GeoDataFrame, value: int, *, band: int = 1
) -> geopandas.GeoSeries:
    """The coverage-weighted centre of the pixels of class ``value`` in each plot.

    Parameters
    ----------
    raster : str, os.PathLike or rasterio dataset
        A classified raster in any CRS (checked as by
        :func:`hailin.geo.raster.check_raster`).
    plots : GeoDataFrame
        Polygons with a unique ``plot_id`` column, in any CRS.
    value : int
        The pixel value of the class.
    band : int
        The band holding the classes.

    Returns
    -------
    geopandas.GeoSeries
        Points in EPSG:4326, one per plot in the plots' order (index
        ``plot_id``): the centre of the class's pixels when it lies in the
        plot, else the plot's representative point; None for a plot with no
        pixel of the class (or outside the raster).

    Examples
    --------
    >>> import numpy as np, shapely
    >>> from hailin.geo.raster.examples import memory_raster
    >>> square = shapely.box(220000, 3029980, 220030, 3030000)  # 3 x 2 pixels in UTM 51N
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["A"]}, geometry=[square], crs=32651)
    >>> with memory_raster(np.array([[1, 2, 2], [1, 1, 2]], dtype="uint8")) as ds:
    ...     centre = class_centroids(ds, plots, 2)
    >>> point = centre.to_crs(32651).iloc[0]
    >>> round(point.x, 3), round(point.y, 3)
    (220021.667, 3029991.667)
    """
    with opened(raster, band=band) as dataset:
        crs = raster_crs(dataset)
        rows, results, _base = extract(dataset, band, plots, _OPS)
    centres = np.full(len(plots), None, dtype=object)
    for row, result in zip(rows, results, strict=True):
        weights = np.where(np.asarray(result["values"]) == value, result["coverage"], 0.0)
        total = weights.sum()
        if total > 0:
            centres[row] = shapely.Point(
                float((weights * result["x"]).sum() / total),
                float((weights * result["y"]).sum() / total),
            )
    found = np.flatnonzero([centre is not None for centre in centres])
    wgs84 = np.full(len(plots), None, dtype=object)
    if found.size:
        to_wgs84 = transformer(crs, 4326)
        x, y = to_wgs84.transform(shapely.get_x(centres[found]), shapely.get_y(centres[found]))
        points = shapely.points(x, y)
        shapes = np.asarray(plots.geometry.to_crs(4326).values, dtype=object)[found]
        inside = shapely.covers(shapes, points)
        wgs84[found] = np.where(inside, points, shapely.point_on_surface(shapes))
    return geopandas.GeoSeries(wgs84, index=plots["plot_id"].to_numpy(), crs=4326)
