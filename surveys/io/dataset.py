"""A partitioned dataset: a workspace's store as GeoParquet files, partitioned
by county and year, for a province or the whole coast.

A dataset folder is a workspace whose store is the dataset: it holds
``hailin.toml`` and ``hailin-dataset.json`` (the manifest: what marks the
folder as a dataset, and every file with its rows and key ranges) beside
the layers::

    sites/part-0.parquet
    surveys/county=<county>/year=<local year>/part-<id>.parquet
    clearance_plots/county=<county>/year=<year cleared>/part-<id>.parquet
    restoration_plots/county=<county>/year=<year planted>/part-<id>.parquet

Files are GeoParquet 1.1 (WKB, EPSG:4326) with a ``bbox`` covering column,
sorted by ``hilbert`` (the key of :mod:`hailin.surveys.dist.partition`), written in
row groups whose statistics bound both: a reader skips what it does not
need by bounding box or by key range. County and year are in the folder
names only (hive style, any GeoParquet reader adds them as columns).
"""

import json
import os
import shutil
import urllib.parse
import uuid

import geopandas
import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet
import shapely

from hailin.surveys.dist.partition import COAST_BOUNDS, LEVEL, hilbert_keys
from hailin.surveys.errors import DatasetError
from hailin.surveys.io.geopackage import empty_frame
from hailin.surveys.io.written import removed_on_failure
from hailin.surveys.localtime import local_dates
from hailin.surveys.schema import KINDS, PLOT_COLUMNS
from hailin.surveys.settings import SETTINGS_FILE

MANIFEST_FILE = "hailin-dataset.json"
FORMAT = "hailin-dataset"
VERSION = 1
RECORDS = "surveys"
SITES = "sites"
PLOT_LAYERS = {"clearance": "clearance_plots", "restoration": "restoration_plots"}
DATE_OF = {"clearance_plots": "cleared_on", "restoration_plots": "planted_on"}
# The filters of the clear inspections (True) and of the other records (False).
CLEAR = {True: ("finding", "==", "clear"), False: ("finding", "!=", "clear")}
# The raster a digital-monitoring detection came from (its file name), written
# with the records since the uploads log stays in the workspace; datasets
# written before it have no such column.
RASTER = "raster"
# Rows per row group: small enough that a key range reads little beyond itself.
ROW_GROUP = 65_536
# The manifest is read whole: a bound on its size (a coast of counties x years fits).
MAX_MANIFEST_BYTES = 256 << 20


def is_dataset(root) -> bool:
    """Whether ``root`` holds a dataset (its manifest).

    Examples
    --------
    >>> import tempfile
    >>> is_dataset(tempfile.mkdtemp())
    False
    """
    return os.path.isfile(os.path.join(root, MANIFEST_FILE))


def read_manifest(root) -> dict:
    """The dataset's manifest (format, key, files)."""
    path = os.path.join(root, MANIFEST_FILE)
    try:
        if os.path.getsize(path) > MAX_MANIFEST_BYTES:
            raise DatasetError(f"{path}: over {MAX_MANIFEST_BYTES >> 20} MiB, not a manifest")
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise DatasetError(f"{path}: not a readable dataset manifest ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{path}: not a hailin dataset manifest")
    if manifest.get("version") != VERSION:
        raise DatasetError(f"{path}: dataset version {manifest.get('version')!r}, expected 1")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise DatasetError(f"{path}: the manifest lists no files")
    return manifest


def _write_manifest(root, manifest):
    """Replace the manifest at once (a reader sees the old one or the new)."""
    path = os.path.join(root, MANIFEST_FILE)
    temporary = f"{path}.{uuid.uuid4().hex}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1)
    os.replace(temporary, path)


def files_of(manifest: dict, layer: str) -> list:
    """The manifest's file entries of ``layer``."""
    return [entry for entry in manifest["files"] if entry.get("layer") == layer]


