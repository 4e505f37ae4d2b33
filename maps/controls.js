/* hailin map controls: the time control, the legend, the summary panel, and
 * popups kept clear of every control.
 *
 * Written for hailin (no code copied). Loaded once per page after Leaflet;
 * the markup of the legend and the panel is hailin's escaped HTML, moved here
 * into Leaflet control corners; every value comes in as JSON from maps/controls.py.
 */

/* Small screens (phones): the legend, the panel and the layer list start folded. */
function hailinSmall(map) {
    "use strict";
    return map.getSize().x < 600;
}

/* An element of the page as a Leaflet control in ``position``. */
function hailinControl(map, element, position) {
    "use strict";
    var control = L.control({position: position});
    control.onAdd = function () {
        L.DomEvent.disableClickPropagation(element);
        L.DomEvent.disableScrollPropagation(element);
        return element;
    };
    control.addTo(map);
    return control;
}

/* A box whose body folds away under its heading. */
function hailinFoldable(box, words, folded) {
    "use strict";
    var head = box.querySelector(".hailin-head"), button = head.querySelector("button");
    var body = box.querySelector(".hailin-body");
    function fold(closed) {
        body.style.display = closed ? "none" : "";
        button.textContent = closed ? "\u25b8" : "\u25be";
        button.title = closed ? words.show : words.hide;
        button.setAttribute("aria-label", button.title);
        button.setAttribute("aria-expanded", String(!closed));
        box.classList.toggle("hailin-folded", closed);
    }
    L.DomEvent.on(head, "click", function () { fold(body.style.display !== "none"); });
    box.hailinFold = fold;
    fold(folded);
}

