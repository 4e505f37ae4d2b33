"""Vectorised parsing of the values patrol files hold: coordinates and times.

Each parser returns the parsed values and a mask of the entries that were
present but could not be read, so the caller can name the row and column.
Fast paths handle the common forms for a million rows; the rarer forms (DMS
strings, Chinese dates) are parsed only for the entries that need them.
"""

import datetime
import re
from typing import NamedTuple

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
MAX_DMS_LENGTH = 64  # characters: "北纬 27 度 12 分 30.5 秒" is 20


def parse_dms(text):
    """Degrees from a DMS or hemisphere-marked string, or NaN.

    Examples
    --------
    >>> round(parse_dms("27°12'30.5\\"N"), 6), round(parse_dms("120 18 45.2 E"), 6)
    (27.208472, 120.312556)
    >>> parse_dms("北纬27°12′30.5″") == parse_dms("27°12'30.5\\"N")
    True
    >>> parse_dms("120.331.2")  # a mistyped decimal, refused rather than guessed
    nan
    """
    text = str(text)
    # The pattern backtracks badly on long runs of spaces (60 s for 2,000 of them);
    # a DMS value is never long, and one space between parts is all it needs.
    if len(text) > MAX_DMS_LENGTH:
        return np.nan
    match = _DMS.match(" ".join(text.split()))
    if not match:
        return np.nan
    # A fraction belongs to the last part only: 120.331.2 is a typo, not 120.3° 31.2'.
    if ("." in match["deg"] and (match["min"] or match["sec"])) or (
        match["min"] and "." in match["min"] and match["sec"]
    ):
        return np.nan
    degrees = float(match["deg"])
    minutes = float(match["min"]) if match["min"] else 0.0
    seconds = float(match["sec"]) if match["sec"] else 0.0
    if minutes >= 60 or seconds >= 60:
        return np.nan
    value = degrees + minutes / 60.0 + seconds / 3600.0
    hemisphere = (match["pre"] or match["post"] or "").lower()
    return -value if hemisphere in _NEGATIVE else value


def _blank(values):
    """Which entries of an object array are missing or only white space."""
    series = pd.Series(values, dtype="object")
    missing = series.isna().to_numpy()
    texts = series[~missing].astype(str).str.strip()
    blank = missing.copy()
    blank[~missing] = (texts.eq("") | texts.str.lower().eq("nan")).to_numpy()
    return blank


def _to_numbers(series, retry_text):
    """Floats of a column; unparsed non-blank entries get ``retry_text(texts)``.

    Infinite values ("inf", "1e999") come back as read; callers refuse them
    with their own message (see :func:`hailin.surveys.check.locate.locate`)."""
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True)
    failed = np.flatnonzero(np.isnan(numbers))
    unreadable = np.zeros(len(numbers), dtype=bool)
    if failed.size:
        subset = series.iloc[failed]
        present = ~_blank(subset.to_numpy())
        if present.any():
            positions = failed[present]
            numbers[positions] = retry_text(subset[present].astype(str).str.strip())
            unreadable[positions] = np.isnan(numbers[positions])
    return numbers, unreadable


def parse_coordinates(values):
    """(float array, unreadable mask) for decimal degrees, metres or DMS strings."""

    def dms(texts):
        uniques = {text: parse_dms(text) for text in pd.unique(texts)}
        return texts.map(uniques).to_numpy(dtype=float)

    return _to_numbers(pd.Series(values, dtype="object"), dms)


def parse_numbers(values):
    """(float array, unreadable mask) for measurements like '35%', '120㎡', '12.5'.

    Infinite values ('inf', '1e999') are unreadable: no measurement is infinite.

    Examples
    --------
    >>> numbers, bad = parse_numbers(["35%", "120㎡", "inf", ""])
    >>> numbers.tolist()[:2], bad.tolist()
    ([35.0, 120.0], [False, False, True, False])
    """

    def units(texts):
        cleaned = texts.str.replace(r"(%|％|㎡|平方米|m2|m²|亩)$", "", regex=True).str.strip()
        return pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float)

    numbers, unreadable = _to_numbers(pd.Series(values, dtype="object"), units)
    infinite = np.isinf(numbers)
    numbers[infinite] = np.nan
    return numbers, unreadable | infinite


