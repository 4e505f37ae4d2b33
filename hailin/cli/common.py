"""What every subcommand shares: the workspace lookup, --json, errors, exit codes, the log."""

import contextlib
import errno
import functools
import json
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable

import click

from hailin.geo.errors import HailinError
from hailin.surveys.dist.scheduler import ENVIRONMENT_VARIABLE, parse_scheduler
from hailin.surveys.errors import FullDiskError, SchedulerError, SettingsError, WorkspaceError
from hailin.surveys.io.logs import logging_to

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_NOTHING_STORED = 4

logger = logging.getLogger("hailin.cli")

sheet_option = click.option(
    "--sheet",
    metavar="NAME",
    help="Excel sheet name or number (default: the first holding a table).",
)
dry_run_option = click.option("--dry-run", is_flag=True, help="Check and report, store nothing.")
strict_option = click.option(
    "--strict", is_flag=True, help="Reject a file whole if any row is bad."
)
crs_option = click.option(
    "--crs",
    metavar="CRS",
    help="Coordinates' CRS: wgs84, cgcs2000, gcj02, EPSG code, cgcs2000:gk3:cm120 … "
    "(default: the file's own, else WGS84).",
)
json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object on stdout and nothing else there.",
)


def _scheduler(ctx, param, value):
    """The --scheduler text, checked (a bad one is a usage error)."""
    try:
        parse_scheduler(value)
    except SchedulerError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from error
    return value or None


scheduler_option = click.option(
    "--scheduler",
    metavar="local[:N]|ADDRESS",
    envvar=ENVIRONMENT_VARIABLE,
    show_envvar=True,
    callback=_scheduler,
    help="Run on a Dask cluster: local (N workers here) or a scheduler address "
    "(tcp://host:8786). Without it, on this process as always.",
)


def _as_of(ctx, param, value):
    """The --as-of day, checked (a bad one is a usage error)."""
    if value is None:
        return None
    from hailin.surveys.asof import as_of_day

    try:
        return as_of_day(value)
    except SettingsError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from error


as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM[-DD]",
    callback=_as_of,
    help="The record as it stood at the end of that day (a month: its last day): "
    "what was observed, cleared, planted and imaged by then and uploaded by then.",
)


def workspace(ctx):
    """The workspace chosen by -w, $HAILIN_WORKSPACE or the current folder.

    From here on, until the command ends, what hailin logs (tracebacks of its
    own bugs) goes to the workspace's logs/hailin.log.
    """
    from hailin.surveys.workspace import Workspace

    root = ctx.find_root()
    ws = Workspace.find(root.obj.get("workspace"))
    if root.obj.get("log") != ws.log_path:
        root.with_resource(logging_to(ws.log_path))
        root.obj["log"] = ws.log_path
    return ws


def log_path(ctx=None):
    """Where this command's log goes: the workspace's, else a file in the temp folder."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().obj and ctx.find_root().obj.get("log"):
        return ctx.find_root().obj["log"]
    return os.path.join(tempfile.gettempdir(), "hailin.log")


def emit_json(payload):
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def fail(message, code):
    """Print the one error line in the command's language (:mod:`hailin.cli.words`) and exit."""
    from hailin.cli.words import error_line, language

    click.echo(error_line(message, language()), err=True)
    sys.exit(code)


def internal_error(error, what="", ctx=None):
    """Log ``error``'s traceback to the workspace log and return the one line
    a user sees instead: "internal error … (a hailin bug); details in LOG"."""
    path = log_path(ctx)
    with logging_to(path):
        logger.error("internal error%s", f" {what}" if what else "", exc_info=error)
    detail = f"{type(error).__name__}: {error}"
    detail = detail if len(detail) <= 200 else detail[:199] + "…"
    where = f" {what}" if what else ""
    return f"internal error{where} ({detail}) (a hailin bug); details in {path}"