/* The time control: a month slider, steps and play, the URL's #date=YYYY-MM. */
function hailinTime(map, o) {
    "use strict";
    var periods = o.periods, words = o.words, index = periods.length - 1, timer = null;
    var box = L.DomUtil.create("div", "hailin-time hailin-box leaflet-bar");
    var title = L.DomUtil.create("div", "hailin-time-title", box);
    title.textContent = o.title;
    var row = L.DomUtil.create("div", "hailin-time-row", box);
    function button(cls, label, text) {
        var b = L.DomUtil.create("button", cls, row);
        b.type = "button";
        b.textContent = text;
        b.title = label;
        b.setAttribute("aria-label", label);
        return b;
    }
    var back = button("hailin-time-back", words.previous, "\u25c0");
    var play = button("hailin-time-play", words.play, "\u25b6");
    var next = button("hailin-time-next", words.next, "\u25b6\u2758");
    var label = L.DomUtil.create("span", "hailin-time-label", row);
    var slider = L.DomUtil.create("input", "hailin-time-slider", box);
    slider.type = "range";
    slider.min = 0;
    slider.max = periods.length - 1;
    slider.step = 1;
    slider.setAttribute("aria-label", o.title);

    function fromUrl() {
        var found = /[#&?]date=([0-9]{4}-[0-9]{2})/.exec(window.location.hash + "&" + window.location.search);
        var at = found ? periods.indexOf(found[1]) : -1;
        return at < 0 ? periods.length - 1 : at;
    }
    function toUrl(period) {
        var hash = "#date=" + period;
        try { window.history.replaceState(null, "", hash); } catch (e) { window.location.hash = hash; }
    }
    function show(i, keepUrl) {
        index = Math.max(0, Math.min(periods.length - 1, i));
        slider.value = index;
        label.textContent = periods[index];
        (map.hailinLayers || []).forEach(function (layer) {
            if (layer.hailinTimed) { layer.hailinShowAt(o.ends[index]); }
        });
        map.getContainer().setAttribute("data-hailin-period", periods[index]);
        map.fire("hailin:period", {index: index, period: periods[index], day: o.ends[index]});
        if (!keepUrl) { toUrl(periods[index]); }
    }
    function stop() {
        if (timer !== null) { clearInterval(timer); timer = null; }
        play.textContent = "\u25b6";
        play.title = words.play;
        play.setAttribute("aria-label", words.play);
    }
    function start() {
        if (index >= periods.length - 1) { show(0); }
        timer = setInterval(function () {
            if (index >= periods.length - 1) { stop(); } else { show(index + 1); }
        }, 800);
        play.textContent = "\u23f8";
        play.title = words.pause;
        play.setAttribute("aria-label", words.pause);
    }
    L.DomEvent.on(slider, "input change", function () { stop(); show(+slider.value); });
    L.DomEvent.on(back, "click", function () { stop(); show(index - 1); });
    L.DomEvent.on(next, "click", function () { stop(); show(index + 1); });
    L.DomEvent.on(play, "click", function () { if (timer === null) { start(); } else { stop(); } });
    L.DomEvent.on(window, "hashchange", function () { stop(); show(fromUrl(), true); });
    hailinControl(map, box, "bottomleft");
    map.hailinTime = {show: show, index: function () { return index; }, periods: periods};
    show(fromUrl(), true);
}

/* The legend: one group of rows per layer, shown while that layer is on. */
function hailinLegend(map, id, layers, words) {
    "use strict";
    var box = document.getElementById(id);
    var groups = box.querySelectorAll(".hailin-legend-group");
    function update() {
        var any = false;
        layers.forEach(function (layer, i) {
            var on = layer === null || map.hasLayer(layer);
            groups[i].style.display = on ? "" : "none";
            any = any || on;
        });
        box.style.display = any ? "" : "none";
    }
    hailinControl(map, box, "bottomleft");
    hailinFoldable(box, words, hailinSmall(map));
    map.on("layeradd layerremove", update);
    update();
}

/* The summary panel: its figures follow the time control's month. */
function hailinPanel(map, id, values, words) {
    "use strict";
    var box = document.getElementById(id);
    var cells = box.querySelectorAll(".hailin-value"), bars = box.querySelectorAll(".hailin-bar");
    map.on("hailin:period", function (e) {
        values.forEach(function (row, i) {
            if (row) { cells[i].textContent = row[e.index]; }
        });
        Array.prototype.forEach.call(bars, function (bar) {
            bar.classList.toggle("hailin-later", +bar.getAttribute("data-period") > e.index);
        });
    });
    hailinControl(map, box, "bottomright");
    hailinFoldable(box, words, hailinSmall(map));
}

/* Popups kept clear of every control: once a popup is open the map pans by
 * the least distance that puts it inside the view and off every control;
 * where no such place exists the legend and panel fold first. */
function hailinLayout(map) {
    "use strict";
    var margin = 6;
    map.hailinPlacesPopups = true;

    function rect(el, origin) {
        var r = el.getBoundingClientRect();
        return {l: r.left - origin.left, t: r.top - origin.top, r: r.right - origin.left, b: r.bottom - origin.top};
    }
    function meets(a, b, dx, dy) {
        return a.l + dx < b.r + margin && a.r + dx > b.l - margin &&
            a.t + dy < b.b + margin && a.b + dy > b.t - margin;
    }
    function controls(origin) {
        var found = map.getContainer().querySelectorAll(".leaflet-control");
        return Array.prototype.filter.call(found, function (el) {
            return el.offsetWidth > 0 && el.offsetHeight > 0;
        }).map(function (el) { return rect(el, origin); });
    }
    /* The least shift (dx, dy) of rectangle p inside w x h off every block. */
    function shift(p, blocks, w, h) {
        var xs = [0, margin - p.l, w - margin - p.r], ys = [0, margin - p.t, h - margin - p.b];
        blocks.forEach(function (b) {
            xs.push(b.l - margin - p.r, b.r + margin - p.l);
            ys.push(b.t - margin - p.b, b.b + margin - p.t);
        });
        var best = null;
        xs.forEach(function (dx) {
            ys.forEach(function (dy) {
                if (p.l + dx < margin - 0.5 || p.r + dx > w - margin + 0.5 ||
                        p.t + dy < margin - 0.5 || p.b + dy > h - margin + 0.5) { return; }
                if (blocks.some(function (b) { return meets(p, b, dx, dy); })) { return; }
                var cost = dx * dx + dy * dy;
                if (!best || cost < best.cost) { best = {dx: dx, dy: dy, cost: cost}; }
            });
        });
        return best;
    }
    function place(popup) {
        var el = popup.getElement();
        if (!el) { return; }
        var container = map.getContainer(), origin = container.getBoundingClientRect();
        var best = shift(rect(el, origin), controls(origin), origin.width, origin.height);
        if (!best) {
            container.querySelectorAll(".hailin-box").forEach(function (box) {
                if (box.hailinFold) { box.hailinFold(true); }
            });
            best = shift(rect(el, origin), controls(origin), origin.width, origin.height);
        }
        if (best && (best.dx || best.dy)) { map.panBy([-best.dx, -best.dy], {animate: false}); }
    }
    map.on("popupopen", function (e) { place(e.popup); });
}
