"""hailin sites [list] | hailin sites import FILE"""

import click

from hailin.cli.common import emit_json, json_option, workspace_command


@click.group("sites", invoke_without_command=True)
@json_option
@click.pass_context
def sites_group(ctx, as_json):
    """The reserve boundaries of the workspace: listed when no command is given."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_sites, as_json=as_json)


@workspace_command(sites_group.command("list"))
def list_sites(ws, as_json):
    """List the sites: id, names in zh and en, township, area in mu, bounds."""
    from hailin.geo.sites import site_table

    table = site_table(ws.sites())
    if as_json:
        emit_json({"sites": table.to_dict(orient="records")})
        return
    lang = ws.settings.language
    name, township = ("name_zh", "township") if lang == "zh" else ("name_en", "township_en")
    click.echo(f"{len(table)} site(s):" if lang == "en" else f"共 {len(table)} 个保护小区：")
    for row in table.itertuples():
        click.echo(
            f"  {row.site_id:<12} {getattr(row, name)}  {getattr(row, township)}  "
            f"{row.area_mu:,.2f} mu  "
            f"[{row.west:.4f}, {row.south:.4f}, {row.east:.4f}, {row.north:.4f}]"
        )


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
