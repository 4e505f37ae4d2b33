"""hailin area FILE"""

import contextlib

import click

from hailin.cli.common import crs_option, emit_json, json_option, reports_errors
from hailin.geo.errors import HailinError
from hailin.geo.units import UNITS


@contextlib.contextmanager
def _errors_as_json(as_json):
    """With --json, a refusal is also one JSON object on stdout ({"error": …});
    the message on stderr and the exit code stay those of every command."""
    try:
        yield
    except HailinError as error:
        if as_json:
            emit_json({"error": str(error)})
        raise
    except click.ClickException as error:
        if as_json:
            emit_json({"error": error.format_message()})
        raise
    except Exception:
        if as_json:
            emit_json({"error": "internal error (a hailin bug); see the message on stderr"})
        raise


@click.command("area")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--by", "by", metavar="COLUMN", help="Report the area per value of COLUMN.")
@click.option(
    "--layer",
    metavar="NAME",
    help="Measure this layer of a GeoPackage (default: every layer with geometry).",
)
@click.option(
    "--unit",
    type=click.Choice(sorted(UNITS)),
    default="mu",
    show_default=True,
    help="Unit of the headline figure.",
)
@crs_option
@json_option
@reports_errors
def area_command(file, by, layer, unit, crs, as_json):
    """Ellipsoidal area (CGCS2000 ellipsoid) of the polygons in FILE, in mu and ha.

    Every layer of a GeoPackage holding several is measured, each and together
    (--layer NAME for one). Coordinates are checked as ``hailin import`` checks
    them: a file without a CRS whose coordinates are metres is refused until
    --crs names one.
    """
    with _errors_as_json(as_json):
        from hailin.cli.area_report import report_area

        report_area(file, by, unit, crs, as_json, layer)
