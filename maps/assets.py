"""The scripts, stylesheets and images hailin maps load: pinned npm package files.

Every asset is a file of an npm package at a pinned version, with the sha256 of
the file and the sha512 of the package's published tarball (npm's ``integrity``,
as in ``tests/browser/package-lock.json``). The same table serves the three ways
a map is written (see :mod:`hailin.maps.output`):

- online: from jsDelivr's npm mirror (``https://cdn.jsdelivr.net/npm/PACKAGE@VERSION/PATH``),
  each tag with a subresource-integrity hash, so a changed file is not run;
- beside the map (``--assets DIR``) and inlined (``--offline``): from the local
  asset cache that ``hailin assets fetch`` fills (:mod:`hailin.maps.fetch`), every file
  checked against its sha256 each time it is read.

No third-party file is kept in the repository: only names, versions and hashes.
jQuery and Bootstrap, which folium loads by default, are left out: nothing on a
hailin map uses them (they were 60% of the bytes an offline map would inline).
"""

import base64
import dataclasses
import hashlib
import os
import pathlib

from hailin.maps.errors import AssetError, AssetsMissing

CDN = "https://cdn.jsdelivr.net/npm"
ASSETS_ENV = "HAILIN_ASSETS"
# Where `hailin assets fetch` downloads the packages from by default.
REGISTRY = "https://registry.npmjs.org"
# The largest asset file (leaflet.js is 147 kB); anything bigger is not ours.
MAX_ASSET_BYTES = 4 << 20


@dataclasses.dataclass(frozen=True)
class Package:
    """An npm package at a pinned version; ``integrity`` is the sha512 of its
    published tarball in npm's notation (``sha512-`` and base64)."""

    name: str
    version: str
    integrity: str

    @property
    def folder(self) -> str:
        """The package's folder in the cache and beside a map: ``NAME@VERSION``."""
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:
        """The tarball's file name as the registry names it."""
        return f"{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"


@dataclasses.dataclass(frozen=True)
class Asset:
    """One file of a :class:`Package`: ``path`` inside the package, ``sha256`` (hex)."""

    name: str
    package: Package
    path: str
    sha256: str

    @property
    def version(self) -> str:
        return self.package.version

    @property
    def url(self) -> str:
        """Where jsDelivr serves the file."""
        return f"{CDN}/{self.package.name}@{self.package.version}/{self.path}"

    @property
    def relpath(self) -> str:
        """Where the file lies in the cache or an assets folder (``/``-separated)."""
        return f"{self.package.folder}/{self.path}"

    @property
    def sri(self) -> str:
        """The subresource-integrity value of the file."""
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    @property
    def kind(self) -> str:
        """``js``, ``css`` or ``file`` (an image a stylesheet refers to)."""
        suffix = self.path.rsplit(".", 1)[-1]
        return suffix if suffix in ("js", "css") else "file"


_LEAFLET = Package(
    "leaflet",
    "1.9.3",
    "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
)
_FULLSCREEN = Package(
    "leaflet.fullscreen",
    "3.0.0",
    "sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/UcILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ==",
)
_MEASURE = Package(
    "leaflet-measure",
    "2.1.7",
    "sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug==",
)
_CLUSTER = Package(
    "leaflet.markercluster",
    "1.5.3",
    "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
)
PACKAGES = {p.name: p for p in (_LEAFLET, _FULLSCREEN, _MEASURE, _CLUSTER)}

