"""Periods a statistic is asked for: a year, a quarter, a month or two dates.

Every period is a range of local calendar days, first and last included:
``2024`` (or ``"2024"``), ``"2024Q4"``, ``"2024-05"``, ``("2024-04-01",
"2024-06-30")``, or ``None`` for all time. Days are local to the workspace
(:mod:`hailin.surveys.localtime`), as patrols count them.
"""

import dataclasses
import datetime
import re

import numpy as np
import pandas as pd

from hailin.surveys.errors import StatisticsError

_QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")


@dataclasses.dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included; ``None`` ends are open.

    ``year`` and ``month`` name the period when it is exactly one year
    ("2024") or one month ("2024-05"), for looking up targets.
    """

    first: datetime.date | None = None
    last: datetime.date | None = None
    year: str | None = None
    month: str | None = None

    def contains(self, dates) -> np.ndarray:
        """Mask of ``dates`` (dates, or None/NaT) inside the period.

        Examples
        --------
        >>> import datetime as dt
        >>> period("2024Q2").contains([dt.date(2024, 3, 31), dt.date(2024, 4, 1), None]).tolist()
        [False, True, False]
        """
        days = pd.to_datetime(pd.Series(list(dates), dtype=object), errors="coerce")
        inside = days.notna().to_numpy().copy()
        if self.first is not None:
            inside &= (days >= pd.Timestamp(self.first)).to_numpy()
        if self.last is not None:
            inside &= (days <= pd.Timestamp(self.last)).to_numpy()
        return inside

    def months(self) -> list[str]:
        """The months ("YYYY-MM") the period spans (none when it is open-ended)."""
        if self.first is None or self.last is None:
            return []
        return [p.strftime("%Y-%m") for p in pd.period_range(self.first, self.last, freq="M")]

    def __str__(self) -> str:
        if self.first is None and self.last is None:
            return "all"
        return self.year or self.month or f"{self.first or '…'} to {self.last or '…'}"


def _date(value, what):
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError) as error:
        raise StatisticsError(f"{what} {value!r} is not a date like 2024-05-01") from error


def period(value=None) -> Period:
    """The :class:`Period` a planner names.

    Examples
    --------
    >>> period(2024)
    Period(first=datetime.date(2024, 1, 1), last=datetime.date(2024, 12, 31), year='2024', month=None)
    >>> str(period("2024Q4")), period("2024-05").last
    ('2024-10-01 to 2024-12-31', datetime.date(2024, 5, 31))
    """
    if value is None or isinstance(value, Period):
        return value or Period()
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise StatisticsError(f"a period of dates is (first, last), got {value!r}")
        first = None if value[0] is None else _date(value[0], "first day")
        last = None if value[1] is None else _date(value[1], "last day")
        if first and last and first > last:
            raise StatisticsError(f"the period's first day {first} comes after its last {last}")
        return Period(first, last)
    if isinstance(value, pd.Period):
        return Period(value.start_time.date(), value.end_time.date())
    text = str(value).strip()
    if _YEAR.fullmatch(text):
        year = int(text)
        return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), year=text)
    if match := _QUARTER.fullmatch(text):
        quarter = pd.Period(f"{match[1]}Q{match[2]}", freq="Q")
        return Period(quarter.start_time.date(), quarter.end_time.date())
    if (match := _MONTH.fullmatch(text)) and 1 <= int(match[2]) <= 12:
        month = pd.Period(f"{match[1]}-{int(match[2]):02d}", freq="M")
        return Period(month.start_time.date(), month.end_time.date(), month=str(month))
    raise StatisticsError(
        f"period {value!r} is not a year (2024), quarter (2024Q4), month (2024-05) "
        "or (first, last) dates"
    )
