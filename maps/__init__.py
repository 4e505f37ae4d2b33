"""Whole maps assembled from layers."""

import logging

from maps.base import BASEMAPS, new_map
from maps.overview import overview_map

__all__ = ["BASEMAPS", "new_map", "overview_map"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
