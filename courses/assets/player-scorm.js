// SCORM runtime of the wrapper page (content origin), built on scorm-again.
//
// The server's commit ledger is the truth; scorm-again is the data model.
// * scorm-again validates every SetValue against the standard (types, vocabularies,
//   the 64,000-character suspend_data…) and answers GetValue. It is loaded with
//   the server's launch state (identity, entry, total time, mastery score, what
//   was stored) before Initialize.
// * It never talks to the network itself: `lmsCommitUrl` is set only so that its
//   `httpService` hook receives each commit the SCO asks for (LMSCommit, Commit,
//   LMSFinish, Terminate). Its own HTTP services would answer "true" for a beacon
//   nobody acknowledged and number commits from 1 on every page load; its
//   autocommit timer and `includeCommitSequence` are off, `mastery_override` too
//   (completion rules are the server's).
// * Our CommitClient sends the commit synchronously and answers "true" only once
//   the server has stored it; otherwise "false" with 101 (1.2) / 391 (2004), the
//   data staying queued. What it sends is built here, not by scorm-again's
//   renderer: the elements the SCO wrote this session that the server does not
//   hold yet (plus statuses the runtime derived), never read-only values.
// * Background commits (60 s after the first change, tab hidden) and the final
//   `pagehide` beacon go through the same ordered queue.
import { CommitClient, PlayerStatus, attemptPrefix, readLaunch, store } from "./tracking-client.js";

const API_NAMES = { scorm12: "API", scorm2004: "API_1484_11" };
const SET_VALUE = { scorm12: "LMSSetValue", scorm2004: "SetValue" };
const STATUS_KEYS = {
  scorm12: ["cmi.core.lesson_status"],
  scorm2004: ["cmi.completion_status", "cmi.success_status"],
};
// SCORM 1.2 101 "General exception"; SCORM 2004 391 "General Commit Failure".
const COMMIT_ERROR = { scorm12: 101, scorm2004: 391 };
const AUTOCOMMIT_MS = 60 * 1000;
// Refusing one of these loses the learner's place: say so on screen.
const RESUME_ELEMENTS = new Set([
  "cmi.suspend_data",
  "cmi.core.lesson_location",
  "cmi.location",
]);
// One session's values: never loaded back as the starting state.
const SESSION_ONLY = new Set([
  "cmi.core.session_time",
  "cmi.session_time",
  "cmi.core.exit",
  "cmi.exit",
]);

function loadOrder(key) {
  // Collections first by index, with each row's "id" before its other fields.
  const match = key.match(/^cmi\.(interactions|objectives)\.(\d+)\.(.*)$/);
  if (!match) return [0, 0, 0, key];
  return [1, Number(match[2]), match[3] === "id" ? 0 : 1, key];
}

function preload(api, elements) {
  try {
    api.loadFromFlattenedJSON(elements, "");
    return;
  } catch (error) {
    // One stored value scorm-again refuses must not hide the others: load one by one.
  }
  const keys = Object.keys(elements).sort((a, b) => {
    const left = loadOrder(a);
    const right = loadOrder(b);
    for (let i = 0; i < left.length; i += 1) {
      if (left[i] < right[i]) return -1;
      if (left[i] > right[i]) return 1;
    }
    return 0;
  });
  for (const key of keys) {
    try {
      api.loadFromFlattenedJSON({ [key]: elements[key] }, "");
    } catch (error) {
      // Skipped: the SCO sees this element as never set.
    }
  }
}

/** One SCO being played: its scorm-again instance and its commit queue. */
class ScoSession {
  constructor(player, sco) {
    this.player = player;
    this.sco = sco;
    this.standard = player.standard;
    this.touched = new Set();
    this.rejected = new Map();
    this.initialStatus = {};
    this.dirty = false;
    this.timer = null;
    this.api = null;
    this.client = new CommitClient({
      api: player.config.api,
      launch: player.launch,
      sco: sco.id,
      status: player.status,
      onStale: (reason) => player.stale(reason),
    });
    this.client.onReject = (elements, values) => {
      for (const element of elements) this.rejected.set(element, String(values[element]));
    };
  }

