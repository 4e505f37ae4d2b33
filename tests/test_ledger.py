"""Hand-worked recurrence scenarios with exact expected ledgers."""

import datetime
import itertools

import pandas as pd
import pytest

from hailin.surveys.ledger.cases import LedgerRules, build_ledger
from hailin.surveys.ledger.detections import detect
from hailin.surveys.ledger.patches import cluster_new_infestations
from tests.scenario import EAST_EDGE, east_of_edge, plots, records

RULES = LedgerRules(tolerance_m=10, verify_inspections=2, verify_days=30)


def ledger_of(*rows, rules=RULES, **plot_options):
    ledger, patches, _detections = build_ledger(records(*rows), plots(**plot_options), rules)
    return ledger, patches


def brief(ledger):
    return [
        (r.case_id, r.status, r.detections, r.status_since.strftime("%Y-%m-%d"), r.days_open)
        for r in ledger.itertuples()
    ]


def test_a_finding_on_the_clearance_day_is_not_a_recurrence_one_day_after_is():
    same_day, _ = ledger_of(("2023-05-01T16:00+08:00", "spartina_regrowth"))
    assert len(same_day) == 0
    next_day, _ = ledger_of(("2023-05-02T08:00+08:00", "spartina_regrowth"))
    assert brief(next_day) == [("P1#1", "open", 1, "2023-05-02", 0)]


def test_timezone_edge_2330_utc_is_the_next_day_in_fuding():
    late_utc, _ = ledger_of(
        ("2023-05-01T23:30:00Z", "spartina_regrowth")
    )  # 07:30 on 2 May in Fuding
    assert [r.case_id for r in late_utc.itertuples()] == ["P1#1"]
    still_first, _ = ledger_of(
        ("2023-05-01T15:30:00Z", "spartina_regrowth")
    )  # 23:30 on 1 May in Fuding
    assert len(still_first) == 0


@pytest.mark.parametrize(
    ("where", "counted"),
    [
        (EAST_EDGE, True),  # on the boundary
        (east_of_edge(9.0), True),  # within the 10 m tolerance
        (east_of_edge(11.0), False),
    ],
)
def test_tolerance_around_the_plot(where, counted):
    detections, outside = detect(
        records(("2023-06-01T09:00+08:00", "spartina_regrowth", where)), plots(), tolerance_m=10
    )
    assert len(detections) == int(counted)
    assert len(outside) == int(not counted)
    if counted:
        assert detections["distance_m"].iloc[0] < 10


def test_eleven_metres_out_is_a_new_infestation_not_a_recurrence():
    ledger, patches = ledger_of(("2023-06-01T09:00+08:00", "spartina_new", east_of_edge(11.0)))
    assert ledger["kind"].tolist() == ["new_infestation"]
    assert patches["patch_id"].tolist() == ["NEW-20230601-01"]


def test_two_episodes_in_one_plot():
    ledger, _ = ledger_of(
        (
            "2023-06-01T09:00+08:00",
            "spartina_regrowth",
            (120.3302, 27.2602),
            "reported",
            "contractor_daily",
            12.0,
        ),
        (
            "2023-06-03T09:00+08:00",
            "spartina_regrowth",
            (120.3303, 27.2603),
            "reported",
            "city_joint",
            30.0,
        ),
        (
            "2023-06-10T09:00+08:00",
            "spartina_removed",
            (120.3302, 27.2602),
            "removed",
            "contractor_daily",
        ),
        ("2023-06-20T09:00+08:00", "clear"),
        ("2023-07-15T09:00+08:00", "clear"),
        (
            "2024-05-01T09:00+08:00",
            "spartina_regrowth",
            (120.3307, 27.2607),
            "reported",
            "digital_monitoring",
        ),
        ("2024-05-20T09:00+08:00", "clear"),
    )
    assert ledger["plot_id"].tolist() == ["P1", "P1"]
    assert ledger["site"].tolist() == ["kewan", "kewan"]
    assert ledger["township"].tolist() == ["前岐镇", "前岐镇"]
    first, second = ledger.iloc[0], ledger.iloc[1]
    assert (
        first.case_id,
        first.detections,
        first.sources,
        first.largest_patch_m2,
        first.status,
    ) == ("P1#1", 2, "city_joint,contractor_daily", 30.0, "verified_clear")
    assert first.first_detected == pd.Timestamp("2023-06-01T09:00+08:00")
    assert first.last_detected == pd.Timestamp("2023-06-03T09:00+08:00")
    assert first.status_since == pd.Timestamp("2023-07-15T09:00+08:00")
    assert first.days_open == 9  # 1 June to the re-clearing on 10 June
    assert first.cleared_on == datetime.date(2023, 5, 1)
    assert (second.case_id, second.detections, second.sources, second.status) == (
        "P1#2",
        1,
        "digital_monitoring",
        "open",
    )
    assert pd.isna(second.largest_patch_m2)
    assert second.days_open == 19  # open from 1 May 2024 to the last record, 20 May 2024


