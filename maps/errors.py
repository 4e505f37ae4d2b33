"""Errors the maps raise; each is a :class:`hailin.geo.errors.HailinError`."""

from hailin.geo.errors import HailinError


class MapError(HailinError, ValueError):
    """A map that cannot be drawn as asked (an unknown or unusable basemap)."""


class AssetError(HailinError, OSError):
    """Map scripts or stylesheets that cannot be found or are not the pinned files."""


class TileFileError(HailinError, ValueError):
    """An MBTiles or PMTiles basemap file that cannot be read or drawn."""