# pandas timestamps (nanoseconds) hold 1677-09-21 .. 2262-04-11; whole years
# inside that, so that a time zone shift cannot step outside.
_FIRST_YEAR, _LAST_YEAR = 1678, 2261
# An offset after a clock time: Z, +08, +0800, +08:00 (after normalising UTC+8 / GMT+8).
_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d*)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")
# "UTC+8", "GMT+0800", "UTC -5:30", "GMT": the sign as written (dateutil would
# read "UTC+8" as eight hours behind, the POSIX way).
_NAMED_OFFSET = re.compile(r"\s*(?:UTC|GMT)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE)
_SHORT_OFFSET = re.compile(r"(\d:\d{2}(?::\d{2}(?:[.,]\d*)?)?)\s*([+-]\d{2})(?::?(\d{2}))?$")
# Dates whose year has two digits: 23-06-02, 02/06/23.
_TWO_DIGIT_YEAR = re.compile(
    r"^(?:\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2})(?!\d)"
)
# Day and month before a four-digit year: 02/06/2023, 13.06.2023 09:00.
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)(.*)$", re.DOTALL)
_ORDERS = {"day": "day/month/year", "month": "month/day/year"}
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


def _within_range(parsed, beyond):
    """``parsed`` with the years pandas' nanosecond timestamps cannot hold
    (0001-01-01, 9999-12-31) set to NaT and marked in ``beyond``: -1 too
    early, +1 too late. Checked before any time zone arithmetic, which would
    overflow on them."""
    years = parsed.dt.year.to_numpy(dtype=float)
    early = years < _FIRST_YEAR
    late = years > _LAST_YEAR
    if early.any() or late.any():
        beyond.loc[parsed.index[early]] = -1
        beyond.loc[parsed.index[late]] = 1
        parsed = parsed.where(~(early | late))
    return parsed.dt.as_unit("ns")


def _with_iso_offsets(texts):
    """'UTC+8', 'GMT+0800' and the short ISO '+08', '+0800' written as '+08:00'."""

    def named(match):
        sign, hours, minutes = match.group(1) or "+", match.group(2) or "0", match.group(3)
        return f"{sign}{int(hours):02d}:{minutes or '00'}"

    texts = texts.str.replace(_NAMED_OFFSET, named, regex=True)
    return texts.str.replace(
        _SHORT_OFFSET, lambda m: f"{m.group(1)}{m.group(2)}:{m.group(3) or '00'}", regex=True
    )


def _day_month_order(texts):
    """(texts with day/month/year dates rewritten year first, unclear mask, note).

    A date like 02/06/2023 is read only when the column as a whole says which
    number is the day (a 13/06/2023 in it, and nothing like 06/13/2023); the
    note says which order was read. Otherwise such dates are unclear."""
    parts = texts.str.extract(_DAY_MONTH_YEAR)
    found = parts[0].notna().to_numpy()
    unclear = np.zeros(len(texts), dtype=bool)
    if not found.any():
        return texts, unclear, None
    first = pd.to_numeric(parts[0], errors="coerce").to_numpy()
    second = pd.to_numeric(parts[2], errors="coerce").to_numpy()
    day_first = found & (first > 12) & (second <= 12)
    month_first = found & (second > 12) & (first <= 12)
    either = found & (first <= 12) & (second <= 12)
    order = None
    if day_first.any() != month_first.any():
        order = "day" if day_first.any() else "month"
    use_day = day_first | (either & (order == "day"))
    use_month = month_first | (either & (order == "month")) | (either & (first == second))
    unclear = either & ~use_day & ~use_month
    rewritten = texts.copy()
    for mask, (month, day) in ((use_day, (2, 0)), (use_month, (0, 2))):
        if mask.any():
            rewritten[mask] = (
                parts[3][mask] + "-" + parts[month][mask] + "-" + parts[day][mask] + parts[4][mask]
            )
    note = None
    if order is not None and (either & (first != second)).any():
        evidence = texts[day_first if order == "day" else month_first].iloc[0]
        example = texts[either & (first != second)].iloc[0]
        note = f"dates like {example!r} read as {_ORDERS[order]}, as {evidence!r} shows"
    return rewritten, unclear, note


