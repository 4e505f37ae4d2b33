"""Opening rasters, checking their georeferencing, and reading pixel windows.

This is the one module of :mod:`hailin.geo.raster` that touches paths. Everything
else takes an open rasterio dataset. Rasters are never read whole: callers
ask for a window, and GDAL's block cache is bounded while they work (see
:func:`bounded_env`).
"""

import datetime
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyproj
import rasterio
import rasterio.errors
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from hailin.geo.crs import transformer
from hailin.geo.errors import ArgumentTypeError, RasterError
from hailin.geo.offline import GDAL_OFFLINE, raster_source_reason
from hailin.geo.raster.dates import raster_date

#: What the raster functions accept: a path (opened and closed by them) or an open dataset.
RasterLike = str | os.PathLike | rasterio.io.DatasetReader

#: Largest width or height accepted (a 5 km orthomosaic at 0.5 cm is 1e6 px).
MAX_SIDE = 1_000_000
#: Most pixels one computation over plots may read (a 20,000 x 20,000 window):
#: refused before reading, whatever the raster's size.
MAX_PIXELS_READ = 400_000_000
#: GDAL block cache while hailin reads (bytes); GDAL's default is 5% of RAM.
CACHE_BYTES = 64 * 2**20
# How far (degrees) a projected raster may reach beyond its CRS's area of use:
# UTM and Gauss-Kruger grids are routinely used a little past their zones.
_AREA_OF_USE_MARGIN = 3.0
# Pixel sizes below this, in a projected CRS, are degrees, not metres or feet.
_DEGREE_SIZED_PIXEL = 0.01


@dataclass(frozen=True)
class RasterInfo:
    """What a raster is: size, grid, CRS, nodata, overviews, footprint in WGS84, date."""

    name: str
    width: int
    height: int
    band_count: int
    dtype: str
    crs: str
    resolution: tuple[float, float]
    bounds: tuple[float, float, float, float]
    bounds_wgs84: tuple[float, float, float, float]
    nodata: float | None
    has_mask: bool
    block_shape: tuple[int, int]
    overviews: tuple[int, ...]
    date: datetime.date | None


def bounded_env():
    """A ``rasterio.Env`` whose GDAL block cache is :data:`CACHE_BYTES`.

    GDAL's default cache is 5% of the machine's memory (1.2 GB here), which
    a long run over many large rasters would fill; hailin's reads need a few
    block rows at a time.
    """
    return rasterio.Env(GDAL_CACHEMAX=CACHE_BYTES, **GDAL_OFFLINE)


def open_raster(path, /, *, band: int = 1) -> rasterio.io.DatasetReader:
    """Open a raster file and check it can be measured (see :func:`check_raster`).

    Parameters
    ----------
    path : str or os.PathLike
        A GeoTIFF (tiled, COG or striped), a VRT, or anything else GDAL reads.
    band : int
        The band that will be read (1-based).

    Returns
    -------
    rasterio.io.DatasetReader
        Open; the caller closes it (``with open_raster(p) as ds:``).

    Raises
    ------
    RasterError
        Missing or unreadable file, or a raster :func:`check_raster` refuses.

    Examples
    --------
    >>> open_raster("no-such-file.tif")
    Traceback (most recent call last):
    ...
    hailin.geo.errors.RasterError: no-such-file.tif: no such file
    """
    name = os.fspath(path)
    if not name.startswith("/vsi") and not os.path.isfile(name):
        raise RasterError(f"{name}: no such file")
    reason = raster_source_reason(name)
    if reason is not None:
        raise RasterError(f"{os.path.basename(name)}: refused: {reason}")
    try:
        with rasterio.Env(**GDAL_OFFLINE):
            dataset = rasterio.open(name)
    except rasterio.errors.RasterioIOError as error:
        raise RasterError(f"{name}: not a raster GDAL can read ({error})") from None
    try:
        check_raster(dataset, band=band)
    except BaseException:
        dataset.close()
        raise
    return dataset


@contextmanager
def opened(raster, *, band: int = 1):
    """Yield a checked dataset for a path (opened and closed here) or a dataset."""
    if isinstance(raster, rasterio.io.DatasetReaderBase):
        check_raster(raster, band=band)
        yield raster
        return
    if not isinstance(raster, (str, os.PathLike)):
        raise ArgumentTypeError(
            f"'raster' should be a path or an open rasterio dataset, got {type(raster)}"
        )
    with open_raster(raster, band=band) as dataset:
        yield dataset


def dataset_name(dataset) -> str:
    """The file name of a dataset, for messages."""
    return os.path.basename(str(dataset.name)) or str(dataset.name)


