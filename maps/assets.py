"""The files hailin maps load: Leaflet 1.9.3, installed with hailin.

Leaflet comes from the XStatic-Leaflet wheel (a dependency, pinned to the same
1.9.3), so ``pip install hailin`` brings every byte a map needs: no CDN, no
fetch step, no network. Each file is pinned here by its sha256 and checked
each time it is read; a changed file is refused. Full screen and measuring
are hailin's own small scripts (``maps/tools.js``), written into every page.

The same table serves the three ways a map is written (see :mod:`hailin.maps.output`):
inlined (the default: one self-contained file), copied beside the map
(``--assets DIR``), or linked from jsDelivr's npm mirror with a
subresource-integrity hash (``--cdn``, the explicit opt-in for a smaller page).
jQuery and Bootstrap, which folium loads by default, are left out: nothing on
a hailin map uses them.
"""

import base64
import dataclasses
import functools
import hashlib
import pathlib

from hailin.maps.errors import AssetError

LEAFLET_VERSION = "1.9.3"
# The --cdn opt-in: jsDelivr serves npm's leaflet package at this version.
CDN = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist"
# The largest asset file (leaflet.js is 147 kB); anything bigger is not ours.
MAX_ASSET_BYTES = 4 << 20
REINSTALL_HINT = f"reinstall it: pip install --force-reinstall xstatic-leaflet=={LEAFLET_VERSION}.0"


@dataclasses.dataclass(frozen=True)
class Asset:
    """One file of Leaflet's ``dist`` folder: ``path`` in it, ``sha256`` (hex)."""

    name: str
    path: str
    sha256: str

    @property
    def version(self) -> str:
        return LEAFLET_VERSION

    @property
    def url(self) -> str:
        """Where jsDelivr serves the file (``--cdn``)."""
        return f"{CDN}/{self.path}"

    @property
    def relpath(self) -> str:
        """Where the file lies in an assets folder (``/``-separated)."""
        return f"leaflet@{LEAFLET_VERSION}/{self.path}"

    @property
    def sri(self) -> str:
        """The subresource-integrity value of the file."""
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    @property
    def kind(self) -> str:
        """``js``, ``css`` or ``file`` (an image the stylesheet refers to)."""
        suffix = self.path.rsplit(".", 1)[-1]
        return suffix if suffix in ("js", "css") else "file"


_ASSETS = [
    Asset(
        "leaflet", "leaflet.js", "5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03"
    ),
    Asset(
        "leaflet_css",
        "leaflet.css",
        "90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722",
    ),
    *(
        Asset(f"leaflet_{name.replace('-', '_')}", f"images/{name}.png", sha256)
        for name, sha256 in (
            ("layers", "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6"),
            ("layers-2x", "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf"),
            ("marker-icon", "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437"),
            ("marker-icon-2x", "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528"),
            ("marker-shadow", "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da"),
        )
    ),
]
ASSETS = {asset.name: asset for asset in _ASSETS}
# Assets by their path in Leaflet's dist folder: how the stylesheet's url(...) is resolved.
BY_PATH = {asset.path: asset for asset in _ASSETS}

# What every map loads, by asset name (scripts, stylesheets), in order.
MAP_JS = ["leaflet"]
MAP_CSS = ["leaflet_css"]


def pin_assets(element):
    """Mark a folium Map as loading hailin's assets: folium's own links (four
    CDNs, jQuery, Bootstrap) are dropped, and the map's
    :class:`hailin.maps.frame.Frame` writes the inlined files or the links instead."""
    element.default_js = []
    element.default_css = []
    return element


def assets_for(fmap):
    """The (scripts, stylesheets) ``fmap`` loads.

    Raises :class:`~maps.errors.AssetError` for a folium element that still
    names assets of its own (a plugin hailin does not carry): it would load
    them from a CDN whatever the map was asked for.
    """
    elements = [fmap]
    while elements:
        element = elements.pop(0)
        if getattr(element, "default_js", None) or getattr(element, "default_css", None):
            raise AssetError(
                f"{type(element).__name__} loads scripts from a CDN; hailin maps carry "
                "only Leaflet (maps/assets.py) and their own scripts"
            )
        elements.extend(element._children.values())
    return [ASSETS[name] for name in MAP_JS], [ASSETS[name] for name in MAP_CSS]


def leaflet_dir() -> pathlib.Path:
    """The folder XStatic-Leaflet installed Leaflet's files in.

    Examples
    --------
    >>> (leaflet_dir() / "leaflet.js").is_file()
    True
    """
    try:
        from xstatic.pkg import leaflet
    except ImportError as error:
        raise AssetError(
            f"the Python package xstatic-leaflet is missing: {REINSTALL_HINT}"
        ) from error
    if leaflet.VERSION != LEAFLET_VERSION:
        raise AssetError(
            f"xstatic-leaflet holds Leaflet {leaflet.VERSION}, not {LEAFLET_VERSION}: "
            f"{REINSTALL_HINT}"
        )
    return pathlib.Path(leaflet.BASE_DIR)


def sha256_of(data) -> str:
    return hashlib.sha256(data).hexdigest()


def matches(asset, data) -> bool:
    """Whether ``data`` is exactly the pinned file."""
    return len(data) <= MAX_ASSET_BYTES and sha256_of(data) == asset.sha256


@functools.cache
def read_asset(asset) -> bytes:
    """The bytes of ``asset``, checked against its sha256 (read once per process)."""
    path = leaflet_dir() / asset.path
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ASSET_BYTES + 1)
    except OSError as error:
        raise AssetError(f"Leaflet's {asset.path} is missing: {REINSTALL_HINT}") from error
    if not matches(asset, data):
        raise AssetError(f"Leaflet's {asset.path} is not the pinned file: {REINSTALL_HINT}")
    return data


def all_assets():
    """Every pinned file: the script, the stylesheet and the images it uses."""
    return list(_ASSETS)
