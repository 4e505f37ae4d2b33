"""Timing a map page in Debian chromium (the browser tests' set-up: a --cdn map's
Leaflet answered from the installed package, tiles blank, nothing else reaches out).

``drawn`` is the time from navigation start until the page's load event has run
every script and two animation frames have passed (the layers on the map are
painted); ``heap`` the JS heap in use then, ``busy`` and ``script`` the seconds
the page's main thread spent on tasks and on scripts until then (Chrome
DevTools Protocol metrics).
"""

import pathlib

from tests.browser import CHROMIUM, Session, route_requests

# Two animation frames after the call: everything added before is painted.
_PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


def _metrics(cdp):
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def _heap(cdp):
    return _metrics(cdp)["JSHeapUsedSize"]


def page_times(path, timeout_s=180, after=None, viewport=(1280, 800)):
    """{'drawn': s, 'heap': bytes, **after(page)} for the page at ``path``; None
    for 'drawn' when the page did not load within ``timeout_s``. ``after(page)``
    runs once the page is drawn and returns extra figures (seconds)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            session = Session(page)
            page.on("pageerror", lambda e: session.page_errors.append(str(e)))
            page.route("**/*", route_requests(session, True))
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            try:
                page.goto(
                    pathlib.Path(path).resolve().as_uri(),
                    wait_until="load",
                    timeout=timeout_s * 1000,
                )
                drawn = page.evaluate(_PAINTED) / 1000
            except PlaywrightTimeout:
                return {"drawn": None, "heap": None, "errors": session.page_errors}
            metrics = _metrics(cdp)
            result = {
                "drawn": drawn,
                "heap": metrics["JSHeapUsedSize"],
                # The page's own work (script, layout, paint), less what it waited
                # for: on a shared machine a steadier figure than "drawn".
                "busy": metrics["TaskDuration"],
                "script": metrics["ScriptDuration"],
                "errors": session.page_errors,
            }
            if after is not None:
                result.update(after(page))
                result["heap_after"] = _heap(cdp)
            return result
        finally:
            browser.close()