def reports_errors(command=None, *, internal=EXIT_INTERNAL):
    """Turn hailin's own errors into a one-line message and the contract's exit
    code; any other exception is a hailin bug: one line naming the log that
    holds its traceback, exit ``internal`` (1, or 4 for imports). Never a traceback.

    Use as ``@reports_errors`` or ``@reports_errors(internal=EXIT_NOTHING_STORED)``.
    """
    if command is None:
        return functools.partial(reports_errors, internal=internal)

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        sys.unraisablehook = _log_unraisable
        before = _stamps(kwargs.get("output"))
        try:
            return reported(*args, **kwargs)
        except SystemExit as exit:
            if exit.code:  # a failed command leaves no half-written output behind
                _remove_written(before)
            raise

    def reported(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (WorkspaceError, SettingsError) as error:
            fail(str(error), EXIT_USAGE)
        except FullDiskError as error:  # a library's refused write, said as Python's
            logger.warning("%s", error, exc_info=error)
            fail(_machine_error(error), EXIT_NOTHING_STORED)
        except HailinError as error:
            from hailin.cli.words import error_text, language

            fail(error_text(error, language()), EXIT_NOTHING_STORED)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            # A full disk, whichever library met it (GDAL and SQLite say so only in words);
            # imported here: it loads pyogrio, which `hailin --help` never needs.
            from hailin.surveys.io.written import full_disk_error

            full = full_disk_error(error)
            if full is None and isinstance(error, sqlite3.Error):
                logger.warning("store error", exc_info=error)  # the store's own words
                fail(f"the store cannot be read or written: {error}", EXIT_NOTHING_STORED)
            if full is not None or isinstance(error, OSError):  # the machine's, not hailin's
                logger.warning("%s", error, exc_info=error)
                fail(_machine_error(full or error), EXIT_NOTHING_STORED)
            from hailin.cli.words import bug_line, language

            click.echo(bug_line(internal_error(error), language()), err=True)
            sys.exit(internal)

    return wrapper


def _log_unraisable(unraisable):
    """Errors Python can only ignore (a half-written ZIP closed as it is collected
    on a full disk) go to the log, not to the user's screen."""
    logger.warning(
        "ignored in %r",
        unraisable.object,
        exc_info=(unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback),
    )


_FULL = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file grew past the size this system lets a process write",
}
# The files a Shapefile output is written as, beside the .shp.
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


def _machine_error(error):
    """One line for an error of the machine's: a full disk said so plainly."""
    if error.errno in _FULL:
        where = f" writing {os.path.basename(error.filename)}" if error.filename else ""
        return (
            f"{_FULL[error.errno]}{where}: nothing half-written was left; free some space "
            "and run the command again"
        )
    return str(error)


def _stamps(output):
    """{path: (inode, size, mtime) or None} of an output file and its sidecars."""
    if not output or not isinstance(output, str | os.PathLike):
        return {}
    output = os.fspath(output)
    paths = [output]
    if output.lower().endswith(".shp"):
        paths += [output[:-4] + suffix for suffix in _SIDECARS]
    return {path: _stamp(path) for path in paths}


def _stamp(path):
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _remove_written(before):
    """Remove the outputs this command created or changed before it failed."""
    for path, stamp in before.items():
        now = _stamp(path)
        if now is not None and now != stamp and os.path.isfile(path):
            with contextlib.suppress(OSError):
                os.remove(path)


def workspace_command(
    register: Callable, *, with_json: bool = True, internal: int = EXIT_INTERNAL
) -> Callable:
    """A subcommand on the workspace: ``register`` (``click.command("name")`` or a
    group's ``.command("name")``) over ``--json`` (unless ``with_json`` is
    false) and :func:`reports_errors`; the function receives the
    :class:`~surveys.workspace.Workspace` first, then its parameters.

    Examples
    --------
    >>> @workspace_command(click.command("where"))
    ... def where_command(ws, as_json):
    ...     '''Print the workspace folder.'''
    ...     click.echo(ws.root)
    >>> [p.name for p in where_command.params]
    ['as_json']
    """

    def decorate(function):
        if with_json:
            function = json_option(function)
            # click lists options in the reverse order of decoration: --json last.
            params = function.__click_params__
            params.insert(0, params.pop())

        @functools.wraps(function)
        def command(ctx, *args, **kwargs):
            return function(workspace(ctx), *args, **kwargs)

        return register(click.pass_context(reports_errors(command, internal=internal)))

    return decorate


def file_options(function: Callable) -> Callable:
    """The options every import of files takes: --crs, --sheet, --dry-run,
    --strict and --json."""
    for option in (json_option, strict_option, dry_run_option, sheet_option, crs_option):
        function = option(function)
    return function
