"""Writing a map: self-contained (the default), with its assets beside it, or CDN-linked.

=========  ====================================================================
inline     one HTML file holding Leaflet's script, stylesheet and images: the
           default, and what ``fmap.save`` and a notebook's inline map write.
           Opens with no network at all; only online tiles need one (a
           basemap file's tiles travel inside).
assets     Leaflet's files copied into a folder (``--assets DIR``) and linked
           with relative URLs: for a web server or a shared drive.
cdn        Leaflet linked from jsDelivr with an integrity hash (``--cdn``):
           a page ~150 kB smaller that needs the network (and jsDelivr, often
           blocked in mainland China) to draw.
=========  ====================================================================

Every file comes from the XStatic-Leaflet package (:mod:`hailin.maps.assets`),
installed with hailin: there is no fetch step and no cache.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
import urllib.parse

import folium

from hailin.maps.assets import all_assets, read_asset
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


def copy_assets(folder):
    """Copy every pinned asset, checked, into ``folder`` (``leaflet@VERSION/PATH``);
    a file already there and right is kept."""
    folder = pathlib.Path(folder)
    for asset in all_assets():
        data = read_asset(asset)
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
    cdn: bool = False,
    assets: str | os.PathLike[str] | None = None,
) -> pathlib.Path:
    """Write ``fmap`` to ``path`` (HTML): self-contained, with its assets beside it, or CDN-linked.

    Parameters
    ----------
    fmap : folium.Map
        A map made by :func:`hailin.maps.new_map` (or the map functions).
    path : str or os.PathLike
        The HTML file.
    cdn : bool
        Link Leaflet from jsDelivr instead of carrying it: a smaller page that
        draws only with the network.
    assets : str or os.PathLike, optional
        A folder to copy the assets into, linked with relative URLs.

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
    >>> html = page.read_text(encoding="utf-8")
    >>> "Leaflet 1.9.3" in html, "cdn.jsdelivr.net" in html
    (True, False)
    """
    if cdn and assets:
        raise MapError("a map links its assets either from the CDN or from beside it, not both")
    path = pathlib.Path(path)
    frame = _frame(fmap)
    files = _file_layers(fmap)
    if cdn:
        frame.output = Output("cdn")
    elif assets:
        folder = pathlib.Path(assets)
        copy_assets(folder)
        base = _relative_url(folder.resolve(), path.resolve().parent)
        frame.output = Output("assets", base)
        for layer in files:
            # Tiles named by their content, shared by every map written there.
            names = layer.tile_set.write(folder / "tiles")
            layer.tile_urls = [f"{base}tiles/{name}" for name in names]
    try:
        html = fmap.get_root().render()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: a map that fails to render leaves no file behind.
        handle, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(html)
            os.chmod(staged, 0o644)  # mkstemp's 0600 would hide it on a shared drive
            os.replace(staged, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(staged)
            raise
    finally:
        frame.output = Output()
        for layer in files:
            layer.tile_urls = None
    return path