def check_raster(dataset, *, band: int = 1) -> None:
    """Refuse a raster whose numbers would be wrong rather than read it.

    Checks the band number, the size (at most :data:`MAX_SIDE` a side), a
    north-up axis-aligned grid, a declared CRS, and that the coordinates can
    be in that CRS: degrees under a geographic CRS, and under a projected
    one not degree-sized pixels and a footprint near the CRS's area of use.
    A file whose ``.prj`` says WGS84 over metre coordinates is refused here,
    never answered with zeros.

    Raises
    ------
    RasterError
        With the file name and what is wrong.

    Examples
    --------
    >>> import numpy as np
    >>> from hailin.geo.raster.examples import memory_raster
    >>> metres = np.zeros((4, 4), "uint8")
    >>> with memory_raster(metres, crs="EPSG:4326", filename="prj-says-wgs84.tif") as ds:
    ...     check_raster(ds)
    Traceback (most recent call last):
    ...
    hailin.geo.errors.RasterError: prj-says-wgs84.tif: x 220000 to 220040, y 3029960 to 3030000 cannot be degrees, but the raster declares the geographic CRS 'WGS 84'; metre coordinates need their projected CRS (e.g. EPSG:32651 for UTM 51N, EPSG:4549 for CGCS2000 / 3-degree Gauss-Kruger CM 120E)
    """
    label = dataset_name(dataset)
    if not isinstance(band, int) or isinstance(band, bool) or not 1 <= band <= dataset.count:
        raise RasterError(f"{label}: band {band!r} does not exist; the raster has {dataset.count}")
    if dataset.width > MAX_SIDE or dataset.height > MAX_SIDE:
        raise RasterError(
            f"{label}: {dataset.width} x {dataset.height} pixels is past the limit of "
            f"{MAX_SIDE:,} a side"
        )
    t = dataset.transform
    if dataset.crs is None and t.is_identity:
        raise RasterError(f"{label}: the raster is not georeferenced (no CRS, no transform)")
    if t.b != 0 or t.d != 0:
        raise RasterError(
            f"{label}: the grid is rotated; warp it north-up first (gdalwarp) to measure it"
        )
    if t.a <= 0 or t.e >= 0:
        raise RasterError(
            f"{label}: the grid is not north-up (pixel size {t.a} x {t.e}); warp it first"
        )
    if dataset.crs is None:
        raise RasterError(
            f"{label}: the raster declares no coordinate reference system; "
            "write one into the file (e.g. gdal_edit.py -a_srs EPSG:32651)"
        )
    _check_coordinates(dataset, label)


def raster_crs(dataset) -> pyproj.CRS:
    """The dataset's CRS as a ``pyproj.CRS``."""
    return pyproj.CRS.from_wkt(dataset.crs.to_wkt())


def _check_coordinates(dataset, label):
    crs = raster_crs(dataset)
    left, bottom, right, top = dataset.bounds
    shown = f"x {left:.0f} to {right:.0f}, y {bottom:.0f} to {top:.0f}"
    if crs.is_geographic:
        tolerance = 1e-6
        if (
            left < -180 - tolerance
            or right > 360 + tolerance
            or bottom < -90 - tolerance
            or top > 90 + tolerance
        ):
            raise RasterError(
                f"{label}: {shown} cannot be degrees, but the raster declares the geographic "
                f"CRS {crs.name!r}; metre coordinates need their projected CRS (e.g. EPSG:32651 "
                "for UTM 51N, EPSG:4549 for CGCS2000 / 3-degree Gauss-Kruger CM 120E)"
            )
        return
    pixel = max(abs(dataset.transform.a), abs(dataset.transform.e))
    if (
        pixel < _DEGREE_SIZED_PIXEL
        and max(abs(left), abs(right)) <= 360
        and max(abs(bottom), abs(top)) <= 90
    ):
        raise RasterError(
            f"{label}: the coordinates ({left:g} to {right:g}, {bottom:g} to {top:g}) and "
            f"pixel size {pixel:g} look like degrees, but the raster declares the projected "
            f"CRS {crs.name!r}; declare EPSG:4326 or EPSG:4490 instead"
        )
    try:
        west, south, east, north = transformer(crs, 4326).transform_bounds(left, bottom, right, top)
    except pyproj.exceptions.ProjError:
        west = south = east = north = math.inf
    if not all(map(math.isfinite, (west, south, east, north))):
        raise RasterError(
            f"{label}: {shown} are outside what the CRS {crs.name!r} can place on the Earth; "
            "the declared CRS does not fit the coordinates"
        )
    use = crs.area_of_use
    if use is None:
        return
    m = _AREA_OF_USE_MARGIN
    if west > use.east + m or east < use.west - m or south > use.north + m or north < use.south - m:
        raise RasterError(
            f"{label}: {shown} in {crs.name!r} would lie at {west:.2f} to {east:.2f}E, "
            f"{south:.2f} to {north:.2f}N, far outside where that CRS is used "
            f"({use.west:g} to {use.east:g}E, {use.south:g} to {use.north:g}N); "
            "the declared CRS does not fit the coordinates"
        )


def bounds_wgs84(dataset) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the raster's footprint in EPSG:4326."""
    left, bottom, right, top = dataset.bounds
    west, south, east, north = transformer(raster_crs(dataset), 4326).transform_bounds(
        left, bottom, right, top, densify_pts=21
    )
    return float(west), float(south), float(east), float(north)


