"""Rasters of key areas: coverage-weighted statistics per plot, dates, overlays.

Imported on its own (``from geo.raster import class_stats``) so that ``import
geo`` does not load GDAL. The names below are loaded on first use, so that
:mod:`hailin.geo.raster.classes` (class specifications, pure Python) can be used, by
the settings check say, without loading GDAL either.
"""

import importlib

# Each public name and the module holding it.
_HOMES = {
    "CLASS_COLOURS": "classes",
    "class_colours": "classes",
    "parse_classes": "classes",
    "parse_date": "dates",
    "raster_date": "dates",
    "RasterInfo": "io",
    "check_raster": "io",
    "open_raster": "io",
    "pixel_window": "io",
    "raster_info": "io",
    "read_window": "io",
    "DEFAULT_RAMP": "overlay",
    "Overlay": "overlay",
    "overlay_image": "overlay",
    "class_stats": "zonal",
    "value_stats": "zonal",
    "class_centroids": "centroids",
}


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hailin.geo.raster' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hailin.geo.raster.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_HOMES])


__all__ = sorted(_HOMES)
