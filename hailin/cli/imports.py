"""hailin import FILE..."""

import os
import sqlite3

import click

from hailin.cli.common import (
    EXIT_NOTHING_STORED,
    EXIT_OK,
    EXIT_PARTIAL,
    emit_json,
    file_options,
    internal_error,
    reports_errors,
    workspace,
)
from hailin.geo.errors import HailinError
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import printable_name
from hailin.surveys.io.written import full_disk_error
from hailin.surveys.schema import PATROL_TYPES

PROGRESS_FROM_ROWS = 5000


def _exit_code(statuses):
    if all(s in ("accepted", "duplicate") for s in statuses):
        return EXIT_OK
    if all(s == "rejected" for s in statuses):
        return EXIT_NOTHING_STORED
    return EXIT_PARTIAL


def _name(path):
    return printable_name(os.path.basename(os.fspath(path)))


def _failed(path, kind, dry_run, message):
    """The summary of a file whose import failed on a hailin bug (nothing stored)."""
    from hailin.surveys.ingest import ImportSummary

    return ImportSummary(
        upload_id="",
        file=_name(path),
        status="rejected",
        errors=[{"row": None, "column": None, "message": message}],
        dry_run=dry_run,
        kind=kind,
    )


def _print_summary(summary):
    counts = (
        f"{summary.rows_read} read, {summary.rows_accepted} accepted, "
        f"{summary.rows_rejected} rejected"
    )
    if summary.rows_duplicate:
        counts += f", {summary.rows_duplicate} already stored"
    prefix = "(dry run) " if summary.dry_run else ""
    click.echo(f"{prefix}{summary.file}: {summary.status} ({counts})")
    for warning in summary.warnings:
        where = f" column {warning['column']!r}" if warning.get("column") else ""
        click.echo(f"  note{where}: {warning['message']}", err=True)
    for error in summary.errors[:20]:
        where = ", ".join(
            p
            for p in (
                f"row {error['row']}" if error["row"] is not None else "",
                f"column {error['column']!r}" if error["column"] else "",
            )
            if p
        )
        click.echo(f"  {summary.file}{', ' + where if where else ''}: {error['message']}", err=True)
    if len(summary.errors) > 20:
        click.echo(f"  … {len(summary.errors) - 20} more rejected row(s)", err=True)
    if summary.report:
        click.echo(f"  every rejected row: {summary.report}", err=True)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--patrol-type",
    metavar="T",
    help=f"Patrol type for rows that do not say: {', '.join(PATROL_TYPES)} (or the Chinese).",
)
@click.option("--team", metavar="NAME", help="Team for rows that do not say.")
@click.option(
    "--observed-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    callback=lambda _ctx, _param, value: value.date() if value else None,
    metavar="DATE",
    help="Day of rows without a time (waypoint exports): dated at noon local time.",
)
@click.option(
    "--date-from-name",
    is_flag=True,
    help="Take that day from the file's or folder's name (巡查_2024-05-03.kml).",
)
@file_options
@click.pass_context
@reports_errors(internal=EXIT_NOTHING_STORED)
def import_command(ctx, files, as_json, **flags):
    """Import patrol survey FILES (CSV/TXT, XLSX, GPX, KML/KMZ, GeoJSON, zipped
    Shapefile, GeoPackage) into the workspace.

    Exit status: 0 stored (or an identical file already was), 3 some rows
    rejected, 4 nothing stored.
    """
    run_imports(ctx, files, "surveys", as_json, **flags)


def run_imports(ctx, files, kind, as_json, *, dry_run, strict, **flags):
    """Import FILES of one kind, print or emit the summaries, exit with the contract's code."""
    ws = workspace(ctx)
    try:
        ws.import_options(**flags)
    except SurveyFileError as error:
        raise click.BadParameter(str(error)) from error
    summaries = []
    for path in files:
        bar = None

        def progress(rows, total, _path=path):
            nonlocal bar
            if as_json or total < PROGRESS_FROM_ROWS:
                return
            if bar is None:
                from tqdm import tqdm

                bar = tqdm(
                    desc=f"{_name(_path)}: storing",
                    total=total,
                    unit=" rows",
                    leave=False,
                )
            bar.update(rows)

        try:
            summary = ws.import_file(
                path, kind=kind, dry_run=dry_run, strict=strict, progress=progress, **flags
            )
        except (HailinError, click.exceptions.ClickException, sqlite3.Error):
            raise
        except Exception as error:  # a hailin bug: this file fails, the others still go in
            if full_disk_error(error) is not None:
                raise  # the machine's: one full-disk line, and the other files would fail too
            summary = _failed(
                path, kind, dry_run, internal_error(error, f"importing {_name(path)}")
            )
        finally:
            if bar is not None:
                bar.close()
        summaries.append(summary)
        if not as_json:
            _print_summary(summary)
    code = _exit_code([s.status for s in summaries])
    if as_json:
        if len(summaries) == 1:
            emit_json(summaries[0].to_dict())
        else:
            emit_json(
                {
                    "files": [s.to_dict() for s in summaries],
                    "rows_read": sum(s.rows_read for s in summaries),
                    "rows_accepted": sum(s.rows_accepted for s in summaries),
                    "rows_rejected": sum(s.rows_rejected for s in summaries),
                }
            )
    ctx.exit(code)
