// Tracking client shared by the SCORM and H5P players (content origin).
//
// The server's commit ledger is the truth. The browser only keeps what the server
// has not acknowledged yet:
// * every commit carries the attempt token, the SCO identifier and a sequence
//   number that only grows (starting after the server's last applied one);
// * each new commit is a superset of every commit still waiting, so an
//   acknowledgement of seq N settles all pending commits up to N;
// * unacknowledged commits live in localStorage (key: attempt, SCO, tab) and are
//   retried with exponential backoff and jitter; after a reload they are replayed
//   in order with their original sequence numbers before the SCO starts;
// * a 409 means another tab or device wrote newer data: this tab stops writing
//   and offers to continue here (reload the latest state). Nothing is forced.
// * the final commit leaves on `pagehide` with navigator.sendBeacon (text/plain
//   body, token inside: no cookie and no custom header needed).

const PREFIX = "tremplin:v1:";
const MAX_QUEUE = 30;
const BEACON_LIMIT = 60000; // browsers cap beacon/keepalive bodies at 64 KiB
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30000;

export const TAB_ID = randomId();

export function randomId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Launch data from the URL fragment: never sent to any server. */
export function readLaunch(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  return {
    token: params.get("t") || "",
    attempt: params.get("a") || "",
    sco: params.get("sco") || "",
    // Staff preview: the player runs, nothing is loaded, sent or stored.
    preview: params.get("preview") === "1",
    // A closed attempt opens for review (no credit): loaded, never written.
    review: params.get("review") === "1",
  };
}

// --- storage ---------------------------------------------------------------------
// Unacknowledged data must survive a reload. This page is a third-party frame (the
// content origin inside the platform page), and browsers that block third-party
// cookies also deny it localStorage. So what we keep is written to our own
// localStorage when allowed *and* relayed to the platform page, which stores it
// in its first-party localStorage (see player-launch.js) and hands it back on the
// next visit. Reads come from an in-memory copy filled once by `store.init`.

const RELAY_TIMEOUT_MS = 1500;
const memory = new Map();
let platformOrigin = "";

function localStorageOrNull() {
  try {
    const storage = window.localStorage;
    storage.getItem("tremplin:v1:probe");
    return storage;
  } catch (error) {
    return null;
  }
}

function relay(message) {
  if (!platformOrigin || window.parent === window) return;
  try {
    window.parent.postMessage(message, platformOrigin);
  } catch (error) {
    // The platform page is gone: our own storage (if any) still has the data.
  }
}

/** Ask the platform page for what it keeps under `prefix` (null if it never answers). */
function loadFromPlatform(prefix) {
  if (!platformOrigin || window.parent === window) return Promise.resolve(null);
  return new Promise((resolve) => {
    let timer = null;
    let retry = null;
    const done = (items) => {
      window.removeEventListener("message", onMessage);
      window.clearTimeout(timer);
      window.clearInterval(retry);
      resolve(items);
    };
    const onMessage = (event) => {
      const data = event.data;
      if (event.source !== window.parent || event.origin !== platformOrigin) return;
      if (!data || data.type !== "tremplin:storage-items" || data.prefix !== prefix) return;
      done(data.items && typeof data.items === "object" ? data.items : {});
    };
    window.addEventListener("message", onMessage);
    const ask = () => relay({ type: "tremplin:storage-load", prefix });
    // The platform page's script may not listen yet: ask again until it answers.
    retry = window.setInterval(ask, 200);
    timer = window.setTimeout(() => done(null), RELAY_TIMEOUT_MS);
    ask();
  });
}

export const store = {
  /** Fill the in-memory copy with everything kept under `prefix` (one attempt). */
  async init(prefix, origin) {
    platformOrigin = origin || "";
    const local = localStorageOrNull();
    if (local) {
      for (let i = 0; i < local.length; i += 1) {
        const key = local.key(i);
        if (key && key.startsWith(prefix)) memory.set(key, local.getItem(key));
      }
    }
    const items = await loadFromPlatform(prefix);
    for (const [key, value] of Object.entries(items || {})) {
      if (key.startsWith(prefix) && typeof value === "string" && !memory.has(key)) {
        memory.set(key, value);
      }
    }
  },
  get(key) {
    const raw = memory.get(key);
    if (typeof raw !== "string") return null;
    try {
      return JSON.parse(raw);
    } catch (error) {
      return null;
    }
  },
  set(key, value) {
    const raw = JSON.stringify(value);
    memory.set(key, raw);
    const local = localStorageOrNull();
    try {
      if (local) local.setItem(key, raw);
    } catch (error) {
      // Quota or policy: the platform relay and memory still hold it.
    }
    relay({ type: "tremplin:storage-set", key, value: raw });
  },
  remove(key) {
    memory.delete(key);
    const local = localStorageOrNull();
    try {
      if (local) local.removeItem(key);
    } catch (error) {
      // Nothing to do.
    }
    relay({ type: "tremplin:storage-set", key, value: null });
  },
  keys(prefix) {
    return Array.from(memory.keys()).filter((key) => key.startsWith(prefix));
  },
};

