"""The recurrence-risk ranking on a generated history with a known rule:
plots cleared by mowing only regrow often in their first 240 days."""

import datetime
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from hailin.cli import main
from hailin.surveys.risk import (
    day_number,
    evaluate_risk,
    features_at,
    frames_as_of,
    rank_as_of,
    read_history,
)
from hailin.surveys.risk.model import BASELINES
from tests.risk_workspace import MOWING, build

CUTOFF = datetime.date(2024, 9, 1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return build(tmp_path_factory.mktemp("risk") / "ws")


@pytest.fixture(scope="module")
def history(generated):
    return read_history(generated.frames())


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", ws.root, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_model_beats_both_baselines_after_the_cutoff(history):
    result = evaluate_risk(history, day_number(CUTOFF), weeks=4)
    model, scores = result["model"], result["scores"]
    assert model.fallback is None and model.method == "model"
    assert result["test"]["days"] == 10 and result["test"]["positives"] > 50
    for baseline in BASELINES:
        assert scores["model"]["auc"] > scores[baseline]["auc"] + 0.02
        assert scores["model"]["precision_10"] > scores[baseline]["precision_10"]
    # Fitted only on windows that ended by the cut-off.
    assert model.trained_on["days"] == 20


def test_features_of_a_day_are_what_was_known_then(history):
    day = day_number(datetime.date(2024, 3, 1))
    features = features_at(history, day)
    plots = history.plots
    assert set(features.index) == set(plots.index[plots["cleared"] <= day])
    # A plot never re-cleared: days since clearance is the days since cleared_on.
    quiet = [p for p in features.index if p not in set(history.re_cleared["plot_id"])]
    plot = quiet[0]
    assert features.loc[plot, "days_since_clearance"] == day - plots.loc[plot, "cleared"]
    found = history.findings
    before = found[(found["plot_id"] == "KE-001") & (found["day"] <= day)]
    assert features.loc["KE-001", "past_cases"] >= 1
    assert features.loc["KE-001", "open_case"] == 1.0
    assert len(before) >= 1


def test_ranking_as_of_reads_nothing_later(generated):
    day = datetime.date(2024, 3, 1)
    _model, ranked, cut = rank_as_of(generated.frames(), day, 4)
    end = pd.Timestamp("2024-03-02", tz="Asia/Shanghai")
    assert (
        cut.findings["observed_at"].max() < end <= generated.frames().findings["observed_at"].max()
    )
    assert cut.inspections["observed_at"].max() < end
    assert (cut.clearance["cleared_on"] <= day).all()
    assert len(ranked) == len(cut.clearance) < len(generated.frames().clearance)
    assert (cut.ledger["first_detected"].dt.date <= day).all()
    assert frames_as_of(generated.frames(), day).as_of == day


def test_risk_prints_the_ranking_with_reasons_in_words(generated):
    output = run(generated, "risk", "--as-of", CUTOFF.isoformat(), "--top", "5")
    lines = output.splitlines()
    assert lines[0].startswith("复萌风险排序（截至 2024-09-01，未来 4 周）：逻辑回归模型")
    assert len(lines) == 2 + 5
    # The rule is learnt: the top plots are mown-only, and say so.
    assert all(f"清除方式 {MOWING}" in line for line in lines[2:])
    payload = json.loads(run(generated, "risk", "--as-of", "2024-09-01", "--json", "--top", "0"))
    assert payload["fallback"] is None and payload["plots_ranked"] == len(payload["plots"]) == 80
    top = payload["plots"][0]
    assert top["rank"] == 1 and 0 < top["risk"] < 1
    assert top["reasons"][0] == {"code": "method", "text": f"清除方式 {MOWING}"}


def test_evaluate_prints_auc_and_precision_beside_the_baselines(generated):
    lines = run(generated, "risk", "evaluate", "--cutoff", "2024-09-01").splitlines()
    assert lines[0] == "截止日 2024-09-01 前拟合：925 行、160 次发现、20 个时点"
    assert lines[2] == "方法  AUC  前10%准确率  前20%准确率"
    assert [line.split()[0] for line in lines[3:]] == ["模型", "除治后天数", "上季复萌（基线）"]


def test_too_short_a_history_falls_back_and_says_so(tmp_path):
    short = build(tmp_path / "short", end=datetime.date(2023, 3, 15), per_site=6, span_days=20)
    payload = json.loads(run(short, "risk", "--as-of", "2023-03-15", "--json"))
    assert payload["fallback"] == "too_few_days"
    assert payload["method"] in BASELINES
    assert payload["note"].startswith("历史记录不足")
    assert payload["plots_ranked"] == 12 and all(p["risk"] is None for p in payload["plots"])
    output = run(short, "risk", "evaluate", "--cutoff", "2023-03-01")
    assert "历史记录不足" in output and "不拟合模型，改用最佳基线" in output


def test_the_demo_is_ranked_by_the_baseline_that_its_own_past_supports(demo_copy):
    """The demo's regrowth is random: too few findings late in the record to
    check a model, so the best baseline ranks, and the command says so."""
    ws = demo_copy
    payload = json.loads(run(ws, "risk", "--as-of", "2024-06-01", "--json", "--top", "3"))
    assert (payload["method"], payload["fallback"]) == ("days_since_clearance", "not_validated")
    assert payload["note"].startswith("截止日前最后三分之一的时点或其之前没有发现互花米草")
    assert [p["reasons"][0]["code"] for p in payload["plots"]] == ["days_since_clearance"] * 3


def test_the_notebook_ranks_and_evaluates_as_the_commands_do(generated):
    from hailin.notebook import NotebookWorkspace

    ws = NotebookWorkspace(generated)
    ranked = ws.risk("2024-09-01")
    assert len(ranked) == 80 and ranked.attrs == {"method": "model", "fallback": None}
    assert ranked["reason"].iloc[0].startswith(f"清除方式 {MOWING}；")
    table = ws.evaluate_risk("2024-09-01")
    assert table.index.tolist() == ["model", *BASELINES]
    assert table.loc["model", "auc"] > table["auc"].iloc[1:].max()


def test_a_case_not_yet_cleared_again_is_ranked(tmp_path):
    """Plots from GeoJSON, one recurrence case found and none cleared again yet:
    the case's gap was matched to re-clearances by plot ids of two pandas dtypes
    (str where there are some, object where there are none): a MergeError."""
    from tests.stats_workspace import build as build_story

    story = build_story(tmp_path)
    payload = json.loads(run(story, "risk", "--as-of", "2023-08-31", "--json"))
    assert [p["plot_id"] for p in payload["plots"]] == ["A", "B", "C"]
    day = datetime.date(2023, 8, 31)
    features = features_at(read_history(story.frames(as_of=day)), day_number(day))
    # A: cleared 2023-04-10, regrowth found 2023-08-01 and still open.
    assert features.loc["A", ["past_cases", "open_case", "days_to_regrowth"]].tolist() == [
        1.0,
        1.0,
        113.0,
    ]
