"""``surveys.read_file``: a patrol file as survey records, without a workspace."""

import os

from surveys.check.options import ImportOptions
from surveys.check.records import normalize
from surveys.io.sniff import read_raw


def read_file(path, /, *, sites=None, **options):
    """Read and check one patrol file; returns ``(records, rejects)``.

    ``records`` is a GeoDataFrame of canonical survey columns (EPSG:4326),
    ``rejects`` a DataFrame of refused rows (source_row, column, reason, raw).
    ``options`` are those of ``hailin import``: patrol_type, team, crs, sheet,
    timezone, max_distance_km (checked against ``sites`` when given).

    Examples
    --------
    >>> import pathlib
    >>> path = pathlib.Path(__file__).parent.parent / "tests/data/formats/patrol_bom.csv"
    >>> records, rejects = read_file(path)
    >>> records["finding"].tolist(), len(rejects)
    (['spartina_regrowth', 'clear', 'spartina_new'], 0)
    """
    table = read_raw(path, sheet=options.get("sheet"))
    result = normalize(table, ImportOptions(**options), file=os.path.basename(path), sites=sites)
    return result.records, result.rejects
