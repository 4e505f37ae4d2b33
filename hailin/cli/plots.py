"""hailin plots import FILE --kind clearance|restoration"""

import click

from hailin.cli.common import file_options, reports_errors
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
@file_options
@click.pass_context
@reports_errors
def import_plots(ctx, files, kind, as_json, **flags):
    """Import plot polygons from FILES (same formats as `hailin import`).

    Areas are computed (mu, ha); a declared area more than 5% off, plots
    outside every site and overlapping clearance plots are reported. A plot id
    imported again replaces the stored plot. Exit status as for `hailin import`.
    """
    run_imports(ctx, files, kind, as_json, **flags)