  async start(ApiClass) {
    // The server's launch state holds everything: identity, LMS-owned values
    // (credit, entry, total time, mastery score…) and what was stored before.
    const stored = await this.client.load();
    const elements = {};
    for (const [key, value] of Object.entries(stored)) {
      if (!SESSION_ONLY.has(key) && value !== null && value !== undefined) {
        elements[key] = String(value);
      }
    }
    const api = new ApiClass({
      // scorm-again only calls our httpService when a commit URL is set; the
      // service ignores it and posts to the tracking API itself.
      lmsCommitUrl: this.player.config.api.commits,
      httpService: {
        processHttpRequest: (url, params, immediate) => this.commitFromSco(Boolean(immediate)),
        updateSettings: () => {},
      },
      dataCommitFormat: "flattened",
      sendFullCommit: true,
      autocommit: false,
      useAsynchronousCommits: false,
      includeCommitSequence: false,
      mastery_override: false,
      autoCompleteLessonStatus: false,
      logLevel: 4,
    });
    preload(api, elements);
    const flat = api.renderCommitCMI(false);
    for (const key of STATUS_KEYS[this.standard]) this.initialStatus[key] = String(flat[key] ?? "");
    const setName = SET_VALUE[this.standard];
    const setValue = api[setName].bind(api);
    api[setName] = (element, value) => {
      const result = setValue(element, value);
      if (result === "true" || result === true) this.changed(String(element));
      else if (RESUME_ELEMENTS.has(String(element))) {
        // Never silent: what the learner would resume from was refused (too long
        // or malformed); the SCO got the standard's error code.
        this.player.status.invalid([String(element)]);
      }
      return result;
    };
    api.on(this.standard === "scorm12" ? "LMSFinish" : "Terminate", () => {
      this.cancelTimer();
      this.player.finished(this);
    });
    if (this.standard === "scorm2004") {
      api.on("SequenceNext", () => this.player.defer(() => this.player.next()));
      api.on("SequencePrevious", () => this.player.defer(() => this.player.previous()));
      api.on("SequenceChoice", (element, target) =>
        this.player.defer(() => this.player.open(String(target || ""))),
      );
    }
    this.api = api;
    return api;
  }

  changed(element) {
    if (!element.startsWith("cmi.")) return;
    this.touched.add(element);
    this.dirty = true;
    if (!this.timer) {
      this.timer = window.setTimeout(() => {
        this.timer = null;
        this.commitInBackground();
      }, AUTOCOMMIT_MS);
    }
  }

  cancelTimer() {
    if (this.timer) window.clearTimeout(this.timer);
    this.timer = null;
  }

  get isOpen() {
    return Boolean(this.api && this.api.isInitialized() && !this.api.isTerminated());
  }

  /** Elements written this session, as they stand now (strings only). */
  snapshot() {
    const flat = this.api.renderCommitCMI(false);
    const elements = {};
    for (const key of this.touched) {
      const value = flat[key];
      if (value === undefined || (value !== null && typeof value === "object")) continue;
      const text = value === null ? "" : String(value);
      if (this.rejected.get(key) === text) continue;
      elements[key] = text;
    }
    for (const key of STATUS_KEYS[this.standard]) {
      const value = String(flat[key] ?? "");
      if (!(key in elements) && value !== this.initialStatus[key]) elements[key] = value;
    }
    return elements;
  }

  /** The SCO asked to commit (or to finish): answer only with the server's verdict. */
  commitFromSco(final) {
    if (!final && !this.dirty && !this.client.pending) {
      return { result: "true", errorCode: 0 };
    }
    this.cancelTimer();
    const elements = this.snapshot();
    this.dirty = false;
    let outcome;
    if (this.player.leaving) {
      this.client.commitBeacon(elements, final);
      outcome = { ok: false, diagnostic: "sent while the page closes" };
    } else {
      outcome = this.client.commitSync(elements, final);
    }
    if (outcome.ok) return { result: "true", errorCode: 0 };
    return {
      result: "false",
      errorCode: COMMIT_ERROR[this.standard],
      errorMessage: `Commit not stored by the LMS (${outcome.diagnostic})`,
    };
  }

  commitInBackground() {
    if (!this.api || !this.dirty || this.client.stopped) return;
    this.cancelTimer();
    const elements = this.snapshot();
    this.dirty = false;
    this.client.commitAsync(elements, false);
  }

  /**
   * The SCO was unloaded without terminating: save what it wrote. Not a final
   * commit: the SCO never ended its session, so its next launch resumes.
   */
  end() {
    this.cancelTimer();
    if (this.isOpen && this.dirty) {
      const elements = this.snapshot();
      this.dirty = false;
      this.client.commitAsync(elements, false);
    }
  }

  /** The page goes away: last chance, by beacon (pending commits included). */
  pageHidden() {
    this.cancelTimer();
    if (this.isOpen && this.dirty) {
      this.client.commitBeacon(this.snapshot(), false);
      this.dirty = false;
    } else {
      this.client.beacon();
    }
  }
}

/** The wrapper page: table of contents, navigation between SCOs, lifecycle. */
class ScormPlayer {
  constructor(ApiClass, config, launch) {
    this.ApiClass = ApiClass;
    this.config = config;
    this.launch = launch;
    this.standard = config.standard;
    this.status = new PlayerStatus(document, config.messages);
    this.frame = document.getElementById("sco-frame");
    this.sessions = [];
    this.current = null;
    this.leaving = false;
    this.opening = null;
    this.isStale = false;
  }

