"""``gdf.hailin``: areas and coordinate systems where a method reads better.

Registered when ``hailin`` is imported::

    plots.hailin.area("mu")            # a Series with the frame's index
    plots.hailin.to_gcj02()            # for Gaode / Tencent maps
    plots.hailin.to_cgcs2000(zone=40)  # Gauss-Kruger 3-degree zone 40
"""

import geopandas
import pandas as pd

from hailin.geo.area import area
from hailin.geo.errors import ArgumentTypeError
from hailin.geo.output_crs import to_cgcs2000, to_gcj02


@pd.api.extensions.register_dataframe_accessor("hailin")
class HailinAccessor:
    """hailin's methods on a GeoDataFrame (``gdf.hailin``).

    Examples
    --------
    >>> import hailin
    >>> sites = hailin.load_sites()
    >>> sites.hailin.area("ha").round(1).tolist()
    [50.7, 41.9, 45.3]
    """

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame

    def _geo(self) -> geopandas.GeoDataFrame:
        if not isinstance(self._frame, geopandas.GeoDataFrame):
            raise ArgumentTypeError("gdf.hailin works on GeoDataFrames; this is a plain DataFrame")
        return self._frame

    def area(self, unit: str = "mu") -> pd.Series:
        """Ellipsoidal area of each polygon in ``unit`` ("mu", "ha" or "m2"),
        indexed like the frame (see :func:`hailin.geo.area.area`).

        Examples
        --------
        >>> import hailin
        >>> sites = hailin.load_sites()
        >>> sites.assign(mu=sites.hailin.area("mu"))["mu"].round(0).tolist()
        [760.0, 628.0, 680.0]
        """
        return area(self._geo(), unit=unit)

    def to_gcj02(self) -> geopandas.GeoDataFrame:
        """A copy shifted to GCJ-02 (see :func:`hailin.geo.output_crs.to_gcj02`).

        Examples
        --------
        >>> import hailin
        >>> hailin.load_sites().hailin.to_gcj02().attrs["crs"]
        'gcj02'
        """
        return to_gcj02(self._geo())

    def to_cgcs2000(
        self, zone: int | str | None = None, *, prefix: bool = True
    ) -> geopandas.GeoDataFrame:
        """A copy in CGCS2000: EPSG:4490 without ``zone``, else the 3-degree
        Gauss-Kruger zone (a number, or "auto" for the data's own), with or
        without the zone ``prefix`` (see :func:`hailin.geo.output_crs.to_cgcs2000`).

        Examples
        --------
        >>> import hailin
        >>> hailin.load_sites().hailin.to_cgcs2000(zone="auto").crs.to_epsg()
        4528
        """
        return to_cgcs2000(self._geo(), zone, prefix=prefix)
