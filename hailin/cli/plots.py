"""hailin plots import FILE --kind clearance|restoration"""

import click

from hailin.cli.common import json_option, reports_errors
from hailin.cli.imports import run_imports


@click.group("plots")
def plots_group():
    """Clearance plots (除治图斑) and restoration plots (种植地块)."""


@plots_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["clearance", "restoration"]),
    required=True,
    help="Clearance plots or restoration (planting) plots.",
)
@click.option(
    "--crs", metavar="CRS", help="Coordinates' CRS (default: the file's own, else WGS84)."
)
@click.option("--sheet", metavar="NAME", help="Excel sheet name or number (default: the first).")
@click.option("--dry-run", is_flag=True, help="Check and report, store nothing.")
@click.option("--strict", is_flag=True, help="Reject a file whole if any row is bad.")
@json_option
@click.pass_context
@reports_errors
def import_plots(ctx, files, kind, crs, sheet, dry_run, strict, as_json):
    """Import plot polygons from FILES (same formats as `hailin import`).

    Areas are computed (mu, ha); a declared area more than 5% off, plots
    outside every site and overlapping clearance plots are reported. A plot id
    imported again replaces the stored plot. Exit status as for `hailin import`.
    """
    run_imports(ctx, files, kind, as_json, dry_run=dry_run, strict=strict, crs=crs, sheet=sheet)
