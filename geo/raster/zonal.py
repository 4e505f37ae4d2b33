"""Zonal statistics per plot, weighted by the fraction of each pixel a plot covers.

The coverage-weighted core is exactextract: for every pixel a polygon touches
it computes the exact fraction ``c`` of the pixel inside the polygon (not a
pixel-centre or all-touched rule), and sums over ``c``. hailin adds what a
monitoring record needs around it:

* plots in any CRS (stored plots are EPSG:4326) are reprojected to the
  raster's CRS; the raster is never resampled;
* areas are ellipsoidal, consistent with :func:`hailin.geo.area`. A pixel's ground
  area differs from its nominal size: in UTM by the scale factor (up to 0.1%
  at Fuding, at the west edge of zone 51), in a geographic raster with the
  latitude of its row. For each plot hailin takes ``s = geo.area(plot) /
  planar area of the reprojected plot`` (m² per square CRS unit, i.e. m² per
  m² in projected rasters and per square degree in geographic ones) and
  gives a class ``area = s x sum(c) x pixel width x pixel height``. Over one
  plot ``s`` varies by < 1e-6 in UTM or Gauss-Kruger zones and by
  ``tan(lat) x plot height / 2R`` (< 2e-5 for a 300 m plot at 27N) in a
  geographic raster, far below any classification error; a plot wholly on
  valid pixels gets exactly its ``hailin.geo.area``;
* nodata values, mask bands, alpha and NaN are all "no data": they count
  neither in areas nor in fractions (``valid_m2`` says how much had data);
* a plot partly outside the raster says so in ``covered_fraction``; a plot
  wholly outside, or wholly on no data, has NaN statistics, never zeros.

Reading is windowed (see :mod:`hailin.geo.raster.extract`), so memory stays a few
tens of MB for a 10,980 x 10,980 tile.
"""

from collections.abc import Mapping

import geopandas
import numpy as np
import pandas as pd

from hailin.geo.area import M2_PER_MU
from hailin.geo.errors import RasterError
from hailin.geo.raster.classes import parse_classes
from hailin.geo.raster.extract import cell_area, extract
from hailin.geo.raster.io import RasterLike, opened

# The statistics value_stats asks exactextract for: (statistic, result name, source).
_VALUE_OPS = [
    ("count", "count", 0),
    ("mean", "mean", 0),
    ("min", "min", 0),
    ("max", "max", 0),
    ("stdev", "std", 0),
]


def class_stats(
    raster: RasterLike,
    plots: geopandas.GeoDataFrame,
    classes: str | Mapping | None = None,
    *,
    band: int = 1,
) -> pd.DataFrame:
    """Area and share of each class of a classified raster in each plot.

    Parameters
    ----------
    raster : str, os.PathLike or rasterio dataset
        A classified (integer-valued) raster in any CRS. A path is opened,
        checked (:func:`hailin.geo.raster.check_raster`) and closed here.
    plots : GeoDataFrame
        Polygons with a unique ``plot_id`` column, in any CRS (EPSG:4326 for
        stored plots); reprojected to the raster's CRS.
    classes : str, mapping or None
        ``"1=mangrove,2=spartina"`` or ``{1: "mangrove"}`` (see
        :func:`hailin.geo.raster.parse_classes`). Pixel values not named are summed
        as ``other``. None names every value found ``class_<value>``.
    band : int
        The band holding the classes.

    Returns
    -------
    pandas.DataFrame
        One row per plot, in the plots' order, with columns ``plot_id``,
        ``plot_m2`` (:func:`hailin.geo.area`), ``covered_fraction`` (share of the
        plot inside the raster's footprint), ``valid_m2`` and
        ``valid_fraction`` (area on pixels with data), then for each class
        ``<name>_m2``, ``<name>_mu`` and ``<name>_fraction`` (of the valid
        area). Pixels count by the fraction of them the plot covers. Plots
        wholly outside the raster or on no data have NaN class figures.

    Raises
    ------
    RasterError
        Unreadable raster, georeferencing that cannot be right (see
        :func:`hailin.geo.raster.check_raster`), or non-whole class values.

    Examples
    --------
    A 10 m grid in UTM 51N, classes 1 and 2, and a plot over 2.5 pixels
    (1.5 of class 2):

    >>> import geopandas, numpy as np, shapely
    >>> from hailin.geo.raster.examples import memory_raster
    >>> plots = geopandas.GeoDataFrame(
    ...     {"plot_id": ["A"]}, geometry=[shapely.box(220005, 3029990, 220030, 3030000)],
    ...     crs=32651)
    >>> with memory_raster(np.array([[1, 2, 2]], dtype="uint8")) as ds:
    ...     table = class_stats(ds, plots, "1=mangrove,2=spartina")
    >>> table[["spartina_fraction", "mangrove_fraction"]].round(6).to_dict("records")
    [{'spartina_fraction': 0.8, 'mangrove_fraction': 0.2}]
    >>> bool(np.isclose(table["spartina_m2"].iloc[0], 0.8 * table["plot_m2"].iloc[0]))
    True
    """
    named = None if classes is None else parse_classes(classes)
    with opened(raster, band=band) as dataset:
        if dataset.dtypes[band - 1].startswith("complex"):
            raise RasterError(f"{dataset.name}: complex pixels cannot hold classes")
        ops = [("count", "count", 0), ("unique", "unique", 0), ("frac", "frac", 0)]
        rows, results, base = extract(dataset, band, plots, ops)
        area, label = cell_area(dataset), dataset.name
    valid_cells = np.full(len(base), np.nan)
    valid_cells[rows] = [result["count"] or 0.0 for result in results]
    valid_cells[np.asarray(base["covered_fraction"]) == 0] = 0.0
    out, has_data = _coverage(plots, base, valid_cells * area * base["_scale"].to_numpy())
    per_value = _class_shares(rows, results, len(base), label)
    if named is None:
        groups = [(f"class_{value}", [value]) for value in sorted(per_value)]
    else:
        groups = [(name, [value]) for value, name in named.items()]
        groups.append(("other", [v for v in per_value if v not in named]))
    return _with_classes(out, has_data, per_value, groups)


