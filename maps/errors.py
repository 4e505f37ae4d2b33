"""Errors of whole maps, under :class:`geo.errors.HailinError`."""

from geo.errors import HailinError


class MapError(HailinError, ValueError):
    """A map asked for in a way it cannot be drawn (an unknown basemap, say)."""
