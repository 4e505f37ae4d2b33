"""Errors of the map layers, under :class:`hailin.geo.errors.HailinError`."""

from hailin.geo.errors import HailinError


class LayerError(HailinError, ValueError):
    """A layer asked for in a way it cannot be drawn (an unknown language, say)."""


class PageError(HailinError, TypeError):
    """Map data that would reach a page other than as escaped text or JSON."""
