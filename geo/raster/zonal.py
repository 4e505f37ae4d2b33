"""Zonal statistics per plot, weighted by the fraction of each pixel a plot covers.

The coverage-weighted core is exactextract: for every pixel a polygon touches
it computes the exact fraction ``c`` of the pixel inside the polygon (not a
pixel-centre or all-touched rule), and sums over ``c``. hailin adds what a
monitoring record needs around it:

* plots in any CRS (stored plots are EPSG:4326) are reprojected to the
  raster's CRS; the raster is never resampled;
* areas are ellipsoidal, consistent with :func:`geo.area`. A pixel's ground
  area differs from its nominal size: in UTM by the scale factor (up to 0.1%
  at Fuding, at the west edge of zone 51), in a geographic raster with the
  latitude of its row. For each plot hailin takes ``s = geo.area(plot) /
  planar area of the reprojected plot`` (m² per square CRS unit, i.e. m² per
  m² in projected rasters and per square degree in geographic ones) and
  gives a class ``area = s x sum(c) x pixel width x pixel height``. Over one
  plot ``s`` varies by < 1e-6 in UTM or Gauss-Kruger zones and by
  ``tan(lat) x plot height / 2R`` (< 2e-5 for a 300 m plot at 27N) in a
  geographic raster, far below any classification error; a plot wholly on
  valid pixels gets exactly its ``geo.area``;
* nodata values, mask bands, alpha and NaN are all "no data": they count
  neither in areas nor in fractions (``valid_m2`` says how much had data);
* a plot partly outside the raster says so in ``covered_fraction``; a plot
  wholly outside, or wholly on no data, has NaN statistics, never zeros.

Reading is windowed: only the window of the plots' bounding box is read, in
strips of whole block rows, with GDAL's cache bounded, so memory stays a few
tens of MB for a 10,980 x 10,980 tile. When the plots are few and far apart
(their blocks a small part of the window), each plot's own window is read
instead.
"""

import math
from collections.abc import Mapping

import exactextract
import geopandas
import numpy as np
import pandas as pd
import rasterio.errors
import shapely
from exactextract.feature import Feature, FeatureSource
from exactextract.raster import RasterSource
from exactextract.writer import Writer
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from geo.area import M2_PER_MU, area_m2
from geo.errors import ArgumentTypeError, CRSError, PlotsError, RasterError
from geo.raster.classes import parse_classes
from geo.raster.io import (
    RasterLike,
    bounded_env,
    dataset_name,
    no_data,
    opened,
    pixel_window,
    raster_crs,
)

# Cells per strip in raster-sequential reading (several block rows of a tile).
_STRIP_CELLS = 8_000_000
# Reading one plot's window costs about as much as decompressing this many
# 512 x 512 blocks (measured: 0.5 ms a read against 1.4 ms a block).
_BLOCKS_PER_FEATURE = 0.35


class _PlotFeature(Feature):
    """One plot for exactextract: its WKB and its row in the plots frame."""

    def __init__(self, row, wkb):
        Feature.__init__(self)
        self.row = row
        self.wkb = wkb

    def geometry(self):
        return self.wkb

    def get(self, name):
        return self.row

    def fields(self):
        return ["row"]


class _PlotSource(FeatureSource):
    """Plots as WKB (no GeoJSON round trip), in the order given."""

    def __init__(self, geometries, rows):
        super().__init__()
        self.wkb = shapely.to_wkb(geometries)
        self.rows = rows

    def count(self):
        return len(self.rows)

    def __iter__(self):
        for wkb, row in zip(self.wkb, self.rows, strict=True):
            yield _PlotFeature(int(row), wkb)

    def srs_wkt(self):
        return None  # already in the raster's CRS


class _Result(Feature):
    """The fields exactextract sets on one output feature, as a dict."""

    def __init__(self):
        Feature.__init__(self)
        self.values = {}

    def set(self, name, value):
        self.values[name] = value

    def get(self, name):
        return self.values[name]

    def fields(self):
        return list(self.values)

    def set_geometry(self, geometry):
        pass


