"""Filling the asset cache: from the npm registry, or from files a user copies in.

From the registry each package's tarball is downloaded (its metadata names
where), checked against the pinned sha512 before anything is read from it, and
only the listed files are taken out of it, each checked against its sha256.
From a folder (a ``node_modules``, a copied cache or assets folder, npm
tarballs) or a tar archive, any file whose path ends with an asset's path and
whose sha256 is the pinned one is taken, wherever it lies: the hash, not the
place, says what a file is. A file that has the right name and the wrong
content is refused and reported. Files are written to the cache atomically, so
an interrupted fetch leaves no half-written file.

Every read is bounded: response and tarball sizes, members in an archive,
bytes decompressed, files walked in a folder, and time per request.
"""

import base64
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import pathlib
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from hailin.maps.assets import MAX_ASSET_BYTES, PACKAGES, REGISTRY, all_assets, cache_dir, matches
from hailin.maps.errors import AssetError

MAX_METADATA_BYTES = 8 << 20
MAX_TARBALL_BYTES = 64 << 20
MAX_ARCHIVE_MEMBERS = 100_000
MAX_ARCHIVE_BYTES = 1 << 30  # decompressed bytes read from one archive
MAX_WALKED_FILES = 500_000
TIMEOUT_S = 60


@dataclasses.dataclass
class FetchReport:
    """What a fetch did: files ``written``, ``kept`` (already right), the ones
    still ``missing``, and the candidates ``refused`` (path: reason)."""

    cache: pathlib.Path
    written: list = dataclasses.field(default_factory=list)
    kept: list = dataclasses.field(default_factory=list)
    missing: list = dataclasses.field(default_factory=list)
    refused: dict = dataclasses.field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing


def _write(cache, asset, data):
    target = cache / asset.relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise


def _wanted(cache):
    """(report, assets not yet in the cache as pinned)."""
    report = FetchReport(cache)
    wanted = []
    for asset in all_assets():
        path = cache / asset.relpath
        try:
            with open(path, "rb") as handle:
                good = matches(asset, handle.read(MAX_ASSET_BYTES + 1))
        except OSError:
            good = False
        (report.kept if good else wanted).append(asset)
    return report, wanted


def _take(report, asset, data, where):
    """Keep ``data`` for ``asset`` if it is the pinned file; else note the refusal."""
    if matches(asset, data):
        _write(report.cache, asset, data)
        report.written.append(asset)
        report.refused.pop(asset.relpath, None)
        return True
    report.refused.setdefault(
        asset.relpath, f"{where}: sha256 differs from the pinned file (changed or another version)"
    )
    return False


def _ends_with(name, path):
    name = name.replace("\\", "/")
    return name == path or name.endswith("/" + path)


# -- from the registry ------------------------------------------------------


