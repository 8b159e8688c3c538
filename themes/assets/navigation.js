// Collapsible main navigation on narrow screens, keyboard and screen-reader friendly.
const NARROW = "(max-width: 48rem)";

export function setUpNavigationToggle(root) {
  const toggle = root.querySelector(".nav-toggle");
  const nav = root.getElementById("navigation-principale");
  if (!toggle || !nav) return;
  const media = window.matchMedia(NARROW);

  const apply = () => {
    if (media.matches) {
      toggle.hidden = false;
      const expanded = toggle.getAttribute("aria-expanded") === "true";
      nav.dataset.collapsed = String(!expanded);
    } else {
      toggle.hidden = true;
      delete nav.dataset.collapsed;
    }
  };
  toggle.addEventListener("click", () => {
    const expanded = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!expanded));
    apply();
  });
  media.addEventListener("change", apply);
  apply();
}
