"""A small workspace for map tests, built from real files through the workspace,
whose every file-borne text field can carry given text.

Two clearance plots and one restoration plot inside the Kewan site; patrol
records giving one regrowth finding (an open recurrence case), a new patch
found, removed and found again (two cases), a planting check, an inspection and
a track.
"""

import csv
import datetime
import html
import html.parser
import json
import re

import geopandas
import shapely

from hailin.demo import entered_at_once
from hailin.geo.sites import load_sites
from hailin.layers.encode import decode_ints
from hailin.surveys.workspace import Workspace

CLEARANCE = [
    shapely.box(120.3328, 27.2598, 120.3334, 27.2602),
    shapely.box(120.3375, 27.2582, 120.3381, 27.2586),
]
RESTORATION = shapely.box(120.3240, 27.2628, 120.3246, 27.2632)
SITE_COLUMNS = ("site_id", "name_zh", "name_en", "township")
PATROL_COLUMNS = ("team", "observer", "notes")
# observed_at, geometry, patrol type, finding, action, survival %, patch area m².
PATROLS = [
    ("2023-06-01 09:00", "POINT (120.3331 27.2600)", "contractor_daily", "spartina_regrowth",
     "reported", "", ""),
    ("2023-06-02 09:00", "POINT (120.3378 27.2584)", "township_patrol", "clear", "none", "", ""),
    ("2023-06-03 09:00", "POINT (120.3440 27.2560)", "city_joint", "spartina_new", "removed",
     "", "12"),
    ("2023-07-10 09:00", "POINT (120.3440 27.2560)", "city_joint", "spartina_new", "reported",
     "", "20"),
    ("2023-06-05 09:00", "POINT (120.3243 27.2630)", "township_patrol", "planting_check", "none",
     "80", ""),
    ("2023-06-06 09:00", "LINESTRING (120.3290 27.2612, 120.3300 27.2608)", "township_patrol",
     "clear", "none", "", ""),
]  # fmt: skip


def plain(field, index=None):
    """Ordinary text: the field's name (and index)."""
    return field if index is None else f"{field} {index}"


def write_sites(path, text=plain):
    sites = load_sites()
    for column in SITE_COLUMNS:
        sites[column] = [text(column, i) for i in range(len(sites))]
    sites.to_file(path)
    return path


def write_clearance(path, text=plain):
    frame = geopandas.GeoDataFrame(
        {
            "plot_id": [text("clearance plot", i) for i in range(len(CLEARANCE))],
            "cleared_on": ["2023-04-12"] * len(CLEARANCE),
            "method": [text("method")] * len(CLEARANCE),
            "contractor": [text("contractor")] * len(CLEARANCE),
        },
        geometry=CLEARANCE,
        crs=4326,
    )
    frame.to_file(path)
    return path


def write_restoration(path, text=plain):
    frame = geopandas.GeoDataFrame(
        {
            "plot_id": [text("restoration plot", 0)],
            "planted_on": ["2022-11-02"],
            "species": [text("species")],
            "funding": [text("funding")],
        },
        geometry=[RESTORATION],
        crs=4326,
    )
    frame.to_file(path)
    return path


def write_patrols(path, text=plain, rows=PATROLS):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["observed_at", "wkt", "patrol_type", "finding", "action", "survival_pct",
             "patch_area_m2", *PATROL_COLUMNS]
        )  # fmt: skip
        for row in rows:
            writer.writerow([*row, *(text(column) for column in PATROL_COLUMNS)])
    return path


def build(root, text=plain, *, sites=False, plots=True, patrols=PATROLS):
    """A workspace in ``root`` from files written in ``root/files``: the site
    registry (when ``sites``; else the bundled one stays), the plots (when ``plots``) and ``patrols``."""
    ws = Workspace.create(root / "ws")
    files = root / "files"
    files.mkdir()
    if sites:
        ws.import_sites(write_sites(files / "sites.geojson", text))
    if plots:
        for kind, write in (("clearance", write_clearance), ("restoration", write_restoration)):
            summary = ws.import_file(write(files / f"{kind}.geojson", text), kind=kind)
            assert summary.status == "accepted", summary
    if patrols:
        summary = ws.import_file(write_patrols(files / "patrols.csv", text, patrols))
        assert summary.status == "accepted", summary
    return entered_at_once(ws)  # a past entered at once: counted as of when observed


