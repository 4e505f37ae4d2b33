"""WGS84 <-> GCJ-02, the shifted datum of Gaode (AMap) and Tencent maps.

GCJ-02 is defined only by its forward transform (WGS84 -> GCJ-02); the inverse
is found by fixed-point iteration until the forward image of the answer is
within ``tolerance_m`` of the input. Points outside mainland China are not
shifted, as the map providers do not shift them either.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

# Krasovsky 1940 ellipsoid, which the published forward transform uses.
_A = 6378245.0
_EE = 0.00669342162296594323

# A coarse outline of mainland China (with Hainan and the near-shore islands,
# drawn generously at sea) that keeps Korea, Japan, Taiwan, Vietnam, Mongolia
# and the other neighbours out. Vertices are (lon, lat), drawn for hailin.
_MAINLAND_OUTLINE = shapely.Polygon(
    [
        (135.1, 48.4),
        (131.2, 47.7),
        (131.0, 44.9),
        (130.6, 42.4),
        (129.0, 42.1),
        (126.0, 41.4),
        (124.3, 39.8),
        (122.3, 38.9),
        (123.0, 37.4),
        (121.0, 35.0),
        (122.3, 33.0),
        (123.2, 30.5),
        (122.2, 28.3),
        (120.6, 26.6),
        (120.1, 26.0),
        (119.9, 25.2),
        (119.0, 24.4),
        (117.6, 23.0),
        (115.0, 22.2),
        (111.5, 20.8),
        (111.4, 18.0),
        (109.2, 17.8),
        (108.3, 18.8),
        (108.2, 21.5),
        (106.7, 22.0),
        (104.0, 22.7),
        (102.1, 22.4),
        (101.7, 21.1),
        (99.5, 22.1),
        (98.6, 24.1),
        (97.6, 24.9),
        (98.5, 27.6),
        (97.3, 28.2),
        (95.5, 29.2),
        (92.0, 27.8),
        (88.8, 27.2),
        (86.0, 27.9),
        (81.1, 30.0),
        (79.0, 31.4),
        (78.4, 33.5),
        (78.0, 35.5),
        (74.8, 37.0),
        (73.5, 39.4),
        (75.5, 40.6),
        (80.2, 42.1),
        (80.6, 45.1),
        (82.6, 45.4),
        (82.9, 47.2),
        (85.6, 47.2),
        (87.3, 49.2),
        (90.6, 45.4),
        (96.4, 42.7),
        (100.8, 42.7),
        (105.0, 41.6),
        (111.9, 43.7),
        (111.9, 45.1),
        (117.4, 46.6),
        (119.7, 47.2),
        (115.5, 47.9),
        (116.7, 49.85),
        (119.4, 50.3),
        (121.4, 53.4),
        (123.6, 53.6),
        (127.5, 49.8),
        (130.7, 48.9),
        (133.5, 48.2),
        (135.1, 48.4),
    ]
)
shapely.prepare(_MAINLAND_OUTLINE)


def in_mainland_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> np.ndarray:
    """Boolean array: which points fall where GCJ-02 shifts coordinates.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitudes and latitudes (broadcast together).

    Returns
    -------
    numpy.ndarray
        Booleans, one per point.

    Examples
    --------
    >>> in_mainland_china([120.33, 121.5, 135.0], [27.26, 25.03, 35.0]).tolist()
    [True, False, False]
    """
    lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
    return shapely.contains_xy(_MAINLAND_OUTLINE, lon, lat)


def _offset(lon, lat):
    """The GCJ-02 shift in degrees (dlon, dlat) for WGS84 points."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    wave = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += wave
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += wave
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 lon/lat (scalars or arrays) to GCJ-02.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 longitudes and latitudes; points outside mainland China are
        returned unshifted.

    Returns
    -------
    tuple
        (lon, lat) in GCJ-02: floats for scalar input, else arrays.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(120.33, 27.26)
    >>> round(float(lon - 120.33) * 1e4), round(float(lat - 27.26) * 1e4)
    (43, -31)
    """
    lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
    dlon, dlat = _offset(lon, lat)
    inside = in_mainland_china(lon, lat)
    out_lon = np.where(inside, lon + dlon, lon)
    out_lat = np.where(inside, lat + dlat, lat)
    if out_lon.ndim == 0:
        return float(out_lon), float(out_lat)
    return out_lon, out_lat


def gcj02_to_wgs84(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    tolerance_m: float = 0.01,
    max_iterations: int = 30,
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Undo the GCJ-02 shift: the WGS84 point whose GCJ-02 image is the input.

    Iterates until every point's forward transform lands within
    ``tolerance_m`` metres of the input (usually 3-4 rounds).

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 longitudes and latitudes.
    tolerance_m : float
        How close, in metres, the forward transform must land.
    max_iterations : int
        Rounds tried before giving up.

    Returns
    -------
    tuple
        (lon, lat) in WGS84: floats for scalar input, else arrays.

    Examples
    --------
    >>> glon, glat = wgs84_to_gcj02(120.33, 27.26)
    >>> lon, lat = gcj02_to_wgs84(glon, glat)
    >>> round(lon, 7), round(lat, 7)
    (120.33, 27.26)
    """
    lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
    scalar = lon.ndim == 0
    lon = np.atleast_1d(lon).astype(float)
    lat = np.atleast_1d(lat).astype(float)
    # Iterate with the shift applied everywhere, then keep the answer only where
    # it lies in mainland China: elsewhere the point was never shifted.
    guess_lon, guess_lat = lon.copy(), lat.copy()
    tolerance_deg = tolerance_m / 111_000.0 / 4.0
    active = np.isfinite(lon) & np.isfinite(lat)
    for _ in range(max_iterations):
        if not active.any():
            break
        dlon, dlat = _offset(guess_lon[active], guess_lat[active])
        err_lon = guess_lon[active] + dlon - lon[active]
        err_lat = guess_lat[active] + dlat - lat[active]
        guess_lon[active] -= err_lon
        guess_lat[active] -= err_lat
        done = (np.abs(err_lon) < tolerance_deg) & (np.abs(err_lat) < tolerance_deg)
        idx = np.flatnonzero(active)
        active[idx[done]] = False
    shifted = in_mainland_china(guess_lon, guess_lat)
    guess_lon = np.where(shifted, guess_lon, lon)
    guess_lat = np.where(shifted, guess_lat, lat)
    if scalar:
        return float(guess_lon[0]), float(guess_lat[0])
    return guess_lon, guess_lat
