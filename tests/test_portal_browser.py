"""A patrol member on a phone: Debian chromium at 390×844 logs in, uploads a CSV
with one bad row and sees the summary and the error row, uploads a geotagged
photo, and opens the map. Every request off 127.0.0.1 is refused."""

import pathlib
import urllib.parse

import pytest

from tests.browser import CHROMIUM
from tests.portal import csv_bytes, geotagged_jpeg, running

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def portal(portal_template, tmp_path_factory):
    env = {"HAILIN_MAP_LANGS": "zh"}
    with running(portal_template, tmp_path_factory.mktemp("phone") / "ws", env=env) as portal:
        portal.password = portal.add_user(
            "xuncha", "patrol", "前岐镇", patrol_type="township_patrol"
        )
        yield portal


@pytest.fixture
def phone(portal):
    from playwright.sync_api import sync_playwright

    if not pathlib.Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (see README)")
    refused, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = context.new_page()

            def route(request_route):
                host = urllib.parse.urlsplit(request_route.request.url).hostname
                if host == "127.0.0.1":
                    return request_route.continue_()
                refused.append(request_route.request.url)
                return request_route.abort()

            page.route("**/*", route)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text
                    else None
                ),
            )
            yield page, refused, errors
        finally:
            browser.close()


def test_a_patrol_member_uploads_from_a_phone_and_opens_the_map(portal, phone, tmp_path):
    page, refused, errors = phone
    page.goto(portal.base + "/")
    assert page.url.startswith(portal.base + "/accounts/login/")
    page.fill("input[name=username]", "xuncha")
    page.fill("input[name=password]", portal.password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(portal.base + "/upload/")
    assert page.locator("h1").inner_text() == "上传巡查文件"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("select[name=patrol_type]").input_value() == "township_patrol"

    body = csv_bytes(
        [
            ("2024-06-10 09:00", 120.3302, 27.2601, "未见异常", "乡镇巡查", "堤内"),
            ("2024-06-10 09:05", 120.3306, 27.2604, "未见异常", "乡镇巡查", "堤外"),
            ("2024-06-10 09:10", 999, 27.26, "未见异常", "乡镇巡查", "坐标错"),
        ]
    )
    page.set_input_files(
        "#files", files=[{"name": "手机巡查.csv", "mimeType": "text/csv", "buffer": body}]
    )
    assert page.locator("#chosen li").inner_text().startswith("手机巡查.csv")
    page.click("#send")
    result = page.locator("section.result")
    result.wait_for()
    assert result.get_attribute("data-status") == "partial"
    assert "部分接收" in result.locator("h3").inner_text()
    assert "读取 3 行，接收 2 行，未接收 1 行" in result.locator(".counts").inner_text()
    cells = result.locator("table.errors tbody tr td").all_inner_texts()
    assert cells[0] == "4"
    assert cells[2] == "坐标超出范围（经度 -180..180，纬度 -90..90）"
    assert result.locator("a[download]").get_attribute("href").endswith("/errors.csv")
    page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)

    photo = geotagged_jpeg(120.3302, 27.2601, taken="2024:06:10 09:02:00")
    page.set_input_files(
        "#files", files=[{"name": "IMG_2024.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.click("#send")
    shot = page.locator("section.result[data-file='IMG_2024.jpg']")
    shot.wait_for()
    assert shot.get_attribute("data-status") == "accepted"
    assert "已关联到巡查记录" in shot.locator(".photo-place").inner_text()
    thumb = shot.locator("img.thumb")
    thumb.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )

    page.click("text=地图")
    page.wait_for_url(portal.base + "/maps/")
    reader = portal.login("xuncha", portal.password)
    portal.wait_for(lambda: portal.maps_ready(reader), 120, "the maps")
    page.click("#map-clearance")
    page.wait_for_url(portal.base + "/maps/clearance/")
    page.wait_for_function("() => document.querySelector('.leaflet-container') !== null")
    page.wait_for_function(
        "() => typeof L === 'object' && document.querySelector('.hailin-measure-toggle')"
    )
    assert errors == [], errors
    # Under the map page's own policy, which allows no eval, the data draws.
    policy = reader.get(portal.base + "/maps/clearance/", timeout=30).headers[
        "Content-Security-Policy"
    ]
    assert "script-src 'self' 'unsafe-inline';" in policy and "unsafe-eval" not in policy
    drawn = page.evaluate(
        """() => { const c = document.querySelector('.leaflet-overlay-pane canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } } return n; }"""
    )
    assert drawn > 1000
    assert page.locator(".leaflet-control-layers-overlays label").count() >= 4
    assert page.locator(".hailin-legend").count() == 1
    page.screenshot(path=str(tmp_path / "map.png"))
    assert errors == []
    # Nothing came from a CDN; only the basemap's tiles (Gaode, the zh default) were
    # asked for elsewhere (and refused).
    off_machine = {urllib.parse.urlsplit(url).hostname for url in refused}
    assert off_machine and off_machine <= {f"webrd0{n}.is.autonavi.com" for n in "1234"}
