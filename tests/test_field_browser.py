"""A patrol member's phone on the mudflat: Debian chromium at 390×844 with the
position granted and emulated records five observations (two with photos)
with no network, reopens the form with no network (the service worker), and
syncs when back; the first sync's answer is lost on the way (the server
stored the observations with their photos, the phone heard nothing) and the
next sync stores nothing twice. A bad
value comes back with its Chinese reason, is corrected and accepted. Only
127.0.0.1 is reachable."""

import io
import json
import pathlib

import pytest

from hailin.geo.length import length_m
from hailin.surveys import Workspace
from hailin.surveys.schema import codes
from hailin.surveys.stats.effort import patrol_effort
from tests.browser import CHROMIUM
from tests.portal import plan_this_week, running

PHONE = {"width": 390, "height": 844}
START = {"latitude": 27.2601, "longitude": 120.3302, "accuracy": 6}

pytestmark = pytest.mark.slow  # a portal started for the module: about a minute


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    env = {"HAILIN_MAP_LANGS": ""}
    with running(portal_template, tmp_path_factory.mktemp("field") / "ws", env=env) as portal:
        portal.password = portal.add_user(
            "xuncha", "patrol", "前岐镇", patrol_type="township_patrol"
        )
        yield portal


@pytest.fixture(scope="module")
def phone(portal):
    from playwright.sync_api import sync_playwright

    if not pathlib.Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (see README)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )  # fmt: skip
        try:
            context = browser.new_context(
                viewport=PHONE,
                is_mobile=True,
                has_touch=True,
                geolocation=START,
                permissions=["geolocation"],
                locale="zh-CN",
            )
            elsewhere = []
            context.on(
                "request",
                lambda r: (
                    elsewhere.append(r.url)
                    if not r.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
                    else None
                ),
            )
            yield context, context.new_page(), elsewhere
        finally:
            browser.close()


def _open(page, portal, path):
    """Open ``path`` as the patrol member, logging in when the portal asks."""
    page.goto(portal.base + path)
    if "/accounts/login/" in page.url:
        page.fill("input[name=username]", "xuncha")
        page.fill("input[name=password]", portal.password)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(portal.base + path)


def _jpeg(colour):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")  # no EXIF: as phone browsers hand it
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _record(page, finding, *, cover="", photos=(), notes=""):
    page.select_option("#finding", finding)
    page.fill("#cover_pct", str(cover))
    page.fill("#notes", notes)
    if photos:
        page.set_input_files("#photos", files=list(photos))
    page.click("#save")


def _waiting(page, n):
    from playwright.sync_api import expect

    expect(page.locator("#queue-count")).to_have_text(f"{n} 条待上传", timeout=60_000)


def _gps_says(page, text):
    from playwright.sync_api import expect

    expect(page.locator("#gps")).to_contain_text(text)


def _field_records(workspace, points_only=False):
    records = Workspace(workspace).surveys(["record_id", "finding", "cover_pct", "extra"])
    records = records[records["extra"].fillna("").str.contains("field_id")]
    return records[records.geometry.geom_type == "Point"] if points_only else records


def test_a_patrol_recorded_offline_is_stored_once_with_its_photos(portal, phone):
    from playwright.sync_api import expect

    context, page, elsewhere = phone
    _open(page, portal, "/field/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#finding option")).to_have_count(len(codes("finding")))
    assert page.input_value("#patrol_type") == "township_patrol"
    assert page.input_value("#team") == "前岐镇"
    _gps_says(page, "精度 6 米")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    context.set_offline(True)
    steps = [("spartina_regrowth", 20, [_jpeg((30, 90, 40))]), ("clear", "", [])]
    steps += [("spartina_new", 35, [_jpeg((90, 30, 40)), _jpeg((10, 10, 90))])]
    steps += [("clear", "", []), ("planting_check", "", [])]
    for n, (finding, cover, photos) in enumerate(steps, start=1):
        context.set_geolocation({**START, "latitude": START["latitude"] + n * 0.0004})
        _gps_says(page, f"{START['latitude'] + n * 0.0004:.6f}")
        _record(page, finding, cover=cover, photos=photos, notes=f"第{n}条")
        _waiting(page, n)
    assert page.locator("#net").inner_text() == "离线"

    page.reload()  # no network: the service worker opens the form
    assert page.locator("h1").inner_text() == "外业记录"
    _waiting(page, 5)
    assert page.locator("#queue li").count() == 5
    assert len(_field_records(portal.workspace)) == 0

    # The first sync reaches the server, but its answer is lost on the way back.
    cut = []

    def lose_the_answer(route):
        if not cut:
            cut.append(route.fetch().status)
            return route.abort("connectionreset")
        return route.continue_()

    context.route("**/field/sync", lose_the_answer)
    context.set_offline(False)
    expect(page.locator("#sync-problem")).to_be_visible(timeout=60_000)
    assert cut == [200]
    stored = _field_records(portal.workspace)
    assert len(stored[stored["finding"] != "clear"]) >= 1  # stored, though the phone heard nothing
    # ... with their photos, in the same transaction: no record waits for its photos.
    photos = Workspace(portal.workspace).evidence.photos()
    assert set(photos["record_id"]) <= set(stored["record_id"])
    assert len(photos) == 3
    _waiting(page, 6)  # the five and the track walked so far

    page.click("#sync-now")
    _waiting(page, 0)
    records = _field_records(portal.workspace)
    ids = [json.loads(e)["field_id"] for e in records["extra"]]
    assert len(ids) == len(set(ids)) == 6
    points = records[records.geometry.geom_type == "Point"]
    assert sorted(points["finding"]) == sorted(f for f, _c, _p in steps)
    assert sorted(points["cover_pct"].dropna()) == [20.0, 35.0]
    tracks = records[records.geometry.geom_type == "LineString"]
    assert len(tracks) == 1 and len(tracks.geometry.iloc[0].coords) >= 5
    # The walked track counts in the effort figures: one track, its km.
    field = Workspace(portal.workspace).surveys(where="json_extract(extra, '$.field_id') > ''")
    effort = patrol_effort(field, by="team")
    assert int(effort.loc["前岐镇", "tracks"]) == 1
    assert effort.loc["前岐镇", "km"] == pytest.approx(length_m(tracks.geometry.values)[0] / 1000)
    assert effort.loc["前岐镇", "km"] > 0.2  # five steps of ~44 m

    photos = Workspace(portal.workspace).evidence.photos()
    photos = photos[photos["status"] == "accepted"]
    by_record = photos.groupby("record_id").size().to_dict()
    covered = points.set_index("record_id")["cover_pct"].to_dict()
    assert sorted((covered[r], n) for r, n in by_record.items()) == [(20.0, 1), (35.0, 2)]
    assert elsewhere == []


