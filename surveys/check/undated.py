"""Files whose rows carry no time (most KML/GeoJSON waypoint exports of 奥维
and 两步路): the uploader names the day (``--observed-on``) or asks for the
date in the file's or folder's name (``--date-from-name``, 巡查_2024-05-03.kml).

Such rows are dated that day at noon local time, with a note saying so; rows
that carry a time keep it.
"""

import datetime
import os
import re

import numpy as np

from hailin.surveys.check.problems import clean_text
from hailin.surveys.check.times import time_column
from hailin.surveys.io.raw import note

NOON = datetime.time(12, 0)
# 2024-05-03, 2024_05_03, 2024.5.3, 2024年5月3日, 20240503, not inside a longer number.
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})(?:([-_.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日?|(\d{2})(\d{2}))(?!\d)"
)


def date_in_name(path: "str | os.PathLike[str]") -> datetime.date | None:
    """The date a file's name holds, else its folder's (the nearest first); None
    when neither holds one.

    Examples
    --------
    >>> date_in_name("exports/巡查_2024-05-03.kml"), date_in_name("2024年5月3日/wp.kml")
    (datetime.date(2024, 5, 3), datetime.date(2024, 5, 3))
    >>> date_in_name("patrol/WP_001.kml") is None
    True
    """
    parts = os.path.normpath(os.fspath(path)).split(os.sep)
    for part in reversed(parts[-3:]):
        for match in _DATE.finditer(part):
            year, _sep, *rest = match.groups()
            month, day = next((m, d) for m, d in zip(rest[::2], rest[1::2], strict=True) if m)
            try:
                return datetime.date(int(year), int(month), int(day))
            except ValueError:
                continue
    return None


def day_for_blank_times(frame, headers, options, warnings):
    """``frame`` with the day the uploader named (``options.observed_on``) at
    noon in every blank time, a time column added when the file has none, and
    ``headers`` to match; a note says how many rows were dated so."""
    day = options.observed_on
    if day is None:
        return frame, headers
    stamp = datetime.datetime.combine(day, NOON).isoformat(sep=" ")
    how = "--observed-on" if not options.date_from_name else "the date in the file name"
    column = time_column(headers)
    if column is None:
        frame = frame.assign(**{"--observed-on": stamp})
        headers = {**headers, "datetime": "--observed-on"}
        warnings.append(note(f"no date/time column: every row dated {stamp} local time ({how})"))
        return frame, headers
    split = "datetime" not in headers and "date" in headers and "time" in headers
    blank = clean_text(frame[column]).isna().to_numpy(copy=True)
    if split:  # a date column and a clock column: both blank
        blank = blank & clean_text(frame[headers["time"]]).isna().to_numpy()
    if not blank.any():
        return frame, headers
    frame = frame.copy()
    filled = day.isoformat() if split else stamp
    frame[column] = np.where(blank, filled, frame[column].to_numpy(dtype=object))
    if split:
        clock = frame[headers["time"]].to_numpy(dtype=object)
        frame[headers["time"]] = np.where(blank, "12:00", clock)
    warnings.append(
        note(
            f"{int(blank.sum())} row(s) without a time dated {stamp} local time ({how}); "
            "rows with a time keep it",
            column=column,
        )
    )
    return frame, headers
