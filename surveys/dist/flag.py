"""The recurrence ledger on a Dask cluster: the steps of
:func:`hailin.surveys.ledger.cases.build_ledger`, run on spatial partitions.

1. Detection: each partition's Spartina findings against the clearance plots
   sent to it with a halo of the tolerance (a finding 9 m outside a plot of
   the next partition still meets it there); each record is decided in its
   one partition, so its nearest plot is the nearest of all.
2. New-infestation patches across partition edges (:mod:`hailin.surveys.dist.clusters`).
3. Case areas (plots with detections, patches) on the client: a small frame.
4. Tokens (findings and removals near the areas) in the partitions, then
   regrouped by area: the case machine runs per group of whole areas, with
   no global sort of the records.
5. Clear inspections near re-cleared areas, regrouped the same way, verify.
6. The ledger's rows from the cases (as many as cases) on the client.

Every distance is taken in the transverse Mercator the single machine would
use (of all the plots, of all the areas ...), so the ledger, patches and
detections are the single-machine ones, row for row.
"""

import numpy as np
import pandas as pd

from hailin.geo.area import area_m2
from hailin.surveys.dist.clusters import cluster_outside
from hailin.surveys.dist.engine import Engine, concat, split_by
from hailin.surveys.ledger.cases import (
    LedgerBuild,
    LedgerRules,
    among,
    case_area_frame,
    empty_ledger,
    finding_tokens,
    in_detection_order,
    in_ledger_order,
    latest_local_day,
    ledger_rows,
    near_after_clearance,
    removal_mask,
    removal_tokens,
)
from hailin.surveys.ledger.detections import detect, local_metric_crs
from hailin.surveys.ledger.machine import case_rows, verify_cases


def _detect(part, plots, tolerance_m, timezone, crs):
    return detect(part.findings, plots, tolerance_m, timezone, crs)


def _found_plots(detections, plots):
    """plot_id and area_m2 of the partition's plots with detections: the area
    computed from the plot it holds, the same figure in every partition."""
    found = plots[among(plots["plot_id"], detections["plot_id"])]
    return pd.DataFrame(
        {
            "plot_id": found["plot_id"].to_numpy(),
            "area_m2": area_m2(found.geometry).to_numpy(dtype=float),
        }
    )


def _areas_near(plots, patches, position_of):
    """The case areas within the tolerance of the partition, as sending all of
    them with a halo would give (cleared_on, geometry, position in the
    ledger's areas): its plots with detections, taken from the plots it holds
    (sent with the same halo), then the patches sent to it."""
    mine = plots[among(plots["plot_id"], position_of.index)]
    mine = mine[["cleared_on", "geometry"]].assign(
        position=position_of.reindex(mine["plot_id"].to_numpy()).to_numpy()
    )
    return concat([mine, patches])


def _targets_near(areas_near, targets):
    """The re-cleared areas among the partition's areas (in area order)."""
    return areas_near[np.isin(areas_near["position"].to_numpy(), targets)]


def _latest(part):
    return part.latest()


def _tokens(part, detections, outside, areas_near, membership, area_ids, rules, crs):
    """The partition's case tokens: (Spartina findings, removals), with ``area``
    the position in the areas of the whole ledger."""
    members = pd.Series(membership.reindex(outside["record_key"].to_numpy()).to_numpy())
    found = finding_tokens(detections, outside, members, area_ids).drop(columns=["action"])
    findings = part.findings
    removals = near_after_clearance(findings[removal_mask(findings)], areas_near, rules, crs)
    removals["area"] = areas_near["position"].to_numpy()[removals["area"].to_numpy()]
    return found, removal_tokens(removals)


def _cases(found, removals):
    return case_rows(found, removals)


def _waiting(cases):
    return cases.loc[cases["status"] == "re_cleared", ["area", "re_cleared"]]


def _checks(part, targets_near, rules, crs, after):
    """Clear inspections of the partition near re-cleared areas (after the
    earliest re-clearing), ``area`` the position in the whole ledger's areas."""
    later = part.inspections_after(after, near=targets_near, halo_m=rules.tolerance_m)
    checks = near_after_clearance(later, targets_near, rules, crs)[["area", "time", "day"]]
    checks["area"] = targets_near["position"].to_numpy()[checks["area"].to_numpy()]
    return checks


def _verify(cases, checks, rules):
    return verify_cases(cases, checks, rules)


def _detections(engine, clearance, rules):
    """Futures of (detections, outside, the plots sent) per partition."""
    plots = engine.send(clearance[["plot_id", "cleared_on", "geometry"]], rules.tolerance_m)
    crs = local_metric_crs(clearance)
    both = engine.each(
        _detect,
        engine.parts,
        plots,
        tolerance_m=rules.tolerance_m,
        timezone=rules.timezone,
        crs=crs,
    )
    return engine.pick(both, 0), engine.pick(both, 1), plots


