// Session close: poll the close's status and update the progress bar.
(function () {
  "use strict";
  var box = document.getElementById("closure");
  if (!box || box.dataset.running !== "true") {
    return;
  }
  var url = box.dataset.statusUrl;
  var delay = 2000;

  function render(data) {
    var bar = document.getElementById("closure-progress");
    var status = document.getElementById("closure-status");
    if (bar && typeof data.percent === "number") {
      bar.value = data.percent;
      bar.textContent = data.percent + " %";
    }
    if (status && data.state_label) {
      var text = "État : " + data.state_label + " — " + data.processed +
        " apprenant·es traité·es sur " + data.learners + ", " + data.issued +
        " attestation(s) émise(s).";
      if (data.error) {
        text += " " + data.error;
      }
      status.textContent = text;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        render(data);
        if (data.running) {
          window.setTimeout(poll, delay);
        } else {
          // Done or failed: reload to show the learners' attestations.
          window.setTimeout(function () { window.location.reload(); }, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, delay * 3);
      });
  }

  window.setTimeout(poll, delay);
})();
