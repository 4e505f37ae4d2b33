"""Reading the workspace for the pages and the API (through the public Workspace
API only), shaped as plain rows a template or JSON can take."""

import math
import os
import urllib.parse

import numpy as np
import pandas as pd
from django.conf import settings

from hailin.surveys import Workspace
from hailin.surveys.ledger.cases import LEDGER_COLUMNS
from hailin.web.portal.roles import visible_teams

UPLOAD_FIELDS = [
    "upload_id",
    "file",
    "kind",
    "format",
    "uploaded_at",
    "uploaded_by",
    "team",
    "patrol_type",
    "status",
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "rows_duplicate",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawn_reason",
]


def workspace():
    return Workspace(settings.WORKSPACE)


def plain(value, timezone=None):
    """A JSON- and template-friendly value: None for missing, ISO text for times."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        if timezone is not None and value.tzinfo is not None:
            value = value.tz_convert(timezone)
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if not isinstance(value, str | list | dict | tuple) and pd.isna(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows(frame, fields, timezone=None):
    return [
        {f: plain(record.get(f), timezone) for f in fields}
        for record in frame.to_dict(orient="records")
    ]


def uploads_for(ws, user):
    """The upload log rows ``user`` may see, newest first."""
    uploads = ws.uploads()
    teams = visible_teams(user)
    if teams is not None:
        uploads = uploads[uploads["team"].isin(teams)]
    table = rows(uploads, UPLOAD_FIELDS, ws.settings.timezone)
    # The store names the server's system user; the portal knows the account.
    from hailin.web.portal.models import PortalUpload

    accounts = {
        upload_id: (name, kind)
        for upload_id, name, kind in PortalUpload.objects.exclude(upload_id="")
        .order_by("-received_at")  # the first upload of the bytes is the one that stored them
        .values_list("upload_id", "user__username", "kind")
    }
    for row in table:
        row["uploaded_by"], kind = accounts.get(row["upload_id"], (row["uploaded_by"], ""))
        row["from_field_form"] = kind == "field"  # observations sent by the field form
    table.reverse()
    return table


def upload_for(ws, user, upload_id):
    """The standing or withdrawn upload rows of ``upload_id`` that ``user``
    sees (several when a file was withdrawn and uploaded again), else None."""
    found = [u for u in uploads_for(ws, user) if u["upload_id"] == upload_id]
    return found or None


def rejects_of(ws, upload_id, limit=1000):
    rejects = ws.rejects()
    mine = rejects[rejects["upload_id"] == upload_id]
    return rows(mine.head(limit), ["source_row", "column", "reason", "raw"]), len(mine)


def error_report(ws, upload_id, file):
    """The import's own error report (out/import-errors/NAME-ID.errors.csv), if written."""
    folder = os.path.join(ws.out_dir, "import-errors")
    stem = os.path.splitext(os.path.basename(file))[0][:80]
    path = os.path.join(folder, f"{stem}-{upload_id[:8]}.errors.csv")
    return path if os.path.isfile(path) else None


def case_url(case_id):
    return f"/ledger/case/{urllib.parse.quote(case_id, safe='')}/"


def ledger_rows(ws, ledger=None):
    if ledger is None:
        ledger, _patches = ws.ledger()
    names = site_names(ws)
    table = rows(ledger, LEDGER_COLUMNS, ws.settings.timezone)
    for row in table:
        row["site_name"] = names.get(row["site"], row["site"])
        row["url"] = case_url(row["case_id"])
    return table


def site_names(ws, lang=None):
    lang = lang or ws.settings.language
    sites = ws.sites()
    column = "name_zh" if lang == "zh" and "name_zh" in sites else "name_en"
    if column not in sites:
        return {}
    return dict(zip(sites["site_id"], sites[column], strict=True))


def photos_for(ws, user, record_ids=None):
    """Standing photos ``user`` may see (optionally only of ``record_ids``)."""
    photos = ws.evidence.photos()
    photos = photos[photos["status"] == "accepted"]
    teams = visible_teams(user)
    if teams is not None:
        photos = photos[photos["team"].isin(teams)]
    if record_ids is not None:
        photos = photos[photos["record_id"].isin(list(record_ids))]
    table = rows(
        photos,
        ["photo_id", "file", "taken_at", "team", "record_id", "distance_m", "gap_s"],
        ws.settings.timezone,
    )
    for row, point in zip(table, photos.geometry.values, strict=True):
        row["lon"], row["lat"] = round(point.x, 6), round(point.y, 6)
        row["thumb_url"] = f"/photos/{row['photo_id']}/thumb.jpg"
    return table


def _metres(center):
    import pyproj

    crs = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={center.y} +lon_0={center.x} +datum=WGS84 +units=m"
    )
    return pyproj.Transformer.from_crs(4326, crs, always_xy=True)


def case_detail(ws, case_id):
    """(ledger row, records of the case, its area) or None for an unknown case.

    The records are those in or within the tolerance of the case's plot or
    patch from the case's first finding until the plot's next case opened."""
    import shapely

    ledger, patches = ws.ledger()
    match = ledger[ledger["case_id"] == case_id]
    if len(match) == 0:
        return None
    row = match.iloc[0]
    if row["kind"] == "recurrence":
        plots = ws.plots("clearance")
        areas = plots[plots["plot_id"] == row["plot_id"]]
    else:
        areas = patches[patches["patch_id"] == row["plot_id"]]
    area = areas.geometry.iloc[0] if len(areas) else None
    later = ledger[
        (ledger["plot_id"] == row["plot_id"]) & (ledger["first_detected"] > row["first_detected"])
    ]
    start = row["first_detected"].tz_convert("UTC")
    where, parameters = "observed_at >= ?", [start.strftime("%Y-%m-%dT%H:%M:%S.000Z")]
    if len(later):
        where += " AND observed_at < ?"
        end = later["first_detected"].min().tz_convert("UTC")
        parameters.append(end.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    records = ws.surveys(
        [
            "record_id",
            "upload_id",
            "observed_at",
            "patrol_type",
            "team",
            "observer",
            "finding",
            "action",
            "cover_pct",
            "patch_area_m2",
            "notes",
        ],
        where=where,
        parameters=parameters,
    )
    if area is not None and len(records):
        transformer = _metres(area.centroid)

        def project(xy):
            return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

        near = shapely.distance(
            shapely.transform(area, project),
            shapely.transform(np.asarray(records.geometry.values, dtype=object), project),
        ) <= float(ws.settings.tolerance_m)
        records = records[near]
    else:
        records = records.iloc[0:0]
    records = records.sort_values("observed_at", kind="stable")
    fields = [c for c in records.columns if c != "geometry"]
    return (
        {**rows(match.head(1), LEDGER_COLUMNS, ws.settings.timezone)[0]},
        rows(records, fields, ws.settings.timezone),
        area,
    )
