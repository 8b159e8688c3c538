// Tremplin base behaviour: progressive enhancement only; every page works without it.
import { setUpNavigationToggle } from "./navigation.js";
import { connectNotifications } from "./notifications.js";

document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  setUpNavigationToggle(document);
  connectNotifications(document);
});
