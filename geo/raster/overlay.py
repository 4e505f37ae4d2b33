"""A display image of a raster for web maps: a PNG with its WGS84 bounds and legend.

The raster is read at display size, from its overviews when it has them
(GDAL picks the level) or by decimated reading otherwise, so a 10,980 x
10,980 tile never sits in memory at full resolution. The small image is then
warped to Web Mercator (EPSG:3857, what Leaflet draws an image overlay in)
or to EPSG:4326, and coloured: classes in their legend colours, continuous
values along a colour ramp. Pixels without data, and class values not
named, are transparent.
"""

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import rasterio
import rasterio.errors
from affine import Affine
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.warp import calculate_default_transform, reproject

from hailin.geo.crs import transformer
from hailin.geo.errors import RasterError
from hailin.geo.raster.classes import class_colours, normalize_colour, parse_classes
from hailin.geo.raster.io import RasterLike, bounded_env, opened

#: Red-yellow-green ramp (ColorBrewer RdYlGn), low to high, for index rasters.
DEFAULT_RAMP = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
_DISPLAY_CRS = {"EPSG:3857": 3857, "EPSG:4326": 4326}


@dataclass(frozen=True)
class Overlay:
    """A coloured display image of a raster.

    ``png`` is RGBA; ``bounds`` are (west, south, east, north) in degrees
    (WGS84) of the image's edges; ``legend`` holds (label, "#rrggbb") pairs:
    class names, or ramp stop values for continuous data.
    """

    png: bytes
    bounds: tuple[float, float, float, float]
    crs: str
    width: int
    height: int
    legend: tuple[tuple[str, str], ...]


def _rgb(colour):
    colour = normalize_colour(colour)
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _ramp_stops(ramp, values):
    """[(value, colour)] from a given ramp or from the data's 2nd-98th percentiles."""
    if ramp is not None:
        stops = [(float(value), normalize_colour(colour)) for value, colour in ramp]
        if len(stops) < 2 or any(b[0] <= a[0] for a, b in itertools.pairwise(stops)):
            raise RasterError("a colour ramp needs two or more stops with rising values")
        return stops
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        low, high = 0.0, 1.0
    else:
        low, high = (float(v) for v in np.percentile(finite, [2, 98]))
        if high <= low:
            high = low + 1.0
    count = len(DEFAULT_RAMP)
    return [(low + (high - low) * i / (count - 1), colour) for i, colour in enumerate(DEFAULT_RAMP)]


def _colour_classes(values, colours):
    rgba = np.zeros((4, *values.shape), dtype=np.uint8)
    keys = np.array(sorted(colours), dtype=np.int64)
    table = np.array([(*_rgb(colours[k]), 255) for k in keys], dtype=np.uint8)
    index = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
    known = keys[index] == values
    for channel in range(4):
        rgba[channel][known] = table[index[known], channel]
    return rgba


def _colour_ramp(values, stops):
    rgba = np.zeros((4, *values.shape), dtype=np.uint8)
    finite = np.isfinite(values)
    positions = [value for value, _colour in stops]
    channels = np.array([_rgb(colour) for _value, colour in stops], dtype=float)
    for channel in range(3):
        rgba[channel][finite] = np.round(np.interp(values[finite], positions, channels[:, channel]))
    rgba[3][finite] = 255
    return rgba


def _png(rgba):
    height, width = rgba.shape[1:]
    with warnings.catch_warnings():
        # A PNG for an overlay carries no georeferencing; its bounds travel beside it.
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with MemoryFile() as memory:
            with memory.open(
                driver="PNG", width=width, height=height, count=4, dtype="uint8"
            ) as image:
                image.write(rgba)
            return memory.read()


