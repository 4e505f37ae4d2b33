"""The programme's statistics on a hand-built workspace (tests/stats_workspace.py),
against answers worked out by hand from its story."""

import math

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from hailin.geo.area import M2_PER_MU
from hailin.notebook import NotebookWorkspace
from hailin.surveys.errors import SettingsError, StatisticsError
from hailin.surveys.settings import parse_settings
from hailin.surveys.stats import TOTAL, StatTable, people, period
from hailin.surveys.workspace import Workspace
from tests.conftest import geod_area_m2
from tests.stats_workspace import CLEARANCE, RESTORATION, TRACK, build

# Reference areas in mu: pyproj's geodesic areas of the boxes.
MU = {k: geod_area_m2(v[0]) / M2_PER_MU for k, v in {**CLEARANCE, **RESTORATION}.items()}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return NotebookWorkspace(build(tmp_path_factory.mktemp("stats")))


def test_recurrence_plots_re_cleared_per_year(ws):
    table = ws.recurrence()
    assert isinstance(table, StatTable)
    # Years are integers: table.loc[2023] is the year's row.
    assert table.index.tolist() == [2023, 2024, TOTAL]
    assert table.loc[2023, "cases_opened"] == 3
    # 2023: cases opened in A, B, C; A and B re-cleared. 2024: A again and D
    # opened; A and C re-cleared. A plot re-cleared in both years counts once in the total.
    assert table["cases_opened"].tolist() == [3, 2, 5]
    assert table["plots_with_cases_opened"].tolist() == [3, 2, 4]
    assert table["cases_re_cleared"].tolist() == [2, 2, 4]
    assert table["plots_re_cleared"].tolist() == [2, 2, 3]
    assert table["new_patch_cases_opened"].tolist() == [0, 1, 1]
    expected = [MU["A"] + MU["B"], MU["A"] + MU["C"], MU["A"] + MU["B"] + MU["C"]]
    np.testing.assert_allclose(table["re_cleared_mu"], expected, rtol=1e-5)


def test_open_cases_both_kinds_with_their_township(ws):
    table = ws.open_cases()
    assert sorted(table.body.index) == ["D#1", "NEW-20240620-01#1"]
    assert table.loc["D#1", "township"] == "佳阳畲族乡"
    # The new patch lies outside every reserve: counted in the nearest one's township.
    assert table.loc["NEW-20240620-01#1", "township"] == "店下镇"
    assert int(table.loc[TOTAL, "cases"]) == 2
    by_kind = ws.open_cases(by="kind")
    assert by_kind["cases"].tolist() == [1, 1, 2]
    assert by_kind.index.tolist() == ["new_infestation", "recurrence", TOTAL]
    assert ws.cases_by_kind().loc[TOTAL, "open"] == 2


def test_patrol_effort_by_mode_last_quarter(ws):
    table = ws.effort(by="mode", when="2024Q1")
    assert table.index.tolist() == ["city_joint", "township_patrol", TOTAL]
    assert table["patrols"].tolist() == [1, 3, 4]
    assert table["patrol_days"].tolist() == [1, 2, 3]
    # 林 and 陈 out together on 01-10 (two records) count 2; 吴 1; 林 on 01-11 1; the joint patrol 3.
    assert table["person_times"].tolist() == [3, 4, 7]
    assert table["records"].tolist() == [2, 4, 6]
    assert table["tracks"].tolist() == [1, 0, 1]
    line = shapely.from_wkt(TRACK)
    km = pyproj.Geod(ellps="GRS80").geometry_length(line) / 1000.0
    assert table.loc["city_joint", "km"] == pytest.approx(km, rel=1e-9)
    assert table.loc[TOTAL, "km"] == pytest.approx(km, rel=1e-9)


def test_patrol_effort_by_team_and_month(ws):
    table = ws.effort(by="team", when=("2024-01-01", "2024-01-31"))
    assert table.index.tolist() == ["前岐镇", "店下镇", TOTAL]
    assert table["patrols"].tolist() == [2, 1, 3]
    assert table["person_times"].tolist() == [3, 1, 4]
    # Two teams out on 01-10: patrol days do not add up across teams.
    assert table["patrol_days"].tolist() == [2, 1, 2]
    months = ws.effort(by="month", when=2024)
    assert months.loc[pd.Period("2024-01", "M"), "patrols"] == 3
    # 2024-04: C removed (joint) and the contractor's inspection: two patrols.
    assert months.loc[pd.Period("2024-04", "M"), "patrols"] == 2
    with pytest.raises(StatisticsError, match="effort is grouped by"):
        ws.effort(by="weather")


