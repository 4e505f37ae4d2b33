"""The one count of cases: what "open case" means in every output.

A **case** is a row of the ledger. It is about a cleared plot (kind
``recurrence``: Spartina came back in a plot that was cleared) or about a new
patch (kind ``new_infestation``: Spartina found near no clearance plot). A case
is **open** while its status is ``open``, whatever its kind. Every output that
counts open cases (``hailin flag``, ``hailin progress``, the maps' summary
panels, the monthly report, the notebook API) counts ledger rows this way and
shows both kinds beside the total.
"""

import pandas as pd

from hailin.surveys.ledger.cases import STATUSES
from hailin.surveys.schema import counted

CASE_KINDS = ("recurrence", "new_infestation")
OPEN = "open"


def case_counts(ledger: pd.DataFrame) -> dict:
    """Cases by kind and status, with totals, as plain numbers.

    Returns ``{"cases": n, "open": n, "by_status": {status: n},
    "by_kind": {kind: {"cases": n, "open": n, status: n, …}}}``.

    Examples
    --------
    >>> ledger = pd.DataFrame({"kind": ["recurrence", "recurrence", "new_infestation"],
    ...                        "status": ["open", "re_cleared", "open"]})
    >>> counts = case_counts(ledger)
    >>> counts["open"], counts["by_kind"]["recurrence"]["open"], counts["by_status"]["re_cleared"]
    (2, 1, 1)
    """
    table = ledger.groupby(["kind", "status"]).size() if len(ledger) else pd.Series(dtype=int)
    by_kind = {}
    for kind in CASE_KINDS:
        statuses = {s: int(table.get((kind, s), 0)) for s in STATUSES}
        by_kind[kind] = {"cases": sum(statuses.values()), "open": statuses[OPEN], **statuses}
    by_status = {s: sum(k[s] for k in by_kind.values()) for s in STATUSES}
    return {
        "cases": sum(by_status.values()),
        "open": by_status[OPEN],
        "by_status": by_status,
        "by_kind": by_kind,
    }


def open_cases_text(counts: dict, lang: str = "en") -> str:
    """Open cases with both kinds beside the total, in the vocabulary's words.

    Parameters
    ----------
    counts : dict
        As :func:`case_counts` returns.
    lang : {"zh", "en"}
        The language of the case kinds' words.

    Returns
    -------
    str

    Examples
    --------
    >>> counts = {"open": 6, "by_kind": {"recurrence": {"open": 5},
    ...                                  "new_infestation": {"open": 1}}}
    >>> open_cases_text(counts, "en")
    '6 (5 recurrence cases, 1 new patch)'
    >>> open_cases_text(counts, "zh")
    '6（复萌 5，新发图斑 1）'
    """
    numbers = [counted("case_kind", k, counts["by_kind"][k]["open"], lang) for k in CASE_KINDS]
    if lang == "zh":
        return f"{counts['open']}（" + "，".join(numbers) + "）"
    return f"{counts['open']} (" + ", ".join(numbers) + ")"
