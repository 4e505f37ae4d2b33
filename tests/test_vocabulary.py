"""Findings and actions read as a patrol team means them: negation wherever it
stands, compound phrases, unknown words refused and never guessed."""

import collections
import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hailin.surveys.check.words import code_for, read_column, read_phrase
from hailin.surveys.schema import WORDS
from hailin.surveys.workspace import Workspace
from tests.scenario import PLOT

REGROWTH, NEW, REMOVED = "spartina_regrowth", "spartina_new", "spartina_removed"
DAMAGE, HARVEST, CHECK = "mangrove_damage", "seedling_harvest", "planting_check"

# (what a team writes in the finding column, finding, the action its words name)
FINDINGS = [
    ("复萌", REGROWTH, None),
    ("互花米草复萌", REGROWTH, None),
    ("互花米草复萌约3平方米", REGROWTH, None),
    ("复萌点3处", REGROWTH, None),
    ("复萌，已上报", REGROWTH, "reported"),
    ("复萌点3处，已上报林业站", REGROWTH, "reported"),
    ("复萌已清除", REGROWTH, "removed"),
    ("发现复萌已拔除", REGROWTH, "removed"),
    ("复萌，现场拔除", REGROWTH, "removed"),
    ("复萌，已拔除并上报", REGROWTH, "removed"),
    ("复萌未清除", REGROWTH, "none"),
    ("复萌（待清除）", REGROWTH, "pending"),
    ("复萌，清除未完成", REGROWTH, "none"),
    ("复萌，已上报，待清除", REGROWTH, "reported"),
    ("复萌，已安排人员清除", REGROWTH, "pending"),
    ("复萌，正在清除", REGROWTH, "in_progress"),
    ("无人机巡查发现复萌", REGROWTH, None),
    ("新发", NEW, None),
    ("新发已清除", NEW, "removed"),
    ("新增图斑1处", NEW, None),
    ("新发现互花米草斑块，面积约20㎡，待清除", NEW, "pending"),
    ("未见复萌，但有新发", NEW, None),
    ("已拔除", REMOVED, "removed"),
    ("已清除", REMOVED, "removed"),
    ("互花米草已全部清除", REMOVED, "removed"),
    ("人工拔除完毕", REMOVED, "removed"),
    ("未见复萌", "clear", None),
    ("未发现互花米草复萌", "clear", None),
    ("没有发现互花米草", "clear", None),
    ("无复萌", "clear", None),
    ("未见复萌及新发", "clear", None),
    ("互花米草：未见", "clear", None),
    ("复萌：无", "clear", None),
    ("零星复萌，约20株", REGROWTH, None),
    ("未见明显复萌", "clear", None),
    ("未见异常", "clear", None),
    ("无异常", "clear", None),
    ("一切正常", "clear", None),
    ("无", "clear", None),
    ("未发现", "clear", None),
    ("未受破坏", "clear", None),
    ("红树林未受破坏", "clear", None),
    ("红树林受到破坏", DAMAGE, None),
    ("发现有人砍伐红树林", DAMAGE, None),
    ("采摘秋茄苗", HARVEST, None),
    ("未发现采摘秋茄苗", "clear", None),
    ("种植成活检查，成活率85%", CHECK, None),
    ("成活良好", CHECK, None),
    ("本次巡查未发现异常", "clear", None),
    ("已复查，未见复萌", "clear", None),
    # Punctuation, spaces and full-width forms as phones and Excel write them.
    ("\u3000复萌 ，  已上报\u3000", REGROWTH, "reported"),
    ("复萌；已清除。", REGROWTH, "removed"),
    ("复萌(已清除)", REGROWTH, "removed"),
    ("复萌\n已清除", REGROWTH, "removed"),
    ("ＲＥＧＲＯＷＴＨ", REGROWTH, None),
    ("复萌约３０㎡，待处理", REGROWTH, "pending"),
    # English.
    ("Regrowth, removed on the spot", REGROWTH, "removed"),
    ("regrowth - not removed", REGROWTH, "none"),
    ("regrowth, pending", REGROWTH, "pending"),
    ("No regrowth", "clear", None),
    ("no spartina found", "clear", None),
    ("none", "clear", None),
    ("new infestation, reported", NEW, "reported"),
    ("mangrove damage", DAMAGE, None),
    ("no damage to mangroves", "clear", None),
    ("nothing to report", "clear", None),
    ("Spartina regrowth found, pulled out", REGROWTH, "removed"),
    # The codes themselves.
    ("spartina_regrowth", REGROWTH, None),
    ("spartina_removed", REMOVED, "removed"),
]

