"""The table every statistic is: a DataFrame with a total row, shown rounded.

Values are kept as computed (``table.loc["前岐镇", "area_mu"]`` is the full
float); only the display rounds: areas in mu to 2 decimals, in ha to 4,
percentages to 1, kilometres to 2, counts as whole numbers. The total row is
labelled :data:`TOTAL`; ``table.body`` is the table without it.
"""

import html

import numpy as np
import pandas as pd

TOTAL = "total"
# Decimals shown, by how a column's name ends.
_DECIMALS = (
    ("_mu", 2),
    ("_ha", 4),
    ("_pct", 1),
    ("pct", 1),
    ("pct_of_target", 1),
    ("km", 2),
    ("_m2", 1),
)


def decimals(column) -> int | None:
    """Decimals a column is shown with (None: as it is).

    Examples
    --------
    >>> decimals("area_mu"), decimals("area_ha"), decimals("survival_pct"), decimals("plots")
    (2, 4, 1, None)
    """
    name = column[-1] if isinstance(column, tuple) else str(column)
    for ending, places in _DECIMALS:
        if name.endswith(ending):
            return places
    if name in ("days_open", "oldest_days", "median_days"):
        return 0
    return None


def _format(places):
    def show(value):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return "—"
        return f"{value:,.{places}f}"

    return show


class StatTable(pd.DataFrame):
    """A statistics table: raw values, a total row labelled :data:`TOTAL`, and a
    display (``_repr_html_``, ``repr``) rounded per column (see :func:`decimals`).

    Examples
    --------
    >>> t = StatTable({"area_mu": [1.23456, 2.0]}, index=pd.Index(["a", TOTAL]))
    >>> float(t.loc["a", "area_mu"])
    1.23456
    >>> print(t)
            area_mu
    a          1.23
    total      2.00
    """

    @property
    def _constructor(self):
        return StatTable

    @property
    def body(self) -> pd.DataFrame:
        """The rows without the total, as a plain DataFrame."""
        frame = pd.DataFrame(self)
        if isinstance(frame.index, pd.MultiIndex):
            return frame[frame.index.get_level_values(0) != TOTAL]
        return frame[frame.index != TOTAL]

    @property
    def total(self) -> pd.Series:
        """The total row."""
        frame = pd.DataFrame(self)
        if isinstance(frame.index, pd.MultiIndex):
            return frame[frame.index.get_level_values(0) == TOTAL].iloc[0]
        return frame.loc[TOTAL]

    def formatters(self) -> dict:
        """{column: function showing a value rounded}, for the numeric columns."""
        return {
            column: _format(decimals(column) if decimals(column) is not None else 0)
            for column in self.columns
            if pd.api.types.is_numeric_dtype(self[column])
            and not pd.api.types.is_bool_dtype(self[column])
        }

    def shown(self) -> pd.DataFrame:
        """The table as text, rounded as it is shown (for reports and exports)."""
        out = pd.DataFrame(self).astype(object)
        for column, show in self.formatters().items():
            out[column] = [show(v) for v in self[column]]
        return out.where(out.notna(), "")

    @property
    def note(self) -> str | None:
        """What a reader should know about the table (e.g. no targets set), or None."""
        return self.attrs.get("note")

    def __repr__(self) -> str:
        shown = self.shown().to_string()
        return f"{shown}\n{self.note}" if self.note else shown

    def _repr_html_(self) -> str:
        frame = pd.DataFrame(self)
        is_total = (
            frame.index.get_level_values(0) == TOTAL
            if isinstance(frame.index, pd.MultiIndex)
            else frame.index == TOTAL
        )
        style = frame.style.format(self.formatters(), na_rep="—").apply(
            lambda column: np.where(is_total, "font-weight: bold", ""), axis=0
        )
        if self.note:  # the note is hailin's own text, escaped all the same
            style = style.set_caption(html.escape(self.note))
        return style.to_html()


def with_total(frame: pd.DataFrame, total: dict) -> StatTable:
    """``frame`` with a total row (``total``: {column: value}; others blank).

    Examples
    --------
    >>> with_total(pd.DataFrame({"n": [1, 2]}, index=["a", "b"]), {"n": 3}).index.tolist()
    ['a', 'b', 'total']
    """
    if isinstance(frame.index, pd.MultiIndex):
        labels = [*frame.index, (TOTAL,) + ("",) * (frame.index.nlevels - 1)]
        index = pd.MultiIndex.from_tuples(labels, names=frame.index.names)
    else:
        index = pd.Index([*frame.index, TOTAL], name=frame.index.name, dtype=object)
    columns = {}
    for column in frame.columns:
        values = [*frame[column].tolist(), total.get(column)]
        dtype = frame[column].dtype
        if pd.api.types.is_integer_dtype(dtype) and total.get(column) is not None:
            columns[column] = pd.Series(values, index=index, dtype=dtype)
        elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            columns[column] = pd.Series(
                [np.nan if v is None else v for v in values], index=index, dtype=float
            )
        else:
            columns[column] = pd.Series(values, index=index, dtype=object)
    return StatTable(columns, index=index, columns=frame.columns)