class _ResultWriter(Writer):
    """Collects results as plain dicts (a GeoJSON-like feature per plot costs more)."""

    def __init__(self):
        super().__init__()
        self.results = []

    def add_operation(self, op):
        pass

    def add_column(self, name):
        pass

    def write(self, feature):
        result = _Result()
        feature.copy_to(result)
        self.results.append(result.values)

    def features(self):
        return self.results


# Wider integer types for masked integer bands, with a sentinel no pixel can hold.
_WIDER = {1: (np.int16, -(2**15)), 2: (np.int32, -(2**31)), 4: (np.int64, -(2**63))}


class _WindowSource(RasterSource):
    """A window of one band as an exactextract raster, no-data as a nodata value.

    Masked pixels (nodata, mask band, alpha, NaN) reach exactextract as NaN
    or as a sentinel value in a wider integer type, never as a numpy masked
    array: exactextract 0.3 drops the mask of a masked array whenever a
    plot's grid is not bit-identical to the window's (isciences/exactextract
    issue 193), and would then count masked pixels as data. ``above`` turns
    values into 1.0 / 0.0 (value > above), for the area above a threshold.
    """

    def __init__(self, dataset, band, window, *, scaled=False, above=None):
        super().__init__()
        # exactextract tells sources apart by name (it reuses a read per name).
        self.set_name("values" if above is None else "above")
        self.dataset, self.band, self.window, self.above = dataset, band, window, above
        t = dataset.transform
        self._res = (t.a, -t.e)
        left = t.c + window.col_off * t.a
        top = t.f + window.row_off * t.e
        self._extent = (left, top + window.height * t.e, left + window.width * t.a, top)
        dtype = np.dtype(dataset.dtypes[band - 1])
        scale, offset = dataset.scales[band - 1], dataset.offsets[band - 1]
        self._scale = (scale, offset) if scaled and (scale != 1.0 or offset != 0.0) else None
        flags = set(dataset.mask_flag_enums[band - 1])
        self._masked = flags != {MaskFlags.all_valid}
        self._nodata = None
        self._fill = None
        if dtype.kind == "f" or self._scale is not None or above is not None:
            self._dtype = np.float64 if self._scale is not None else dtype
            if above is not None:
                self._dtype = np.float32
            self._fill = np.nan
        elif flags == {MaskFlags.nodata} and _fits(dataset.nodata, dtype):
            # Only a nodata value: exactextract compares it itself, no copy needed.
            self._dtype, self._nodata, self._masked = dtype, int(dataset.nodata), False
        elif self._masked:
            self._dtype, self._fill = _WIDER.get(dtype.itemsize, (np.float64, np.nan))
            self._nodata = None if self._fill is np.nan else self._fill
        else:
            self._dtype = dtype

    def res(self):
        return self._res

    def extent(self):
        return self._extent

    def srs_wkt(self):
        return None

    def nodata_value(self):
        return self._nodata

    def read_window(self, x0, y0, nx, ny):
        window = Window(self.window.col_off + x0, self.window.row_off + y0, nx, ny)
        values = self.dataset.read(self.band, window=window)
        masked = None
        if self._masked:
            masked = no_data(self.dataset, self.band, window, values)
        if self._scale is not None:
            values = values.astype(np.float64) * self._scale[0] + self._scale[1]
        if self.above is not None:
            values = (values > self.above).astype(np.float32)
        elif values.dtype != self._dtype:
            values = values.astype(self._dtype)
        if masked is not None and masked.any():
            values[masked] = self._fill
        return values


def _fits(nodata, dtype):
    """True when ``nodata`` is a whole number the integer ``dtype`` can hold."""
    if nodata is None or not math.isfinite(nodata) or nodata != int(nodata):
        return False
    limits = np.iinfo(dtype)
    return limits.min <= nodata <= limits.max


def _check_plots(plots):
    if not isinstance(plots, geopandas.GeoDataFrame):
        raise ArgumentTypeError(f"'plots' should be GeoDataFrame, got {type(plots)}")
    if "plot_id" not in plots.columns:
        raise PlotsError(
            f"'plots' needs a plot_id column; it has {', '.join(map(str, plots.columns))}"
        )
    if plots.crs is None:
        raise CRSError("the plots have no CRS; set one (e.g. plots.set_crs(4326))")
    duplicated = plots["plot_id"][plots["plot_id"].duplicated()].unique()
    if len(duplicated):
        shown = ", ".join(map(str, duplicated[:5]))
        raise PlotsError(f"plot_id values must be unique; repeated: {shown}")