# (what a team writes in the action column, action)
ACTIONS = [
    ("已清除", "removed"),
    ("现场拔除", "removed"),
    ("已处理", "removed"),
    ("已拔除并上报", "removed"),
    ("已上报", "reported"),
    ("上报", "reported"),
    ("未清除，已上报", "reported"),
    ("待处理", "pending"),
    ("未清除", "none"),
    ("未处理", "none"),
    ("尚未处理", "none"),
    ("无需处理", "none"),
    ("无", "none"),
    ("removed", "removed"),
    ("Reported", "reported"),
    ("pending", "pending"),
    ("not removed", "none"),
    ("removal pending", "pending"),
    ("已安排清除", "pending"),
    ("-", None),  # a placeholder is a blank
    ("／", None),
]

# (vocabulary, text, the reason given)
REFUSED = [
    ("finding", "外星人", "unknown finding '外星人'; expected one of spartina_regrowth (复萌"),
    (
        "finding",
        "柯湾外星人复萌",
        "unknown finding '柯湾外星人复萌' (not understood: '柯湾外星人'); expected one of",
    ),
    ("finding", "WP2", "unknown finding 'WP2' (not understood: 'wp'); expected one of"),
    (
        "finding",
        "互花米草",
        "finding '互花米草' does not say whether '互花米草' is regrowth (复萌) or new (新发)",
    ),
    ("finding", "发现异常", "finding '发现异常' does not say what '异常' was"),
    (
        "finding",
        "复萌及新发",
        "names two findings, spartina_regrowth (复萌) and spartina_new (新发); a row holds one",
    ),
    ("finding", "复萌，未见复萌", "says both spartina_regrowth ('复萌') and not ('未见复萌')"),
    ("finding", "已清除，未清除", "says both removed ('清除') and not ('未清除')"),
    ("finding", "未见复萌，已清除", "says both clear ('未见复萌') and removed ('清除')"),
    ("finding", "未见异常，复萌", "says both spartina_regrowth (复萌) and clear ('未见异常')"),
    ("finding", "已上报", "finding '已上报' names no finding; expected one of"),
    ("finding", "良好", "finding '良好' names no finding; expected one of"),
    ("finding", "待处理", "finding '待处理' names no finding"),
    ("finding", "不正常", "says '不正常', but clear cannot be negated"),
    ("finding", "待复萌", "says '待复萌', but 待 (pending) goes with an action"),
    ("finding", "复萌待", "says '复萌待', but 待 (pending) goes with an action"),
    ("finding", "未未见复萌", "negates twice ('未未见')"),
    ("finding", "regrowth, not not removed", "negates twice ('not not')"),
    ("finding", "复萌" * 51, "is 102 characters long (at most 100); put free text in the notes"),
    ("action", "外星人", "unknown action '外星人'; expected one of removed (清除, removed)"),
    ("action", "清除外星人", "unknown action '清除外星人' (not understood: '外星人')"),
    ("action", "复萌", "action '复萌' names a finding, not an action"),
    ("action", "现场", "action '现场' names no action; expected one of removed"),
    ("action", "已清除，无", "says both '无' and removed ('清除')"),
    ("action", "已清除，未清除", "says both removed ('清除') and not ('未清除')"),
]


@pytest.mark.parametrize(("text", "finding", "action"), FINDINGS)
def test_finding_phrases(text, finding, action):
    reading = read_phrase(text, "finding")
    assert (reading.code, reading.action, reading.problem) == (finding, action, None)


@pytest.mark.parametrize(("text", "action"), ACTIONS)
def test_action_phrases(text, action):
    reading = read_phrase(text, "action")
    assert (reading.code, reading.problem) == (action, None)


@pytest.mark.parametrize(("vocabulary", "text", "reason"), REFUSED)
def test_unknown_or_contradictory_phrases_are_refused_not_guessed(vocabulary, text, reason):
    reading = read_phrase(text, vocabulary)
    assert reading.code is None
    assert reason in reading.problem
    assert code_for(text, vocabulary) is None


def test_at_least_forty_real_phrasings():
    assert len(FINDINGS) + len(ACTIONS) + len(REFUSED) >= 100
    assert len(FINDINGS) >= 40


