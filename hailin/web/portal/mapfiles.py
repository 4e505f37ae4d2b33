"""The maps the portal serves: drawn by hailin's map functions after imports,
their scripts and styles copied beside them from the verified asset cache
(`hailin assets fetch`), so the browser loads nothing from a CDN.

:func:`write_maps` is the one function that writes them: ``folder/NAME.LANG.html``
with the assets in ``folder/assets/``, which :func:`asset_path` resolves for the
view that serves them under ``/maps/NAME/assets/``.
"""

import os
import tempfile

from hailin.maps import MAPS, save_map
from hailin.maps.basemaps import tianditu_key

MAP_NAMES = tuple(MAPS)
LANGS = ("zh", "en")
ASSETS_FOLDER = "assets"


def map_file(folder, name, lang):
    return os.path.join(folder, f"{name}.{lang}.html")


def write_maps(ws, folder, *, langs=LANGS):
    """Write the clearance, restoration and overview maps of ``ws`` in each of
    ``langs`` to ``folder`` (NAME.LANG.html), each file replaced whole, with the
    map assets in ``folder/assets``. Returns the paths written."""
    os.makedirs(folder, exist_ok=True)
    frames = ws.map_data()
    key = tianditu_key(ws.settings)
    written = []
    for lang in langs:
        for name, draw in MAPS.items():
            handle, staged = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".html")
            os.close(handle)
            try:
                fmap = draw(frames, lang=lang, tianditu_key=key)
                save_map(fmap, staged, assets=os.path.join(folder, ASSETS_FOLDER))
                os.chmod(staged, 0o644)
                os.replace(staged, map_file(folder, name, lang))
            except BaseException:
                if os.path.exists(staged):
                    os.remove(staged)
                raise
            written.append(map_file(folder, name, lang))
    return written


def asset_path(folder, relative):
    """The file of ``folder/assets`` that ``relative`` names, or None when it
    would leave that folder or does not exist (or holds a NUL)."""
    if "\0" in relative:
        return None
    root = os.path.realpath(os.path.join(folder, ASSETS_FOLDER))
    target = os.path.realpath(os.path.join(root, relative))
    if not target.startswith(root + os.sep) or not os.path.isfile(target):
        return None
    return target
