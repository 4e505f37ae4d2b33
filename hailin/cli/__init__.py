"""The `hailin` command line: one module per subcommand."""

import click

from hailin.cli.area import area_command
from hailin.cli.assets import assets_group
from hailin.cli.dataset import dataset_group
from hailin.cli.demo import demo_command
from hailin.cli.export import export_group
from hailin.cli.imports import import_command
from hailin.cli.init import init_command
from hailin.cli.ledger import flag_command, ledger_command, progress_command
from hailin.cli.maps import map_command
from hailin.cli.plan import plan_group
from hailin.cli.plots import plots_group
from hailin.cli.raster import raster_group
from hailin.cli.report import report_command
from hailin.cli.risk import risk_group
from hailin.cli.serve import serve_command
from hailin.cli.sites import sites_group
from hailin.cli.tasks import tasks_command
from hailin.cli.uploads import uploads_group
from hailin.cli.users import users_group
from hailin.cli.words import HailinGroup


@click.group(cls=HailinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-w",
    "--workspace",
    type=click.Path(file_okay=False),
    help="Workspace folder (default: $HAILIN_WORKSPACE, else the current folder).",
)
@click.version_option(package_name="hailin")
@click.pass_context
def main(ctx, workspace):
    """hailin (海林): Spartina clearance and mangrove restoration records for Fuding."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


for command in (
    init_command,
    demo_command,
    sites_group,
    import_command,
    uploads_group,
    plots_group,
    export_group,
    flag_command,
    ledger_command,
    progress_command,
    tasks_command,
    dataset_group,
    report_command,
    risk_group,
    plan_group,
    map_command,
    area_command,
    raster_group,
    assets_group,
    serve_command,
    users_group,
):
    main.add_command(command)

__all__ = ["main"]
