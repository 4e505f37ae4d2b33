"""hailin area FILE"""

import click

from hailin.cli.common import crs_option, json_option, reports_errors
from hailin.geo.units import UNITS


@click.command("area")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--by", "by", metavar="COLUMN", help="Report the area per value of COLUMN.")
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
def area_command(file, by, unit, crs, as_json):
    """Ellipsoidal area (CGCS2000 ellipsoid) of the polygons in FILE, in mu and ha.

    Coordinates are checked as ``hailin import`` checks them: a file without a
    CRS whose coordinates are metres is refused until --crs names one.
    """
    from hailin.cli.area_report import report_area

    report_area(file, by, unit, crs, as_json)
