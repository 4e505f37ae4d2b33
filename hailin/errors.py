"""Errors of the front (CLI, demo), under :class:`geo.errors.HailinError`."""

from geo.errors import HailinError


class DemoError(HailinError, ValueError):
    """Demo data asked for that the demo cannot make (a site it does not have)."""


class RoleError(HailinError, ValueError):
    """A portal role asked for that the portal does not have."""
