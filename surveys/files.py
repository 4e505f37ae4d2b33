"""``hailin.surveys.read_file``: a patrol file as survey records, without a workspace."""

from __future__ import annotations

import os
from typing import Any

import geopandas
import pandas as pd

from hailin.surveys.check.options import ImportOptions
from hailin.surveys.check.records import normalize
from hailin.surveys.io.sniff import read_raw


def read_file(
    path: str | os.PathLike[str],
    /,
    *,
    sites: geopandas.GeoDataFrame | None = None,
    **options: Any,
) -> tuple[geopandas.GeoDataFrame, pd.DataFrame]:
    """Read and check one patrol file, without a workspace.

    Parameters
    ----------
    path : str or os.PathLike
        A CSV, XLSX, GPX, KML/KMZ, GeoJSON, GeoPackage or zipped Shapefile.
    sites : GeoDataFrame, optional
        The site registry; records farther than ``max_distance_km`` from every
        site are refused.
    **options
        Those of ``hailin import`` (:class:`ImportOptions`): patrol_type,
        team, crs, sheet, timezone, max_distance_km, earliest_date, latest_date.

    Returns
    -------
    records : GeoDataFrame
        Canonical survey columns, EPSG:4326.
    rejects : pandas.DataFrame
        The refused rows: source_row, column, reason, raw.

    Raises
    ------
    SurveyFileError
        For a file that cannot be read at all (no rows, past a limit, ...).

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
