"""Demo rasters (illustrative): a classified drone orthomosaic and two index dates.

* ``<site>_classes_YYYYMMDD.tif``: one reserve classified at 2 m in CGCS2000 /
  3-degree Gauss-Kruger CM 120E (EPSG:4549), as a drone survey is delivered:
  1 mangrove, 2 spartina, 3 mudflat, 4 water, 0 no data (outside the flight).
  Tidal channels, an old mangrove fringe, young mangrove in clumps over the
  restoration plots (each plot its own cover), and Spartina regrowth patches
  of 450-1,300 m² in a few cleared plots, plus specks of 16 m² in two more
  (too small to pass a sensible minimum area).
* ``ndvi_YYYY-MM-DD.tif`` (two dates): an NDVI-like float32 index at 10 m in
  UTM 51N (EPSG:32651, the Sentinel-2 grid) over all three reserves: planted
  plots greening between the dates, the Spartina patches showing on the
  second, open water around the reserves, and a cloud masked as nodata
  (-9999) on the first.

Everything is drawn from the sites and plot frames with a fixed seed, so the
same frames give the same files. The dates sit in the file names and in the
tags (``TIFFTAG_DATETIME`` for the processing day, ``ACQUISITIONDATETIME``
in the IMAGERY domain for the overpass).
"""

import os
from dataclasses import dataclass

import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.features import rasterize

from hailin.errors import DemoError
from hailin.geo.crs import transformer

CLASSES = "1=mangrove,2=spartina,3=mudflat,4=water"
CLASS_DATE = "2024-08-15"
INDEX_DATES = ("2023-11-15", "2024-09-15")
SPARTINA_PLOTS = 4
_CLASS_CRS = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
_INDEX_CRS = 32651  # WGS 84 / UTM 51N
_CLASS_PIXEL = 2.0
_INDEX_PIXEL = 10.0
_NODATA_INDEX = -9999.0
_MARGIN = 40.0  # metres of flight beyond the reserve boundary


@dataclass(frozen=True)
class DemoRasters:
    """Paths of the written rasters and what they hold, for the demo and tests."""

    classified: str
    index: tuple[str, ...]
    classes: str
    site_id: str
    spartina_plots: tuple[str, ...]
    speck_plots: tuple[str, ...]


def _landscape(x, y, seed):
    """Water channels and old mangrove fringe as functions of Gauss-Kruger metres."""
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * np.pi, 4)
    meander = 60 * np.sin(x / 310 + phases[0]) + 25 * np.sin(x / 97 + phases[1])
    channel = np.abs(np.mod(y + meander, 700) - 350) < 9 + 4 * np.sin(x / 53 + phases[2])
    fringe = np.mod(y + meander, 700) < 45
    fringe &= np.sin(x / 41 + phases[3]) * np.cos(y / 37) > -0.3
    return channel, fringe


