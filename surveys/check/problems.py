"""Collecting what is wrong with rows, and the rejects that come of it.

Every check is vectorised: it marks the rows it refuses with the column and a
message (:class:`Problems`). Rows with no problem are accepted; the others
become rejects with the raw row, so nothing is lost.
"""

import dataclasses
import json
from typing import NoReturn

import geopandas
import numpy as np
import pandas as pd

from hailin.geo.crs import WGS84
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.raw import RawTable

REJECT_COLUMNS = ["source_row", "column", "reason", "raw"]
# Columns named in a missing-column message; more are counted.
_LISTED_COLUMNS = 20


@dataclasses.dataclass
class Normalized:
    """Accepted records, rejected rows and file-level notes of one file."""

    records: geopandas.GeoDataFrame
    rejects: pd.DataFrame  # source_row, column, reason, raw
    warnings: list
    rows_read: int


class Problems:
    """Collects (row position, column, message) for refused rows.

    Examples
    --------
    >>> problems = Problems(3)
    >>> problems.add(np.array([False, True, False]), "经度", "no coordinates")
    >>> problems.refused().tolist(), problems.frame()["message"].tolist()
    ([False, True, False], ['no coordinates'])
    """

    def __init__(self, size):
        self.size = size
        self.parts = []

    def add(self, mask, column, message):
        """Refuse the rows of ``mask`` under ``column`` with ``message`` (one
        text, or a message per row)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        if isinstance(message, str):
            messages = np.full(positions.size, message, dtype=object)
        else:
            messages = np.asarray(message, dtype=object)[positions]
        self.parts.append(
            pd.DataFrame({"position": positions, "column": column, "message": messages})
        )

    def frame(self):
        """Every problem found: position, column, message."""
        if not self.parts:
            return pd.DataFrame(columns=["position", "column", "message"])
        return pd.concat(self.parts, ignore_index=True)

    def refused(self):
        """Mask of the rows refused so far."""
        mask = np.zeros(self.size, dtype=bool)
        for part in self.parts:
            mask[part["position"].to_numpy()] = True
        return mask

    def refused_under(self, column):
        """Mask of the rows refused so far under ``column`` (None: no row)."""
        mask = np.zeros(self.size, dtype=bool)
        if column is None:
            return mask
        for part in self.parts:
            mask[part.loc[part["column"] == column, "position"].to_numpy()] = True
        return mask


def clean_text(series: pd.Series) -> pd.Series:
    """Object Series of stripped strings, missing (None or NaN) for blanks.

    Works on the distinct values only: patrol columns repeat a few words a
    million times.

    Examples
    --------
    >>> text = clean_text(pd.Series([" 复萌 ", "", None, "nan"]))
    >>> text.iloc[0], text.isna().tolist()
    ('复萌', [False, True, True, True])
    """
    codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
    text = pd.Series(uniques, dtype="object").astype(str).str.strip()
    blank = text.eq("") | text.str.lower().isin(["nan", "none", "null"])
    cleaned = text.where(~blank, None).to_numpy(dtype=object)
    values = np.append(cleaned, None)[np.where(codes < 0, len(cleaned), codes)]  # type: ignore[call-overload]  # numpy's stubs refuse a None scalar; object arrays take it
    return pd.Series(values, index=series.index, dtype="object")


def optional_text(frame: pd.DataFrame, headers: dict, field: str) -> np.ndarray:
    """The cleaned text of ``field``'s column, or None for every row when the
    file has no such column."""
    if field not in headers:
        return np.full(len(frame), None, dtype=object)
    return clean_text(frame[headers[field]]).to_numpy(dtype=object)


def describe(values, mask, template: str) -> np.ndarray:
    """Per-row messages: ``template.format(value=...)`` for the masked rows
    (values cut to 60 characters), None elsewhere.

    Examples
    --------
    >>> describe(["x", "1e999"], [False, True], "unreadable {value!r}").tolist()
    [None, "unreadable '1e999'"]
    """
    out = np.full(len(values), None, dtype=object)
    positions = np.flatnonzero(mask)
    if positions.size:
        shown = pd.Series(values, dtype="object").iloc[positions].astype(str).str.slice(0, 60)
        out[positions] = [template.format(value=v) for v in shown]
    return out


def missing_columns(file: str, frame: pd.DataFrame, expected: str) -> NoReturn:
    """Refuse the file: it lacks the ``expected`` column(s); the columns it
    has are listed (the first twenty)."""
    names = [str(c)[:60] for c in frame.columns[:_LISTED_COLUMNS]]
    found = ", ".join(names) or "(none)"
    if len(frame.columns) > _LISTED_COLUMNS:
        found += f" and {len(frame.columns) - _LISTED_COLUMNS} more"
    raise SurveyFileError(f"missing required column(s): {expected}; found: {found}", file=file)


def extra_json(frame: pd.DataFrame, columns: list) -> np.ndarray:
    """Per row, the values of ``columns`` (those hailin has no field for) as a
    JSON object, or None when all are blank."""
    n = len(frame)
    if not columns:
        return np.full(n, None, dtype=object)
    sub = frame[columns].astype("object")
    sub = sub.where(sub.notna(), None)
    out = np.full(n, None, dtype=object)
    for position, row in enumerate(sub.itertuples(index=False, name=None)):
        values = {
            c: (v if isinstance(v, int | float | bool) else str(v))
            for c, v in zip(columns, row, strict=True)
            if v is not None and str(v).strip() != ""
        }
        if values:
            out[position] = json.dumps(values, ensure_ascii=False, default=str)
    return out


def raw_json(columns, values) -> str:
    """A file row as the reject's ``raw`` text: JSON of its cells as text.

    Examples
    --------
    >>> raw_json(["时间", "备注"], ["2023-06-01", float("nan")])
    '{"时间": "2023-06-01", "备注": null}'
    """
    return json.dumps(
        {str(c): (None if pd.isna(v) else str(v)) for c, v in zip(columns, values, strict=True)},
        ensure_ascii=False,
    )


def rejects_frame(frame: pd.DataFrame, source_rows: np.ndarray, problems: Problems) -> pd.DataFrame:
    """The rejects of the refused rows: their row, first column, every reason
    (labelled with its column when the row has problems in several), raw row."""
    found = problems.frame()
    if found.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    grouped = found.groupby("position", sort=True)
    positions = np.asarray(list(grouped.groups.keys()), dtype=np.int64)
    columns = grouped["column"].first().to_numpy()
    found["labelled"] = found["column"].astype(str) + ": " + found["message"].astype(str)
    several = grouped["column"].transform("nunique").to_numpy() > 1
    found["shown"] = np.where(several, found["labelled"], found["message"])
    reasons = (
        found.groupby("position", sort=True)["shown"]
        .agg(lambda m: "; ".join(dict.fromkeys(m)))
        .to_numpy()
    )
    raw_rows = frame.iloc[positions].astype("object")
    raw = [raw_json(frame.columns, row) for row in raw_rows.itertuples(index=False, name=None)]
    return pd.DataFrame(
        {
            "source_row": source_rows[positions].astype(np.int64),
            "column": columns,
            "reason": reasons,
            "raw": raw,
        }
    )


def checked(
    table: RawTable,
    frame: pd.DataFrame,
    problems: Problems,
    kept: geopandas.GeoDataFrame,
    warnings: list,
) -> Normalized:
    """The outcome of checking ``table`` (whose rows are ``frame``): the rows
    ``kept``, the rejects of the rows ``problems`` refused and of those the
    reader refused, in file order, the file's notes, and the rows read."""
    rejects = with_read_rejects(rejects_frame(frame, table.source_rows, problems), table)
    return Normalized(kept, rejects, warnings, len(frame) + len(table.ragged))


def read_rejects(table: RawTable) -> pd.DataFrame:
    """The rows the reader itself refused (lines of the wrong width, lines in
    another encoding) as rejects."""
    return pd.DataFrame(
        [
            {"source_row": r["row"], "column": None, "reason": r["message"], "raw": r["raw"]}
            for r in table.ragged
        ],
        columns=REJECT_COLUMNS,
    )


def with_read_rejects(rejects: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """``rejects`` and the reader's own, in file order."""
    read = read_rejects(table)
    if read.empty:
        return rejects
    both = pd.concat([rejects, read], ignore_index=True) if len(rejects) else read
    return both.sort_values("source_row", kind="stable").reset_index(drop=True)


def only_read_rejects(table: RawTable, file, message) -> Normalized:
    """A table the reader left no rows in: its refused lines are the rejects
    (each with its reason), or, when there are none, the file holds nothing."""
    if not table.ragged:
        raise SurveyFileError(message, file=file)
    empty = geopandas.GeoDataFrame(
        {"source_row": pd.Series(dtype=np.int64)}, geometry=[], crs=WGS84
    )
    return Normalized(empty, read_rejects(table), list(table.warnings), len(table.ragged))
