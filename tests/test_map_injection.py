"""Text from files and the store reaches a map page as data, never as template source.

Every text field a file can carry is planted with a Jinja2 payload and imported
through the workspace (patch ids, which hailin makes, are planted in the map data);
every map is rendered and saved, in both languages; the page's data is decoded
as the browser reads it and must hold each planted text verbatim.
"""

import html
import json

import folium
import hypothesis
import hypothesis.strategies as st
import jinja2
import jinja2.nodes
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.geo.sites import load_sites
from hailin.layers.page import check_page, html_text, js_value
from hailin.layers.text import text as label
from hailin.maps import MAPS
from hailin.maps.programme import overview_map
from tests.map_workspace import build, shown

MARKER = "pwned"
PAYLOADS = {
    "expression": "{{7*7}}",
    "statement": "{% for x in range(3) %}x{% endfor %}",
    "lone_open": "{{",
    "lone_comment": "{#",
    "os_system": "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    # No quotes: folium's JSON escapes quotes, which stops the quoted payload
    # compiling; this one ran `touch` on the maps hailin drew before.
    "os_system_unquoted": (
        "{{ cycler.__init__.__globals__.os.system("
        "cycler.__init__.__globals__.os.getenv(dict(HAILIN_TEST_COMMAND=1)|first)) }}"
    ),
}
LAYERS_OF = {
    "clearance": {"sites", "clearance", "detections", "patches", "patrols"},
    "restoration": {"sites", "restoration", "patrols"},
    "overview": {"sites", "clearance", "restoration", "patches", "patrols"},
}


@pytest.fixture(scope="module", params=sorted(PAYLOADS))
def planted(request, tmp_path_factory):
    """(payload, its text function, marker path, workspace, map data with patch ids planted)."""
    root = tmp_path_factory.mktemp(request.param)
    marker = root / MARKER
    payload = PAYLOADS[request.param].replace("MARKER", str(marker))

    def text(field, index=None):
        return f"{field}{'' if index is None else f' {index}'}: {payload}"

    ws = build(root, text, sites=True)
    data = ws.map_data()
    ids = {old: text("patch", i) for i, old in enumerate(data.patches["patch_id"])}
    assert len(ids) == 1 and (data.ledger["kind"] == "new_infestation").sum() == 2
    data.patches["patch_id"] = data.patches["patch_id"].map(ids)
    data.ledger["plot_id"] = data.ledger["plot_id"].map(lambda p: ids.get(p, p))
    return payload, text, marker, ws, data


def expected_lines(kind, lang, text, patches=True):
    """The exact lines each planted text shows as on map ``kind``."""
    name = text(f"name_{lang}", 0)
    lines = {name, f"{label('township', lang)}: {text('township', 0)}"}
    lines |= {f"{label(key, lang)}: {text(key)}" for key in ("team", "observer", "notes")}
    layers = LAYERS_OF[kind]
    plot_kinds = [k for k in ("clearance", "restoration") if k in layers]
    for plot_kind in plot_kinds:
        count = 2 if plot_kind == "clearance" else 1
        for i in range(count):
            plot_id = text(f"{plot_kind} plot", i)
            title = label("plot" if plot_kind == "clearance" else "restoration_plot", lang)
            lines |= {plot_id, f"{title} {plot_id}"}
        lines.add(f"{label('site', lang)}: {name}")
    if "clearance" in layers:
        lines |= {f"{label(key, lang)}: {text(key)}" for key in ("method", "contractor")}
    if "restoration" in layers:
        lines |= {f"{label(key, lang)}: {text(key)}" for key in ("species", "funding")}
    if "detections" in layers:
        lines.add(f"{label('plot', lang)} {text('clearance plot', 0)}")
    if "patches" in layers and patches:
        lines |= {text("patch", 0), f"{label('new_patches', lang)} {text('patch', 0)}"}
    return lines


@pytest.mark.parametrize("kind", sorted(MAPS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_text_field_reaches_every_map_as_data(planted, kind, lang, tmp_path, monkeypatch):
    payload, text, marker, _ws, data = planted
    monkeypatch.setenv("HAILIN_TEST_COMMAND", f"touch {marker}")
    fmap = MAPS[kind](data, lang=lang)
    page = fmap.get_root().render()
    fmap.save(tmp_path / "map.html")
    saved = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert not marker.exists()
    for rendered in (page, saved):
        lines = shown(rendered)
        missing = expected_lines(kind, lang, text) - lines
        assert missing == set()
        if payload == "{{7*7}}":
            evaluated = {line.replace(payload, "49") for line in expected_lines(kind, lang, text)}
            assert evaluated & lines == set()


@pytest.mark.parametrize("kind", sorted(MAPS))
def test_hailin_map_writes_the_stored_text_as_data(planted, kind, tmp_path, monkeypatch):
    _payload, text, marker, ws, _data = planted
    monkeypatch.setenv("HAILIN_TEST_COMMAND", f"touch {marker}")
    out = tmp_path / f"{kind}.html"
    result = CliRunner().invoke(
        main, ["-w", str(ws.root), "map", kind, "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0
    assert result.output.startswith(f"{kind} map written to {out} (self-contained, opens with no")
    assert not marker.exists()
    # Patch ids are hailin's own here (NEW-date-number), not planted.
    missing = expected_lines(kind, "en", text, patches=False) - shown(out.read_text("utf-8"))
    assert missing == set()


def _inert(source):
    """True when Jinja2 would read ``source`` as plain text: no expression,
    statement or comment."""
    body = jinja2.Environment().parse(source).body
    return all(
        isinstance(node, jinja2.nodes.Output)
        and all(isinstance(part, jinja2.nodes.TemplateData) for part in node.nodes)
        for node in body
    )


@hypothesis.given(st.text())
@hypothesis.example("{{7*7}}{%x%}{#</script>\u2028\ud800&'\"")
def test_page_text_is_template_inert_and_reads_back(value):
    script, markup = js_value(value), html_text(value)
    assert json.loads(script) == value and _inert(script)
    assert "<" not in script and ">" not in script
    assert html.unescape(markup) == value and _inert(markup)
    assert "<" not in markup and "{" not in markup


def test_js_value_refuses_numbers_json_cannot_hold():
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        js_value({"coordinates": [float("nan"), 27.2]})


def test_a_map_refuses_folium_elements_that_template_their_text():
    fmap = overview_map(load_sites(), lang="en")
    folium.Marker([27.26, 120.33], popup="{{7*7}}").add_to(fmap)
    with pytest.raises(TypeError, match=r"^folium\.map\.Marker would put its text through Jinja2"):
        check_page(fmap)