def test_every_word_of_a_finding_or_action_reads_as_its_code():
    for vocabulary, code, chinese, english in WORDS:
        if vocabulary in ("finding", "action"):
            for word in (*chinese, *english):
                assert read_phrase(word, vocabulary).code == code, (vocabulary, word)


def test_the_reader_knows_each_word_once():
    """A word in two rows would have two meanings: a second spelling fails here."""
    counts = collections.Counter(
        word
        for vocabulary, code, chinese, english in WORDS
        if vocabulary != "patrol_type"
        and (vocabulary, code)
        not in (
            ("finding", "spartina_removed"),
            ("action", "none"),
            ("action", "pending"),
            ("action", "removal_blocked"),
        )
        for word in (*chinese, *english)
    )
    assert [word for word, count in counts.items() if count > 1] == []


def test_patrol_types_are_looked_up_as_before():
    words = ("施工单位日常巡护", "乡镇巡查", "市级联合巡护", "无人机", "Remote sensing", "UFO")
    assert [code_for(word, "patrol_type") for word in words] == [
        "contractor_daily",
        "township_patrol",
        "city_joint",
        "digital_monitoring",
        "digital_monitoring",
        None,
    ]


CODES = {
    vocabulary: {code for v, code, _zh, _en in WORDS if v == vocabulary}
    for vocabulary in ("finding", "action")
}
PIECES = sorted(
    {word for v, _code, zh, en in WORDS if v != "patrol_type" for word in (*zh, *en)}
    | {"，", "、", " ", "。", "3平方米", "约20株", "(", ")", "\n"}
)
phrases = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(phrases | st.text(max_size=30))
def test_any_text_is_read_or_refused_and_never_raises(text):
    for vocabulary in ("finding", "action"):
        reading = read_phrase(text, vocabulary)
        if reading is None:
            assert not text.strip()
            continue
        if reading.problem is not None:
            assert reading.code is None and reading.action is None
        assert reading.code is None or reading.code in CODES[vocabulary]
        assert reading.action is None or reading.action in CODES["action"]


@settings(max_examples=200, deadline=None)
@given(
    phrases.filter(lambda text: len(text) < 80),
    st.sampled_from(["柯湾", "外星人", "xyzzy"]),
)
def test_a_phrase_with_an_unknown_word_is_never_guessed(text, stranger):
    for vocabulary in ("finding", "action"):
        reading = read_phrase(f"{text}，{stranger}", vocabulary)
        assert reading.code is None
        assert f"{stranger}'" in reading.problem


def test_a_column_is_read_once_per_distinct_value():
    column = pd.Series(["复萌已清除", None, "外星人", "复萌已清除", "  "], index=[5, 6, 7, 8, 9])
    read = read_column(column, "finding")
    assert read.index.tolist() == [5, 6, 7, 8, 9]
    assert read["code"].tolist() == [REGROWTH, None, None, REGROWTH, None]
    assert read["action"].tolist() == ["removed", None, None, "removed", None]
    assert read["problem"].notna().tolist() == [False, False, True, False, False]


# -- a patrol file: the finding's words and the action column together ------------------

HEADER = ("时间", "经度", "纬度", "巡查类型", "发现", "处理")


def _csv(header, rows):
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return text.getvalue()


def _import(tmp_path, name, text):
    workspace = Workspace.create(tmp_path / "ws")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    summary = workspace.import_file(path)
    records = workspace.surveys().sort_values("source_row")
    stored = [(r.source_row, r.finding, r.action) for r in records.itertuples()]
    return summary, stored


def test_the_action_column_and_the_finding_words_together(tmp_path):
    rows = [
        ("复萌已清除", ""),  # 2: the finding's action, the column blank
        ("复萌已清除", "已上报"),  # 3: removed and reported: removed
        ("复萌，已上报", "无"),  # 4: reported and nothing removed: reported
        ("复萌未清除", "已清除"),  # 5: refused
        ("复萌已清除", "待处理"),  # 6: refused
        ("已清除", "-"),  # 7
        ("复萌", "待处理"),  # 8
        ("复萌", "未清除"),  # 9
        ("红树林未受破坏", ""),  # 10
        ("复萌", "清除一半"),  # 11: half removed: partly_removed, the case stays open
    ]
    text = _csv(
        HEADER,
        [
            (f"2023-06-{day:02d} 09:00", 120.3302, 27.2602, "乡镇巡查", finding, action)
            for day, (finding, action) in enumerate(rows, start=1)
        ],
    )
    summary, stored = _import(tmp_path, "patrol.csv", text)
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 8, 2)
    assert stored == [
        (2, REGROWTH, "removed"),
        (3, REGROWTH, "removed"),
        (4, REGROWTH, "reported"),
        (7, REMOVED, "removed"),
        (8, REGROWTH, "pending"),
        (9, REGROWTH, "none"),
        (10, "clear", "none"),
        (11, REGROWTH, "partly_removed"),
    ]
    assert summary.errors == [
        {
            "row": 5,
            "column": "处理",
            "message": "action '已清除' (removed) contradicts the finding '复萌未清除' (none); "
            "correct one of them",
        },
        {
            "row": 6,
            "column": "处理",
            "message": "action '待处理' (pending) contradicts the finding '复萌已清除' "
            "(removed); correct one of them",
        },
    ]


