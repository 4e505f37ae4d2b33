"""What the uploader says about a file (the CLI flags of ``hailin import``),
checked when given, with the window of plausible times it implies.
"""

import dataclasses
import datetime
import math
import os

import pandas as pd

from hailin.geo.crs import CRSLike, normalize_crs
from hailin.surveys.check.undated import date_in_name
from hailin.surveys.check.words import code_for
from hailin.surveys.errors import SettingsError, SurveyFileError
from hailin.surveys.localtime import DEFAULT_TIMEZONE
from hailin.surveys.schema import allowed_words

EARLIEST_DATE = datetime.date(1990, 1, 1)


@dataclasses.dataclass(frozen=True)
class ImportOptions:
    """What the uploader says about a file (the CLI flags of ``hailin import``).

    Checked when made; dates may be given as ISO text.

    Parameters
    ----------
    patrol_type : str, optional
        The patrol type of every row (a code or its Chinese or English word).
    team : str, optional
        The team of every row.
    crs : pyproj.CRS, str or int, optional
        The coordinates' CRS when the file does not say.
    sheet : str, optional
        The worksheet of a workbook.
    timezone : str
        The zone of times written without one (default Asia/Shanghai).
    max_distance_km : float or None
        Rows farther than this from every site are refused (None: no check).
    earliest_date, latest_date : datetime.date, optional
        Rows dated outside the window are refused (latest: tomorrow).
    observed_on : datetime.date, optional
        The day of rows that carry no time (dated at noon local time).
    date_from_name : bool
        Take that day from the file's or its folder's name (see :meth:`for_file`).

    Examples
    --------
    >>> options = ImportOptions(patrol_type="乡镇巡查", earliest_date="2020-01-01")
    >>> options.earliest_date, options.max_distance_km
    (datetime.date(2020, 1, 1), 30.0)
    >>> ImportOptions(max_distance_km=0)
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SettingsError: max_distance_km should be a number more than 0 (or None), got 0
    """

    patrol_type: str | None = None
    team: str | None = None
    crs: CRSLike | None = None
    sheet: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    max_distance_km: float | None = 30.0
    earliest_date: datetime.date = EARLIEST_DATE  # rows dated before it are refused
    latest_date: datetime.date | None = None  # ... and after it; None: after tomorrow
    observed_on: datetime.date | None = None  # the day of rows without a time
    date_from_name: bool = False  # ... taken from the file's name

    def __post_init__(self):
        if self.patrol_type is not None and code_for(self.patrol_type, "patrol_type") is None:
            raise SurveyFileError(
                f"unknown patrol type {self.patrol_type!r}; expected one of "
                f"{allowed_words('patrol_type')}"
            )
        if self.crs is not None:
            normalize_crs(self.crs)
        limit = self.max_distance_km
        if limit is not None and (
            isinstance(limit, bool)
            or not isinstance(limit, int | float)
            or not math.isfinite(limit)
            or limit <= 0
        ):
            raise SettingsError(
                f"max_distance_km should be a number more than 0 (or None), got {limit!r}"
            )
        for name in ("earliest_date", "latest_date", "observed_on"):
            value = getattr(self, name)
            if isinstance(value, str):
                try:
                    value = datetime.date.fromisoformat(value.strip())
                except ValueError:
                    raise SettingsError(f"{name} should be a date, got {value!r}") from None
                object.__setattr__(self, name, value)
            if value is None and name != "earliest_date":
                continue
            if (
                isinstance(value, datetime.datetime)
                or not isinstance(value, datetime.date)
                or not 1900 <= value.year <= 2200
            ):
                raise SettingsError(
                    f"{name} should be a date from 1900-01-01 to 2200-12-31, got {value!r}"
                )
        if self.latest_date is not None and self.earliest_date > self.latest_date:
            raise SettingsError(
                f"earliest_date {self.earliest_date} comes after latest_date {self.latest_date}"
            )

    def for_file(self, path: "str | os.PathLike[str]") -> "ImportOptions":
        """These options for the file at ``path``: with ``date_from_name``, the
        day of rows without a time is the date in the file's (or folder's) name.

        Examples
        --------
        >>> ImportOptions(date_from_name=True).for_file("巡查_2024-05-03.kml").observed_on
        datetime.date(2024, 5, 3)
        """
        if not self.date_from_name or self.observed_on is not None:
            return self
        day = date_in_name(path)
        return self if day is None else dataclasses.replace(self, observed_on=day)

    def time_window(self) -> tuple[pd.Timestamp, pd.Timestamp, str]:
        """(earliest, latest, message if later) of plausible times, in UTC.

        The earliest is the start of ``earliest_date`` and the latest the end
        of ``latest_date`` in the options' time zone; without a latest date,
        a day from now (a patrol phone's clock may run ahead).

        Examples
        --------
        >>> options = ImportOptions(earliest_date="2023-01-01", latest_date="2023-12-31")
        >>> earliest, latest, message = options.time_window()
        >>> str(earliest), str(latest), message
        ('2022-12-31 16:00:00+00:00', '2023-12-31 15:59:59.999999+00:00', 'date/time is after 2023-12-31')
        """
        earliest = pd.Timestamp(self.earliest_date).tz_localize(self.timezone).tz_convert("UTC")
        if self.latest_date is None:
            latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
            return earliest, latest, "date/time is in the future"
        latest = (
            pd.Timestamp(self.latest_date + datetime.timedelta(days=1))
            .tz_localize(self.timezone)
            .tz_convert("UTC")
        ) - pd.Timedelta(microseconds=1)
        return earliest, latest, f"date/time is after {self.latest_date}"
