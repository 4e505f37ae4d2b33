/* hailin data layers: the compact payloads of layers/encode.py drawn with Leaflet.
 *
 * Written for hailin (no code copied). Loaded once per page after Leaflet and
 * maps/frame.js; every value comes in as JSON from layers/features.py.
 *
 * - Plots, patches, findings, tracks and reserves are Leaflet paths on one
 *   canvas per map (10,000 SVG paths took seconds to draw; one canvas draws
 *   them in tens of milliseconds). Paths the time control hides stay in their
 *   place in the drawing order and are skipped, so nothing jumps above another.
 * - Patrol records (up to millions) are a layer of their own: typed arrays,
 *   projected once per datum through the map's CRS (so GCJ-02 follows the
 *   basemap), drawn one by one when few are in view, else as cells of a screen
 *   grid showing their count and their patrol types' shares in the legend's
 *   colours.
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

    /* One canvas per map for every path layer; hidden paths are skipped.
     * Measured at 11,500 plots in view, where Leaflet's redraw took 0.2-0.5 s:
     * - a new view projects only the lines and polygons in it, once per zoom
     *   (Leaflet projects every path at each zoom, twice when not animated);
     * - a path wholly in the canvas is not clipped, and is simplified once per
     *   zoom, not at every pan;
     * - the context's colours and widths are set only when they change;
     * - a pan moves the picture drawn and draws only the strips it uncovers.
     * Gathering small shapes of one style into one path (a Path2D per style)
     * was tried: filling it took 3-4 times longer than the shapes one by one. */
    var SMALL_PX = 24, SPECK_PX = 4, crsCount = 0;
    var Canvas = L.Canvas.extend({
        _onZoomEnd: function () {},
        _reset: function () {
            this._update();
            this._updateTransform(this._center, this._zoom);
            if (this._postponeUpdatePaths) {
                this._postponeUpdatePaths = false;
                this._updatePaths();
            }
        },
        /* A pan keeps what was drawn: the picture moves with the canvas and
         * only the strips it uncovers are drawn (when nothing waits to be). */
        _update: function () {
            var before = this._bounds, canvas = this._container;
            this._kept = null;
            if (before && this._map && !this._map._animatingZoom && !this._redrawRequest &&
                    this._drawnKey === viewKey(this._map) && canvas.width) {
                var copy = this._copy = this._copy || document.createElement("canvas");
                copy.width = canvas.width;
                copy.height = canvas.height;
                copy.getContext("2d").drawImage(canvas, 0, 0);
                this._kept = {bounds: before, canvas: copy};
            }
            L.Canvas.prototype._update.call(this);
        },
        _updatePaths: function () {
            if (this._postponeUpdatePaths) { return; }
            var map = this._map, zoom = map.getZoom(), origin = map.getPixelOrigin();
            var crs = map.options.crs, key = viewKey(map);
            var scale = crs.scale(zoom) / crs.scale(0), b = this._bounds;
            var view = [(b.min.x + origin.x) / scale, (b.min.y + origin.y) / scale,
                (b.max.x + origin.x) / scale, (b.max.y + origin.y) / scale];
            this._redrawBounds = null;
            for (var id in this._layers) {
                var layer = this._layers[id];
                var circle = !layer._latlngs;
                if (circle || seen(layer, crs, view, scale)) {
                    if (layer._hailinKey !== key) {
                        layer._project();
                        layer._hailinKey = key;
                        layer._hailinSimple = null;
                    }
                    if (circle) {
                        layer._update();
                    } else if (layer._hailinDot) {
                        layer._parts = [];
                    } else if (layer._pxBounds && b.contains(layer._pxBounds)) {
                        layer._parts = layer._hailinSimple || (layer._hailinSimple = simplified(layer));
                    } else {
                        layer._update();
                    }
                } else if (layer._hailinKey !== null) {
                    layer._hailinKey = null;
                    layer._parts = [];
                    layer._pxBounds = layer._rawPxBounds = layer._hailinDot = null;
                }
            }
            var kept = this._kept;
            this._kept = null;
            if (kept && kept.bounds.intersects(b) && this._drawnKey === key) {
                this._paste(kept);
            } else {
                this._redraw();
            }
        },
        /* The kept picture in its place, then the strips of the canvas it
         * does not cover drawn (clipped to each). */
        _paste: function (kept) {
            var old = kept.bounds, b = this._bounds, size = old.getSize();
            this._ctx.drawImage(kept.canvas, old.min.x, old.min.y, size.x, size.y);
            var left = Math.max(b.min.x, old.min.x), right = Math.min(b.max.x, old.max.x);
            var strips = [[b.min.x, b.min.y, old.min.x, b.max.y], [old.max.x, b.min.y, b.max.x, b.max.y],
                [left, b.min.y, right, old.min.y], [left, old.max.y, right, b.max.y]];
            for (var i = 0; i < strips.length; i++) {
                var r = strips[i];
                if (r[2] > r[0] && r[3] > r[1]) {
                    this._redrawBounds = L.bounds([r[0], r[1]], [r[2], r[3]]);
                    this._draw();
                }
            }
            this._redrawBounds = null;
        },
        _updatePoly: function (layer, closed) {
            if (layer._hailinHidden) { return; }
            var box = layer._rawPxBounds, size = box && box.getSize();
            if (!this._drawing || !size || !layer._parts.length || Math.max(size.x, size.y) > SPECK_PX) {
                L.Canvas.prototype._updatePoly.call(this, layer, closed);
                return;
            }
            // A speck (a plot or track a few pixels across): its box in its
            // outline's colour, which a path's fill and stroke cover anyway.
            var o = layer.options, w = o.stroke ? o.weight : 0;
            this._set("globalAlpha", o.stroke ? o.opacity : o.fillOpacity);
            this._set("fillStyle", o.stroke ? o.color : o.fillColor || o.color);
            this._ctx.fillRect(box.min.x - w / 2, box.min.y - w / 2, size.x + w, size.y + w);
        },
        _set: function (name, value) {
            if (this._style[name] !== value) { this._ctx[name] = this._style[name] = value; }
        },
        _updateCircle: function (layer) {
            if (!layer._hailinHidden) { L.Canvas.prototype._updateCircle.call(this, layer); }
        },
        _draw: function () {
            this._style = {};
            this._drawnKey = viewKey(this._map);
            L.Canvas.prototype._draw.call(this);
        },
        /* Leaflet's fill and stroke, the context's state set only when it
         * changes (a colour set is parsed: 11,500 plots set seven each). */
        _fillStroke: function (ctx, layer) {
            var o = layer.options, now = this._style, set = L.bind(this._set, this);
            if (o.fill) {
                set("globalAlpha", o.fillOpacity);
                set("fillStyle", o.fillColor || o.color);
                ctx.fill(o.fillRule || "evenodd");
            }
            if (o.stroke && o.weight !== 0) {
                // A dash on a path a few pixels across shows nothing, and
                // dashed strokes cost several times plain ones.
                var box = layer._rawPxBounds, size = box && box.getSize();
                var dash = (size && Math.max(size.x, size.y) < SMALL_PX) ? [] : o._dashArray || [];
                if (now.dash !== String(dash)) {
                    ctx.setLineDash(dash);
                    now.dash = String(dash);
                }
                set("globalAlpha", o.opacity);
                set("lineWidth", o.weight);
                set("strokeStyle", o.color);
                set("lineCap", o.lineCap);
                set("lineJoin", o.lineJoin);
                ctx.stroke();
            }
        }
    });

    function simplified(layer) {
        return layer._rings.map(function (ring) { return L.LineUtil.simplify(ring, layer.options.smoothFactor); });
    }

    /* What a drawing is valid for: the CRS (GCJ-02 over Gaode swaps it), the
     * zoom and the pixel origin. */
    function viewKey(map) {
        var crs = map.options.crs, origin = map.getPixelOrigin();
        crs.hailinId = crs.hailinId || ++crsCount;
        return crs.hailinId + " " + map.getZoom() + " " + origin.x + " " + origin.y;
    }

    /* Whether a line or polygon may show in ``view`` (zoom-0 pixels): its box
     * there (kept per CRS), grown by what is drawn around it. */
    function seen(layer, crs, view, scale) {
        if (layer._hailinCrs !== crs) {
            var bounds = layer.getBounds();
            var a = crs.latLngToPoint(bounds.getSouthWest(), 0), c = crs.latLngToPoint(bounds.getNorthEast(), 0);
            layer._hailinBox = [Math.min(a.x, c.x), Math.min(a.y, c.y), Math.max(a.x, c.x), Math.max(a.y, c.y)];
            layer._hailinCrs = crs;
        }
        var box = layer._hailinBox, o = layer.options;
        var grow = ((o.weight || 0) + (o.hailinMinSize || 0) + layer._clickTolerance() + 2) / scale;
        return box[0] - grow <= view[2] && box[2] + grow >= view[0] &&
            box[1] - grow <= view[3] && box[3] + grow >= view[1];
    }

    function canvasOf(map) {
        if (!map.hailinCanvas) { map.hailinCanvas = new Canvas({padding: 0.3, tolerance: 4}); }
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

    // At most this many buckets in the records' grid index (8 MB of counts).
    var MAX_BUCKETS = 1 << 18;

    /* The 64-pixel cells of a view (whole-world pixels at the zoom shown,
     * ``side`` of them at zoom 0): count, patrol types, summed zoom-0 places. */
    function Cells(view, side, kinds) {
        var left = Math.floor(view.x0 / side), top = Math.floor(view.y0 / side);
        var cols = Math.floor(view.x1 / side) - left + 1, rows = Math.floor(view.y1 / side) - top + 1;
        var cells = {count: new Uint32Array(cols * rows), kinds: new Uint32Array(cols * rows * kinds),
            sx: new Float64Array(cols * rows), sy: new Float64Array(cols * rows),
            last: new Int32Array(cols * rows)};
        function at(x, y) {
            var col = Math.min(cols - 1, Math.max(0, Math.floor(x / side) - left));
            var row = Math.min(rows - 1, Math.max(0, Math.floor(y / side) - top));
            return row * cols + col;
        }
        cells.addRecord = function (i, x, y, kind) {
            var c = at(x, y);
            cells.count[c]++;
            cells.kinds[c * kinds + kind]++;
            cells.sx[c] += x;
            cells.sy[c] += y;
            cells.last[c] = i;
        };
        /* A bucket lies in one cell (whole buckets make a cell): its middle's. */
        cells.addBucket = function (g, b) {
            var c = at((b % g.cols + g.left + 0.5) * g.size, (Math.floor(b / g.cols) + g.top + 0.5) * g.size);
            cells.count[c] += g.count[b];
            for (var t = 0; t < kinds; t++) { cells.kinds[c * kinds + t] += g.kinds[b * kinds + t]; }
            cells.sx[c] += g.sx[b];
            cells.sy[c] += g.sy[b];
            cells.last[c] = g.last[b];
        };
        return cells;
    }

    /* Patrol records: one canvas of their own, over the paths, blind to the
     * mouse (the map's own events find what is under it). */
    var Records = L.Layer.extend({
        initialize: function (payload) {
            this._payload = payload;
            this._day = null;
            this._items = [];
            this._drawn = {points: 0, cells: 0, records: 0};
        },

        _decode: function () {
            if (this._time) { return; }
            var p = this._payload, g = p.geometry;
            this._time = ints(p.columns[p.time.sorted].values);
            this._x = ints(g.x);
            this._y = ints(g.y);
            this._class = ints(p.classes[p.style["class"]]);
            this._columns = Columns(p, function () { return 0; });
            this._limit();
        },

        /* How many records (in time order) lie on or before the day shown. */
        _limit: function () {
            var t = this._time, lo = 0, hi = t.length;
            if (this._day === null) { this._n = t.length; return; }
            var end = (this._day + 1) * 1440;
            while (lo < hi) {
                var mid = (lo + hi) >> 1;
                if (t[mid] < end) { lo = mid + 1; } else { hi = mid; }
            }
            this._n = lo;
        },

        /* Zoom-0 pixel places through the map's CRS (GCJ-02 over Gaode). */
        _project: function () {
            var crs = this._map.options.crs, n = this._x.length, s = this._payload.geometry.scale;
            this._px = new Float64Array(n);
            this._py = new Float64Array(n);
            for (var i = 0; i < n; i++) {
                var p = crs.latLngToPoint(L.latLng(this._y[i] / s, this._x[i] / s), 0);
                this._px[i] = p.x;
                this._py[i] = p.y;
            }
            this._crs = crs;
            this._index();
        },

        /* The grid index of the records (rebuilt with their places): each in
         * the bucket of a 64-pixel cell at zoom ``level`` (whole-world pixels,
         * so a cell at any zoom below is a block of whole buckets), the
         * buckets' records in time order. ``level`` is the highest zoom up to
         * 16 at which the records' extent holds at most MAX_BUCKETS buckets. */
        _index: function () {
            var px = this._px, py = this._py, n = px.length, i, g = {level: 16};
            var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
            for (i = 0; i < n; i++) {
                x0 = Math.min(x0, px[i]); x1 = Math.max(x1, px[i]);
                y0 = Math.min(y0, py[i]); y1 = Math.max(y1, py[i]);
            }
            if (!n) { x0 = y0 = x1 = y1 = 0; }
            for (; ; g.level--) {
                g.size = 64 / Math.pow(2, g.level);
                g.left = Math.floor(x0 / g.size);
                g.top = Math.floor(y0 / g.size);
                g.cols = Math.floor(x1 / g.size) - g.left + 1;
                g.rows = Math.floor(y1 / g.size) - g.top + 1;
                if (g.cols * g.rows <= MAX_BUCKETS || g.level === 0) { break; }
            }
            var buckets = g.cols * g.rows, start = new Uint32Array(buckets + 1);
            g.bucket = new Uint32Array(n);
            for (i = 0; i < n; i++) {
                var b = (Math.floor(py[i] / g.size) - g.top) * g.cols + Math.floor(px[i] / g.size) - g.left;
                g.bucket[i] = b;
                start[b + 1]++;
            }
            for (i = 0; i < buckets; i++) { start[i + 1] += start[i]; }
            var next = start.slice(0, buckets);
            g.order = new Uint32Array(n);
            for (i = 0; i < n; i++) { g.order[next[g.bucket[i]]++] = i; }
            g.start = start;
            this._grid = g;
            this._tally();
        },

        /* Each bucket's records shown at the day (the first ``count`` of its
         * records, in time order): their count, patrol types and summed places. */
        _tally: function () {
            var g = this._grid, k = this._payload.style.colours.length, buckets = g.cols * g.rows;
            g.count = new Uint32Array(buckets);
            g.kinds = new Uint32Array(buckets * k);
            g.sx = new Float64Array(buckets);
            g.sy = new Float64Array(buckets);
            g.last = new Int32Array(buckets);
            for (var i = 0; i < this._n; i++) {
                var b = g.bucket[i];
                g.count[b]++;
                g.kinds[b * k + this._class[i]]++;
                g.sx[b] += this._px[i];
                g.sy[b] += this._py[i];
                g.last[b] = i;
            }
        },

        onAdd: function (map) {
            this._decode();
            if (!map.getPane("hailinRecords")) {
                var pane = map.createPane("hailinRecords");
                pane.style.zIndex = 450;
                pane.style.pointerEvents = "none";
            }
            this._renderer = L.canvas({pane: "hailinRecords", padding: 0.3});
            // Drawn whenever the canvas is: after a view reset (fitBounds, a
            // zoom without animation) Leaflet clears it once more.
            this._renderer._draw = L.bind(this._draw, this);
            this._project();
            map.addLayer(this._renderer);
            this._renderer._container.style.pointerEvents = "none";
            map.on("hailin:datum", this._redraw, this);
            map.on("click", this._click, this);
            L.DomEvent.on(map.getContainer(), "mousemove", this._hover, this);
        },

        onRemove: function (map) {
            map.off("hailin:datum", this._redraw, this);
            map.off("click", this._click, this);
            L.DomEvent.off(map.getContainer(), "mousemove", this._hover, this);
            map.removeLayer(this._renderer);
            if (this._tip) { map.closeTooltip(this._tip); }
            this._items = [];
        },

        _redraw: function () {
            if (this._map && this._renderer._map) { this._renderer._update(); }
        },

        /* The records in view, drawn one by one when few, else as cells of a
         * 64-pixel grid (whole-world pixels: a cell stays put as the map pans).
         * Only the buckets in view are visited: below the index's zoom their
         * figures are summed per cell, at it and above their records are. */
        _draw: function () {
            var map = this._map, b = this._renderer._bounds;
            if (!map || !b || !this._time) { return; }
            if (this._crs !== map.options.crs) { this._project(); }
            var zoom = map.getZoom(), crs = map.options.crs, g = this._grid;
            var scale = crs.scale(zoom) / crs.scale(0), o = map.getPixelOrigin();
            var view = {x0: (b.min.x + o.x) / scale, y0: (b.min.y + o.y) / scale,
                x1: (b.max.x + o.x) / scale, y1: (b.max.y + o.y) / scale};
            var c0 = Math.max(0, Math.floor(view.x0 / g.size) - g.left);
            var c1 = Math.min(g.cols - 1, Math.floor(view.x1 / g.size) - g.left);
            var r0 = Math.max(0, Math.floor(view.y0 / g.size) - g.top);
            var r1 = Math.min(g.rows - 1, Math.floor(view.y1 / g.size) - g.top);
            var near = [], inView = 0, row, col;
            for (row = r0; row <= r1; row++) {
                for (col = c0; col <= c1; col++) {
                    var bucket = row * g.cols + col;
                    if (g.count[bucket]) {
                        near.push(bucket);
                        inView += g.count[bucket];
                    }
                }
            }
            var detail = inView <= (this._payload.detail || 1500) || zoom >= map.getMaxZoom();
            var cells = new Cells(view, 64 / scale, this._payload.style.colours.length);
            this._items = [];
            this._drawn = {points: 0, cells: 0, records: 0, visited: 0, buckets: near.length};
            if (detail || zoom >= g.level) {
                this._visit(near, view, detail ? null : cells, scale, o);
            } else {
                near.forEach(function (bucket) { cells.addBucket(g, bucket); });
                this._drawn.records = inView;
            }
            if (!detail) { this._drawCells(cells, scale, o); }
        },

        /* The shown records of ``near`` buckets lying in ``view``: drawn, or
         * added to ``cells``. */
        _visit: function (near, view, cells, scale, o) {
            var g = this._grid, ctx = this._renderer._ctx, colours = this._payload.style.colours;
            for (var j = 0; j < near.length; j++) {
                var from = g.start[near[j]], to = from + g.count[near[j]];
                this._drawn.visited += to - from;
                for (var q = from; q < to; q++) {
                    var i = g.order[q], x = this._px[i], y = this._py[i];
                    if (x < view.x0 || x > view.x1 || y < view.y0 || y > view.y1) { continue; }
                    this._drawn.records++;
                    if (cells) {
                        cells.addRecord(i, x, y, this._class[i]);
                    } else {
                        this._point(ctx, x * scale - o.x, y * scale - o.y, i, colours);
                    }
                }
            }
        },

        _drawCells: function (cells, scale, o) {
            var ctx = this._renderer._ctx, colours = this._payload.style.colours, k = colours.length;
            for (var c = 0; c < cells.count.length; c++) {
                var count = cells.count[c];
                if (!count) { continue; }
                var x = cells.sx[c] / count * scale - o.x, y = cells.sy[c] / count * scale - o.y;
                if (count === 1) {
                    this._point(ctx, x, y, cells.last[c], colours);
                } else {
                    var shares = Array.prototype.slice.call(cells.kinds, c * k, (c + 1) * k);
                    this._cell(ctx, x, y, count, shares, colours);
                }
            }
        },

        _point: function (ctx, x, y, i, colours) {
            ctx.beginPath();
            ctx.arc(x, y, 4, 0, 2 * Math.PI);
            ctx.fillStyle = colours[this._class[i]];
            ctx.fill();
            ctx.lineWidth = 1;
            ctx.strokeStyle = "#ffffff";
            ctx.stroke();
            this._items.push({x: x, y: y, r: 6, index: i});
            this._drawn.points++;
        },

        /* A cell: a ring of the patrol types' shares (the legend's colours)
         * around its count. */
        _cell: function (ctx, x, y, count, shares, colours) {
            var r = 11 + 3 * Math.log(count) / Math.LN10, start = -Math.PI / 2;
            ctx.lineWidth = 6;
            shares.forEach(function (share, kind) {
                if (!share) { return; }
                var end = start + 2 * Math.PI * share / count;
                ctx.beginPath();
                ctx.arc(x, y, r - 3, start, end);
                ctx.strokeStyle = colours[kind];
                ctx.stroke();
                start = end;
            });
            ctx.beginPath();
            ctx.arc(x, y, r - 6, 0, 2 * Math.PI);
            ctx.fillStyle = "rgba(255,255,255,0.95)";
            ctx.fill();
            ctx.fillStyle = "#222222";
            ctx.font = "bold 11px sans-serif";
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            ctx.fillText(this._short(count), x, y);
            this._items.push({x: x, y: y, r: r, index: -1, count: count, shares: shares});
            this._drawn.cells++;
        },

        _short: function (count) {
            if (count < 10000) { return String(count); }
            return Math.round(count / 1000) + "k";
        },

        _hit: function (point) {
            for (var j = this._items.length - 1; j >= 0; j--) {
                var item = this._items[j];
                var dx = item.x - point.x, dy = item.y - point.y;
                if (dx * dx + dy * dy <= item.r * item.r) { return item; }
            }
            return null;
        },

        _latLng: function (item) {
            if (item.index < 0) { return this._map.layerPointToLatLng([item.x, item.y]); }
            var s = this._payload.geometry.scale;
            return L.latLng(this._y[item.index] / s, this._x[item.index] / s);
        },

        _click: function (e) {
            var item = this._hit(e.layerPoint), map = this._map;
            if (!item) { return; }
            if (item.index >= 0) {
                openPopup(map, this._latLng(item), popupElement(this._payload, this._columns, item.index));
            } else {
                map.setView(this._latLng(item), Math.min(map.getZoom() + 2, map.getMaxZoom()));
            }
        },

        _hover: function (e) {
            var map = this._map;
            if (!map || (map.dragging && map.dragging.moving()) || map._animatingZoom) { return; }
            var item = this._hit(map.mouseEventToLayerPoint(e));
            if (!item) {
                if (this._tip && map.hasLayer(this._tip)) { map.closeTooltip(this._tip); }
                return;
            }
            this._tip = this._tip || L.tooltip({direction: "top", className: "hailin-records-tip"});
            this._tip.options.offset = [0, -item.r];
            this._tip.setLatLng(this._latLng(item)).setContent(this._tipContent(item));
            if (!map.hasLayer(this._tip)) { map.openTooltip(this._tip); }
        },

        _tipContent: function (item) {
            var p = this._payload, box = document.createElement("div");
            if (item.index >= 0) {
                line(box, tooltipText(p, this._columns, item.index));
                return box;
            }
            line(box, p.words.records.replace("{n}", item.count.toLocaleString("en-US")), "b");
            item.shares.forEach(function (share, kind) {
                if (share) { line(box, p.class_words[kind] + " " + share.toLocaleString("en-US")); }
            });
            line(box, p.words.zoom);
            return box;
        },

        hailinShowAt: function (day) {
            this._day = day;
            if (this._time) {
                this._limit();
                if (this._grid) { this._tally(); }
            }
            this._redraw();
        },

        hailinShown: function () {
            this._decode();
            return this._n;
        },

        hailinDrawn: function () { return this._drawn; }
    });

    return function (map, payload) {
        var layer = payload.records ? new Records(payload) : pathLayer(map, payload);
        layer.hailinTimed = !!payload.time;
        layer.hailinPayload = payload;
        layer.hailinName = payload.name;
        map.hailinLayers = map.hailinLayers || [];
        map.hailinLayers.push(layer);
        return layer;
    };
})();
