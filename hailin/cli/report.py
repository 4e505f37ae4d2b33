"""hailin report --month 2024-05 -o 月报.docx"""

import click

from hailin.cli.common import emit_json, workspace_command


@workspace_command(click.command("report"))
@click.option("--month", required=True, help="The month, like 2024-05.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="A .docx file (or .pdf where LibreOffice is installed).",
)
def report_command(ws, as_json, month, output):
    """Write the monthly report: the month's figures, progress charts, a map
    of clearance status with the month's new cases, cases and patrol effort."""
    from hailin.report import write_report

    path = write_report(ws.frames(every_record=True), month, output)
    if as_json:
        emit_json({"path": path, "month": month})
        return
    click.echo(f"report for {month} written to {path}")
