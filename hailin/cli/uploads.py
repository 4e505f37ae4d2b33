"""hailin uploads list · hailin uploads withdraw ID --reason TEXT"""

import click

from hailin.cli.common import emit_json, workspace_command
from hailin.surveys.errors import UploadError

# The fields of `uploads list --json`, in this order.
LIST_FIELDS = [
    *("upload_id", "file", "kind", "sheet", "format", "uploaded_at", "uploaded_by", "team"),
    *("patrol_type", "crs", "status", "rows_read", "rows_accepted", "rows_rejected"),
    *("rows_duplicate", "archived_as", "withdrawn_at", "withdrawn_by", "withdrawn_reason"),
]


@click.group("uploads")
def uploads_group():
    """The uploaded files, and taking one back out (corrections)."""


def _plain(value):
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def _local(text, timezone):
    if text is None:
        return ""
    import pandas as pd

    return pd.Timestamp(text).tz_convert(timezone).strftime("%Y-%m-%d %H:%M")


@workspace_command(uploads_group.command("list"))
def list_command(ws, as_json):
    """What was uploaded, when, by whom, with what result; withdrawn uploads too."""
    uploads = ws.uploads()
    if as_json:
        emit_json(
            {
                "uploads": [
                    {field: _plain(row[field]) for field in LIST_FIELDS}
                    for row in uploads.to_dict(orient="records")
                ]
            }
        )
        return
    if len(uploads) == 0:
        click.echo("no uploads yet")
        return
    timezone = ws.settings.timezone
    for row in uploads.to_dict(orient="records"):
        row = {k: _plain(v) for k, v in row.items()}
        counts = (
            f"{row['rows_read'] or 0} read, {row['rows_accepted'] or 0} accepted, "
            f"{row['rows_rejected'] or 0} rejected"
        )
        sheet = f" [{row['sheet']}]" if row["sheet"] else ""
        crs = f" --crs {row['crs']}" if row["crs"] else ""
        click.echo(
            f"{row['upload_id'][:12]}  {_local(row['uploaded_at'], timezone)}  "
            f"{row['uploaded_by'] or '?'}  {row['file']}{sheet}  {row['kind']}{crs}  "
            f"{row['status']} ({counts})"
        )
        if row["status"] == "withdrawn":
            click.echo(
                f"    withdrawn {_local(row['withdrawn_at'], timezone)} by "
                f"{row['withdrawn_by'] or '?'}: {row['withdrawn_reason']}"
            )


@workspace_command(uploads_group.command("withdraw"))
@click.argument("upload_id", metavar="ID")
@click.option("--reason", required=True, metavar="TEXT", help="Why (kept in the store).")
def withdraw_command(ws, upload_id, reason, as_json):
    """Take upload ID (its sha256, or the first 8+ hex digits) out of the store.

    Its records, rejected rows and plots leave the store together; the raw file
    stays in uploads/ and the upload stays listed as withdrawn, with the time,
    user and reason. The same file can then be imported again (with other
    options, such as --crs gcj02).
    """
    try:
        withdrawal = ws.withdraw_upload(upload_id, reason=reason)
    except UploadError as error:
        raise click.BadParameter(str(error), param_hint="ID") from error
    if as_json:
        emit_json(withdrawal.to_dict())
        return
    click.echo(
        f"withdrawn {withdrawal.upload_id[:12]} ({', '.join(withdrawal.files)}): "
        f"{withdrawal.records_removed} record(s), {withdrawal.rejects_removed} rejected "
        f"row(s), {withdrawal.plots_removed} plot(s) taken out; raw file kept "
        f"({', '.join(withdrawal.archived_as) or 'not archived'})"
    )
    if withdrawal.recomputed:
        click.echo(f"  recomputed: {', '.join(withdrawal.recomputed)}")
    for warning in withdrawal.warnings:
        click.echo(f"  note: {warning}", err=True)
