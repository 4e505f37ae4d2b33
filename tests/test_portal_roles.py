"""Who may do what: every page and API endpoint for every role, exact status codes.

anonymous sees the login page only; patrol uploads and sees its own team's
uploads, rejects and photos (another team's are not found), and the maps;
viewer sees maps, ledger, progress and uploads; admin everything, withdrawals
and accounts included.
"""

import io
import urllib.parse

import pytest
import requests

from tests.portal import csv_bytes, geotagged_jpeg, running

ROLES = ("anonymous", "patrol", "other_patrol", "viewer", "admin")
TEAMS = {"patrol": "前岐镇", "other_patrol": "店下镇"}


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    env = {"HAILIN_MAP_LANGS": "zh"}
    with running(portal_template, tmp_path_factory.mktemp("roles") / "ws", env=env) as portal:
        passwords = {
            "patrol": portal.add_user("patrol", "patrol", "前岐镇"),
            "other_patrol": portal.add_user("other_patrol", "patrol", "店下镇"),
            "viewer": portal.add_user("viewer", "viewer"),
        }
        sessions = {name: portal.login(name, pw) for name, pw in passwords.items()}
        sessions["admin"] = portal.login("admin", portal.admin_password)
        anonymous = requests.Session()
        anonymous.get(portal.base + "/accounts/login/", timeout=30)
        anonymous.headers["X-CSRFToken"] = anonymous.cookies["hailin_csrftoken"]
        sessions["anonymous"] = anonymous
        patrol = sessions["patrol"]
        bad = ("2024-06-10 09:10", 999, 27.26, "未见异常", "乡镇巡查", "")
        ids = {}
        for key, rows in (
            ("own", [("2024-06-10 09:00", 120.3302, 27.2601, "未见异常", "乡镇巡查", ""), bad]),
            (
                "withdraw_page",
                [("2024-06-10 09:20", 120.3303, 27.2602, "未见异常", "乡镇巡查", "")],
            ),
            ("withdraw_api", [("2024-06-10 09:30", 120.3304, 27.2603, "未见异常", "乡镇巡查", "")]),
        ):
            answer = portal.upload(patrol, (f"{key}.csv", csv_bytes(rows))).json()["files"][0]
            ids[key] = answer["upload_id"]
        photo = portal.upload(patrol, ("p.jpg", geotagged_jpeg(120.3302, 27.2601))).json()
        ids["photo"] = photo["files"][0]["upload_id"]
        ledger = sessions["admin"].get(portal.base + "/api/ledger", timeout=60).json()
        ids["case"] = urllib.parse.quote(ledger[0]["case_id"], safe="")
        # Patrol accounts read their own teams' drawing (other teams' notes left out).
        readers = [sessions[r] for r in ("admin", "patrol", "other_patrol")]
        portal.wait_for(lambda: all(map(portal.maps_ready, readers)), 180, "the maps")
        portal.sessions, portal.ids = sessions, ids
        portal.sent = 0
        yield portal


def codes(anonymous, patrol, other_patrol, viewer, admin):
    return dict(zip(ROLES, (anonymous, patrol, other_patrol, viewer, admin), strict=True))


