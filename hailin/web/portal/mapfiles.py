"""The maps the portal serves: drawn by hailin's map functions after imports,
their scripts served from the portal itself (no CDN).

:func:`write_maps` is the one function that writes them. Until hailin's maps
can be written with their assets beside them, it points each script and
stylesheet of :mod:`maps.assets` at ``/static/vendor/PACKAGE@VERSION/PATH``,
a folder :func:`install_map_assets` fills from the npm packages.
"""

import os
import re
import shutil
import tempfile

from maps import MAPS, MapData
from maps.assets import ASSETS

MAP_NAMES = tuple(MAPS)
LANGS = ("zh", "en")
VENDOR_URL = "/static/vendor/"
# Relative url(...) references inside a stylesheet (images, fonts).
_CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:|https?:|/|#)([^'\")?#]+)")


def vendor_path(asset):
    return f"{asset.package}@{asset.version}/{asset.path}"


def _localise(element, urls):
    """Point ``element`` and its children at the portal's copies of the assets."""
    for attribute in ("default_js", "default_css"):
        pairs = getattr(element, attribute, None)
        if pairs:
            setattr(element, attribute, [(name, urls.get(url, url)) for name, url in pairs])
    for child in getattr(element, "_children", {}).values():
        _localise(child, urls)


def map_file(folder, name, lang):
    return os.path.join(folder, f"{name}.{lang}.html")


def write_maps(ws, folder, *, langs=LANGS, vendor_url=VENDOR_URL):
    """Write the clearance, restoration and overview maps of ``ws`` in each of
    ``langs`` to ``folder`` (NAME.LANG.html), each file replaced whole.
    Returns the paths written."""
    os.makedirs(folder, exist_ok=True)
    urls = {asset.url: vendor_url + vendor_path(asset) for asset in ASSETS.values()}
    data = MapData.from_workspace(ws)
    written = []
    for lang in langs:
        for name, draw in MAPS.items():
            fmap = draw(data, lang=lang)
            _localise(fmap, urls)
            handle, staged = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".html")
            os.close(handle)
            try:
                fmap.save(staged)
                os.chmod(staged, 0o644)
                os.replace(staged, map_file(folder, name, lang))
            except BaseException:
                if os.path.exists(staged):
                    os.remove(staged)
                raise
            written.append(map_file(folder, name, lang))
    return written


def install_map_assets(node_modules, dest):
    """Copy every file of :data:`maps.assets.ASSETS` (and what their stylesheets
    point at) from an npm ``node_modules`` folder to ``dest``; returns the
    number of files copied. Raises FileNotFoundError naming a missing one."""
    copied = 0
    for asset in ASSETS.values():
        source = os.path.join(node_modules, asset.package, asset.path)
        if not os.path.isfile(source):
            raise FileNotFoundError(
                f"{source} is missing: install the npm packages of maps/assets.py there "
                "(npm ci --prefix tests/browser)"
            )
        wanted = [asset.path]
        if asset.path.endswith(".css"):
            with open(source, encoding="utf-8", errors="replace") as handle:
                for relative in _CSS_URL.findall(handle.read()):
                    joined = os.path.normpath(os.path.join(os.path.dirname(asset.path), relative))
                    if not joined.startswith(".."):
                        wanted.append(joined)
        for path in wanted:
            origin = os.path.join(node_modules, asset.package, path)
            if not os.path.isfile(origin):
                continue
            target = os.path.join(dest, f"{asset.package}@{asset.version}", path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(origin, target)
            copied += 1
    return copied


def assets_installed(dest):
    return all(os.path.isfile(os.path.join(dest, vendor_path(a))) for a in ASSETS.values())