def test_area_cleared_by_township_this_year_against_target(ws):
    table = ws.cleared_area(by="township", when=2023)
    assert table.index.tolist() == ["前岐镇", "店下镇", TOTAL]
    assert table["plots"].tolist() == [2, 1, 3]
    np.testing.assert_allclose(
        table["area_mu"], [MU["A"] + MU["B"], MU["C"], MU["A"] + MU["B"] + MU["C"]], rtol=1e-5
    )
    np.testing.assert_allclose(table["area_ha"], table["area_mu"] / 15.0)
    # 前岐镇's 2023 target is 5; 店下镇 has one target for the programme, none for 2023;
    # the year's target is 10.
    assert table.loc["前岐镇", "target_mu"] == 5.0
    assert math.isnan(table.loc["店下镇", "target_mu"])
    assert table.loc[TOTAL, "target_mu"] == 10.0
    assert table.loc["前岐镇", "pct_of_target"] == pytest.approx(
        100 * (MU["A"] + MU["B"]) / 5, rel=1e-5
    )
    whole = ws.cleared_area(by="township")
    # For the whole programme: 前岐镇 5 + 3 by year, 店下镇 4, the total of hailin.toml.
    assert whole.loc["前岐镇", "target_mu"] == 8.0
    assert whole.loc["店下镇", "target_mu"] == 4.0
    assert whole.loc[TOTAL, "target_mu"] == 1883.0


def test_area_cleared_by_month_and_method(ws):
    months = ws.cleared_area(by="month", when=2023)
    assert months.index.tolist() == [pd.Period("2023-04", "M"), pd.Period("2023-05", "M"), TOTAL]
    assert months["target_mu"].tolist() == [2.0, 6.0, 10.0]
    np.testing.assert_allclose(
        months["cumulative_mu"].iloc[:2], [MU["A"], MU["A"] + MU["B"] + MU["C"]], rtol=1e-5
    )
    methods = ws.cleared_area(by="method")
    assert methods.index.tolist() == ["刈割+围淹", "刈割+翻耕", "药剂", TOTAL]
    assert methods["plots"].tolist() == [2, 1, 1, 4]
    q2 = ws.cleared_area(by="site", when="2024Q2")
    assert q2.index.tolist() == ["luochun", TOTAL]


def test_planted_area_by_funding_year_and_survival(ws):
    funding = ws.planted_area(by="funding")
    assert funding.index.tolist() == ["公益基金", "财政资金", TOTAL]
    np.testing.assert_allclose(
        funding["area_mu"], [MU["R1"] + MU["R3"], MU["R2"], MU["R1"] + MU["R2"] + MU["R3"]],
        rtol=1e-5,
    )  # fmt: skip
    # 公益基金: R1 checked (80 %), R3 not; 财政资金: R2's two checks of one day, 60 and 70.
    assert funding["survival_pct"].iloc[:2].tolist() == [80.0, 65.0]
    weighted = (80 * MU["R1"] + 65 * MU["R2"]) / (MU["R1"] + MU["R2"])
    assert funding.loc[TOTAL, "survival_pct"] == pytest.approx(weighted, rel=1e-6)
    years = ws.planted_area(by="year")
    assert years["target_mu"].tolist() == [3.0, 8.0, 1070.0]
    townships = ws.planted_area(by="township", when=2024)
    assert townships.index.tolist() == ["前岐镇", "店下镇", TOTAL]
    survival = ws.survival()
    assert survival.loc["R1", "survival_pct"] == 80.0
    assert survival.loc["R2", "survival_pct"] == 65.0
    assert math.isnan(survival.loc["R3", "survival_pct"])
    assert survival.loc[TOTAL, "survival_pct"] == pytest.approx(weighted, rel=1e-6)


