// Tutor dashboard: live updates (owned by the dashboard part).
// Listens to ws/tutoring/<cohort>/dashboard/ (tutoring.consumers.dashboard) and
// updates the learner's row in place: progress bar, activity cell, last
// activity; completions are announced in the polite live region.
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];
const ICONS = { completed: "✓", in_progress: "◐", not_started: "○" };

function formatDate(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(when.getDate())}/${pad(when.getMonth() + 1)}/${when.getFullYear()} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

function updateCell(cell, state, score, labels) {
  cell.className = `state state-${state}`;
  cell.textContent = "";
  const icon = document.createElement("span");
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = ICONS[state] || ICONS.not_started;
  const label = document.createElement("span");
  label.className = "tutoring-sr-only";
  label.textContent = labels[state] || "";
  cell.append(icon, label);
  if (score !== null && score !== undefined) {
    const value = document.createElement("span");
    value.className = "score";
    value.textContent = ` ${Number(score).toLocaleString("fr-BE")} %`;
    cell.append(" ", value);
  }
}

function applyUpdate(table, region, payload) {
  const row = table.querySelector(`tr[data-enrolment-id="${Number(payload.enrolment_id)}"]`);
  if (!row) return;
  const bar = row.querySelector("progress");
  if (bar) bar.value = Number(payload.progress_percent) || 0;
  const text = row.querySelector(".js-progress");
  if (text) text.textContent = `${Number(payload.progress_percent) || 0} %`;
  const cell = row.querySelector(`td[data-activity-id="${Number(payload.activity_id)}"]`);
  if (cell) {
    updateCell(cell, String(payload.state), payload.score, {
      completed: table.dataset.completedLabel,
      in_progress: table.dataset.inProgressLabel,
    });
  }
  const last = row.querySelector(".js-last-activity");
  if (last && payload.last_activity_at) {
    const time = document.createElement("time");
    time.dateTime = String(payload.last_activity_at);
    time.textContent = formatDate(payload.last_activity_at);
    last.replaceChildren(time);
  }
  row.classList.add("is-updated");
  if (payload.state === "completed" && region) {
    const message = (table.dataset.doneMessage || "%(name)s").replace(
      "%(name)s",
      row.dataset.name || "",
    );
    const item = document.createElement("p");
    item.textContent = message;
    region.append(item);
    while (region.childElementCount > 5) region.firstElementChild.remove();
  }
}

export function connectDashboard(root) {
  const table = root.getElementById("dashboard-table");
  if (!table || !table.dataset.wsPath || !("WebSocket" in window)) return;
  const region = root.getElementById("dashboard-live");
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${window.location.host}${table.dataset.wsPath}`;
  let attempt = 0;

  const open = () => {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      attempt = 0;
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data.type === "dashboard.update" && data.payload) {
        applyUpdate(table, region, data.payload);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401 || event.code === 4403) return; // no right: stop
      const base = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      attempt += 1;
      window.setTimeout(open, base + Math.floor(Math.random() * 500));
    });
  };
  open();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => connectDashboard(document));
} else {
  connectDashboard(document);
}
