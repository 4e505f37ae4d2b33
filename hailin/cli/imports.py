"""hailin import FILE..."""

import os
import sqlite3

import click

from hailin.cli.common import (
    EXIT_NOTHING_STORED,
    EXIT_OK,
    EXIT_PARTIAL,
    emit_json,
    fail,
    file_options,
    internal_error,
    reports_errors,
    workspace,
)
from hailin.cli.words import located
from hailin.geo.errors import HailinError
from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import printable_name
from hailin.surveys.io.written import full_disk_error
from hailin.surveys.schema import PATROL_TYPES
from hailin.translate import say, translate

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


def _print_summary(summary, lang):
    """The summary and its first 20 messages, in the workspace's language ``lang``."""
    counts = {"read": summary.rows_read, "accepted": summary.rows_accepted}
    counts.update(rejected=summary.rows_rejected, duplicate=summary.rows_duplicate)
    line = "{file}: {status} ({read} read, {accepted} accepted, {rejected} rejected)"
    if summary.rows_duplicate:
        line = (
            "{file}: {status} ({read} read, {accepted} accepted, {rejected} rejected, "
            "{duplicate} already stored)"
        )
    status = say(summary.status, lang)
    line = say(line, lang, file=summary.file, status=status, **counts)
    click.echo(say("(dry run) {summary}", lang, summary=line) if summary.dry_run else line)
    for warning in summary.warnings:
        column = repr(warning["column"]) if warning.get("column") else None
        words = "note column {column}: {message}" if column else "note: {message}"
        message = translate(warning["message"], lang)
        click.echo("  " + say(words, lang, column=column, message=message), err=True)
    for error in summary.errors[:20]:
        text = located(summary.file, error["row"], error["column"], error["message"], lang)
        click.echo("  " + text, err=True)
    if len(summary.errors) > 20:
        click.echo(
            "  " + say("… {count} more rejected row(s)", lang, count=len(summary.errors) - 20),
            err=True,
        )
    if summary.report:
        click.echo("  " + say("every rejected row: {path}", lang, path=summary.report), err=True)


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
                path,
                kind=kind,
                dry_run=dry_run,
                strict=strict,
                progress=progress,
                language=ws.settings.language,
                **flags,
            )
        except SurveyFileError as error:  # a file that is not there: nothing imported
            where = (error.file, error.row, error.column, error.reason)
            fail(located(*where, ws.settings.language), EXIT_NOTHING_STORED)
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
            _print_summary(summary, ws.settings.language)
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
