"""hailin (海林): the record of Spartina clearance and mangrove restoration in Fuding.

The notebook API: everything takes and returns GeoDataFrames and DataFrames.

>>> import hailin
>>> ws = hailin.open_workspace("hailin-demo")  # doctest: +SKIP
>>> ws.cleared_area(by="township", when=2023)  # doctest: +SKIP

``import hailin`` also registers the ``gdf.hailin`` accessor
(:class:`hailin.accessor.HailinAccessor`).
"""

import importlib
import logging
import sys
from typing import TYPE_CHECKING

from hailin.geo.lazy import lazy_exports

if TYPE_CHECKING:
    from hailin.accessor import HailinAccessor
    from hailin.geo import (
        GCJ02,
        HailinError,
        gcj02_to_wgs84,
        load_sites,
        normalize_crs,
        to_wgs84,
        wgs84_to_gcj02,
    )
    from hailin.geo.output_crs import to_cgcs2000, to_gcj02
    from hailin.maps import MapData, clearance_map, overview_map, restoration_map
    from hailin.notebook import NotebookWorkspace, area, open_workspace
    from hailin.surveys import Workspace, read_file, read_vector
    from hailin.surveys.stats import StatTable

_exported, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.geo": [
            "GCJ02",
            "HailinError",
            "gcj02_to_wgs84",
            "load_sites",
            "normalize_crs",
            "to_wgs84",
            "wgs84_to_gcj02",
        ],
        "hailin.geo.output_crs": ["to_cgcs2000", "to_gcj02"],
        "hailin.accessor": ["HailinAccessor"],
        "hailin.notebook": ["NotebookWorkspace", "area", "open_workspace"],
        "hailin.maps": ["MapData", "clearance_map", "overview_map", "restoration_map"],
        "hailin.surveys": ["Workspace", "read_file", "read_vector"],
        "hailin.surveys.stats": ["StatTable"],
    },
)


def __getattr__(name: str) -> object:
    # The first use of the notebook API registers the gdf.hailin accessor too.
    importlib.import_module("hailin.accessor")
    return _exported(name)


# A session that has pandas already (a notebook) gets the accessor at once; the
# command line, which has not, starts without pandas.
if "pandas" in sys.modules:
    importlib.import_module("hailin.accessor")

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
