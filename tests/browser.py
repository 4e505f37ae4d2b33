"""Open hailin maps in Debian's chromium, offline: a --cdn map's Leaflet requests
are answered from the installed XStatic-Leaflet files, tiles with a blank tile,
and anything else is refused and recorded."""

import contextlib
import mimetypes
import pathlib
import re

from hailin.maps.assets import CDN, leaflet_dir

CHROMIUM = "/usr/bin/chromium"
_CDN_URL = re.compile("^" + re.escape(CDN) + r"/(?P<path>[^?#]+)")
_TILE_URL = re.compile(
    r"tile\.openstreetmap\.org|arcgisonline\.com|is\.autonavi\.com/appmaptile|"
    r"tianditu\.gov\.cn/\w+_w/wmts|/tile/|/\d+/\d+/\d+\.png"
)


def _grey_tile():
    """A 256x256 light grey PNG: what a tile looks like here, with no network."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xe4" * 256 for _ in range(256))
    header = struct.pack(">IIBBBBB", 256, 256, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_BLANK_TILE = _grey_tile()


class Session:
    """What one page did: console errors, page errors, refused requests, dialogs."""

    def __init__(self, page):
        self.page = page
        self.console_errors = []
        self.page_errors = []
        self.refused = []
        self.refused_kinds = []
        self.served = []
        self.tiles = []
        self.dialogs = []


def route_requests(session, network=True):
    def handle(route):
        url = route.request.url
        if not network:  # an offline map: nothing but its own file may load
            if url.startswith(("file://", "data:", "about:")):
                return route.continue_()
            session.refused.append(url)
            session.refused_kinds.append(route.request.resource_type)
            return route.abort()
        match = _CDN_URL.match(url)
        if match:
            path = leaflet_dir() / match["path"]
            if path.is_file():
                session.served.append(url)
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                # The maps load CDN files with integrity hashes (CORS requests).
                return route.fulfill(
                    status=200,
                    body=path.read_bytes(),
                    content_type=kind,
                    headers={"Access-Control-Allow-Origin": "*"},
                )
        if _TILE_URL.search(url):
            session.tiles.append(url)
            return route.fulfill(status=200, body=_BLANK_TILE, content_type="image/png")
        if url.startswith(("file://", "data:", "about:")):
            return route.continue_()
        session.refused.append(url)
        return route.abort()

    return handle


@contextlib.contextmanager
def open_map(path, viewport=(1280, 800), network=True, fragment=None, wait=True):
    """Yield a :class:`Session` on ``path`` (an HTML file) once the page has loaded.

    With ``network=False`` every request but for the file itself (and
    ``data:`` URIs) is refused and recorded: no CDN, no tiles. ``fragment``
    is the URL's part after ``#``; ``wait=False`` does not wait for a map in the
    page itself (a notebook's map lies in an iframe)."""
    context = _chromium().new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        page = context.new_page()
        session = Session(page)
        page.on(
            "console",
            lambda m: session.console_errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: session.page_errors.append(str(e)))
        page.on("dialog", lambda d: (session.dialogs.append(d.message), d.dismiss()))
        page.route("**/*", route_requests(session, network))
        page.goto(pathlib.Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else ""))
        page.wait_for_load_state("load")
        if wait:
            page.wait_for_function("() => document.querySelector('.leaflet-container') !== null")
        yield session
    finally:
        context.close()


# The Playwright driver and chromium of the running test module: launched at its
# first map, closed after the module (conftest), since Playwright's event loop
# would refuse asyncio.run() to the modules after it. Each map gets its own context.
_shared: dict = {}


def _chromium():
    browser = _shared.get("browser")
    if browser is not None and browser.is_connected():
        return browser
    from playwright.sync_api import sync_playwright

    if not pathlib.Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (see README)")
    if "playwright" not in _shared:
        _shared["playwright"] = sync_playwright().start()
    _shared["browser"] = _shared["playwright"].chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    return _shared["browser"]


def close_shared():
    """Close the module's chromium and stop its Playwright driver."""
    browser, playwright = _shared.pop("browser", None), _shared.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()
