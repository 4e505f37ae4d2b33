"""Digital monitoring (数字化监测预警) from rasters: what per-plot raster
statistics mean for the record, as pure functions of frames.

**Early warning.** A cleared plot whose Spartina area on an image dated after
its clearance passes the thresholds (:class:`DetectionRules`) becomes a survey
record of patrol type ``digital_monitoring`` and finding ``spartina_regrowth``,
observed at noon (local time) of the image date, at the centre of the plot's
Spartina pixels, with the measured area as ``patch_area_m2``. The ledger takes
it through the same recurrence rules as any patrol's finding.

**Restoration.** The mangrove cover of each restoration plot on each image date
(:class:`CoverMeasure`: the mangrove share of a classified raster, the share of
an index above a threshold, or the plot's mean index between bare ground and
full cover). A plot's series of dates gives its cover trend and an
imagery-based survival estimate (:func:`imagery_survival`).
"""

import dataclasses
import datetime
import json
import math

import geopandas
import numpy as np
import pandas as pd

from hailin.surveys.check.invariants import enforce_invariants
from hailin.surveys.check.problems import Problems
from hailin.surveys.check.records import record_keys
from hailin.surveys.errors import ImageryError
from hailin.surveys.localtime import local_noon

# A measurement counts for the cover series only if at least this share of the
# plot had pixels with data (clouds, the raster's edge).
MIN_VALID_FRACTION = 0.5
_DAYS_PER_YEAR = 365.25


@dataclasses.dataclass(frozen=True)
class Image:
    """A raster as the record knows it: its file name, sha256 (its upload id) and date."""

    file: str
    upload_id: str
    date: datetime.date


def _number(name, value, low, high=math.inf):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ImageryError(f"{name} should be a finite number, got {value!r}")
    if not low <= value <= high:
        upper = "" if high == math.inf else f" and at most {high:g}"
        raise ImageryError(f"{name} should be at least {low:g}{upper}, got {value!r}")
    return float(value)


@dataclasses.dataclass(frozen=True)
class DetectionRules:
    """When a cleared plot counts as regrown on an image: the class is seen on
    at least ``min_area_m2`` of it and on at least ``min_fraction`` of the
    part of it with data.

    Examples
    --------
    >>> DetectionRules(min_area_m2=-1)
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.ImageryError: min_area_m2 should be at least 0, got -1
    """

    class_name: str = "spartina"
    min_area_m2: float = 50.0
    min_fraction: float = 0.0

    def __post_init__(self):
        _number("min_area_m2", self.min_area_m2, 0)
        _number("min_fraction", self.min_fraction, 0, 1)


@dataclasses.dataclass(frozen=True)
class CoverMeasure:
    """How a raster gives a plot's mangrove cover (a fraction from 0 to 1).

    * ``class_name`` (classified rasters): the class's share of the plot's
      area with data;
    * ``threshold`` (an index such as NDVI): the share with values above it;
    * ``index`` = (bare, full): the plot's mean index scaled linearly from
      bare ground (0) to full cover (1) and clipped, the dimidiate pixel model
      of fractional vegetation cover.

    Examples
    --------
    >>> CoverMeasure().label, CoverMeasure(index=(0.05, 0.7)).label
    ('class:mangrove', 'index:0.05-0.7')
    """

    class_name: str = "mangrove"
    threshold: float | None = None
    index: tuple[float, float] | None = None

    def __post_init__(self):
        if self.threshold is not None and self.index is not None:
            raise ImageryError("give a threshold or an index range, not both")
        if self.threshold is not None:
            _number("threshold", self.threshold, -math.inf)
        if self.index is not None:
            bare, full = (_number("index", v, -math.inf) for v in self.index)
            if not bare < full:
                raise ImageryError(
                    f"the index of bare ground ({bare:g}) should be below full cover's"
                )

    @property
    def continuous(self) -> bool:
        """True when the measure reads an index, not classes."""
        return self.threshold is not None or self.index is not None

    @property
    def label(self) -> str:
        """How the cover was measured, as stored beside it."""
        if self.threshold is not None:
            return f"above:{self.threshold:g}"
        if self.index is not None:
            return f"index:{self.index[0]:g}-{self.index[1]:g}"
        return f"class:{self.class_name}"

    def fractions(self, stats: pd.DataFrame) -> np.ndarray:
        """The cover fraction per row of a class_stats or value_stats table."""
        if self.threshold is not None:
            return stats["above_fraction"].to_numpy(dtype=float)
        if self.index is not None:
            bare, full = self.index
            return np.clip((stats["mean"].to_numpy(dtype=float) - bare) / (full - bare), 0, 1)
        column = f"{self.class_name}_fraction"
        if column not in stats:
            raise ImageryError(f"no class named {self.class_name!r} among the raster's classes")
        return stats[column].to_numpy(dtype=float)


