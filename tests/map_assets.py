"""Shared by the asset and basemap tests: an asset cache filled from the npm
packages the browser tests install, and where screenshots go."""

import pathlib

from hailin.maps.fetch import fetch_from

ROOT = pathlib.Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "tests" / "browser" / "node_modules"
SCREENSHOTS = ROOT / "bench" / "out" / "screenshots"


def fill_cache(cache):
    """``cache`` filled from tests/browser/node_modules (the ``asset_cache`` fixture)."""
    report = fetch_from(NODE_MODULES, cache=cache)
    assert report.complete, report.refused
    return cache


def screenshot(page, name):
    """Save a screenshot under bench/out/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
