"""Spatial partitioning over the whole coast: a Hilbert key per geometry,
partitions as ranges of keys, and halos.

The key is :meth:`geopandas.GeoSeries.hilbert_distance` at level 16 over one
fixed box, :data:`COAST_BOUNDS` (not the data's bounds), so that a record
keeps its key in every dataset, export and append. The curve's first bits
name a coarse cell: a 32 x 32 block of the level-16 grid (about 1.1 x 1.3
km). Partitions are ranges of coarse keys, so a coarse cell lies in one
partition whole, and the cells a box touches say which partitions it reaches.

A record belongs to one partition, the one holding the centre of its bounds.
A plot goes to every partition whose cells its bounds, grown by a halo (the
recurrence tolerance), touch, and to any partition holding a record whose
bounds reach those cells (tracks and mapped patches stretch past their
centre's cell): so every record meets, in its own partition, every plot
within the tolerance of it.
"""

import dataclasses

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.errors import PartitionError

# Every coastal province's waters, Hainan (16-20N) to Liaoning (41N), Guangxi
# (104.5E) to the Yalu (124.5E) with some sea: lon/lat degrees (EPSG:4326).
# Geometry outside is clamped to the border cells, still correctly partitioned.
COAST_BOUNDS = (104.0, 16.0, 126.0, 42.0)
LEVEL = 16
# Coarse cells are 2**COARSE_SHIFT fine cells square; a key's top bits name them.
COARSE_SHIFT = 5
_SIDE = 2**LEVEL - 1
# Metres per degree of latitude, taken low so that a halo in degrees is never short.
_METRES_PER_DEGREE = 110_000.0


def hilbert_keys(geometries: geopandas.GeoSeries) -> np.ndarray:
    """The Hilbert key (int64, level 16 over :data:`COAST_BOUNDS`) of the
    centre of each geometry's bounds.

    Examples
    --------
    >>> keys = hilbert_keys(geopandas.GeoSeries(shapely.points([120.3, 120.3001], [27.2, 27.2])))
    >>> bool(keys[0] == keys[1]), coarse_keys(keys)[0] == coarse_keys(keys)[1]
    (True, np.True_)
    """
    if len(geometries) == 0:
        return np.zeros(0, np.int64)
    keys = geometries.hilbert_distance(total_bounds=COAST_BOUNDS, level=LEVEL)
    return keys.to_numpy().astype(np.int64)


def coarse_keys(keys: np.ndarray) -> np.ndarray:
    """The coarse cell of each key (its top bits)."""
    return np.asarray(keys, dtype=np.int64) >> (2 * COARSE_SHIFT)


def _grid(values, low, high):
    """Level-16 grid indices, exactly as hilbert_distance discretises."""
    scaled = (np.asarray(values, dtype=float) - low) * (_SIDE / (high - low))
    return np.clip(scaled, 0, _SIDE).astype(np.uint32).astype(np.int64)


def _cell_keys(cx, cy):
    """Coarse keys of coarse cells (cx, cy): the key of a fine cell's centre in each."""
    west, south, east, north = COAST_BOUNDS
    x = west + ((cx << COARSE_SHIFT) + 0.5) * (east - west) / _SIDE
    y = south + ((cy << COARSE_SHIFT) + 0.5) * (north - south) / _SIDE
    return coarse_keys(hilbert_keys(geopandas.GeoSeries(shapely.points(x, y))))


def halo_degrees(halo_m: float, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dx, dy) degrees covering ``halo_m`` metres around each of ``bounds``
    (rows of minx, miny, maxx, maxy), east-west taken at the box's latitude
    nearest a pole."""
    latitude = np.radians(np.minimum(np.abs(bounds[:, [1, 3]]).max(axis=1) + 0.01, 89.0))
    dy = np.full(len(bounds), halo_m / _METRES_PER_DEGREE)
    return dy / np.cos(latitude), dy


def touched_cells(bounds: np.ndarray, halo_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(row, coarse key) of every coarse cell each box (grown by ``halo_m``) touches.

    Examples
    --------
    >>> rows, cells = touched_cells(np.array([[120.3, 27.2, 120.3, 27.2]]))
    >>> rows.tolist(), len(cells)
    ([0], 1)
    """
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    dx, dy = halo_degrees(halo_m, bounds)
    west, south, east, north = COAST_BOUNDS
    x0 = _grid(bounds[:, 0] - dx, west, east) >> COARSE_SHIFT
    x1 = _grid(bounds[:, 2] + dx, west, east) >> COARSE_SHIFT
    y0 = _grid(bounds[:, 1] - dy, south, north) >> COARSE_SHIFT
    y1 = _grid(bounds[:, 3] + dy, south, north) >> COARSE_SHIFT
    width, height = x1 - x0 + 1, y1 - y0 + 1
    counts = width * height
    rows = np.repeat(np.arange(len(bounds)), counts)
    # The position of each (row, cell) pair within its row's block of cells.
    within = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    cx = x0[rows] + within % width[rows]
    cy = y0[rows] + within // width[rows]
    if rows.size == 0:
        return rows, np.zeros(0, np.int64)
    # Each distinct cell's key once: (cx, cy) as one number (both < 2**11).
    unique, inverse = np.unique((cx << 16) | cy, return_inverse=True)
    return rows, _cell_keys(unique >> 16, unique & 0xFFFF)[inverse.reshape(-1)]


