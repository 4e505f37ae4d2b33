"""The demo: a workspace built from the bundled data, whole pipeline, maps written."""

import os
import shutil

from hailin.demo_data import write_demo_patrols
from maps.overview import overview_map
from surveys.errors import WorkspaceError
from surveys.settings import SETTINGS_FILE
from surveys.workspace import STORE_FILE, Workspace

_DEMO_ENTRIES = (SETTINGS_FILE, STORE_FILE, "uploads", "out", "patrol-files")


def _clear(directory, force):
    if not os.path.isdir(directory) or not os.listdir(directory):
        return
    if not os.path.exists(os.path.join(directory, SETTINGS_FILE)):
        raise WorkspaceError(f"{directory} is not empty; give `hailin demo` a new folder")
    if not force:
        raise WorkspaceError(
            f"{directory} already holds a workspace; use --force to rebuild the demo there"
        )
    for entry in _DEMO_ENTRIES:
        path = os.path.join(directory, entry)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def build_demo(directory, lang="zh", force=False):
    """Create the demo workspace in ``directory``; returns (workspace, {label: path})."""
    _clear(directory, force)
    ws = Workspace.create(directory, language=lang)
    outputs = {}
    patrol_folder = os.path.join(directory, "patrol-files")
    for path, flags in write_demo_patrols(patrol_folder, ws.sites()):
        summary = ws.import_file(path, **flags)
        outputs[f"import {os.path.basename(path)}"] = (
            f"{summary.status}: {summary.rows_accepted} of {summary.rows_read} rows stored"
        )
    overview = os.path.join(ws.out_dir, "overview.html")
    overview_map(ws.sites(), lang=lang).save(overview)
    outputs["overview map"] = overview
    return ws, outputs
