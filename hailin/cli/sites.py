"""hailin sites import FILE"""

import click

from hailin.cli.common import emit_json, workspace_command


@click.group("sites")
def sites_group():
    """The reserve boundaries of the workspace."""


@workspace_command(sites_group.command("import"))
@click.argument("file", type=click.Path(dir_okay=False))
def import_sites(ws, file, as_json):
    """Replace the reserve polygons with official boundaries from FILE."""
    from hailin.geo.area import area

    sites = ws.import_sites(file)
    sizes = area(sites, unit="mu")
    rows = [
        {
            "site_id": row.site_id,
            "name_zh": row.name_zh,
            "township": row.township,
            "area_mu": round(float(mu), 4),
        }
        for row, mu in zip(sites.itertuples(), sizes, strict=True)
    ]
    if as_json:
        emit_json({"file": file, "sites": rows})
        return
    click.echo(f"{len(rows)} site(s) imported from {file}:")
    for row in rows:
        click.echo(f"  {row['site_id']:<12} {row['name_zh']:<10} {row['area_mu']:>12,.2f} mu")