def _with_classes(out, has_data, per_value, groups):
    """``out`` with <name>_m2, _mu and _fraction (of the valid area) for each
    (name, class values) of ``groups``."""
    for name, values in groups:
        share = sum((per_value.get(value, 0.0) for value in values), np.zeros(len(out)))
        share = np.where(has_data, share, np.nan)
        out[f"{name}_m2"] = share * out["valid_m2"]
        out[f"{name}_mu"] = out[f"{name}_m2"] / M2_PER_MU
        out[f"{name}_fraction"] = share
    return out


def _class_shares(rows, results, n, label):
    """{class value: per plot, the share of the plot's valid area in that class}."""
    counts = [len(result["unique"]) for result in results]
    values = np.concatenate([result["unique"] for result in results] or [np.zeros(0)])
    shares = np.concatenate([result["frac"] for result in results] or [np.zeros(0)])
    owners = np.repeat(rows, counts)
    if values.size and not np.array_equal(values, np.round(values)):
        bad = float(values[values != np.round(values)][0])
        raise RasterError(
            f"{label}: pixel value {bad!r} is not a whole number; class statistics "
            "need a classified raster (use value_stats for an index)"
        )
    values = values.astype(np.int64)
    per_value = {}
    for value in np.unique(values):
        picked = values == value
        per_value[int(value)] = np.zeros(n)
        per_value[int(value)][owners[picked]] = shares[picked]
    return per_value


def _coverage(plots, base, valid_m2):
    """(the table's first columns, mask of the plots with data): plot_id,
    plot_m2, covered_fraction, valid_m2, valid_fraction."""
    out = pd.DataFrame({"plot_id": plots["plot_id"].to_numpy()})
    out["plot_m2"] = base["plot_m2"].to_numpy()
    out["covered_fraction"] = base["covered_fraction"].to_numpy()
    out["valid_m2"] = valid_m2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["valid_fraction"] = np.where(out["plot_m2"] > 0, valid_m2 / out["plot_m2"], np.nan)
    return out, valid_m2 > 0


def value_stats(
    raster: RasterLike,
    plots: geopandas.GeoDataFrame,
    *,
    band: int = 1,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Coverage-weighted statistics of a continuous raster (an index such as NDVI) per plot.

    Parameters
    ----------
    raster : str, os.PathLike or rasterio dataset
        Any numeric raster in any CRS; scale and offset are applied.
    plots : GeoDataFrame
        Polygons with a unique ``plot_id`` column, in any CRS.
    band : int
        The band to read.
    threshold : float, optional
        Also report the area with values strictly above it.

    Returns
    -------
    pandas.DataFrame
        One row per plot, in the plots' order: ``plot_id``, ``plot_m2``,
        ``covered_fraction``, ``valid_m2``, ``valid_fraction``, ``valid_cells``
        (sum of covered fractions of pixels with data), ``mean`` and ``std``
        (weighted by covered fraction; population standard deviation),
        ``min`` and ``max`` (over every pixel the plot touches), and with a
        threshold ``above_m2``, ``above_mu`` and ``above_fraction`` (of the
        valid area). NaN where a plot has no pixel with data.

    Examples
    --------
    >>> import geopandas, numpy as np, shapely
    >>> from hailin.geo.raster.examples import memory_raster
    >>> plots = geopandas.GeoDataFrame(
    ...     {"plot_id": ["A"]}, geometry=[shapely.box(220000, 3029990, 220015, 3030000)],
    ...     crs=32651)
    >>> with memory_raster(np.array([[0.2, 0.8]], dtype="float32")) as ds:
    ...     table = value_stats(ds, plots, threshold=0.5)
    >>> table[["valid_cells", "mean", "min", "max", "above_fraction"]].round(4).to_dict("records")
    [{'valid_cells': 1.5, 'mean': 0.4, 'min': 0.2, 'max': 0.8, 'above_fraction': 0.3333}]
    """
    ops = list(_VALUE_OPS)
    if threshold is not None:
        threshold = float(threshold)
        ops.append(("sum", "above", 1))
    with opened(raster, band=band) as dataset:
        rows, results, base = extract(dataset, band, plots, ops, scaled=True, above=threshold)
        area = cell_area(dataset)
    columns = {name: np.full(len(base), np.nan) for _stat, name, _source in ops}
    for row, result in zip(rows, results, strict=True):
        for name, column in columns.items():
            value = result.get(name)
            column[row] = np.nan if value is None else value
    valid_cells = np.nan_to_num(columns.pop("count"), nan=0.0)
    valid_cells = np.where(np.isnan(base["covered_fraction"]), np.nan, valid_cells)
    pixel_m2 = area * base["_scale"].to_numpy()
    out, has_data = _coverage(plots, base, valid_cells * pixel_m2)
    out["valid_cells"] = valid_cells
    for name in ("mean", "min", "max", "std"):
        out[name] = np.where(has_data, columns[name], np.nan)
    if threshold is not None:
        above_m2 = np.where(has_data, np.nan_to_num(columns["above"]) * pixel_m2, np.nan)
        out["above_m2"] = above_m2
        out["above_mu"] = above_m2 / M2_PER_MU
        with np.errstate(divide="ignore", invalid="ignore"):
            out["above_fraction"] = above_m2 / out["valid_m2"]
    return out
