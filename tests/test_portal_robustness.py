"""The portal under load and under generated requests: eight uploads at once all
land once; schemathesis against the OpenAPI schema (logged in) finds no 5xx."""

import concurrent.futures

import hypothesis
import pytest
import schemathesis

from hailin.surveys import Workspace
from tests.portal import csv_bytes, running

ROWS = 25
# Generated webhooks would point the worker at addresses off this machine.
NOT_FUZZED = {("POST", "/api/webhooks")}


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    env = {"HAILIN_MAP_LANGS": "", "HAILIN_UPLOAD_RATE": "5000/600"}
    with running(
        portal_template, tmp_path_factory.mktemp("load") / "ws", env=env, workers=4
    ) as portal:
        portal.patrol_password = portal.add_user("crew", "patrol", "前岐镇")
        yield portal


def _file(index):
    rows = [
        (f"2024-09-{1 + index:02d} {8 + row // 60:02d}:{row % 60:02d}", 120.33 + index * 1e-4,
         27.26 + row * 1e-5, "未见异常", "乡镇巡查", f"file {index} row {row}")
        for row in range(ROWS)
    ]  # fmt: skip
    return f"并发-{index}.csv", csv_bytes(rows)


def test_eight_concurrent_uploads_all_land_once(portal):
    ws = Workspace(portal.workspace)
    before = len(ws.surveys(["record_id"]))
    sessions = [portal.login("crew", portal.patrol_password) for _ in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: portal.upload(sessions[i], _file(i)), range(8)))
    summaries = [a.json()["files"][0] for a in answers]
    assert [a.status_code for a in answers] == [200] * 8
    assert [(s["status"], s["rows_accepted"]) for s in summaries] == [("accepted", ROWS)] * 8
    uploads = ws.uploads()
    mine = uploads[uploads["file"].str.startswith("并发-")]
    assert sorted(mine["file"]) == sorted(f"并发-{i}.csv" for i in range(8))
    assert mine["status"].tolist() == ["accepted"] * 8
    assert mine["upload_id"].is_unique
    assert len(ws.surveys(["record_id"])) == before + 8 * ROWS
    # Sent again at once, every one is a duplicate and nothing more is stored.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        again = list(pool.map(lambda i: portal.upload(sessions[i], _file(i)), range(8)))
    assert [a.json()["files"][0]["status"] for a in again] == ["duplicate"] * 8
    assert len(ws.surveys(["record_id"])) == before + 8 * ROWS


def test_generated_requests_never_get_a_server_error(portal):
    admin = portal.login("admin", portal.admin_password)
    raw = admin.get(portal.base + "/api/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(raw)
    tried, seen = [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        examples = 10 if operation.method.upper() == "POST" else 25

        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case):
            # The schema's cookie security scheme would have a session id made up.
            response = case.call(
                base_url=portal.base, session=admin, cookies=dict(admin.cookies), timeout=120
            )
            seen.setdefault(response.status_code, 0)
            seen[response.status_code] += 1
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )
            assert response.status_code != 404 or "detail" in response.json()

        run()
        tried.append(f"{operation.method.upper()} {operation.path}")
    assert len(tried) == 15  # every operation but the one left out
    assert not [code for code in seen if code >= 500]
    assert 200 in seen
