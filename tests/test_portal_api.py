"""The patrol portal over a real server on 127.0.0.1: uploads through the API
and the page, errors and their CSV, withdrawals, photos, limits, CSRF,
sessions, login throttling, headers, and no traceback anywhere."""

import csv
import io
import re

import pytest
import requests

from hailin.surveys import Workspace
from tests.portal import csv_bytes, geotagged_jpeg, hailin, running

BAD_ROW = ("2024-06-10 09:10", 999, 27.26, "未见异常", "乡镇巡查", "")


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    env = {"HAILIN_UPLOAD_MAX_MB": "2", "HAILIN_UPLOAD_RATE": "12/600", "HAILIN_MAP_LANGS": ""}
    with running(portal_template, tmp_path_factory.mktemp("api") / "ws", env=env) as portal:
        portal.passwords = {
            "qianqi": portal.add_user("qianqi", "patrol", "前岐镇", patrol_type="township_patrol"),
            "dianxia": portal.add_user("dianxia", "patrol", "店下镇"),
            "ecologist": portal.add_user("ecologist", "viewer"),
            "hasty": portal.add_user("hasty", "patrol", "前岐镇"),
            "forgetful": portal.add_user("forgetful", "patrol", "前岐镇"),
        }
        yield portal


@pytest.fixture(scope="module")
def patrol(portal):
    return portal.login("qianqi", portal.passwords["qianqi"])


@pytest.fixture(scope="module")
def admin(portal):
    return portal.login("admin", portal.admin_password)


def test_first_start_prints_the_admin_login_once(portal):
    output = portal.output()
    assert "user name: admin" in output
    assert f"{portal.base}/accounts/login/" in output
    assert portal.admin_password and len(portal.admin_password) >= 16
    again = hailin("users", "list", "--json", workspace=portal.workspace, env=portal.env)
    assert again.returncode == 0
    assert "password" not in again.stdout


