"""The file types the ledger is exported as, apart from :mod:`surveys.io.exports`
so that the command line names them without loading geopandas."""

FORMATS = (".csv", ".xlsx", ".gpkg", ".geojson")
