"""Local time: the one place a UTC timestamp becomes a day or a clock time.

Timestamps are stored in UTC; a patrol day is a day where the patrol walked,
so every day, date and time hailin shows or counts is taken in the
workspace's time zone (``timezone`` in hailin.toml, by default
:data:`DEFAULT_TIMEZONE`).
"""

import numpy as np
import pandas as pd

from hailin.surveys.timezone import DEFAULT_TIMEZONE


def _local(timestamps, timezone):
    return pd.to_datetime(pd.Series(timestamps), utc=True).dt.tz_convert(timezone)


def local_dates(timestamps, timezone: str = DEFAULT_TIMEZONE) -> pd.Series:
    """Calendar dates (``datetime.date``) in ``timezone`` of UTC-aware timestamps.

    Examples
    --------
    >>> local_dates(pd.Series(pd.to_datetime(["2023-05-01T23:30Z"])), DEFAULT_TIMEZONE).tolist()
    [datetime.date(2023, 5, 2)]
    """
    return _local(timestamps, timezone).dt.date


def local_day_numbers(timestamps, timezone: str = DEFAULT_TIMEZONE) -> np.ndarray:
    """Local calendar day numbers (days since 1970-01-01 in ``timezone``).

    Examples
    --------
    >>> local_day_numbers(pd.to_datetime(["1970-01-01T23:00Z"]), "Asia/Tokyo").tolist()
    [1]
    """
    local = _local(timestamps, timezone).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[D]").astype(np.int64)


def local_text(timestamp, timezone: str = DEFAULT_TIMEZONE, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """One timestamp as local text (``fmt`` of :meth:`datetime.strftime`).

    Examples
    --------
    >>> local_text(pd.Timestamp("2023-05-01T23:00Z"), DEFAULT_TIMEZONE)
    '2023-05-02 07:00'
    >>> local_text(pd.Timestamp("2023-05-01T23:00Z"), DEFAULT_TIMEZONE, "%Y-%m-%d")
    '2023-05-02'
    """
    return pd.Timestamp(timestamp).tz_convert(timezone).strftime(fmt)


def local_noon(day, timezone: str = DEFAULT_TIMEZONE) -> pd.Timestamp:
    """Noon of the local ``day`` in ``timezone``, as a UTC timestamp: the time
    given to what is known by the day only (an image's date).

    Examples
    --------
    >>> import datetime
    >>> local_noon(datetime.date(2024, 8, 15))
    Timestamp('2024-08-15 04:00:00+0000', tz='UTC')
    """
    return pd.Timestamp(day).replace(hour=12).tz_localize(timezone).tz_convert("UTC")


def with_local_times(frame, timezone: str = DEFAULT_TIMEZONE):
    """``frame`` with every time-zone-aware column shown in ``timezone``: the
    same instants, as the frames handed to users carry them (the store keeps
    UTC). Frames without such columns come back as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"observed_at": pd.to_datetime(["2023-08-05T03:00Z"])})
    >>> str(with_local_times(frame)["observed_at"].iloc[0])
    '2023-08-05 11:00:00+08:00'
    """
    if frame is None:
        return frame
    aware = [
        c
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.DatetimeTZDtype) and str(frame[c].dt.tz) != timezone
    ]
    if not aware:
        return frame
    return frame.assign(**{c: frame[c].dt.tz_convert(timezone) for c in aware})


def offset_text(times) -> pd.Series:
    """Local times as exports write them: ``YYYY-MM-DD HH:MM+08:00``, the
    wall-clock time of the frame's zone with its offset (None where missing).

    Examples
    --------
    >>> times = pd.Series(pd.to_datetime(["2023-08-05T03:00Z", None])).dt.tz_convert("Asia/Shanghai")
    >>> offset_text(times).tolist()
    ['2023-08-05 11:00+08:00', None]
    """
    times = pd.Series(times)
    zone = times.dt.strftime("%z")
    text = times.dt.strftime("%Y-%m-%d %H:%M") + zone.str[:3] + ":" + zone.str[3:]
    return text.astype(object).where(times.notna(), None)
