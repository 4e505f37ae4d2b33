"""hailin (海林): the record of Spartina clearance and mangrove restoration in Fuding.

The notebook API: everything takes and returns GeoDataFrames and DataFrames.

>>> import hailin
>>> ws = hailin.open_workspace("hailin-demo")  # doctest: +SKIP
>>> ws.cleared_area(by="township", when=2023)  # doctest: +SKIP

``import hailin`` also registers the ``gdf.hailin`` accessor
(:class:`hailin.accessor.HailinAccessor`).
"""

import logging

from geo import (
    GCJ02,
    HailinError,
    gcj02_to_wgs84,
    load_sites,
    normalize_crs,
    to_wgs84,
    wgs84_to_gcj02,
)
from geo.area import area_with_ids as area
from geo.output_crs import to_cgcs2000, to_gcj02
from hailin.accessor import HailinAccessor
from hailin.notebook import NotebookWorkspace, open_workspace
from maps import MapData, clearance_map, overview_map, restoration_map
from surveys import Workspace, read_file, read_vector
from surveys.stats import StatTable

__all__ = [
    "GCJ02",
    "HailinAccessor",
    "HailinError",
    "MapData",
    "NotebookWorkspace",
    "StatTable",
    "Workspace",
    "area",
    "clearance_map",
    "gcj02_to_wgs84",
    "load_sites",
    "normalize_crs",
    "open_workspace",
    "overview_map",
    "read_file",
    "read_vector",
    "restoration_map",
    "to_cgcs2000",
    "to_gcj02",
    "to_wgs84",
    "wgs84_to_gcj02",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