/** Storage prefix of everything kept for one attempt. */
export function attemptPrefix(attempt) {
  return `${PREFIX}${attempt}:`;
}

export function queueKey(kind, attempt, scope, tab = TAB_ID) {
  return `${attemptPrefix(attempt)}${kind}:${scope}:${tab}`;
}

// --- HTTP --------------------------------------------------------------------------
const TEXT_PLAIN = "text/plain;charset=UTF-8";

function parseBody(text) {
  try {
    return text ? JSON.parse(text) : {};
  } catch (error) {
    return {};
  }
}

function retryAfterSeconds(header) {
  const seconds = Number.parseInt(header || "", 10);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 600) : 0;
}

/** POST JSON as text/plain; resolves to {status, body, retryAfter}; status 0 on network errors. */
export async function postJson(url, payload, { keepalive = false } = {}) {
  const body = JSON.stringify(payload);
  try {
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "Content-Type": TEXT_PLAIN },
      credentials: "omit",
      cache: "no-store",
      keepalive: keepalive && body.length < BEACON_LIMIT,
    });
    return {
      status: response.status,
      body: parseBody(await response.text()),
      retryAfter: retryAfterSeconds(response.headers.get("Retry-After")),
    };
  } catch (error) {
    return { status: 0, body: {} };
  }
}

/** Synchronous POST (SCORM Commit must answer synchronously); status 0 if it throws. */
export function postJsonSync(url, payload) {
  const xhr = new XMLHttpRequest();
  try {
    xhr.open("POST", url, false);
    xhr.setRequestHeader("Content-Type", TEXT_PLAIN);
    xhr.send(JSON.stringify(payload));
  } catch (error) {
    // Offline, or a synchronous request during page dismissal (forbidden).
    return { status: 0, body: {}, threw: true };
  }
  return {
    status: xhr.status,
    body: parseBody(xhr.responseText),
    retryAfter: retryAfterSeconds(xhr.getResponseHeader("Retry-After")),
  };
}

/** Fire-and-forget delivery that survives the page: sendBeacon, then keepalive fetch. */
export function sendBeacon(url, payload) {
  const body = JSON.stringify(payload);
  try {
    if (navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: TEXT_PLAIN }))) {
      return true;
    }
  } catch (error) {
    // Fall through to fetch.
  }
  if (body.length >= BEACON_LIMIT) return false;
  try {
    fetch(url, {
      method: "POST",
      body,
      headers: { "Content-Type": TEXT_PLAIN },
      credentials: "omit",
      keepalive: true,
    }).catch(() => {});
    return true;
  } catch (error) {
    return false;
  }
}

// --- retry with exponential backoff and jitter -----------------------------------
export class Retrier {
  constructor(task) {
    this.task = task;
    this.failures = 0;
    this.timer = null;
    this.onOnline = () => this.now();
    window.addEventListener("online", this.onOnline);
  }

  failed(minimumMs = 0) {
    this.failures += 1;
    if (this.timer) return;
    const exp = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(this.failures - 1, 10));
    const delay = Math.max(minimumMs, Math.round(exp / 2 + Math.random() * (exp / 2)));
    this.timer = window.setTimeout(() => {
      this.timer = null;
      this.task();
    }, delay);
  }

  succeeded() {
    this.failures = 0;
    this.cancel();
  }

  now() {
    this.cancel();
    this.task();
  }

  cancel() {
    if (this.timer) window.clearTimeout(this.timer);
    this.timer = null;
  }

  dispose() {
    this.cancel();
    window.removeEventListener("online", this.onOnline);
  }
}

// --- learner-facing status ----------------------------------------------------------
/**
 * One place for what the learner is told. Problems are kept per source (a SCO
 * commit queue, H5P statements…); the "not saved" alert stays while any source
 * has unsaved data and clears when everything is acknowledged.
 */
