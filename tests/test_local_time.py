"""The workspace's time zone reaches every output: map tooltips and popups,
the ledger export, the plots' dates. A finding at 07:00 on 2 May in Fuding
is a 2 May finding everywhere (1 May 23:00 in UTC)."""

import csv

import pytest

from hailin.layers.text import text
from hailin.maps import MAPS
from hailin.surveys.workspace import Workspace
from tests.map_workspace import PATROLS, data_layers, html_lines, write_clearance, write_patrols

# A regrowth finding in the first clearance plot, and an inspection late at night.
FINDINGS = [
    (
        "2023-05-02T07:00:00+08:00",
        "POINT (120.3331 27.2600)",
        "contractor_daily",
        "spartina_regrowth",
        "reported",
        "",
        "",
    ),
    ("2023-05-02T23:30:00+08:00", *PATROLS[1][1:]),
]


def _workspace(root, timezone=None):
    ws = Workspace.create(root / "ws", language="en")
    if timezone:
        settings = ws.settings_path
        with open(settings, encoding="utf-8") as handle:
            toml = handle.read().replace('timezone = "Asia/Shanghai"', f'timezone = "{timezone}"')
        with open(settings, "w", encoding="utf-8") as handle:
            handle.write(toml)
        ws = Workspace(ws.root)
    files = root / "files"
    files.mkdir()
    assert (
        ws.import_file(write_clearance(files / "c.geojson"), kind="clearance").status == "accepted"
    )
    assert ws.import_file(write_patrols(files / "p.csv", rows=FINDINGS)).status == "accepted"
    return ws


def _features(page):
    """{tooltip: popup lines} of every feature of a rendered map."""
    return {
        feature["properties"]["tooltip"]: html_lines(feature["properties"]["popup"])
        for layer in data_layers(page)
        for feature in layer["features"]
        if feature["properties"].get("tooltip")
    }


def _first_detected(ws, tmp_path):
    ws.exports.ledger(tmp_path / "ledger.csv", "en")
    with open(tmp_path / "ledger.csv", encoding="utf-8-sig", newline="") as handle:
        return [row["first_detected"] for row in csv.DictReader(handle)]


@pytest.mark.parametrize(
    ("timezone", "finding", "inspection"),
    [
        (None, "2023-05-02 07:00", "2023-05-02 23:30"),
        ("Asia/Tokyo", "2023-05-02 08:00", "2023-05-03 00:30"),
    ],
)
def test_days_and_times_are_local_to_the_workspace(tmp_path, timezone, finding, inspection):
    ws = _workspace(tmp_path, timezone)
    page = MAPS["clearance"](ws.map_data(), lang="en").get_root().render()
    features = _features(page)
    time = text("time", "en")
    # The regrowth finding: its point in the findings layer and in the patrol records.
    assert features["clearance plot 0 · " + finding[:10]] == [
        "Plot clearance plot 0",
        f"{time}: {finding}",
        "Finding: Spartina regrowth",
        "Patrol type: contractor daily patrol",
        "Notes: notes",
    ]
    assert f"{time}: {finding}" in features[f"{finding[:10]} · Spartina regrowth"]
    assert f"{time}: {inspection}" in features[f"{inspection[:10]} · nothing found"]
    # Exports write the local time with its offset.
    offset = "+09:00" if timezone == "Asia/Tokyo" else "+08:00"
    assert _first_detected(ws, tmp_path) == [finding + offset]


def test_frames_handed_to_users_carry_local_time(tmp_path):
    """One convention: every frame a user gets holds the workspace's local time
    (the same instant the store keeps in UTC)."""
    ws = _workspace(tmp_path, "Asia/Tokyo")
    zone = "Asia/Tokyo"
    assert str(ws.surveys()["observed_at"].dt.tz) == zone
    assert str(ws.uploads()["uploaded_at"].dt.tz) == zone
    frames = ws.frames(every_record=True)
    for frame in (frames.findings, frames.inspections, frames.records):
        assert str(frame["observed_at"].dt.tz) == zone
    assert str(frames.ledger["first_detected"].dt.tz) == zone
    finding = frames.findings["observed_at"].iloc[0]
    assert finding.strftime("%Y-%m-%d %H:%M") == "2023-05-02 08:00"
    # The store keeps UTC, as the GeoPackage standard asks.
    with ws.store(write=False) as store:
        (stored,) = store.execute(
            "SELECT observed_at FROM surveys WHERE finding = 'spartina_regrowth'"
        ).fetchone()
    assert stored.startswith("2023-05-01T23:00") and stored.endswith("Z")
