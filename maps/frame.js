/* hailin map frame: GCJ-02 drawing, basemap switching, coordinates in popups, control words.
 *
 * Written for hailin (no code copied). Loaded once per page after Leaflet; every
 * value it uses comes in as JSON from maps/frame.py.
 *
 * Gaode tiles are drawn in GCJ-02, everything hailin stores in WGS84. Rather than
 * moving every overlay's coordinates, the map's CRS changes with the basemap:
 * over a GCJ-02 basemap its projection is "shift to GCJ-02, then Web Mercator"
 * (and its inverse), so every layer that places itself through the map
 * (polygons, lines, circle markers, markers, clusters, image overlays, canvas
 * or SVG) is drawn where the basemap shows the place, while every LatLng,
 * mouse position and measurement stays WGS84. Layers that project by
 * themselves can listen to the map's "hailin:datum" event.
 */

/* The published forward transform WGS84 -> GCJ-02, as geo/gcj02.py computes it
 * (Krasovsky ellipsoid), shifting only points inside hailin's outline of
 * mainland China (a ring of [lon, lat], even-odd rule). */
function hailinGcj02(outline) {
    "use strict";
    var A = 6378245.0;
    var EE = 0.00669342162296594323;
    var PI = Math.PI;
    var RAD = PI / 180.0;
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    outline.forEach(function (p) {
        minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
    });

    function inside(lng, lat) {
        if (!(lng >= minX && lng <= maxX && lat >= minY && lat <= maxY)) { return false; }
        var odd = false;
        for (var i = 0, j = outline.length - 1; i < outline.length; j = i++) {
            var xi = outline[i][0], yi = outline[i][1], xj = outline[j][0], yj = outline[j][1];
            if ((yi > lat) !== (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) {
                odd = !odd;
            }
        }
        return odd;
    }

    function offset(lng, lat) {
        var x = lng - 105.0;
        var y = lat - 35.0;
        var sqrtAbsX = Math.sqrt(Math.abs(x));
        var wave = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
        var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrtAbsX;
        dlat += wave;
        dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
        dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
        var dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrtAbsX;
        dlng += wave;
        dlng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
        dlng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
        var radLat = lat * RAD;
        var s = Math.sin(radLat);
        var magic = 1.0 - EE * (s * s);
        var sqrtMagic = Math.sqrt(magic);
        dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtMagic) * PI);
        dlng = (dlng * 180.0) / (A / sqrtMagic * Math.cos(radLat) * PI);
        return [dlng, dlat];
    }

    /* [lat, lng] in GCJ-02 of a WGS84 point. */
    function toGcj(lat, lng) {
        if (!inside(lng, lat)) { return [lat, lng]; }
        var d = offset(lng, lat);
        return [lat + d[1], lng + d[0]];
    }

    /* [lat, lng] in WGS84 of a GCJ-02 point: fixed-point iteration on the
     * forward transform, kept only where the answer lies in the outline. */
    function toWgs(lat, lng) {
        var glng = lng, glat = lat;
        for (var k = 0; k < 30; k++) {
            var d = offset(glng, glat);
            var elng = glng + d[0] - lng, elat = glat + d[1] - lat;
            glng -= elng; glat -= elat;
            if (Math.abs(elng) < 1e-13 && Math.abs(elat) < 1e-13) { break; }
        }
        return inside(glng, glat) ? [glat, glng] : [lat, lng];
    }

    /* A Leaflet CRS: Web Mercator of the GCJ-02 position (same tile grid). */
    function crs(L) {
        var merc = L.Projection.SphericalMercator;
        var projection = {
            R: merc.R,
            MAX_LATITUDE: merc.MAX_LATITUDE,
            bounds: merc.bounds,
            project: function (latlng) {
                // Leaflet projects the same LatLng objects at every zoom: keep the shift.
                var memo = latlng._hailinGcj;
                if (!memo || memo[0] !== latlng.lat || memo[1] !== latlng.lng) {
                    var g = toGcj(latlng.lat, latlng.lng);
                    memo = [latlng.lat, latlng.lng, g[0], g[1]];
                    try { latlng._hailinGcj = memo; } catch (e) { /* a frozen object */ }
                }
                return merc.project({lat: memo[2], lng: memo[3]});
            },
            unproject: function (point) {
                var g = merc.unproject(point);
                var w = toWgs(g.lat, g.lng);
                return L.latLng(w[0], w[1]);
            }
        };
        return L.extend({}, L.CRS.EPSG3857, {code: "EPSG:3857/GCJ-02", projection: projection});
    }

    return {inside: inside, toGcj: toGcj, toWgs: toWgs, crs: crs};
}

