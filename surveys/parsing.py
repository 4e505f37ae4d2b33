"""Vectorised parsing of the values patrol files hold: coordinates and times.

Each parser returns the parsed values and a mask of the entries that were
present but could not be read, so the caller can name the row and column.
Fast paths handle the common forms for a million rows; the rarer forms (DMS
strings, Chinese dates) are parsed only for the entries that need them.
"""

import datetime
import re

import numpy as np
import pandas as pd

_DMS = re.compile(
    r"""^\s*(?P<pre>[NSEWnsew东西南北]|北纬|南纬|东经|西经)?\s*
    (?P<deg>\d+(?:\.\d+)?)\s*(?:°|度|:|\s)?\s*
    (?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|′|’|分|:|\s)?\s*)?
    (?:(?P<sec>\d+(?:\.\d+)?)\s*(?:"|″|”|''|秒)?\s*)?
    (?P<post>[NSEWnsew东西南北])?\s*$""",
    re.VERBOSE,
)
_NEGATIVE = {"s", "w", "南", "西", "南纬", "西经"}


def parse_dms(text):
    """Degrees from a DMS or hemisphere-marked string, or NaN.

    Examples
    --------
    >>> round(parse_dms("27°12'30.5\\"N"), 6), round(parse_dms("120 18 45.2 E"), 6)
    (27.208472, 120.312556)
    >>> parse_dms("北纬27°12′30.5″") == parse_dms("27°12'30.5\\"N")
    True
    """
    match = _DMS.match(str(text))
    if not match:
        return np.nan
    degrees = float(match["deg"])
    minutes = float(match["min"]) if match["min"] else 0.0
    seconds = float(match["sec"]) if match["sec"] else 0.0
    if minutes >= 60 or seconds >= 60:
        return np.nan
    value = degrees + minutes / 60.0 + seconds / 3600.0
    hemisphere = (match["pre"] or match["post"] or "").lower()
    return -value if hemisphere in _NEGATIVE else value


def _present(values):
    series = pd.Series(values, dtype="object")
    as_text = series.astype(str).str.strip()
    return (
        series.notna().to_numpy()
        & (as_text != "").to_numpy()
        & (as_text.str.lower() != "nan").to_numpy()
    )


def parse_coordinates(values):
    """(float array, unreadable mask) for decimal degrees, metres or DMS strings."""
    series = pd.Series(values, dtype="object")
    present = _present(series)
    numbers = pd.to_numeric(series.where(present, None), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    retry = present & np.isnan(numbers)
    if retry.any():
        texts = series[retry].astype(str)
        uniques = {text: parse_dms(text) for text in pd.unique(texts)}
        numbers[retry] = texts.map(uniques).to_numpy(dtype=float)
    return numbers, present & np.isnan(numbers)


def parse_numbers(values):
    """(float array, unreadable mask) for measurements like '35%', '120㎡', '12.5'."""
    series = pd.Series(values, dtype="object")
    present = _present(series)
    numbers = pd.to_numeric(series.where(present, None), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    retry = present & np.isnan(numbers)
    if retry.any():
        cleaned = (
            series[retry]
            .astype(str)
            .str.strip()
            .str.replace(r"(%|％|㎡|平方米|m2|m²|亩)$", "", regex=True)
            .str.strip()
        )
        numbers[retry] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float)
    return numbers, present & np.isnan(numbers)


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_CHINESE_DATE = [
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"), r"\1-\2-\3 "),
    (re.compile(r"(\d{1,2})\s*[时点]\s*(\d{1,2})\s*分?\s*(?:(\d{1,2})\s*秒)?"), r"\1:\2:\3"),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})"), r"\1-\2-\3"),
    (re.compile(r":$"), ""),
]


def _to_text(value):
    if isinstance(value, datetime.datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    return value


def _parse_text_times(texts, timezone):
    """UTC timestamps for strings; NaT where unreadable."""
    result = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns, UTC]")
    if texts.empty:
        return result
    aware = texts.str.contains(_OFFSET, regex=True).to_numpy()
    if aware.any():
        result[aware] = pd.to_datetime(texts[aware], format="ISO8601", utc=True, errors="coerce")
    naive = ~aware
    if naive.any():
        parsed = pd.to_datetime(texts[naive], format="ISO8601", errors="coerce")
        result[naive] = _localise(parsed, timezone)
    retry = result.isna().to_numpy()
    if retry.any():
        cleaned = texts[retry]
        for pattern, replacement in _CHINESE_DATE:
            cleaned = cleaned.str.replace(pattern, replacement, regex=True)
        cleaned = cleaned.str.strip()
        aware_retry = cleaned.str.contains(_OFFSET, regex=True).to_numpy()
        parsed = pd.Series(pd.NaT, index=cleaned.index, dtype="datetime64[ns, UTC]")
        if aware_retry.any():
            parsed[aware_retry] = pd.to_datetime(
                cleaned[aware_retry], format="mixed", utc=True, errors="coerce"
            )
        if (~aware_retry).any():
            local = pd.to_datetime(cleaned[~aware_retry], format="mixed", errors="coerce")
            parsed[~aware_retry] = _localise(local, timezone)
        result[retry] = parsed
    retry = result.isna().to_numpy()
    if retry.any():  # Excel serial day numbers written out as text
        serial = pd.to_numeric(texts[retry], errors="coerce")
        plausible = serial.between(20000, 80000)
        if plausible.any():
            days = pd.to_datetime(serial[plausible], unit="D", origin="1899-12-30")
            index = serial[plausible].index
            result.loc[index] = _localise(days, timezone)
    return result


def _localise(series, timezone):
    series = pd.to_datetime(series, errors="coerce")
    if series.dt.tz is None:
        series = series.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return series.dt.tz_convert("UTC")


def parse_times(values, timezone, times_of_day=None):
    """(UTC timestamps, unreadable mask) from a date-time column, or from a date
    column plus a time-of-day column. Naive values are read in ``timezone``.

    Examples
    --------
    >>> t, bad = parse_times(["2023-05-01 10:30", "2023年5月1日 10时30分", "soon"], "Asia/Shanghai")
    >>> [str(v) for v in t], bad.tolist()
    (['2023-05-01 02:30:00+00:00', '2023-05-01 02:30:00+00:00', 'NaT'], [False, False, True])
    """
    series = pd.Series(values, dtype="object").map(_to_text)
    present = _present(series)
    if times_of_day is not None:
        clock = pd.Series(times_of_day, dtype="object").map(_to_text)
        clock_present = _present(clock)
        dates = (
            series.astype(str)
            .str.strip()
            .str.slice(0, 10)
            .where(~series.astype(str).str.contains("年"), series.astype(str))
        )
        series = dates.where(~clock_present, dates + " " + clock.astype(str).str.strip())
        series = series.where(present, None)
    texts = series[present].astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    parsed[present] = _parse_text_times(texts, timezone)
    return parsed, present & parsed.isna().to_numpy()
