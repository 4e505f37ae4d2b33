"""Progress figures on a Dask cluster.

The figures are sums over plots (a million at most: they fit the client);
what needs the records, the survival of restoration plots, takes the
``planting_check`` records inside a restoration plot from the partitions
(plots sent to them with their cells, no halo: a check counts inside only)
and gives them to :func:`hailin.surveys.ledger.progress.restoration_progress`, so
the figures are the single-machine ones.
"""

import pandas as pd

from hailin.surveys.dist.engine import Engine, concat
from hailin.surveys.ledger.progress import Progress, restoration_progress, survival_checks


def _checks_inside(part, plots, timezone):
    """The partition's planting checks inside a restoration plot it holds
    (:func:`hailin.surveys.ledger.progress.survival_checks`)."""
    return survival_checks(plots, part.findings, timezone)


def planting_checks(engine: Engine, restoration, timezone: str) -> pd.DataFrame:
    """Every planting check with a survival inside a restoration plot, from
    the partitions (each record in its own, with every plot it is in there),
    in record-key order: what one machine finds."""
    plots = engine.send(restoration[["plot_id", "geometry"]], 0.0)
    found = engine.gather(engine.each(_checks_inside, engine.parts, plots, timezone=timezone))
    checks = concat(found)
    return checks.sort_values("record_key", kind="stable").reset_index(drop=True)


def distributed_restoration_progress(
    engine: Engine, restoration, target_mu: float, timezone: str
) -> Progress:
    """:func:`hailin.surveys.ledger.progress.restoration_progress` of the records held
    by ``engine``."""
    checks = planting_checks(engine, restoration, timezone)
    return restoration_progress(restoration, None, target_mu, timezone, checks)