def _one_time(text, fmt, timezone):
    try:
        value = pd.to_datetime(text, format=fmt)
    except (ValueError, OverflowError):
        return pd.NaT
    if value.year < _FIRST_YEAR or value.year > _LAST_YEAR:
        return pd.NaT
    return value.tz_localize(timezone) if value.tzinfo is None else value


def _parse_text_times(texts, timezone):
    """(UTC timestamps for strings, NaT where unreadable; -1/0/+1 per entry
    for a year before/within/after what a timestamp can hold; unclear mask
    (two-digit years, day/month order the column does not settle); note).

    One kind of ISO time throughout (the usual case, a million rows a second)
    is read at once; the rest go through :func:`_parse_unusual`."""
    result = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns, UTC]")
    beyond = pd.Series(0, index=texts.index, dtype=np.int8)
    unclear = np.zeros(len(texts), dtype=bool)
    if texts.empty:
        return result, beyond, unclear, None
    try:
        parsed = _within_range(pd.to_datetime(texts, format="ISO8601", errors="coerce"), beyond)
        result[:] = (
            _localise(parsed, timezone) if parsed.dt.tz is None else parsed.dt.tz_convert("UTC")
        )
    except (ValueError, OverflowError):
        pass  # naive and offset times in one column: each is read below
    retry = result.isna().to_numpy() & (beyond == 0).to_numpy()
    note = None
    if retry.any():
        parsed, beyond.loc[retry], unclear[retry], note = _parse_unusual(texts[retry], timezone)
        result[retry] = parsed
    return result, beyond, unclear, note


def _parse_unusual(texts, timezone):
    """:func:`_parse_text_times` for the times that are not plain ISO."""
    result = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns, UTC]")
    beyond = pd.Series(0, index=texts.index, dtype=np.int8)
    texts, unclear, note = _day_month_order(_with_iso_offsets(texts))
    unclear |= texts.str.contains(_TWO_DIGIT_YEAR, regex=True).to_numpy()
    for attempt in ("ISO8601", "chinese", "mixed"):
        retry = result.isna().to_numpy() & (beyond == 0).to_numpy() & ~unclear
        if not retry.any():
            break
        candidates = texts[retry]
        if attempt == "chinese":
            for pattern, replacement in _CHINESE_DATE:
                candidates = candidates.str.replace(pattern, replacement, regex=True)
            candidates = candidates.str.strip()
        fmt = "ISO8601" if attempt == "ISO8601" else "mixed"
        result[retry] = _bounded_utc(candidates, timezone, fmt, beyond)
    retry = result.isna().to_numpy() & (beyond == 0).to_numpy() & ~unclear
    if retry.any():  # Excel serial day numbers written out as text
        serial = pd.to_numeric(texts[retry], errors="coerce")
        plausible = serial.between(20000, 80000)
        if plausible.any():
            days = pd.to_datetime(serial[plausible], unit="D", origin="1899-12-30")
            index = serial[plausible].index
            result.loc[index] = _localise(days, timezone)
    return result, beyond, unclear, note


def _bounded_utc(texts, timezone, fmt, beyond):
    """:func:`_to_utc` with years a timestamp cannot hold marked in ``beyond``."""
    years = texts.str.extract(r"^\s*(-?\d{4,})(?=\D)", expand=False)
    years = pd.to_numeric(years, errors="coerce")
    beyond.loc[years.index[(years < _FIRST_YEAR).to_numpy()]] = -1
    beyond.loc[years.index[(years > _LAST_YEAR).to_numpy()]] = 1
    inside = ~((years < _FIRST_YEAR) | (years > _LAST_YEAR)).to_numpy()
    result = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns, UTC]")
    if inside.any():
        result[inside] = _localised_utc(texts[inside], timezone, fmt, beyond)
    return result