def _near(engine, plots, areas, rules):
    """Futures of the case areas within the tolerance of each partition: only
    the patches are sent, the plots are those each partition holds."""
    position = np.arange(len(areas))
    plotted = areas["kind"].eq("recurrence").to_numpy()
    patches = areas.loc[~plotted, ["cleared_on", "geometry"]].assign(position=position[~plotted])
    position_of = pd.Series(position[plotted], index=areas["plot_id"].to_numpy()[plotted])
    sent = engine.send(patches, rules.tolerance_m)
    return engine.each(_areas_near, plots, sent, position_of=engine.share(position_of))


def _case_rows(engine, detections, outside, near, membership, areas, rules):
    """Futures of the cases per home (contiguous runs of areas)."""
    tokens = engine.each(
        _tokens,
        engine.parts,
        detections,
        outside,
        near,
        membership=engine.share(membership),
        area_ids=engine.share(areas[["plot_id"]]),
        rules=rules,
        crs=local_metric_crs(areas),
    )
    found = engine.regroup(engine.pick(tokens, 0), "area", len(areas), engine.count)
    removals = engine.regroup(engine.pick(tokens, 1), "area", len(areas), engine.count)
    return engine.each(_cases, found, removals)


def _verified(engine, cases, near, areas, rules):
    """Futures of the cases per home, re-cleared ones verified by the clear
    inspections near them."""
    waiting = concat(engine.gather(engine.each(_waiting, cases)))
    if waiting is None or len(waiting) == 0:
        return cases
    targets = np.sort(waiting["area"].unique().astype(np.int64))
    checks = engine.each(
        _checks,
        engine.parts,
        engine.each(_targets_near, near, targets=engine.share(targets)),
        rules=rules,
        crs=local_metric_crs(areas.iloc[targets]),
        after=waiting["re_cleared"].min(),
    )
    checks = engine.regroup(checks, "area", len(areas), engine.count)
    return engine.each(_verify, cases, checks, rules=rules)


def distributed_ledger(
    engine: Engine, clearance, rules: LedgerRules = LedgerRules(), sites=None, as_of=None
) -> LedgerBuild:
    """:func:`hailin.surveys.ledger.cases.build_ledger` of the records held by
    ``engine`` (partitions on a Dask cluster) and the clearance plots (a
    GeoDataFrame on the client): the same ledger, patches and detections.

    Examples
    --------
    See :func:`hailin.surveys.dist.frames.distributed_frames`; the test
    ``tests/test_dist_ledger.py`` compares both paths row for row.
    """
    detections, outside, plots = _detections(engine, clearance, rules)
    patches, membership = cluster_outside(engine, outside, rules.cluster_m, rules.timezone)
    found = concat(engine.gather(engine.each(_found_plots, detections, plots)))
    found = found.drop_duplicates("plot_id")
    areas = case_area_frame(
        clearance, found, patches, sites, plot_area_m2=found.set_index("plot_id")["area_m2"]
    )
    if as_of is None:
        latest = [t for pair in engine.gather(engine.each(_latest, engine.parts)) for t in pair]
        as_of = latest_local_day(latest, rules.timezone)
    near = _near(engine, plots, areas, rules)
    cases = _case_rows(engine, detections, outside, near, membership, areas, rules)
    cases = _verified(engine, cases, near, areas, rules)
    ledger = _ledger(engine, cases, areas, rules, as_of)
    return LedgerBuild(ledger, patches, in_detection_order(concat(engine.gather(detections))))


def _rows_of_home(cases, facts, rules, as_of):
    """The ledger rows of one home's cases; ``facts`` are the home's areas
    (a contiguous run of positions, from ``facts["position"]``)."""
    offset = int(facts["position"].iloc[0]) if len(facts) else 0
    return ledger_rows(cases.assign(area=cases["area"] - offset), facts, rules, as_of)


def _ledger(engine, cases, areas, rules, as_of):
    """The ledger: rows made per home where its cases are, put in the ledger's
    order here; a text column that only some homes fill is read again as one
    column, as one machine would build it."""
    facts = pd.DataFrame(areas.drop(columns=areas.geometry.name)).assign(
        position=np.arange(len(areas))
    )
    pieces = engine.place(split_by(facts, "position", len(areas), engine.count))
    rows = engine.gather(engine.each(_rows_of_home, cases, pieces, rules=rules, as_of=as_of))
    ledger = concat([piece for piece in rows if len(piece)])
    if ledger is None:
        return empty_ledger(rules.timezone)
    for column in ledger.columns:
        if ledger[column].dtype == object:
            ledger[column] = pd.Series(ledger[column].to_numpy(dtype=object), index=ledger.index)
    return in_ledger_order(ledger)