def _get(url, limit, timeout):
    """The body at ``url``: at most ``limit`` bytes, ``timeout`` seconds per
    read and ten times that in all (a server sending a byte a minute is cut off)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise AssetError(f"refusing to download {url!r}: only http and https")
    request = urllib.request.Request(
        url, headers={"Accept": "application/json, application/octet-stream;q=0.9"}
    )
    deadline = time.monotonic() + 10 * timeout
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            while size <= limit:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    raise AssetError(f"{url}: still downloading after {10 * timeout} s, given up")
    except urllib.error.HTTPError as error:
        raise AssetError(f"{url}: HTTP {error.code} {error.reason}") from error
    except AssetError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise AssetError(f"cannot download {url}: {reason}") from error
    if size > limit:
        raise AssetError(f"{url}: more than {limit:,} bytes, refused")
    return b"".join(chunks)


def _integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _tarball_url(registry, package, timeout):
    name = urllib.parse.quote(package.name, safe="@")
    url = f"{registry.rstrip('/')}/{name}/{urllib.parse.quote(package.version)}"
    try:
        metadata = json.loads(_get(url, MAX_METADATA_BYTES, timeout))
        tarball = metadata["dist"]["tarball"]
    except (ValueError, KeyError, TypeError) as error:
        raise AssetError(f"{url}: not npm package metadata (no dist.tarball)") from error
    if not isinstance(tarball, str):
        raise AssetError(f"{url}: dist.tarball is not a URL")
    stated = metadata["dist"].get("integrity")
    if isinstance(stated, str) and stated.startswith("sha512-") and stated != package.integrity:
        raise AssetError(
            f"{package.folder}: the registry states integrity {stated}, not the pinned "
            f"{package.integrity}; nothing taken"
        )
    return urllib.parse.urljoin(url, tarball)


def fetch_from_registry(cache=None, registry=REGISTRY, *, timeout=TIMEOUT_S, packages=None):
    """Fill the cache from npm package tarballs; returns a :class:`FetchReport`.

    ``registry`` is any npm registry or mirror (the pins make a mirror as safe
    as the original); ``packages`` replaces the pinned :data:`hailin.maps.assets.PACKAGES`
    (name -> :class:`hailin.maps.assets.Package`), for tests that serve tarballs they
    packed themselves. A package whose tarball does not match its sha512
    raises :class:`~maps.errors.AssetError` before any of its files is written.
    """
    report, wanted = _wanted(cache_dir(cache))
    pins = packages or PACKAGES
    by_package = {}
    for asset in wanted:
        by_package.setdefault(asset.package.name, []).append(asset)
    for name, assets in by_package.items():
        package = pins[name]
        url = _tarball_url(registry, package, timeout)
        data = _get(url, MAX_TARBALL_BYTES, timeout)
        if _integrity(data) != package.integrity:
            raise AssetError(
                f"{package.tarball} from {url} does not match its pinned sha512 "
                f"({package.integrity[:19]}…); nothing taken from it"
            )
        _scan_archive(report, assets, io.BytesIO(data), url)
    report.missing = [a for a in wanted if a not in report.written]
    return report


# -- from a folder or an archive ---------------------------------------------


def _scan_archive(report, wanted, fileobj, where):
    """Take the wanted files out of a tar archive (any compression)."""
    left = [a for a in wanted if a not in report.written]
    members = read = 0
    try:
        with tarfile.open(fileobj=fileobj, mode="r:*") as archive:
            for member in archive:
                members += 1
                if members > MAX_ARCHIVE_MEMBERS:
                    raise AssetError(f"{where}: more than {MAX_ARCHIVE_MEMBERS:,} members, refused")
                if not member.isfile() or member.size > MAX_ASSET_BYTES:
                    continue
                for asset in left:
                    if _ends_with(member.name, asset.path):
                        read += member.size
                        if read > MAX_ARCHIVE_BYTES:
                            raise AssetError(f"{where}: more than {MAX_ARCHIVE_BYTES:,} bytes read")
                        data = archive.extractfile(member).read(MAX_ASSET_BYTES + 1)
                        if _take(report, asset, data, f"{where}:{member.name}"):
                            left.remove(asset)
                        break
                if not left:
                    break
    except AssetError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise AssetError(f"{where}: not a readable tar archive ({error})") from error


def _scan_folder(report, wanted, root):
    left = list(wanted)
    by_name = {}
    for asset in left:
        by_name.setdefault(asset.path.rsplit("/", 1)[-1], []).append(asset)
    tarballs = []
    seen = 0
    for folder, _dirs, files in os.walk(root):
        for file in files:
            seen += 1
            if seen > MAX_WALKED_FILES:
                raise AssetError(f"{root}: more than {MAX_WALKED_FILES:,} files, refused")
            path = os.path.join(folder, file)
            if file.endswith((".tgz", ".tar.gz", ".tar")):
                tarballs.append(path)
            for asset in by_name.get(file, []):
                if asset not in left or not _ends_with(os.path.relpath(path, root), asset.path):
                    continue
                try:
                    if os.path.getsize(path) > MAX_ASSET_BYTES:
                        continue
                    with open(path, "rb") as handle:
                        data = handle.read(MAX_ASSET_BYTES + 1)
                except OSError:
                    continue
                if _take(report, asset, data, path):
                    left.remove(asset)
    for path in tarballs:
        left = [a for a in left if a not in report.written]
        if not left:
            break
        if os.path.getsize(path) <= MAX_TARBALL_BYTES:
            with open(path, "rb") as handle:
                _scan_archive(report, left, handle, path)


def fetch_from(source, cache=None):
    """Fill the cache from a folder or tar archive ``source``; returns a :class:`FetchReport`.

    Examples
    --------
    >>> import tempfile
    >>> report = fetch_from(tempfile.mkdtemp(), cache=tempfile.mkdtemp())
    >>> report.complete, len(report.missing) == len(all_assets())
    (False, True)
    """
    source = pathlib.Path(source)
    report, wanted = _wanted(cache_dir(cache))
    if source.is_dir():
        _scan_folder(report, wanted, source)
    elif source.is_file():
        with open(source, "rb") as handle:
            _scan_archive(report, wanted, handle, str(source))
    else:
        raise AssetError(f"{source}: no such folder or file")
    report.missing = [a for a in wanted if a not in report.written]
    return report