def test_anonymous_sees_only_the_login_page(portal):
    for path in ("/", "/upload/", "/uploads/", "/maps/", "/ledger/", "/progress/", "/audit/"):
        answer = requests.get(portal.base + path, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/accounts/login/?next="), path
    for path in ("/api/me", "/api/uploads", "/api/ledger", "/api/openapi.json"):
        answer = requests.get(portal.base + path, timeout=30)
        assert (answer.status_code, answer.json()) == (401, {"detail": "log in first"}), path
    assert requests.get(portal.base + "/accounts/login/", timeout=30).status_code == 200


def test_a_csv_with_one_bad_row(portal, patrol):
    ws = Workspace(portal.workspace)
    stored_before = len(ws.surveys(["record_id"]))
    body = csv_bytes(
        [
            ("2024-06-10 09:00", 120.3302, 27.2601, "未见异常", "乡镇巡查", "a"),
            ("2024-06-10 09:05", 120.3306, 27.2604, "未见异常", "乡镇巡查", "b"),
            BAD_ROW,
        ]
    )
    answer = portal.upload(patrol, ("巡查记录-六月.csv", body))
    assert answer.status_code == 200
    (summary,) = answer.json()["files"]
    assert summary["file"] == "巡查记录-六月.csv"
    assert (summary["status"], summary["rows_read"], summary["rows_accepted"]) == ("partial", 3, 2)
    assert summary["rows_rejected"] == 1
    (error,) = summary["errors"]
    assert error["row"] == 4
    assert "out of range" in error["message"]
    # The import's own error report, as a download, in the reader's language (Chinese).
    report = patrol.get(portal.base + summary["errors_csv"], timeout=30)
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["文件", "行", "列", "原因", "原始内容"]
    assert rows[1][:2] == ["巡查记录-六月.csv", "4"]
    assert rows[1][3] == "坐标超出范围（经度 -180..180，纬度 -90..90）"
    # The store took it exactly as `hailin import` would, under the account's team.
    upload = ws.uploads().iloc[-1]
    assert (upload["file"], upload["team"], upload["status"]) == (
        "巡查记录-六月.csv",
        "前岐镇",
        "partial",
    )
    assert upload["patrol_type"] == "township_patrol"  # the account's default
    assert len(ws.surveys(["record_id"])) == stored_before + 2
    # The same file again: a duplicate, nothing stored twice.
    again = portal.upload(patrol, ("巡查记录-六月.csv", body)).json()["files"][0]
    assert again["status"] == "duplicate"
    assert len(ws.surveys(["record_id"])) == stored_before + 2


def test_the_upload_page_shows_summary_and_error_rows(portal, patrol):
    page = patrol.get(portal.base + "/upload/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    body = csv_bytes([("2024-06-11 10:00", 120.3310, 27.2610, "未见异常", "乡镇巡查", ""), BAD_ROW])
    answer = patrol.post(
        portal.base + "/upload/",
        data={"csrfmiddlewaretoken": token, "team": "前岐镇", "patrol_type": ""},
        files=[("files", ("page.csv", body))],
        allow_redirects=False,
        timeout=120,
    )
    answer = portal.follow_page(patrol, answer)
    assert answer.status_code == 200
    assert 'data-file="page.csv" data-status="partial"' in answer.text
    assert "部分接收" in answer.text  # Chinese by default
    assert "<td>3</td>" in answer.text  # the bad row, as a person counts it
    assert "坐标超出范围（经度 -180..180，纬度 -90..90）" in answer.text  # in Chinese too
    assert "/errors.csv" in answer.text


def test_a_patrol_cannot_upload_for_another_team(portal, patrol):
    body = csv_bytes([("2024-06-12 10:00", 120.33, 27.26, "未见异常", "乡镇巡查", "")])
    answer = portal.upload(patrol, ("other.csv", body), team="店下镇")
    assert (answer.status_code, answer.json()) == (400, {"detail": "choose one of your teams"})


def test_withdrawal_goes_through_the_workspace(portal, patrol, admin):
    body = csv_bytes([("2024-06-13 10:00", 120.3312, 27.2612, "未见异常", "乡镇巡查", "")])
    summary = portal.upload(patrol, ("withdraw-me.csv", body)).json()["files"][0]
    assert summary["status"] == "accepted"
    refused = patrol.post(
        f"{portal.base}/api/uploads/{summary['upload_id']}/withdraw", json={"reason": "x"}
    )
    assert refused.status_code == 403
    done = admin.post(
        f"{portal.base}/api/uploads/{summary['upload_id']}/withdraw",
        json={"reason": "exported from Gaode: GCJ-02"},
        timeout=60,
    )
    assert done.status_code == 200
    assert (done.json()["records_removed"], done.json()["reason"]) == (
        1,
        "exported from Gaode: GCJ-02",
    )
    uploads = Workspace(portal.workspace).uploads()
    row = uploads[uploads["upload_id"] == summary["upload_id"]].iloc[0]
    assert row["status"] == "withdrawn"
    assert row["withdrawn_reason"] == "exported from Gaode: GCJ-02 [admin, portal]"
    # The upload log names the portal's accounts, not the server's own user.
    assert (row["uploaded_by"], row["withdrawn_by"]) == ("qianqi", "admin")
    twice = admin.post(
        f"{portal.base}/api/uploads/{summary['upload_id']}/withdraw", json={"reason": "again"}
    )
    assert twice.status_code == 400
    assert "withdrawn already" in twice.json()["detail"]
    audit = admin.get(portal.base + "/api/audit", timeout=30).json()
    assert ("admin", "withdraw", summary["upload_id"]) in [
        (e["username"], e["action"], e["detail"].get("upload_id")) for e in audit
    ]
    # Nothing was deleted: the same file can come again.
    assert (
        portal.upload(patrol, ("withdraw-me.csv", body)).json()["files"][0]["status"] == "accepted"
    )


def test_photos_with_and_without_gps(portal, patrol, admin):
    ws = Workspace(portal.workspace)
    records = ws.surveys(["record_id", "observed_at", "team"], where="team = '前岐镇'")
    target = records.iloc[0]
    local = target["observed_at"].tz_convert("Asia/Shanghai")
    photo = geotagged_jpeg(
        target.geometry.x + 0.0001, target.geometry.y, taken=local.strftime("%Y:%m:%d %H:%M:%S")
    )
    blind = geotagged_jpeg(None, None)
    answer = portal.upload(patrol, ("IMG_0001.jpg", photo), ("IMG_0002.jpg", blind))
    first, second = answer.json()["files"]
    assert (first["kind"], first["status"]) == ("photo", "accepted")
    assert first["record_id"] is not None
    assert 9 < first["distance_m"] < 11  # 0.0001° of longitude at 27.26°N
    assert (second["status"], second["rows_rejected"]) == ("rejected", 1)
    assert "no GPS position" in second["errors"][0]["message"]
    thumb = patrol.get(f"{portal.base}/photos/{first['upload_id']}/thumb.jpg", timeout=30)
    assert (thumb.status_code, thumb.headers["Content-Type"]) == (200, "image/jpeg")
    assert thumb.content.startswith(b"\xff\xd8")
    stored = ws.evidence.photos()
    assert stored["photo_id"].tolist() == [first["upload_id"]]
    assert stored["team"].tolist() == ["前岐镇"]
    other = portal.login("dianxia", portal.passwords["dianxia"])
    assert other.get(f"{portal.base}/photos/{first['upload_id']}/thumb.jpg").status_code == 404


def test_upload_size_limit(portal, patrol):
    answer = portal.upload(patrol, ("big.csv", b"x" * (3 * 1024 * 1024)))
    assert answer.status_code == 413
    assert answer.json() == {"detail": "the upload is larger than 2 MiB"}


def test_upload_rate_limit(portal):
    hasty = portal.login("hasty", portal.passwords["hasty"])
    batch = [
        (
            f"r{i}.csv",
            csv_bytes(
                [(f"2024-07-0{1 + i % 9} 0{i % 10}:00", 120.33, 27.26, "未见异常", "乡镇巡查", i)]
            ),
        )
        for i in range(12)
    ]
    assert portal.upload(hasty, *batch[:6]).status_code == 200
    assert portal.upload(hasty, *batch[6:]).status_code == 200
    refused = portal.upload(
        hasty,
        ("r13.csv", csv_bytes([("2024-07-20 10:00", 120.33, 27.26, "未见异常", "乡镇巡查", "")])),
    )
    assert refused.status_code == 429
    assert "at most 12 files in 600 s" in refused.json()["detail"]


def test_csrf_is_refused_without_the_token(portal, patrol):
    bare = requests.Session()
    bare.cookies.update(patrol.cookies)
    body = csv_bytes([("2024-06-14 10:00", 120.33, 27.26, "未见异常", "乡镇巡查", "")])
    answer = bare.post(portal.base + "/api/uploads", files=[("files", ("c.csv", body))], timeout=30)
    assert answer.status_code == 403
    page = bare.post(
        portal.base + "/upload/",
        files=[("files", ("c.csv", body))],
        data={"team": "前岐镇"},
        timeout=30,
    )
    assert page.status_code == 403
    assert "CSRF" in page.text
    assert "Traceback" not in page.text


def test_session_id_rotates_at_login(portal):
    session = requests.Session()
    session.cookies.set("hailin_session", "chosen-by-an-attacker", domain="127.0.0.1")
    session.get(portal.base + "/accounts/login/", timeout=30)
    answer = session.post(
        portal.base + "/accounts/login/",
        data={
            "username": "ecologist",
            "password": portal.passwords["ecologist"],
            "csrfmiddlewaretoken": session.cookies["hailin_csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302
    first = answer.cookies["hailin_session"]
    assert first != "chosen-by-an-attacker"
    fixed = requests.Session()
    fixed.cookies.set("hailin_session", "chosen-by-an-attacker", domain="127.0.0.1")
    assert fixed.get(portal.base + "/api/me", timeout=30).status_code == 401
    # Logged out and in again: yet another session id; the old one is dead.
    session.cookies.set("hailin_session", first, domain="127.0.0.1")
    token = session.cookies["hailin_csrftoken"]
    out = session.post(
        portal.base + "/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert out.status_code == 302
    again = portal.login("ecologist", portal.passwords["ecologist"])
    second = again.cookies["hailin_session"]
    assert second not in (first, "chosen-by-an-attacker")
    stale = requests.Session()
    stale.cookies.set("hailin_session", first, domain="127.0.0.1")
    assert stale.get(portal.base + "/api/me", timeout=30).status_code == 401


def test_login_throttling_and_the_audit_log(portal, admin):
    session = requests.Session()
    session.get(portal.base + "/accounts/login/", timeout=30)
    statuses = []
    for attempt in range(6):
        password = "wrong" if attempt < 5 else portal.passwords["forgetful"]
        answer = session.post(
            portal.base + "/accounts/login/",
            data={
                "username": "forgetful",
                "password": password,
                "csrfmiddlewaretoken": session.cookies["hailin_csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(answer.status_code)
    assert statuses[:4] == [200, 200, 200, 200]  # the form again, with its message
    assert statuses[4:] == [429, 429]  # locked, the right password too
    assert session.get(portal.base + "/api/me", timeout=30).status_code == 401
    events = admin.get(portal.base + "/api/audit?limit=1000", timeout=30).json()
    actions = [(e["username"], e["action"]) for e in events]
    assert actions.count(("forgetful", "login_failed")) >= 5
    assert ("qianqi", "login") in actions
    assert ("qianqi", "upload") in actions


def test_security_headers(portal, patrol):
    answer = patrol.get(portal.base + "/upload/", timeout=30)
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    login = requests.get(portal.base + "/accounts/login/", timeout=30)
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_traceback_reaches_the_client(portal, patrol):
    missing = patrol.get(portal.base + "/no/such/page", timeout=30)
    assert missing.status_code == 404
    assert "Traceback" not in missing.text and "404" in missing.text
    api = patrol.get(portal.base + "/api/uploads/" + "0" * 64, timeout=30)
    assert (api.status_code, api.json()) == (404, {"detail": "no such upload"})
    broken = patrol.post(
        portal.base + "/api/uploads",
        data=b"--x\r\nnot a multipart body",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        timeout=30,
    )
    assert 400 <= broken.status_code < 500
    assert "Traceback" not in broken.text
    hostile = portal.upload(patrol, ("../../{{7*7}}<b>.csv", b"\x00\xff garbage \x00"))
    summary = hostile.json()["files"][0]
    assert (summary["file"], summary["status"]) == ("{{7*7}}<b>.csv", "rejected")
    page = patrol.get(portal.base + "/uploads/", timeout=30)
    assert "{{7*7}}&lt;b&gt;.csv" in page.text


def test_users_on_the_command_line(portal):
    listed = hailin("users", "list", "--json", workspace=portal.workspace, env=portal.env)
    users = {u["username"]: u for u in __import__("json").loads(listed.stdout)["users"]}
    assert users["qianqi"]["role"] == "patrol" and users["qianqi"]["teams"] == ["前岐镇"]
    assert users["ecologist"]["role"] == "viewer"
    assert users["admin"]["role"] == "admin"
    password = portal.add_user("leaving", "viewer")
    leaving = portal.login("leaving", password)
    assert leaving.get(portal.base + "/api/me", timeout=30).json()["role"] == "viewer"
    changed = hailin(
        "users", "set-role", "leaving", "admin", workspace=portal.workspace, env=portal.env
    )
    assert changed.returncode == 0
    assert leaving.get(portal.base + "/api/me", timeout=30).json()["role"] == "admin"
    disabled = hailin("users", "disable", "leaving", workspace=portal.workspace, env=portal.env)
    assert (disabled.returncode, disabled.stdout.strip()) == (
        0,
        "account leaving disabled (1 session(s) ended)",
    )
    assert leaving.get(portal.base + "/api/me", timeout=30).status_code == 401
    unknown = hailin("users", "disable", "nobody", workspace=portal.workspace, env=portal.env)
    assert unknown.returncode == 2
    assert "没有账号 'nobody'" in unknown.stderr  # the workspace speaks Chinese
    patrol_without_team = hailin(
        "users", "add", "x", "--role", "patrol", workspace=portal.workspace, env=portal.env
    )
    assert patrol_without_team.returncode == 2


def test_english_when_chosen(portal, patrol):
    page = patrol.get(portal.base + "/upload/", timeout=30)
    assert "上传巡查文件" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    patrol.post(
        portal.base + "/i18n/setlang/",
        data={"language": "en", "next": "/upload/", "csrfmiddlewaretoken": token},
        timeout=30,
    )
    assert "Upload patrol files" in patrol.get(portal.base + "/upload/", timeout=30).text
    patrol.cookies.set("hailin_language", "zh-hans", domain="127.0.0.1")


def test_ledger_table_sorts_filters_and_downloads(portal):
    viewer = portal.login("ecologist", portal.passwords["ecologist"])
    cases = viewer.get(portal.base + "/api/ledger", timeout=60).json()
    # Each case gives its area (the plot's or the new patch's), in mu and ha.
    assert all(c["area_mu"] > 0 and abs(c["area_ha"] * 15 - c["area_mu"]) < 1e-9 for c in cases)
    open_cases = sorted((c for c in cases if c["status"] == "open"), key=lambda c: c["days_open"])
    page = viewer.get(portal.base + "/ledger/?status=open&sort=days_open&dir=asc", timeout=60).text
    shown = re.findall(r'<tr data-case="([^"]+)">', page)
    assert shown == [c["case_id"] for c in open_cases]
    assert len(shown) < len(cases)
    import openpyxl

    xlsx = viewer.get(portal.base + "/ledger.xlsx", timeout=60)
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book.active
    assert sheet.title == "台账"
    assert sheet["A1"].value == "案件编号"
    assert sheet.max_row == len(cases) + 1