def cleared_before(plots: geopandas.GeoDataFrame, day: datetime.date) -> geopandas.GeoDataFrame:
    """The clearance plots cleared on a day before ``day`` (those an image of
    ``day`` can show regrowth in).

    Examples
    --------
    >>> import shapely
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["A", "B"], "cleared_on":
    ...     [datetime.date(2024, 4, 1), datetime.date(2024, 8, 15)]},
    ...     geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=4326)
    >>> cleared_before(plots, datetime.date(2024, 8, 15))["plot_id"].tolist()
    ['A']
    """
    cleared = pd.to_datetime(pd.Series(plots["cleared_on"].to_numpy(), dtype=object))
    before = (cleared < pd.Timestamp(day)).to_numpy() & cleared.notna().to_numpy()
    return plots[before]


def regrown(stats: pd.DataFrame, rules: DetectionRules) -> np.ndarray:
    """Boolean per row of a class_stats table: the plot passes ``rules``."""
    area = stats.get(f"{rules.class_name}_m2")
    if area is None:
        raise ImageryError(f"no class named {rules.class_name!r} among the raster's classes")
    area = area.to_numpy(dtype=float)
    share = stats[f"{rules.class_name}_fraction"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return (area > 0) & (area >= rules.min_area_m2) & (share >= rules.min_fraction)


def detection_records(
    stats: pd.DataFrame,
    places: geopandas.GeoSeries,
    image: Image,
    rules: DetectionRules,
    *,
    timezone: str,
    team: str | None,
    first_row: int = 1,
) -> geopandas.GeoDataFrame:
    """Survey records of the plots of ``stats`` (class_stats rows that passed
    ``rules``), placed at ``places`` (points indexed by plot_id); ``source_row``
    numbers them from ``first_row``.

    Examples
    --------
    >>> import shapely
    >>> stats = pd.DataFrame({"plot_id": ["P1"], "spartina_m2": [812.345678],
    ...     "spartina_fraction": [0.23456789]})
    >>> places = geopandas.GeoSeries([shapely.Point(120.3, 27.3)], index=["P1"], crs=4326)
    >>> image = Image("kewan_20240815.tif", "ab" * 32, datetime.date(2024, 8, 15))
    >>> records = detection_records(stats, places, image, DetectionRules(),
    ...     timezone="Asia/Shanghai", team="UAV")
    >>> records[["observed_at", "patrol_type", "finding", "patch_area_m2", "cover_pct"]].values.tolist()
    [[Timestamp('2024-08-15 04:00:00+0000', tz='UTC'), 'digital_monitoring', 'spartina_regrowth', 812.35, 23.46]]
    >>> {k: v for k, v in json.loads(records["extra"].iloc[0]).items() if k != "sha256"}
    {'raster': 'kewan_20240815.tif', 'date': '2024-08-15', 'plot_id': 'P1', 'class': 'spartina', 'fraction': 0.2346}
    """
    area = stats[f"{rules.class_name}_m2"].to_numpy(dtype=float).round(2)
    share = stats[f"{rules.class_name}_fraction"].to_numpy(dtype=float)
    ids = stats["plot_id"].to_numpy()
    extra = [
        json.dumps(
            {
                "raster": image.file,
                "sha256": image.upload_id,
                "date": image.date.isoformat(),
                "plot_id": str(plot_id),
                "class": rules.class_name,
                "fraction": round(float(fraction), 4),
            },
            ensure_ascii=False,
        )
        for plot_id, fraction in zip(ids, share, strict=True)
    ]
    n = len(stats)
    records = geopandas.GeoDataFrame(
        {
            "source_row": np.arange(first_row, first_row + n, dtype=np.int64),
            "observed_at": pd.Series(
                [local_noon(image.date, timezone)] * n, dtype="datetime64[ns, UTC]"
            ),
            "patrol_type": "digital_monitoring",
            "team": team,
            "observer": None,
            "finding": "spartina_regrowth",
            "cover_pct": (share * 100).round(2),
            "patch_area_m2": area,
            "survival_pct": np.nan,
            "action": "none",
            "notes": image.file,  # the record's source, shown with it (the case page)
            "extra": extra,
        },
        geometry=places.reindex(ids).to_numpy(),
        crs=4326,
    )
    records.insert(0, "record_key", record_keys(records))
    return records


def keep_invariants(records: geopandas.GeoDataFrame, window: tuple) -> geopandas.GeoDataFrame:
    """The records that keep the store's invariants (the last guard an import's
    rows pass, :func:`hailin.surveys.check.invariants.enforce_invariants`): a valid
    point, a time inside ``window`` ((earliest, latest, message) in UTC), known
    codes, finite measures. A raster's records are built to keep them; one that
    does not is refused here rather than stored.

    Examples
    --------
    >>> import shapely
    >>> records = geopandas.GeoDataFrame({"observed_at": pd.to_datetime(
    ...     ["2024-08-15T04:00Z", "2024-08-15T04:00Z"]), "patrol_type": "digital_monitoring",
    ...     "finding": "spartina_regrowth", "action": "none", "cover_pct": [1.0, 2.0],
    ...     "patch_area_m2": [60.0, float("inf")], "survival_pct": np.nan},
    ...     geometry=[shapely.Point(120.3, 27.3), shapely.Point(120.3, 27.3)], crs=4326)
    >>> window = (pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2030-01-01", tz="UTC"), "")
    >>> keep_invariants(records, window)["patch_area_m2"].tolist()
    [60.0]
    """
    problems = Problems(len(records))
    enforce_invariants(
        problems,
        np.asarray(records.geometry.values, dtype=object),
        records["observed_at"].reset_index(drop=True),
        window,
        {field: records[field].to_numpy() for field in ("patrol_type", "finding", "action")},
        {"geometry": "geometry", "time": "observed_at"},
        numbers={
            field: records[field].to_numpy(dtype=float)
            for field in ("cover_pct", "patch_area_m2", "survival_pct")
        },
    )
    return records[~problems.refused()]


# The columns of the imagery_cover layer, in order (see surveys.io.layout.COVER_KINDS).
COVER_COLUMNS = [
    "upload_id",
    "raster",
    "image_date",
    "plot_id",
    "method",
    "plot_m2",
    "covered_fraction",
    "valid_fraction",
    "cover_fraction",
    "cover_m2",
]


def cover_rows(stats: pd.DataFrame, image: Image, measure: CoverMeasure) -> pd.DataFrame:
    """The imagery_cover rows of one raster: per plot with data (class_stats
    or value_stats rows), its cover fraction and area on the image's date.

    Examples
    --------
    >>> stats = pd.DataFrame({"plot_id": ["Z1", "Z2"], "plot_m2": [1000.0, 800.0],
    ...     "covered_fraction": [1.0, 0.0], "valid_m2": [1000.0, 0.0],
    ...     "valid_fraction": [1.0, 0.0], "mangrove_fraction": [0.25, np.nan]})
    >>> image = Image("z.tif", "cd" * 32, datetime.date(2024, 8, 15))
    >>> cover_rows(stats, image, CoverMeasure())[["plot_id", "cover_fraction", "cover_m2"]].values.tolist()
    [['Z1', 0.25, 250.0]]
    """
    fraction = measure.fractions(stats)
    rows = pd.DataFrame(
        {
            "upload_id": image.upload_id,
            "raster": image.file,
            "image_date": image.date,
            "plot_id": stats["plot_id"].to_numpy(),
            "method": measure.label,
            "plot_m2": stats["plot_m2"].to_numpy(dtype=float),
            "covered_fraction": stats["covered_fraction"].to_numpy(dtype=float),
            "valid_fraction": stats["valid_fraction"].to_numpy(dtype=float),
            "cover_fraction": fraction,
            "cover_m2": fraction * stats["valid_m2"].to_numpy(dtype=float),
        },
        columns=COVER_COLUMNS,
    )
    measured = (stats["valid_m2"].to_numpy(dtype=float) > 0) & np.isfinite(fraction)
    return rows[measured].reset_index(drop=True)
