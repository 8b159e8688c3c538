// Platform page around the content-origin player iframe.
//
// * The wrapper may ask us to reload (its attempt token expired, or another tab
//   took over): reloading this page mints a fresh token.
// * The wrapper is a third-party frame: browsers that block third-party storage
//   deny it localStorage. It relays what must survive a reload (unacknowledged
//   tracking data, never a token) to us; we keep it in our first-party
//   localStorage under "tremplin:v1:" and hand it back on its next visit.
// Only messages from that iframe, on its origin, are honoured; stored values
// are opaque strings we never interpret.
const PREFIX = "tremplin:v1:";
const MAX_KEY_LENGTH = 300;
const MAX_VALUE_LENGTH = 1024 * 1024;
const MAX_KEYS = 200;

function storedKeys() {
  const keys = [];
  for (let i = 0; i < window.localStorage.length; i += 1) {
    const key = window.localStorage.key(i);
    if (key && key.startsWith(PREFIX)) keys.push(key);
  }
  return keys;
}

function handleStorage(data, reply) {
  try {
    if (data.type === "tremplin:storage-load") {
      const prefix = String(data.prefix || "");
      if (!prefix.startsWith(PREFIX)) return;
      const items = {};
      for (const key of storedKeys()) {
        if (key.startsWith(prefix)) items[key] = window.localStorage.getItem(key);
      }
      reply({ type: "tremplin:storage-items", prefix, items });
    } else if (data.type === "tremplin:storage-set") {
      const key = String(data.key || "");
      if (!key.startsWith(PREFIX) || key.length > MAX_KEY_LENGTH) return;
      if (data.value === null) {
        window.localStorage.removeItem(key);
      } else if (typeof data.value === "string" && data.value.length <= MAX_VALUE_LENGTH) {
        if (window.localStorage.getItem(key) === null && storedKeys().length >= MAX_KEYS) return;
        window.localStorage.setItem(key, data.value);
      }
    }
  } catch (error) {
    // Storage full or disabled: the player keeps the data in memory meanwhile.
  }
}

function setUpPlayerFrame() {
  const frame = document.getElementById("player-frame");
  if (!frame) return;
  const origin = new URL(frame.src).origin;
  window.addEventListener("message", (event) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "tremplin:reload") {
      window.location.reload();
      return;
    }
    handleStorage(data, (message) => frame.contentWindow.postMessage(message, origin));
  });
}

setUpPlayerFrame();
