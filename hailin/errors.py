"""Errors of the front (CLI, demo), under :class:`hailin.geo.errors.HailinError`."""

from hailin.geo.errors import HailinError


class DemoError(HailinError, ValueError):
    """Demo data asked for that the demo cannot make (a site it does not have)."""


class RoleError(HailinError, ValueError):
    """A portal role asked for that the portal does not have."""