def has_mask(dataset, band: int = 1) -> bool:
    """True when pixels are masked by a mask band or alpha, not only by a nodata value."""
    flags = dataset.mask_flag_enums[band - 1]
    return MaskFlags.per_dataset in flags or MaskFlags.alpha in flags


def raster_info(dataset, *, band: int = 1) -> RasterInfo:
    """Describe an open raster (see :class:`RasterInfo`).

    Examples
    --------
    >>> import numpy as np
    >>> from hailin.geo.raster.examples import memory_raster
    >>> classes = np.zeros((20, 30), "uint8")
    >>> with memory_raster(classes, nodata=255, filename="classes_20240815.tif") as ds:
    ...     info = raster_info(ds)
    >>> info.crs, info.resolution, info.nodata, info.bounds
    ('EPSG:32651', (10.0, 10.0), 255.0, (220000.0, 3029800.0, 220300.0, 3030000.0))
    >>> info.date
    datetime.date(2024, 8, 15)
    """
    crs = raster_crs(dataset)
    code = crs.to_epsg()
    left, bottom, right, top = (float(v) for v in dataset.bounds)
    return RasterInfo(
        name=str(dataset.name),
        width=dataset.width,
        height=dataset.height,
        band_count=dataset.count,
        dtype=dataset.dtypes[band - 1],
        crs=f"EPSG:{code}" if code else crs.to_string(),
        resolution=(abs(dataset.transform.a), abs(dataset.transform.e)),
        bounds=(left, bottom, right, top),
        bounds_wgs84=bounds_wgs84(dataset),
        nodata=None if dataset.nodata is None else float(dataset.nodata),
        has_mask=has_mask(dataset, band),
        block_shape=tuple(dataset.block_shapes[band - 1]),
        overviews=tuple(dataset.overviews(band)),
        date=raster_date(dataset),
    )


def pixel_window(dataset, bounds, *, align_to_blocks: bool = False, band: int = 1) -> Window | None:
    """The window of whole pixels covering ``bounds`` (raster CRS), clipped to the raster.

    With ``align_to_blocks`` the window grows to the file's block boundaries,
    so that reading it in strips decompresses each block once. None when
    ``bounds`` miss the raster.

    Examples
    --------
    >>> import numpy as np
    >>> from hailin.geo.raster.examples import memory_raster
    >>> with memory_raster(np.zeros((20, 30), "uint8")) as ds:
    ...     pixel_window(ds, (220015, 3029900, 220031, 3029990))
    Window(col_off=1, row_off=1, width=3, height=9)
    """
    t = dataset.transform
    minx, miny, maxx, maxy = bounds
    col0 = math.floor((minx - t.c) / t.a)
    col1 = math.ceil((maxx - t.c) / t.a)
    row0 = math.floor((maxy - t.f) / t.e)
    row1 = math.ceil((miny - t.f) / t.e)
    if align_to_blocks:
        block_rows, block_cols = dataset.block_shapes[band - 1]
        col0, row0 = col0 // block_cols * block_cols, row0 // block_rows * block_rows
        col1 = -(-col1 // block_cols) * block_cols
        row1 = -(-row1 // block_rows) * block_rows
    col0, row0 = max(col0, 0), max(row0, 0)
    col1, row1 = min(col1, dataset.width), min(row1, dataset.height)
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def no_data(dataset, band: int, window: Window, values: np.ndarray) -> np.ndarray:
    """Boolean array, True where the pixels of ``window`` hold no data.

    No data is the union of the nodata value, the mask band or alpha, and
    NaN. GDAL's own mask is the mask band alone when a file has both a mask
    band and a nodata value, so the nodata value is compared here as well.
    """
    missing = dataset.read_masks(band, window=window) == 0
    if dataset.nodata is not None and has_mask(dataset, band):
        nodata = dataset.nodata
        missing |= np.isnan(values) if math.isnan(nodata) else values == nodata
    if values.dtype.kind == "f":
        missing |= np.isnan(values)
    return missing


def read_window(
    dataset, window: Window, *, band: int = 1, scaled: bool = False
) -> np.ndarray | np.ma.MaskedArray:
    """Pixels of ``window``: a plain array, or a masked one where pixels hold no data.

    No data as in :func:`no_data`. With ``scaled`` the band's scale and
    offset are applied (float64).

    Examples
    --------
    >>> import numpy as np
    >>> from hailin.geo.raster.examples import memory_raster
    >>> values = np.array([[5000, -1, 7000]], dtype="int16")
    >>> with memory_raster(values, nodata=-1, scales=(0.0001,)) as ds:
    ...     pixels = read_window(ds, Window(0, 0, 3, 1), scaled=True)
    >>> pixels.round(4).tolist()
    [[0.5, None, 0.7]]
    """
    values = dataset.read(band, window=window)
    missing = no_data(dataset, band, window, values)
    if scaled:
        scale, offset = dataset.scales[band - 1], dataset.offsets[band - 1]
        if scale != 1.0 or offset != 0.0:
            values = values.astype(np.float64) * scale + offset
    if not missing.any():
        return values
    return np.ma.masked_array(values, missing)
