"""Rasters of key areas: coverage-weighted statistics per plot, dates, overlays.

Imported on its own (``from geo.raster import class_stats``) so that ``import
geo`` does not load GDAL.
"""

from geo.raster.classes import CLASS_COLOURS, class_colours, parse_classes
from geo.raster.dates import parse_date, raster_date
from geo.raster.io import (
    RasterInfo,
    check_raster,
    open_raster,
    pixel_window,
    raster_info,
    read_window,
)
from geo.raster.overlay import DEFAULT_RAMP, Overlay, overlay_image
from geo.raster.zonal import class_stats, value_stats

__all__ = [
    "CLASS_COLOURS",
    "DEFAULT_RAMP",
    "Overlay",
    "RasterInfo",
    "check_raster",
    "class_colours",
    "class_stats",
    "open_raster",
    "overlay_image",
    "parse_classes",
    "parse_date",
    "pixel_window",
    "raster_date",
    "raster_info",
    "read_window",
    "value_stats",
]
