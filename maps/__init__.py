"""Whole maps assembled from layers."""

import logging
from typing import TYPE_CHECKING

from geo.lazy import lazy_exports
from maps.basemaps import BASEMAPS
from maps.kinds import MAP_KINDS

if TYPE_CHECKING:
    from maps.base import new_map
    from maps.data import MapData
    from maps.output import save_map
    from maps.programme import MAPS, clearance_map, overview_map, restoration_map

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "maps.base": ["new_map"],
        "maps.data": ["MapData"],
        "maps.output": ["save_map"],
        "maps.programme": ["MAPS", "clearance_map", "overview_map", "restoration_map"],
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