  async start() {
    if (!this.launch.preview && (!this.launch.token || !this.launch.attempt)) {
      this.status.fatal(this.config.messages.noLaunch);
      return;
    }
    for (const button of document.querySelectorAll("button.toc-item[data-sco]")) {
      button.addEventListener("click", () => this.open(button.dataset.sco));
    }
    const previous = document.getElementById("sco-previous");
    const next = document.getElementById("sco-next");
    if (previous) previous.addEventListener("click", () => this.previous());
    if (next) next.addEventListener("click", () => this.next());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && this.current) {
        this.current.commitInBackground();
      }
    });
    window.addEventListener("pagehide", () => {
      this.leaving = true;
      for (const session of this.sessions) session.pageHidden();
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) this.leaving = false;
    });
    if (!this.launch.preview) {
      await store.init(attemptPrefix(this.launch.attempt), this.config.platformOrigin);
    }
    const first = this.config.scos.find((sco) => sco.id === this.launch.sco) || this.config.scos[0];
    this.open(first.id);
  }

  defer(callback) {
    window.setTimeout(callback, 0);
  }

  index() {
    if (!this.current) return -1;
    return this.config.scos.findIndex((sco) => sco.id === this.current.sco.id);
  }

  next() {
    const index = this.index();
    if (index >= 0 && index < this.config.scos.length - 1) this.open(this.config.scos[index + 1].id);
  }

  previous() {
    const index = this.index();
    if (index > 0) this.open(this.config.scos[index - 1].id);
  }

  open(identifier) {
    const sco = this.config.scos.find((candidate) => candidate.id === identifier);
    if (!sco || this.isStale) return Promise.resolve();
    if (this.current && this.current.sco.id === sco.id) return Promise.resolve();
    // Serialise navigations: the previous SCO must be closed before the next loads.
    this.opening = (this.opening || Promise.resolve()).then(() => this.load(sco));
    return this.opening;
  }

  async load(sco) {
    await this.leaveCurrent();
    const messageEl = document.getElementById("player-message");
    messageEl.hidden = true;
    messageEl.textContent = "";
    const session = new ScoSession(this, sco);
    let api;
    try {
      api = await session.start(this.ApiClass);
    } catch (error) {
      if (this.isStale || session.client.blocked) return;
      this.status.fatal(this.config.messages.loadFailed);
      return;
    }
    this.sessions.push(session);
    window[API_NAMES[this.standard]] = api;
    this.current = session;
    this.updateNavigation();
    const base = new URL(this.config.packageUrl, window.location.origin);
    this.frame.src = new URL(sco.href, base).href;
    if (sco.isAsset) {
      // Assets never talk to the API: launching one completes it.
      this.frame.addEventListener(
        "load",
        () => {
          const key = this.standard === "scorm12" ? "cmi.core.lesson_status" : "cmi.completion_status";
          session.client.commitAsync({ [key]: "completed" }, true);
        },
        { once: true },
      );
    }
  }

  async leaveCurrent() {
    const session = this.current;
    if (!session) return;
    // Unloading the SCO runs its own unload handlers (LMSFinish / Terminate).
    await new Promise((resolve) => {
      const done = () => resolve();
      this.frame.addEventListener("load", done, { once: true });
      window.setTimeout(done, 3000);
      this.frame.src = "about:blank";
    });
    session.end();
    this.current = null;
  }

  /** The SCO ended its session (Finish / Terminate): say what comes next. */
  finished(session) {
    if (session !== this.current || !session.api.isTerminated()) return;
    const messages = this.config.messages;
    this.status.info(this.config.scos.length > 1 ? messages.finished : messages.courseFinished);
  }

  updateNavigation() {
    const index = this.index();
    for (const item of document.querySelectorAll(".toc-item[data-sco]")) {
      if (item.dataset.sco === this.current.sco.id) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
    const previous = document.getElementById("sco-previous");
    const next = document.getElementById("sco-next");
    if (previous) previous.disabled = index <= 0;
    if (next) next.disabled = index < 0 || index >= this.config.scos.length - 1;
    this.frame.title = `${this.current.sco.title || document.title}`;
  }

  stale(reason) {
    if (this.isStale) return;
    this.isStale = true;
    for (const session of this.sessions) session.cancelTimer();
    this.status.stale(reason);
  }
}

export function startScormPlayer(ApiClass) {
  const config = JSON.parse(document.getElementById("player-config").textContent);
  const player = new ScormPlayer(ApiClass, config, readLaunch(window.location.hash));
  player.start();
}
