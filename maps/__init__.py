"""Whole maps assembled from layers."""

import logging
from typing import TYPE_CHECKING

from hailin.geo.lazy import lazy_exports
from hailin.maps.basemaps import BASEMAPS
from hailin.maps.kinds import MAP_KINDS

if TYPE_CHECKING:
    from hailin.maps.base import new_map
    from hailin.maps.data import MapData
    from hailin.maps.output import save_map
    from hailin.maps.programme import MAPS, clearance_map, overview_map, restoration_map

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.maps.base": ["new_map"],
        "hailin.maps.data": ["MapData"],
        "hailin.maps.output": ["save_map"],
        "hailin.maps.programme": ["MAPS", "clearance_map", "overview_map", "restoration_map"],
    },
)

__all__ = [
    "BASEMAPS",
    "MAPS",
    "MAP_KINDS",
    "MapData",
    "clearance_map",
    "new_map",
    "overview_map",
    "restoration_map",
    "save_map",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