def test_tables_show_sensible_precision_and_keep_raw_values(ws):
    table = ws.cleared_area(by="township", when=2023)
    html = table._repr_html_()
    assert f"{MU['C']:.2f}" in html and f"{MU['C'] / 15:.4f}" in html
    assert f"{MU['C']:.3f}" not in html
    assert table.loc["店下镇", "area_mu"] == pytest.approx(MU["C"], rel=1e-5)
    assert repr(table).splitlines()[-1].split()[:3] == [
        "total",
        "3",
        f"{sum(MU[k] for k in 'ABC'):.2f}",
    ]


def test_targets_are_checked():
    with pytest.raises(SettingsError, match=r"targets\.clearance\.by_month\.2023-13"):
        parse_settings('[targets.clearance.by_month]\n"2023-13" = 5\n')
    with pytest.raises(SettingsError, match="did you mean 'by_year'"):
        parse_settings("[targets.clearance.by_yaer]\n2023 = 5\n")
    with pytest.raises(SettingsError, match="should not be negative"):
        parse_settings('[targets.restoration.by_township]\n"前岐镇" = -1\n')
    settings = parse_settings(
        '[targets.clearance.by_township]\n"前岐镇" = { 2023 = 5, 2024 = 3 }\n'
    )
    assert settings.targets.clearance.township("前岐镇") == 8.0
    assert settings.targets.clearance.township("前岐镇", "2024") == 3.0


def test_periods():
    assert str(period("2024Q1")) == "2024-01-01 to 2024-03-31"
    with pytest.raises(StatisticsError, match="is not a year"):
        period("last week")


def test_progress_command_gives_plots_re_cleared_per_year(ws):
    from click.testing import CliRunner

    from hailin.cli import main

    result = CliRunner().invoke(main, ["-w", ws.root, "progress"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    ab, ac = MU["A"] + MU["B"], MU["A"] + MU["C"]
    assert f"plots re-cleared in 2023: 2 ({ab:,.2f} mu), cases opened: 3" in lines
    assert f"plots re-cleared in 2024: 2 ({ac:,.2f} mu), cases opened: 2" in lines
    assert "open cases: 2 (1 recurrence case, 1 new patch)" in lines


def test_target_columns_are_always_there_with_a_note_when_none_is_set(ws, tmp_path):
    # No target by method: the columns are there, empty but for the programme's total.
    methods = ws.cleared_area(by="method")
    assert {"target_mu", "pct_of_target"} <= set(methods.columns)
    assert methods.body["target_mu"].isna().all() and methods.loc[TOTAL, "target_mu"] == 1883
    sites = ws.cleared_area(by="site", when="2024Q2")
    assert sites["target_mu"].isna().all()
    assert sites.note.startswith("no clearance targets set for this grouping")
    assert sites.note in repr(sites) and "<caption>" in sites._repr_html_()
    # A workspace with no targets at all: empty target columns, the note says where to set them.
    bare = NotebookWorkspace(Workspace.create(tmp_path / "bare"))
    table = bare.cleared_area(by="township", when=2024)
    assert table.columns.tolist()[:5] == [
        "plots",
        "area_mu",
        "area_ha",
        "target_mu",
        "pct_of_target",
    ]
    assert table.note and "[targets.clearance]" in table.note
    # Where targets are set there is no note.
    assert ws.cleared_area(by="township", when=2023).note is None


def test_observers_are_parted_by_every_separator_teams_write():
    assert people("赵六 钱七") == {"赵六", "钱七"}
    assert people("赵六\u3000钱七／孙八;李九；周十,吴一，郑二、王三/冯四") == {
        "赵六", "钱七", "孙八", "李九", "周十", "吴一", "郑二", "王三", "冯四"
    }  # fmt: skip


def test_the_demo_has_crews_so_person_times_mean_something(portal_template):
    effort = NotebookWorkspace(Workspace(portal_template)).effort(by="mode")
    assert effort.loc[TOTAL, "person_times"] > effort.loc[TOTAL, "patrols"]
    # Contractors walk in twos, township teams in threes, the digital monitor alone.
    assert (
        effort.loc["contractor_daily", "person_times"]
        == 2 * effort.loc["contractor_daily", "patrols"]
    )
    assert (
        effort.loc["township_patrol", "person_times"]
        == 3 * effort.loc["township_patrol", "patrols"]
    )
    assert effort.loc["digital_monitoring", "person_times"] == effort.loc[
        "digital_monitoring", "patrols"]  # fmt: skip
