"""Errors raised by hailin; every one derives from :class:`HailinError`.

The root lives in ``geo`` because ``geo`` is the package every other one
imports; the other packages subclass it in their own ``errors`` modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class HailinError(Exception):
    """Root of every error hailin raises on purpose."""


class CRSError(HailinError, ValueError):
    """A coordinate reference system that is unknown or does not fit the data."""


class GeometryError(HailinError, ValueError):
    """A geometry of the wrong type, or one that cannot be repaired."""

    # The positions (from 0) of the features at fault, when the raiser knows them.
    positions: np.ndarray | None = None


class SiteError(HailinError, ValueError):
    """A reserve boundary file that cannot serve as the site registry."""


class RasterError(HailinError, ValueError):
    """A raster that cannot be read or whose georeferencing cannot be right."""


class ArgumentTypeError(HailinError, TypeError):
    """An argument of the wrong type (a DataFrame where a GeoDataFrame is needed)."""


class UnitError(HailinError, ValueError):
    """An area unit hailin does not know."""


class PlotsError(HailinError, ValueError):
    """Plots that cannot be measured as given (no plot_id column, repeated ids)."""