def data_layers(page):
    """The data layers of a rendered page, in page order, decoded from the
    page's script as the browser reads them (``layers/draw.js``): per layer
    ``{"name": ..., "payload": ..., "features": [{"properties": {"popup":
    HTML, "tooltip": text, "plot_id": id}}]}``, popups and tooltips built from
    the columns as the page builds them, each plot in its latest state."""
    decoder, layers = json.JSONDecoder(), []
    for match in _LAYER_CALL.finditer(page):
        payload, _end = decoder.raw_decode(page, match.end())
        layers.append({"payload": payload, "features": _features(payload)})
    return layers


def _column_value(payload, name, i, state):
    if name == "@state":
        return payload["states"][state[i]]
    spec = payload["columns"][name]
    if spec["kind"] == "timed_numbers":  # the latest version, as with no day chosen
        count = decode_ints(spec["count"])
        return str(int(decode_ints(spec["value"])[int(count[: i + 1].sum()) - 1]))
    if spec["kind"] in ("minute", "day"):
        value = int(decode_ints(spec["values"])[i])
        if spec["kind"] == "day":
            return str(datetime.date(1970, 1, 1) + datetime.timedelta(days=value))
        stamp = datetime.datetime(1970, 1, 1) + datetime.timedelta(minutes=value)
        return stamp.strftime("%Y-%m-%d %H:%M")
    value = spec["table"][int(decode_ints(spec["codes"])[i])]
    if spec["kind"] == "timed":  # as the page shows it with no day chosen: the latest
        return value[-1][1] if value else None
    return value


def _entered(payload, name, i):
    spec = payload["columns"].get(name) or {}
    if not spec.get("entered"):
        return False
    return int(decode_ints(spec["codes"])[i]) in spec["entered"]


def _latest_states(payload):
    steps = (payload.get("time") or {}).get("steps")
    if not steps:
        return [0] * payload["count"]
    counts, states = decode_ints(steps["count"]), decode_ints(steps["state"])
    ends = counts.cumsum()
    return [
        int(states[end - 1]) if count else None for end, count in zip(ends, counts, strict=True)
    ]


def _features(payload):
    state, words = _latest_states(payload), payload.get("words", {})
    title, title_column = payload["popup"]["title"]
    features = []
    for i in range(payload["count"]):

        def value(name, i=i):
            return _column_value(payload, name, i, state)

        head = value(title_column) if title_column else ""
        lines = [f"<b>{html.escape(f'{title} {head}' if title and head else title or head)}</b>"]
        for label, name in payload["popup"]["rows"]:
            if label is None:
                pairs = value(name) or []
            else:
                mark = f" {words['as_entered']}" if _entered(payload, name, i) else ""
                pairs = [[label + mark, value(name)]]
            lines += [
                f"<div>{html.escape(f'{k}: {v}')}</div>" for k, v in pairs if v not in ("", None)
            ]
        tooltip = " · ".join(
            v for v in (value(n) for n in payload["tooltip"]) if v not in ("", None)
        )
        properties = {"popup": "".join(lines), "tooltip": tooltip}
        if payload.get("ids"):
            properties["plot_id"] = value(payload["ids"])
        features.append({"properties": properties})
    return features


def html_lines(markup):
    """The text of ``markup``, a string per line (``<br>``, ``<div>`` and ``<svg>`` start one)."""
    parser = _Lines()
    parser.feed(markup)
    parser.close()
    return ["".join(line) for line in parser.lines]


def shown(page):
    """Every popup and tooltip line and every plot id of a rendered page's data layers."""
    lines = set()
    for layer in data_layers(page):
        for feature in layer["features"]:
            properties = feature["properties"]
            for key in ("popup", "tooltip"):
                lines.update(html_lines(properties.get(key) or ""))
            if "plot_id" in properties:
                lines.add(properties["plot_id"])
    return lines


_LAYER_CALL = re.compile(r"= hailinLayer\(map_\w+, ")


class _Lines(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = [[]]

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "div", "svg"):
            self.lines.append([])

    def handle_data(self, data):
        self.lines[-1].append(data)


def named_layers(page):
    """{name in the layer control: its data layer as :func:`data_layers` gives
    it} of a rendered page, decoded as the browser reads them."""
    decoder, layers = json.JSONDecoder(), {}
    for found in re.finditer(r"var (data_layer_[0-9a-f]+) = hailinLayer\(\w+, ", page):
        payload, _end = decoder.raw_decode(page, found.end())
        layers[found.group(1)] = {"payload": payload, "features": _features(payload)}
    names = re.findall(r'"((?:[^"\\]|\\.)*)": (data_layer_[0-9a-f]+)\b', page)
    return {json.loads(f'"{name}"'): layers[var] for name, var in names if var in layers}
