"""The recurrence ledger on a Dask cluster: the steps of
:func:`surveys.ledger.cases.build_ledger`, run on spatial partitions.

1. Detection: each partition's Spartina findings against the clearance plots
   sent to it with a halo of the tolerance (a finding 9 m outside a plot of
   the next partition still meets it there); each record is decided in its
   one partition, so its nearest plot is the nearest of all.
2. New-infestation patches across partition edges (:mod:`surveys.dist.clusters`).
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

from surveys.dist.clusters import cluster_outside
from surveys.dist.engine import Engine, concat
from surveys.ledger.cases import (
    LedgerBuild,
    LedgerRules,
    case_area_frame,
    finding_tokens,
    in_detection_order,
    latest_local_day,
    ledger_rows,
    near_after_clearance,
    removal_mask,
    removal_tokens,
)
from surveys.ledger.detections import detect, local_metric_crs
from surveys.ledger.machine import case_rows, verify_cases


def _detect(part, plots, tolerance_m, timezone, crs):
    return detect(part.findings, plots, tolerance_m, timezone, crs)


def _plot_ids(detections):
    return detections["plot_id"].unique()


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
    later = part.inspections_after(after)
    checks = near_after_clearance(later, targets_near, rules, crs)[["area", "time", "day"]]
    checks["area"] = targets_near["position"].to_numpy()[checks["area"].to_numpy()]
    return checks


def _verify(cases, checks, rules):
    return verify_cases(cases, checks, rules)


def _detections(engine, clearance, rules):
    """Futures of (detections, outside) per partition."""
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
    return engine.pick(both, 0), engine.pick(both, 1)


def _case_rows(engine, detections, outside, membership, areas, rules):
    """Futures of the cases per home (contiguous runs of areas)."""
    positioned = areas[["cleared_on", "geometry"]].assign(position=np.arange(len(areas)))
    tokens = engine.each(
        _tokens,
        engine.parts,
        detections,
        outside,
        engine.send(positioned, rules.tolerance_m),
        membership=engine.share(membership),
        area_ids=engine.share(areas[["plot_id"]]),
        rules=rules,
        crs=local_metric_crs(areas),
    )
    found = engine.regroup(engine.pick(tokens, 0), "area", len(areas), engine.count)
    removals = engine.regroup(engine.pick(tokens, 1), "area", len(areas), engine.count)
    return engine.each(_cases, found, removals)


def _verified(engine, cases, areas, rules):
    """Futures of the cases per home, re-cleared ones verified by the clear
    inspections near them."""
    waiting = concat(engine.gather(engine.each(_waiting, cases)))
    if waiting is None or len(waiting) == 0:
        return cases
    targets = np.sort(waiting["area"].unique().astype(np.int64))
    near = areas.iloc[targets][["cleared_on", "geometry"]].assign(position=targets)
    checks = engine.each(
        _checks,
        engine.parts,
        engine.send(near, rules.tolerance_m),
        rules=rules,
        crs=local_metric_crs(areas.iloc[targets]),
        after=waiting["re_cleared"].min(),
    )
    checks = engine.regroup(checks, "area", len(areas), engine.count)
    return engine.each(_verify, cases, checks, rules=rules)


def distributed_ledger(
    engine: Engine, clearance, rules: LedgerRules = LedgerRules(), sites=None, as_of=None
) -> LedgerBuild:
    """:func:`surveys.ledger.cases.build_ledger` of the records held by
    ``engine`` (partitions on a Dask cluster) and the clearance plots (a
    GeoDataFrame on the client): the same ledger, patches and detections.

    Examples
    --------
    See :func:`surveys.dist.frames.distributed_frames`; the test
    ``tests/test_dist_ledger.py`` compares both paths row for row.
    """
    detections, outside = _detections(engine, clearance, rules)
    patches, membership = cluster_outside(engine, outside, rules.cluster_m, rules.timezone)
    ids = engine.gather(engine.each(_plot_ids, detections))
    found_in = pd.DataFrame({"plot_id": np.concatenate([np.asarray(i, object) for i in ids])})
    areas = case_area_frame(clearance, found_in, patches, sites)
    if as_of is None:
        latest = [t for pair in engine.gather(engine.each(_latest, engine.parts)) for t in pair]
        as_of = latest_local_day(latest, rules.timezone)
    cases = _case_rows(engine, detections, outside, membership, areas, rules)
    cases = concat(engine.gather(_verified(engine, cases, areas, rules)))
    ledger = ledger_rows(cases, areas, rules, as_of)
    return LedgerBuild(ledger, patches, in_detection_order(concat(engine.gather(detections))))
