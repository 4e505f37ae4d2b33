"""Whole maps assembled from layers."""

import logging

from maps.base import new_map
from maps.basemaps import BASEMAPS
from maps.data import MapData
from maps.output import save_map
from maps.programme import clearance_map, overview_map, restoration_map

MAPS = {"clearance": clearance_map, "restoration": restoration_map, "overview": overview_map}

__all__ = [
    "BASEMAPS",
    "MAPS",
    "MapData",
    "clearance_map",
    "new_map",
    "overview_map",
    "restoration_map",
    "save_map",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
