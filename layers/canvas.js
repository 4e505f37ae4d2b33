/* hailin's canvas for the paths of its data layers (layers/draw.js): a pan or
 * zoom redraws only what is in view (docs/design.md, "Maps in the hand").
 *
 * Written for hailin (no code copied); loaded once per page after Leaflet and
 * before layers/draw.js.
 */
var hailinCanvas = (function () {
    "use strict";

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

    return Canvas;
})();