export class PlayerStatus {
  constructor(doc, messages) {
    this.doc = doc;
    this.messages = messages;
    this.failing = new Set();
    this.statusEl = doc.getElementById("save-status");
    this.alertEl = doc.getElementById("save-alert");
    this.alertText = doc.getElementById("save-alert-text");
    this.reloadButton = doc.getElementById("save-alert-reload");
    this.messageEl = doc.getElementById("player-message");
    this.staleDialog = doc.getElementById("stale-dialog");
    this.mode = "ok"; // ok | failing | token | stale | fatal
    this.savedTimer = null;
    if (this.reloadButton) {
      this.reloadButton.addEventListener("click", () => requestPlatformReload());
    }
  }

  showAlert(text, { reload = false } = {}) {
    this.alertText.textContent = text;
    this.reloadButton.hidden = !reload;
    this.alertEl.hidden = false;
    this.alertEl.dataset.state = this.mode;
  }

  hideAlert() {
    this.alertEl.hidden = true;
    this.alertText.textContent = "";
    delete this.alertEl.dataset.state;
  }

  notSaved(source) {
    this.failing.add(source);
    if (this.mode === "stale" || this.mode === "token" || this.mode === "fatal") return;
    this.mode = "failing";
    this.showAlert(this.messages.notSaved);
  }

  saved(source) {
    this.failing.delete(source);
    if (this.mode !== "failing" || this.failing.size) return;
    this.mode = "ok";
    this.hideAlert();
    this.announce(this.messages.saved);
  }

  announce(text) {
    if (!this.statusEl) return;
    this.statusEl.textContent = text;
    if (this.savedTimer) window.clearTimeout(this.savedTimer);
    this.savedTimer = window.setTimeout(() => {
      this.statusEl.textContent = "";
    }, 5000);
  }

  tokenExpired() {
    if (this.mode === "stale" || this.mode === "fatal") return;
    this.mode = "token";
    this.showAlert(this.messages.tokenExpired, { reload: true });
  }

  invalid(elements) {
    const list = elements.length ? elements.join(", ") : "?";
    this.info(this.messages.invalid.replace("%(elements)s", list));
  }

  tooLarge() {
    this.info(this.messages.tooLarge);
  }

  info(text) {
    this.messageEl.textContent = text;
    this.messageEl.hidden = false;
  }

  fatal(text) {
    this.mode = "fatal";
    this.showAlert(text, { reload: true });
  }

  /** Another tab or device took over (or the attempt closed): stop, offer to reload. */
  stale(reason = "stale") {
    if (this.mode === "stale") return;
    this.mode = "stale";
    this.hideAlert();
    const closed = reason === "closed";
    this.doc.getElementById("stale-title").textContent = closed
      ? this.messages.closedTitle
      : this.messages.staleTitle;
    this.doc.getElementById("stale-body").textContent = closed
      ? this.messages.closedBody
      : this.messages.staleBody;
    this.staleDialog.hidden = false;
    for (const element of this.doc.querySelectorAll(".player-content")) {
      element.inert = true;
    }
    const button = this.doc.getElementById("stale-continue");
    // A new launch (fresh token) loads the latest saved state.
    button.addEventListener("click", () => requestPlatformReload(), { once: true });
    button.focus();
  }
}

/** Ask the platform page (our parent) to reload itself: it mints a fresh token. */
export function requestPlatformReload() {
  if (window.parent && window.parent !== window) {
    // Nothing secret in it; the platform page checks that it comes from us.
    window.parent.postMessage({ type: "tremplin:reload" }, platformOrigin || "*");
  } else {
    window.location.reload();
  }
}

// --- the commit queue of one SCO within one attempt ---------------------------------
export class CommitClient {
  /**
   * @param {object} options
   * @param {{commits: string, state: string}} options.api endpoints
   * @param {{token: string, attempt: string}} options.launch
   * @param {string} options.sco SCO identifier
   * @param {PlayerStatus} options.status
   * @param {() => void} options.onStale called once when another tab wins
   */
  constructor({ api, launch, sco, status, onStale }) {
    this.api = api;
    this.token = launch.token;
    this.attempt = launch.attempt;
    this.preview = Boolean(launch.preview);
    this.readOnly = this.preview || Boolean(launch.review);
    this.sco = sco;
    this.status = status;
    this.onStale = onStale;
    this.source = `sco:${sco}`;
    this.key = queueKey("q", this.attempt, sco);
    this.queue = [];
    this.seq = 0;
    this.ackedSeq = 0;
    this.inFlight = null;
    this.replaying = false;
    this.pauseUntil = 0;
    // Element values the server is known to hold (launch state + acknowledged).
    this.acked = {};
    this.stopped = false;
    this.blocked = false;
    this.retrier = new Retrier(() => this.flush());
  }

