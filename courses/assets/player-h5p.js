// H5P player of the wrapper page (content origin), built on h5p-standalone.
//
// * xAPI events from H5P.externalDispatcher (answered, completed, passed…) are
//   posted to the tracking API one statement at a time, each with its own id so
//   a retry is idempotent; unsent statements wait in localStorage and are retried
//   with backoff, then beaconed on `pagehide`.
// * The content's user state (getCurrentState) is restored through
//   h5p-standalone's `contentUserData` option and saved to the tracking API when
//   a question is answered or completed, every 30 s when it changed, when the tab
//   is hidden and on `pagehide` (beacon): H5P's own 3 s delayed save is not relied on.
import {
  PlayerStatus,
  Retrier,
  attemptPrefix,
  postJson,
  queueKey,
  randomId,
  readLaunch,
  sendBeacon,
  store,
} from "./tracking-client.js";

const SENT_VERBS = new Set(["answered", "completed", "passed", "failed", "scored", "mastered"]);
const SAVE_EVERY_MS = 30 * 1000;
const MAIN_CONTENT = "0";

/** Unsent xAPI statements of this attempt, delivered in order. */
class StatementClient {
  constructor({ api, launch, status }) {
    this.api = api;
    this.token = launch.token;
    this.attempt = launch.attempt;
    this.status = status;
    this.key = queueKey("s", this.attempt, "h5p");
    this.queue = [];
    this.sending = false;
    this.blocked = false;
    this.retrier = new Retrier(() => this.flush());
  }

  adoptLeftovers() {
    const seen = new Set();
    for (const key of store.keys(queueKey("s", this.attempt, "h5p", ""))) {
      const statements = store.get(key);
      store.remove(key);
      if (!Array.isArray(statements)) continue;
      for (const statement of statements) {
        if (statement && statement.id && !seen.has(statement.id)) {
          seen.add(statement.id);
          this.queue.push(statement);
        }
      }
    }
    this.persist();
  }

  persist() {
    if (this.queue.length) store.set(this.key, this.queue);
    else store.remove(this.key);
  }

  send(statement) {
    this.queue.push(statement);
    this.persist();
    this.flush();
  }

  async flush() {
    if (this.sending || this.blocked) return;
    this.sending = true;
    try {
      while (this.queue.length) {
        const statement = this.queue[0];
        const response = await postJson(
          this.api.statements,
          { token: this.token, statement },
          { keepalive: true },
        );
        const { status, body } = response;
        if (status === 200 || status === 409 || status === 400 || status === 413) {
          // 409: this id was already stored with other content; 400/413: never
          // storable. In both cases retrying cannot help.
          if (status === 400) this.status.invalid((body.errors || []).map((e) => String(e.element || "statement")));
          this.queue.shift();
          this.persist();
          continue;
        }
        if (status === 401) {
          this.blocked = true;
          this.status.tokenExpired();
          return;
        }
        this.status.notSaved("statements");
        this.retrier.failed((response.retryAfter || 0) * 1000);
        return;
      }
      this.retrier.succeeded();
      this.status.saved("statements");
    } finally {
      this.sending = false;
    }
  }

  beacon() {
    if (this.blocked) return;
    for (const statement of this.queue) {
      sendBeacon(this.api.statements, { token: this.token, statement });
    }
  }
}

/** The content's user state: latest value wins, kept until the server has it. */
class StateClient {
  constructor({ api, launch, status }) {
    this.api = api;
    this.token = launch.token;
    this.attempt = launch.attempt;
    this.status = status;
    this.key = queueKey("h", this.attempt, "state");
    this.pending = null;
    this.saved = null;
    this.sending = false;
    this.blocked = false;
    this.retrier = new Retrier(() => this.flush());
  }

  request(data) {
    const payload = { token: this.token, data_type: "state", sub_content_id: MAIN_CONTENT };
    if (data !== undefined) payload.data = data;
    return payload;
  }

  /** The state to resume from: an unsent local one first, else the server's. */
  async load() {
    const response = await postJson(this.api.h5pState, this.request());
    if (response.status === 401) {
      this.blocked = true;
      this.status.tokenExpired();
      throw new Error("token");
    }
    if (response.status !== 200) throw new Error(`state ${response.status}`);
    const server = typeof response.body.data === "string" ? response.body.data : null;
    this.saved = server;
    let leftover = null;
    for (const key of store.keys(queueKey("h", this.attempt, "state", ""))) {
      const value = store.get(key);
      store.remove(key);
      if (value && typeof value.data === "string") leftover = value.data;
    }
    if (leftover !== null && leftover !== server) {
      this.save(leftover);
      return leftover;
    }
    return server;
  }

