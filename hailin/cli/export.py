"""hailin export plots|cases|patches -o FILE [--crs CRS] · hailin export ledger -o 台账.xlsx"""

import click

from hailin.cli.common import as_of_option, emit_json, workspace_command
from hailin.surveys.io.export_formats import GIS_FORMATS

CRS_HELP = (
    "Output coordinates: 4326 (WGS84, default), 4490 (CGCS2000), gk3 (CGCS2000 3-degree "
    "Gauss-Kruger zone of the data, zone number in front of the easting), gk3-noprefix "
    "(the same without it), or a CRS such as cgcs2000:gk3:zone40."
)


@click.group("export")
def export_group():
    """Files for GIS offices: plots, cases and new patches (GeoPackage, GeoJSON,
    Shapefile), and the ledger in the 台账 layout (XLSX)."""


def _output_option(function):
    return click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False),
        help=f"File to write: {', '.join(GIS_FORMATS)} (a Shapefile's DBF is GBK).",
    )(function)


def _report(written, as_json):
    if as_json:
        emit_json({k: v for k, v in written.items() if k != "fields"})
        return
    click.echo(
        f"{written['features']} feature(s) written to {written['path']} (EPSG:{written['crs']})"
    )
    if "mapping" in written:
        click.echo(f"  field names: {written['mapping']}")
    if "style" in written:
        click.echo(f"  QGIS style: {written['style']}")
    if written.get("replaced"):
        click.echo(
            f"  {written['replaced']} text cell(s) had characters GBK cannot hold (shown as ?)"
        )


@workspace_command(export_group.command("plots"))
@_output_option
@click.option("--kind", type=click.Choice(["clearance", "restoration"]), required=True)
@click.option("--crs", default="4326", show_default=True, help=CRS_HELP)
@as_of_option
def export_plots(ws, as_json, output, kind, crs, as_of):
    """Write the clearance or restoration plots."""
    frames = ws.frames(as_of=as_of)
    _report(ws.exports.layer("plots", output, crs=crs, kind=kind, frames=frames), as_json)


@workspace_command(export_group.command("cases"))
@_output_option
@click.option("--crs", default="4326", show_default=True, help=CRS_HELP)
@as_of_option
def export_cases(ws, as_json, output, crs, as_of):
    """Write the ledger's cases with their plot or patch as geometry."""
    _report(ws.exports.layer("cases", output, crs=crs, frames=ws.frames(as_of=as_of)), as_json)


@workspace_command(export_group.command("patches"))
@_output_option
@click.option("--crs", default="4326", show_default=True, help=CRS_HELP)
@as_of_option
def export_patches(ws, as_json, output, crs, as_of):
    """Write the new-infestation patches with their latest case."""
    frames = ws.frames(as_of=as_of)
    _report(ws.exports.layer("patches", output, crs=crs, frames=frames), as_json)


@workspace_command(export_group.command("ledger"))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="An .xlsx file."
)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: hailin.toml).")
@as_of_option
def export_taizhang(ws, as_json, output, lang, as_of):
    """Write the ledger in the 台账 layout: title row, frozen header, print
    setup; with --as-of, as it stood then and titled 截至 that day."""
    table = ws.exports.taizhang(output, lang, frames=ws.frames(as_of=as_of))
    if as_json:
        emit_json({"path": output, "cases": len(table)})
        return
    click.echo(f"{len(table)} case(s) written to {output}")
