"""hailin assets fetch|status: the pinned map scripts in the local cache."""

import time

import click

from hailin.cli.common import EXIT_NOTHING_STORED, emit_json, json_option, reports_errors
from hailin.maps.assets import REGISTRY, all_assets, cache_dir, fill_hint, missing_assets


@click.group("assets")
def assets_group():
    """Leaflet and its plugins, pinned and checked, for maps written without the CDN.

    The cache is $HAILIN_ASSETS, else ~/.cache/hailin/assets.
    """


@assets_group.command("fetch")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True),
    help="Take the files from a folder (a node_modules, a copied cache or assets folder, "
    "npm tarballs) or a tar archive instead of the npm registry.",
)
@click.option(
    "--registry",
    default=REGISTRY,
    show_default=True,
    help="npm registry or mirror to download from (every file is checked against its pin).",
)
@json_option
@reports_errors
def fetch_command(source, registry, as_json):
    """Fill the asset cache once; maps written with --offline or --assets read it."""
    from hailin.maps.fetch import fetch_from, fetch_from_registry

    started = time.perf_counter()
    report = fetch_from(source) if source else fetch_from_registry(registry=registry)
    seconds = time.perf_counter() - started
    if as_json:
        emit_json(
            {
                "cache": str(report.cache),
                "complete": report.complete,
                "written": [a.relpath for a in report.written],
                "kept": [a.relpath for a in report.kept],
                "missing": [a.relpath for a in report.missing],
                "refused": report.refused,
                "seconds": round(seconds, 3),
            }
        )
    else:
        click.echo(
            f"asset cache {report.cache}: {len(report.written)} file(s) written, "
            f"{len(report.kept)} already there, {len(report.missing)} missing "
            f"({seconds:.2f} s)"
        )
        for relpath, reason in sorted(report.refused.items()):
            click.echo(f"  refused {relpath}: {reason}", err=True)
        for asset in report.missing:
            click.echo(f"  missing {asset.relpath}", err=True)
    if not report.complete:
        raise SystemExit(EXIT_NOTHING_STORED)


@assets_group.command("status")
@json_option
def status_command(as_json):
    """Where the asset cache is and whether it holds every pinned file."""
    missing = missing_assets()
    if as_json:
        emit_json(
            {
                "cache": str(cache_dir()),
                "complete": not missing,
                "files": len(all_assets()),
                "missing": [a.relpath for a in missing],
            }
        )
        return
    if missing:
        click.echo(
            f"asset cache {cache_dir()}: {len(missing)} of {len(all_assets())} files missing; "
            f"{fill_hint()}"
        )
    else:
        click.echo(f"asset cache {cache_dir()}: complete ({len(all_assets())} files)")
