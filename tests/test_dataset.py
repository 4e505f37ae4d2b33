"""`hailin dataset export DIR`: the store as GeoParquet partitioned by county
and year, sorted along the Hilbert curve, with bounding boxes; commands read
the dataset with `-w DIR` and give the workspace's results; appends replace
their counties' partitions only."""

import json
import os

import geopandas
import numpy as np
import pyarrow.parquet
import pytest
import shapely
from click.testing import CliRunner

from bench.coast import coast, write_workspace
from hailin.cli import main
from hailin.surveys.dist.partition import hilbert_keys
from hailin.surveys.io.dataset import MANIFEST_FILE, read_manifest


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dataset")
    ws = write_workspace(
        folder / "ws", coast(5_000, 400, seed=21, provinces=("zhejiang", "fujian"))
    )
    result = run("-w", ws.root, "dataset", "export", folder / "ds", "--json")
    assert result.exit_code == 0, result.output
    return ws, folder / "ds", json.loads(result.stdout)


def test_export_writes_every_row_in_county_and_year_partitions(exported):
    ws, root, payload = exported
    layers = payload["layers"]
    assert layers["surveys"]["rows"] == 5_000
    assert layers["clearance_plots"]["rows"] == 320
    assert layers["restoration_plots"]["rows"] == 80
    assert layers["sites"]["rows"] == len(ws.sites())
    manifest = read_manifest(root)
    records = [e for e in manifest["files"] if e["layer"] == "surveys"]
    assert {e["year"] for e in records} == {2021, 2022, 2023, 2024, 2025}
    assert layers["surveys"]["partitions"] == len({(e["county"], e["year"]) for e in records})
    for entry in records[:20]:
        assert entry["path"].startswith(f"surveys/county={entry['county']}/year={entry['year']}/")


def test_files_are_geoparquet_sorted_by_hilbert_key_with_bounding_boxes(exported):
    _ws, root, _payload = exported
    entry = max(
        read_manifest(root)["files"], key=lambda e: e["rows"] if e["layer"] == "surveys" else 0
    )
    path = os.path.join(root, entry["path"])
    metadata = json.loads(pyarrow.parquet.read_schema(path).metadata[b"geo"])
    assert metadata["version"] == "1.1.0"
    assert "covering" in metadata["columns"]["geometry"]
    frame = geopandas.read_parquet(path)
    assert len(frame) == entry["rows"] > 1
    keys = frame["hilbert"].to_numpy()
    assert (np.diff(keys) >= 0).all()
    assert (keys == hilbert_keys(frame.geometry)).all()
    bbox = pyarrow.parquet.read_table(path, columns=["bbox"]).column("bbox").to_pylist()
    bounds = frame.geometry.bounds
    assert np.allclose([b["xmin"] for b in bbox], bounds["minx"].to_numpy())
    assert np.allclose([b["ymax"] for b in bbox], bounds["maxy"].to_numpy())
    assert entry["row_groups"][0][0] == keys[0]


@pytest.mark.parametrize("command", ["flag", "progress"])
def test_commands_on_the_dataset_give_the_workspace_results(exported, command):
    ws, root, _payload = exported
    plain = run("-w", ws.root, command, "--json")
    from_dataset = run("-w", root, command, "--json")
    assert from_dataset.exit_code == 0, from_dataset.output
    assert json.loads(from_dataset.stdout) == json.loads(plain.stdout)


def test_ledger_from_the_dataset_on_a_cluster_is_the_workspace_ledger(exported, tmp_path):
    ws, root, _payload = exported
    assert run("-w", ws.root, "ledger", "-o", tmp_path / "plain.csv").exit_code == 0
    spread = run("-w", root, "ledger", "-o", tmp_path / "spread.csv", "--scheduler", "local:2")
    assert spread.exit_code == 0, spread.output
    assert (tmp_path / "spread.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()


def test_append_adds_counties_and_replaces_their_own_files(tmp_path):
    first = write_workspace(tmp_path / "a", coast(1_500, 120, seed=5, provinces=("fujian",)))
    second = write_workspace(tmp_path / "b", coast(900, 60, seed=6, provinces=("hainan",), tag="h"))
    root = tmp_path / "ds"
    assert run("-w", first.root, "dataset", "export", root, "--county", "north").exit_code == 0
    again = run("-w", second.root, "dataset", "export", root, "--county", "north")
    assert again.exit_code == 4
    assert "中已有数据集；请用 --append 追加" in again.stderr
    added = run("-w", second.root, "dataset", "export", root, "--county", "south", "--append")
    assert added.exit_code == 0, added.output
    before = {e["path"] for e in read_manifest(root)["files"] if e["county"] == "south"}
    counts = lambda: {  # noqa: E731
        county: sum(
            e["rows"]
            for e in read_manifest(root)["files"]
            if e["layer"] == "surveys" and e["county"] == county
        )
        for county in ("north", "south")
    }
    assert counts() == {"north": 1_500, "south": 900}
    assert (
        run("-w", second.root, "dataset", "export", root, "--county", "south", "--append").exit_code
        == 0
    )
    assert counts() == {"north": 1_500, "south": 900}
    for path in before:  # the replaced files are gone
        assert not os.path.exists(os.path.join(root, path))
    clash = run("-w", first.root, "dataset", "export", root, "--county", "east", "--append")
    assert clash.exit_code == 4
    assert "96 个图斑编号已在数据集的其他县中（CC-0000000" in clash.stderr
    assert counts() == {"north": 1_500, "south": 900}
    flagged = run("-w", root, "flag", "--json")
    assert flagged.exit_code == 0, flagged.output


def test_a_dataset_takes_no_import_and_a_bad_manifest_is_refused(exported, tmp_path):
    _ws, root, _payload = exported
    boundaries = tmp_path / "sites.geojson"
    geopandas.GeoDataFrame(
        {"site_id": ["kewan"]}, geometry=[shapely.box(120.32, 27.25, 120.34, 27.27)], crs=4326
    ).to_file(boundaries)
    refused = run("-w", root, "sites", "import", boundaries)
    assert refused.exit_code == 2
    assert "是分区数据集" in refused.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "hailin.toml").write_bytes((root / "hailin.toml").read_bytes())
    (broken / MANIFEST_FILE).write_text('{"format": "something else"}')
    result = run("-w", broken, "flag")
    assert result.exit_code == 4
    assert "不是 hailin 数据集清单" in result.stderr


def test_a_dataset_whose_raster_column_is_not_text_is_refused(exported, tmp_path):
    import shutil

    import pyarrow

    _ws, root, _payload = exported
    copy = tmp_path / "ds"
    shutil.copytree(root, copy)
    for path in sorted((copy / "surveys").rglob("*.parquet")):
        table = pyarrow.parquet.read_table(path)
        numbers = pyarrow.array([12345] * len(table), pyarrow.int64())
        table = table.set_column(table.schema.get_field_index("raster"), "raster", numbers)
        pyarrow.parquet.write_table(
            table.replace_schema_metadata(pyarrow.parquet.read_metadata(path).metadata), path
        )
    for extra in ((), ("--scheduler", "local:1")):
        result = CliRunner().invoke(main, ["-w", str(copy), "flag", *extra])
        assert result.exit_code == 4, result.output
        assert "影像列应为文件名，而不是 int64" in result.stderr
        assert "Traceback" not in result.output
