"""The portal's ledger (台账) pages: the table, its XLSX, one case, progress."""

import os
import tempfile
import urllib.parse

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hailin.web.portal import data
from hailin.web.portal.roles import require
from hailin.web.portal.views import lang, words

LEDGER_SORTS = (
    "case_id",
    "kind",
    "plot_id",
    "site",
    "first_detected",
    "last_detected",
    "detections",
    "status",
    "days_open",
)


# -- ledger, cases, progress --------------------------------------------------------------
def _filtered_ledger(request, table):
    status = request.GET.get("status") or ""
    kind = request.GET.get("kind") or ""
    site = request.GET.get("site") or ""
    query = (request.GET.get("q") or "").strip().lower()
    if status:
        table = [r for r in table if r["status"] == status]
    if kind:
        table = [r for r in table if r["kind"] == kind]
    if site:
        table = [r for r in table if r["site"] == site]
    if query:
        table = [
            r
            for r in table
            if query in (r["case_id"] or "").lower()
            or query in (r["township"] or "").lower()
            or query in str(r["site_name"] or "").lower()
        ]
    sort = request.GET.get("sort") if request.GET.get("sort") in LEDGER_SORTS else "first_detected"
    descending = request.GET.get("dir", "desc") == "desc"
    present = [r for r in table if r[sort] is not None]
    missing = [r for r in table if r[sort] is None]
    present.sort(key=lambda r: r[sort], reverse=descending)
    return present + missing, {
        "status": status,
        "kind": kind,
        "site": site,
        "q": request.GET.get("q") or "",
        "sort": sort,
        "dir": "desc" if descending else "asc",
    }


def ledger(request):
    require(request, "ledger")
    ws = data.workspace()
    table = data.ledger_rows(ws)
    for row in table:
        row["status_label"] = words("status", row["status"])
    shown, chosen = _filtered_ledger(request, table)
    columns = []
    for key, label in (
        ("case_id", _("case")),
        ("kind", _("kind")),
        ("site", _("site")),
        ("first_detected", _("first found")),
        ("last_detected", _("last found")),
        ("detections", _("findings")),
        ("status", _("status")),
        ("days_open", _("days open")),
    ):
        flip = "asc" if chosen["sort"] == key and chosen["dir"] == "desc" else "desc"
        query = {k: v for k, v in chosen.items() if v and k not in ("sort", "dir")}
        query.update(sort=key, dir=flip)
        columns.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urllib.parse.urlencode(query),
                "sorted": chosen["dir"] if chosen["sort"] == key else "",
            }
        )
    return render(
        request,
        "portal/ledger.html",
        {
            "rows": shown,
            "total": len(table),
            "chosen": chosen,
            "columns": columns,
            "statuses": [(s, words("status", s)) for s in ("open", "re_cleared", "verified_clear")],
            "sites": sorted(data.site_names(ws, lang()).items()),
        },
    )


def ledger_xlsx(request):
    require(request, "ledger")
    ws = data.workspace()
    folder = tempfile.mkdtemp(prefix="ledger-", dir=settings.FILE_UPLOAD_TEMP_DIR)
    path = os.path.join(folder, "ledger.xlsx")
    ws.exports.ledger(path, lang())
    with open(path, "rb") as handle:
        body = handle.read()
    os.remove(path)
    os.rmdir(folder)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = "台账.xlsx" if lang() == "zh" else "ledger.xlsx"
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + urllib.parse.quote(name)
    return response


def case(request, case_id):
    require(request, "ledger")
    ws = data.workspace()
    found = data.case_detail(ws, case_id)
    if found is None:
        raise Http404("no such case")
    row, records, _area = found
    row["status_label"] = words("status", row["status"])
    row["site_name"] = data.site_names(ws, lang()).get(row["site"], row["site"])
    photos = data.photos_for(ws, request.user, [r["record_id"] for r in records])
    by_record: dict[str, list] = {}
    for photo in photos:
        by_record.setdefault(photo["record_id"], []).append(photo)
    for record_row in records:
        record_row["finding_label"] = words("finding", record_row["finding"])
        record_row["patrol_label"] = words("patrol_type", record_row["patrol_type"])
        record_row["photos"] = by_record.get(record_row["record_id"], [])
    history = [(row["first_detected"], _("case opened: Spartina found"))]
    if row["re_cleared_at"]:
        history.append((row["re_cleared_at"], words("status", "re_cleared")))
    if row["verified_at"]:
        history.append((row["verified_at"], words("status", "verified_clear")))
    return render(
        request,
        "portal/case.html",
        {"case": row, "records": records, "photos": photos, "history": history},
    )


def progress(request):
    require(request, "progress")
    ws = data.workspace()
    clearance, restoration = ws.progress()
    return render(
        request,
        "portal/progress.html",
        {"clearance": clearance.to_dict(), "restoration": restoration.to_dict()},
    )
