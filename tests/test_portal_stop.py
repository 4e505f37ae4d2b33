"""`hailin serve` stopped while its worker draws the maps stops the drawing at
once (each map file is replaced whole): no half map is left, and the maps are
not recorded as drawn (the next start draws them)."""

import sqlite3

from tests.portal import running


def test_a_stop_cuts_the_map_drawing_short_and_leaves_no_half_map(portal_template, tmp_path):
    with running(portal_template, tmp_path / "ws", env={"HAILIN_MAP_LANGS": "zh,en"}) as portal:
        maps = portal.workspace / "web" / "maps"
        first = maps / "clearance.zh.html"  # drawn first of six: five are still to draw
        portal.wait_for(first.exists, timeout=300, what="the first map drawn", every=0.05)
        portal.stop()
    assert sorted(maps.glob(".map.*.html")) == []  # no map left half written
    drawn = sorted(maps.glob("*.html"))
    assert first in drawn and len(drawn) < 6
    assert all(p.read_text("utf-8").rstrip().endswith("</html>") for p in drawn)
    log = (portal.workspace / "logs" / "portal.log").read_text("utf-8")
    assert "worker: stopped while drawing the maps" in log
    assert "Traceback" not in log
    with sqlite3.connect(portal.workspace / "web" / "portal.sqlite3") as db:
        built = db.execute("SELECT count(*) FROM portal_portalstate WHERE key = 'maps_built'")
        assert built.fetchone() == (0,)
