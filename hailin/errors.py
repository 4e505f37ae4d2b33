"""Errors of the front (CLI, demo), under :class:`hailin.geo.errors.HailinError`."""

from hailin.geo.errors import HailinError


class DemoError(HailinError, ValueError):
    """Demo data asked for that the demo cannot make (a site it does not have)."""


class RoleError(HailinError, ValueError):
    """A portal role asked for that the portal does not have."""


class ObservationError(HailinError, ValueError):
    """An observation from the field form that cannot be read (a position or a
    measurement that is not a number, a track of too few or too many points)."""