def test_a_file_without_an_action_column_takes_the_finding_words(tmp_path):
    text = _csv(
        HEADER[:5],
        [
            (f"2023-06-0{day} 09:00", 120.3302, 27.2602, "乡镇巡查", finding)
            for day, finding in enumerate(
                ["复萌已清除", "已拔除", "复萌，待处理", "new, reported"], 1
            )
        ],
    )
    summary, stored = _import(tmp_path, "no_action.csv", text)
    assert summary.status == "accepted"
    assert stored == [
        (2, REGROWTH, "removed"),
        (3, REMOVED, "removed"),
        (4, REGROWTH, "pending"),
        (5, NEW, "reported"),
    ]


# -- end to end: the ledger of a cleared plot -----------------------------------------

LEDGER_ROWS = [
    # time, finding, action
    ("2023-06-01 09:00", "复萌", "待处理"),  # opens P1#1; pending never re-clears it
    ("2023-06-05 09:00", "复萌未清除", ""),  # P1#1 again, still open
    ("2023-06-10 09:00", "已清除", ""),  # re-clears P1#1
    ("2023-07-01 09:00", "复萌已清除", ""),  # opens P1#2 and re-clears it at once
    ("2023-08-01 09:00", "未见复萌", ""),  # inspection 1 of P1#2
    ("2023-08-15 09:00", "红树林未受破坏", ""),  # inspection 2, 45 days on: verified
    ("2024-05-01 09:00", "复萌", "未清除"),  # opens P1#3
    ("2024-05-03 09:00", "复萌，已上报", ""),  # P1#3, reported, still open
    ("2024-05-10 09:00", "复萌", "待处理"),  # P1#3, still open
    ("2024-05-12 09:00", "regrowth, not removed", ""),  # P1#3, still open
    ("2024-05-20 09:00", "复萌已清除", "未处理"),  # refused: removed and not
    ("2024-05-21 09:00", "柯湾外星人复萌", ""),  # refused: unknown words
]


def test_ledger_follows_what_the_phrases_mean(tmp_path):
    workspace = Workspace.create(tmp_path / "ws")
    plots = tmp_path / "plots.csv"
    plots.write_text(f'图斑编号,除治日期,wkt\nP1,2023-05-01,"{PLOT.wkt}"\n', encoding="utf-8")
    workspace.import_file(plots, kind="clearance")
    patrol = tmp_path / "patrol.csv"
    patrol.write_text(
        _csv(HEADER, [(t, 120.3303, 27.2603, "乡镇巡查", f, a) for t, f, a in LEDGER_ROWS]),
        encoding="utf-8",
    )
    summary = workspace.import_file(patrol)
    assert (summary.rows_accepted, summary.rows_rejected) == (10, 2)
    assert [(e["row"], e["column"]) for e in summary.errors] == [(12, "处理"), (13, "发现")]

    ledger, _patches = workspace.ledger()
    brief = [
        (
            r.case_id,
            r.status,
            r.detections,
            r.first_detected.strftime("%Y-%m-%d"),
            r.status_since.strftime("%Y-%m-%d"),
            None if pd.isna(r.re_cleared_at) else r.re_cleared_at.strftime("%Y-%m-%d"),
        )
        for r in ledger.itertuples()
    ]
    assert brief == [
        ("P1#1", "re_cleared", 2, "2023-06-01", "2023-06-10", "2023-06-10"),
        ("P1#2", "verified_clear", 1, "2023-07-01", "2023-08-15", "2023-07-01"),
        ("P1#3", "open", 4, "2024-05-01", "2024-05-01", None),
    ]
