"""Alerts on new cases: webhook receivers on 127.0.0.1 (WeCom, DingTalk, JSON, one
that fails twice, one that is down) and email, each told once per import that
opened cases; a failing receiver never fails the import and is retried."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

import pytest

from tests.portal import Receiver, csv_bytes, free_port, quiet_plots, running

SECRET = "SEC-test-signing-secret"


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory, receiver):
    # The receiver is on this machine: the one address webhooks may reach here.
    env = {"HAILIN_MAP_LANGS": "", "HAILIN_WEBHOOK_ALLOW": "127.0.0.1"}
    with running(portal_template, tmp_path_factory.mktemp("alerts") / "ws", env=env) as portal:
        portal.passwords = {
            "qianqi": portal.add_user("qianqi", "patrol", "前岐镇"),
        }
        portal.add_user("lead", "viewer", email="lead@example.org", alerts=True)
        admin = portal.login("admin", portal.admin_password)
        down = f"http://127.0.0.1:{free_port()}/down"
        for name, kind, url, secret in (
            ("wecom", "wecom", receiver.url + "/wecom", ""),
            ("dingtalk", "dingtalk", receiver.url + "/dingtalk?access_token=t0k", SECRET),
            ("json", "json", receiver.url + "/json", ""),
            ("flaky", "json", receiver.url + "/flaky", ""),
            ("down", "json", down, ""),
        ):
            answer = admin.post(
                portal.base + "/api/webhooks",
                json={"name": name, "kind": kind, "url": url, "secret": secret},
                timeout=30,
            )
            assert answer.status_code == 201, answer.text
        portal.admin = admin
        yield portal


def _finding(point, when, finding="复萌"):
    _plot, lon, lat = point
    return (when, lon, lat, finding, "乡镇巡查", "")


def _case_lines(markdown):
    return [line for line in markdown.splitlines() if line.startswith("- ")]


def test_one_message_per_import_that_opened_cases(portal, receiver):
    first, second = quiet_plots(portal.workspace, 2)
    patrol = portal.login("qianqi", portal.passwords["qianqi"])
    opened = portal.upload(
        patrol,
        ("复萌上报.csv", csv_bytes([_finding(first, "2025-03-01 10:00")])),
    ).json()["files"][0]
    assert opened["status"] == "accepted"
    assert opened["new_cases"] == [f"{first[0]}#1"]
    for path in ("/wecom", "/dingtalk", "/json", "/flaky"):
        portal.wait_for(lambda p=path: receiver.messages(p), what=f"a message on {path}")
    assert portal.wait_for(lambda: list(portal.mail_dir.glob("*.log")), what="an email")

    link = f"{portal.base}/ledger/case/{urllib.parse.quote(first[0] + '#1', safe='')}/"
    (wecom,) = receiver.messages("/wecom")
    assert wecom["content_type"] == "application/json; charset=utf-8"
    assert list(wecom["json"]) == ["msgtype", "markdown"]
    assert wecom["json"]["msgtype"] == "markdown"
    content = wecom["json"]["markdown"]["content"]
    assert content.startswith("### 海林：新发现互花米草 1 处")
    (line,) = _case_lines(content)
    assert f"**复萌** {first[0]}" in line
    assert "2025-03-01" in line
    assert f"({link})" in line
    assert "\n> 上传: 复萌上报.csv · 前岐镇 · qianqi\n" in content

    (ding,) = receiver.messages("/dingtalk")
    assert ding["json"]["msgtype"] == "markdown"
    assert ding["json"]["markdown"]["title"] == "海林：新发现互花米草 1 处"
    assert ding["json"]["markdown"]["text"] == content
    # DingTalk's signing: HMAC-SHA256 of "timestamp\nsecret", base64, in the query.
    stamp, sign = ding["query"]["timestamp"][0], ding["query"]["sign"][0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected
    assert ding["query"]["access_token"] == ["t0k"]

    (plain,) = receiver.messages("/json")
    payload = plain["json"]
    assert payload["event"] == "hailin.new_cases"
    assert payload["upload"]["file"] == "复萌上报.csv"
    assert payload["upload"]["team"] == "前岐镇"
    assert payload["upload"]["uploaded_by"] == "qianqi"
    (case,) = payload["cases"]
    assert (case["case_id"], case["kind"], case["plot_id"]) == (
        f"{first[0]}#1",
        "recurrence",
        first[0],
    )
    assert case["site"] in ("kewan", "xuncheng", "luochun")
    assert case["site_name"].endswith("红树林保护小区")
    assert case["first_detected"].startswith("2025-03-01T10:00:00+08:00")
    assert case["url"] == link
    (mail,) = portal.mail_dir.glob("*.log")
    text = mail.read_text(encoding="utf-8")
    assert "To: lead@example.org" in text
    assert first[0] in text

    # An import that opens nothing tells nobody; the next one that opens a case
    # is one more message to each, about its own case only.
    quiet = portal.upload(
        patrol, ("未见异常.csv", csv_bytes([_finding(first, "2025-03-02 10:00", "未见异常")]))
    ).json()["files"][0]
    assert (quiet["status"], quiet["new_cases"]) == ("accepted", [])
    again = portal.upload(
        patrol, ("第二处.csv", csv_bytes([_finding(second, "2025-03-03 10:00")]))
    ).json()["files"][0]
    assert again["new_cases"] == [f"{second[0]}#1"]
    for path in ("/wecom", "/dingtalk", "/json", "/flaky"):
        portal.wait_for(lambda p=path: len(receiver.messages(p)) == 2, what=f"2 messages on {path}")
    later = receiver.messages("/json")[1]["json"]
    assert [c["case_id"] for c in later["cases"]] == [f"{second[0]}#1"]
    assert later["upload"]["file"] == "第二处.csv"
    assert len(receiver.messages("/wecom")) == 2


def test_a_failing_receiver_is_retried_and_never_fails_the_import(portal, receiver):
    alerts = portal.wait_for(
        lambda: [
            a
            for a in portal.admin.get(portal.base + "/api/alerts", timeout=30).json()
            if a["file"] == "复萌上报.csv"
        ],
        what="the alert of the first import",
    )
    (alert,) = alerts
    by_channel = {}
    for message in alert["messages"]:
        by_channel.setdefault(message["channel"], []).append(message)
    assert sorted(by_channel) == ["dingtalk", "email", "json", "wecom"]
    states = sorted((m["state"], m["attempts"]) for m in by_channel["json"])
    # json, flaky (sent at its third try) and down (still failing, retried).
    assert ("sent", 1) in states and ("sent", 3) in states
    down = [m for m in by_channel["json"] if m["state"] == "pending"]
    assert len(down) == 1 and down[0]["attempts"] >= 1
    # A fixed reason: refused and timed out read the same (no port scanner).
    assert down[0]["last_error"] == "not delivered (no connection to the receiver)"
    assert receiver.calls["/flaky"] >= 3
    uploads = portal.admin.get(portal.base + "/api/uploads", timeout=30).json()
    assert {u["file"]: u["status"] for u in uploads}["复萌上报.csv"] == "accepted"


def test_the_case_page_shows_records_photos_and_escaped_notes(portal):
    from tests.portal import geotagged_jpeg

    (_first, _second, third) = quiet_plots(portal.workspace, 3)
    plot, lon, lat = third
    patrol = portal.login("qianqi", portal.passwords["qianqi"])
    hostile = "<img src=x onerror=alert(1)>{{7*7}}"
    finding = ("2025-04-01 10:00", lon, lat, "复萌", "乡镇巡查", hostile)
    summary = portal.upload(patrol, ("第三处.csv", csv_bytes([finding]))).json()["files"][0]
    assert summary["new_cases"] == [f"{plot}#1"]
    photo = geotagged_jpeg(lon, lat, taken="2025:04:01 10:20:00")
    shot = portal.upload(patrol, ("现场.jpg", photo)).json()["files"][0]
    assert shot["status"] == "accepted" and shot["record_id"] is not None
    page = portal.admin.get(
        f"{portal.base}/ledger/case/{urllib.parse.quote(plot + '#1', safe='')}/", timeout=60
    )
    assert page.status_code == 200
    assert f'data-record="{shot["record_id"]}"' in page.text
    assert f'src="/photos/{shot["upload_id"]}/thumb.jpg"' in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;{{7*7}}" in page.text
    assert "<img src=x" not in page.text
    detail = portal.admin.get(
        f"{portal.base}/api/ledger/{urllib.parse.quote(plot + '#1', safe='')}", timeout=60
    ).json()
    assert detail["case"]["status"] == "open"
    assert [r["notes"] for r in detail["records"]] == [hostile]
    assert [p["photo_id"] for p in detail["photos"]] == [shot["upload_id"]]


def test_a_command_line_import_is_announced_by_the_worker(portal, receiver, tmp_path):
    from click.testing import CliRunner

    from hailin.cli import main

    (plot,) = quiet_plots(portal.workspace, 1)
    path = tmp_path / "命令行复萌.csv"
    path.write_bytes(csv_bytes([_finding(plot, "2025-04-01 09:00")]))
    result = CliRunner().invoke(
        main, ["-w", str(portal.workspace), "import", str(path), "--team", "巽城队"]
    )
    assert result.exit_code == 0, result.output

    def about_it(path):
        return [
            m["json"]
            for m in receiver.messages(path)
            if "命令行复萌.csv" in json.dumps(m, ensure_ascii=False)
        ]

    portal.wait_for(lambda: about_it("/json") and about_it("/wecom"), what="the worker's messages")
    (payload,) = about_it("/json")
    assert payload["upload"]["file"] == "命令行复萌.csv"
    assert payload["upload"]["team"] == "巽城队"
    assert payload["upload"]["uploaded_by"] == "hailin CLI"
    assert [c["case_id"] for c in payload["cases"]] == [f"{plot[0]}#1"]
    assert payload["cases"][0]["first_detected"].startswith("2025-04-01T09:00:00+08:00")
    (wecom,) = about_it("/wecom")
    assert "\n> 上传: 命令行复萌.csv · 巽城队 · hailin CLI\n" in wecom["markdown"]["content"]
    # The worker keeps looking: the same change is never announced twice.
    time.sleep(12)
    assert len(about_it("/json")) == 1
