"""hailin (海林): the record of Spartina clearance and mangrove restoration in Fuding.

The notebook API: everything takes and returns GeoDataFrames.
"""

import logging
from typing import TYPE_CHECKING

from geo.lazy import lazy_exports

if TYPE_CHECKING:
    from geo import (
        GCJ02,
        HailinError,
        area,
        gcj02_to_wgs84,
        load_sites,
        normalize_crs,
        to_wgs84,
        wgs84_to_gcj02,
    )
    from maps import MapData, clearance_map, overview_map, restoration_map
    from surveys import Workspace, read_file, read_vector

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "geo": [
            "GCJ02",
            "HailinError",
            "area",
            "gcj02_to_wgs84",
            "load_sites",
            "normalize_crs",
            "to_wgs84",
            "wgs84_to_gcj02",
        ],
        "maps": ["MapData", "clearance_map", "overview_map", "restoration_map"],
        "surveys": ["Workspace", "read_file", "read_vector"],
    },
)

__all__ = [
    "GCJ02",
    "HailinError",
    "MapData",
    "Workspace",
    "area",
    "clearance_map",
    "gcj02_to_wgs84",
    "load_sites",
    "normalize_crs",
    "overview_map",
    "read_file",
    "read_vector",
    "restoration_map",
    "to_wgs84",
    "wgs84_to_gcj02",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