def overlay_image(
    raster: RasterLike,
    *,
    classes: str | Mapping | None = None,
    colours: Mapping | None = None,
    ramp: Sequence[tuple[float, str]] | None = None,
    band: int = 1,
    crs: str = "EPSG:3857",
    max_size: int = 2048,
) -> Overlay:
    """Colour a raster into a display PNG for a web map.

    Parameters
    ----------
    raster : str, os.PathLike or rasterio dataset
        Any raster :func:`hailin.geo.raster.check_raster` accepts.
    classes : str or mapping, optional
        For a classified raster: ``"1=mangrove,2=spartina"`` (see
        :func:`hailin.geo.raster.parse_classes`). Without it values are continuous.
    colours : mapping, optional
        Class colours by name or value; known names have defaults
        (:data:`hailin.geo.raster.CLASS_COLOURS`).
    ramp : sequence of (value, colour), optional
        Stops of a continuous ramp, rising; default: red-yellow-green from
        the 2nd to the 98th percentile of the displayed values.
    band : int
        Band to show.
    crs : {"EPSG:3857", "EPSG:4326"}
        The image's grid: Web Mercator for Leaflet maps, or plain degrees.
    max_size : int
        Longest side of the image in pixels.

    Returns
    -------
    Overlay
        PNG bytes, WGS84 bounds (west, south, east, north), size, legend.

    Examples
    --------
    >>> import numpy as np
    >>> from hailin.geo.raster.examples import memory_raster
    >>> stripes = np.repeat(np.arange(1, 5, dtype="uint8"), 100)[None, :].repeat(300, 0)
    >>> with memory_raster(stripes) as ds:
    ...     image = overlay_image(ds, classes="1=mangrove,2=spartina", max_size=256)
    >>> image.png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", max(image.width, image.height) <= 256
    (True, True)
    >>> image.legend
    (('mangrove', '#1b7837'), ('spartina', '#e6550d'))
    >>> [round(v, 3) for v in image.bounds]
    [120.169, 27.338, 120.21, 27.365]
    """
    if crs not in _DISPLAY_CRS:
        raise RasterError(f"crs must be one of {sorted(_DISPLAY_CRS)}, got {crs!r}")
    if not isinstance(max_size, int) or max_size < 16:
        raise RasterError(f"max_size must be a whole number of pixels >= 16, got {max_size!r}")
    named = None if classes is None else parse_classes(classes)
    source, fill, grid = _read_for_display(raster, band, max_size, classified=named is not None)
    target, transform = _reproject_for_display(source, fill, grid, _DISPLAY_CRS[crs], max_size)
    if named is not None:
        colours_by_value = class_colours(named, colours)
        rgba = _colour_classes(target, colours_by_value)
        legend = tuple((named[v], colours_by_value[v]) for v in named)
    else:
        stops = _ramp_stops(ramp, target)
        rgba = _colour_ramp(target, stops)
        legend = tuple((f"{value:.3g}", colour) for value, colour in stops)
    height, width = target.shape
    left, top = transform.c, transform.f
    right, bottom = left + width * transform.a, top + height * transform.e
    to_wgs84 = transformer(_DISPLAY_CRS[crs], 4326)
    (west, east), (north, south) = to_wgs84.transform([left, right], [top, bottom])
    return Overlay(
        png=_png(rgba),
        bounds=(float(west), float(south), float(east), float(north)),
        crs=crs,
        width=width,
        height=height,
        legend=legend,
    )


def _read_for_display(raster, band, max_size, *, classified):
    """(values, fill, (transform, crs, shape, bounds)): the band read at about
    ``max_size`` pixels (GDAL picks the best overview), missing pixels as
    ``fill`` (-1 for classes, NaN for values, which are scaled)."""
    with opened(raster, band=band) as dataset, bounded_env():
        factor = max(1.0, max(dataset.width, dataset.height) / max_size)
        shape = (
            max(1, math.ceil(dataset.height / factor)),
            max(1, math.ceil(dataset.width / factor)),
        )
        # Nearest keeps class codes intact; GDAL reads the best overview for the size.
        values = dataset.read(band, out_shape=shape, masked=True, resampling=Resampling.nearest)
        missing = np.ma.getmaskarray(values)
        values = np.ma.getdata(values)
        # With a mask band GDAL's mask leaves the nodata value out; add it back.
        nodata = dataset.nodata
        if nodata is not None:
            missing = missing | (np.isnan(values) if math.isnan(nodata) else values == nodata)
        if values.dtype.kind == "f":
            missing = missing | np.isnan(values)
        scale, offset = dataset.scales[band - 1], dataset.offsets[band - 1]
        transform = dataset.transform @ Affine.scale(
            dataset.width / shape[1], dataset.height / shape[0]
        )
        grid = (transform, dataset.crs, shape, dataset.bounds)
    if classified:
        return np.where(missing, -1, values.astype(np.int64)), -1, grid
    return np.where(missing, np.nan, values.astype(np.float64) * scale + offset), np.nan, grid


def _reproject_for_display(source, fill, grid, epsg, max_size):
    """(image, its transform): ``source`` on the display CRS's grid, at most
    ``max_size`` pixels a side, by nearest neighbour."""
    source_transform, source_crs, shape, bounds = grid
    target_crs = rasterio.crs.CRS.from_epsg(epsg)
    transform, width, height = calculate_default_transform(
        source_crs, target_crs, shape[1], shape[0], *bounds
    )
    grow = max(width, height) / max_size
    if grow > 1:
        transform = transform @ Affine.scale(grow)
        width, height = math.ceil(width / grow), math.ceil(height / grow)
    target = np.full((height, width), fill, dtype=source.dtype)
    reproject(
        source,
        target,
        resampling=Resampling.nearest,
        **_warp_side("src", source_transform, source_crs, fill),
        **_warp_side("dst", transform, target_crs, fill),
    )
    return target, transform


def _warp_side(side, transform, crs, nodata):
    """reproject's keywords for one side of a warp ("src" or "dst")."""
    return {f"{side}_transform": transform, f"{side}_crs": crs, f"{side}_nodata": nodata}
