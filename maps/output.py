"""Writing a map: online (CDN), with its assets beside it, or self-contained offline.

=========  ====================================================================
online     scripts and stylesheets from jsDelivr (with integrity hashes): the
           default, and what ``folium.Map.save`` writes.
assets     the pinned files copied into a folder (``--assets DIR``) and linked
           with relative URLs: for a web server or a shared drive.
offline    one HTML file holding every script, stylesheet and image
           (``--offline``): opens with no network at all; only online tiles
           need one (a basemap file's tiles travel inside).
=========  ====================================================================

Both of the last two read the asset cache (:mod:`hailin.maps.assets`), which
``hailin assets fetch`` fills; without it they raise
:class:`~maps.errors.AssetsMissing`, whose message names that command.
"""

from __future__ import annotations

import os
import pathlib
import urllib.parse

import folium

from hailin.maps.assets import all_assets, read_asset, require_assets
from hailin.maps.base import FileBasemapLayer
from hailin.maps.errors import MapError
from hailin.maps.frame import Frame, Output


def _frame(fmap):
    for child in fmap._children.values():
        if isinstance(child, Frame):
            return child
    raise MapError("this map was not made by maps.new_map: it has no frame to write")


def _file_layers(fmap):
    return [c for c in fmap._children.values() if isinstance(c, FileBasemapLayer)]


def _relative_url(target, start):
    try:
        relative = os.path.relpath(target, start)
    except ValueError as error:  # another drive on Windows
        raise MapError(f"{target} and {start} have no relative path between them") from error
    return urllib.parse.quote(pathlib.Path(relative).as_posix()) + "/"


def copy_assets(folder, cache=None):
    """Copy every pinned asset, checked, from the cache into ``folder``
    (``PACKAGE@VERSION/PATH``); a file already there and right is kept."""
    folder = pathlib.Path(folder)
    for asset in all_assets():
        data = read_asset(asset, cache)
        target = folder / asset.relpath
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def save_map(
    fmap: folium.Map,
    path: str | os.PathLike[str],
    *,
    offline: bool = False,
    assets: str | os.PathLike[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> pathlib.Path:
    """Write ``fmap`` to ``path`` (HTML): online, with its assets beside it, or offline.

    Parameters
    ----------
    fmap : folium.Map
        A map made by :func:`hailin.maps.new_map` (or the map functions).
    path : str or os.PathLike
        The HTML file.
    offline : bool
        Write one self-contained file (scripts, stylesheets, images inside).
    assets : str or os.PathLike, optional
        A folder to copy the assets into, linked with relative URLs.
    cache : str or os.PathLike, optional
        The asset cache (default: :func:`hailin.maps.assets.cache_dir`).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hailin.maps import new_map
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "map.html"
    >>> _ = save_map(new_map((120.3, 27.2, 120.4, 27.3), "en"), page)
    >>> "cdn.jsdelivr.net/npm/leaflet@1.9.3" in page.read_text(encoding="utf-8")
    True
    """
    if offline and assets:
        raise MapError("a map is written either offline or with its assets beside it, not both")
    path = pathlib.Path(path)
    frame = _frame(fmap)
    files = _file_layers(fmap)
    if offline:
        frame.output = Output("offline", require_assets(cache))
    elif assets:
        root = require_assets(cache)
        folder = pathlib.Path(assets)
        copy_assets(folder, root)
        base = _relative_url(folder.resolve(), path.resolve().parent)
        frame.output = Output("assets", root, base)
        for layer in files:
            # Tiles named by their content, shared by every map written there.
            names = layer.tile_set.write(folder / "tiles")
            layer.tile_urls = [f"{base}tiles/{name}" for name in names]
    else:
        frame.output = Output("online")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fmap.save(os.fspath(path))
    finally:
        frame.output = Output()
        for layer in files:
            layer.tile_urls = None
    return path