  /** Load the server state, replay what an earlier visit left unsent, return elements. */
  async load() {
    if (this.preview) return {};
    let state = await postJson(this.api.state, { token: this.token, sco: this.sco });
    if (state.status === 401) {
      this.blocked = true;
      this.status.tokenExpired();
      throw new Error("token");
    }
    if (state.status !== 200) throw new Error(`state ${state.status}`);
    const serverSeq = Number(state.body.seq) || 0;
    this.seq = serverSeq;
    this.ackedSeq = serverSeq;
    let elements = { ...(state.body.elements || {}) };
    this.acked = { ...elements };
    const leftovers = this.adoptLeftovers(serverSeq);
    if (leftovers.length) {
      this.queue = leftovers;
      this.seq = leftovers[leftovers.length - 1].seq;
      this.persist();
      // Leftovers that conflict with newer server data are obsolete, not a
      // reason to stop this tab.
      this.replaying = true;
      try {
        await this.flush();
      } finally {
        this.replaying = false;
      }
      if (!this.queue.length) {
        state = await postJson(this.api.state, { token: this.token, sco: this.sco });
        if (state.status === 200) {
          elements = { ...(state.body.elements || {}) };
          this.acked = { ...elements };
          this.seq = Math.max(this.seq, Number(state.body.seq) || 0);
          this.ackedSeq = Math.max(this.ackedSeq, Number(state.body.seq) || 0);
        }
      } else {
        // Still offline: resume from what this device knows.
        for (const entry of this.queue) Object.assign(elements, entry.elements);
      }
    }
    return elements;
  }

