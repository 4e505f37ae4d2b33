"""Verification tasks (核查任务): a patrol that is not sure it saw Spartina
(疑似复萌, 有复萌迹象, 请复查; the finding ``spartina_suspected``) asks for a check.

Recomputed from the records every time, like the ledger. A suspicion is placed
on the nearest clearance plot within the tolerance, else at its own place (where
a new patch would be). The task stays ``open`` until the next inspection there:
Spartina found or removed closes it ``confirmed`` (the ledger opens the case at
the suspicion's date, :func:`confirm_suspicions`); nothing found closes it
``cleared``. Suspicions at one place before that inspection are one task. A
task is never a case: counts of cases never include it.
"""

import geopandas
import numpy as np
import pandas as pd
import shapely

from hailin.surveys.ledger.detections import SPARTINA_FINDINGS, nearest_within, within_tolerance

SUSPECTED = "spartina_suspected"
# What an inspection found: a finding that confirms the suspicion, or clears it.
_CONFIRMS = (*SPARTINA_FINDINGS, "spartina_removed")
TASK_COLUMNS = [
    "task_id",
    "plot_id",
    "suspected_at",
    "suspicions",
    "status",
    "closed_at",
    "closed_by",
    "record_keys",
    "geometry",
]


def _empty():
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in TASK_COLUMNS[:-1]})
    frame["suspected_at"] = pd.Series(dtype="datetime64[ns, UTC]")
    frame["closed_at"] = pd.Series(dtype="datetime64[ns, UTC]")
    frame["suspicions"] = pd.Series(dtype=np.int64)
    return geopandas.GeoDataFrame(frame, geometry=geopandas.GeoSeries([], crs=4326), crs=4326)


def _places(suspected, clearance, tolerance_m):
    """Per suspicion: the plot it is on (nearest within the tolerance; the first
    listed of equally near ones), else None; and the place's geometry."""
    plot = np.full(len(suspected), None, dtype=object)
    place = np.asarray(suspected.geometry.values, dtype=object).copy()
    if len(clearance):
        pairs = nearest_within(suspected, clearance, tolerance_m).drop_duplicates("record")
        rows, areas = pairs["record"].to_numpy(), pairs["area"].to_numpy()
        plot[rows] = clearance["plot_id"].to_numpy()[areas]
        place[rows] = np.asarray(clearance.geometry.values, dtype=object)[areas]
    return plot, place


def _later_inspections(places, records, tolerance_m):
    """(place, time, finding) of records within the tolerance of each place
    that can close a task there (Spartina found or removed, or nothing found)."""
    closers = records[records["finding"].isin((*_CONFIRMS, "clear"))]
    points = closers[shapely.get_type_id(np.asarray(closers.geometry.values, dtype=object)) == 0]
    areas = geopandas.GeoDataFrame(geometry=geopandas.GeoSeries(places, crs=4326), crs=4326)
    left, right, _ = within_tolerance(points.reset_index(drop=True), areas, tolerance_m)
    return pd.DataFrame(
        {
            "place": right,
            "time": pd.to_datetime(points["observed_at"].to_numpy()[left], utc=True),
            "finding": points["finding"].to_numpy()[left],
        }
    )


def verification_tasks(
    findings, inspections, clearance, tolerance_m: float = 10.0
) -> geopandas.GeoDataFrame:
    """The verification tasks of the suspected findings among ``findings``,
    closed by later records of ``findings`` or ``inspections`` (the clear
    records: observed_at and geometry suffice) within ``tolerance_m``.

    Returns one row per task (:data:`TASK_COLUMNS`): its id (the plot's id,
    or ``V`` and the record key, then ``/`` and the task's number there), the
    plot (None at a new place), the first suspicion's time, how many
    suspicions it holds, status (open, confirmed, cleared), when and by what
    finding it was closed, and the first suspicion's point.

    Examples
    --------
    >>> import geopandas, shapely, pandas as pd
    >>> at = lambda *days: pd.to_datetime([f"2024-05-{d:02d}T02:00Z" for d in days], utc=True)
    >>> point = shapely.Point(120.3305, 27.2605)
    >>> findings = geopandas.GeoDataFrame({"record_key": [1, 2], "observed_at": at(3, 9),
    ...     "finding": ["spartina_suspected", "spartina_regrowth"]}, geometry=[point] * 2, crs=4326)
    >>> clear = findings.iloc[0:0]
    >>> plots = geopandas.GeoDataFrame({"plot_id": ["P1"]},
    ...     geometry=[shapely.box(120.33, 27.26, 120.331, 27.261)], crs=4326)
    >>> tasks = verification_tasks(findings, clear, plots)
    >>> tasks[["task_id", "status", "closed_by"]].values.tolist()
    [['P1/1', 'confirmed', 'spartina_regrowth']]
    """
    suspected = findings[findings["finding"].eq(SUSPECTED).to_numpy()]
    if len(suspected) == 0:
        return _empty()
    suspected = suspected.sort_values(["observed_at", "record_key"], kind="stable")
    suspected = suspected.reset_index(drop=True)
    plot, place = _places(suspected, clearance, tolerance_m)
    own = pd.isna(plot)
    # A new place is named by its first suspicion's record key (8 hex digits).
    own_name = [f"V{int(k) & 0xFFFFFFFF:08X}" for k in suspected["record_key"]]
    key = np.where(own, own_name, plot)
    _places_found, place_of = np.unique(key.astype(str), return_inverse=True)
    first = pd.Series(np.arange(len(key))).groupby(place_of).first().to_numpy()
    records = pd.concat(
        [findings[["observed_at", "finding", "geometry"]], inspections.assign(finding="clear")],
        ignore_index=True,
    )
    later = _later_inspections(place[first], records, tolerance_m)
    times = pd.to_datetime(suspected["observed_at"], utc=True).to_numpy()
    closing = _closing(later, place_of, times)
    return _tasks(suspected, key, place_of, closing, set(np.asarray(own_name)[own]))


