"""The demo: a workspace built from the bundled data, whole pipeline, maps written."""

import datetime
import os
import shutil
import zoneinfo

from hailin.demo_data import demo_plots
from hailin.demo_files import write_demo_patrols, write_demo_plots
from hailin.demo_rasters import write_demo_rasters
from hailin.maps import MAPS, save_map
from hailin.maps.basemaps import tianditu_key
from hailin.surveys.errors import WorkspaceExistsError
from hailin.surveys.io.written import removed_on_failure
from hailin.surveys.paths import STORE_FILE
from hailin.surveys.settings import SETTINGS_FILE, with_history_until
from hailin.surveys.workspace import Workspace

_DEMO_ENTRIES = (
    SETTINGS_FILE,
    STORE_FILE,
    "uploads",
    "out",
    "patrol-files",
    "plot-files",
    "raster-files",
)
# How the demo reads its NDVI dates as mangrove cover: the mean index scaled
# from bare mud (0.05) to closed canopy (0.7).
_NDVI_COVER = (0.05, 0.7)


def _clear(directory, force):
    if not os.path.isdir(directory) or not os.listdir(directory):
        return
    if not os.path.exists(os.path.join(directory, SETTINGS_FILE)):
        raise WorkspaceExistsError(f"{directory} is not empty; give `hailin demo` a new folder")
    if not force:
        raise WorkspaceExistsError(
            f"{directory} already holds a workspace; use --force to rebuild the demo there"
        )
    for entry in _DEMO_ENTRIES:
        path = os.path.join(directory, entry)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def _imported(summary):
    return f"{summary.status}: {summary.rows_accepted} of {summary.rows_read} rows stored"


def _monitoring(ws, directory, clearance, restoration, outputs):
    """Digital monitoring on the demo rasters (written by code, see
    :mod:`hailin.demo_rasters`): early warning from the classified drone
    image, mangrove cover from the two NDVI dates. Returns {map name: raster
    overlays}."""
    from hailin.surveys.imagery import CoverMeasure

    rasters = write_demo_rasters(
        os.path.join(directory, "raster-files"), ws.sites(), clearance, restoration
    )
    (run,) = ws.rasters.detect([rasters.classified], classes=rasters.classes)
    outputs[f"raster detect {run.file}"] = (
        f"{run.stored} detection(s) of Spartina regrowth in {run.plots_measured} cleared plots"
    )
    for run in ws.rasters.cover(rasters.index, measure=CoverMeasure(index=_NDVI_COVER)):
        outputs[f"raster cover {run.file}"] = (
            f"mangrove cover {run.mean_cover_pct:.1f}% of {run.plots_measured} restoration plots"
        )
    return {
        "clearance": [ws.rasters.overlay(rasters.classified, classes=rasters.classes)],
        "restoration": [ws.rasters.overlay(rasters.index[-1])],
    }


def entered_at_once(ws: Workspace) -> Workspace:
    """``ws`` with every upload made so far counted as the earlier record entered
    at once (``[as_of] history_until`` set to today): as of any day its records
    count from when they were observed. The demo's two years are uploaded in one
    build, so its as-of figures and the maps' months would otherwise be empty."""
    today = datetime.datetime.now(zoneinfo.ZoneInfo(ws.settings.timezone)).date()
    with open(ws.settings_path, encoding="utf-8") as handle:
        text = with_history_until(handle.read(), today)
    with open(ws.settings_path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Workspace(ws.root)


def build_demo(directory, lang="zh", force=False):
    """Create the demo workspace in ``directory``; returns (workspace, {label: path or note}).
    A demo that fails (a full disk) leaves nothing of itself."""
    _clear(directory, force)
    with removed_on_failure(directory):
        return _build(directory, lang)


def _build(directory, lang):
    ws = Workspace.create(directory, language=lang)
    outputs = {}
    clearance, restoration = demo_plots(ws.sites())
    clearance_file, restoration_file = write_demo_plots(
        os.path.join(directory, "plot-files"), clearance, restoration
    )
    for path, kind in ((clearance_file, "clearance"), (restoration_file, "restoration")):
        outputs[f"{kind} plots {os.path.basename(path)}"] = _imported(
            ws.import_file(path, kind=kind)
        )
    patrol_folder = os.path.join(directory, "patrol-files")
    for path, flags in write_demo_patrols(patrol_folder, ws.sites(), clearance, restoration):
        outputs[f"import {os.path.basename(path)}"] = _imported(ws.import_file(path, **flags))
    overlays = _monitoring(ws, directory, clearance, restoration, outputs)
    ws = entered_at_once(ws)
    # One read and one ledger for flag, the exports and the maps: nothing changes
    # the records between them.
    frames = ws.map_data()
    _detections, ledger, patches = ws.flag(frames)
    outputs["recurrence"] = (
        f"{(ledger['kind'] == 'recurrence').sum()} case(s) in "
        f"{ledger.loc[ledger['kind'] == 'recurrence', 'plot_id'].nunique()} plot(s), "
        f"{len(patches)} new patch(es)"
    )
    for suffix in ("xlsx", "csv"):
        path = os.path.join(ws.out_dir, f"ledger.{suffix}")
        ws.exports.ledger(path, lang, frames=frames)
        outputs[f"ledger ({suffix})"] = path
    key = tianditu_key(ws.settings)
    for name, draw in MAPS.items():
        path = os.path.join(ws.out_dir, f"{name}.html")
        fmap = draw(frames, lang=lang, tianditu_key=key, rasters=overlays.get(name, ()))
        save_map(fmap, path)
        outputs[f"{name} map"] = path
    outputs["maps"] = "self-contained: Leaflet inside each page, they open with no network"
    return ws, outputs