def _repair(geometries):
    """Invalid polygons made valid, keeping only their polygonal parts."""
    invalid = ~shapely.is_valid(geometries) & ~shapely.is_missing(geometries)
    if not invalid.any():
        return geometries
    geometries = geometries.copy()
    for position in np.flatnonzero(invalid):
        parts = shapely.get_parts(shapely.make_valid(geometries[position]))
        polygons = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        geometries[position] = shapely.union_all(polygons) if polygons else shapely.Polygon()
    return geometries


def _choose_strategy(dataset, band, window, bounds):
    """raster-sequential unless the plots' blocks are a small part of the window."""
    block_rows, block_cols = dataset.block_shapes[band - 1]
    t = dataset.transform
    col0 = np.floor((bounds[:, 0] - t.c) / t.a) // block_cols
    col1 = np.floor((bounds[:, 2] - t.c) / t.a) // block_cols
    row0 = np.floor((bounds[:, 3] - t.f) / t.e) // block_rows
    row1 = np.floor((bounds[:, 1] - t.f) / t.e) // block_rows
    plot_blocks = np.sum((col1 - col0 + 1) * (row1 - row0 + 1))
    window_blocks = math.ceil(window.width / block_cols) * math.ceil(window.height / block_rows)
    feature_cost = min(plot_blocks, window_blocks) + _BLOCKS_PER_FEATURE * len(bounds)
    return "feature-sequential" if feature_cost < window_blocks else "raster-sequential"


