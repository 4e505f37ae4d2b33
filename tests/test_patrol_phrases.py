"""Phrases as patrols really write them (issue 22): numbers and units kept,
partial removals left open, traditional characters, slips, plans and
hand-overs, tide reasons, work in progress, enforcement, suspicions.

Each row gives the exact finding, action, remainder and measurements a phrase
must give; the Spartina rows are then imported and the ledger must leave each
case open, or re-clear it, as the row says."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hailin.geo.units import M2_PER_HA, M2_PER_MU
from hailin.surveys.check.quantities import measure_values, read_quantity, settle
from hailin.surveys.check.words import read_phrase
from hailin.surveys.workspace import Workspace

R, N, S = "spartina_regrowth", "spartina_new", "spartina_suspected"
REMOVED, CLEAR, DAMAGE = "spartina_removed", "clear", "mangrove_damage"
HARVEST, CHECK = "seedling_harvest", "planting_check"
AREA, COVER, SURVIVAL = "patch_area_m2", "cover_pct", "survival_pct"


def F(text, finding, action=None, remaining=None, **measures):
    return pytest.param(text, finding, action, remaining, measures, id=text)


# (finding phrase, finding, action, what a partial removal left, measurements filled)
FINDINGS = [
    # Partial removals: the case stays open, the remainder kept (the six first).
    F("复萌3处已处理2处", R, "partly_removed", "1处"),
    F("复萌，已清除90%", R, "partly_removed", "10%"),
    F("复萌2处，清除1处", R, "partly_removed", "1处"),
    F("regrowth, removed 2 of 3 clumps", R, "partly_removed", "1 clumps"),
    F("复萌约3平方米，已清除2平方米", R, "partly_removed", "1平方米", patch_area_m2=3.0),
    F("复萌三处，清除两处", R, "partly_removed", "1处"),
    F("复萌十二株，已拔除十株", R, "partly_removed", "2株"),
    F("复萌，部分清除", R, "partly_removed"),
    F("复萌，清除一半", R, "partly_removed", "50%"),
    F("复萌，清除百分之八十", R, "partly_removed", "20%"),
    F("复萌2亩，清除1亩", R, "partly_removed", "666.667平方米", patch_area_m2=1333.3333333),
    F("新发1亩，已清除0.5亩", N, "partly_removed", "333.333平方米", patch_area_m2=666.6666667),
    F("regrowth about 3 sqm, removed 1 sqm", R, "partly_removed", "2平方米", patch_area_m2=3.0),
    F("new patch, partly removed", N, "partly_removed"),
    F("復萌3處，已處理2處", R, "partly_removed", "1处"),
    F("复萌 3 clumps，已清除 1 clump", R, "partly_removed", "2 clumps"),
    F("复萌5处，现场拔除4处，剩余1处待清除", R, "partly_removed", "1处"),
    F("新发3处，清除2/3处", N, "partly_removed", "1处"),
    # Everything found removed: the case is re-cleared.
    F("复萌3处已处理3处", R, "removed"),
    F("复萌，已清除100%", R, "removed"),
    F("复萌两丛，已拔除两丛", R, "removed"),
    F("新发2处，已清除2处", N, "removed"),
    F("regrowth 3 clumps, removed 3 clumps", R, "removed"),
    F("复萌1处，已清除，盖度5%", R, "removed", cover_pct=5.0),
    F("互花米草復萌約3平方米，已清除", R, "removed", patch_area_m2=3.0),
    F("复萌，清除3 of 3 clumps", R, "removed"),
    # Measurements typed in the text.
    F("复萌约3平方米", R, patch_area_m2=3.0),
    F("复萌，盖度10%", R, cover_pct=10.0),
    F("复萌约5平方米，盖度20%", R, patch_area_m2=5.0, cover_pct=20.0),
    F("复萌，盖度约10%，已上报", R, "reported", cover_pct=10.0),
    F("复萌0.5亩", R, patch_area_m2=333.3333333),
    F("新发约0.1公顷", N, patch_area_m2=1000.0),
    F("新发，面积约20㎡，待清除", N, "pending", patch_area_m2=20.0),
    F("regrowth, cover 15%", R, cover_pct=15.0),
    F("regrowth 2 m2", R, patch_area_m2=2.0),
    F("种植成活检查，成活率85%", CHECK, survival_pct=85.0),
    F("成活率85%", CHECK, survival_pct=85.0),
    F("种植检查，存活率90%", CHECK, survival_pct=90.0),
    F("复萌3处", R),
    F("零星复萌，约20株", R),
    # Traditional characters (OpenCC) and slips (己/已, 盟/萌).
    F("未見復萌", CLEAR),
    F("無異常", CLEAR),
    F("復萌", R),
    F("復萌已清除", R, "removed"),
    F("新發現互花米草", N),
    F("復萌，已處理", R, "removed"),
    F("未發現互花米草", CLEAR),
    F("紅樹林未受破壞", CLEAR),
    F("復萌，無法清除（潮水）", R, "removal_blocked"),
    F("復萌，計劃下週清除", R, "pending"),
    F("採摘秋茄苗，已制止", HARVEST, "stopped"),
    F("己清除", REMOVED, "removed"),
    F("复萌己清除", R, "removed"),
    F("复盟", R),
    F("复盟已拔除", R, "removed"),
    F("复萌巳处理", R, "removed"),
    # Tide and access: removal blocked, the reason kept.
    F("复萌，无法清除（潮水）", R, "removal_blocked"),
    F("复萌，涨潮未能清除", R, "removal_blocked"),
    F("复萌，因潮水未清除", R, "removal_blocked"),
    F("复萌，潮水太大无法清除", R, "removal_blocked"),
    F("复萌，天气原因未能清除", R, "removal_blocked"),
    F("regrowth, could not remove (high tide)", R, "removal_blocked"),
    F("新发，淤泥太深无法靠近", N, "removal_blocked"),
    F("复萌，未清除", R, "none"),
    # Planned or handed over: pending, who and when in the notes.
    F("复萌，计划下周清除", R, "pending"),
    F("复萌，拟安排人工清除", R, "pending"),
    F("复萌，待安排清除", R, "pending"),
    F("复萌，交由施工单位处理", R, "pending"),
    F("复萌，已通知施工单位处理", R, "pending"),
    F("复萌，待处理（已拍照）", R, "pending"),
    F("复萌，明天清除", R, "pending"),
    F("复萌，安排人员下周清除", R, "pending"),
    F("复萌，移交施工方清除", R, "pending"),
    F("复萌，退潮后清除", R, "pending"),
    F("regrowth, removal scheduled next week", R, "pending"),
    F("regrowth, removal pending", R, "pending"),
    F("new, handed over to contractor", N, "pending"),
    F("复萌，已上报，待清除", R, "reported"),
    # Work in progress.
    F("复萌，清除中", R, "in_progress"),
    F("复萌，正在清除", R, "in_progress"),
    F("新发，施工中", N, "in_progress"),
    F("regrowth, removal in progress", R, "in_progress"),
    F("复萌，正在拔除", R, "in_progress"),
    # No action needed without a finding: nothing found.
    F("不需要处理", CLEAR, "none"),
    F("无需处理", CLEAR, "none"),
    F("现场查看，无需处理", CLEAR, "none"),
    F("no action needed", CLEAR, "none"),
    # People stopped (damage and seedling harvest), with the count in the notes.
    F("采摘秋茄苗，已制止", HARVEST, "stopped"),
    F("盗挖秋茄苗，已制止3人", HARVEST, "stopped"),
    F("红树林被砍伐，已制止", DAMAGE, "stopped"),
    F("发现有人采苗，制止教育有关群众100多名", HARVEST, "stopped"),
    F("seedling harvest, stopped", HARVEST, "stopped"),
    F("红树林受损，已劝离", DAMAGE, "stopped"),
    # Suspicions: a finding of their own, a verification task.
    F("请复查", S),
    F("有复萌迹象", S),
    F("疑似复萌", S),
    F("疑似复萌待核实", S),
    F("疑似互花米草，请复查", S),
    F("复萌？请复查", S),
    F("疑似复萌，已上报", S, "reported"),
    F("未见复萌，请复查", S),
    F("suspected regrowth", S),
    F("possible regrowth, please recheck", S),
    F("signs of regrowth", S),
    F("疑似復萌，請複查", S),
    F("不确定是否复萌，需复查", S),
    F("好像有新发，待确认", S),
    # Signs denied are nothing found.
    F("no signs of regrowth", CLEAR),
    F("无复萌迹象", CLEAR),
    F("未见复萌迹象", CLEAR),
    # Mixed Chinese and English.
    F("Regrowth 复萌，已拔除", R, "removed"),
    F("复萌, removal pending", R, "pending"),
    F("new 新发 2处, removed 1处", N, "partly_removed", "1处"),
]

# (action phrase, action, remainder, quantity removed as written)
ACTIONS = [
    ("已处理2处", "removed", None, "2处"),
    ("已清除90%", "partly_removed", "10%", "90%"),
    ("已清除一半", "partly_removed", "50%", "一半"),
    ("已清除100%", "removed", None, "100%"),
    ("已拔除2丛", "removed", None, "2丛"),
    ("清除中", "in_progress", None, None),
    ("正在清除", "in_progress", None, None),
    ("计划下周清除", "pending", None, None),
    ("拟安排人工清除", "pending", None, None),
    ("待安排清除", "pending", None, None),
    ("交由施工单位处理", "pending", None, None),
    ("已通知施工单位处理", "pending", None, None),
    ("待处理（已拍照）", "pending", None, None),
    ("无法清除（潮水）", "removal_blocked", None, None),
    ("涨潮未能清除", "removal_blocked", None, None),
    ("不需要处理", "none", None, None),
    ("无需处理", "none", None, None),
    ("已制止", "stopped", None, None),
    ("制止3人", "stopped", None, "3人"),
    ("removal scheduled next week", "pending", None, None),
    ("removal pending", "pending", None, None),
    ("partly removed", "partly_removed", None, None),
    ("could not remove", "removal_blocked", None, None),
    ("in progress", "in_progress", None, None),
    ("已處理", "removed", None, None),
    ("無法清除", "removal_blocked", None, None),
    ("未清除", "none", None, None),
    ("已上报", "reported", None, None),
    ("removed 2 of 3 clumps", "partly_removed", "1 clumps", "2 of 3 clumps"),
    ("已清除2/3处", "partly_removed", "1处", "2/3处"),
]

# (vocabulary, phrase, the reason it is refused)
REFUSED = [
    ("finding", "复萌，不需要处理", "'不需要处理' (no action needed); Spartina found always needs"),
    ("finding", "复萌，无需处理", "'无需处理' (no action needed)"),
    ("finding", "复萌，已制止", "goes with damage (破坏) or seedling harvest (采摘)"),
    ("finding", "复萌3处，清除2平方米", "cannot tell whether all was removed: found 3处, removed"),
    ("finding", "复萌2处，清除3处", "says more removed (3处) than found (2处)"),
    ("finding", "已清除90%", "so Spartina remains: say whether it is regrowth (复萌) or new"),
    ("finding", "部分清除", "so Spartina remains"),
    ("finding", "疑似复萌，已拔除", "says suspected and removed"),
    ("finding", "复萌10%", "does not say what '10%' is of: write 盖度 (cover) before it"),
    ("finding", "约3平方米", "names no finding"),
    ("finding", "盖度10%", "names no finding"),
    ("finding", "复萌，盖度3处", "but 盖度 takes a percentage"),
    ("finding", "已制止", "names no finding"),
    ("finding", "涨潮未能清除", "names no finding"),
    ("action", "复萌", "names a finding, not an action"),
    ("action", "已清除，待处理", "says both removed"),
    ("action", "清除中，无", "says both"),
]


@pytest.mark.parametrize(("text", "finding", "action", "remaining", "measures"), FINDINGS)
def test_finding_phrases_with_their_quantities(text, finding, action, remaining, measures):
    reading = read_phrase(text, "finding")
    assert reading.problem is None
    assert (reading.code, reading.action, reading.remaining) == (finding, action, remaining)
    assert {f: pytest.approx(v) for f, v, _words in reading.measures} == measures


@pytest.mark.parametrize(("text", "action", "remaining", "done"), ACTIONS)
def test_action_phrases_with_their_quantities(text, action, remaining, done):
    reading = read_phrase(text, "action")
    assert (reading.code, reading.problem, reading.remaining) == (action, None, remaining)
    assert (reading.done.text if reading.done else None) == done


@pytest.mark.parametrize(("vocabulary", "text", "reason"), REFUSED)
def test_contradictions_are_refused_with_the_reason(vocabulary, text, reason):
    reading = read_phrase(text, vocabulary)
    assert reading.code is None
    assert reason in reading.problem


def test_the_table_holds_at_least_150_phrasings():
    assert len(FINDINGS) + len(ACTIONS) + len(REFUSED) >= 150


SPARTINA_ROWS = [p.values for p in FINDINGS if p.values[1] in (R, N)]


def test_the_ledger_leaves_partial_removals_open(tmp_path):
    """Every Spartina row above, each on a plot of its own: a case the row
    removed whole is re-cleared, every other case stays open."""
    plots, records = io.StringIO(), io.StringIO()
    plots.write("图斑编号,除治日期,wkt\n")
    records.write("时间,经度,纬度,巡查类型,发现\n")
    for number, (text, *_rest) in enumerate(SPARTINA_ROWS):
        x, y = 120.30 + (number % 20) * 0.002, 27.24 + (number // 20) * 0.002
        box = f"POLYGON(({x} {y},{x + 0.001} {y},{x + 0.001} {y + 0.001},{x} {y + 0.001},{x} {y}))"
        plots.write(f'P{number:03d},2024-01-10,"{box}"\n')
        quoted = text.replace('"', '""')
        records.write(f'2024-05-03 09:00,{x + 0.0005},{y + 0.0005},乡镇巡查,"{quoted}"\n')
    workspace = Workspace.create(tmp_path / "ws")
    (tmp_path / "plots.csv").write_text(plots.getvalue(), encoding="utf-8")
    (tmp_path / "patrol.csv").write_text(records.getvalue(), encoding="utf-8")
    assert workspace.import_file(tmp_path / "plots.csv", kind="clearance").status == "accepted"
    summary = workspace.import_file(tmp_path / "patrol.csv")
    assert (summary.status, summary.rows_accepted) == ("accepted", len(SPARTINA_ROWS))
    ledger, _patches = workspace.ledger()
    status = dict(zip(ledger["plot_id"], ledger["status"], strict=True))
    expected = {
        f"P{n:03d}": "re_cleared" if action == "removed" else "open"
        for n, (_text, _finding, action, *_rest) in enumerate(SPARTINA_ROWS)
    }
    assert status == expected
    assert sum(s == "open" for s in status.values()) >= 40


# -- the unit maths, for any number ----------------------------------------------------------
amounts = st.decimals(min_value="0.01", max_value="99999", places=2).map(str)


@settings(max_examples=200, deadline=None)
@given(
    amounts, st.sampled_from([("亩", M2_PER_MU), ("公顷", M2_PER_HA), ("平方米", 1.0), ("m2", 1.0)])
)
def test_areas_are_converted_to_square_metres(amount, unit):
    word, factor = unit
    quantity = read_quantity(f"{amount}{word}")
    assert quantity.kind == "area"
    assert quantity.value == pytest.approx(float(amount) * factor)
    numbers, bad = measure_values([f"{amount}{word}", f"约{amount} {word}"], "area")
    assert not bad.any() and numbers == pytest.approx([float(amount) * factor] * 2)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 500), st.integers(0, 500))
def test_a_removal_closes_only_when_it_covers_what_was_found(found, done):
    if done > found:
        with pytest.raises(ValueError, match="more removed"):
            settle(read_quantity(f"{found}处"), read_quantity(f"{done}处"))
        return
    complete, left = settle(read_quantity(f"{found}处"), read_quantity(f"{done}处"))
    assert complete == (done == found)
    assert left == (None if complete else f"{found - done}处")
    reading = read_phrase(f"复萌{found}处，已清除{done}处", "finding")
    assert reading.action == ("removed" if complete else "partly_removed")
