"""Errors raised by hailin; every one derives from :class:`HailinError`.

The root lives in ``geo`` because ``geo`` is the package every other one
imports; the other packages subclass it in their own ``errors`` modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class HailinError(Exception):
    """Root of every error hailin raises on purpose; each subclass is also the
    builtin error that fits, so ``except ValueError`` catches a bad CRS too.

    Examples
    --------
    >>> from hailin.geo import normalize_crs
    >>> try:
    ...     normalize_crs("EPSG:99999")
    ... except HailinError as error:
    ...     print(type(error).__name__, isinstance(error, ValueError))
    CRSError True
    """


class CRSError(HailinError, ValueError):
    """A coordinate reference system that is unknown or does not fit the data.

    Examples
    --------
    >>> from hailin.geo import normalize_crs
    >>> normalize_crs("EPSG:99999")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hailin.geo.errors.CRSError: unknown coordinate reference system 'EPSG:99999': expected an EPSG code, ...
    """


class GeometryError(HailinError, ValueError):
    """A geometry of the wrong type, or one that cannot be repaired.

    Examples
    --------
    >>> import shapely
    >>> from hailin.geo import area
    >>> area(shapely.Point(120.3, 27.2))
    Traceback (most recent call last):
    hailin.geo.errors.GeometryError: area needs polygons; feature(s) 1 (Point) are not (features counted from 1)
    """

    # The positions (from 0) of the features at fault, when the raiser knows them.
    positions: np.ndarray | None = None


class SiteError(HailinError, ValueError):
    """A reserve boundary file that cannot serve as the site registry.

    Examples
    --------
    >>> import geopandas
    >>> from hailin.geo import normalize_sites
    >>> normalize_sites(geopandas.GeoDataFrame(geometry=[], crs=4326), source="reserves.geojson")
    Traceback (most recent call last):
    hailin.geo.errors.SiteError: reserves.geojson: no features
    """


class RasterError(HailinError, ValueError):
    """A raster that cannot be read or whose georeferencing cannot be right.

    Examples
    --------
    >>> from hailin.geo.raster import parse_classes
    >>> parse_classes("2:spartina")
    Traceback (most recent call last):
    hailin.geo.errors.RasterError: class spec item '2:spartina' in '2:spartina' is not VALUE=NAME (e.g. 2=spartina)
    """


class ArgumentTypeError(HailinError, TypeError):
    """An argument of the wrong type (a DataFrame where a GeoDataFrame is needed).

    Examples
    --------
    >>> from hailin.geo import area
    >>> area("plot P1")
    Traceback (most recent call last):
    hailin.geo.errors.ArgumentTypeError: 'obj' should be a GeoDataFrame, GeoSeries or shapely geometry, got <class 'str'>
    """


class UnitError(HailinError, ValueError):
    """An area unit hailin does not know.

    Examples
    --------
    >>> from hailin.geo import convert_area
    >>> convert_area(10000.0, "acre")
    Traceback (most recent call last):
    hailin.geo.errors.UnitError: unit must be one of ['ha', 'm2', 'mu'], got 'acre'
    """


class PlotsError(HailinError, ValueError):
    """Plots that cannot be measured as given (no plot_id column, repeated ids).

    Examples
    --------
    >>> import geopandas, numpy, shapely
    >>> from hailin.geo.raster import value_stats
    >>> from hailin.geo.raster.examples import memory_raster
    >>> plots = geopandas.GeoDataFrame({"name": ["P1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    >>> with memory_raster(numpy.zeros((2, 2), "uint8")) as raster:
    ...     value_stats(raster, plots)
    Traceback (most recent call last):
    hailin.geo.errors.PlotsError: 'plots' needs a plot_id column; it has name, geometry
    """
