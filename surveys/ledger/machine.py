"""The case machine of the recurrence ledger, over the tokens of every area
at once: Spartina findings open a case, removals re-clear it, clear
inspections verify it (the rules are in :mod:`hailin.surveys.ledger.cases`).

Each area's cases depend on that area's tokens only, so the distributed
ledger runs the machine on areas grouped per partition.
"""

import numpy as np
import pandas as pd

from hailin.surveys.localtime import local_day_numbers


def _sources(spotted, cases):
    """Per case, the sorted patrol types that saw it, comma-joined."""
    text = np.full(len(cases), "", dtype=object)
    for kind in sorted(spotted["patrol_type"].dropna().unique()):  # a handful, each vectorised
        seen = np.isin(cases, spotted.loc[spotted["patrol_type"] == kind, "case"].unique())
        text = np.where(seen, np.where(text == "", kind, text + "," + kind), text)
    return text


def _rasters(spotted, cases):
    """Per case, the file names of the rasters that saw it (detections of
    ``hailin raster detect``), sorted and comma-joined; "" when none did."""
    if "raster" not in spotted:
        return np.full(len(cases), "", dtype=object)
    seen = spotted[spotted["raster"].notna()]
    names = seen.groupby("case")["raster"].agg(lambda n: ", ".join(sorted(set(n))))
    return names.astype(object).reindex(cases).fillna("").to_numpy(dtype=object)


def case_rows(detections, removals) -> pd.DataFrame:
    """Vectorised case machine over the Spartina findings and removals of all
    areas at once (``area``, ``time``, ``key``, ``patrol_type``,
    ``patch_area_m2``, ``removed``). Returns one row per case (status open or
    re_cleared), indexed by case number; any set of whole areas can be run
    apart from the others; see
    :func:`verify_cases` for the inspections."""
    tokens = pd.concat(
        [detections.assign(spartina=True), removals.assign(spartina=False, removed=True)],
        ignore_index=True,
    ).sort_values(
        ["area", "time", "key", "spartina"], ascending=[True, True, True, False], kind="stable"
    )
    # Removals before an area's first Spartina finding belong to no case.
    seen = tokens.groupby("area")["spartina"].cummax()
    tokens = tokens[seen.to_numpy()].reset_index(drop=True)
    previous_removed = tokens.groupby("area")["removed"].shift(1, fill_value=True).astype(bool)
    first_in_area = ~tokens["area"].duplicated()
    starts = tokens["spartina"] & (first_in_area | previous_removed)
    tokens["case"] = starts.cumsum() - 1
    spotted = tokens[tokens["spartina"]]
    cases = spotted.groupby("case").agg(
        area=("area", "first"),
        first=("time", "min"),
        last=("time", "max"),
        detections=("time", "size"),
        largest=("patch_area_m2", "max"),
    )
    cases["sources"] = _sources(spotted, cases.index.to_numpy())
    cases["rasters"] = _rasters(spotted, cases.index.to_numpy())
    cleared = tokens[tokens["removed"]].groupby("case")["time"].min()
    cases["re_cleared"] = cleared.reindex(cases.index)
    cases["next_start"] = cases.groupby("area")["first"].shift(-1)
    cases["status"] = np.where(cases["re_cleared"].isna(), "open", "re_cleared")
    cases["since"] = cases["re_cleared"].where(cases["re_cleared"].notna(), cases["first"])
    cases["verified"] = pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns, UTC]")
    return cases


def verify_cases(cases, inspections, rules) -> pd.DataFrame:
    """Mark re-cleared cases verified once enough clear inspections on
    different days, the last long enough after the re-clearing, were made
    before the area's next case began."""
    waiting = cases[cases["status"] == "re_cleared"]
    if len(waiting) == 0 or len(inspections) == 0:
        return cases
    joined = inspections.merge(
        waiting[["area", "re_cleared", "next_start"]].reset_index(), on="area"
    )
    later = joined["time"] > joined["re_cleared"]
    before_next = joined["next_start"].isna() | (joined["time"] < joined["next_start"])
    joined = joined[later & before_next].sort_values(["case", "time"])
    joined = joined.drop_duplicates(["case", "day"])  # inspections on one day count once
    joined["count"] = joined.groupby("case").cumcount() + 1
    joined["waited"] = joined["day"] - local_day_numbers(joined["re_cleared"], rules.timezone)
    done = joined[
        (joined["count"] >= rules.verify_inspections) & (joined["waited"] >= rules.verify_days)
    ]
    verified = done.groupby("case")["time"].min()
    cases.loc[verified.index, "verified"] = verified
    cases.loc[verified.index, "status"] = "verified_clear"
    cases.loc[verified.index, "since"] = verified
    return cases
