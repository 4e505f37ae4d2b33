// The field form's service worker: keeps the form's page and files so that the
// form opens with no network. The page is asked of the network first (a few
// seconds), its kept copy answers when there is none; the files are answered
// from the copy and refreshed behind. Nothing else passes through here.
"use strict";
var CACHE = "hailin-field-v1";
var SHELL = [/*SHELL*/];
var PAGE_WAIT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(request) {
  return caches.open(CACHE).then(function (cache) { return cache.match(request, { ignoreSearch: true }); });
}

// The network's answer, kept when it is the page itself (not a login redirect).
function fromNetwork(request) {
  return fetch(request).then(function (answer) {
    if (answer.ok && !answer.redirected && answer.type === "basic") {
      var copy = answer.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return answer;
  });
}

function pageFirstFromNetwork(request) {
  var network = fromNetwork(request);
  var late = new Promise(function (resolve) { setTimeout(resolve, PAGE_WAIT_MS); });
  return Promise.race([network.catch(function () { return null; }), late]).then(function (answer) {
    if (answer) { return answer; }
    return kept(request).then(function (copy) { return copy || network; });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === "/field/") {
    event.respondWith(pageFirstFromNetwork(request));
  } else if (SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(kept(request).then(function (copy) {
      var fresh = fromNetwork(request).catch(function () { return copy; });
      return copy || fresh;
    }));
  }
});
