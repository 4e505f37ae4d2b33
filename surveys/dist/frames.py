"""What a command reads, when its heavy work runs on a Dask cluster: the
frames of :class:`hailin.surveys.frames.Frames` with the records held in partitions
on the workers, and the ledger and survival computed there.

Sites and plots (a million plots at most) are read on the client, as the
single machine reads them; the records stay in the partitions.
"""

import dataclasses
import datetime
import functools

from hailin.surveys.dist.engine import Engine
from hailin.surveys.dist.flag import distributed_ledger
from hailin.surveys.dist.progress import distributed_restoration_progress
from hailin.surveys.dist.sources import engine_from_dataset, engine_from_frames
from hailin.surveys.errors import FramesError
from hailin.surveys.frames import RECORD_DETAIL, Frames, read_frames
from hailin.surveys.io.dataset import read_dataset_layers, typed_records
from hailin.surveys.ledger.cases import LedgerBuild, LedgerRules
from hailin.surveys.ledger.progress import Progress
from hailin.surveys.ledger.tasks import confirm_suspicions
from hailin.surveys.settings import Settings


@dataclasses.dataclass
class DistributedFrames(Frames):
    """:class:`hailin.surveys.frames.Frames` whose records are partitions on a Dask
    cluster (``engine``): ``findings`` and ``inspections`` are empty here,
    the ledger and the survival figures are computed on the cluster."""

    engine: Engine | None = None

    @property
    def _engine(self) -> Engine:
        if self.engine is None:
            raise FramesError("distributed frames need an engine (a Dask client)")
        return self.engine

    def build_ledger(self, rules: LedgerRules) -> LedgerBuild:
        """The ledger, new-infestation patches and detections, built on the cluster."""
        return distributed_ledger(self._engine, self.clearance, rules, self.sites, self.as_of)

    @functools.cached_property
    def _patrol_restoration(self) -> Progress:
        """Planted area against the target; survival from the partitions' checks
        (the imagery figures are added as on one machine)."""
        return distributed_restoration_progress(
            self._engine,
            self.restoration,
            self.settings.restoration_target_mu,
            self.timezone,
        )


def distributed_frames(
    client,
    settings: Settings,
    *,
    store=None,
    dataset=None,
    as_of: datetime.date | None = None,
    partitions: int | None = None,
) -> DistributedFrames:
    """The frames of a command run on ``client``'s cluster: from a workspace
    ``store`` (a reader: read here, then cut into partitions and sent) or a
    ``dataset`` folder (each worker reads its own partition).

    Examples
    --------
    >>> import tempfile
    >>> from hailin.surveys.dist.scheduler import connect
    >>> from hailin.surveys.workspace import Workspace
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> with connect("local:1", processes=False) as client:
    ...     with ws.store(write=False) as store:
    ...         frames = distributed_frames(client, ws.settings, store=store, partitions=2)
    ...     len(frames.ledger), frames.engine.count
    (0, 1)
    """
    if dataset is not None:
        if as_of is not None:
            raise FramesError("a dataset is read as of a date on one machine: leave out --scheduler")
        layers = read_dataset_layers(dataset, RECORD_DETAIL, with_records=False)
        engine = engine_from_dataset(client, dataset, partitions)
        cover = None  # imagery cover stays in the county workspaces, as on one machine
        tasks = None  # the records stay on the workers
    else:
        read = read_frames(store, settings, as_of=as_of)  # what was known then, sent
        layers = {"sites": read.sites, "clearance": read.clearance, "restoration": read.restoration}
        # Confirmed suspicions open their cases on their own day, as on one machine.
        tasks = read.tasks
        findings = confirm_suspicions(read.findings, tasks)
        engine = engine_from_frames(client, findings, read.inspections, partitions)
        cover = read.cover
    frames = DistributedFrames(
        settings,
        layers["sites"],
        layers["clearance"],
        layers["restoration"],
        typed_records(None, RECORD_DETAIL),
        typed_records(None, ["observed_at"]),
        None,
        as_of,
        engine=engine,
    )
    if cover is not None:
        frames.cover = cover
    if tasks is not None:
        frames.tasks = tasks
    return frames