  save(data) {
    if (data === null || data === undefined || data === this.saved || data === this.pending) return;
    this.pending = data;
    store.set(this.key, { data });
    this.flush();
  }

  async flush() {
    if (this.sending || this.blocked || this.pending === null) return;
    this.sending = true;
    try {
      while (this.pending !== null) {
        const data = this.pending;
        const response = await postJson(this.api.h5pState, this.request(data), { keepalive: true });
        if (response.status === 200) {
          this.saved = data;
          if (this.pending === data) {
            this.pending = null;
            store.remove(this.key);
          }
          continue;
        }
        if (response.status === 401) {
          this.blocked = true;
          this.status.tokenExpired();
          return;
        }
        if (response.status === 400 || response.status === 413) {
          this.status.tooLarge();
          if (this.pending === data) {
            this.pending = null;
            store.remove(this.key);
          }
          continue;
        }
        this.status.notSaved("h5p-state");
        this.retrier.failed((response.retryAfter || 0) * 1000);
        return;
      }
      this.retrier.succeeded();
      this.status.saved("h5p-state");
    } finally {
      this.sending = false;
    }
  }

  beacon() {
    if (this.pending !== null && !this.blocked) {
      sendBeacon(this.api.h5pState, this.request(this.pending));
    }
  }
}

function contentWindows() {
  const frame = document.querySelector("#h5p-container iframe.h5p-iframe");
  return [frame && frame.contentWindow, window].filter(Boolean);
}

function currentState() {
  for (const win of contentWindows()) {
    const instances = (win.H5P && win.H5P.instances) || [];
    const instance = instances[0];
    if (instance && typeof instance.getCurrentState === "function") {
      const state = instance.getCurrentState();
      return state === undefined || state === null ? null : JSON.stringify(state);
    }
  }
  return null;
}

async function startH5pPlayer() {
  const config = JSON.parse(document.getElementById("player-config").textContent);
  const status = new PlayerStatus(document, config.messages);
  const launch = readLaunch(window.location.hash);
  if (!launch.preview && (!launch.token || !launch.attempt)) {
    status.fatal(config.messages.noLaunch);
    return;
  }
  const statements = new StatementClient({ api: config.api, launch, status });
  const state = new StateClient({ api: config.api, launch, status });
  let previous = null;
  if (!launch.preview) {
    await store.init(attemptPrefix(launch.attempt), config.platformOrigin);
    statements.adoptLeftovers();
    statements.flush();
    try {
      previous = await state.load();
    } catch (error) {
      if (!state.blocked) status.fatal(config.messages.loadFailed);
      return;
    }
  }
  const options = {
    ...config.h5p,
    id: `tremplin-${launch.attempt}`.slice(0, 60),
    frame: false,
    copyright: false,
    export: false,
    embed: false,
    icon: false,
    fullScreen: true,
    // H5P core hands a content its previous state only when saveFreq is set. Its
    // own saves go nowhere (no `ajax` URL, no user): ours use the tracking API.
    saveFreq: SAVE_EVERY_MS / 1000,
  };
  if (previous) options.contentUserData = [{ state: previous }];
  const container = document.getElementById("h5p-container");
  await new window.H5PStandalone.H5P(container, options);

  container.dataset.ready = "true";
  if (launch.preview) return;
  const saveState = () => state.save(currentState());
  window.H5P.externalDispatcher.on("xAPI", (event) => {
    const raw = event && event.data && event.data.statement;
    if (!raw || !raw.verb) return;
    const verb = String(raw.verb.id || "").split("/").pop();
    if (!SENT_VERBS.has(verb)) return;
    const statement = JSON.parse(JSON.stringify(raw));
    statement.id = statement.id || randomId();
    statement.timestamp = statement.timestamp || new Date().toISOString();
    statements.send(statement);
    saveState();
  });
  window.setInterval(saveState, SAVE_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveState();
  });
  window.addEventListener("pagehide", () => {
    const latest = currentState();
    if (latest !== null && latest !== state.saved) {
      state.pending = latest;
      store.set(state.key, { data: latest });
    }
    state.beacon();
    statements.beacon();
  });
}

startH5pPlayer();
