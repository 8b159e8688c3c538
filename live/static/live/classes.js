// Class page: count down to the opening of the join window, then enable the
// button (the server checks the window again when the form is sent).
(function () {
  "use strict";
  var status = document.getElementById("join-state");
  var button = document.getElementById("join-button");
  if (!status || !button || status.dataset.window !== "early") {
    return;
  }
  var opensAt = Date.now() + Number(status.dataset.seconds || 0) * 1000;
  var countdown = status.querySelector("[data-countdown]");
  var lastMinutes = null;
  function tick() {
    var seconds = Math.max(0, Math.round((opensAt - Date.now()) / 1000));
    if (seconds === 0) {
      status.textContent = status.dataset.openText || "La classe est ouverte : vous pouvez la rejoindre.";
      button.disabled = false;
      button.removeAttribute("aria-disabled");
      return;
    }
    var minutes = Math.ceil(seconds / 60);
    if (countdown && minutes !== lastMinutes) {
      lastMinutes = minutes;
      countdown.textContent = minutes > 1
        ? "Ouverture dans " + minutes + " minutes."
        : "Ouverture dans 1 minute.";
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
