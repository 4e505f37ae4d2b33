"""Shared by the map browser tests: where screenshots go."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "bench" / "out" / "screenshots"


def screenshot(page, name):
    """Save a screenshot under bench/out/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
