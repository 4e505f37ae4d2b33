"""Figures as of any date: the store as it stood at the end of a local day, one
mechanism (Frames.at) for progress, the ledger, exports, the report and the maps."""

import datetime
import json
import zoneinfo

import docx
import geopandas
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.maps.figures import months
from hailin.report import build_report
from hailin.surveys.asof import as_of_day
from hailin.surveys.errors import SettingsError
from hailin.surveys.ledger.counts import case_counts
from hailin.surveys.workspace import Workspace
from tests.stats_workspace import build

MAY = datetime.date(2024, 5, 31)


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The hand-built workspace of tests/stats_workspace.py."""
    return build(tmp_path_factory.mktemp("story"))


@pytest.fixture(scope="module")
def demo(portal_template):
    """The demo workspace, read only."""
    return Workspace(portal_template)


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", ws.root, *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_as_of_value_is_a_day_or_a_months_last_day():
    assert as_of_day("2024-02") == datetime.date(2024, 2, 29)
    assert as_of_day("2024-5-3") == datetime.date(2024, 5, 3)
    assert as_of_day(datetime.date(2024, 1, 1)) == datetime.date(2024, 1, 1)
    for bad in ("2024-13", "2024-02-30", "May", "2024"):
        with pytest.raises(SettingsError, match="YYYY-MM-DD or YYYY-MM"):
            as_of_day(bad)


def test_a_bad_as_of_is_a_usage_error(story):
    result = CliRunner().invoke(main, ["-w", story.root, "progress", "--as-of", "2024-13"])
    assert result.exit_code == 2
    assert "an as-of date is YYYY-MM-DD or YYYY-MM, got '2024-13'" in result.output


# The story of tests/stats_workspace.py, day by day: (cleared plots, planted plots,
# {case: (status, days open)}).
STORY = {
    "2023-04-30": ({"A"}, set(), {}),
    "2023-08-31": ({"A", "B", "C"}, set(), {"A#1": ("open", 30)}),
    "2023-09-30": ({"A", "B", "C"}, set(), {"A#1": ("re_cleared", 31)}),
    "2023-12-31": ({"A", "B", "C"}, {"R1"}, {"A#1": ("re_cleared", 31), "B#1": ("re_cleared", 0),
                                             "C#1": ("open", 11)}),
    "2024-05-31": ({"A", "B", "C", "D"}, {"R1", "R2", "R3"},
                   {"A#1": ("re_cleared", 31), "A#2": ("open", 30), "B#1": ("re_cleared", 0),
                    "C#1": ("re_cleared", 117)}),
}  # fmt: skip


@pytest.mark.parametrize("day", sorted(STORY))
def test_the_story_as_it_stood_at_the_end_of_each_day(story, day):
    cleared, planted, cases = STORY[day]
    frames = story.frames(as_of=day)
    assert frames.as_of == datetime.date.fromisoformat(day)
    assert set(frames.clearance["plot_id"]) == cleared
    assert set(frames.restoration["plot_id"]) == planted
    ledger = frames.ledger.set_index("case_id")
    got = {c: (ledger.at[c, "status"], int(ledger.at[c, "days_open"])) for c in ledger.index}
    assert got == cases


def test_progress_as_of_the_end_of_may(story):
    payload = json.loads(run(story, "progress", "--as-of", "2024-05", "--json"))
    assert payload["as_of"] == "2024-05-31"
    totals = payload["clearance"]["totals"]
    assert (totals["open_cases"], totals["plots"]) == (1, 4)
    assert totals["open_cases_by_kind"] == {"recurrence": 1, "new_infestation": 0}
    # No planting check before June: no survival yet.
    assert payload["restoration"]["totals"]["plots_checked"] == 0
    june = json.loads(run(story, "progress", "--as-of", "2024-06-30", "--json"))
    assert june["clearance"]["totals"]["open_cases_by_kind"] == {
        "recurrence": 1,
        "new_infestation": 1,
    }
    assert june["restoration"]["totals"]["plots_checked"] == 2
    text = run(story, "progress", "--as-of", "2024-05")
    assert text.splitlines()[0] == "As of 2024-05-31 (the end of that day):"
    assert "open cases: 1 (1 recurrence case, 0 new patches)" in text


def test_ledger_and_exports_as_of_a_day(story, tmp_path):
    run(story, "ledger", "--as-of", "2024-05-31", "-o", tmp_path / "ledger.csv")
    ledger = pd.read_csv(tmp_path / "ledger.csv")
    assert sorted(ledger.iloc[:, 0]) == ["A#1", "A#2", "B#1", "C#1"]
    run(story, "export", "cases", "--as-of", "2024-05", "-o", tmp_path / "cases.gpkg")
    assert len(geopandas.read_file(tmp_path / "cases.gpkg", layer="cases")) == 4
    run(story, "export", "plots", "--kind", "clearance", "--as-of", "2023-05-10",
        "-o", tmp_path / "plots.geojson")  # fmt: skip
    assert len(geopandas.read_file(tmp_path / "plots.geojson")) == 2  # A and B
    run(story, "export", "ledger", "--as-of", "2023-09", "-o", tmp_path / "台账.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "台账.xlsx").active
    assert "2023-09-30" in str(sheet["A1"].value)
    assert sheet.max_row - 2 == 1  # A#1 only, under the title and the header


def _hand_timeline(frames, month):
    """What the demo's whole record says was true at the end of ``month``,
    worked out from dates alone: plots cleared and planted by then; cases
    found by then and not cleared again by then, by kind; image dates by then."""
    end = pd.Period(month, freq="M").end_time.date()
    ledger = frames.ledger
    found = ledger["first_detected"].dt.date <= end
    again = ledger["re_cleared_at"].dt.date
    open_ = found & (again.isna() | (again > end))
    return {
        "cleared_mu": round(frames.clearance.loc[
            frames.clearance["cleared_on"] <= end, "area_mu"].sum(), 6),
        "planted_mu": round(frames.restoration.loc[
            frames.restoration["planted_on"] <= end, "area_mu"].sum(), 6),
        "open": {k: int((open_ & ledger["kind"].eq(k)).sum())
                 for k in ("recurrence", "new_infestation")},
        "images": sorted({d for d in frames.cover["image_date"] if d <= end}),
    }  # fmt: skip


def test_every_month_of_the_demo_against_a_hand_built_timeline(demo):
    whole = demo.map_data()
    first, last = whole.records["observed_at"].min(), whole.records["observed_at"].max()
    checked = 0
    for month in months(first.date(), last.date()):
        then = whole.at(as_of_day(month))
        progress = then.clearance_progress.totals
        counts = case_counts(then.ledger)
        got = {
            "cleared_mu": round(progress["cleared_mu"], 6),
            "planted_mu": round(then.restoration_progress.totals["planted_mu"], 6),
            "open": {k: counts["by_kind"][k]["open"] for k in ("recurrence", "new_infestation")},
            "images": sorted(set(then.cover["image_date"])),
        }
        assert got == _hand_timeline(whole, month), month
        checked += 1
    assert checked == 20  # 2023-05 to 2024-12
    # The CLI reads the store as of the day and says the same.
    may = json.loads(run(demo, "progress", "--as-of", "2024-05", "--json"))
    assert (
        may["clearance"]["totals"]["open_cases"]
        == 4
        == sum(_hand_timeline(whole, "2024-05")["open"].values())
    )


def test_the_may_report_says_what_was_true_at_the_end_of_may(demo, tmp_path):
    frames = demo.frames(every_record=True)
    document = build_report(frames, "2024-05")
    texts = [p.text for p in document.paragraphs]
    assert "数据截至 2024-05-31，由海林生成。" in texts
    numbers = document.tables[0]
    assert [c.text for c in numbers.rows[5].cells][:3] == ["未处置案件（处）", "", "4"]
    new_cases, open_cases = document.tables[1], document.tables[2]
    for table in (new_cases, open_cases):
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            found = datetime.date.fromisoformat(cells[4])
            assert found <= MAY
            assert int(cells[6]) == (MAY - found).days
    assert len(open_cases.rows) - 1 == 4
    assert {r.cells[0].text for r in open_cases.rows[1:]} == {
        "NEW-20240312-01#1",
        "CC-KW-015#2",
        "CC-KW-026#2",
        "CC-KW-028#2",
    }
    said = run(demo, "report", "--month", "2024-05", "-o", tmp_path / "may.docx")
    assert said.startswith("report for 2024-05 (as of 2024-05-31) written to ")
    table = docx.Document(tmp_path / "may.docx").tables[2]
    assert len(table.rows) - 1 == 4


def test_a_withdrawal_counts_from_the_day_it_was_made(tmp_path):
    """Records of an upload withdrawn later are in the record as of any day
    before the withdrawal: read back from the archived file."""
    ws = build(tmp_path)
    extra = tmp_path / "late.csv"
    extra.write_text(
        "observed_at,wkt,patrol_type,team,observer,finding,action\n"
        "2024-05-20 09:00,POINT (120.378300 27.247000),city_joint,专班,林 王,spartina_regrowth,"
        "reported\n",
        encoding="utf-8",
    )
    upload = ws.import_file(extra).upload_id

    def first_found(**options):
        ledger = ws.frames(**options).ledger.set_index("case_id")
        return ledger.at["D#1", "first_detected"].strftime("%Y-%m-%d")

    assert first_found(as_of="2024-05-31") == "2024-05-20"
    ws.withdraw_upload(upload, reason="wrong plot")
    # Now the finding is gone: D's case starts with the story's 06-10 finding.
    assert first_found() == "2024-06-10"
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    assert first_found(as_of=today) == "2024-06-10"
    # Before the withdrawal was made, the upload stood: read back from its archive.
    assert first_found(as_of="2024-05-31") == "2024-05-20"
    yesterday = today - datetime.timedelta(days=1)
    assert first_found(as_of=yesterday) == "2024-05-20"
    records = ws.frames(every_record=True, as_of=yesterday).records
    assert (records["observer"] == "林 王").sum() == 1
