"""The JSON API's request and response shapes (django-ninja schemas)."""

from typing import Any

from ninja import Schema
from pydantic import Field


class Detail(Schema):
    detail: Any


class Me(Schema):
    username: str
    role: str | None
    teams: list[str]
    patrol_type: str


class Upload(Schema):
    upload_id: str
    file: str | None
    kind: str | None
    format: str | None
    uploaded_at: str | None
    uploaded_by: str | None
    team: str | None
    patrol_type: str | None
    status: str | None
    rows_read: int | None
    rows_accepted: int | None
    rows_rejected: int | None
    rows_duplicate: int | None
    withdrawn_at: str | None
    withdrawn_by: str | None
    withdrawn_reason: str | None


class RowError(Schema):
    row: int | None
    column: str | None
    message: str


class Summary(Schema):
    upload_id: str
    file: str
    kind: str
    status: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_duplicate: int
    errors: list[RowError]
    warnings: list[RowError]
    errors_csv: str | None = None
    new_cases: list[str] = []
    record_id: str | None = None
    distance_m: float | None = None


class Job(Schema):
    """A queued upload: ``files`` holds each file's Summary once imported, else
    ``{"file", "status": "queued"}``."""

    job: str
    state: str
    status_url: str
    files: list[dict[str, Any]]


class Reject(Schema):
    source_row: int | None
    column: str | None
    reason: str | None
    raw: str | None


class UploadDetail(Schema):
    uploads: list[Upload]
    rejects: list[Reject]
    rejects_total: int


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class WithdrawOut(Schema):
    upload_id: str
    files: list[str]
    records_removed: int
    rejects_removed: int
    plots_removed: int
    withdrawn_at: str
    reason: str


class Case(Schema):
    case_id: str
    kind: str
    plot_id: str
    site: str | None
    site_name: str | None
    township: str | None
    area_mu: float | None
    area_ha: float | None
    cleared_on: str | None
    first_detected: str | None
    last_detected: str | None
    detections: int | None
    sources: str | None
    largest_patch_m2: float | None
    status: str
    status_since: str | None
    days_open: int | None
    re_cleared_at: str | None
    verified_at: str | None
    url: str


class Photo(Schema):
    photo_id: str
    file: str | None
    taken_at: str | None
    team: str | None
    record_id: str | None
    distance_m: float | None
    gap_s: float | None
    lon: float
    lat: float
    thumb_url: str


class CaseDetail(Schema):
    case: dict[str, Any]
    records: list[dict[str, Any]]
    photos: list[Photo]


class MapInfo(Schema):
    name: str
    url: str
    ready: bool
    built_at: str | None


class WebhookIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., pattern="^(wecom|dingtalk|json)$")
    # Checked by webhooks.validate_url, as the admin's form checks it (400 when refused).
    url: str = Field(..., max_length=2000)
    secret: str = Field("", max_length=200)


class WebhookOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    active: bool


class Delivery(Schema):
    channel: str
    state: str
    attempts: int
    last_error: str


class Alert(Schema):
    id: int
    created_at: str
    upload_id: str
    file: str
    team: str
    uploaded_by: str
    cases: list[dict[str, Any]]
    messages: list[Delivery]


class Audit(Schema):
    at: str
    username: str
    action: str
    address: str
    detail: dict[str, Any]