/* Words on Leaflet's own controls, set before the map is made. */
function hailinControlWords(L, words) {
    "use strict";
    L.Control.Zoom.mergeOptions({zoomInTitle: words.zoom_in, zoomOutTitle: words.zoom_out});
    L.Control.Scale.mergeOptions({imperial: false});
    var initLayout = L.Control.Layers.prototype._initLayout;
    L.Control.Layers.include({
        _initLayout: function () {
            initLayout.call(this);
            this._layersLink.title = words.layers;
            this._layersLink.setAttribute("aria-label", words.layers);
            var base = L.DomUtil.create("div", "hailin-layers-heading");
            base.textContent = words.basemaps;
            this._section.insertBefore(base, this._baseLayersList);
            var over = L.DomUtil.create("div", "hailin-layers-heading");
            over.textContent = words.overlays;
            this._section.insertBefore(over, this._overlaysList);
        }
    });
}

/* The frame's behaviour on one map: the datum follows the basemap shown, and
 * every popup ends with the WGS84 / CGCS2000 coordinates of where it points. */
function hailinFrame(L, map, gcj, words) {
    "use strict";
    var crsOf = {wgs84: L.CRS.EPSG3857, gcj02: gcj.crs(L)};
    var frame = {datum: "wgs84", gcj: gcj};
    map.getContainer().setAttribute("data-hailin-datum", "wgs84");

    frame.setDatum = function (datum) {
        var crs = crsOf[datum];
        if (!crs || map.options.crs === crs) { return; }
        var loaded = map._loaded;
        var center = loaded ? map.getCenter() : null, zoom = loaded ? map.getZoom() : null;
        map.options.crs = crs;
        frame.datum = datum;
        map.getContainer().setAttribute("data-hailin-datum", datum);
        // Same WGS84 centre and zoom: the overlays stay put on screen, the new
        // basemap is laid under them; every layer projects itself again.
        if (loaded) { map.setView(center, zoom, {reset: true, animate: false}); }
        map.fire("hailin:datum", {datum: datum});
    };

    /* One line over the map while the basemap shown has drawn no tile and its
     * tiles fail (offline, blocked, no key), with the fix; gone at the first tile. */
    var notice = null, drawnTiles = 0;
    function tilesFailed() {
        if (notice || drawnTiles > 0) { return; }
        notice = L.DomUtil.create("div", "hailin-tiles-failed", map.getContainer());
        notice.setAttribute("role", "status");
        notice.textContent = words.tiles_failed;
    }
    function tileDrawn() {
        drawnTiles += 1;
        if (notice) { L.DomUtil.remove(notice); notice = null; }
    }
    map.on("baselayerchange", function () {
        drawnTiles = 0;
        if (notice) { L.DomUtil.remove(notice); notice = null; }
    });
    frame.tilesFailed = function () { return notice !== null; };

    /* A basemap: a group of tile layers that sets the map's datum before it is added. */
    frame.basemap = function (tiles, datum) {
        var group = L.layerGroup(tiles.map(function (t) {
            if (t.embedded) { return frame.embeddedTiles(t); }
            return L.tileLayer(t.url, t.options).on("tileerror", tilesFailed)
                .on("tileload", tileDrawn);
        }));
        group.hailinDatum = datum;
        group.beforeAdd = function () { frame.setDatum(datum); };
        return group;
    };

    /* Tiles carried by the page (data: URIs) or beside it (relative URLs);
     * a tile the file lacks is a transparent pixel, never a request. */
    var BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
    var Embedded = L.TileLayer.extend({
        getTileUrl: function (coords) {
            var z = this._getZoomForUrl();
            var i = this.options.hailinIndex[z + "/" + coords.x + "/" + coords.y];
            return i === undefined ? BLANK : this.options.hailinTiles[i];
        }
    });
    frame.embeddedTiles = function (t) {
        var options = L.extend({}, t.options, {hailinIndex: t.index, hailinTiles: t.tiles});
        if (t.bounds) { options.bounds = L.latLngBounds(t.bounds); }
        return new Embedded("", options);
    };

    function degrees(value, positive, negative) {
        return Math.abs(value).toFixed(6) + "°" + (value >= 0 ? positive : negative);
    }

    map.on("popupopen", function (e) {
        var popup = e.popup, at = popup.getLatLng();
        if (!at) { return; }
        if (popup._hailinBase === undefined) { popup._hailinBase = popup.getContent(); }
        var base = popup._hailinBase;
        if (typeof base !== "string" && !(base instanceof HTMLElement)) { return; }
        var box = document.createElement("div");
        if (typeof base === "string") { box.innerHTML = base; } else { box.appendChild(base); }
        var line = L.DomUtil.create("div", "hailin-coords", box);
        line.style.cssText = "margin-top:4px;color:#555;font-size:12px";
        line.textContent = words.coordinates + ": " + degrees(at.lat, "N", "S") + ", " +
            degrees(at.lng, "E", "W");
        popup.setContent(box);
    });
    map.hailin = frame;
    return frame;
}
