"""hailin report --month 2024-05 -o 月报.docx"""

import click

from hailin.cli.common import as_of_option, emit_json, workspace_command


@workspace_command(click.command("report"))
@click.option("--month", required=True, help="The month, like 2024-05.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="A .docx file (or .pdf where LibreOffice is installed).",
)
@as_of_option
def report_command(ws, as_json, month, output, as_of):
    """Write the monthly report: the month's figures, progress charts, a map
    of clearance status with the month's new cases, cases and patrol effort,
    as they stood at the end of the month (or of an earlier --as-of day)."""
    from hailin.report import write_report
    from hailin.surveys.stats import period

    last = period(month).last
    assert last is not None  # a month has a last day
    day = last if as_of is None else min(as_of, last)
    # Read as of the day, so uploads withdrawn after it are read back.
    path = write_report(ws.frames(every_record=True, as_of=day), month, output)
    if as_json:
        emit_json({"path": path, "month": month, "as_of": day.isoformat()})
        return
    click.echo(f"report for {month} (as of {day.isoformat()}) written to {path}")