def _extract(dataset, band, plots, ops, *, scaled=False, above=None):
    """Run exactextract over the plots that touch the raster.

    Returns (rows of the plots frame that were measured, list of result
    dicts in the same order, per-plot frame of plot_m2, covered_fraction and
    the m²-per-square-CRS-unit scale).
    """
    _check_plots(plots)
    plot_m2 = area_m2(plots).to_numpy()
    geometries = np.asarray(plots.geometry.to_crs(raster_crs(dataset)).values, dtype=object)
    geometries = _repair(geometries)
    planar = shapely.area(geometries)
    bounds = shapely.bounds(geometries)
    footprint = shapely.box(*dataset.bounds)
    finite = np.isfinite(bounds).all(axis=1) & (planar > 0)
    covered = np.full(len(plots), np.nan)
    inside = finite & shapely.contains_properly(footprint, geometries)
    covered[inside] = 1.0
    edge = finite & ~inside
    if edge.any():
        covered[edge] = (
            shapely.area(shapely.intersection(geometries[edge], footprint)) / planar[edge]
        )
    covered[finite & ~(covered > 0)] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(finite, plot_m2 / planar, np.nan)
    base = pd.DataFrame({"plot_m2": plot_m2, "covered_fraction": covered, "_scale": scale})
    rows = np.flatnonzero(covered > 0)
    if rows.size == 0:
        return rows, [], base
    measured = bounds[rows]
    window = pixel_window(
        dataset,
        (measured[:, 0].min(), measured[:, 1].min(), measured[:, 2].max(), measured[:, 3].max()),
        align_to_blocks=True,
        band=band,
    )
    strategy = _choose_strategy(dataset, band, window, measured)
    # Strips of whole block rows, so each block is decompressed once; a very
    # wide window is cut into boxes of about _STRIP_CELLS instead.
    block_rows, block_cols = dataset.block_shapes[band - 1]
    strip = max(1, _STRIP_CELLS // (window.width * block_rows)) * block_rows * window.width
    max_cells = max(block_rows * block_cols, min(strip, 2 * _STRIP_CELLS))
    sources = [_WindowSource(dataset, band, window, scaled=scaled)]
    if above is not None:
        sources.append(_WindowSource(dataset, band, window, scaled=scaled, above=above))
    operations = [exactextract.Operation(stat, name, sources[index]) for stat, name, index in ops]
    writer = _ResultWriter()
    try:
        with bounded_env():
            exactextract.exact_extract(
                sources,
                _PlotSource(geometries[rows], rows),
                operations,
                include_cols=["row"],
                strategy=strategy,
                max_cells_in_memory=max_cells,
                output=writer,
            )
    except rasterio.errors.RasterioIOError as error:
        # A VRT's missing source, a truncated or corrupt file: found only on reading.
        detail = error.__cause__ or error  # rasterio puts GDAL's message in the cause
        raise RasterError(f"{dataset_name(dataset)}: reading pixels failed: {detail}") from None
    results = {result["row"]: result for result in writer.features()}
    return rows, [results[row] for row in rows], base


def _cell_area(dataset):
    return abs(dataset.transform.a * dataset.transform.e)


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
        checked (:func:`geo.raster.check_raster`) and closed here.
    plots : GeoDataFrame
        Polygons with a unique ``plot_id`` column, in any CRS (EPSG:4326 for
        stored plots); reprojected to the raster's CRS.
    classes : str, mapping or None
        ``"1=mangrove,2=spartina"`` or ``{1: "mangrove"}`` (see
        :func:`geo.raster.parse_classes`). Pixel values not named are summed
        as ``other``. None names every value found ``class_<value>``.
    band : int
        The band holding the classes.

    Returns
    -------
    pandas.DataFrame
        One row per plot, in the plots' order, with columns ``plot_id``,
        ``plot_m2`` (:func:`geo.area`), ``covered_fraction`` (share of the
        plot inside the raster's footprint), ``valid_m2`` and
        ``valid_fraction`` (area on pixels with data), then for each class
        ``<name>_m2``, ``<name>_mu`` and ``<name>_fraction`` (of the valid
        area). Pixels count by the fraction of them the plot covers. Plots
        wholly outside the raster or on no data have NaN class figures.

    Raises
    ------
    RasterError
        Unreadable raster, georeferencing that cannot be right (see
        :func:`geo.raster.check_raster`), or non-whole class values.

    Examples
    --------
    A 10 m grid in UTM 51N, classes 1 and 2, and a plot over 2.5 pixels
    (1.5 of class 2):

    >>> import geopandas, numpy as np, shapely
    >>> from rasterio.io import MemoryFile
    >>> from rasterio.transform import from_origin
    >>> profile = dict(driver="GTiff", width=3, height=1, count=1, dtype="uint8",
    ...                crs="EPSG:32651", transform=from_origin(220000, 3030000, 10, 10))
    >>> plots = geopandas.GeoDataFrame(
    ...     {"plot_id": ["A"]}, geometry=[shapely.box(220005, 3029990, 220030, 3030000)],
    ...     crs=32651)
    >>> with MemoryFile() as memory:
    ...     with memory.open(**profile) as ds:
    ...         ds.write(np.array([[1, 2, 2]], dtype="uint8"), 1)
    ...     with memory.open() as ds:
    ...         table = class_stats(ds, plots, "1=mangrove,2=spartina")
    >>> table[["spartina_fraction", "mangrove_fraction"]].round(6).to_dict("records")
    [{'spartina_fraction': 0.8, 'mangrove_fraction': 0.2}]
    >>> bool(np.isclose(table["spartina_m2"].iloc[0], 0.8 * table["plot_m2"].iloc[0]))
    True
    """
    named = None if classes is None else parse_classes(classes)
    with opened(raster, band=band) as dataset:
        if dataset.dtypes[band - 1].startswith("complex"):
            raise RasterError(f"{dataset.name}: complex pixels cannot hold classes")
        rows, results, base = _extract(
            dataset,
            band,
            plots,
            [("count", "count", 0), ("unique", "unique", 0), ("frac", "frac", 0)],
        )
        cell_area = _cell_area(dataset)
        label = dataset.name
    n = len(base)
    valid_cells = np.full(n, np.nan)
    valid_cells[rows] = [result["count"] or 0.0 for result in results]
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
    valid_cells[np.asarray(base["covered_fraction"]) == 0] = 0.0
    valid_m2 = valid_cells * cell_area * base["_scale"].to_numpy()
    has_data = valid_m2 > 0
    out = pd.DataFrame({"plot_id": plots["plot_id"].to_numpy()})
    out["plot_m2"] = base["plot_m2"].to_numpy()
    out["covered_fraction"] = base["covered_fraction"].to_numpy()
    out["valid_m2"] = valid_m2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["valid_fraction"] = np.where(out["plot_m2"] > 0, valid_m2 / out["plot_m2"], np.nan)
    if named is None:
        names = {value: f"class_{value}" for value in sorted(per_value)}
        groups = [(name, [value]) for value, name in names.items()]
    else:
        groups = [(name, [value]) for value, name in named.items()]
        groups.append(("other", [v for v in per_value if v not in named]))
    for name, values in groups:
        share = np.zeros(n)
        for value in values:
            share = share + per_value.get(value, 0.0)
        share = np.where(has_data, share, np.nan)
        out[f"{name}_m2"] = share * valid_m2
        out[f"{name}_mu"] = out[f"{name}_m2"] / M2_PER_MU
        out[f"{name}_fraction"] = share
    return out


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
    >>> from rasterio.io import MemoryFile
    >>> from rasterio.transform import from_origin
    >>> profile = dict(driver="GTiff", width=2, height=1, count=1, dtype="float32",
    ...                crs="EPSG:32651", transform=from_origin(220000, 3030000, 10, 10))
    >>> plots = geopandas.GeoDataFrame(
    ...     {"plot_id": ["A"]}, geometry=[shapely.box(220000, 3029990, 220015, 3030000)],
    ...     crs=32651)
    >>> with MemoryFile() as memory:
    ...     with memory.open(**profile) as ds:
    ...         ds.write(np.array([[0.2, 0.8]], dtype="float32"), 1)
    ...     with memory.open() as ds:
    ...         table = value_stats(ds, plots, threshold=0.5)
    >>> table[["valid_cells", "mean", "min", "max", "above_fraction"]].round(4).to_dict("records")
    [{'valid_cells': 1.5, 'mean': 0.4, 'min': 0.2, 'max': 0.8, 'above_fraction': 0.3333}]
    """
    ops = [
        ("count", "count", 0),
        ("mean", "mean", 0),
        ("min", "min", 0),
        ("max", "max", 0),
        ("stdev", "std", 0),
    ]
    if threshold is not None:
        threshold = float(threshold)
        ops.append(("sum", "above", 1))
    with opened(raster, band=band) as dataset:
        rows, results, base = _extract(dataset, band, plots, ops, scaled=True, above=threshold)
        cell_area = _cell_area(dataset)
    n = len(base)
    columns = {name: np.full(n, np.nan) for _stat, name, _source in ops}
    for row, result in zip(rows, results, strict=True):
        for name, column in columns.items():
            value = result.get(name)
            column[row] = np.nan if value is None else value
    valid_cells = np.nan_to_num(columns.pop("count"), nan=0.0)
    valid_cells = np.where(np.isnan(base["covered_fraction"]), np.nan, valid_cells)
    scale = base["_scale"].to_numpy()
    valid_m2 = valid_cells * cell_area * scale
    has_data = valid_m2 > 0
    out = pd.DataFrame({"plot_id": plots["plot_id"].to_numpy()})
    out["plot_m2"] = base["plot_m2"].to_numpy()
    out["covered_fraction"] = base["covered_fraction"].to_numpy()
    out["valid_m2"] = valid_m2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["valid_fraction"] = np.where(out["plot_m2"] > 0, valid_m2 / out["plot_m2"], np.nan)
    out["valid_cells"] = valid_cells
    for name in ("mean", "min", "max", "std"):
        out[name] = np.where(has_data, columns[name], np.nan)
    if threshold is not None:
        above_m2 = np.where(has_data, np.nan_to_num(columns["above"]) * cell_area * scale, np.nan)
        out["above_m2"] = above_m2
        out["above_mu"] = above_m2 / M2_PER_MU
        with np.errstate(divide="ignore", invalid="ignore"):
            out["above_fraction"] = above_m2 / valid_m2
    return out