def _segment(value) -> str:
    """A partition value as one safe folder-name segment (percent-encoded)."""
    return urllib.parse.quote(str(value), safe="")


def _years(frame, layer, timezone):
    if layer == RECORDS:
        return local_dates(frame["observed_at"], timezone).map(lambda d: d.year).to_numpy()
    dates = pd.to_datetime(pd.Series(frame[DATE_OF[layer]].to_numpy()), errors="coerce")
    return dates.dt.year.fillna(0).astype(int).to_numpy()


def _write_part(root, layer, county, year, frame) -> dict:
    """One file of a partition (sorted by key), and its manifest entry."""
    keys = hilbert_keys(frame.geometry)
    order = np.argsort(keys, kind="stable")
    frame = frame.iloc[order].assign(hilbert=keys[order]).reset_index(drop=True)
    relative = f"{layer}/county={_segment(county)}/year={year}/part-{uuid.uuid4().hex}.parquet"
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frame.to_parquet(
        path,
        index=False,
        write_covering_bbox=True,
        schema_version="1.1.0",
        row_group_size=ROW_GROUP,
        compression="zstd",
    )
    key = frame["hilbert"].to_numpy()
    # [first key, last key, rows] of each row group.
    groups = [
        [
            int(key[start]),
            int(key[min(start + ROW_GROUP, len(key)) - 1]),
            len(key[start:][:ROW_GROUP]),
        ]
        for start in range(0, len(key), ROW_GROUP)
    ]
    return {
        "layer": layer,
        "path": relative,
        "county": str(county),
        "year": int(year),
        "rows": len(frame),
        "row_groups": groups,
        "bounds": [float(v) for v in frame.total_bounds],
    }


def write_layer(root, layer, frame, counties, timezone) -> list:
    """``frame`` written as partitions of ``layer`` by county (``counties``,
    one per row) and year; returns the manifest entries."""
    if len(frame) == 0:
        return []
    years = _years(frame, layer, timezone)
    groups = pd.DataFrame({"county": counties, "year": years}).groupby(["county", "year"]).indices
    return [
        _write_part(root, layer, county, year, frame.iloc[rows])
        for (county, year), rows in sorted(groups.items())
    ]


def write_dataset(
    root, layers: dict, counties: dict, *, timezone: str, append: bool, settings=None
) -> dict:
    """Write ``layers`` ({layer: GeoDataFrame}; sites whole, the others by
    county and year with ``counties[layer]``) into the dataset at ``root``.
    New unless ``append``: then the counties written replace their own
    earlier files and every other file stays. ``settings`` (a hailin.toml)
    is copied in when ``root`` has none. Returns the manifest.

    All or nothing: a failure (a full disk) removes every file this call
    added, and the manifest, written last, still names the files before it."""
    with removed_on_failure(root):
        return _write_dataset(root, layers, counties, timezone, append, settings)


def _write_dataset(root, layers, counties, timezone, append, settings):
    if append:
        manifest = read_manifest(root)
    else:
        if is_dataset(root):
            raise DatasetError(f"{root} holds a dataset already; add to it with --append")
        os.makedirs(root, exist_ok=True)
        manifest = {"format": FORMAT, "version": VERSION, "files": []}
    manifest["key"] = {"curve": "hilbert", "bounds": list(COAST_BOUNDS), "level": LEVEL}
    written = {str(c) for layer in counties for c in np.unique(np.asarray(counties[layer], object))}
    replaced = [e for e in manifest["files"] if e["layer"] != SITES and e["county"] in written]
    kept = [e for e in manifest["files"] if e not in replaced and e["layer"] != SITES]
    for layer in PLOT_LAYERS.values():
        if layer in layers:
            _check_new_plot_ids(root, [e for e in kept if e["layer"] == layer], layers[layer])
    entries = []
    for layer, frame in layers.items():
        if layer == SITES:
            continue
        entries += write_layer(root, layer, frame, counties[layer], timezone)
    sites = _merged_sites(root, manifest, layers.get(SITES))
    sites_entry = _write_sites(root, sites) if sites is not None else None
    manifest["files"] = kept + entries + ([sites_entry] if sites_entry else [])
    if settings and not os.path.exists(os.path.join(root, SETTINGS_FILE)):
        shutil.copyfile(settings, os.path.join(root, SETTINGS_FILE))
    _write_manifest(root, manifest)
    for entry in replaced:  # only once the manifest no longer names them
        with _quiet():
            os.remove(os.path.join(root, entry["path"]))
    return manifest


