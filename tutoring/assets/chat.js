// Cohort / group chat client (protocol: tutoring/consumers/chat.py).
//
// Nothing is lost or doubled across reconnects: each message gets a
// crypto.randomUUID() client id and waits in an outbox (localStorage, per user
// and room) until the server acknowledges it; after each (re)connection the
// client sends "hello" with the last id it saw, receives what it missed, then
// re-sends the outbox (the server de-duplicates by client id). Messages are
// de-duplicated by id here too. User text is only ever set with textContent.

const RETRY_MS = [1000, 2000, 5000, 10000, 30000];
const PING_MS = 25000;
const FINAL_CODES = new Set([4401, 4403, 4404]);

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  // Older browsers: RFC 4122 version 4 from getRandomValues.
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

class Outbox {
  constructor(key) {
    this.key = key;
    this.items = [];
    try {
      const stored = JSON.parse(window.localStorage.getItem(key) || "[]");
      if (Array.isArray(stored)) {
        this.items = stored.filter((item) => item && item.client_id && typeof item.body === "string");
      }
    } catch (error) {
      this.items = [];
    }
  }

  save() {
    try {
      if (this.items.length) window.localStorage.setItem(this.key, JSON.stringify(this.items));
      else window.localStorage.removeItem(this.key);
    } catch (error) {
      // Private browsing or a full storage: the outbox lives in memory only.
    }
  }

  add(item) {
    this.items.push(item);
    this.save();
  }

  remove(clientId) {
    const before = this.items.length;
    this.items = this.items.filter((item) => item.client_id !== clientId);
    if (this.items.length !== before) this.save();
  }

  has(clientId) {
    return this.items.some((item) => item.client_id === clientId);
  }
}

