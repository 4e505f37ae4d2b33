"""The date a raster shows, from its metadata or its file name."""

import datetime
import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import rasterio.io

# YYYY-MM-DD, YYYY:MM:DD (TIFF) or YYYYMMDD, not inside a longer run of digits.
_DATE = re.compile(r"(?<!\d)(\d{4})([-:_]?)(\d{2})\2(\d{2})(?!\d)")
_FIRST_YEAR, _LAST_YEAR = 1970, 2100
# Acquisition time: GDAL's IMAGERY domain and some writers' default domain.
_ACQUISITION_TAGS = ("ACQUISITIONDATETIME", "ACQUISITION_DATETIME", "ACQUISITION_DATE")


def parse_date(text: str) -> datetime.date | None:
    """The first plausible calendar date written in ``text``, else None.

    Examples
    --------
    >>> parse_date("S2A_MSIL2A_20240515T023531_N0510_T51RUK_20240515T061214")
    datetime.date(2024, 5, 15)
    >>> parse_date("2024:05:15 10:31:02")
    datetime.date(2024, 5, 15)
    >>> parse_date("plot_20241345.tif") is None
    True
    """
    for match in _DATE.finditer(str(text)):
        year, month, day = int(match[1]), int(match[3]), int(match[4])
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            continue
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    return None


def raster_date(dataset: "rasterio.io.DatasetReader") -> datetime.date | None:
    """The date the raster shows, or None when nothing says.

    Looked for in this order: the acquisition time tag (``ACQUISITIONDATETIME``,
    GDAL's ``IMAGERY`` metadata domain or the default one), then a
    ``YYYYMMDD`` / ``YYYY-MM-DD`` in the file name, then ``TIFFTAG_DATETIME``.
    The TIFF tag comes last because the TIFF standard makes it the time the
    file was created, which for a processed orthomosaic or index is the
    processing day, not the flight or overpass. Dates are returned as
    written, without a time-zone shift.

    Parameters
    ----------
    dataset : rasterio dataset
        An open dataset (see :func:`hailin.geo.raster.open_raster`).

    Examples
    --------
    >>> import numpy as np
    >>> from hailin.geo.raster.examples import memory_raster
    >>> tags = {"TIFFTAG_DATETIME": "2024:07:01 09:00:00"}
    >>> with memory_raster(np.zeros((1, 1), "uint8"), tags=tags, filename="ndvi_2024-06-02.tif") as ds:
    ...     raster_date(ds)
    datetime.date(2024, 6, 2)
    """
    for domain in ("IMAGERY", None):
        tags = dataset.tags(ns=domain) if domain else dataset.tags()
        for key in _ACQUISITION_TAGS:
            found = parse_date(tags.get(key, ""))
            if found:
                return found
    found = parse_date(os.path.basename(str(dataset.name)))
    if found:
        return found
    return parse_date(dataset.tags().get("TIFFTAG_DATETIME", ""))
