"""GDAL kept off the network while it reads a file someone gave hailin.

A file can name things GDAL would fetch: a GeoJSON ``crs`` of type ``link``, a
VRT whose source is ``/vsicurl/...`` or a file elsewhere on the machine, an XML
description of a web service. hailin refuses those before GDAL opens the file,
and reads with GDAL's network file systems closed (:data:`GDAL_OFFLINE`), so
no request leaves the machine because of a file.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import threading
from contextlib import contextmanager

import defusedxml.ElementTree

#: GDAL settings while hailin reads a file: /vsicurl/ and the cloud file systems
#: find no file (no request is made), VRT Python pixel functions are off.
GDAL_OFFLINE = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".hailin-offline",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
}

# GDAL's virtual file systems that reach the network, and connection strings.
_NETWORK = re.compile(
    r"/vsi(curl|s3|gs|az|adls|oss|swift|webhdfs|hdfs)|://|^[A-Za-z0-9_]+:(?![\\/])",
    re.IGNORECASE,
)
# A member named "crs" in any case, its letters possibly \u-escaped (GDAL
# compares member names without regard to case).
_CRS_KEY = re.compile(
    rb'"(?:c|\\u00[46]3)(?:r|\\u00[57]2)(?:s|\\u00[57]3)"\s*:\s*\{', re.IGNORECASE
)
_CRS_OBJECT_BYTES = 64 * 1024
_VRT_DEPTH = 4
_lock = threading.Lock()
_readers = 0


def network_reason(name: str) -> str | None:
    """Why GDAL would reach the network for ``name``, or None.

    Examples
    --------
    >>> network_reason("/vsicurl/http://example.invalid/a.tif")
    'it names a network location (/vsicurl)'
    >>> network_reason("plots/a.tif") is None
    True
    """
    found = _NETWORK.search(name)
    return None if found is None else f"it names a network location ({found.group(0)})"


# What GDAL's settings were before the first reader came in (restored by the last out).
_saved: dict = {}


@contextmanager
def pyogrio_offline():
    """Apply :data:`GDAL_OFFLINE` to pyogrio's GDAL while any reader is inside.

    The settings are process-wide in GDAL; the first reader in sets them and
    the last one out restores what was there, so concurrent readers stay covered.
    """
    import pyogrio

    global _readers
    with _lock:
        if _readers == 0:
            _saved.clear()
            _saved.update({k: pyogrio.get_gdal_config_option(k) for k in GDAL_OFFLINE})
            pyogrio.set_gdal_config_options(GDAL_OFFLINE)
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0:
                pyogrio.set_gdal_config_options(dict(_saved))


def geojson_link_reason(path) -> str | None:
    """Why a GeoJSON would make GDAL fetch a URL (a ``crs`` of type link or
    url, anywhere in the file), or None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.geojson"
    >>> _ = path.write_text('{"type": "FeatureCollection", "features": [], '
    ...     '"crs": {"type": "link", "properties": {"href": "http://example.invalid/"}}}')
    >>> geojson_link_reason(path)
    "its coordinate system is a link ('http://example.invalid/'); hailin never fetches links"
    """
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return None
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for found in _CRS_KEY.finditer(data):
                start = found.end() - 1
                text = data[start : start + _CRS_OBJECT_BYTES].decode("utf-8", "replace")
                try:
                    member, _end = json.JSONDecoder().raw_decode(text)
                except ValueError:
                    if re.search(r'(?i)"(link|url)"', text[:4096]):
                        return "its coordinate system member cannot be read safely"
                    continue
                kind = str(member.get("type", "")).lower()
                if kind in ("link", "url"):
                    properties = member.get("properties") or {}
                    target = properties.get("href") or properties.get("url") or ""
                    return (
                        f"its coordinate system is a link ({str(target)[:80]!r}); "
                        "hailin never fetches links"
                    )
    return None


def raster_source_reason(path, depth: int = 0) -> str | None:
    """Why GDAL would read beyond ``path``'s own folder or reach the network when
    opening this raster, or None: a VRT's sources must be files in its folder
    (or below), and XML that is no VRT (a web service description) is refused.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.vrt"
    >>> _ = path.write_text('<VRTDataset rasterXSize="1" rasterYSize="1"><VRTRasterBand '
    ...     'dataType="Byte" band="1"><SimpleSource><SourceFilename>/etc/passwd'
    ...     '</SourceFilename></SimpleSource></VRTRasterBand></VRTDataset>')
    >>> raster_source_reason(path)
    "its source '/etc/passwd' lies outside the raster's own folder"
    """
    name = os.fspath(path)
    reason = network_reason(name)
    if reason or name.startswith("/vsi") or not os.path.isfile(name):
        return reason
    with open(name, "rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml"):
        head = head.partition(b"?>")[2].lstrip()
    if not head.startswith((b"<", b"{")):
        return None
    if not head.startswith(b"<VRTDataset"):
        return "a raster described by XML or JSON other than a VRT (GDAL would fetch its parts)"
    if depth >= _VRT_DEPTH:
        return f"VRTs nested more than {_VRT_DEPTH} deep"
    folder = os.path.realpath(os.path.dirname(name))
    try:
        root = defusedxml.ElementTree.parse(name).getroot()
    except Exception as error:  # defusedxml's refusals and ParseError alike
        return f"a VRT that cannot be read safely ({type(error).__name__})"
    for element in root.iter() if root is not None else ():
        tag = str(element.tag)
        if tag not in ("SourceFilename", "SourceDataset", "Filename"):
            continue
        written = (element.text or "").strip()
        reason = network_reason(written)
        relative = element.get("relativeToVRT", element.get("relativetoVRT")) == "1"
        target = os.path.realpath(os.path.join(folder, written) if relative else written)
        if reason is None and os.path.commonpath([folder, target]) != folder:
            reason = f"its source {written!r} lies outside the raster's own folder"
        if reason is None:
            reason = raster_source_reason(target, depth + 1)
        if reason is not None:
            return reason
    return None
