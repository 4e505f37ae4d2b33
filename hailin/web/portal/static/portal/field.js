// The field form: record observations with the phone's position, keep them on the
// phone at once (IndexedDB, fieldstore.js), and send them when there is a network.
// Each observation carries an id made here, so a repeated send stores nothing twice.
(function () {
  "use strict";
  var store = window.hailinStore;
  var WORDS = JSON.parse(document.getElementById("field-words").textContent);
  var LANG = document.documentElement.lang === "en" ? 2 : 1; // [code, zh, en]
  var BATCH = 50;
  var TRACK_STEP_M = 10;
  var NEW_PATROL_MS = 3600 * 1000;
  var FIELDS = ["team", "patrol_type", "finding", "action", "observer", "notes"];
  var NUMBERS = ["cover_pct", "patch_area_m2", "survival_pct"];
  var config = null;
  var fix = null;
  var lastTrackPoint = null;
  var syncing = false;

  function $(id) { return document.getElementById(id); }

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_all, name) { return String(values[name]); });
  }

  function show(id, text) {
    $(id).textContent = text || "";
    $(id).hidden = !text;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // -- the account's settings and the vocabulary: from the portal, else as kept ----------
  function fetchConfig() {
    return fetch("/field/config.json", { credentials: "same-origin", redirect: "manual" })
      .then(function (answer) {
        if (answer.type === "opaqueredirect" || answer.status === 401 || answer.status === 403) {
          show("sync-problem", WORDS.login);
          return null;
        }
        if (!answer.ok) { return null; }
        return answer.json().then(function (fresh) {
          return store.put("meta", { name: "config", value: fresh }).then(function () { return fresh; });
        });
      })
      .catch(function () { return null; }); // offline
  }

  function keptConfig() {
    return store.all("meta").then(function (rows) {
      var found = rows.filter(function (r) { return r.name === "config"; })[0];
      return found ? found.value : null;
    });
  }

  function fill(select, options, chosen, blank) {
    select.textContent = "";
    if (blank) { select.appendChild(new Option("", "")); }
    options.forEach(function (o) { select.appendChild(new Option(o[1], o[0], false, o[0] === chosen)); });
  }

  function setUp(cfg) {
    var vocab = cfg.vocabulary;
    var words = function (name) { return vocab[name].map(function (t) { return [t[0], t[LANG]]; }); };
    fill($("team"), cfg.teams.map(function (t) { return [t, t]; }), $("team").value || cfg.team);
    fill($("patrol_type"), words("patrol_type"), $("patrol_type").value || cfg.patrol_type);
    fill($("finding"), words("finding"), $("finding").value);
    fill($("action"), words("action"), $("action").value, true);
    showPlan();
  }

  // This week's planned stops of the chosen team, in the order walked (kept with the config).
  function showPlan() {
    var plan = (config && config.plan) || { week: "", stops: [] };
    var team = $("team").value;
    var stops = plan.stops.filter(function (s) { return s.team === team; });
    $("plan-week").textContent = plan.week;
    $("plan").textContent = "";
    stops.forEach(function (s) {
      var li = document.createElement("li");
      li.dataset.stop = s.stop_id;
      var parts = [s.day + " #" + s.order, s.stop_id, vocabWord("plan_stop", s.kind)];
      if (s.risk !== null) { parts.push(say(WORDS.risk, { risk: s.risk.toFixed(2) })); }
      li.appendChild(document.createTextNode(parts.join(" · ")));
      if (s.reason) {
        var why = document.createElement("p");
        why.className = "muted reason";
        why.textContent = s.reason;
        li.appendChild(why);
      }
      $("plan").appendChild(li);
    });
    $("plan-none").hidden = stops.length > 0;
  }

  // -- position and track -----------------------------------------------------------------
  function metres(a, b) {
    var rad = Math.PI / 180;
    var x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
    var y = (b.lat - a.lat) * rad;
    return Math.sqrt(x * x + y * y) * 6371000;
  }

  function goodFix() {
    return fix && config && fix.acc <= config.max_accuracy_m;
  }

  function onPosition(position) {
    var c = position.coords;
    fix = { lon: c.longitude, lat: c.latitude, acc: c.accuracy, t: position.timestamp || Date.now() };
    var text = say(WORDS.position, { lat: fix.lat.toFixed(6), lon: fix.lon.toFixed(6), acc: Math.round(fix.acc) });
    if (config && !goodFix()) {
      text += " · " + say(WORDS.too_coarse, { acc: Math.round(fix.acc), limit: config.max_accuracy_m });
    }
    $("gps").textContent = text;
    $("gps").className = "gps " + (goodFix() ? "good" : "coarse");
    if (goodFix() && $("track-on").checked && (!lastTrackPoint || metres(lastTrackPoint, fix) >= TRACK_STEP_M)) {
      lastTrackPoint = { lon: fix.lon, lat: fix.lat, t: fix.t, acc: fix.acc };
      store.put("track", lastTrackPoint).then(render);
    }
  }

  function watchPosition() {
    if (!navigator.geolocation) { $("gps").textContent = WORDS.no_gps; return; }
    navigator.geolocation.watchPosition(onPosition, function () { $("gps").textContent = WORDS.no_gps; },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 60000 });
  }

  // A piece of track: the points kept since the last piece (joined to its last point
  // unless a new patrol began), sent as an observation of its own.
  function cutTrackPiece() {
    return Promise.all([store.all("track"), store.all("meta")]).then(function (found) {
      var points = found[0];
      var anchor = (found[1].filter(function (r) { return r.name === "track-anchor"; })[0] || {}).value;
      if (anchor && points.length && points[0].t - anchor.t < NEW_PATROL_MS) { points = [anchor].concat(points); }
      if (points.length < 2 || !config) { return; }
      var last = points[points.length - 1];
      var piece = {
        id: newId(), kind: "track", observed_at: new Date(points[0].t).toISOString(),
        points: points.map(function (p) { return [p.lon, p.lat, p.t]; }),
        accuracy_m: Math.max.apply(null, points.map(function (p) { return p.acc; })),
        team: $("team").value || config.team, patrol_type: $("patrol_type").value || config.patrol_type,
        observer: $("observer").value, status: "queued",
      };
      return store.transact(["observations", "track", "meta"], "readwrite", function (s) {
        s.observations.put(piece);
        found[0].forEach(function (p) { s.track.delete(p.key); });
        s.meta.put({ name: "track-anchor", value: { lon: last.lon, lat: last.lat, t: last.t, acc: last.acc } });
      });
    });
  }

  // -- recording ----------------------------------------------------------------------------
  function observationFromForm(previous) {
    var o = previous ? Object.assign({}, previous) : { id: newId(), observed_at: new Date().toISOString() };
    if (!previous || !previous.lon) { Object.assign(o, { lon: fix.lon, lat: fix.lat, accuracy_m: Math.round(fix.acc * 10) / 10 }); }
    FIELDS.forEach(function (name) { o[name] = $(name).value.trim(); });
    NUMBERS.forEach(function (name) { o[name] = $(name).value === "" ? null : Number($(name).value); });
    o.status = "queued";
    delete o.reason;
    return o;
  }

  function save(event) {
    event.preventDefault();
    var editing = $("editing").value;
    var kept = editing ? store.all("observations").then(function (rows) {
      return rows.filter(function (r) { return r.id === editing; })[0];
    }) : Promise.resolve(null);
    kept.then(function (previous) {
      show("form-note", "");
      if (!previous && !goodFix()) { show("form-problem", fix ? say(WORDS.too_coarse, { acc: Math.round(fix.acc), limit: config.max_accuracy_m }) : WORDS.no_position); return; }
      var o = observationFromForm(previous);
      var files = Array.prototype.slice.call($("photos").files);
      return store.all("photos").then(function (photos) {
        return store.transact(["observations", "photos"], "readwrite", function (s) {
          s.observations.put(o);
          // A correction with photos chosen replaces the photos it had (one may have been refused).
          if (previous && files.length) {
            photos.forEach(function (p) { if (p.observation === o.id) { s.photos.delete(p.key); } });
          }
          files.forEach(function (file) { s.photos.put({ observation: o.id, name: file.name, blob: file }); });
        });
      }).then(function () {
        ["editing", "photos", "notes"].concat(NUMBERS).forEach(function (name) { $(name).value = ""; });
        show("form-problem", "");
        show("form-note", WORDS.saved);
        render();
        sync();
      });
    });
  }

  // -- the queue --------------------------------------------------------------------------
  function vocabWord(name, code) {
    var found = config && config.vocabulary[name].filter(function (t) { return t[0] === code; })[0];
    return found ? found[LANG] : code || "";
  }

  function item(o, photos) {
    var li = document.createElement("li");
    li.className = "status-" + o.status;
    li.dataset.id = o.id;
    var title = o.kind === "track" ? WORDS.track_piece : vocabWord("finding", o.finding);
    var when = new Date(o.observed_at).toLocaleString();
    li.appendChild(document.createTextNode(title + " · " + when + " · " + (WORDS[o.status] || o.status)));
    if (photos) { li.appendChild(document.createTextNode(" · " + say(WORDS.photos, { n: photos }))); }
    if (o.reason) {
      var why = document.createElement("p");
      why.className = "problem reason";
      why.textContent = o.reason;
      li.appendChild(why);
    }
    if (o.status === "rejected") {
      li.appendChild(button(WORDS.edit, "edit", function () { edit(o); }));
      li.appendChild(button(WORDS.remove, "remove", function () { forget(o.id); }));
    }
    return li;
  }

  function button(text, name, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = name;
    b.textContent = text;
    b.addEventListener("click", action);
    return b;
  }

  function edit(o) {
    $("editing").value = o.id;
    FIELDS.concat(NUMBERS).forEach(function (name) { $(name).value = o[name] === null || o[name] === undefined ? "" : o[name]; });
    $("field-form").scrollIntoView();
  }

  function forget(id) {
    store.all("photos").then(function (photos) {
      return store.transact(["observations", "photos"], "readwrite", function (s) {
        s.observations.delete(id);
        photos.forEach(function (p) { if (p.observation === id) { s.photos.delete(p.key); } });
      });
    }).then(render);
  }

  function render() {
    return Promise.all([store.all("observations"), store.all("photos"), store.all("track"), store.all("files")]).then(function (found) {
      var rows = found[0].sort(function (a, b) { return a.observed_at < b.observed_at ? -1 : 1; });
      var photos = {};
      found[1].forEach(function (p) { photos[p.observation] = (photos[p.observation] || 0) + 1; });
      $("queue").textContent = "";
      rows.forEach(function (o) { $("queue").appendChild(item(o, photos[o.id])); });
      $("queue-count").textContent = say(WORDS.waiting, { n: rows.length + found[3].length });
      var km = 0;
      for (var i = 1; i < found[2].length; i++) { km += metres(found[2][i - 1], found[2][i]) / 1000; }
      $("track-info").textContent = say(WORDS.track, { n: found[2].length, km: km.toFixed(2) });
      $("net").textContent = navigator.onLine ? WORDS.online : WORDS.offline;
      $("net").className = "badge " + (navigator.onLine ? "accepted" : "rejected");
      $("photo-count").textContent = $("photos").files.length ? say(WORDS.photos, { n: $("photos").files.length }) : "";
    });
  }

  // -- sync ---------------------------------------------------------------------------------
  // The photos go first: the portal keeps each under its sha256 (sending one again keeps
  // nothing new) and it is not evidence yet. The observation then names them, and the
  // portal stores it with all its photos in one transaction, or nothing.
  function payload(o, photos) {
    var sent = Object.assign({}, o);
    ["status", "reason", "record_id"].forEach(function (k) { delete sent[k]; });
    var mine = photos.filter(function (p) { return p.observation === o.id; });
    if (mine.length) { sent.photos = mine.map(function (p) { return p.sha; }); }
    return sent;
  }

  // A 400 with its reason comes back as {detail} when `refusable` (a file that is no photo).
  function post(url, body, headers, refusable) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual", headers: Object.assign({ "X-CSRFToken": config.csrf }, headers || {}) })
      .then(function (answer) {
        if (refusable && answer.status === 400) { return answer.json(); }
        if (!answer.ok) { throw new Error(answer.status === 0 ? WORDS.login : WORDS.server); }
        return answer.json();
      });
  }

  // Stage the photos of `batch` not staged yet; resolves with {photos, refused: {id: reason}}.
  function stagePhotos(batch) {
    var ids = {};
    var refused = {};
    batch.forEach(function (o) { ids[o.id] = true; });
    return store.all("photos").then(function (photos) {
      var chain = Promise.resolve();
      photos.forEach(function (p) {
        if (!ids[p.observation] || p.sha) { return; }
        chain = chain.then(function () {
          if (refused[p.observation]) { return; }
          var form = new FormData();
          form.append("photo", p.blob, p.name || "photo.jpg");
          return post("/field/photos", form, {}, true).then(function (reply) {
            if (reply.detail) { refused[p.observation] = reply.detail; return; }
            p.sha = reply.photo_id;
            return store.put("photos", p);
          });
        });
      });
      return chain.then(function () { return store.all("photos"); }).then(function (all) { return { photos: all, refused: refused }; });
    });
  }

  function sendBatch(batch) {
    return stagePhotos(batch).then(function (staged) {
      var ready = batch.filter(function (o) { return !staged.refused[o.id]; });
      var sent = ready.length ? post("/field/sync", JSON.stringify({ observations: ready.map(function (o) { return payload(o, staged.photos); }) }), { "Content-Type": "application/json" }) : Promise.resolve({ answers: [] });
      return sent.then(function (reply) {
        var byId = {};
        reply.answers.forEach(function (a) { byId[a.id] = a; });
        Object.keys(staged.refused).forEach(function (id) { byId[id] = { id: id, status: "rejected", reason: staged.refused[id] }; });
        return keepAnswers(batch, byId, staged.photos);
      });
    });
  }

  // Accepted: the observation and its photos leave the phone together. Rejected: kept with
  // the reason. Photos the portal says it lacks are sent again at the next sync.
  function keepAnswers(batch, byId, photos) {
    return store.transact(["observations", "photos"], "readwrite", function (s) {
      batch.forEach(function (o) {
        var a = byId[o.id];
        var mine = photos.filter(function (p) { return p.observation === o.id; });
        if (!a || a.status === "retry") {
          show("sync-problem", (a && a.reason) || WORDS.server);
          mine.forEach(function (p) {
            if (a && a.missing && a.missing.indexOf(p.sha) >= 0) { delete p.sha; s.photos.put(p); }
          });
          return;
        }
        if (a.status === "accepted") {
          s.observations.delete(o.id);
          mine.forEach(function (p) { s.photos.delete(p.key); });
          return;
        }
        o.status = "rejected";
        o.reason = a.reason || "";
        s.observations.put(o);
      });
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(render()); }
    syncing = true;
    show("sync-problem", "");
    return fetchConfig().then(function (fresh) {
      if (!fresh) { return; }
      config = fresh;
      showPlan();
      return cutTrackPiece().then(function () { return store.all("observations"); }).then(function (rows) {
        // "sent": waiting for its photos under the earlier two-step sync; sent again whole.
        var queued = rows.filter(function (o) { return o.status === "queued" || o.status === "sent"; });
        var chain = Promise.resolve();
        for (var i = 0; i < queued.length; i += BATCH) {
          chain = chain.then(sendBatch.bind(null, queued.slice(i, i + BATCH)));
        }
        return chain;
      });
    }).catch(function (error) {
      show("sync-problem", error && error.message && error.message.indexOf(" ") > 0 ? error.message : WORDS.server);
    }).then(function () {
      syncing = false;
      document.body.dataset.synced = String(Date.now());
      return render();
    });
  }

  // -- start --------------------------------------------------------------------------------
  // Ask the browser to keep what waits here even when the phone runs short of space.
  if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(function () {});
  }
  $("field-form").addEventListener("submit", save);
  $("photos").addEventListener("change", render);
  $("team").addEventListener("change", showPlan);
  $("sync-now").addEventListener("click", sync);
  window.addEventListener("online", sync);
  window.addEventListener("offline", render);
  setInterval(sync, 60000);
  keptConfig().then(function (kept) {
    config = kept;
    if (kept) { setUp(kept); }
    return fetchConfig();
  }).then(function (fresh) {
    if (fresh) { config = fresh; setUp(fresh); }
    if (!config) { show("form-problem", WORDS.need_setup); return; }
    watchPosition();
    return sync();
  });
})();
