"""The programme's statistics: pure functions of frames into :class:`StatTable`.

Each table keeps the values as computed, has a total row (:data:`TOTAL`) and is
shown rounded (mu to 2 decimals, ha to 4, percentages to 1). The definitions:

- area cleared / planted (:func:`area_table`): plots by the local day their
  work was done, grouped by month, year, site, township or an attribute,
  against the targets of hailin.toml;
- recurrence per year (:func:`recurrence_by_year`): plots **re-cleared** in
  the year, the programme's figure, beside cases opened in the year;
- open cases and their age (:func:`open_cases`);
- patrol effort (:func:`patrol_effort`): patrols, patrol days, person-times,
  records and km walked;
- survival by plot (:func:`survival_by_plot`);
- the headline figures (:func:`key_figures`).
"""

from hailin.surveys.stats.areas import GROUPS, area_table, period_target
from hailin.surveys.stats.effort import EFFORT_GROUPS, patrol_effort, people
from hailin.surveys.stats.figures import key_figures
from hailin.surveys.stats.periods import Period, period
from hailin.surveys.stats.recurrence import (
    OPEN_GROUPS,
    cases_by_kind,
    open_cases,
    recurrence_by_year,
)
from hailin.surveys.stats.survival import survival_by_plot
from hailin.surveys.stats.table import TOTAL, StatTable, with_total

__all__ = [
    "EFFORT_GROUPS",
    "GROUPS",
    "OPEN_GROUPS",
    "TOTAL",
    "Period",
    "StatTable",
    "area_table",
    "cases_by_kind",
    "key_figures",
    "open_cases",
    "patrol_effort",
    "people",
    "period",
    "period_target",
    "recurrence_by_year",
    "survival_by_plot",
    "with_total",
]
