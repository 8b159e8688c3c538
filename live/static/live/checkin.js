// Tutor's QR screen: renew the code before it expires and show the live count.
(function () {
  "use strict";
  var box = document.getElementById("live-qr");
  if (!box) { return; }
  var strings = {};
  var stringsNode = document.getElementById(box.dataset.stringsId || "");
  if (stringsNode) { try { strings = JSON.parse(stringsNode.textContent); } catch (e) { strings = {}; } }
  var codeNode = document.getElementById("live-qr-code");
  var urlNode = document.getElementById("live-qr-url");
  var countNode = document.getElementById("live-qr-count");
  var statusNode = document.getElementById("live-qr-status");
  var refreshIn = parseInt(box.dataset.refreshIn, 10) || 30;
  var lastCount = null;

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }
  function schedule(seconds) { window.setTimeout(refresh, seconds * 1000); }

  function refresh() {
    fetch(box.dataset.tokenUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      // The SVG is produced by the server (segno) from our own URL.
      codeNode.innerHTML = data.svg;
      urlNode.textContent = data.url;
      urlNode.setAttribute("href", data.url);
      if (data.count !== lastCount) {
        countNode.textContent = format(strings.count, { count: data.count });
        lastCount = data.count;
      }
      if (statusNode) { statusNode.textContent = ""; }
      schedule(data.refresh_in || refreshIn);
    }).catch(function () {
      if (statusNode) { statusNode.textContent = strings.error || ""; }
      schedule(5);
    });
  }
  schedule(refreshIn);
})();
