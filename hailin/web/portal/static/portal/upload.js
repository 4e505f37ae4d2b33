// The upload page: drop or choose files; each is kept on the phone (IndexedDB,
// fieldstore.js) and sent in pieces that go on where the server stopped after a
// dropped connection (POST /upload/resumable/, then PATCH pieces at Upload-Offset).
// Without IndexedDB or Web Crypto (a page not served over HTTPS) the form posts as it is.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var chosen = document.getElementById("chosen");
  var send = document.getElementById("send");
  if (!form || !drop || !input) { return; }
  var PIECE = 1024 * 1024;
  var store = window.hailinStore;
  var words = document.getElementById("upload-words").dataset;
  var resumable = !!(store && window.indexedDB && window.crypto && crypto.subtle && window.fetch);
  var running = false;

  function list() {
    chosen.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KiB)";
      chosen.appendChild(item);
    });
  }
  input.addEventListener("change", list);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      list();
    }
  });

  function csrf() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function call(method, url, body, headers) {
    return fetch(url, { method: method, body: body, credentials: "same-origin", redirect: "manual", headers: Object.assign({ "X-CSRFToken": csrf() }, headers || {}) })
      .then(function (answer) {
        // Not JSON: a login page (the session ended) or a proxy's error page.
        var parsed = answer.json().catch(function () { return { detail: answer.statusText || String(answer.status) }; });
        return parsed.then(function (reply) {
          if (!answer.ok && answer.status !== 409) { var error = new Error(reply.detail || String(answer.status)); error.refused = true; throw error; }
          return reply;
        });
      });
  }

  function waitOnline() {
    return new Promise(function (resolve) {
      if (navigator.onLine) { setTimeout(resolve, 1000); return; }
      window.addEventListener("online", function once() { window.removeEventListener("online", once); resolve(); });
    });
  }

  // Call again after a network failure (not after a refusal) once the network is back.
  function retrying(attempt) {
    return attempt().catch(function (error) {
      if (error.refused) { throw error; }
      return waitOnline().then(function () { return retrying(attempt); });
    });
  }

  function row(entry) {
    var id = "file-" + entry.key;
    var li = document.getElementById(id);
    if (!li) {
      li = document.createElement("li");
      li.id = id;
      li.appendChild(document.createElement("span"));
      li.appendChild(document.createElement("progress"));
      document.getElementById("file-list").appendChild(li);
    }
    return li;
  }

  function progress(entry, offset, text) {
    var li = row(entry);
    li.firstChild.textContent = entry.name + " · " + text;
    li.lastChild.max = entry.blob.size;
    li.lastChild.value = offset;
  }

  // Send one kept file to the end; resolves with the portal's upload number.
  function upload(entry) {
    return entry.blob.arrayBuffer().then(function (bytes) { return crypto.subtle.digest("SHA-256", bytes); }).then(function (digest) {
      var meta = { name: entry.name, size: entry.blob.size, sha256: hex(digest), team: entry.team, patrol_type: entry.patrol_type };
      return retrying(function () {
        return call("POST", "/upload/resumable/", JSON.stringify(meta), { "Content-Type": "application/json" });
      });
    }).then(function step(state) {
      if (state.done) { return state.result_url.split("done=")[1]; }
      progress(entry, state.offset, state.offset < state.size ? words.sending : words.importing);
      var url = "/upload/resumable/" + state.token;
      var piece = entry.blob.slice(state.offset, state.offset + PIECE);
      return call("PATCH", url, piece, { "Upload-Offset": String(state.offset), "Content-Type": "application/offset+octet-stream" })
        .catch(function (error) {
          if (error.refused) { throw error; }
          progress(entry, state.offset, words.offline);
          return retrying(function () { return call("GET", url); });
        })
        .then(step);
    });
  }

  function drain() {
    if (running) { return; }
    running = true;
    var done = [];
    store.all("files").then(function (entries) {
      document.getElementById("file-queue").hidden = entries.length === 0;
      var chain = Promise.resolve();
      entries.forEach(function (entry) {
        progress(entry, 0, navigator.onLine ? words.sending : words.offline);
        chain = chain.then(function () { return upload(entry); }).then(function (number) {
          done.push(number);
          return store.remove("files", entry.key);
        }, function (error) {
          var problem = document.getElementById("file-problem");
          problem.hidden = false;
          problem.textContent = words.failed + " " + entry.name + ": " + error.message;
          return store.remove("files", entry.key);
        });
      });
      return chain;
    }).then(function () {
      running = false;
      if (done.length) { window.location.assign("/upload/?done=" + done.join(",") + "#results"); }
    });
  }

  form.addEventListener("submit", function (event) {
    if (!resumable || !input.files.length) { send.disabled = true; return; }
    event.preventDefault();
    var team = form.elements.team.value;
    var patrolType = form.elements.patrol_type.value;
    var files = Array.prototype.slice.call(input.files);
    store.transact(["files"], "readwrite", function (s) {
      files.forEach(function (file) { s.files.put({ name: file.name, blob: file, team: team, patrol_type: patrolType }); });
    }).then(function () {
      input.value = "";
      list();
      drain();
    });
  });
  if (resumable) { drain(); }
})();