@dataclasses.dataclass(frozen=True)
class Divisions:
    """Partitions as ranges of coarse keys: partition i holds the coarse keys
    from ``starts[i - 1]`` (0 for the first) up to ``starts[i]`` (excluded).

    Examples
    --------
    >>> Divisions((100, 200)).partition_of(np.array([5, 100, 250])).tolist()
    [0, 1, 2]
    """

    starts: tuple = ()

    @property
    def count(self) -> int:
        """The number of partitions."""
        return len(self.starts) + 1

    def partition_of(self, coarse: np.ndarray) -> np.ndarray:
        """The partition of each coarse key."""
        return np.searchsorted(np.asarray(self.starts, np.int64), coarse, side="right")

    @classmethod
    def balanced(cls, coarse: np.ndarray, weights=None, partitions: int = 1) -> "Divisions":
        """At most ``partitions`` ranges holding about equal weight of the
        coarse keys given (each key weighs 1 unless ``weights`` say)."""
        if partitions < 1:
            raise PartitionError(f"partitions should be 1 or more, got {partitions!r}")
        if len(coarse) == 0 or partitions == 1:
            return cls(())
        frame = pd.DataFrame({"cell": np.asarray(coarse, np.int64), "w": 1.0})
        if weights is not None:
            frame["w"] = np.asarray(weights, dtype=float)
        per_cell = frame.groupby("cell")["w"].sum()
        share = per_cell.cumsum().to_numpy() / per_cell.sum()
        cut = np.searchsorted(share, np.arange(1, partitions) / partitions, side="left")
        starts = per_cell.index.to_numpy()[np.minimum(cut + 1, len(per_cell) - 1)]
        return cls(tuple(int(s) for s in np.unique(starts) if s > per_cell.index[0]))


def record_partitions(records: geopandas.GeoDataFrame, divisions: Divisions) -> np.ndarray:
    """The one partition of each record (of the centre of its bounds)."""
    return divisions.partition_of(coarse_keys(hilbert_keys(records.geometry)))


def reach(frame: geopandas.GeoDataFrame, divisions: Divisions) -> pd.DataFrame:
    """(partition, coarse cell) pairs where records of a partition reach
    cells of another: the cells their bounds touch outside their own
    partition (none for points). Plots near those cells join them too."""
    shapes = np.asarray(frame.geometry.values, dtype=object)
    wide = np.flatnonzero(shapely.get_type_id(shapes) != 0)
    empty = pd.DataFrame({"partition": np.zeros(0, np.int64), "cell": np.zeros(0, np.int64)})
    if wide.size == 0:
        return empty
    home = record_partitions(frame.iloc[wide], divisions)
    rows, cells = touched_cells(shapely.bounds(shapes[wide]))
    pairs = pd.DataFrame({"partition": home[rows], "cell": cells})
    return pairs[divisions.partition_of(cells) != pairs["partition"].to_numpy()].drop_duplicates()


def halo_partitions(
    bounds: np.ndarray, halo_m: float, divisions: Divisions, reaches: pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(row, partition) of every partition each box, grown by ``halo_m``,
    must be sent to: those owning the cells it touches and those whose
    records reach them (see :func:`reach`); each pair once, by row."""
    rows, cells = touched_cells(bounds, halo_m)
    pairs = pd.DataFrame({"row": rows, "partition": divisions.partition_of(cells)})
    if reaches is not None and len(reaches):
        extra = pd.DataFrame({"row": rows, "cell": cells}).merge(reaches, on="cell")
        pairs = pd.concat([pairs, extra[["row", "partition"]]], ignore_index=True)
    pairs = pairs.drop_duplicates().sort_values(["row", "partition"], kind="stable")
    return pairs["row"].to_numpy(), pairs["partition"].to_numpy()


def split_with_halo(frame, halo_m: float, divisions: Divisions, reaches=None) -> list:
    """``frame`` cut into one frame per partition: the rows whose bounds,
    grown by ``halo_m``, reach it (a row may be in several), in frame order."""
    rows, partition = halo_partitions(
        shapely.bounds(np.asarray(frame.geometry.values, dtype=object)),
        halo_m,
        divisions,
        reaches,
    )
    return [frame.iloc[rows[partition == i]] for i in range(divisions.count)]
