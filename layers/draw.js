/* hailin data layers: the compact payloads of layers/encode.py drawn with Leaflet.
 *
 * Written for hailin (no code copied). Loaded once per page after Leaflet,
 * maps/frame.js and layers/canvas.js, before layers/records.js; every value
 * comes in as JSON from layers/features.py.
 *
 * - Plots, patches, findings, tracks and reserves are Leaflet paths on one
 *   canvas per map (layers/canvas.js: 10,000 SVG paths took seconds to draw).
 *   Paths the time control hides stay in their place in the drawing order and
 *   are skipped, so nothing jumps above another.
 * - Patrol records (up to millions) are a layer of their own (layers/records.js):
 *   typed arrays, projected once per datum through the map's CRS (so GCJ-02
 *   follows the basemap), drawn one by one when few are in view, else as cells
 *   showing their count and their patrol types' shares in the legend's colours.
 * - Popups and tooltips are built from the columns as text nodes: no value is
 *   ever read as HTML.
 */
var hailinLayer = (function () {
    "use strict";
    var TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array};

    /* The numbers of layers/encode.py ints(): a typed array (offset added). */
    function ints(spec) {
        var bin = atob(spec.b), n = bin.length, bytes = new Uint8Array(n);
        for (var i = 0; i < n; i++) { bytes[i] = bin.charCodeAt(i); }
        var raw = new TYPES[spec.t](bytes.buffer);
        if (!spec.o) { return raw; }
        var out = new Float64Array(raw.length);
        for (var j = 0; j < raw.length; j++) { out[j] = raw[j] + spec.o; }
        return out;
    }

    function dayText(day) { return new Date(day * 86400000).toISOString().slice(0, 10); }

    function minuteText(minute) {
        var iso = new Date(minute * 60000).toISOString();
        return iso.slice(0, 10) + " " + iso.slice(11, 16);
    }

    /* The version of a timed value known on ``day`` (null: the latest). */
    function versionOn(versions, day) {
        var found = null;
        versions.forEach(function (v) { if (day === null || v[0] <= day) { found = v[1]; } });
        return found;
    }

    /* A layer's columns: values by feature, decoded on first use; timed
     * values as known on the day shown (``dayOf()``). */
    function Columns(payload, stateOf, dayOf) {
        var specs = payload.columns, cache = {}, entered = {};
        function numbers(name) {
            if (!cache[name]) {
                var spec = specs[name];
                cache[name] = ints(spec.kind === "text" || spec.kind === "rows" || spec.kind === "timed" ? spec.codes : spec.values);
            }
            return cache[name];
        }
        /* A count as known on the day shown: its feature's last version by then. */
        function timedNumber(spec, name, i) {
            if (!cache[name]) {
                var count = ints(spec.count), start = new Uint32Array(count.length + 1);
                for (var k = 0; k < count.length; k++) { start[k + 1] = start[k] + count[k]; }
                cache[name] = {start: start, day: ints(spec.day), value: ints(spec.value)};
            }
            var c = cache[name], day = dayOf ? dayOf() : null, found = null;
            for (var j = c.start[i]; j < c.start[i + 1]; j++) {
                if (day === null || c.day[j] <= day) { found = String(c.value[j]); }
            }
            return found;
        }
        function value(name, i) {
            if (name === "@state") { return payload.states[stateOf(i)]; }
            if (specs[name].kind === "timed_numbers") { return timedNumber(specs[name], name, i); }
            var spec = specs[name], v = numbers(name)[i];
            if (spec.kind === "minute") { return minuteText(v); }
            if (spec.kind === "day") { return dayText(v); }
            if (spec.kind === "timed") { return versionOn(spec.table[v], dayOf ? dayOf() : null); }
            return spec.table[v];
        }
        function isEntered(name, i) {
            var spec = specs[name];
            if (!spec || !spec.entered || !spec.entered.length) { return false; }
            if (!entered[name]) {
                entered[name] = {};
                spec.entered.forEach(function (code) { entered[name][code] = true; });
            }
            return entered[name][numbers(name)[i]] === true;
        }
        return {numbers: numbers, value: value, isEntered: isEntered};
    }

    function line(box, text, tag) {
        var el = document.createElement(tag || "div");
        el.textContent = text;
        box.appendChild(el);
    }

    /* A popup: a bold title, then "label: value" rows, empty values left out. */
    function popupElement(payload, columns, i) {
        var spec = payload.popup, words = payload.words || {};
        var box = document.createElement("div");
        box.className = "hailin-popup-body";
        var prefix = spec.title[0], value = spec.title[1] ? columns.value(spec.title[1], i) : "";
        line(box, prefix && value ? prefix + " " + value : prefix || value, "b");
        spec.rows.forEach(function (row) {
            var pairs = row[0] === null ? columns.value(row[1], i) || [] :
                [[row[0] + (columns.isEntered(row[1], i) ? " " + words.as_entered : ""),
                  columns.value(row[1], i)]];
            pairs.forEach(function (pair) {
                if (pair[1] !== "" && pair[1] !== null && pair[1] !== undefined) {
                    line(box, pair[0] + ": " + pair[1]);
                }
            });
        });
        return box;
    }

    function tooltipText(payload, columns, i) {
        return payload.tooltip.map(function (name) { return columns.value(name, i); })
            .filter(function (v) { return v !== "" && v !== null && v !== undefined; })
            .join(" · ");
    }

    function openPopup(map, latlng, element) {
        var size = map.getSize();
        L.popup({
            maxWidth: Math.max(160, Math.min(360, size.x - 140)),
            maxHeight: Math.max(140, size.y - 200),
            autoPan: !map.hailinPlacesPopups,
            className: "hailin-popup"
        }).setLatLng(latlng).setContent(element).openOn(map);
    }

    function canvasOf(map) {
        if (!map.hailinCanvas) { map.hailinCanvas = new hailinCanvas({padding: 0.3, tolerance: 4}); }
        return map.hailinCanvas;
    }

    function redraw(renderer) {
        if (renderer._map && renderer._container) {
            renderer._redrawBounds = null;
            renderer._redraw();
        }
    }

    /* A polygon never drawn smaller than minSize pixels: below it, a dot. Its
     * drawn size is the raw projected box (Leaflet's _pxBounds adds the click
     * tolerance, which would hide a 4 px patch behind a 14 px box). */
    var Patch = L.Polygon.extend({
        _project: function () {
            L.Polygon.prototype._project.call(this);
            var b = this._rawPxBounds, half = this.options.hailinMinSize / 2;
            this._hailinDot = null;
            if (b) {
                var size = b.getSize();
                if (Math.max(size.x, size.y) < 2 * half) {
                    var grow = half + this._clickTolerance();
                    this._hailinDot = b.getCenter();
                    this._pxBounds = L.bounds(this._hailinDot.subtract([grow, grow]),
                        this._hailinDot.add([grow, grow]));
                }
            }
        },
        _updatePath: function () {
            if (!this._hailinDot) { return L.Polygon.prototype._updatePath.call(this); }
            this._point = this._hailinDot;
            this._radius = this.options.hailinMinSize / 2;
            this._renderer._updateCircle(this);
        },
        _empty: function () {
            return !this._pxBounds || !this._renderer._bounds.intersects(this._pxBounds);
        },
        _containsPoint: function (p) {
            if (!this._hailinDot) { return L.Polygon.prototype._containsPoint.call(this, p); }
            return p.distanceTo(this._hailinDot) <= this.options.hailinMinSize / 2 + 2;
        }
    });

    /* [[lat, lng]...] nests of each feature of an encoded shape geometry. */
    function shapeLatLngs(g) {
        var parts = ints(g.parts), rings = ints(g.rings), sizes = ints(g.sizes);
        var first = ints(g.first), steps = ints(g.steps), s = g.scale;
        var out = [], q = 0, r = 0, k = 0;
        for (var f = 0; f < parts.length; f++) {
            var pieces = [];
            for (var a = 0; a < parts[f]; a++, q++) {
                var loops = [];
                for (var b = 0; b < rings[q]; b++, r++) {
                    var x = first[2 * r], y = first[2 * r + 1], ring = [L.latLng(y / s, x / s)];
                    for (var v = 1; v < sizes[r]; v++, k++) {
                        x += steps[2 * k];
                        y += steps[2 * k + 1];
                        ring.push(L.latLng(y / s, x / s));
                    }
                    loops.push(ring);
                }
                pieces.push(g.type === "polygon" ? loops : loops[0]);
            }
            out.push(pieces.length === 1 ? pieces[0] : pieces);
        }
        return out;
    }

    /* When each feature shows: its state at a day (null: hidden). */
    function timing(payload) {
        var time = payload.time, n = payload.count;
        if (time && time.steps) {
            var count = ints(time.steps.count), days = ints(time.steps.day);
            var states = ints(time.steps.state), start = new Uint32Array(n + 1);
            for (var i = 0; i < n; i++) { start[i + 1] = start[i] + count[i]; }
            return function (f, day) {
                var state = null;
                for (var k = start[f]; k < start[f + 1]; k++) {
                    if (day === null || days[k] <= day) { state = states[k]; }
                }
                return state;
            };
        }
        if (time && time.since) {
            var since = null;
            return function (f, day) {
                since = since || ints(payload.columns[time.since].values);
                return day === null || since[f] <= day ? 0 : null;
            };
        }
        return function () { return 0; };
    }

    function pathOf(payload, latlngs, options) {
        var g = payload.geometry;
        if (g.type === "point") {
            return L.circleMarker(latlngs, L.extend(options, {radius: payload.radius || 4}));
        }
        if (g.type === "line") { return L.polyline(latlngs, options); }
        if (payload.min_size) { return new Patch(latlngs, L.extend(options, {hailinMinSize: payload.min_size})); }
        return L.polygon(latlngs, options);
    }

    /* A name written on each feature (the reserves), shown with its layer: the
     * map stays readable when no basemap tile draws. */
    function nameLabels(map, group, paths, name) {
        var labels = L.layerGroup(paths.map(function (path) {
            return L.tooltip({permanent: true, direction: "center", interactive: false,
                className: "hailin-label"})
                .setLatLng(path.getBounds().getCenter())
                .setContent(document.createTextNode(name(path.hailinIndex)));
        }));
        group.on("add", function () { labels.addTo(map); });
        group.on("remove", function () { labels.remove(); });
        group.hailinLabels = labels;
    }

    function pathLayer(map, payload) {
        var state = timing(payload), styles = payload.style, n = payload.count;
        var current = new Int32Array(n), day = null, g = payload.geometry;
        var columns = Columns(payload, function (i) { return current[i]; }, function () { return day; });
        var classes = styles["class"] && styles["class"] !== "@state" ? ints(payload.classes[styles["class"]]) : null;
        var renderer = canvasOf(map), group = L.featureGroup(), paths = [];
        var places = g.type === "point" ? null : shapeLatLngs(g);
        var xs = places ? null : ints(g.x), ys = places ? null : ints(g.y);
        function colourOf(i) {
            if (!styles.colours) { return {}; }
            var c = styles.colours[classes ? classes[i] : current[i]];
            return {color: c, fillColor: c};
        }
        for (var i = 0; i < n; i++) {
            current[i] = state(i, null);
            var options = L.extend({renderer: renderer}, styles.base, colourOf(i));
            var path = pathOf(payload, places ? places[i] : L.latLng(ys[i] / g.scale, xs[i] / g.scale), options);
            path.hailinIndex = i;
            path.feature = {type: "Feature", properties: payload.ids ? {plot_id: columns.value(payload.ids, i)} : {}};
            paths.push(path);
            group.addLayer(path);
        }
        group.on("click", function (e) {
            var path = e.propagatedFrom || e.layer;
            openPopup(map, path.getLatLng ? path.getLatLng() : e.latlng, popupElement(payload, columns, path.hailinIndex));
        });
        group.bindTooltip(function (path) {
            return document.createTextNode(tooltipText(payload, columns, path.hailinIndex));
        }, {sticky: true});
        if (payload.labels) { nameLabels(map, group, paths, columns.value.bind(null, payload.labels)); }
        group.hailinTimed = !!payload.time;
        group.hailinShowAt = function (at) {
            var changed = false;
            day = at;
            paths.forEach(function (path, f) {
                var s = state(f, at), hidden = s === null;
                if (!hidden && s !== current[f]) {
                    current[f] = s;
                    if (styles["class"] === "@state") { L.extend(path.options, colourOf(f)); }
                    changed = true;
                }
                if (!!path._hailinHidden !== hidden) {
                    path._hailinHidden = hidden;
                    path.options.interactive = !hidden;
                    changed = true;
                }
            });
            if (changed) { redraw(renderer); }
        };
        group.hailinShown = function () {
            return paths.filter(function (p) { return !p._hailinHidden; }).length;
        };
        group.hailinFeature = function (id) {
            return paths.filter(function (p) { return p.feature && p.feature.properties.plot_id === id; })[0];
        };
        group.hailinDay = function () { return day; };
        group.hailinPaths = paths;
        return group;
    }

    function hailinLayer(map, payload) {
        var layer = payload.records ? new hailinRecords(payload) : pathLayer(map, payload);
        layer.hailinTimed = !!payload.time;
        layer.hailinPayload = payload;
        layer.hailinName = payload.name;
        map.hailinLayers = map.hailinLayers || [];
        map.hailinLayers.push(layer);
        return layer;
    }

    // What layers/records.js shares.
    hailinLayer.shared = {ints: ints, Columns: Columns, line: line, popupElement: popupElement,
        tooltipText: tooltipText, openPopup: openPopup};
    return hailinLayer;
})();
