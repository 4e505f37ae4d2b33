/* hailin's map tools: full screen, and measuring geodesic distance and area.
 *
 * Written for hailin (no code copied) so that a map needs no plugin script and
 * no page needs 'unsafe-eval': no eval, no new Function, no templates; every
 * text is set through textContent. The words come in as JSON from maps/frame.py.
 */

/* Geodesy on the WGS84 ellipsoid, in metres and square metres.
 * distance: Vincenty's inverse formula (1975), sub-millimetre; near-antipodal
 * points, where it does not converge, fall back to the mean-radius sphere.
 * area: the ring moved to the authalic sphere (same area as the ellipsoid,
 * latitudes mapped to authalic latitudes, an equal-area mapping), then the
 * exact spherical area of its great-circle edges (sum of each edge's signed
 * area to the equator). */
var hailinGeodesy = (function () {
    "use strict";
    var A = 6378137.0, F = 1 / 298.257223563, B = A * (1 - F);
    var E2 = F * (2 - F), E = Math.sqrt(E2), RAD = Math.PI / 180;

    function q(sinPhi) {
        var es = E * sinPhi;
        return (1 - E2) * (sinPhi / (1 - es * es) - Math.log((1 - es) / (1 + es)) / (2 * E));
    }
    var QP = q(1), RQ = A * Math.sqrt(QP / 2);

    function sphereDistance(p, q2) {
        var dLat = (q2.lat - p.lat) * RAD, dLng = (q2.lng - p.lng) * RAD;
        var h = Math.pow(Math.sin(dLat / 2), 2) +
            Math.cos(p.lat * RAD) * Math.cos(q2.lat * RAD) * Math.pow(Math.sin(dLng / 2), 2);
        return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
    }

    function distance(p, q2) {
        var L0 = (q2.lng - p.lng) * RAD;
        var U1 = Math.atan((1 - F) * Math.tan(p.lat * RAD));
        var U2 = Math.atan((1 - F) * Math.tan(q2.lat * RAD));
        var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
        var lambda = L0, sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
        for (var i = 0; i < 200; i++) {
            var sinL = Math.sin(lambda), cosL = Math.cos(lambda);
            sinSigma = Math.sqrt(Math.pow(cosU2 * sinL, 2) +
                Math.pow(cosU1 * sinU2 - sinU1 * cosU2 * cosL, 2));
            if (sinSigma === 0) { return 0; }
            cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
            sigma = Math.atan2(sinSigma, cosSigma);
            var sinAlpha = cosU1 * cosU2 * sinL / sinSigma;
            cos2Alpha = 1 - sinAlpha * sinAlpha;
            cos2SigmaM = cos2Alpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
            var C = F / 16 * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
            var previous = lambda;
            lambda = L0 + (1 - C) * F * sinAlpha * (sigma + C * sinSigma *
                (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
            if (Math.abs(lambda - previous) < 1e-12) {
                var u2 = cos2Alpha * (A * A - B * B) / (B * B);
                var bigA = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
                var bigB = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
                var c2 = cos2SigmaM * cos2SigmaM;
                var dSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (-1 + 2 * c2) -
                    bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * c2)));
                return B * bigA * (sigma - dSigma);
            }
        }
        return sphereDistance(p, q2);
    }

    function area(ring) {
        var total = 0, n = ring.length;
        if (n < 3) { return 0; }
        for (var i = 0; i < n; i++) {
            var p = ring[i], r = ring[(i + 1) % n];
            var t1 = Math.tan(Math.asin(q(Math.sin(p.lat * RAD)) / QP) / 2);
            var t2 = Math.tan(Math.asin(q(Math.sin(r.lat * RAD)) / QP) / 2);
            var dLng = (r.lng - p.lng) * RAD;
            dLng = Math.atan2(Math.sin(dLng), Math.cos(dLng));
            total += 2 * Math.atan2(Math.tan(dLng / 2) * (t1 + t2), 1 + t1 * t2);
        }
        return Math.abs(total) * RQ * RQ;
    }

    function length(points) {
        var sum = 0;
        for (var i = 1; i < points.length; i++) { sum += distance(points[i - 1], points[i]); }
        return sum;
    }

    return {distance: distance, length: length, area: area};
})();

/* Small helpers of the tools. */
var hailinToolParts = {
    grouped: function (value, decimals) {
        "use strict";
        var parts = value.toFixed(decimals).split(".");
        parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        return parts.join(".");
    },
    button: function (L, parent, className, title) {
        "use strict";
        var link = L.DomUtil.create("a", className, parent);
        link.href = "#";
        link.setAttribute("role", "button");
        link.title = title;
        link.setAttribute("aria-label", title);
        return link;
    }
};

/* Full screen: the browser's Fullscreen API, else (iOS Safari) the map fixed
 * over the whole window. */