def _check_new_plot_ids(root, kept, frame):
    """Refuse plots whose ids other counties of the dataset hold: the ledger
    knows a plot by its id, across the whole dataset."""
    if len(frame) == 0 or not kept:
        return
    held = pyarrow.concat_arrays(
        [
            _table(root, entry, ["plot_id"], None).column("plot_id").combine_chunks()
            for entry in kept
        ]
    )
    twice = np.intersect1d(np.asarray(held.to_pylist(), dtype=object), frame["plot_id"].to_numpy())
    if twice.size:
        shown = ", ".join(map(str, twice[:5]))
        raise DatasetError(
            f"{twice.size} plot id(s) already in other counties of the dataset ({shown}); "
            "plot ids must be unique across a dataset"
        )


class _quiet:
    """Ignore a file already gone."""

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is not None and issubclass(kind, FileNotFoundError)


def _merged_sites(root, manifest, sites):
    """The sites already there, with those of ``sites`` added or replacing by site_id."""
    old = read_layer(root, manifest, SITES)
    if sites is None or len(sites) == 0:
        return old if len(old) else None
    if len(old) == 0:
        return sites
    old = old[~old["site_id"].isin(sites["site_id"])]
    return pd.concat([old, sites], ignore_index=True)


def _write_sites(root, sites) -> dict:
    relative = f"{SITES}/part-{uuid.uuid4().hex}.parquet"
    os.makedirs(os.path.join(root, SITES), exist_ok=True)
    sites.to_parquet(os.path.join(root, relative), index=False, schema_version="1.1.0")
    return {"layer": SITES, "path": relative, "county": "", "year": 0, "rows": len(sites)}


def _table(root, entry, columns, filters):
    """One file of the dataset as an Arrow table (some columns, a pyarrow filter)."""
    path = os.path.join(root, entry["path"])
    try:
        if (
            columns is not None
            and RASTER in columns
            and RASTER not in pyarrow.parquet.read_schema(path).names
        ):
            columns = [c for c in columns if c != RASTER]
        table = pyarrow.parquet.read_table(path, columns=columns, filters=filters)
    except (OSError, ValueError, pyarrow.ArrowException) as error:
        raise DatasetError(f"{path}: cannot be read as GeoParquet ({error})") from error
    if RASTER in table.column_names:
        kind = table.schema.field(RASTER).type
        texts = (pyarrow.types.is_string, pyarrow.types.is_large_string, pyarrow.types.is_null)
        if not any(is_kind(kind) for is_kind in texts):
            raise DatasetError(f"{path}: the raster column should hold file names, not {kind}")
    return table


def read_files(root, entries, columns=None, filters=None) -> geopandas.GeoDataFrame:
    """The files ``entries`` of the dataset, one after the other, as one frame
    (EPSG:4326, as hailin writes them; without the key and bounding boxes);
    an empty frame when none. Tables are joined before the one conversion:
    a frame per file would parse the CRS and the geometries file by file."""
    tables = [_table(root, entry, columns, filters) for entry in entries]
    if not tables:
        return geopandas.GeoDataFrame(geometry=[], crs=4326)
    try:
        table = pyarrow.concat_tables(tables, promote_options="permissive")
    except pyarrow.ArrowException as error:
        raise DatasetError(f"{root}: files of one layer disagree ({error})") from error
    table = table.drop_columns([c for c in ("bbox", "hilbert") if c in table.column_names])
    wkb = table.column("geometry").to_numpy(zero_copy_only=False)
    frame = table.drop_columns(["geometry"]).to_pandas()
    return geopandas.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=4326)


