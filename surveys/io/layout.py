"""The workspace store's layers: their names, their columns, and reading each.

Every function takes an open :class:`hailin.surveys.io.store.Store`; a layer not yet
written reads as an empty frame of its columns, so every command works on a
fresh store.
"""

from collections.abc import Sequence

import geopandas
import pandas as pd

from hailin.surveys.errors import VocabularyError
from hailin.surveys.io.geopackage import GEOMETRY_COLUMN
from hailin.surveys.io.styles import save_styles, store_styles
from hailin.surveys.schema import KINDS, PLOT_COLUMNS, PLOT_KINDS

SITES_LAYER = "sites"
SURVEYS_LAYER = "surveys"
REJECTS_LAYER = "rejects"
UPLOADS_LAYER = "uploads"
DETECTIONS_LAYER = "detections"
CASES_LAYER = "recurrence_cases"
PATCHES_LAYER = "new_infestations"
# Layers `flag` derives from the records; recomputed when an upload is withdrawn.
DERIVED_LAYERS = (DETECTIONS_LAYER, CASES_LAYER, PATCHES_LAYER)
# Mangrove cover of restoration plots per image date (`hailin raster cover`).
COVER_LAYER = "imagery_cover"

UPLOAD_KINDS = {
    "upload_id": "text",
    "file": "text",
    "archived_as": "text",
    "size_bytes": "integer",
    "format": "text",
    "uploaded_at": "datetime",
    "uploaded_by": "text",
    "team": "text",
    "patrol_type": "text",
    "crs": "text",
    "sheet": "text",
    "kind": "text",
    "status": "text",
    "rows_read": "integer",
    "rows_accepted": "integer",
    "rows_rejected": "integer",
    "rows_duplicate": "integer",
    "message": "text",
    "withdrawn_at": "datetime",
    "withdrawn_by": "text",
    "withdrawn_reason": "text",
}
PHOTOS_LAYER = "photos"
PHOTO_KINDS = {
    "photo_id": "text",
    "file": "text",
    "format": "text",
    "taken_at": "datetime",
    "time_source": "text",
    "width": "integer",
    "height": "integer",
    "team": "text",
    "uploaded_by": "text",
    "uploaded_at": "datetime",
    "record_id": "text",
    "distance_m": "real",
    "gap_s": "real",
    "archived_as": "text",
    "thumbnail": "text",
    "status": "text",
    "withdrawn_at": "datetime",
    "withdrawn_by": "text",
    "withdrawn_reason": "text",
}
REJECT_KINDS = {
    "upload_id": "text",
    "sheet": "text",
    "kind": "text",
    "source_row": "integer",
    "column": "text",
    "reason": "text",
    "raw": "text",
}

# The imagery_cover layer: one row per raster (upload) and plot (see surveys.imagery).
COVER_KINDS = {
    "upload_id": "text",
    "raster": "text",
    "image_date": "date",
    "plot_id": "text",
    "method": "text",
    "plot_m2": "real",
    "covered_fraction": "real",
    "valid_fraction": "real",
    "cover_fraction": "real",
    "cover_m2": "real",
    "measured_at": "datetime",
}


def plots_layer(kind: str) -> str:
    """The layer holding plots of ``kind`` ("clearance" or "restoration").

    Examples
    --------
    >>> plots_layer("clearance")
    'clearance_plots'
    """
    return f"{kind}_plots"


def field_aliases_zh() -> dict[str, str]:
    """The Chinese names of the store's and exports' columns, for QGIS."""
    from hailin.surveys.io.exports import HEADERS_ZH
    from hailin.surveys.io.gis import LAYER_HEADERS_ZH

    return {**LAYER_HEADERS_ZH, **HEADERS_ZH}


def ensure_layers(store, language: str = "zh") -> None:
    """Create the upload, survey and reject layers (and their indexes) when
    new, bring an older store's upload log up to date, and give the layers
    their QGIS styles (labelled in ``language``) where they have none."""
    import geopandas

    with store.transaction():
        if not store.has_layer(UPLOADS_LAYER):
            store.create_layer(UPLOADS_LAYER, UPLOAD_KINDS, spatial=False)
        else:
            store.ensure_columns(UPLOADS_LAYER, UPLOAD_KINDS)
        # One file may be imported once per sheet and per kind (surveys, plots)
        # while its upload stands; a withdrawn upload leaves room for a new one.
        store.execute("DROP INDEX IF EXISTS uploads_id")
        store.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS uploads_standing ON {UPLOADS_LAYER}"
            "(upload_id, coalesce(sheet, ''), kind) WHERE status IS NOT 'withdrawn'"
        )
        if not store.has_layer(SURVEYS_LAYER):
            store.append(
                SURVEYS_LAYER,
                geopandas.GeoDataFrame(
                    {c: pd.Series(dtype=object) for c in KINDS}, geometry=[], crs=4326
                ),
                kinds=KINDS,
            )
            store.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS surveys_key ON {SURVEYS_LAYER}(record_key)"
            )
            store.execute(
                f"CREATE INDEX IF NOT EXISTS surveys_upload ON {SURVEYS_LAYER}(upload_id)"
            )
        if not store.has_layer(REJECTS_LAYER):
            store.create_layer(REJECTS_LAYER, REJECT_KINDS, spatial=False)
            store.execute(
                f"CREATE INDEX IF NOT EXISTS rejects_upload ON {REJECTS_LAYER}(upload_id)"
            )
        # QGIS opens the store's layers coloured as the maps are (a style kept stays).
        styles = store_styles(field_aliases_zh(), language)
        save_styles(store.execute, styles, GEOMETRY_COLUMN, replace=False)


def read_sites(store) -> geopandas.GeoDataFrame:
    """The site registry (reserve polygons)."""
    return store.read(SITES_LAYER)


def read_plots(store, kind: str) -> geopandas.GeoDataFrame:
    """The clearance or restoration plots (an empty frame when none yet)."""
    if kind not in PLOT_KINDS:
        raise VocabularyError(f"kind should be one of {PLOT_KINDS}, got {kind!r}")
    return store.read(plots_layer(kind), schema=PLOT_COLUMNS[kind], spatial=True)


def read_surveys(
    store,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    parameters: Sequence[object] = (),
) -> geopandas.GeoDataFrame:
    """The accepted survey records (optionally some columns, or an SQL filter)."""
    return store.read(
        SURVEYS_LAYER,
        schema=KINDS,
        spatial=True,
        columns=columns,
        where=where,
        parameters=parameters,
    )


def read_rejects(store) -> pd.DataFrame:
    """Rejected rows with their reasons."""
    return store.read(REJECTS_LAYER, schema=REJECT_KINDS, spatial=False)


def read_uploads(store) -> pd.DataFrame:
    """The upload log as stored (see :func:`hailin.surveys.io.uploads.list_uploads`)."""
    return store.read(UPLOADS_LAYER, schema=UPLOAD_KINDS, spatial=False)


def read_cover(store) -> pd.DataFrame:
    """Mangrove cover per restoration plot and image (empty when none measured yet)."""
    return store.read(COVER_LAYER, schema=COVER_KINDS, spatial=False)


def read_photos(store) -> geopandas.GeoDataFrame:
    """The stored photos (withdrawn ones too, with status ``withdrawn``)."""
    return store.read(PHOTOS_LAYER, schema=PHOTO_KINDS, spatial=True)
