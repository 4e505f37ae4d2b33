"""Progress figures on a Dask cluster.

The figures are sums over plots (a million at most: they fit the client);
what needs the records, the survival of restoration plots, takes the
``planting_check`` records inside a restoration plot from the partitions
(plots sent to them with their cells, no halo: a check counts inside only)
and gives them to :func:`surveys.ledger.progress.restoration_progress`, so
the figures are the single-machine ones.
"""

import numpy as np
import shapely

from surveys.dist.engine import Engine, concat
from surveys.ledger.progress import Progress, restoration_progress


def _checks_inside(part, plots):
    """The partition's planting checks (with a survival) inside a plot."""
    findings = part.findings
    checks = findings[(findings["finding"] == "planting_check") & findings["survival_pct"].notna()]
    if len(checks) == 0 or len(plots) == 0:
        return checks.iloc[0:0]
    tree = shapely.STRtree(np.asarray(plots.geometry.values, dtype=object))
    record, _plot = tree.query(
        np.asarray(checks.geometry.values, dtype=object), predicate="intersects"
    )
    return checks.iloc[np.unique(record)]


def planting_checks(engine: Engine, restoration):
    """Every planting check with a survival inside a restoration plot, from
    the partitions, by record key."""
    plots = engine.send(restoration[["plot_id", "geometry"]], 0.0)
    checks = concat(engine.gather(engine.each(_checks_inside, engine.parts, plots)))
    return checks.sort_values("record_key", kind="stable").reset_index(drop=True)


def distributed_restoration_progress(
    engine: Engine, restoration, target_mu: float, timezone: str
) -> Progress:
    """:func:`surveys.ledger.progress.restoration_progress` of the records held
    by ``engine``."""
    return restoration_progress(
        restoration, planting_checks(engine, restoration), target_mu, timezone
    )
