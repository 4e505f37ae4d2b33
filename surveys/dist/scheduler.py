"""``--scheduler local[:N]|ADDRESS`` (or ``$HAILIN_SCHEDULER``): which Dask
cluster runs the heavy commands.

``local`` starts a :class:`distributed.LocalCluster` on this machine (N
worker processes, one thread each; N defaults to the cores), shut down when
the command ends. Anything else is the address of a running scheduler
(``tcp://host:8786``, ``tls://…``, as ``dask scheduler`` prints it): the
same code then runs on that cluster, whose workers need hailin installed
and the dataset's folder (or object store) in reach.
"""

import contextlib
import os
import re

from hailin.surveys.errors import SchedulerError

ENVIRONMENT_VARIABLE = "HAILIN_SCHEDULER"
_LOCAL = re.compile(r"local(?::(\d{1,3}))?")
_ADDRESS = re.compile(r"(tcp|tls|ucx|inproc|ws|wss)://[\w.\-\[\]:%/]{1,200}")


def parse_scheduler(text: str | None):
    """``None`` (run on this process, as without Dask), ``("local", N)`` (N
    None for the cores) or ``("address", text)``.

    Examples
    --------
    >>> parse_scheduler("local:2"), parse_scheduler("tcp://10.0.0.5:8786")
    (('local', 2), ('address', 'tcp://10.0.0.5:8786'))
    """
    if text is None or not text.strip():
        return None
    text = text.strip()
    local = _LOCAL.fullmatch(text)
    if local:
        workers = int(local.group(1)) if local.group(1) else None
        if workers == 0:
            raise SchedulerError("local:N needs at least one worker, got local:0")
        return ("local", workers)
    if _ADDRESS.fullmatch(text):
        return ("address", text)
    raise SchedulerError(
        f"--scheduler {text[:80]!r}: give local, local:N (N workers) or a scheduler "
        "address such as tcp://host:8786"
    )


def scheduler_from_environment(explicit: str | None = None) -> str | None:
    """``explicit`` (the option), else ``$HAILIN_SCHEDULER``, else None."""
    return explicit or os.environ.get(ENVIRONMENT_VARIABLE) or None


@contextlib.contextmanager
def connect(
    text: str | None, *, memory_limit: str = "auto", timeout_s: float = 30.0, processes=True
):
    """A :class:`distributed.Client` on the scheduler ``text`` names (see
    :func:`parse_scheduler`), or None when it names none; a local cluster
    started here (worker processes, or threads of this one without
    ``processes``; no dashboard) is closed on leaving.

    Examples
    --------
    >>> with connect("local:1", processes=False) as client:
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    chosen = parse_scheduler(text)
    if chosen is None:
        yield None
        return
    try:
        import distributed
    except ImportError as error:
        raise SchedulerError("--scheduler needs Dask: pip install 'hailin[dask]'") from error
    kind, value = chosen
    try:
        if kind == "local":
            cluster = distributed.LocalCluster(
                n_workers=value or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=processes,
                memory_limit=memory_limit,
                dashboard_address=None,
                # The scheduler's HTTP server (health, metrics) on a free port:
                # by default it takes 8787 and warns when another cluster has it.
                scheduler_kwargs={"dashboard_address": ":0"},
            )
            stack = contextlib.ExitStack()
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster, timeout=timeout_s))
        else:
            stack = contextlib.ExitStack()
            client = stack.enter_context(distributed.Client(value, timeout=timeout_s))
    except OSError as error:  # no scheduler there, or it did not answer in time
        raise SchedulerError(f"no Dask scheduler at {value}: {error}") from error
    with stack:
        yield client