def _clumps(x, y, cover, seed):
    """Mangrove clumps: True on about ``cover`` of the pixels, in 6-10 m clusters."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.uniform(0, 2 * np.pi, 3)
    field = np.sin(x / 4.1 + a) * np.sin(y / 3.7 + b) + 0.5 * np.sin((x + y) / 6.3 + c)
    # field is roughly symmetric in [-1.5, 1.5]; its quantiles give the cover.
    level = np.quantile(field, 1 - cover) if field.size else 0.0
    return field > level


def _profile(crs, transform, width, height, dtype, nodata):
    return {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": dtype,
        "nodata": nodata,
        "crs": f"EPSG:{crs}",
        "transform": transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }


def _pick_plots(clearance, site_id, rng):
    candidates = clearance[clearance["site_id"] == site_id]
    order = rng.permutation(len(candidates))
    chosen = candidates.iloc[order[: SPARTINA_PLOTS + 2]]
    return chosen.iloc[:SPARTINA_PLOTS], chosen.iloc[SPARTINA_PLOTS:]


def _patch_centre(polygon, radius, rng):
    core = polygon.buffer(-radius - 2.0)
    if core.is_empty:
        return polygon.representative_point()
    minx, miny, maxx, maxy = core.bounds
    for _ in range(1000):
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if core.contains(point):
            return point
    return core.representative_point()


def write_demo_rasters(
    folder, sites, clearance, restoration, *, site_id: str = "kewan", seed: int = 2023
) -> DemoRasters:
    """Write the classified raster and two index rasters into ``folder``.

    Parameters
    ----------
    folder : str or os.PathLike
        Created if missing.
    sites, clearance, restoration : GeoDataFrame
        The site registry and demo plots (:func:`hailin.demo_data.demo_plots`),
        EPSG:4326.
    site_id : str
        The reserve the drone survey covers.
    seed : int
        Fixes every random choice.

    Returns
    -------
    DemoRasters
        Paths, the class specification, and which clearance plots hold
        Spartina patches (and which only specks).

    Examples
    --------
    >>> import tempfile
    >>> from hailin.geo.sites import load_sites
    >>> from hailin.demo_data import demo_plots
    >>> sites = load_sites()
    >>> clearance, restoration = demo_plots(sites)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     demo = write_demo_rasters(folder, sites, clearance, restoration)
    ...     names = sorted(os.listdir(folder))
    >>> names
    ['kewan_classes_20240815.tif', 'ndvi_2023-11-15.tif', 'ndvi_2024-09-15.tif']
    >>> len(demo.spartina_plots)
    4
    """
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    site = sites.loc[sites["site_id"] == site_id]
    if site.empty:
        raise DemoError(f"no site {site_id!r} among {', '.join(sites['site_id'])}")
    spartina, specks = _pick_plots(clearance, site_id, rng)
    metric = {
        "site": site.to_crs(_CLASS_CRS).geometry.iloc[0],
        "spartina": spartina.to_crs(_CLASS_CRS),
        "specks": specks.to_crs(_CLASS_CRS),
        "restoration": restoration.to_crs(_CLASS_CRS),
        "all_sites": sites.to_crs(_CLASS_CRS),
    }
    patches = []
    for polygon in metric["spartina"].geometry:
        radius = rng.uniform(12.0, 20.0)
        patches.append(_patch_centre(polygon, radius, rng).buffer(radius))
    for polygon in metric["specks"].geometry:
        centre = _patch_centre(polygon, 4.0, rng)
        patches.append(shapely.box(centre.x - 2, centre.y - 2, centre.x + 2, centre.y + 2))
    covers = rng.uniform(0.15, 0.6, len(restoration))

    classified = os.path.join(folder, f"{site_id}_classes_{CLASS_DATE.replace('-', '')}.tif")
    _write_classified(classified, metric, patches, covers, seed)
    scene = _index_scene(metric, patches[:SPARTINA_PLOTS], covers, seed)
    index_paths = []
    for number, day in enumerate(INDEX_DATES):
        path = os.path.join(folder, f"ndvi_{day}.tif")
        _write_index(path, day, number, scene, seed)
        index_paths.append(path)
    return DemoRasters(
        classified=classified,
        index=tuple(index_paths),
        classes=CLASSES,
        site_id=site_id,
        spartina_plots=tuple(spartina["plot_id"]),
        speck_plots=tuple(specks["plot_id"]),
    )


def _grid(bounds, pixel):
    minx, miny, maxx, maxy = bounds
    left = np.floor((minx - _MARGIN) / pixel) * pixel
    top = np.ceil((maxy + _MARGIN) / pixel) * pixel
    width = int(np.ceil((maxx + _MARGIN - left) / pixel))
    height = int(np.ceil((top - miny + _MARGIN) / pixel))
    return Affine(pixel, 0.0, left, 0.0, -pixel, top), width, height


def _centres(transform, width, height):
    cols = transform.c + (np.arange(width) + 0.5) * transform.a
    rows = transform.f + (np.arange(height) + 0.5) * transform.e
    return np.meshgrid(cols, rows)


def _write_classified(path, metric, patches, covers, seed):
    transform, width, height = _grid(metric["site"].bounds, _CLASS_PIXEL)
    x, y = _centres(transform, width, height)
    shape = (height, width)
    flown = rasterize([metric["site"].buffer(_MARGIN)], out_shape=shape, transform=transform)
    # x varies by column and y by row only: the landscape is drawn on a row and a
    # column and broadcast (the same values, a fraction of the work).
    channel, fringe = _landscape(x[:1, :], y[:, :1], seed)
    classes = np.full(shape, 3, dtype=np.uint8)
    classes[fringe] = 1
    plot_ids = rasterize(
        ((g, n + 1) for n, g in enumerate(metric["restoration"].geometry)),
        out_shape=shape,
        transform=transform,
        dtype="int32",
    )
    for number in np.unique(plot_ids[plot_ids > 0]):
        inside = plot_ids == number
        grown = _clumps(x[inside], y[inside], covers[number - 1], seed + int(number))
        classes[inside] = np.where(grown, 1, 3)
    classes[channel] = 4
    spartina = rasterize(patches, out_shape=shape, transform=transform, all_touched=False)
    classes[spartina > 0] = 2
    classes[flown == 0] = 0
    profile = _profile(_CLASS_CRS, transform, width, height, "uint8", 0)
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(classes, 1)
        dataset.update_tags(TIFFTAG_DATETIME="2024:08:20 16:05:00", CLASSES=CLASSES)


def _index_scene(metric, patches, covers, seed):
    """What the 10 m UTM grid sees, shared by both dates."""
    to_utm = transformer(_CLASS_CRS, _INDEX_CRS)
    minx, miny, maxx, maxy = to_utm.transform_bounds(*metric["all_sites"].total_bounds)
    transform, width, height = _grid((minx, miny, maxx, maxy), _INDEX_PIXEL)
    shape = (height, width)
    ux, uy = _centres(transform, width, height)
    to_gk = transformer(_INDEX_CRS, _CLASS_CRS)
    channel, fringe = _landscape(*to_gk.transform(ux, uy), seed)
    plot_ids = rasterize(
        ((g, n + 1) for n, g in enumerate(metric["restoration"].to_crs(_INDEX_CRS).geometry)),
        out_shape=shape,
        transform=transform,
        dtype="int32",
    )
    utm_patches = shapely.transform(
        np.asarray(patches, dtype=object),
        lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])),
    )
    near = rasterize(
        metric["all_sites"].to_crs(_INDEX_CRS).buffer(150.0), out_shape=shape, transform=transform
    )
    cx = transform.c + 0.7 * width * transform.a
    cy = transform.f + 0.4 * height * transform.e
    return {
        "transform": transform,
        "shape": shape,
        "channel": channel,
        "fringe": fringe,
        "sea": near == 0,
        "cover": np.where(plot_ids > 0, covers[np.maximum(plot_ids, 1) - 1], 0.0),
        "planted": plot_ids > 0,
        "spartina": rasterize(utm_patches, out_shape=shape, transform=transform) > 0,
        "cloud": (ux - cx) ** 2 / 600**2 + (uy - cy) ** 2 / 400**2 < 1,
    }


def _write_index(path, day, number, scene, seed):
    rng = np.random.default_rng(seed + 100 + number)
    shape = scene["shape"]
    index = np.full(shape, 0.05, dtype=np.float32)
    index[scene["fringe"]] = 0.72
    planted = scene["planted"]
    # First date just after planting (seedlings barely show), second a season on.
    grown = 0.05 if number == 0 else 1.0
    index[planted] = 0.05 + 0.65 * scene["cover"][planted] * grown
    if number > 0:
        index[scene["spartina"]] = 0.5
    index[scene["channel"]] = -0.25
    index[scene["sea"]] = -0.15  # open water and bare flats around the reserves
    index += rng.normal(0.0, 0.02, shape).astype(np.float32)
    if number == 0:
        index[scene["cloud"]] = _NODATA_INDEX  # a cloud, masked as nodata
    profile = _profile(_INDEX_CRS, scene["transform"], shape[1], shape[0], "float32", _NODATA_INDEX)
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(index, 1)
        dataset.update_tags(TIFFTAG_DATETIME=f"{day.replace('-', ':')} 18:00:00")
        dataset.update_tags(ns="IMAGERY", ACQUISITIONDATETIME=f"{day}T02:35:00Z")
