"""hailin assets status: where the map scripts come from, and whether they are intact."""

import click

from hailin.cli.common import EXIT_NOTHING_STORED, emit_json, json_option
from hailin.maps.assets import LEAFLET_VERSION, REINSTALL_HINT, all_assets, leaflet_dir
from hailin.maps.errors import AssetError


@click.group("assets")
def assets_group():
    """Leaflet, installed with hailin (the XStatic-Leaflet package): nothing to fetch."""


def _check():
    """(folder or None, [paths of files missing or changed])."""
    from hailin.maps.assets import read_asset

    try:
        folder = leaflet_dir()
    except AssetError:
        return None, [asset.path for asset in all_assets()]
    bad = []
    for asset in all_assets():
        try:
            read_asset(asset)
        except AssetError:
            bad.append(asset.path)
    return folder, bad


@assets_group.command("status")
@json_option
def status_command(as_json):
    """Where Leaflet's files are and whether each is the pinned file."""
    folder, bad = _check()
    if as_json:
        emit_json(
            {
                "leaflet": LEAFLET_VERSION,
                "folder": str(folder) if folder else None,
                "complete": not bad,
                "files": len(all_assets()),
                "missing": bad,
            }
        )
    elif bad:
        click.echo(
            f"Leaflet {LEAFLET_VERSION}: {len(bad)} of {len(all_assets())} files missing or "
            f"changed; {REINSTALL_HINT}"
        )
    else:
        click.echo(
            f"Leaflet {LEAFLET_VERSION} in {folder}: complete ({len(all_assets())} files); "
            "every map carries it"
        )
    if bad:
        raise SystemExit(EXIT_NOTHING_STORED)
