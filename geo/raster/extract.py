"""The exactextract core of the zonal statistics: plots and a window of one band
handed to exactextract, the coverage fractions and statistics handed back.

Reading is windowed: only the window of the plots' bounding box is read, in
strips of whole block rows, with GDAL's cache bounded. When the plots are few
and far apart (their blocks a small part of the window), each plot's own
window is read instead. See :mod:`hailin.geo.raster.zonal` for what is computed.
"""

import math

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

from hailin.geo.area import area_m2
from hailin.geo.errors import ArgumentTypeError, CRSError, PlotsError, RasterError
from hailin.geo.raster.io import (
    MAX_PIXELS_READ,
    bounded_env,
    dataset_name,
    no_data,
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
        self._nodata: float | None = None
        self._fill: float | None = None
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


def _refuse_past_pixels(dataset, window, bounds, strategy):
    """Refuse, before any pixel is read, plots asking for more than
    :data:`MAX_PIXELS_READ` pixels: the window, or each plot's own box."""
    if strategy == "raster-sequential":
        pixels = window.width * window.height
    else:
        t = dataset.transform
        columns = np.ceil((bounds[:, 2] - bounds[:, 0]) / abs(t.a)) + 1
        rows = np.ceil((bounds[:, 3] - bounds[:, 1]) / abs(t.e)) + 1
        pixels = float(np.minimum(columns * rows, window.width * window.height).sum())
    if pixels > MAX_PIXELS_READ:
        raise RasterError(
            f"{dataset_name(dataset)}: the plots ask for {pixels:,.0f} pixels "
            f"(limit {MAX_PIXELS_READ:,}); use a coarser raster (an overview) or fewer plots"
        )


def extract(
    dataset,
    band: int,
    plots: geopandas.GeoDataFrame,
    ops: list[tuple[str, str, int]],
    *,
    scaled: bool = False,
    above: float | None = None,
) -> tuple[np.ndarray, list[dict], pd.DataFrame]:
    """Run exactextract over the plots that touch the raster; ``ops`` are
    (exactextract statistic, result name, source index) with source 0 the
    band's values and 1 (with ``above``) whether each value is above it.

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
    assert window is not None  # the plots measured overlap the raster's footprint
    strategy = _choose_strategy(dataset, band, window, measured)
    _refuse_past_pixels(dataset, window, measured, strategy)
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


def cell_area(dataset) -> float:
    """A pixel's area in square CRS units."""
    return abs(dataset.transform.a * dataset.transform.e)
