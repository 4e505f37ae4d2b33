/* hailin's patrol records layer (layers/draw.js's ``records`` payloads): a grid
 * index in the page, so that a pan or zoom visits only the records in view
 * (docs/design.md, "Maps in the hand").
 *
 * Written for hailin (no code copied); loaded once per page after layers/draw.js,
 * whose column and popup helpers it shares (hailinLayer.shared).
 */
var hailinRecords = (function (shared) {
    "use strict";
    var ints = shared.ints, Columns = shared.Columns, line = shared.line;
    var popupElement = shared.popupElement, tooltipText = shared.tooltipText;
    var openPopup = shared.openPopup;

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

    return Records;
})(hailinLayer.shared);