  /** Unacknowledged commits left by earlier visits (any tab), newer than the server. */
  adoptLeftovers(serverSeq) {
    const bySeq = new Map();
    for (const key of store.keys(queueKey("q", this.attempt, this.sco, ""))) {
      const entries = store.get(key);
      store.remove(key);
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const seq = Number(entry && entry.seq);
        if (!Number.isSafeInteger(seq) || seq <= serverSeq || bySeq.has(seq)) continue;
        if (!entry.elements || typeof entry.elements !== "object") continue;
        bySeq.set(seq, { seq, final: Boolean(entry.final), elements: entry.elements });
      }
    }
    return Array.from(bySeq.values()).sort((a, b) => a.seq - b.seq);
  }

  get pending() {
    return this.queue.length > 0;
  }

  persist() {
    if (this.stopped) return;
    if (this.queue.length) store.set(this.key, this.queue);
    else store.remove(this.key);
  }

  /**
   * A new commit: every element still waiting in the queue, plus the given
   * elements whose value the server does not have yet. So each commit is a
   * superset of the pending ones (an acknowledgement settles them all) yet
   * carries only what changed: a 64 KB suspend_data already stored does not
   * travel again, which keeps the final beacon under the browsers' 64 KiB cap.
   */
  enqueue(elements, final) {
    if (this.readOnly) return { seq: 0, final, elements };
    const merged = {};
    for (const entry of this.queue) Object.assign(merged, entry.elements);
    for (const [element, value] of Object.entries(elements)) {
      if (element in merged || this.acked[element] !== value) merged[element] = value;
    }
    this.seq += 1;
    const entry = { seq: this.seq, final: Boolean(final), elements: merged };
    this.queue.push(entry);
    // Older entries are subsets of newer ones: dropping them loses nothing.
    if (this.queue.length > MAX_QUEUE) this.queue.splice(0, this.queue.length - MAX_QUEUE);
    this.persist();
    return entry;
  }

  payload(entry) {
    return {
      token: this.token,
      sco: this.sco,
      seq: entry.seq,
      final: entry.final,
      elements: entry.elements,
    };
  }

  /** Apply the server's answer about `entry`; returns ok | retry | stale | token | invalid. */
  handle(entry, response) {
    const { status, body } = response;
    if (status === 200) {
      this.acknowledge(entry.seq);
      return "ok";
    }
    if (entry.seq <= this.ackedSeq) {
      // A later commit of ours is already stored and covers this one.
      return "ok";
    }
    if (status === 409) {
      if (this.replaying) {
        // Left over from an earlier visit and older than the server: obsolete.
        this.drop(entry);
        return "ok";
      }
      this.stop(body.error === "closed" ? "closed" : "stale");
      return "stale";
    }
    if (status === 400 || status === 413) {
      this.reject(entry, status === 413 ? null : body.errors || []);
      return "invalid";
    }
    if (status === 401) {
      this.blocked = true;
      this.status.tokenExpired();
      return "token";
    }
    // Offline, proxy errors, 5xx, 429: keep the data and try again later,
    // not before the server's Retry-After (a SCO committing in a loop must not
    // hammer it).
    const pause = (response.retryAfter || 0) * 1000;
    this.pauseUntil = Math.max(this.pauseUntil, Date.now() + pause);
    this.status.notSaved(this.source);
    this.retrier.failed(pause);
    return "retry";
  }

  acknowledge(seq) {
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    for (const entry of this.queue) {
      if (entry.seq <= this.ackedSeq) Object.assign(this.acked, entry.elements);
    }
    this.queue = this.queue.filter((entry) => entry.seq > this.ackedSeq);
    this.persist();
    if (!this.queue.length) {
      this.retrier.succeeded();
      this.status.saved(this.source);
    }
  }

  drop(entry) {
    this.queue = this.queue.filter((queued) => queued !== entry);
    this.persist();
    if (!this.queue.length) this.status.saved(this.source);
  }

  /** The server refused values: stop sending them (nothing of that commit was stored). */
  reject(entry, errors) {
    if (errors === null) {
      this.status.tooLarge();
      this.drop(entry);
      return;
    }
    const refused = errors.map((error) => String(error.element || "")).filter(Boolean);
    this.status.invalid(refused);
    const wasLast = this.queue[this.queue.length - 1] === entry;
    const remaining = { ...entry.elements };
    for (const element of refused) delete remaining[element];
    this.queue = this.queue.filter((queued) => queued !== entry);
    for (const queued of this.queue) {
      for (const element of refused) delete queued.elements[element];
    }
    if (this.onReject) this.onReject(refused, entry.elements);
    if (wasLast && refused.length && Object.keys(remaining).length) {
      this.seq += 1;
      this.queue.push({ seq: this.seq, final: entry.final, elements: remaining });
    }
    this.persist();
    if (this.queue.length) this.flush();
    else this.status.saved(this.source);
  }

  stop(reason) {
    if (this.stopped) return;
    // Another tab or device has newer data (or the attempt is over): ours must
    // not overwrite it.
    this.queue = [];
    store.remove(this.key);
    this.stopped = true;
    this.retrier.dispose();
    if (this.onStale) this.onStale(reason);
  }

  /** Send waiting commits in order, one at a time, until empty or a failure. */
  async flush() {
    if (this.inFlight || this.stopped || this.blocked) return;
    while (this.queue.length && !this.stopped && !this.blocked) {
      const entry = this.queue[0];
      this.inFlight = entry;
      const response = await postJson(this.api.commits, this.payload(entry), { keepalive: true });
      this.inFlight = null;
      const outcome = this.handle(entry, response);
      if (outcome !== "ok" && outcome !== "invalid") break;
    }
  }

  /** A commit the SCO waits for (LMSCommit, Commit, Terminate): true only once stored. */
  commitSync(elements, final) {
    // Preview and review: like an LMS for "no-credit", accept and record nothing.
    if (this.readOnly) return { ok: true };
    if (this.stopped) return { ok: false, diagnostic: "stale" };
    const entry = this.enqueue(elements, final);
    if (this.blocked) return { ok: false, diagnostic: "token" };
    if (Date.now() < this.pauseUntil) {
      // The server asked us to wait: keep it queued, the retry timer sends it.
      return { ok: false, diagnostic: "server busy" };
    }
    // Everything not yet acknowledged, in order, including a background request
    // still in flight: sending it again is harmless (same seq and payload is a
    // duplicate) and keeps the server from ever seeing our commits out of order.
    for (const queued of [...this.queue]) {
      if (queued.seq <= this.ackedSeq) continue;
      const response = postJsonSync(this.api.commits, this.payload(queued));
      if (response.threw) {
        // Probably the page is being closed: hand the newest state to a beacon.
        this.beacon();
      }
      const outcome = this.handle(queued, response);
      if (outcome !== "ok" && outcome !== "invalid") break;
    }
    if (entry.seq <= this.ackedSeq) return { ok: true };
    return { ok: false, diagnostic: this.stopped ? "stale" : "not saved yet" };
  }

  /** A background commit (timer, tab hidden): queued, then sent in order. */
  commitAsync(elements, final) {
    if (this.stopped || this.readOnly) return;
    this.enqueue(elements, final);
    this.flush();
  }

  /** The page is going away: send the newest state (a superset) by beacon. */
  commitBeacon(elements, final) {
    if (this.stopped || this.readOnly) return;
    this.enqueue(elements, final);
    this.beacon();
  }

  beacon() {
    if (this.stopped || this.blocked || !this.queue.length) return;
    // The entries stay stored: on the next visit, those the server already has
    // (seq <= its seq) are dropped and the rest replayed.
    sendBeacon(this.api.commits, this.payload(this.queue[this.queue.length - 1]));
  }

  dispose() {
    this.retrier.dispose();
  }
}
