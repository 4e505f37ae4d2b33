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


# Every data layer switched on and painted (ms).
_ALL_ON = """async () => {
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0];
  const t0 = performance.now();
  map.hailinLayers.forEach(l => map.addLayer(l));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""
# Pans and zooms (no animation: the redraw is what is timed, from the call until
# two animation frames have passed) from the view of the whole data; long tasks
# (PerformanceObserver) meanwhile, and what the records layer drew at the end.
_MOTION = """async (rounds) => {
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0];
  const painted = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const longs = [];
  const seen = new PerformanceObserver(l => l.getEntries().forEach(e => longs.push(e.duration)));
  seen.observe({type: 'longtask'});
  const times = {pan: [], zoom_in: [], zoom_out: []};
  const step = async (name, act) => {
    const t = performance.now(); act(); await painted(); times[name].push(performance.now() - t);
  };
  for (let i = 0; i < rounds; i++) {
    await step('pan', () => map.panBy([240 * (i % 2 ? -1 : 1), 160], {animate: false}));
    await step('zoom_in', () => map.setZoom(map.getZoom() + 1, {animate: false}));
    await step('pan', () => map.panBy([-200, -120], {animate: false}));
    await step('zoom_out', () => map.setZoom(map.getZoom() - 1, {animate: false}));
  }
  await new Promise(r => setTimeout(r, 100));
  seen.disconnect();
  const records = map.hailinLayers.filter(l => l.hailinDrawn)[0];
  return {times, longs, drawn: records ? records.hailinDrawn() : null};
}"""


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None


def _browser_cpu():
    """CPU seconds used so far by this process's chromium processes (every one:
    the page's renderer, the GPU and browser processes)."""
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if child.name().startswith("chrom"):
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def motion_times(page, rounds=3):
    """Every layer switched on ('all_on' s), then ``rounds`` of pan, zoom in, pan,
    zoom out: {'pan', 'zoom_in', 'zoom_out': median s of each, '..._max': the
    worst, 'cpu_step': chromium's CPU seconds per step (fairer than the times
    on a shared machine), 'longest': the longest task meanwhile (s, 0: none),
    'drawn_items': what the records layer drew at the end}."""
    result = {"all_on": page.evaluate(_ALL_ON) / 1000}
    used = _browser_cpu()
    found = page.evaluate(_MOTION, rounds)
    result["cpu_step"] = (_browser_cpu() - used) / (4 * rounds)
    result["drawn_items"] = found["drawn"]
    for name, values in found["times"].items():
        result[name] = _median(values) / 1000
        result[f"{name}_max"] = max(values) / 1000
    result["longest"] = max(found["longs"], default=0) / 1000
    return result
