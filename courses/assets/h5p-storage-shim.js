// Prepended to h5p-standalone's frame.bundle.js by copy-h5p-player.mjs.
// The player runs in a third-party frame; browsers that block third-party storage
// throw on every `localStorage` access there, and H5P core reads it while it
// initialises content (clipboard, anonymous actor id), which would abort that
// initialisation. Keep H5P working with a per-page in-memory storage instead.
// (Learner state is saved through the tracking API, never through this.)
(function () {
  "use strict";
  try {
    window.localStorage.getItem("tremplin:v1:probe");
    return;
  } catch (error) {
    // Denied: install the in-memory fallback below.
  }
  var data = Object.create(null);
  var storage = {
    getItem: function (key) {
      key = String(key);
      return key in data ? data[key] : null;
    },
    setItem: function (key, value) {
      data[String(key)] = String(value);
    },
    removeItem: function (key) {
      delete data[String(key)];
    },
    clear: function () {
      data = Object.create(null);
    },
    key: function (index) {
      var keys = Object.keys(data);
      return index < keys.length ? keys[index] : null;
    },
    get length() {
      return Object.keys(data).length;
    },
  };
  try {
    Object.defineProperty(window, "localStorage", {
      configurable: true,
      get: function () {
        return storage;
      },
    });
  } catch (error) {
    // Not redefinable here: H5P keeps its own error handling.
  }
})();
