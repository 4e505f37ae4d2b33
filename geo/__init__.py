"""Pure geometry for hailin: CRS handling, GCJ-02, ellipsoidal areas, the sites.

Raster statistics live in :mod:`hailin.geo.raster`, imported on its own so that
``import geo`` does not load GDAL.
"""

import logging
from typing import TYPE_CHECKING

from hailin.geo.errors import (
    ArgumentTypeError,
    CRSError,
    GeometryError,
    HailinError,
    PlotsError,
    RasterError,
    SiteError,
    UnitError,
)
from hailin.geo.lazy import lazy_exports

if TYPE_CHECKING:
    from hailin.geo.area import InvalidGeometryWarning, area, area_m2, convert_area
    from hailin.geo.crs import (
        CGCS2000,
        GCJ02,
        WGS84,
        fit_crs_to_coordinates,
        gauss_kruger_crs,
        normalize_crs,
        to_wgs84,
        to_wgs84_geometries,
        wgs84_to_gcj02_geometries,
    )
    from hailin.geo.gcj02 import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02
    from hailin.geo.sites import KNOWN_SITES, load_sites, normalize_sites
    from hailin.geo.units import M2_PER_HA, M2_PER_MU

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.geo.area": [
            "InvalidGeometryWarning",
            "area",
            "area_m2",
            "convert_area",
        ],
        "hailin.geo.crs": [
            "CGCS2000",
            "GCJ02",
            "WGS84",
            "fit_crs_to_coordinates",
            "gauss_kruger_crs",
            "normalize_crs",
            "to_wgs84",
            "to_wgs84_geometries",
            "wgs84_to_gcj02_geometries",
        ],
        "hailin.geo.gcj02": ["gcj02_to_wgs84", "in_mainland_china", "wgs84_to_gcj02"],
        "hailin.geo.units": ["M2_PER_HA", "M2_PER_MU"],
        "hailin.geo.sites": ["KNOWN_SITES", "load_sites", "normalize_sites"],
    },
)

__all__ = [
    "CGCS2000",
    "GCJ02",
    "KNOWN_SITES",
    "M2_PER_HA",
    "M2_PER_MU",
    "WGS84",
    "ArgumentTypeError",
    "CRSError",
    "GeometryError",
    "HailinError",
    "InvalidGeometryWarning",
    "PlotsError",
    "RasterError",
    "SiteError",
    "UnitError",
    "area",
    "area_m2",
    "convert_area",
    "fit_crs_to_coordinates",
    "gauss_kruger_crs",
    "gcj02_to_wgs84",
    "in_mainland_china",
    "load_sites",
    "normalize_crs",
    "normalize_sites",
    "to_wgs84",
    "to_wgs84_geometries",
    "wgs84_to_gcj02",
    "wgs84_to_gcj02_geometries",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
