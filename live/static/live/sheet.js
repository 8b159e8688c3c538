// Attendance sheet of an in-person day: keyboard entry (P/A/E, arrow keys),
// "Tous présents" per half, live summary. The form works without this file.
(function () {
  "use strict";
  var form = document.getElementById("attendance-sheet");
  if (!form) { return; }
  var strings = {};
  var stringsNode = document.getElementById(form.dataset.stringsId || "");
  if (stringsNode) { try { strings = JSON.parse(stringsNode.textContent); } catch (e) { strings = {}; } }
  var statusNode = document.getElementById("sheet-status");
  var KEYS = { p: "present", a: "absent", e: "excused" };

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }
  function announce(text) {
    if (!statusNode) { return; }
    statusNode.textContent = "";
    window.setTimeout(function () { statusNode.textContent = text; }, 30);
  }
  function groups(half) {
    return Array.prototype.slice.call(
      form.querySelectorAll('fieldset.live-marks[data-half="' + half + '"]')
    );
  }
  function focusGroup(group) {
    var target = group.querySelector("input:checked") || group.querySelector("input");
    if (target) { target.focus(); }
  }
  function setValue(group, value) {
    var input = group.querySelector('input[value="' + value + '"]');
    if (!input || input.disabled) { return false; }
    input.checked = true;
    input.focus();
    return true;
  }
  function labelOf(value) {
    var input = form.querySelector('input[value="' + value + '"]');
    var label = input && input.closest("label");
    var spans = label ? label.querySelectorAll("span") : [];
    return spans.length ? spans[spans.length - 1].textContent.trim() : value;
  }
  function updateSummary() {
    var rows = document.querySelectorAll("[data-summary-half]");
    Array.prototype.forEach.call(rows, function (row) {
      var half = row.getAttribute("data-summary-half");
      var counts = { present: 0, absent: 0, excused: 0, none: 0 };
      groups(half).forEach(function (group) {
        var checked = group.querySelector("input:checked");
        var value = checked ? checked.value : "none";
        if (counts[value] === undefined) { counts[value] = 0; }
        counts[value] += 1;
      });
      Object.keys(counts).forEach(function (key) {
        var node = row.querySelector('[data-count="' + key + '"]');
        if (node) { node.textContent = String(counts[key]); }
      });
    });
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input || input.type !== "radio" || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var group = input.closest("fieldset.live-marks");
    if (!group) { return; }
    var half = group.getAttribute("data-half");
    var list = groups(half);
    var index = list.indexOf(group);
    var key = event.key.toLowerCase();
    if (KEYS[key]) {
      event.preventDefault();
      if (setValue(group, KEYS[key])) {
        updateSummary();
        announce(format(strings.marked, {
          name: group.getAttribute("data-name"),
          half: group.getAttribute("data-half-label"),
          status: labelOf(KEYS[key])
        }));
        if (index + 1 < list.length) { focusGroup(list[index + 1]); }
      }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = list[index + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) { focusGroup(next); }
    }
  });

  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") { updateSummary(); }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-all-present]");
    if (!button) { return; }
    event.preventDefault();
    var half = button.getAttribute("data-all-present");
    groups(half).forEach(function (group) {
      var input = group.querySelector('input[value="present"]');
      if (input && !input.disabled) { input.checked = true; }
    });
    updateSummary();
    var label = groups(half).length ? groups(half)[0].getAttribute("data-half-label") : half;
    announce(format(strings.allPresent, { half: label }));
  });
})();
