"""What every subcommand shares: the workspace lookup, --json, errors, exit codes."""

import functools
import json
import sys

import click

from geo.errors import HailinError
from surveys.errors import SettingsError, WorkspaceError
from surveys.workspace import Workspace

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_NOTHING_STORED = 4

sheet_option = click.option(
    "--sheet", metavar="NAME", help="Excel sheet name or number (default: the first)."
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


def workspace(ctx):
    """The workspace chosen by -w, $HAILIN_WORKSPACE or the current folder."""
    return Workspace.find(ctx.find_root().obj.get("workspace"))


def emit_json(payload):
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def fail(message, code):
    click.echo(f"hailin: error: {message}", err=True)
    sys.exit(code)


def reports_errors(command):
    """Turn hailin's own errors into a one-line message and the contract's exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (WorkspaceError, SettingsError) as error:
            fail(str(error), EXIT_USAGE)
        except HailinError as error:
            fail(str(error), EXIT_NOTHING_STORED)

    return wrapper