_ASSETS = [
    Asset(
        "leaflet",
        _LEAFLET,
        "dist/leaflet.js",
        "5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03",
    ),
    Asset(
        "leaflet_css",
        _LEAFLET,
        "dist/leaflet.css",
        "90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722",
    ),
    Asset(
        "leaflet_layers",
        _LEAFLET,
        "dist/images/layers.png",
        "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    ),
    Asset(
        "leaflet_layers_2x",
        _LEAFLET,
        "dist/images/layers-2x.png",
        "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
    ),
    Asset(
        "leaflet_marker_icon",
        _LEAFLET,
        "dist/images/marker-icon.png",
        "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
    ),
    Asset(
        "leaflet_marker_icon_2x",
        _LEAFLET,
        "dist/images/marker-icon-2x.png",
        "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
    ),
    Asset(
        "leaflet_marker_shadow",
        _LEAFLET,
        "dist/images/marker-shadow.png",
        "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
    ),
    Asset(
        "fullscreen",
        _FULLSCREEN,
        "Control.FullScreen.js",
        "3c542b5d5844cc00cff2787dff49504a31f3bed9de3161e5b26e0c0437d6bbb7",
    ),
    Asset(
        "fullscreen_css",
        _FULLSCREEN,
        "Control.FullScreen.css",
        "31f9593e6e715114e23076ba11628f68a301025b44b85ffb70fca4bc9475214e",
    ),
    Asset(
        "fullscreen_icon",
        _FULLSCREEN,
        "icon-fullscreen.svg",
        "034807095346f7be3b9d5b2add42ba0677af1a89d2f90a0caa5c75ec2780a2a2",
    ),
    Asset(
        "measure",
        _MEASURE,
        "dist/leaflet-measure.min.js",
        "9e54dee607d2e20d4ab1664ee4ede78f51ba6e05c42a3f9cf3f57d7bc69e8d21",
    ),
    Asset(
        "measure_css",
        _MEASURE,
        "dist/leaflet-measure.css",
        "88b2b4f27f9846f08ede9f80bb85610c3f5ede62acce7d26672e385b2a45795a",
    ),
    *(
        Asset(f"measure_{name}", _MEASURE, f"dist/images/{name}.png", sha256)
        for name, sha256 in (
            ("cancel", "2972e9515ff9b486d358ffe03777ebdf2dd35a2c8ccf52424fda8a8d02c0fa85"),
            ("cancel_@2X", "a59c1612e89468ce9d272d2e0d086c0f13029234ee1cce322237e9038a756ef3"),
            ("check", "7970eeda1c1d647da160b406bd0b6d336e2fddebc4f74431c306d7262a380043"),
            ("check_@2X", "948a01a00a8ffcf9f9f1aa35a47432d8ae28bcc26d531b8fb7e14cd52d693893"),
            ("focus", "40bb0aff173baa6b3e8dba04ac23ada71909e09a4ca7f28fc24fd49bd360ca7d"),
            ("focus_@2X", "a7914120026f40f5da0d6f20c62222547795affd21382558dabc0f53511a8624"),
            ("rulers", "dc7ae401048e6ad3c8f56d991cbc83a775f59937f10f6e62f087d288aa4d7137"),
            ("rulers_@2X", "558233345e005b15b6b81bfa0c75877b3e7e17c90641b92e72cb1faed7bbbf27"),
            ("start", "0194f340b27a4c5be35b83516c891c618016df39a7dab79f371b4cca0430e60a"),
            ("start_@2X", "f001d4f02102a672b95fa57d279869fabee53a27356a4e4efd0d1e3a99c22db9"),
            ("trash", "7107fd0636a571de720766fd9bcd6cb5c952488987a858dd902608130fca19dc"),
            ("trash_@2X", "1755d22b1ffb0e8589b26ac562330047366ed15c9d075b85d0426065714fc2bc"),
        )
    ),
    Asset(
        "markercluster",
        _CLUSTER,
        "dist/leaflet.markercluster.js",
        "1e4e1d22972a3926f48598e0caf14e3fe7049835d428a344fed4f9e3665b3508",
    ),
    Asset(
        "markercluster_css",
        _CLUSTER,
        "dist/MarkerCluster.css",
        "614dea0a98ff3f4ead74f04918f6b1d1b9ba435c25b5fc23b21a394d1e3e4d87",
    ),
    Asset(
        "markercluster_default_css",
        _CLUSTER,
        "dist/MarkerCluster.Default.css",
        "61258232d98d64dc2a7b1e02130d67421bc5b9bda5994eef70228ff97570c170",
    ),
]
ASSETS = {asset.name: asset for asset in _ASSETS}
# Assets by (package name, path in the package): how a stylesheet's url(...) is resolved.
BY_PATH = {(asset.package.name, asset.path): asset for asset in _ASSETS}

# What each folium element loads, by asset name (scripts, stylesheets), in order.
MAP_JS = ["leaflet"]
MAP_CSS = ["leaflet_css"]
PLUGINS = {
    "Fullscreen": (["fullscreen"], ["fullscreen_css"]),
    "MeasureControl": (["measure"], ["measure_css"]),
    "MarkerCluster": (["markercluster"], ["markercluster_css", "markercluster_default_css"]),
}


def npm_packages() -> dict:
    """{package: version} that hold every asset (what tests/browser installs)."""
    return {package.name: package.version for package in PACKAGES.values()}


def pin_assets(element):
    """Mark a folium Map or plugin as loading hailin's assets: folium's own
    links (four CDNs, jQuery, Bootstrap) are dropped, and the map's
    :class:`hailin.maps.output.Frame` writes the links or the inlined files instead."""
    kind = type(element).__name__
    if kind == "Map" or kind in PLUGINS:
        element.default_js = []
        element.default_css = []
    return element


def assets_for(fmap):
    """The (scripts, stylesheets) ``fmap`` loads: the map's own, then each
    plugin's, in the order the elements first appear, each once.

    Raises :class:`~maps.errors.AssetError` for a folium element that still
    names assets of its own (a plugin that is not in this table): it would
    load them from a CDN whatever the map was asked for.
    """
    scripts, sheets = list(MAP_JS), list(MAP_CSS)
    elements = [fmap]
    while elements:
        element = elements.pop(0)
        if getattr(element, "default_js", None) or getattr(element, "default_css", None):
            raise AssetError(
                f"{type(element).__name__} loads scripts hailin has not pinned; "
                "add them to maps/assets.py"
            )
        js, css = PLUGINS.get(type(element).__name__, ([], []))
        scripts += [name for name in js if name not in scripts]
        sheets += [name for name in css if name not in sheets]
        elements.extend(element._children.values())
    return [ASSETS[name] for name in scripts], [ASSETS[name] for name in sheets]


def cache_dir(path=None) -> pathlib.Path:
    """The asset cache: ``path``, else ``$HAILIN_ASSETS``, else
    ``$XDG_CACHE_HOME/hailin/assets``, else ``~/.cache/hailin/assets``.

    Examples
    --------
    >>> str(cache_dir("/srv/hailin-assets"))
    '/srv/hailin-assets'
    """
    if path:
        return pathlib.Path(path)
    if os.environ.get(ASSETS_ENV):
        return pathlib.Path(os.environ[ASSETS_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "hailin" / "assets"


def sha256_of(data) -> str:
    return hashlib.sha256(data).hexdigest()


def matches(asset, data) -> bool:
    """Whether ``data`` is exactly the pinned file."""
    return len(data) <= MAX_ASSET_BYTES and sha256_of(data) == asset.sha256


def _read_bounded(path):
    with open(path, "rb") as handle:
        return handle.read(MAX_ASSET_BYTES + 1)


def missing_assets(cache=None):
    """The assets absent from the cache or not matching their pin."""
    root = cache_dir(cache)
    missing = []
    for asset in _ASSETS:
        path = root / asset.relpath
        try:
            good = path.is_file() and matches(asset, _read_bounded(path))
        except OSError:
            good = False
        if not good:
            missing.append(asset)
    return missing


def fill_hint() -> str:
    return (
        "run `hailin assets fetch` once (or `hailin assets fetch --from DIR|TARBALL` "
        "with a copied node_modules folder or asset archive)"
    )


def require_assets(cache=None) -> pathlib.Path:
    """The cache folder, or :class:`~maps.errors.AssetsMissing` saying how to fill it."""
    root = cache_dir(cache)
    missing = missing_assets(root)
    if missing:
        raise AssetsMissing(
            f"the map assets are not in {root} ({len(missing)} of {len(_ASSETS)} files "
            f"missing or changed): {fill_hint()}"
        )
    return root


def read_asset(asset, cache=None) -> bytes:
    """The bytes of ``asset`` from the cache, checked against its sha256."""
    path = cache_dir(cache) / asset.relpath
    try:
        data = _read_bounded(path)
    except OSError as error:
        raise AssetsMissing(
            f"{asset.relpath} is not in {cache_dir(cache)}: {fill_hint()}"
        ) from error
    if not matches(asset, data):
        raise AssetError(
            f"{path} is not the pinned file (sha256 differs): run `hailin assets fetch` again"
        )
    return data


def all_assets():
    """Every pinned file, scripts, stylesheets and the images they use."""
    return list(_ASSETS)
