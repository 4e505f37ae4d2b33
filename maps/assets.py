"""The scripts and stylesheets hailin maps load, all from npm packages.

Every asset is an npm package file, addressed online through jsDelivr's npm
mirror (``https://cdn.jsdelivr.net/npm/PACKAGE@VERSION/PATH``). The same table
lets tests serve the files from a local ``npm ci`` and lets an offline map
inline them, so the two can never disagree.
"""

import dataclasses

CDN = "https://cdn.jsdelivr.net/npm"


@dataclasses.dataclass(frozen=True)
class Asset:
    name: str
    package: str
    version: str
    path: str

    @property
    def url(self):
        return f"{CDN}/{self.package}@{self.version}/{self.path}"


_ASSETS = [
    Asset("leaflet", "leaflet", "1.9.3", "dist/leaflet.js"),
    Asset("leaflet_css", "leaflet", "1.9.3", "dist/leaflet.css"),
    Asset("jquery", "jquery", "3.7.1", "dist/jquery.min.js"),
    Asset("bootstrap", "bootstrap", "5.2.2", "dist/js/bootstrap.bundle.min.js"),
    Asset("bootstrap_css", "bootstrap", "5.2.2", "dist/css/bootstrap.min.css"),
    Asset("fullscreen", "leaflet.fullscreen", "3.0.0", "Control.FullScreen.js"),
    Asset("fullscreen_css", "leaflet.fullscreen", "3.0.0", "Control.FullScreen.css"),
    Asset("measure", "leaflet-measure", "2.1.7", "dist/leaflet-measure.js"),
    Asset("measure_css", "leaflet-measure", "2.1.7", "dist/leaflet-measure.css"),
    Asset("markercluster", "leaflet.markercluster", "1.5.3", "dist/leaflet.markercluster.js"),
    Asset("markercluster_css", "leaflet.markercluster", "1.5.3", "dist/MarkerCluster.css"),
    Asset(
        "markercluster_default_css",
        "leaflet.markercluster",
        "1.5.3",
        "dist/MarkerCluster.Default.css",
    ),
]
ASSETS = {asset.name: asset for asset in _ASSETS}

# What each folium element loads, by asset name.
MAP_JS = ["leaflet", "jquery", "bootstrap"]
MAP_CSS = ["leaflet_css", "bootstrap_css"]
PLUGINS = {
    "Fullscreen": (["fullscreen"], ["fullscreen_css"]),
    "MeasureControl": (["measure"], ["measure_css"]),
    "MarkerCluster": (["markercluster"], ["markercluster_css", "markercluster_default_css"]),
}


def npm_packages():
    """{package: version} that hold every asset (what tests/browser installs)."""
    return {asset.package: asset.version for asset in _ASSETS}


def pin_assets(element):
    """Point a folium Map or plugin at hailin's asset table instead of folium's
    own CDN choices (which mix four CDNs and assets the maps never use)."""
    kind = type(element).__name__
    if kind == "Map":
        js, css = MAP_JS, MAP_CSS
    elif kind in PLUGINS:
        js, css = PLUGINS[kind]
    else:
        return element
    element.default_js = [(name, ASSETS[name].url) for name in js]
    element.default_css = [(name, ASSETS[name].url) for name in css]
    return element