PAGE, API = 302, 401  # what anonymous gets: the login page, or 401 in JSON
MATRIX = [
    ("GET", "/accounts/login/", codes(200, 302, 302, 302, 302)),
    ("GET", "/", codes(PAGE, 302, 302, 200, 200)),
    ("GET", "/upload/", codes(PAGE, 200, 200, 403, 200)),
    ("POST", "/upload/", codes(PAGE, 302, 302, 403, 302)),  # to the queued upload's page
    ("GET", "/uploads/", codes(PAGE, 200, 200, 200, 200)),
    ("GET", "/uploads/{own}/", codes(PAGE, 200, 404, 200, 200)),
    ("GET", "/uploads/{own}/errors.csv", codes(PAGE, 200, 404, 200, 200)),
    ("POST", "/uploads/{withdraw_page}/withdraw", codes(PAGE, 403, 403, 403, 302)),
    ("GET", "/maps/", codes(PAGE, 200, 200, 200, 200)),
    ("GET", "/maps/clearance/", codes(PAGE, 200, 200, 200, 200)),
    ("GET", "/maps/restoration/", codes(PAGE, 200, 200, 200, 200)),
    ("GET", "/maps/overview/", codes(PAGE, 200, 200, 200, 200)),
    ("GET", "/maps/nonsense/", codes(PAGE, 404, 404, 404, 404)),
    ("GET", "/ledger/", codes(PAGE, 403, 403, 200, 200)),
    ("GET", "/ledger.xlsx", codes(PAGE, 403, 403, 200, 200)),
    ("GET", "/ledger/case/{case}/", codes(PAGE, 403, 403, 200, 200)),
    ("GET", "/progress/", codes(PAGE, 403, 403, 200, 200)),
    ("GET", "/photos/{photo}/thumb.jpg", codes(PAGE, 200, 404, 200, 200)),
    ("GET", "/audit/", codes(PAGE, 403, 403, 403, 200)),
    ("GET", "/admin/", codes(PAGE, 302, 302, 302, 200)),
    ("GET", "/api/openapi.json", codes(API, 200, 200, 200, 200)),
    ("GET", "/api/me", codes(API, 200, 200, 200, 200)),
    ("GET", "/api/uploads", codes(API, 200, 200, 200, 200)),
    ("POST", "/api/uploads", codes(API, 202, 202, 403, 202)),
    ("GET", "/api/uploads/{own}", codes(API, 200, 404, 200, 200)),
    ("POST", "/api/uploads/{withdraw_api}/withdraw", codes(API, 403, 403, 403, 200)),
    ("GET", "/api/ledger", codes(API, 403, 403, 200, 200)),
    ("GET", "/api/ledger/{case}", codes(API, 403, 403, 200, 200)),
    ("GET", "/api/progress", codes(API, 403, 403, 200, 200)),
    ("GET", "/api/photos", codes(API, 200, 200, 200, 200)),
    ("GET", "/api/maps", codes(API, 200, 200, 200, 200)),
    ("GET", "/api/webhooks", codes(API, 403, 403, 403, 200)),
    ("POST", "/api/webhooks", codes(API, 403, 403, 403, 201)),
    ("GET", "/api/alerts", codes(API, 403, 403, 403, 200)),
    ("GET", "/api/audit", codes(API, 403, 403, 403, 200)),
]


def _request(portal, role, method, path):
    session = portal.sessions[role]
    url = portal.base + path.format(**portal.ids)
    if method == "GET":
        return session.get(url, allow_redirects=False, timeout=120)
    portal.sent += 1
    if path in ("/upload/", "/api/uploads"):
        body = csv_bytes(
            [(f"2024-08-01 10:{portal.sent:02d}", 120.3305, 27.2605, "未见异常", "乡镇巡查", role)]
        )
        return session.post(
            url,
            files=[("files", (f"{role}-{portal.sent}.csv", io.BytesIO(body)))],
            data={"team": TEAMS.get(role, "") if path == "/upload/" else "", "patrol_type": ""},
            allow_redirects=False,
            timeout=120,
        )
    if path.endswith("/withdraw"):
        if path.startswith("/api/"):
            return session.post(
                url, json={"reason": "wrong CRS"}, allow_redirects=False, timeout=120
            )
        return session.post(url, data={"reason": "wrong CRS"}, allow_redirects=False, timeout=120)
    if path == "/api/webhooks":
        hook = {"name": "hook", "kind": "json", "url": "http://127.0.0.1:9/hook"}
        return session.post(url, json=hook, allow_redirects=False, timeout=30)
    raise AssertionError(f"no request for {method} {path}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX]
)
def test_authorisation_matrix(portal, role, method, path, expected):
    answer = _request(portal, role, method, path)
    assert answer.status_code == expected[role], answer.text[:300]
    if role == "anonymous" and answer.status_code == 302:
        target = answer.headers["Location"]
        if target.startswith("/admin/login/"):  # the admin's login sends on to the one login page
            target = portal.sessions[role].get(portal.base + target, allow_redirects=False)
            target = target.headers["Location"]
        assert target.startswith("/accounts/login/?next=")
    if answer.status_code in (403, 404) and not path.startswith("/api/"):
        assert "Traceback" not in answer.text


def test_a_patrol_lists_only_its_own_team(portal):
    own = portal.sessions["patrol"].get(portal.base + "/api/uploads", timeout=30).json()
    other = portal.sessions["other_patrol"].get(portal.base + "/api/uploads", timeout=30).json()
    everything = portal.sessions["viewer"].get(portal.base + "/api/uploads", timeout=30).json()
    assert {u["team"] for u in own} == {"前岐镇"}
    assert portal.ids["own"] in {u["upload_id"] for u in own}
    assert portal.ids["own"] not in {u["upload_id"] for u in other}
    assert {u["team"] for u in other} <= {"店下镇"}
    assert len(everything) > len(own)
    photos = portal.sessions["other_patrol"].get(portal.base + "/api/photos", timeout=30).json()
    assert photos == []
    page = portal.sessions["other_patrol"].get(portal.base + "/uploads/", timeout=30).text
    assert "own.csv" not in page