@pytest.mark.parametrize(
    ("inspections", "status"),
    [
        (["2023-07-20"], "re_cleared"),  # too few: one inspection
        (["2023-06-15", "2023-07-01"], "re_cleared"),  # too short: last 21 days after re-clearing
        (["2023-07-20T09:00", "2023-07-20T15:00"], "re_cleared"),  # two on one day count once
        (["2023-06-15", "2023-07-10"], "verified_clear"),  # two days, the last 30 days after
    ],
)
def test_verification_needs_enough_inspections_over_enough_days(inspections, status):
    rows = [
        ("2023-06-01T09:00+08:00", "spartina_regrowth"),
        ("2023-06-10T09:00+08:00", "spartina_removed", (120.3305, 27.2605), "removed"),
    ]
    rows += [
        (f"{day}+08:00" if "T" in day else f"{day}T10:00+08:00", "clear") for day in inspections
    ]
    ledger, _ = ledger_of(*rows)
    assert ledger["status"].tolist() == [status]


def test_a_finding_removed_on_the_spot_is_re_cleared_at_once():
    ledger, _ = ledger_of(
        ("2023-06-01T09:00+08:00", "spartina_regrowth", (120.3305, 27.2605), "removed")
    )
    assert brief(ledger) == [("P1#1", "re_cleared", 1, "2023-06-01", 0)]


def test_an_inspection_before_re_clearing_does_not_verify():
    ledger, _ = ledger_of(
        ("2023-06-01T09:00+08:00", "spartina_regrowth"),
        ("2023-06-05T09:00+08:00", "clear"),
        ("2023-08-05T09:00+08:00", "clear"),
    )
    assert ledger["status"].tolist() == ["open"]


def test_new_infestation_reports_are_clustered_into_patches():
    far = (120.3400, 27.2700)
    near_far = (120.34015, 27.27005)  # ~16 m away: the same patch
    other = (120.3500, 27.2800)
    findings = records(
        ("2023-08-01T09:00+08:00", "spartina_new", far),
        ("2023-08-03T09:00+08:00", "spartina_new", near_far),
        ("2023-08-09T09:00+08:00", "spartina_regrowth", far),
        ("2023-08-02T09:00+08:00", "spartina_new", other),
    )
    patches, membership = cluster_new_infestations(findings, cluster_m=30)
    assert sorted(patches["patch_id"]) == ["NEW-20230801-01", "NEW-20230802-01"]
    assert membership.tolist() == [
        "NEW-20230801-01",
        "NEW-20230801-01",
        "NEW-20230801-01",
        "NEW-20230802-01",
    ]
    ledger, _patches, _detections = build_ledger(findings, plots(), RULES)
    assert ledger[["case_id", "detections"]].values.tolist() == [
        ["NEW-20230801-01#1", 3],
        ["NEW-20230802-01#1", 1],
    ]


def test_a_two_report_patch_has_one_outline_whichever_report_comes_first():
    # Two reports make a line for a hull; its buffer starts where the line does.
    rows = [
        ("2023-08-01T09:00+08:00", "spartina_new", (120.3400, 27.2700)),
        ("2023-08-03T09:00+08:00", "spartina_new", (120.34015, 27.27005)),
    ]
    forward, _ = cluster_new_infestations(records(*rows), cluster_m=30)
    backward, _ = cluster_new_infestations(records(*rows[::-1]), cluster_m=30)
    assert forward["patch_id"].tolist() == backward["patch_id"].tolist() == ["NEW-20230801-01"]
    assert forward.geometry[0].wkb == backward.geometry[0].wkb
    assert forward.geometry[0].area == backward.geometry[0].area


def test_same_records_in_any_order_give_the_same_ledger():
    rows = [
        ("2023-06-01T09:00+08:00", "spartina_regrowth"),
        ("2023-06-10T09:00+08:00", "spartina_removed", (120.3305, 27.2605), "removed"),
        ("2023-06-20T09:00+08:00", "clear"),
        ("2023-07-15T09:00+08:00", "clear"),
    ]
    expected, _ = ledger_of(*rows)
    for order in itertools.permutations(range(len(rows))):
        frame = records(*rows).iloc[list(order)].reset_index(drop=True)
        shuffled, _patches, _detections = build_ledger(frame, plots(), RULES)
        pd.testing.assert_frame_equal(shuffled, expected)
