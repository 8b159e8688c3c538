/* A small SCORM 1.2 SCO written for Tremplin's demo course.
 * It finds the LMS's API object, resumes at the saved page (cmi.core.lesson_location)
 * with the saved answers (cmi.suspend_data), records the quiz as interactions,
 * sets the score and passed/failed status, and ends the session on pagehide. */
(function () {
  "use strict";

  var MASTERY = 70;
  var CORRECT = { q1: "substitution", q2: "modification", q3: "situer" };
  var api = null;
  var startedAt = Date.now();
  var finished = false;
  var state = { visited: [], answers: {} };

  function findAPI(win) {
    var hops = 0;
    while (win && !win.API && win.parent && win.parent !== win && hops < 10) {
      hops += 1;
      win = win.parent;
    }
    return win && win.API ? win.API : null;
  }

  function locateAPI() {
    var found = findAPI(window);
    if (!found && window.opener) found = findAPI(window.opener);
    return found;
  }

  function get(name) {
    return api ? String(api.LMSGetValue(name)) : "";
  }

  function set(name, value) {
    return api ? api.LMSSetValue(name, String(value)) === "true" : false;
  }

  function commit() {
    return api ? api.LMSCommit("") === "true" : false;
  }

  function say(message) {
    document.getElementById("lms-status").textContent = message;
  }

  function sessionTime() {
    var seconds = Math.max(0, Math.round((Date.now() - startedAt) / 1000));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return pad(h) + ":" + pad(m) + ":" + pad(s);
  }

  function save() {
    set("cmi.suspend_data", JSON.stringify(state));
  }

  function show(page) {
    var pages = document.querySelectorAll(".page");
    for (var i = 0; i < pages.length; i += 1) {
      pages[i].hidden = pages[i].getAttribute("data-page") !== String(page);
    }
    document.getElementById("step").textContent = "Page " + page + " sur " + pages.length;
    if (state.visited.indexOf(page) === -1) state.visited.push(page);
    set("cmi.core.lesson_location", page);
    save();
    commit();
    var heading = document.getElementById("title-" + page);
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function restoreAnswers() {
    Object.keys(state.answers).forEach(function (name) {
      var input = document.querySelector("input[name='" + name + "'][value='" + state.answers[name] + "']");
      if (input) input.checked = true;
    });
  }

  function grade(event) {
    event.preventDefault();
    var form = document.getElementById("quiz");
    var names = Object.keys(CORRECT);
    var good = 0;
    var base = parseInt(get("cmi.interactions._count"), 10) || 0;
    names.forEach(function (name, index) {
      var checked = form.querySelector("input[name='" + name + "']:checked");
      var answer = checked ? checked.value : "";
      state.answers[name] = answer;
      var right = answer === CORRECT[name];
      if (right) good += 1;
      var n = "cmi.interactions." + (base + index) + ".";
      set(n + "id", "samr_" + name);
      set(n + "type", "choice");
      set(n + "student_response", answer);
      set(n + "correct_responses.0.pattern", CORRECT[name]);
      set(n + "result", right ? "correct" : "wrong");
      set(n + "weighting", 1);
    });
    var score = Math.round((good / names.length) * 100);
    var passed = score >= MASTERY;
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", score);
    set("cmi.core.lesson_status", passed ? "passed" : "failed");
    save();
    var saved = commit();
    var result = document.getElementById("result");
    result.className = passed ? "passed" : "failed";
    result.textContent = (passed ? "Réussi : " : "Pas encore : ") + good + " bonne(s) réponse(s) sur " +
      names.length + " (" + score + " %)." + (passed ? "" : " Relisez la page 2 et réessayez.");
    if (!saved) say("Attention : votre résultat n'a pas encore pu être enregistré.");
  }

  function finish() {
    if (finished || !api) return;
    finished = true;
    var status = get("cmi.core.lesson_status");
    set("cmi.core.session_time", sessionTime());
    set("cmi.core.exit", status === "passed" ? "" : "suspend");
    save();
    api.LMSFinish("");
  }

  function start() {
    api = locateAPI();
    if (!api || api.LMSInitialize("") !== "true") {
      api = null;
      say("Module ouvert hors de la plateforme : votre progression ne sera pas enregistrée.");
    } else {
      say("Progression enregistrée sur la plateforme.");
      var status = get("cmi.core.lesson_status");
      if (status === "not attempted" || status === "") set("cmi.core.lesson_status", "incomplete");
      try {
        var saved = get("cmi.suspend_data");
        if (saved) state = JSON.parse(saved);
      } catch (error) {
        state = { visited: [], answers: {} };
      }
      state.visited = state.visited || [];
      state.answers = state.answers || {};
    }
    restoreAnswers();
    var buttons = document.querySelectorAll("[data-go]");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].addEventListener("click", function (event) {
        show(parseInt(event.currentTarget.getAttribute("data-go"), 10));
      });
    }
    document.getElementById("quiz").addEventListener("submit", grade);
    window.addEventListener("pagehide", finish);
    var location = parseInt(get("cmi.core.lesson_location"), 10);
    show(location >= 1 && location <= 3 ? location : 1);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
