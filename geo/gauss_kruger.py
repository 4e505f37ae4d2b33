"""CGCS2000 Gauss-Kruger zones: their EPSG codes, and which zone a CRS is."""

from __future__ import annotations

import re

import pyproj

from hailin.geo.errors import CRSError

# CGCS2000 Gauss-Kruger EPSG codes: (first code, first zone, zone width in degrees).
GK3_PREFIXED = (4513, 25, 3)  # zones 25-45, easting = zone * 1e6 + 500 km
GK3_PLAIN = (4534, 25, 3)  # CM 75E-135E, easting = 500 km
GK6_PREFIXED = (4491, 13, 6)  # zones 13-23
GK6_PLAIN = (4502, 13, 6)  # CM 75E-135E
ZONE_RANGE = {3: range(25, 46), 6: range(13, 24)}

# "cgcs2000:gk3:zone40", "cgcs2000:gk3:cm120", "cgcs2000:gk6:zone20"
GK_PATTERN = re.compile(r"^cgcs2000:gk(?P<width>[36]):(?P<kind>zone|cm)(?P<number>\d{1,3})$")


def gauss_kruger_crs(
    zone: int | None = None,
    *,
    central_meridian: float | None = None,
    width: int = 3,
    zone_prefix: bool = True,
) -> pyproj.CRS:
    """The CGCS2000 Gauss-Kruger CRS for a zone or a central meridian.

    Parameters
    ----------
    zone : int, optional
        The zone number (25-45 for 3-degree zones, 13-23 for 6-degree ones).
    central_meridian : float, optional
        The zone's central meridian in degrees east, when ``zone`` is not given.
    width : {3, 6}
        Zone width in degrees.
    zone_prefix : bool
        Whether eastings carry the zone number in front (40 512 345 m).

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        For a zone or meridian outside China's CGCS2000 zones.

    Examples
    --------
    >>> gauss_kruger_crs(40).to_epsg()
    4528
    >>> gauss_kruger_crs(central_meridian=120, zone_prefix=False).to_epsg()
    4549
    """
    if width not in ZONE_RANGE:
        raise CRSError(f"Gauss-Kruger zone width must be 3 or 6 degrees, got {width!r}")
    if zone is None:
        if central_meridian is None:
            raise CRSError("give a Gauss-Kruger zone number or a central meridian")
        # 3-degree zone n has CM 3n; 6-degree zone n has CM 6n - 3.
        number = central_meridian / 3 if width == 3 else (central_meridian + 3) / 6
        if number != int(number):
            raise CRSError(
                f"{central_meridian!r}E is not the central meridian of a {width}-degree zone"
            )
        zone = int(number)
    if zone not in ZONE_RANGE[width]:
        first, last = ZONE_RANGE[width][0], ZONE_RANGE[width][-1]
        raise CRSError(
            f"CGCS2000 {width}-degree Gauss-Kruger zones run {first}-{last}, got {zone!r}"
        )
    if width == 3:
        first_code, first_zone, _ = GK3_PREFIXED if zone_prefix else GK3_PLAIN
    else:
        first_code, first_zone, _ = GK6_PREFIXED if zone_prefix else GK6_PLAIN
    return pyproj.CRS.from_epsg(first_code + zone - first_zone)


def gauss_kruger_info(crs):
    """(zone, width, zone_prefix) of a CGCS2000 Gauss-Kruger CRS, else None."""
    code = crs.to_epsg() if isinstance(crs, pyproj.CRS) else None
    if code is None:
        return None
    for (first_code, first_zone, width), prefix in (
        (GK3_PREFIXED, True),
        (GK3_PLAIN, False),
        (GK6_PREFIXED, True),
        (GK6_PLAIN, False),
    ):
        count = len(ZONE_RANGE[width])
        if first_code <= code < first_code + count:
            return code - first_code + first_zone, width, prefix
    return None
