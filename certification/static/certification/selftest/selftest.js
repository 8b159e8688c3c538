// Self-test enhancements; every page works without this script.
// 1. Focus moves to the question heading after each answer (WCAG 2.4.3).
// 2. Ordering items: picking a proposition already placed swaps the two places,
//    and the change is announced in a live region.
(function () {
  "use strict";
  function focusHeading() {
    var heading = document.querySelector("[data-selftest-focus]");
    if (heading && document.activeElement !== heading) {
      heading.focus();
    }
  }
  function enhanceOrdering() {
    var selects = Array.prototype.slice.call(
      document.querySelectorAll("select[data-selftest-order]")
    );
    var live = document.getElementById("ordering-live");
    selects.forEach(function (select) {
      select.dataset.previous = select.value;
      select.addEventListener("change", function () {
        var value = select.value;
        selects.forEach(function (other) {
          if (other !== select && value && other.value === value) {
            other.value = select.dataset.previous || "";
            other.dataset.previous = other.value;
            if (live) {
              var label = document.querySelector('label[for="' + other.id + '"]');
              var text = other.value
                ? other.options[other.selectedIndex].text
                : other.options[0].text;
              live.textContent = (label ? label.textContent : "") + " : " + text;
            }
          }
        });
        select.dataset.previous = value;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    focusHeading();
    enhanceOrdering();
  });
})();
