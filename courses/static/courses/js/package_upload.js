// Package upload with a progress bar: XHR upload progress, then polling of the
// package status (processing progress, READY or the French list of problems).
// Without JavaScript the form posts normally and lands on the package page.
(function () {
  "use strict";

  const POLL_DELAYS_MS = [500, 1000, 1000, 2000, 3000];

  function setUp() {
    const form = document.getElementById("package-upload-form");
    const section = document.getElementById("upload-status");
    const messages = document.getElementById("upload-messages");
    if (!form || !section || !messages) return;
    const text = messages.dataset;
    const bar = document.getElementById("upload-progress");
    const percent = document.getElementById("upload-percent");
    const phase = document.getElementById("upload-phase");
    const result = document.getElementById("upload-result");
    const input = form.querySelector("input[type=file]");
    const button = form.querySelector("button[type=submit]");
    const maxBytes = Number(form.dataset.maxBytes || 0);
    let lastAnnounced = -1;

    function show(value) {
      const rounded = Math.max(0, Math.min(100, Math.round(value)));
      bar.value = rounded;
      bar.textContent = rounded + " %";
      // Announce in steps of 10 % so screen readers are not flooded.
      const step = Math.floor(rounded / 10) * 10;
      if (step !== lastAnnounced || rounded === 100) {
        lastAnnounced = step;
        percent.textContent = rounded + " %";
      }
    }

    function setPhase(label) {
      phase.textContent = label;
      lastAnnounced = -1;
    }

    function clear(node) {
      while (node.firstChild) node.removeChild(node.firstChild);
    }

    function paragraph(message, className) {
      const p = document.createElement("p");
      if (className) p.className = className;
      p.textContent = message;
      return p;
    }

    function finish() {
      button.disabled = false;
      input.disabled = false;
    }

    function showProblems(problems) {
      clear(result);
      result.appendChild(paragraph(text.refused, "field-errors"));
      const list = document.createElement("ul");
      list.className = "problem-list";
      (problems || []).forEach((problem) => {
        const item = document.createElement("li");
        item.textContent = String(problem.message || problem.code || "");
        if (problem.entry) {
          item.appendChild(document.createTextNode(" (" + text.entry + " "));
          const code = document.createElement("code");
          code.textContent = String(problem.entry);
          item.appendChild(code);
          item.appendChild(document.createTextNode(")"));
        }
        list.appendChild(item);
      });
      result.appendChild(list);
      section.dataset.state = "failed";
      finish();
    }

    function showError(message) {
      clear(result);
      result.appendChild(paragraph(message, "field-errors"));
      section.dataset.state = "error";
      finish();
    }

    function showReady(payload) {
      show(100);
      clear(result);
      const description = [payload.title || payload.filename, payload.standard_label]
        .filter(Boolean)
        .join(" — ");
      result.appendChild(paragraph(text.ready + (description ? " " + description : ""), "message message-success"));
      const link = document.createElement("a");
      link.className = "button";
      link.href = payload.detail_url;
      link.textContent = text.continue;
      const p = document.createElement("p");
      p.appendChild(link);
      result.appendChild(p);
      section.dataset.state = "ready";
      finish();
    }

    function poll(statusUrl, attempt) {
      const delay = POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)];
      window.setTimeout(() => {
        fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((response) => {
            if (!response.ok) throw new Error("status " + response.status);
            return response.json();
          })
          .then((payload) => handleStatus(payload, attempt + 1))
          .catch(() => {
            // A lost poll is not a failed upload: keep asking, more slowly.
            poll(statusUrl, attempt + 1);
          });
      }, delay);
    }

    function handleStatus(payload, attempt) {
      if (payload.status === "ready") {
        showReady(payload);
      } else if (payload.status === "failed") {
        showProblems(payload.problems);
      } else {
        show(payload.progress || 0);
        poll(payload.status_url, attempt);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const file = input && input.files && input.files[0];
      section.hidden = false;
      clear(result);
      setPhase(text.sending);
      show(0);
      if (!file) {
        showError(text.noFile);
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        showError(text.tooLarge);
        return;
      }
      section.dataset.state = "uploading";
      const data = new FormData(form);
      // Disable the controls only after FormData has read them.
      button.disabled = true;
      input.disabled = true;
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (progress) => {
        if (progress.lengthComputable) show((progress.loaded / progress.total) * 100);
      });
      request.addEventListener("load", () => {
        let payload = null;
        try {
          payload = JSON.parse(request.responseText);
        } catch (error) {
          payload = null;
        }
        if (request.status === 202 && payload) {
          section.dataset.state = "processing";
          setPhase(text.processing);
          show(payload.progress || 0);
          handleStatus(payload, 0);
        } else if (request.status === 413) {
          showProblems(payload && payload.problems ? payload.problems : [{ message: text.tooLarge }]);
        } else if (payload && payload.problems) {
          showProblems(payload.problems);
        } else {
          showError(text.server);
        }
      });
      request.addEventListener("error", () => showError(text.network));
      request.addEventListener("abort", () => showError(text.network));
      request.send(data);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
