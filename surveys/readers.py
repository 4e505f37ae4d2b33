"""Readers: the only code (with the store) that opens patrol and boundary files."""

import os
import zipfile

import pyogrio

from surveys.errors import SurveyFileError

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz", ".gpx")


def read_vector(path, /, *, layer=None):
    """Read a spatial vector file (GeoJSON, GeoPackage, Shapefile or zipped
    Shapefile, KML/KMZ, GPX) into a GeoDataFrame in the file's own CRS."""
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise SurveyFileError("no such file", file=path)
    if os.path.getsize(path) == 0:
        raise SurveyFileError("the file is empty", file=name)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in VECTOR_SUFFIXES:
        raise SurveyFileError(
            f"not a spatial vector file (expected one of {', '.join(VECTOR_SUFFIXES)}), got {suffix or 'no extension'!r}",
            file=name,
        )
    if suffix in (".zip", ".kmz") and not zipfile.is_zipfile(path):
        raise SurveyFileError("not a readable ZIP archive (truncated or corrupt?)", file=name)
    try:
        return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise SurveyFileError(
            f"cannot be read as {suffix[1:].upper()}: {error}", file=name
        ) from error
