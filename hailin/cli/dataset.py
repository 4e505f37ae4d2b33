"""hailin dataset export DIR [--county NAME] [--append]"""

import collections

import click

from hailin.cli.common import emit_json, workspace_command


@click.group("dataset")
def dataset_group():
    """A partitioned dataset (GeoParquet by county and year) for a province or the coast."""


@workspace_command(dataset_group.command("export"))
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--county",
    metavar="NAME",
    help="The county of every row (default: the site holding a record, a plot's site).",
)
@click.option(
    "--append",
    is_flag=True,
    help="Add to the dataset in DIRECTORY: these counties' partitions replace their own.",
)
def export_dataset(ws, directory, county, append, as_json):
    """Write the store as GeoParquet files in DIRECTORY, partitioned by county and
    year, sorted along a Hilbert curve within each file, with bounding boxes.

    `hailin -w DIRECTORY flag|ledger|progress|map` then read the dataset, on
    this machine or on a Dask cluster (--scheduler).
    """
    manifest = ws.exports.dataset(directory, county=county, append=append)
    rows: collections.Counter[str] = collections.Counter()
    partitions = collections.defaultdict(set)
    for entry in manifest["files"]:
        rows[entry["layer"]] += entry["rows"]
        partitions[entry["layer"]].add((entry["county"], entry["year"]))
    layers = {
        layer: {"rows": rows[layer], "partitions": len(partitions[layer])} for layer in sorted(rows)
    }
    if as_json:
        emit_json({"dataset": directory, "files": len(manifest["files"]), "layers": layers})
        return
    click.echo(f"dataset {directory}: {len(manifest['files'])} file(s)")
    for layer, figures in layers.items():
        click.echo(
            f"  {layer:<18} {figures['rows']:>12,} row(s) in {figures['partitions']} partition(s)"
        )
