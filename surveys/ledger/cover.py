"""Mangrove cover from imagery over time: each restoration plot's series of
image dates, its trend, and the imagery-based survival estimate.

Definitions (the README's "Digital monitoring" says the same):

- a plot's **cover series** is its mangrove cover (percent of the plot's area
  with data, see :mod:`hailin.surveys.imagery`) on each image date, counting only
  images dated on or after its planting day on which at least
  :data:`hailin.surveys.imagery.MIN_VALID_FRACTION` of the plot had data (clouds and
  the raster's edge leave the rest out), and of one way of measuring it
  (``method``: the one with the most dates for the plot, of two with as many
  the one measured last); images of one date are averaged;
- its **latest cover** is the last value of the series, its **change** the
  latest minus the first (percentage points), its **trend** the least-squares
  slope of cover against time in percentage points per year, given when the
  series spans at least :data:`MIN_TREND_DAYS` (a month apart, two images
  differ more by how they were taken and classified than by growth);
- the **imagery survival estimate** is the latest cover of each plot
  measured, weighted by plot area (``area_mu``): the share of the planted area
  where the latest imagery sees mangrove. Seedlings are smaller than a pixel
  at first, so early on it is a lower bound of ``planting_check`` survival;
  the two meet as canopies close.
"""

import dataclasses

import numpy as np
import pandas as pd

from hailin.surveys.imagery import MIN_VALID_FRACTION

_DAYS_PER_YEAR = 365.25
# Days from a plot's first to its latest image before a trend is given.
MIN_TREND_DAYS = 90
# The per-plot figures, in order.
PLOT_COLUMNS = [
    "plot_id",
    "site",
    "area_mu",
    "planted_on",
    "dates",
    "first_date",
    "first_cover_pct",
    "latest_date",
    "latest_cover_pct",
    "change_pct",
    "trend_pct_per_year",
    "patrol_survival_pct",
]


@dataclasses.dataclass
class ImageryCover:
    """Cover from imagery: ``plots`` (one row per plot measured, see
    :data:`PLOT_COLUMNS`) and programme ``totals``."""

    plots: pd.DataFrame
    totals: dict

    def to_dict(self) -> dict:
        """The figures as plain JSON values (NaN as None, dates as text)."""
        rows = self.plots.astype(object).where(self.plots.notna(), None)
        for column in ("planted_on", "first_date", "latest_date"):
            rows[column] = [None if d is None else str(d) for d in rows[column]]
        plots = [{k: _plain(v) for k, v in row.items()} for row in rows.to_dict(orient="records")]
        return {**{k: _plain(v) for k, v in self.totals.items()}, "plots": plots}

    def by_plot(self) -> dict:
        """{plot_id: (latest cover %, its date as text)} of the plots measured."""
        return {
            row.plot_id: (row.latest_cover_pct, str(row.latest_date))
            for row in self.plots.itertuples()
        }


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else round(float(value), 4)
    return value


def cover_series(cover: pd.DataFrame, restoration: pd.DataFrame) -> pd.DataFrame:
    """(plot_id, image_date, cover_pct) of the measurements that count (see the
    module's definitions), one row per plot and date, in date order.

    Examples
    --------
    >>> import datetime
    >>> day = datetime.date
    >>> plots = pd.DataFrame({"plot_id": ["Z1"], "planted_on": [day(2023, 11, 1)]})
    >>> cover = pd.DataFrame({"plot_id": ["Z1"] * 4,
    ...     "image_date": [day(2023, 10, 1), day(2024, 5, 1), day(2024, 5, 1), day(2024, 9, 1)],
    ...     "valid_fraction": [1.0, 1.0, 1.0, 0.2], "cover_fraction": [0.0, 0.2, 0.3, 0.9]})
    >>> cover_series(cover, plots).values.tolist()
    [['Z1', datetime.date(2024, 5, 1), 25.0]]
    """
    planted = dict(zip(restoration["plot_id"], restoration["planted_on"], strict=True))
    rows = cover[cover["plot_id"].isin(planted)]
    day = pd.to_datetime(pd.Series(rows["image_date"].to_numpy(), dtype=object))
    start = pd.to_datetime(pd.Series(rows["plot_id"].map(planted).to_numpy(), dtype=object))
    counts = (rows["valid_fraction"].to_numpy(dtype=float) >= MIN_VALID_FRACTION) & ~(
        day < start
    ).to_numpy()
    rows = rows[counts].assign(cover_pct=rows["cover_fraction"].to_numpy(dtype=float)[counts] * 100)
    rows = _one_method(rows)
    series = rows.groupby(["plot_id", "image_date"], as_index=False, sort=True)["cover_pct"].mean()
    return series[["plot_id", "image_date", "cover_pct"]]


