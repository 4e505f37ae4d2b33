"""When each row was observed: a date-time column, or a date column and a time
column, read in the workspace's time zone and held to the plausible window.
"""

import numpy as np
import pandas as pd

from hailin.surveys.check.parsing import parse_times
from hailin.surveys.check.problems import describe, missing_columns
from hailin.surveys.io.raw import note

_UNCLEAR = (
    "ambiguous date {value!r}: a two-digit year, or day and month that could be either; "
    "write it as 2023-06-02"
)

# The column a time problem is named under, in the order they are looked for.
TIME_FIELDS = ("datetime", "date", "time")


def time_column(headers: dict) -> str | None:
    """The file's column the times are read from (None when it has none)."""
    return next((headers[field] for field in TIME_FIELDS if field in headers), None)


def observed_times(
    frame, headers, options, problems, file, expected="时间 or 日期 (date/time)", warnings=None
):
    """UTC timestamps from a date-time column, or a date column plus a time column;
    times outside the options' plausible window are refused, and so are dates
    with a two-digit year or a day/month order the column leaves open (the
    order read, when the column settles it, is noted in ``warnings``)."""
    column = time_column(headers)
    if column is None:
        missing_columns(file, frame, expected)
    values = frame[column].to_numpy()
    reported_time = np.zeros(len(frame), dtype=bool)
    if "datetime" not in headers and "date" in headers and "time" in headers:
        clock = frame[headers["time"]].to_numpy()
        observed, bad_time, beyond, unclear, order = parse_times(values, options.timezone, clock)
        _, bad_clock, *_ = parse_times(
            np.where(pd.isna(clock), None, "2000-01-01"), options.timezone, clock
        )
        problems.add(
            bad_clock,
            headers["time"],
            describe(frame[headers["time"]], bad_clock, "unreadable time {value!r}"),
        )
        bad_time = bad_time & ~bad_clock
        reported_time = bad_clock
    else:
        observed, bad_time, beyond, unclear, order = parse_times(values, options.timezone)
    shown = frame[column]
    if order is not None and warnings is not None:
        warnings.append(note(order, column=column))
    unclear = unclear & ~reported_time
    problems.add(unclear, column, describe(shown, unclear, _UNCLEAR))
    problems.add(bad_time, column, describe(shown, bad_time, "unreadable date/time {value!r}"))
    problems.add(
        observed.isna().to_numpy() & ~bad_time & ~reported_time & ~unclear & (beyond == 0),
        column,
        "no date/time",
    )
    earliest, latest, too_late = options.time_window()
    future = (observed > latest).fillna(False).to_numpy() | (beyond > 0)
    problems.add(future, column, describe(shown, future, too_late + " ({value})"))
    ancient = (observed < earliest).fillna(False).to_numpy() | (beyond < 0)
    before = f"date/time is before {options.earliest_date} ({{value}})"
    problems.add(ancient, column, describe(shown, ancient, before))
    return observed