def read_layer(root, manifest, layer, columns=None, filters=None) -> geopandas.GeoDataFrame:
    """Every file of ``layer``, one after the other (an empty frame when none)."""
    return read_files(root, files_of(manifest, layer), columns, filters)


def _typed(frame, kinds, columns):
    """``frame`` with every column of ``columns`` (empty ones typed as the store
    types them) in that order, then the geometry."""
    if len(frame) == 0:
        return empty_frame(kinds, spatial=True, columns=columns)
    return frame[[*columns, "geometry"]]


def findings_with_raster(frame, columns: list) -> geopandas.GeoDataFrame:
    """Records read with :data:`RASTER` (when the files had it) typed as
    :func:`typed_records` with ``columns``, keeping the raster column as a
    workspace read gives it (None where no raster)."""
    typed = typed_records(frame, columns)
    if frame is None or RASTER not in frame or len(typed) == 0:
        return typed
    raster = frame[RASTER].astype(object)
    return typed.assign(**{RASTER: raster.where(raster.notna(), None).to_numpy()})


def typed_records(frame, columns: list) -> geopandas.GeoDataFrame:
    """Records read from the dataset (or None) as the store gives them:
    ``columns`` then the geometry, typed as the store types them when empty."""
    if frame is None:
        return empty_frame(KINDS, spatial=True, columns=columns)
    return _typed(frame.drop(columns=["bbox", "hilbert"], errors="ignore"), KINDS, columns)


def read_dataset_layers(
    root, record_columns: list, *, every_record: bool = False, with_records: bool = True
) -> dict:
    """The layers a command reads, from the dataset at ``root``: sites,
    clearance, restoration, and the records as ``findings`` (all but
    ``clear``, ``record_columns``) and ``inspections`` (``clear``: time and
    place), or with ``every_record`` also ``records`` (all, in full)."""
    manifest = read_manifest(root)
    plots = {
        kind: _typed(
            read_layer(root, manifest, layer), PLOT_COLUMNS[kind], list(PLOT_COLUMNS[kind])
        )
        for kind, layer in PLOT_LAYERS.items()
    }
    layers = {"sites": read_layer(root, manifest, SITES), **plots, "records": None}
    if not with_records:
        return {**layers, "findings": None, "inspections": None}
    if every_record:
        records = findings_with_raster(
            read_layer(root, manifest, RECORDS, [*record_columns, RASTER, "geometry"]),
            record_columns,
        )
        clear = records["finding"].eq("clear").to_numpy()
        layers.update(records=records, findings=records[~clear], inspections=records[clear])
        return layers
    findings = read_layer(
        root, manifest, RECORDS, [*record_columns, RASTER, "geometry"], [CLEAR[False]]
    )
    inspections = read_layer(root, manifest, RECORDS, ["observed_at", "geometry"], [CLEAR[True]])
    layers["findings"] = findings_with_raster(findings, record_columns)
    layers["inspections"] = _typed(inspections, KINDS, ["observed_at"])
    return layers


def write_derived(root, layers: dict) -> None:
    """The layers ``flag`` derives (detections, cases, patches) as
    ``derived/<layer>.parquet`` in the dataset, each replaced at once."""
    folder = os.path.join(root, "derived")
    os.makedirs(folder, exist_ok=True)
    for name, frame in layers.items():
        path = os.path.join(folder, f"{name}.parquet")
        temporary = f"{path}.{uuid.uuid4().hex}.tmp"
        frame.to_parquet(temporary, index=False, write_covering_bbox=True, schema_version="1.1.0")
        os.replace(temporary, path)
