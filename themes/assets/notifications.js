// Live in-app notifications over WebSocket (lms.consumers.NotificationConsumer).
// Only signed-in pages carry data-notifications; messages are announced politely.
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

export function connectNotifications(root) {
  const region = root.getElementById("notifications-live");
  if (!region) return;
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${window.location.host}/ws/notifications/`;
  let attempt = 0;

  const open = () => {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => { attempt = 0; });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type !== "notification" || !data.payload) return;
      const item = document.createElement("p");
      item.className = "message";
      item.textContent = String(data.payload.message || "");
      region.append(item);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) return; // signed out: do not retry
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      attempt += 1;
      window.setTimeout(open, delay);
    });
  };
  open();
}
