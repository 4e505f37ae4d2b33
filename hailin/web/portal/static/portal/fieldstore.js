// What the phone keeps (IndexedDB): observations, their photos, track points,
// files waiting to upload, and the account's settings. Shared by the field form
// and the upload page.
(function () {
  "use strict";
  var NAME = "hailin-field";
  var STORES = {
    observations: { keyPath: "id" },
    photos: { keyPath: "key", autoIncrement: true },
    track: { keyPath: "key", autoIncrement: true },
    files: { keyPath: "key", autoIncrement: true },
    meta: { keyPath: "name" },
  };
  var opened = null;

  function open() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = function () {
          Object.keys(STORES).forEach(function (name) {
            if (!request.result.objectStoreNames.contains(name)) {
              request.result.createObjectStore(name, STORES[name]);
            }
          });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }

  // Run work(stores) in one transaction over `names`; resolves with what work returned
  // once the transaction has committed (so a saved observation is really saved).
  function transact(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result = work(stores);
        tx.oncomplete = function () {
          resolve(result instanceof IDBRequest ? result.result : result);
        };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all(name) {
    return transact([name], "readonly", function (s) { return s[name].getAll(); });
  }

  function put(name, value) {
    return transact([name], "readwrite", function (s) { return s[name].put(value); });
  }

  function remove(name, key) {
    return transact([name], "readwrite", function (s) { s[name].delete(key); });
  }

  window.hailinStore = { transact: transact, all: all, put: put, remove: remove };
})();