def _one_method(rows):
    """Per plot, the rows of one way of measuring cover (a class share and an
    index's share above a threshold are not the same figure): the method with
    the most image dates, of two with as many the one measured last."""
    if "method" not in rows or rows["method"].nunique() < 2:
        return rows
    per = rows.groupby(["plot_id", "method"])["image_date"].agg(["nunique", "max"])
    best = per.sort_values(["nunique", "max"]).groupby(level="plot_id").tail(1).index
    keys = pd.MultiIndex.from_arrays([rows["plot_id"], rows["method"]])
    return rows[keys.isin(best)]


def _trends(series):
    """Least-squares slope of cover_pct against time (per year), per plot."""
    years = pd.to_datetime(pd.Series(series["image_date"].to_numpy(), dtype=object))
    t = (years - pd.Timestamp("2000-01-01")).dt.days.to_numpy() / _DAYS_PER_YEAR
    frame = pd.DataFrame({"plot_id": series["plot_id"].to_numpy(), "t": t})
    frame["c"] = series["cover_pct"].to_numpy()
    grouped = frame.groupby("plot_id")
    dt = frame["t"] - grouped["t"].transform("mean")
    dc = frame["c"] - grouped["c"].transform("mean")
    sums = pd.DataFrame({"plot_id": frame["plot_id"], "xy": dt * dc, "xx": dt * dt})
    sums = sums.groupby("plot_id")[["xy", "xx"]].sum()
    span = grouped["t"].max() - grouped["t"].min()
    return (sums["xy"] / sums["xx"]).where((span * _DAYS_PER_YEAR).round() >= MIN_TREND_DAYS)


def _weighted(values, weights):
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return None
    return float((values[keep] * weights[keep]).sum() / weights[keep].sum())


def imagery_survival(
    cover: pd.DataFrame, restoration: pd.DataFrame, patrol_survival: dict | None = None
) -> ImageryCover:
    """Each restoration plot's cover series summed up, and the programme's
    imagery survival estimate and cover trend (see the module's definitions);
    ``patrol_survival`` ({plot_id: planting_check survival %}) is set beside.

    Examples
    --------
    >>> import datetime
    >>> day = datetime.date
    >>> plots = pd.DataFrame({"plot_id": ["Z1", "Z2"], "site": ["kewan"] * 2,
    ...     "area_mu": [10.0, 30.0], "planted_on": [day(2023, 11, 1)] * 2})
    >>> cover = pd.DataFrame({"plot_id": ["Z1", "Z1", "Z2"],
    ...     "image_date": [day(2024, 3, 1), day(2025, 3, 1), day(2025, 3, 1)],
    ...     "valid_fraction": [1.0, 1.0, 1.0], "cover_fraction": [0.1, 0.5, 0.3]})
    >>> result = imagery_survival(cover, plots, {"Z1": 90.0})
    >>> result.totals["survival_pct"], result.totals["plots_measured"]
    (35.0, 2)
    >>> result.plots[["plot_id", "change_pct", "trend_pct_per_year", "patrol_survival_pct"]].round(2).values.tolist()
    [['Z1', 40.0, 40.03, 90.0], ['Z2', 0.0, nan, nan]]
    """
    series = cover_series(cover, restoration)
    grouped = series.groupby("plot_id", sort=True)
    plots = pd.DataFrame(
        {
            "dates": grouped.size(),
            "first_date": grouped["image_date"].first(),
            "first_cover_pct": grouped["cover_pct"].first(),
            "latest_date": grouped["image_date"].last(),
            "latest_cover_pct": grouped["cover_pct"].last(),
        }
    )
    plots["change_pct"] = plots["latest_cover_pct"] - plots["first_cover_pct"]
    plots["trend_pct_per_year"] = _trends(series).reindex(plots.index)
    facts = restoration.set_index("plot_id")
    plots = plots.join(facts[["site", "area_mu", "planted_on"]]).reset_index(names="plot_id")
    survival = patrol_survival or {}
    plots["patrol_survival_pct"] = [float(survival.get(p, np.nan)) for p in plots["plot_id"]]
    plots = plots[PLOT_COLUMNS]
    area = plots["area_mu"].to_numpy(dtype=float)
    dates = sorted(series["image_date"].unique())
    totals = {
        "plots_measured": len(plots),
        "area_mu": float(area.sum()),
        "survival_pct": _weighted(plots["latest_cover_pct"].to_numpy(dtype=float), area),
        "trend_pct_per_year": _weighted(plots["trend_pct_per_year"].to_numpy(dtype=float), area),
        "plots_with_trend": int(plots["trend_pct_per_year"].notna().sum()),
        "dates": [str(d) for d in dates],
        "images": int(cover["upload_id"].nunique()) if "upload_id" in cover else None,
    }
    return ImageryCover(plots.reset_index(drop=True), totals)
