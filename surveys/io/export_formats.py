"""The file types the ledger and GIS layers are exported as, apart from
:mod:`hailin.surveys.io.exports` and :mod:`hailin.surveys.io.gis` so that the command line
names them without loading geopandas."""

FORMATS = (".csv", ".xlsx", ".gpkg", ".geojson")

# GIS layers (surveys.io.gis): extension -> GDAL driver.
GIS_FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".shp": "ESRI Shapefile"}
