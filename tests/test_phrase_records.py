"""What a patrol file's phrases put in the stored records: measurements typed
in the text, units converted (2亩 is 1333.3 m²), removals weighed across the two
columns, who/when/why and remainders kept in the notes, contradictions refused."""

import csv
import io
import json

import pytest

from hailin.surveys.workspace import Workspace

HEADER = ("时间", "经度", "纬度", "巡查类型", "发现", "处理", "斑块面积", "盖度", "备注")


def _import(tmp_path, rows, header=HEADER):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for day, row in enumerate(rows, start=1):
        writer.writerow((f"2024-05-{day:02d} 09:00", 120.3302, 27.2602, "乡镇巡查", *row))
    path = tmp_path / "patrol.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    workspace = Workspace.create(tmp_path / "ws")
    summary = workspace.import_file(path)
    records = workspace.surveys().sort_values("source_row").set_index("source_row")
    return summary, records


def test_measurements_typed_in_the_text_fill_empty_columns_with_a_note(tmp_path):
    summary, records = _import(
        tmp_path,
        [
            ("复萌约3平方米", "", "", "", ""),  # 2: area from the text
            ("复萌，盖度10%", "", "", "10", ""),  # 3: agrees with the column
            ("复萌，盖度10%", "", "", "20", ""),  # 4: disagrees: refused
            ("复萌", "", "2亩", "", ""),  # 5: 2 mu, converted
            ("新发", "", "0.1公顷", "35%", ""),  # 6: 0.1 ha
            ("复萌约0.5亩", "", "", "", ""),  # 7: mu in the text
            ("复萌", "", "3处", "", ""),  # 8: a count is no area: refused
        ],
    )
    assert summary.rows_accepted == 5
    assert records.loc[2, "patch_area_m2"] == 3.0
    assert records.loc[3, "cover_pct"] == 10.0
    assert records.loc[5, "patch_area_m2"] == pytest.approx(1333.3333, abs=1e-3)
    assert records.loc[6, ["patch_area_m2", "cover_pct"]].tolist() == [1000.0, 35.0]
    assert records.loc[7, "patch_area_m2"] == pytest.approx(333.3333, abs=1e-3)
    notes = [(w["row"], w["column"], w["message"]) for w in summary.warnings if w["row"]]
    assert notes == [
        (
            2,
            "发现",
            "patch area (面积, m²) column '斑块面积' was empty: 3 taken from the text "
            "'复萌约3平方米' (复萌3平方米)",
        ),
        (
            7,
            "发现",
            "patch area (面积, m²) column '斑块面积' was empty: 333.333 taken from the text "
            "'复萌约0.5亩' (复萌0.5亩)",
        ),
    ]
    errors = {(e["row"], e["column"]): e["message"] for e in summary.errors}
    assert errors == {
        (4, "盖度"): "盖度 20 disagrees with the text '复萌，盖度10%' (盖度10% is 10); "
        "correct one of them",
        (8, "斑块面积"): "not a number: '3处'",
    }


def test_a_file_without_measurement_columns_keeps_the_typed_quantities(tmp_path):
    summary, records = _import(
        tmp_path,
        [("复萌约3平方米，盖度20%",), ("种植成活检查，成活率85%",)],
        header=HEADER[:5],
    )
    assert summary.status == "accepted"
    assert records.loc[2, ["patch_area_m2", "cover_pct"]].tolist() == [3.0, 20.0]
    assert records.loc[3, "survival_pct"] == 85.0
    assert [w["column"] for w in summary.warnings if w["row"]] == ["发现"] * 3


def test_the_two_columns_weigh_a_removal_and_the_notes_keep_what_the_words_say(tmp_path):
    summary, records = _import(
        tmp_path,
        [
            ("复萌3处", "已处理2处", "", "", ""),  # 2: partial across the columns
            ("复萌3处", "已处理3处", "", "", ""),  # 3: all of it
            ("复萌，交由施工单位处理", "", "", "", "已拍照"),  # 4: who kept
            ("复萌", "涨潮未能清除", "", "", ""),  # 5: why kept
            ("采摘秋茄苗", "制止教育有关群众100多名", "", "", ""),  # 6: how many
            ("复萌", "无需处理", "", "", ""),  # 7: contradiction
            ("复萌", "已制止", "", "", ""),  # 8: stopped is for damage and harvest
            ("复萌3处", "清除2平方米", "", "", ""),  # 9: cannot be weighed
            ("疑似复萌", "已清除", "", "", ""),  # 10: a suspicion is not removed
            ("复萌，已清除90%", "已清除", "", "", ""),  # 11: partial against removed
            ("复萌", "已清除一半", "", "", ""),  # 12
        ],
    )
    kept = records[["finding", "action", "notes"]].to_dict("index")
    assert kept == {
        2: {
            "finding": "spartina_regrowth",
            "action": "partly_removed",
            "notes": "复萌3处；已处理2处；剩余未清除：1处",
        },
        3: {"finding": "spartina_regrowth", "action": "removed", "notes": "复萌3处；已处理3处"},
        4: {
            "finding": "spartina_regrowth",
            "action": "pending",
            "notes": "已拍照；复萌，交由施工单位处理",
        },
        5: {"finding": "spartina_regrowth", "action": "removal_blocked", "notes": "涨潮未能清除"},
        6: {
            "finding": "seedling_harvest",
            "action": "stopped",
            "notes": "制止教育有关群众100多名",
        },
        12: {
            "finding": "spartina_regrowth",
            "action": "partly_removed",
            "notes": "已清除一半；剩余未清除：50%",
        },
    }
    # The people stopped are counted where the programme's figures can sum them.
    assert json.loads(records.loc[6, "extra"]) == {"stopped_people": 100}
    errors = {e["row"]: e["message"] for e in summary.errors}
    assert errors == {
        7: "says no action is needed, but Spartina was found (复萌/新发); "
        "Spartina found always needs removing",
        8: "已制止 (stopped) goes with damage (破坏) or seedling harvest (采摘) only",
        9: "cannot tell whether all was removed: found 3处, removed 2平方米; "
        "correct the finding or the action",
        10: "says suspected and removed: if it was Spartina, write 复萌 with the removal",
        11: "action '已清除' (removed) contradicts the finding '复萌，已清除90%' "
        "(partly_removed); correct one of them",
    }
    assert {e["column"] for e in summary.errors} == {"处理"}
