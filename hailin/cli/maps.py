"""hailin map clearance|restoration|overview"""

import os

import click

from hailin.cli.common import EXIT_USAGE, fail, reports_errors, workspace
from hailin.cli.raster import classes_option
from hailin.maps.basemaps import basemap_names, resolve, tianditu_key
from hailin.maps.errors import MapError
from hailin.maps.kinds import MAP_KINDS


@click.command("map")
@click.argument("kind", type=click.Choice(sorted(MAP_KINDS)))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="HTML file to write (default: out/KIND.html in the workspace).",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: hailin.toml).")
@click.option(
    "--basemap",
    type=click.Choice(basemap_names()),
    help="Basemap shown first (default: the basemap file, else Tianditu with a key, "
    "else Gaode on a zh map, OpenStreetMap on an en map).",
)
@click.option(
    "--cdn",
    is_flag=True,
    help="Link Leaflet from jsDelivr instead of carrying it: a page ~150 kB smaller that "
    "needs the network (often blocked in mainland China) to draw. Default: self-contained.",
)
# Maps are self-contained by default; the old flag is still accepted.
@click.option("--offline", is_flag=True, hidden=True)
@click.option(
    "--assets",
    "assets_dir",
    type=click.Path(file_okay=False),
    help="Copy the scripts and styles into DIR and link them from there (for a server "
    "or a shared drive).",
)
@click.option(
    "--basemap-file",
    type=click.Path(dir_okay=False),
    help="An MBTiles or PMTiles file of raster tiles drawn as a basemap with no network.",
)
@click.option(
    "--zooms",
    metavar="FIRST-LAST",
    help="Zoom levels of --basemap-file the map carries, e.g. 10-16 (default: all of the file's).",
)
@click.option(
    "--raster",
    "rasters",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A raster drawn under the plots (classes in their colours, an index as a colour "
    "ramp); may be given several times.",
)
@classes_option
@click.pass_context
@reports_errors
def map_command(
    ctx,
    kind,
    output,
    lang,
    basemap,
    cdn,
    offline,
    assets_dir,
    basemap_file,
    zooms,
    rasters,
    classes,
):
    """Write an interactive map of clearance, restoration or the whole programme."""
    from hailin.maps.output import save_map
    from hailin.maps.programme import MAPS

    if cdn and (assets_dir or offline):
        fail("--cdn and --assets (or --offline) exclude each other: choose one", EXIT_USAGE)
    if zooms and not basemap_file:
        fail("--zooms needs --basemap-file", EXIT_USAGE)
    ws = workspace(ctx)
    lang = lang or ws.settings.language
    try:
        key = tianditu_key(ws.settings)
        resolve(basemap, lang, key, basemap_file is not None)
    except MapError as error:
        fail(str(error), EXIT_USAGE)
    path = output or os.path.join(ws.out_dir, f"{kind}.html")
    images = [ws.rasters.overlay(raster, classes=classes) for raster in rasters]
    fmap = MAPS[kind](
        ws.map_data(),
        lang=lang,
        basemap=basemap,
        tianditu_key=key,
        basemap_file=basemap_file,
        zooms=zooms,
        rasters=images,
    )
    save_map(fmap, path, cdn=cdn, assets=assets_dir)
    if cdn:
        how = " (Leaflet from jsDelivr: draws only with the network)"
    elif assets_dir:
        how = f" (scripts and styles in {assets_dir})"
    else:
        how = f" (self-contained, opens with no network: {os.path.getsize(path) / 1e6:.2f} MB)"
    click.echo(f"{kind} map written to {path}{how}")


__all__ = ["map_command"]
