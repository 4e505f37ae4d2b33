"""A GDAL write killed mid-way (SIGKILL) leaves its hidden scratch folder beside the
output; the next write to the same place removes it, and only it: a scratch folder
whose writer still runs, other names' folders and other hidden folders stay."""

import os
import signal
import subprocess
import sys
import time

import geopandas
import pyogrio
import shapely

from hailin.surveys.io.gis import export_layer
from hailin.surveys.io.written import UNNAMED_SCRATCH_GRACE_S, remove_left_scratch

# Killed (-9) after GDAL wrote the GeoPackage into the scratch folder, before it
# was put in place.
_KILLED_MID_WRITE = """
import os, signal, sys
import geopandas, shapely
import hailin.surveys.io.gis as gis

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

gis.style_geopackage = killed
frame = geopandas.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(120.3, 27.2)], crs=4326)
gis.export_layer(frame, sys.argv[1], layer="plots")
"""

# Holds a scratch folder of the same output open until its stdin closes.
_STILL_WRITING = """
import sys
from hailin.surveys.io.written import replacing

with replacing(sys.argv[1]) as scratch:
    open(scratch, "w").write("still writing")
    print("in", flush=True)
    sys.stdin.read()
"""


def _frame(count):
    points = [shapely.Point(120.3 + i * 1e-3, 27.2) for i in range(count)]
    return geopandas.GeoDataFrame({"n": range(count)}, geometry=points, crs=4326)


def _hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_gdal_write_killed_mid_way_leaves_a_scratch_folder_the_next_write_removes(tmp_path):
    out = tmp_path / "plots.gpkg"
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_WRITE, str(out)], timeout=120, check=False
    )
    assert killed.returncode == -signal.SIGKILL
    (left,) = _hidden(tmp_path)
    assert left.startswith(".plots.gpkg.") and left.endswith(".tmp")
    assert os.listdir(tmp_path / left) == ["plots.gpkg"]  # GDAL's whole file, never put in place
    assert not out.exists()
    other = tmp_path / ".other.gpkg.x.tmp"  # not a scratch folder of this output
    other.mkdir()
    export_layer(_frame(3), out, layer="plots")
    assert _hidden(tmp_path) == [other.name]
    assert len(pyogrio.read_dataframe(out, layer="plots")) == 3


def test_a_scratch_folder_whose_writer_still_runs_is_kept(tmp_path):
    out = tmp_path / "plots.gpkg"
    writer = subprocess.Popen(
        [sys.executable, "-c", _STILL_WRITING, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "in\n"
        (theirs,) = _hidden(tmp_path)
        export_layer(_frame(2), out, layer="plots")
        assert _hidden(tmp_path) == [theirs]
        assert len(pyogrio.read_dataframe(out, layer="plots")) == 2
    finally:
        writer.communicate("", timeout=60)
    assert writer.returncode == 0
    assert _hidden(tmp_path) == []
    assert out.read_text() == "still writing"  # the later write won, whole


def test_a_scratch_folder_of_the_older_name_goes_once_a_day_old(tmp_path):
    out = tmp_path / "plots.gpkg"
    young, old = (
        tmp_path / ".plots.gpkg.0123456789ab.tmp",
        tmp_path / ".plots.gpkg.ba9876543210.tmp",
    )
    young.mkdir()
    old.mkdir()
    (old / "plots.gpkg").write_bytes(b"half")
    day_ago = time.time() - UNNAMED_SCRATCH_GRACE_S - 60
    os.utime(old, (day_ago, day_ago))
    assert remove_left_scratch(out) == [old.name]
    assert _hidden(tmp_path) == [young.name]