function hailinFullscreen(L, map, words) {
    "use strict";
    var button = hailinToolParts.button.bind(null, L);
    return L.Control.extend({
        options: {position: "topleft"},
        onAdd: function () {
            var bar = L.DomUtil.create("div", "leaflet-bar hailin-fullscreen");
            var link = button(bar, "hailin-fullscreen-toggle", words.fullscreen);
            var box = map.getContainer();
            function update() {
                var on = document.fullscreenElement === box ||
                    L.DomUtil.hasClass(box, "hailin-pseudo-fullscreen");
                link.title = on ? words.exit_fullscreen : words.fullscreen;
                link.setAttribute("aria-label", link.title);
                L.DomUtil[on ? "addClass" : "removeClass"](bar, "hailin-fullscreen-on");
                map.invalidateSize();
            }
            function pseudo() { box.classList.toggle("hailin-pseudo-fullscreen"); update(); }
            L.DomEvent.on(link, "click", function (e) {
                L.DomEvent.preventDefault(e);
                if (document.fullscreenElement) { document.exitFullscreen(); return; }
                if (L.DomUtil.hasClass(box, "hailin-pseudo-fullscreen")) { pseudo(); return; }
                if (box.requestFullscreen) { box.requestFullscreen().catch(pseudo); } else { pseudo(); }
            });
            L.DomEvent.disableClickPropagation(bar);
            document.addEventListener("fullscreenchange", update);
            return bar;
        }
    });
}

/* Measure: clicks add points; the line's length, and from three points the area
 * of the ring they close, in metres, mu and hectares. */
function hailinMeasure(L, map, words) {
    "use strict";
    var button = hailinToolParts.button.bind(null, L);
    return L.Control.extend({
        options: {position: "topleft"},
        onAdd: function () {
            var self = this;
            var bar = L.DomUtil.create("div", "leaflet-bar hailin-measure");
            var link = button(bar, "hailin-measure-toggle", words.measure);
            var box = L.DomUtil.create("div", "hailin-measure-box", bar);
            var hint = L.DomUtil.create("div", "hailin-measure-hint", box);
            hint.textContent = words.measure_hint;
            self.distanceLine = L.DomUtil.create("div", "hailin-measure-distance", box);
            self.areaLine = L.DomUtil.create("div", "hailin-measure-area", box);
            var actions = L.DomUtil.create("div", "hailin-measure-actions", box);
            var clear = L.DomUtil.create("button", "hailin-measure-clear", actions);
            clear.type = "button";
            clear.textContent = words.clear;
            var finish = L.DomUtil.create("button", "hailin-measure-finish", actions);
            finish.type = "button";
            finish.textContent = words.finish;
            self.points = [];
            self.drawn = L.layerGroup();
            L.DomEvent.on(link, "click", function (e) {
                L.DomEvent.preventDefault(e);
                if (self.active) { self.stop(); } else { self.start(); }
            });
            L.DomEvent.on(clear, "click", function () { self.clear(); });
            L.DomEvent.on(finish, "click", function () { self.stop(); });
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.disableScrollPropagation(bar);
            self.bar = bar;
            map.on("click", function (e) { if (self.active) { self.add(e.latlng); } });
            map.on("popupopen", function () { if (self.active) { map.closePopup(); } });
            map.hailinMeasure = self;
            return bar;
        },
        start: function () {
            this.active = true;
            this.clear();
            this.drawn.addTo(map);
            map.doubleClickZoom.disable();
            L.DomUtil.addClass(this.bar, "hailin-measuring");
            L.DomUtil.addClass(map.getContainer(), "hailin-measuring-map");
        },
        stop: function () {
            this.active = false;
            map.doubleClickZoom.enable();
            L.DomUtil.removeClass(this.bar, "hailin-measuring");
            L.DomUtil.removeClass(map.getContainer(), "hailin-measuring-map");
            this.drawn.remove();
        },
        clear: function () {
            this.points = [];
            this.drawn.clearLayers();
            this.show();
        },
        add: function (latlng) {
            this.points.push(latlng);
            this.show();
        },
        show: function () {
            var points = this.points;
            hailinMeasureShapes(L, points, this.drawn);
            var said = hailinMeasureWords(points, words);
            this.distanceLine.textContent = said.distance;
            this.areaLine.textContent = said.area;
            this.metres = said.metres;
            this.squareMetres = said.squareMetres;
        }
    });
}

/* The points clicked, and the line or ring through them, drawn into ``drawn``. */
function hailinMeasureShapes(L, points, drawn) {
    "use strict";
    drawn.clearLayers();
    var style = {color: "#1b1b1b", weight: 2, dashArray: "6 4", interactive: false};
    if (points.length > 2) {
        L.polygon(points, L.extend({fillColor: "#ffffff", fillOpacity: 0.25}, style)).addTo(drawn);
    } else if (points.length === 2) {
        L.polyline(points, style).addTo(drawn);
    }
    points.forEach(function (p) {
        L.circleMarker(p, {radius: 4, color: "#1b1b1b", weight: 2, fillColor: "#fff",
            fillOpacity: 1, interactive: false}).addTo(drawn);
    });
}

/* The measure tool's two lines for ``points``: distance, and area from three points. */
function hailinMeasureWords(points, words) {
    "use strict";
    var grouped = hailinToolParts.grouped;
    var metres = hailinGeodesy.length(points);
    var m2 = points.length > 2 ? hailinGeodesy.area(points) : 0;
    return {
        metres: metres,
        squareMetres: m2,
        distance: points.length < 2 ? "" : words.distance + words.colon +
            (metres < 1000 ? grouped(metres, 1) + " " + words.metres :
                grouped(metres / 1000, 3) + " " + words.kilometres),
        area: points.length < 3 ? "" : words.area + words.colon +
            grouped(m2, 0) + " " + words.square_metres + " · " + grouped(m2 * 0.0015, 2) +
            " " + words.mu + " · " + grouped(m2 / 10000, 3) + " " + words.hectares
    };
}

function hailinTools(L, map, words) {
    "use strict";
    new (hailinFullscreen(L, map, words))().addTo(map);
    new (hailinMeasure(L, map, words))().addTo(map);
}
