"""A long UTF-8 CSV imported a part at a time (surveys/io/parts.py, surveys/ingest.py).

Parts are forced small (100 rows) so that a few hundred rows cross several of
them: the outcome must be the whole-file import's, row for row, in one
transaction (all or nothing), with duplicate keys found across parts.
"""

import dataclasses
import os
import sqlite3

import pandas as pd
import pytest

from hailin.demo_data import survey_csv_frame
from hailin.geo.sites import load_sites
from hailin.surveys import ingest
from hailin.surveys.io import parts
from hailin.surveys.workspace import Workspace

PART_ROWS = 100


@pytest.fixture
def in_parts(monkeypatch):
    """Every UTF-8 CSV read in parts of 100 rows; returns the parts read."""
    monkeypatch.setattr(ingest, "PARTS_FROM_BYTES", 0)
    monkeypatch.setattr(parts, "LIMITS", dataclasses.replace(parts.LIMITS, part_rows=PART_ROWS))
    read = []
    original = parts.read_parts

    def counted(*args, **kwargs):
        for table in original(*args, **kwargs):
            read.append(len(table.frame))
            yield table

    monkeypatch.setattr(ingest, "read_parts", counted)
    return read


def patrol_csv(path, rows=450, change=None):
    """``rows`` patrol records with Chinese headers; ``change(frame)`` edits them first."""
    frame = survey_csv_frame(rows, load_sites())
    if change is not None:
        change(frame)
    frame.to_csv(path, index=False)
    return path


def stored(ws):
    """The stored records without their file-independent ids, in key order."""
    records = ws.surveys().sort_values("record_key").reset_index(drop=True)
    return records.drop(columns=["record_id", "upload_id"])


def rows_of(errors):
    return [(e["row"], e["message"]) for e in errors]


def whole(tmp_path, path):
    """The same file imported whole, in a workspace of its own."""
    ws = Workspace.create(tmp_path / "whole")
    return ws, ws.import_file(path)


def test_parts_store_what_the_whole_file_stores(workspace, tmp_path, in_parts, monkeypatch):
    def change(frame):
        frame.loc[349, "巡查时间"] = "9999-12-31 00:00:00"  # the fourth part
        frame.loc[420, "经度"] = "东经"

    path = patrol_csv(tmp_path / "patrol.csv", change=change)
    summary = workspace.import_file(path)
    assert in_parts == [100, 100, 100, 100, 50]
    assert (summary.status, summary.rows_read, summary.rows_accepted) == ("partial", 450, 448)
    assert rows_of(summary.errors) == [
        (351, "date/time is in the future (9999-12-31 00:00:00)"),
        (422, "unreadable coordinate '东经'"),
    ]
    monkeypatch.setattr(ingest, "PARTS_FROM_BYTES", 2**40)
    ws_whole, summary_whole = whole(tmp_path, path)
    assert in_parts == [100, 100, 100, 100, 50]  # the second import read the file whole
    assert summary.errors == summary_whole.errors
    assert summary.warnings == summary_whole.warnings
    pd.testing.assert_frame_equal(stored(workspace), stored(ws_whole))
    assert stored(workspace)["source_row"].max() == 451
    pd.testing.assert_frame_equal(workspace.rejects(), ws_whole.rejects())
    with sqlite3.connect(workspace.paths.store) as connection:
        tree = connection.execute("SELECT rtreecheck('rtree_surveys_geometry')").fetchone()[0]
        cells = connection.execute("SELECT count(*) FROM rtree_surveys_geometry").fetchone()[0]
        indexes = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'surveys' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    assert (tree, cells) == ("ok", 448)
    assert indexes == [("surveys_key",), ("surveys_upload",)]  # built again after the parts


def test_a_repeated_record_is_found_across_parts_and_against_the_store(
    workspace, tmp_path, in_parts
):
    first = patrol_csv(tmp_path / "first.csv", rows=150)
    assert workspace.import_file(first).rows_accepted == 150

    def change(frame):
        frame.loc[330] = frame.loc[10]  # a record of the first part again in the fourth
        frame.loc[360] = earlier.loc[20]  # a record the store holds already

    earlier = survey_csv_frame(150, load_sites())
    path = patrol_csv(tmp_path / "second.csv", rows=400, change=lambda f: change(f))
    summary = workspace.import_file(path)
    assert in_parts[-4:] == [100, 100, 100, 100]
    assert (summary.status, summary.rows_accepted, summary.rows_duplicate) == ("accepted", 398, 2)
    assert len(workspace.surveys()) == 150 + 398
    assert workspace.surveys()["record_key"].is_unique


def test_a_file_refused_in_a_later_part_stores_nothing(workspace, tmp_path, in_parts):
    def change(frame):
        frame.loc[380, "备注"] = '"' + "\n".join(["unbalanced"] * 30)

    path = patrol_csv(tmp_path / "quote.csv", change=change)
    summary = workspace.import_file(path)
    assert in_parts == [100, 100, 100]  # three parts read, then the refusal
    assert (summary.status, summary.rows_read, summary.rows_accepted) == ("rejected", 0, 0)
    assert "a quoted field opens on line 382" in summary.errors[0]["message"]
    assert len(workspace.surveys()) == 0
    uploads = workspace.uploads()
    assert uploads[["status", "rows_accepted"]].values.tolist() == [["rejected", 0]]
    assert len(workspace.rejects()) == 1
    assert os.listdir(workspace.paths.uploads) == [os.path.basename(uploads["archived_as"][0])]


def test_an_import_failing_in_a_later_part_leaves_the_store_as_it_was(
    workspace, tmp_path, in_parts, monkeypatch
):
    first = patrol_csv(tmp_path / "first.csv", rows=50)
    workspace.import_file(first)
    before = (
        len(workspace.surveys()),
        len(workspace.uploads()),
        os.listdir(workspace.paths.uploads),
    )
    calls = []
    original = ingest.store_surveys

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as a kill would, mid-import
        return original(*args, **kwargs)

    monkeypatch.setattr(ingest, "store_surveys", failing)
    with pytest.raises(KeyboardInterrupt):
        workspace.import_file(patrol_csv(tmp_path / "second.csv", rows=450))
    after = (
        len(workspace.surveys()),
        len(workspace.uploads()),
        os.listdir(workspace.paths.uploads),
    )
    assert after == before
    with sqlite3.connect(workspace.paths.store) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM rtree_surveys_geometry").fetchone()[0] == 50


def test_a_row_wider_than_the_header_has_the_file_read_whole(workspace, tmp_path, in_parts):
    path = patrol_csv(tmp_path / "wide.csv", rows=300)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[250] += ",extra,more"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = workspace.import_file(path)
    assert (summary.status, summary.rows_accepted, summary.rows_rejected) == ("partial", 299, 1)
    assert rows_of(summary.errors) == [(251, "has 11 fields, the header has 9")]
    assert len(workspace.surveys()) == 299
    assert workspace.uploads()["status"].tolist() == ["partial"]


def test_a_text_read_in_parts_is_bounded_by_its_own_cells(
    workspace, tmp_path, in_parts, monkeypatch
):
    monkeypatch.setattr(parts, "LIMITS", dataclasses.replace(parts.LIMITS, part_cells=1000))
    summary = workspace.import_file(patrol_csv(tmp_path / "cells.csv", rows=200))
    assert summary.status == "rejected"
    assert summary.errors[0]["message"] == "200 rows of 9 columns make 1,800 cells (limit 1,000)"
    assert in_parts == [] and len(workspace.surveys()) == 0