def _localised_utc(texts, timezone, fmt, beyond):
    aware = texts.str.contains(_OFFSET, regex=True).to_numpy()
    result = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns, UTC]")
    for mask in (aware, ~aware):
        if not mask.any():
            continue
        try:
            parsed = pd.to_datetime(
                texts[mask], format=fmt, errors="coerce", utc=bool(mask is aware)
            )
        except (ValueError, OverflowError):  # naive and aware mixed: one by one
            parsed = pd.to_datetime(
                texts[mask].map(lambda t: _one_time(t, fmt, timezone)), utc=True, errors="coerce"
            )
        if parsed.dt.tz is None:
            parsed = _within_range(parsed, beyond)
            parsed = _localise(parsed, timezone)
        result[mask] = parsed.dt.tz_convert("UTC")
    return result


def _localise(series, timezone):
    series = pd.to_datetime(series, errors="coerce")
    if series.dt.tz is None:
        series = series.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return series.dt.tz_convert("UTC")


class Times(NamedTuple):
    """What :func:`parse_times` found."""

    values: pd.Series  # UTC timestamps, NaT where missing, unreadable or beyond
    unreadable: np.ndarray  # present but not a date/time
    beyond: np.ndarray  # -1 / +1: a date before 1678 / after 2261 (0001-01-01, 9999-12-31)
    unclear: np.ndarray  # a two-digit year, or a day/month order the column leaves open
    note: str | None  # which day/month order was read, when the column settled it


def parse_times(values, timezone, times_of_day=None):
    """(UTC timestamps, unreadable mask, beyond) from a date-time column, or from
    a date column plus a time-of-day column. Naive values are read in ``timezone``.

    Dates a timestamp cannot hold (before 1678, after 2261) are NaT, not
    unreadable, and marked -1 / +1 in ``beyond`` so the caller can say which.

    Examples
    --------
    >>> from hailin.surveys.localtime import DEFAULT_TIMEZONE  # Fuding, UTC+8
    >>> t, bad, beyond, _unclear, _note = parse_times(
    ...     ["2023-05-01 10:30", "2023年5月1日 10时30分", "soon", "9999-12-31"], DEFAULT_TIMEZONE
    ... )
    >>> [str(v) for v in t]
    ['2023-05-01 02:30:00+00:00', '2023-05-01 02:30:00+00:00', 'NaT', 'NaT']
    >>> bad.tolist(), beyond.tolist()
    ([False, False, True, False], [0, 0, 0, 1])

    Offsets are read as written, whatever their form; a two-digit year is unclear:

    >>> t = parse_times(["2023-06-02 15:00 UTC+8", "2023-06-02T15:00+08", "23-06-02 15:00"], "UTC")
    >>> [str(v) for v in t.values], t.unclear.tolist()
    (['2023-06-02 07:00:00+00:00', '2023-06-02 07:00:00+00:00', 'NaT'], [False, False, True])
    """
    series = pd.Series(values, dtype="object")
    if series.map(type).ne(str).any():
        series = series.map(_to_text)
    if times_of_day is not None:
        present = ~_blank(series.to_numpy())
        clock = pd.Series(times_of_day, dtype="object").map(_to_text)
        clock_present = ~_blank(clock.to_numpy())
        dates = (
            series.astype(str)
            .str.strip()
            .str.slice(0, 10)
            .where(~series.astype(str).str.contains("年"), series.astype(str))
        )
        series = dates.where(~clock_present, dates + " " + clock.astype(str).str.strip())
        series = series.where(present, None)
    missing = series.isna().to_numpy()
    parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    beyond = np.zeros(len(series), dtype=np.int8)
    texts, text_beyond, text_unclear, note = _parse_text_times(
        series[~missing].astype(str).str.strip(), timezone
    )
    parsed[~missing] = texts
    beyond[~missing] = text_beyond.to_numpy()
    unclear = np.zeros(len(series), dtype=bool)
    unclear[~missing] = text_unclear
    failed = np.flatnonzero(parsed.isna().to_numpy() & (beyond == 0) & ~unclear)
    unreadable = np.zeros(len(series), dtype=bool)
    if failed.size:
        unreadable[failed] = ~_blank(series.iloc[failed].to_numpy())
    return Times(parsed, unreadable, beyond, unclear, note)