def test_a_bad_value_comes_back_in_chinese_and_is_corrected(portal, phone):
    context, page, _elsewhere = phone
    before = len(_field_records(portal.workspace, points_only=True))
    context.set_geolocation({**START, "latitude": START["latitude"] + 0.004})
    _gps_says(page, "27.264100")
    _record(page, "spartina_regrowth", cover=150, notes="盖度写错了")
    reason = page.locator("#queue li.status-rejected .reason")
    reason.wait_for()
    assert reason.inner_text() == "盖度: 150 超出 0..100 的范围"
    assert len(_field_records(portal.workspace, points_only=True)) == before

    page.click("#queue li.status-rejected button.edit")
    assert page.input_value("#cover_pct") == "150"
    page.fill("#cover_pct", "15")
    page.click("#save")
    _waiting(page, 0)
    records = _field_records(portal.workspace, points_only=True)
    assert len(records) == before + 1
    assert records["cover_pct"].tolist().count(15.0) == 1


def test_a_file_chosen_offline_waits_and_lands_once_with_its_result_first(portal, phone):
    from playwright.sync_api import expect

    from tests.portal import csv_bytes

    context, page, elsewhere = phone
    _open(page, portal, "/upload/")
    context.set_offline(True)
    times = [f"2024-06-14 {9 + m // 60:02d}:{m % 60:02d}" for m in range(100)]
    rows = [
        (t, 120.3302 + m * 1e-4, 27.2601, "未见异常", "乡镇巡查", "堤外" * 2000)
        for m, t in enumerate(times)
    ]
    body = csv_bytes(rows)
    assert len(body) > 1024 * 1024  # two pieces at least
    page.set_input_files(
        "#files", files=[{"name": "离线.csv", "mimeType": "text/csv", "buffer": body}]
    )
    page.click("#send")
    waiting = page.locator("#file-list li")
    expect(waiting).to_contain_text("离线.csv · 离线：等待网络")
    assert page.locator("#file-list progress").count() == 1

    context.set_offline(False)
    page.wait_for_url("**/upload/?done=*", timeout=120_000)
    result = page.locator("section.result")
    assert result.get_attribute("data-file") == "离线.csv"
    assert result.get_attribute("data-status") == "accepted"
    assert (
        page.locator("#results").bounding_box()["y"]
        < page.locator("#upload-form").bounding_box()["y"]
    )
    uploads = Workspace(portal.workspace).uploads()
    assert (uploads["file"] == "离线.csv").sum() == 1
    assert elsewhere == []


def test_the_form_lists_the_teams_plan_and_keeps_it_offline(portal, phone, tmp_path):
    from playwright.sync_api import expect

    context, page, elsewhere = phone
    context.set_offline(False)
    _week, day = plan_this_week(
        portal.workspace,
        [
            ("前岐镇", 2, "KW-7", "risk", "割除仅 40 天；<b>近邻复萌</b>", 0.61234),
            ("前岐镇", 1, "KW-3", "open_case", "2024-05-01 起复萌", None),
            ("店下镇", 1, "DX-1", "risk", "别队的点", 0.5),
        ],
    )
    _open(page, portal, "/field/")
    stops = page.locator("#plan li")
    expect(stops).to_have_count(2)
    first, second = ([t for t in stops.nth(i).inner_text().split("\n") if t] for i in range(2))
    assert first == [f"{day} #1 · KW-3 · 复萌复查", "2024-05-01 起复萌"]
    assert second == [f"{day} #2 · KW-7 · 高风险图斑 · 风险 0.61", "割除仅 40 天；<b>近邻复萌</b>"]
    page.locator(".field-plan").screenshot(path=tmp_path / "plan.png")
    context.set_offline(True)
    page.reload()  # no network: the plan kept with the form's settings
    expect(stops).to_have_count(2)
    assert stops.nth(1).get_attribute("data-stop") == "KW-7"
    assert page.locator("#plan-none").is_hidden()
    context.set_offline(False)
    assert elsewhere == []
