"""Heavy commands on a Dask cluster: flag, ledger, progress and raster
statistics on spatial partitions, with the single-machine results.

Needs the ``dask`` extra (dask, distributed). The modules:
``scheduler`` (``--scheduler local[:N]|ADDRESS``), ``partition`` (Hilbert keys,
key ranges, halos), ``sources`` (records in partitions, from frames or a
GeoParquet dataset), ``clusters`` (new-infestation patches across partition
edges), ``flag`` (the ledger), ``progress``, ``rasters`` (zonal statistics as
tasks), ``frames`` (what a command reads, as :class:`hailin.surveys.frames.Frames`).
"""