def _closing(later, place_of, times):
    """Per suspicion: (time, finding) of the first closing record at its place
    after it (NaT, None when none yet)."""
    joined = pd.DataFrame({"s": np.arange(len(times)), "place": place_of, "t": times}).merge(
        later, on="place"
    )
    joined = joined[joined["time"].to_numpy() > joined["t"].to_numpy()]
    joined = joined.sort_values(["s", "time"], kind="stable").drop_duplicates("s")
    out = pd.DataFrame(
        {"time": pd.Series(pd.NaT, index=range(len(times)), dtype="datetime64[ns, UTC]")}
    )
    out["finding"] = None
    out.loc[joined["s"].to_numpy(), "time"] = joined["time"].to_numpy()
    out.loc[joined["s"].to_numpy(), "finding"] = joined["finding"].to_numpy()
    return out


def _tasks(suspected, key, place_of, closing, own_names):
    """One task per place and closing record (the suspicions it closes)."""
    frame = pd.DataFrame(
        {
            "key": key,
            "place": place_of,
            "at": pd.to_datetime(suspected["observed_at"], utc=True),
            "closed_at": closing["time"],
            "closed_by": closing["finding"],
            "position": np.arange(len(key)),
            "record": suspected["record_key"].to_numpy(),
        }
    )
    grouped = frame.groupby(["place", frame["closed_at"].astype(str)], sort=False, dropna=False)
    tasks = grouped.agg(
        plot_key=("key", "first"),
        suspected_at=("at", "min"),
        suspicions=("at", "size"),
        closed_at=("closed_at", "first"),
        closed_by=("closed_by", "first"),
        position=("position", "first"),
        record_keys=("record", tuple),
    ).reset_index(drop=True)
    tasks = tasks.sort_values(["plot_key", "suspected_at"], kind="stable").reset_index(drop=True)
    number = tasks.groupby("plot_key").cumcount() + 1
    status = np.where(
        tasks["closed_by"].isna(),
        "open",
        np.where(tasks["closed_by"].isin(_CONFIRMS), "confirmed", "cleared"),
    )
    new_place = tasks["plot_key"].isin(own_names).to_numpy()
    plot_id = np.where(new_place, None, tasks["plot_key"].to_numpy(dtype=object))
    return geopandas.GeoDataFrame(
        {
            "task_id": tasks["plot_key"] + "/" + number.astype(str),
            "plot_id": plot_id,
            "suspected_at": tasks["suspected_at"],
            "suspicions": tasks["suspicions"].astype(np.int64),
            "status": status,
            "closed_at": tasks["closed_at"],
            "closed_by": tasks["closed_by"].astype(object),
            "record_keys": tasks["record_keys"],
        },
        geometry=geopandas.GeoSeries(
            np.asarray(suspected.geometry.values, dtype=object)[tasks["position"].to_numpy()],
            crs=4326,
        ),
        crs=4326,
    )


def confirm_suspicions(findings, tasks):
    """``findings`` with each suspicion that a later inspection confirmed read
    as the Spartina it turned out to be (the confirming finding, or regrowth on
    a plot and new at a new place when it was removed): the ledger then opens
    the case at the suspicion's date."""
    confirmed = tasks[tasks["status"].eq("confirmed")]
    if len(confirmed) == 0:
        return findings
    turned = {}
    for task in confirmed.itertuples():
        default = "spartina_regrowth" if task.plot_id is not None else "spartina_new"
        code = task.closed_by if task.closed_by in SPARTINA_FINDINGS else default
        turned.update(dict.fromkeys(task.record_keys, code))
    keys = pd.Series(findings["record_key"].to_numpy())
    code = keys.map(turned).to_numpy(dtype=object)
    inside = pd.notna(code) & findings["finding"].eq(SUSPECTED).to_numpy()
    return findings.assign(finding=np.where(inside, code, findings["finding"].to_numpy()))
