"""The programme's targets by year, month and township (hailin.toml ``[targets]``).

``[targets]`` holds one total per kind of work (``clearance_mu``,
``restoration_mu``, read by :mod:`hailin.surveys.settings`) and, optionally, a table
per kind of work with its targets broken down::

    [targets.clearance.by_year]
    2023 = 1883
    [targets.clearance.by_month]
    2023-04 = 1000
    [targets.clearance.by_township]
    "前岐镇" = 700                      # the township's target for the programme
    "店下镇" = { 2023 = 500, 2024 = 100 }  # ... or one per year

Every value is checked like the other settings: a number (not a boolean, not
nan or inf), 0 or more; a year is 1900-2200, a month YYYY-MM; an unknown key is
refused with the known ones named.
"""

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping
from types import MappingProxyType

from hailin.surveys.errors import SettingsError

WORKS = ("clearance", "restoration")
BREAKDOWNS = ("by_year", "by_month", "by_township")
_YEAR = re.compile(r"(19|20|21|22)\d\d")
_MONTH = re.compile(r"(19|20|21|22)\d\d-(0[1-9]|1[0-2])")


@dataclasses.dataclass(frozen=True)
class WorkTargets:
    """The targets of one kind of work, in mu.

    ``by_township_year`` holds {(township, year): mu}; ``by_township`` a
    township's target for the whole programme (the sum of its years when only
    years were given).
    """

    total: float = 0.0
    by_year: Mapping[str, float] = dataclasses.field(default_factory=dict)
    by_month: Mapping[str, float] = dataclasses.field(default_factory=dict)
    by_township: Mapping[str, float] = dataclasses.field(default_factory=dict)
    by_township_year: Mapping[tuple[str, str], float] = dataclasses.field(default_factory=dict)

    def township(self, township: str, year: str | None = None) -> float:
        """A township's target for ``year`` (or the programme); NaN when none is set.

        Examples
        --------
        >>> t = WorkTargets(by_township={"前岐镇": 700.0},
        ...                 by_township_year={("前岐镇", "2024"): 100.0})
        >>> t.township("前岐镇"), t.township("前岐镇", "2024"), t.township("前岐镇", "2025")
        (700.0, 100.0, nan)
        """
        if year is None:
            return self.by_township.get(township, math.nan)
        return self.by_township_year.get((township, year), math.nan)


@dataclasses.dataclass(frozen=True)
class Targets:
    """Targets of clearance and restoration (see :class:`WorkTargets`)."""

    clearance: WorkTargets = WorkTargets()
    restoration: WorkTargets = WorkTargets()


def _refuse(source, key, problem, allowed):
    raise SettingsError(f"{source}: {key} {problem} (allowed: {allowed})")


def _mu(source, key, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        _refuse(source, key, "should be a number", "a number of mu, 0 or more")
    if not math.isfinite(value):
        _refuse(source, key, "should be a finite number", "a number of mu, 0 or more")
    if value < 0:
        _refuse(source, key, "should not be negative", "a number of mu, 0 or more")
    return float(value)


def _table(source, key, value):
    if not isinstance(value, dict):
        _refuse(source, key, "should be a table", f"a table like [{key}]")
    return value


def _periods(source, key, table, pattern, what):
    out = {}
    for period, value in _table(source, key, table).items():
        if not pattern.fullmatch(str(period)):
            _refuse(source, f"{key}.{period}", f"is not a {what}", f"{what}s as keys")
        out[str(period)] = _mu(source, f"{key}.{period}", value)
    return out


def _townships(source, key, table):
    totals, yearly = {}, {}
    for township, value in _table(source, key, table).items():
        name = str(township).strip()
        if not name or len(name) > 50:
            _refuse(source, f"{key}.{township!r}", "is not a township name", "1 to 50 characters")
        if isinstance(value, dict):
            years = _periods(source, f"{key}.{name}", value, _YEAR, "year")
            yearly.update({(name, year): mu for year, mu in years.items()})
            totals[name] = sum(years.values())
        else:
            totals[name] = _mu(source, f"{key}.{name}", value)
    return totals, yearly


def _work(source, work, table, total):
    key = f"targets.{work}"
    table = _table(source, key, table)
    for name in table:
        if name not in BREAKDOWNS:
            close = difflib.get_close_matches(str(name), BREAKDOWNS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(f"{key}.{b}" for b in BREAKDOWNS)
            raise SettingsError(f"{source}: unknown setting '{key}.{name}'{hint} (known: {known})")
    by_township, by_township_year = _townships(
        source, f"{key}.by_township", table.get("by_township", {})
    )
    return WorkTargets(
        total,
        MappingProxyType(
            _periods(source, f"{key}.by_year", table.get("by_year", {}), _YEAR, "year")
        ),
        MappingProxyType(
            _periods(
                source, f"{key}.by_month", table.get("by_month", {}), _MONTH, "month (YYYY-MM)"
            )
        ),
        MappingProxyType(by_township),
        MappingProxyType(by_township_year),
    )


def parse_targets(table: dict, totals: dict, source: str) -> Targets:
    """:class:`Targets` from the ``[targets]`` table of a hailin.toml; ``totals``
    ({"clearance": mu, "restoration": mu}) are the programme's totals.

    Examples
    --------
    >>> t = parse_targets({"clearance": {"by_year": {"2023": 1883}}},
    ...                   {"clearance": 1883.0, "restoration": 1070.0}, "hailin.toml")
    >>> t.clearance.by_year["2023"], t.restoration.total
    (1883.0, 1070.0)
    >>> parse_targets({"clearance": {"by_month": {"2023-13": 5}}}, {}, "hailin.toml")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SettingsError: hailin.toml: targets.clearance.by_month.2023-13 is not a \
month (YYYY-MM) (allowed: month (YYYY-MM)s as keys)
    """
    works = {
        work: _work(source, work, table.get(work, {}), totals.get(work, 0.0)) for work in WORKS
    }
    return Targets(**works)
