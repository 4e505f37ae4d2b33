"""hailin map clearance|restoration|overview"""

import os

import click

from hailin.cli.common import reports_errors, workspace
from maps import BASEMAPS, MAPS


@click.command("map")
@click.argument("kind", type=click.Choice(sorted(MAPS)))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="HTML file to write (default: out/KIND.html in the workspace).",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: hailin.toml).")
@click.option("--basemap", type=click.Choice(sorted(BASEMAPS)), default="osm", show_default=True)
@click.pass_context
@reports_errors
def map_command(ctx, kind, output, lang, basemap):
    """Write an interactive map of clearance, restoration or the whole programme."""
    ws = workspace(ctx)
    path = output or os.path.join(ws.out_dir, f"{kind}.html")
    fmap = MAPS[kind](ws.map_data(), lang=lang or ws.settings.language, basemap=basemap)
    fmap.save(path)
    click.echo(f"{kind} map written to {path}")