function setUpChat(root) {
  const strings = JSON.parse(document.getElementById("chat-strings").textContent);
  const log = document.getElementById("chat-log");
  const empty = document.getElementById("chat-empty");
  const status = document.getElementById("chat-status");
  const form = document.getElementById("chat-form");
  const textarea = document.getElementById("chat-body");
  const counter = document.getElementById("chat-counter");
  const errorBox = document.getElementById("chat-error");
  const presenceList = document.getElementById("chat-presence");
  const presenceCount = document.getElementById("chat-presence-count");
  const userId = Number(root.dataset.userId);
  const userName = root.dataset.userName || "";
  const maxLength = Number(root.dataset.maxLength) || 2000;
  const canModerate = root.dataset.canModerate === "true";
  const outbox = new Outbox(`tremplin.chat.outbox.${userId}.${root.dataset.room}`);
  const seen = new Set();
  let lastId = Number(root.dataset.lastId) || null;
  let socket = null;
  let attempt = 0;
  let pingTimer = null;

  log.querySelectorAll("li[data-id]").forEach((item) => seen.add(Number(item.dataset.id)));

  const showError = (message) => {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  };

  const updateCounter = () => {
    const count = textarea.value.length;
    counter.textContent = format(strings.counter, { count, max: maxLength });
    counter.classList.toggle("chat-counter-over", count > maxLength);
  };

  const timeOf = (iso) => {
    const time = document.createElement("time");
    time.dateTime = iso;
    const date = new Date(iso);
    time.textContent = Number.isNaN(date.getTime())
      ? ""
      : date.toLocaleTimeString(document.documentElement.lang || "fr-BE", { hour: "2-digit", minute: "2-digit" });
    return time;
  };

  const hideButton = (id, authorName) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small button-secondary chat-hide";
    button.dataset.id = String(id);
    button.textContent = strings.hide;
    const detail = document.createElement("span");
    detail.className = "visually-hidden";
    detail.textContent = ` (${authorName})`;
    button.append(detail);
    return button;
  };

  const fillBody = (item, message) => {
    item.querySelectorAll(".chat-body, .chat-flag, .chat-hide-form, .chat-hide").forEach((node) => node.remove());
    const body = document.createElement("p");
    body.className = "chat-body";
    if (message.is_hidden && !canModerate) {
      body.classList.add("chat-placeholder");
      body.textContent = strings.hidden;
      item.append(body);
    } else {
      body.textContent = message.body;
      item.append(body);
      if (message.is_hidden) {
        const flag = document.createElement("p");
        flag.className = "chat-flag";
        flag.textContent = strings.hiddenForTutors;
        item.append(flag);
      }
    }
    item.classList.toggle("chat-message-hidden", Boolean(message.is_hidden));
    if (canModerate && !message.is_hidden && message.id) item.append(hideButton(message.id, message.author_name));
  };

  const buildItem = (message) => {
    const item = document.createElement("li");
    item.className = "chat-message";
    if (message.author_id === userId) item.classList.add("chat-message-own");
    if (message.id) item.dataset.id = String(message.id);
    item.dataset.clientId = message.client_id;
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    const author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = message.author_name;
    meta.append(author, " ", timeOf(message.created_at));
    item.append(meta);
    fillBody(item, message);
    return item;
  };

  const pendingItem = (clientId) => log.querySelector(`li.chat-pending[data-client-id="${CSS.escape(clientId)}"]`);

  const insertById = (item, id) => {
    const later = Array.from(log.querySelectorAll("li[data-id]")).find((node) => Number(node.dataset.id) > id);
    const firstPending = log.querySelector("li.chat-pending");
    log.insertBefore(item, later || firstPending || null);
  };

  const render = (message) => {
    if (!message || !message.id) return;
    if (seen.has(message.id)) {
      const existing = log.querySelector(`li[data-id="${message.id}"]`);
      if (existing && message.is_hidden && !existing.classList.contains("chat-message-hidden")) {
        fillBody(existing, message);
      }
      return;
    }
    seen.add(message.id);
    lastId = Math.max(lastId || 0, message.id);
    const item = buildItem(message);
    const pending = pendingItem(message.client_id);
    if (pending) pending.remove();
    insertById(item, message.id);
    if (message.author_id === userId) outbox.remove(message.client_id);
    empty.hidden = true;
  };

  const renderPending = (entry) => {
    if (pendingItem(entry.client_id)) return;
    const item = buildItem({
      client_id: entry.client_id,
      author_id: userId,
      author_name: userName,
      body: entry.body,
      created_at: entry.created_at,
      is_hidden: false,
    });
    item.classList.add("chat-pending");
    const note = document.createElement("p");
    note.className = "chat-flag";
    note.textContent = strings.pending;
    item.append(note);
    log.append(item);
    empty.hidden = true;
  };

  const send = (data) => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(data));
      return true;
    }
    return false;
  };

  const flushOutbox = () => {
    outbox.items.forEach((entry) => send({ type: "message", client_id: entry.client_id, body: entry.body }));
  };

  const renderPresence = (people, count) => {
    presenceList.replaceChildren();
    if (!people.length) {
      const item = document.createElement("li");
      item.className = "help";
      item.textContent = strings.nobody;
      presenceList.append(item);
    }
    people.forEach((person) => {
      const item = document.createElement("li");
      item.textContent = person.name;
      presenceList.append(item);
    });
    if (count > people.length) {
      const item = document.createElement("li");
      item.className = "help";
      item.textContent = format(strings.andOthers, { count: count - people.length });
      presenceList.append(item);
    }
    presenceCount.textContent = `(${count})`;
  };

  const markHidden = (id) => {
    const item = log.querySelector(`li[data-id="${Number(id)}"]`);
    if (!item) return;
    const body = item.querySelector(".chat-body");
    fillBody(item, {
      id: Number(id),
      body: body && !body.classList.contains("chat-placeholder") ? body.textContent : "",
      is_hidden: true,
    });
  };

  const onFrame = (data) => {
    switch (data.type) {
      case "history":
        (data.messages || []).forEach(render);
        if (data.has_more) send({ type: "hello", last_id: lastId });
        else flushOutbox();
        break;
      case "message":
        render(data.message);
        break;
      case "ack": {
        const entry = outbox.items.find((item) => item.client_id === data.client_id);
        outbox.remove(data.client_id);
        const pending = pendingItem(data.client_id);
        if (pending && !seen.has(data.id) && entry) {
          // The broadcast has not arrived (or never will, for a duplicate
          // whose original we already saw in history): show the stored one.
          pending.remove();
          render({
            id: data.id,
            client_id: data.client_id,
            author_id: userId,
            author_name: userName,
            body: entry.body,
            created_at: entry.created_at,
            is_hidden: false,
          });
        } else if (pending) {
          pending.remove();
        }
        break;
      }
      case "hidden":
        markHidden(data.id);
        break;
      case "presence":
        renderPresence(data.online || [], Number(data.count) || 0);
        break;
      case "error":
        if (data.client_id && data.code !== "unavailable") {
          const entry = outbox.items.find((item) => item.client_id === data.client_id);
          outbox.remove(data.client_id);
          const pending = pendingItem(data.client_id);
          if (pending) pending.remove();
          if (entry && !textarea.value) {
            textarea.value = entry.body;
            updateCounter();
          }
        }
        showError(data.message);
        break;
      default:
        break;
    }
  };

  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    status.textContent = strings.connecting;
    socket = new WebSocket(`${scheme}://${window.location.host}${root.dataset.wsPath}`);
    socket.addEventListener("open", () => {
      attempt = 0;
      status.textContent = strings.connected;
      send({ type: "hello", last_id: lastId });
      pingTimer = window.setInterval(() => send({ type: "ping" }), PING_MS);
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      onFrame(data);
    });
    socket.addEventListener("close", (event) => {
      window.clearInterval(pingTimer);
      socket = null;
      if (FINAL_CODES.has(event.code)) {
        status.textContent = strings.refused;
        return;
      }
      const base = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      const delay = base + Math.floor(Math.random() * base * 0.3);
      attempt += 1;
      status.textContent = format(strings.reconnecting, { seconds: Math.round(delay / 1000) });
      window.setTimeout(connect, delay);
    });
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = textarea.value.trim();
    if (!body) {
      showError(strings.empty);
      textarea.focus();
      return;
    }
    if (body.length > maxLength) {
      showError(format(strings.tooLong, { max: maxLength }));
      textarea.focus();
      return;
    }
    showError("");
    const entry = { client_id: newClientId(), body, created_at: new Date().toISOString() };
    outbox.add(entry);
    renderPending(entry);
    send({ type: "message", client_id: entry.client_id, body: entry.body });
    textarea.value = "";
    updateCounter();
    textarea.focus();
  });

  textarea.addEventListener("input", updateCounter);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  log.addEventListener("click", (event) => {
    const button = event.target.closest("button.chat-hide");
    if (!button) return;
    event.preventDefault();
    if (!window.confirm(strings.confirmHide)) return;
    send({ type: "hide", id: Number(button.dataset.id) });
  });

  outbox.items.forEach(renderPending);
  updateCounter();
  connect();
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("chat");
  if (root) setUpChat(root);
});
