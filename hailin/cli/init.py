"""hailin init DIR"""

import click

from hailin.cli.common import reports_errors


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of maps and exports.",
)
@reports_errors
def init_command(directory, lang):
    """Create a new workspace in DIRECTORY."""
    from hailin.surveys.workspace import Workspace

    ws = Workspace.create(directory, language=lang)
    click.echo(f"workspace created: {ws.root}")
    click.echo(f"  settings: {ws.settings_path}")
    click.echo(
        f"  store:    {ws.store_path} (3 illustrative reserve polygons; "
        "replace them with `hailin sites import FILE`)"
    )
