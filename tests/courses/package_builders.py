"""Build SCORM 1.2, SCORM 2004 and H5P packages in memory for tests.

Every builder returns the archive as ``bytes``; write it to a file or wrap it in
``SimpleUploadedFile``. Pass ``files={"path": content}`` to add or replace any
file (for instance your own SCO page or H5P library script) and ``root_folder``
to wrap everything in one top-level folder.

The default SCOs talk to the LMS API so that player tests can drive them:

* SCORM 1.2 (``sco12.html``): finds ``window.API`` in the parent chain or the
  opener, calls ``LMSInitialize``; shows the entry and location in
  ``#entry`` and ``#location``; ``#next`` moves to the next page (sets
  ``cmi.core.lesson_location``, ``cmi.core.exit=suspend``, ``cmi.suspend_data``
  and commits), ``#answer`` records a correct interaction, a raw score of 80
  and ``passed``, ``#finish`` calls ``LMSFinish``. ``#api-status`` shows
  ``ready`` or ``no-api``; ``#last-result`` shows the last call's return value.
* SCORM 2004 (``sco2004.html``): same with ``API_1484_11`` (``cmi.location``,
  ``cmi.score.scaled`` 0.8, ``completion_status``/``success_status``).
* H5P: a tiny custom library ``H5P.TremplinQuiz-1.0`` (one multiple-choice
  question; ``.tremplin-quiz-option`` buttons with ``data-correct``, a
  ``.tremplin-quiz-submit`` button) that emits an xAPI ``answered`` statement
  with a score and ``success`` then ``completed``, and restores its previous
  state through ``getCurrentState`` / ``extras.previousState``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from html import escape
from typing import Any

FileContent = bytes | str

CP_12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
CP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"


def make_zip(
    files: Mapping[str, FileContent],
    *,
    root_folder: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip with ``files`` (path → content), optionally inside ``root_folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for path, content in files.items():
            name = f"{root_folder.rstrip('/')}/{path}" if root_folder else path
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(name, data)
    return buffer.getvalue()


# --- SCORM 1.2 --------------------------------------------------------------------

SCO_12_HTML = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>SCO 1.2</title></head>
<body>
<h1 id="title">SCO de test SCORM 1.2</h1>
<p>API : <span id="api-status">…</span> — entrée : <span id="entry"></span>
— page : <span id="location"></span> — dernier résultat :
<span id="last-result"></span></p>
<button id="next" type="button">Page suivante</button>
<button id="answer" type="button">Répondre juste</button>
<button id="finish" type="button">Terminer</button>
<script>
(function () {
  function findAPI(win) {
    var tries = 0;
    while (win && tries < 10) {
      if (win.API) { return win.API; }
      if (win.parent === win) { break; }
      win = win.parent; tries += 1;
    }
    return null;
  }
  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  var show = function (id, text) { document.getElementById(id).textContent = text; };
  if (!api) { show("api-status", "no-api"); return; }
  show("last-result", String(api.LMSInitialize("")));
  show("api-status", "ready");
  show("entry", api.LMSGetValue("cmi.core.entry"));
  var page = parseInt(api.LMSGetValue("cmi.core.lesson_location") || "1", 10);
  show("location", String(page));
  if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
  document.getElementById("next").addEventListener("click", function () {
    page += 1;
    api.LMSSetValue("cmi.core.lesson_location", String(page));
    api.LMSSetValue("cmi.core.exit", "suspend");
    api.LMSSetValue("cmi.suspend_data", JSON.stringify({page: page}));
    show("location", String(page));
    show("last-result", String(api.LMSCommit("")));
  });
  document.getElementById("answer").addEventListener("click", function () {
    api.LMSSetValue("cmi.interactions.0.id", "q1");
    api.LMSSetValue("cmi.interactions.0.type", "choice");
    api.LMSSetValue("cmi.interactions.0.student_response", "b");
    api.LMSSetValue("cmi.interactions.0.result", "correct");
    api.LMSSetValue("cmi.core.score.min", "0");
    api.LMSSetValue("cmi.core.score.max", "100");
    api.LMSSetValue("cmi.core.score.raw", "80");
    api.LMSSetValue("cmi.core.lesson_status", "passed");
    api.LMSSetValue("cmi.core.session_time", "00:01:30");
    show("last-result", String(api.LMSCommit("")));
  });
  document.getElementById("finish").addEventListener("click", function () {
    show("last-result", String(api.LMSFinish("")));
  });
})();
</script>
</body></html>
"""


def scorm12_manifest(
    *,
    title: str = "Module SCORM 1.2",
    identifier: str = "tremplin.test.scorm12",
    launch: str = "sco12.html",
    mastery_score: float | None = None,
    extra_item_xml: str = "",
    items: list[dict[str, Any]] | None = None,
) -> str:
    """An ``imsmanifest.xml`` for SCORM 1.2.

    ``items`` (``identifier``, ``title``, ``href``, optional ``parameters``,
    ``mastery_score``, ``scormtype``) replaces the single default SCO.
    """
    if items is None:
        items = [
            {
                "identifier": "item_1",
                "title": title,
                "href": launch,
                "mastery_score": mastery_score,
            }
        ]
    item_xml = []
    resource_xml = []
    for index, item in enumerate(items, start=1):
        ref = f"resource_{index}"
        parameters = (
            f' parameters="{escape(item["parameters"])}"'
            if item.get("parameters")
            else ""
        )
        mastery = (
            f"<adlcp:masteryscore>{item['mastery_score']}</adlcp:masteryscore>"
            if item.get("mastery_score") is not None
            else ""
        )
        item_xml.append(
            f'<item identifier="{escape(item["identifier"])}" identifierref="{ref}"'
            f"{parameters}><title>{escape(item['title'])}</title>{mastery}"
            f"{extra_item_xml}</item>"
        )
        resource_xml.append(
            f'<resource identifier="{ref}" type="webcontent" '
            f'adlcp:scormtype="{item.get("scormtype", "sco")}" '
            f'href="{escape(item["href"])}"><file href="{escape(item["href"])}"/>'
            "</resource>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{escape(identifier)}" version="1"
  xmlns="{CP_12}" xmlns:adlcp="{ADLCP_12}"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org_1">
    <organization identifier="org_1"><title>{escape(title)}</title>
      {"".join(item_xml)}
    </organization>
  </organizations>
  <resources>{"".join(resource_xml)}</resources>
</manifest>
"""


def build_scorm12(
    *,
    title: str = "Module SCORM 1.2",
    sco_html: str = SCO_12_HTML,
    mastery_score: float | None = None,
    manifest: str | None = None,
    files: Mapping[str, FileContent] | None = None,
    root_folder: str | None = None,
) -> bytes:
    """A single-SCO SCORM 1.2 package launching ``sco12.html``."""
    content: dict[str, FileContent] = {
        "imsmanifest.xml": manifest
        or scorm12_manifest(title=title, mastery_score=mastery_score),
        "sco12.html": sco_html,
    }
    content.update(files or {})
    return make_zip(content, root_folder=root_folder)


# --- SCORM 2004 -------------------------------------------------------------------

SCO_2004_HTML = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>SCO 2004</title></head>
<body>
<h1 id="title">SCO de test SCORM 2004</h1>
<p>API : <span id="api-status">…</span> — entrée : <span id="entry"></span>
— page : <span id="location"></span> — dernier résultat :
<span id="last-result"></span></p>
<button id="next" type="button">Page suivante</button>
<button id="answer" type="button">Répondre juste</button>
<button id="finish" type="button">Terminer</button>
<script>
(function () {
  function findAPI(win) {
    var tries = 0;
    while (win && tries < 10) {
      if (win.API_1484_11) { return win.API_1484_11; }
      if (win.parent === win) { break; }
      win = win.parent; tries += 1;
    }
    return null;
  }
  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  var show = function (id, text) { document.getElementById(id).textContent = text; };
  if (!api) { show("api-status", "no-api"); return; }
  show("last-result", String(api.Initialize("")));
  show("api-status", "ready");
  show("entry", api.GetValue("cmi.entry"));
  var page = parseInt(api.GetValue("cmi.location") || "1", 10);
  show("location", String(page));
  api.SetValue("cmi.completion_status", "incomplete");
  document.getElementById("next").addEventListener("click", function () {
    page += 1;
    api.SetValue("cmi.location", String(page));
    api.SetValue("cmi.exit", "suspend");
    api.SetValue("cmi.suspend_data", JSON.stringify({page: page}));
    show("location", String(page));
    show("last-result", String(api.Commit("")));
  });
  document.getElementById("answer").addEventListener("click", function () {
    api.SetValue("cmi.interactions.0.id", "q1");
    api.SetValue("cmi.interactions.0.type", "choice");
    api.SetValue("cmi.interactions.0.learner_response", "b");
    api.SetValue("cmi.interactions.0.result", "correct");
    api.SetValue("cmi.score.min", "0");
    api.SetValue("cmi.score.max", "100");
    api.SetValue("cmi.score.raw", "80");
    api.SetValue("cmi.score.scaled", "0.8");
    api.SetValue("cmi.completion_status", "completed");
    api.SetValue("cmi.success_status", "passed");
    api.SetValue("cmi.session_time", "PT1M30S");
    show("last-result", String(api.Commit("")));
  });
  document.getElementById("finish").addEventListener("click", function () {
    show("last-result", String(api.Terminate("")));
  });
})();
</script>
</body></html>
"""

_SCHEMAVERSION = {2: "CAM 1.3", 3: "2004 3rd Edition", 4: "2004 4th Edition"}


def scorm2004_manifest(
    *,
    title: str = "Module SCORM 2004",
    identifier: str = "tremplin.test.scorm2004",
    edition: int = 4,
    scos: list[dict[str, Any]] | None = None,
    flow: bool | None = True,
    choice: bool | None = True,
    organization_extra_xml: str = "",
) -> str:
    """An ``imsmanifest.xml`` for SCORM 2004 (``edition`` 2, 3 or 4).

    Each SCO dict: ``identifier``, ``title``, ``href``, optional ``parameters``,
    ``completion_threshold`` (float), ``scaled_passing_score`` (float),
    ``scorm_type`` (``sco``/``asset``), ``folder`` (wraps the item in an
    aggregation item with that title).
    """
    if scos is None:
        scos = [{"identifier": "sco_1", "title": title, "href": "sco2004.html"}]
    items: list[str] = []
    resources: list[str] = []
    folders: dict[str, list[str]] = {}
    for index, sco in enumerate(scos, start=1):
        ref = f"resource_{index}"
        parameters = (
            f' parameters="{escape(sco["parameters"])}"'
            if sco.get("parameters")
            else ""
        )
        extra = ""
        threshold = sco.get("completion_threshold")
        if threshold is not None:
            if edition >= 4:
                extra += (
                    '<adlcp:completionThreshold completedByMeasure="true" '
                    f'minProgressMeasure="{threshold}"/>'
                )
            else:
                extra += f"<adlcp:completionThreshold>{threshold}</adlcp:completionThreshold>"
        passing = sco.get("scaled_passing_score")
        if passing is not None:
            extra += (
                "<imsss:sequencing><imsss:objectives>"
                '<imsss:primaryObjective objectiveID="primary" satisfiedByMeasure="true">'
                f"<imsss:minNormalizedMeasure>{passing}</imsss:minNormalizedMeasure>"
                "</imsss:primaryObjective></imsss:objectives></imsss:sequencing>"
            )
        xml = (
            f'<item identifier="{escape(sco["identifier"])}" identifierref="{ref}"'
            f"{parameters}><title>{escape(sco['title'])}</title>{extra}</item>"
        )
        folder = sco.get("folder")
        if folder:
            folders.setdefault(folder, []).append(xml)
            if len(folders[folder]) == 1:
                items.append(f"@@{folder}@@")
        else:
            items.append(xml)
        resources.append(
            f'<resource identifier="{ref}" type="webcontent" '
            f'adlcp:scormType="{sco.get("scorm_type", "sco")}" '
            f'href="{escape(sco["href"])}"><file href="{escape(sco["href"])}"/>'
            "</resource>"
        )
    rendered: list[str] = []
    for index, item in enumerate(items):
        if item.startswith("@@"):
            folder = item.strip("@")
            rendered.append(
                f'<item identifier="folder_{index}"><title>{escape(folder)}</title>'
                f"{''.join(folders[folder])}</item>"
            )
        else:
            rendered.append(item)
    control = ""
    if flow is not None or choice is not None:
        attributes = ""
        if choice is not None:
            attributes += f' choice="{str(choice).lower()}"'
        if flow is not None:
            attributes += f' flow="{str(flow).lower()}"'
        control = (
            f"<imsss:sequencing><imsss:controlMode{attributes}/></imsss:sequencing>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{escape(identifier)}" version="1"
  xmlns="{CP_2004}" xmlns:adlcp="{ADLCP_2004}" xmlns:imsss="{IMSSS}"
  xmlns:adlseq="{ADLSEQ}" xmlns:adlnav="{ADLNAV}"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><schema>ADL SCORM</schema>
    <schemaversion>{_SCHEMAVERSION[edition]}</schemaversion></metadata>
  <organizations default="org_1">
    <organization identifier="org_1"><title>{escape(title)}</title>
      {"".join(rendered)}
      {control}{organization_extra_xml}
    </organization>
  </organizations>
  <resources>{"".join(resources)}</resources>
</manifest>
"""


def build_scorm2004(
    *,
    title: str = "Module SCORM 2004",
    edition: int = 4,
    scos: list[dict[str, Any]] | None = None,
    sco_html: str = SCO_2004_HTML,
    manifest: str | None = None,
    files: Mapping[str, FileContent] | None = None,
    root_folder: str | None = None,
    flow: bool | None = True,
    choice: bool | None = True,
) -> bytes:
    """A SCORM 2004 package; every SCO's ``href`` file gets ``sco_html`` by default."""
    if scos is None:
        scos = [{"identifier": "sco_1", "title": title, "href": "sco2004.html"}]
    content: dict[str, FileContent] = {
        "imsmanifest.xml": manifest
        or scorm2004_manifest(
            title=title, edition=edition, scos=scos, flow=flow, choice=choice
        )
    }
    for sco in scos:
        content.setdefault(sco["href"].split("?")[0].split("#")[0], sco_html)
    content.update(files or {})
    return make_zip(content, root_folder=root_folder)


def multi_sco_2004(edition: int = 4) -> list[dict[str, Any]]:
    """Three SCOs in two folders, with thresholds and a passing score."""
    return [
        {
            "identifier": "intro",
            "title": "Introduction",
            "href": "intro/index.html",
            "folder": "Partie 1",
            "completion_threshold": 0.5,
        },
        {
            "identifier": "lesson",
            "title": "Leçon",
            "href": "lesson/index.html",
            "folder": "Partie 1",
            "parameters": "?page=2",
        },
        {
            "identifier": "quiz",
            "title": "Évaluation",
            "href": "quiz/index.html",
            "folder": "Partie 2",
            "scaled_passing_score": 0.7,
        },
    ]


# --- H5P --------------------------------------------------------------------------

QUIZ_LIBRARY = "H5P.TremplinQuiz"

QUIZ_JS = """/* H5P.TremplinQuiz: one multiple-choice question for tests. */
var H5P = H5P || {};
H5P.TremplinQuiz = (function ($, EventDispatcher) {
  function TremplinQuiz(params, contentId, extras) {
    EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    var previous = (extras && extras.previousState) || {};
    this.selected = typeof previous.selected === "number" ? previous.selected : null;
    this.answered = !!previous.answered;
  }
  TremplinQuiz.prototype = Object.create(EventDispatcher.prototype);
  TremplinQuiz.prototype.constructor = TremplinQuiz;

  TremplinQuiz.prototype.getCurrentState = function () {
    return {selected: this.selected, answered: this.answered};
  };
  TremplinQuiz.prototype.getScore = function () {
    var answers = this.params.answers || [];
    return this.selected !== null && answers[this.selected] &&
      answers[this.selected].correct ? 1 : 0;
  };
  TremplinQuiz.prototype.getMaxScore = function () { return 1; };

  TremplinQuiz.prototype.attach = function ($container) {
    var self = this;
    var answers = this.params.answers || [];
    $container.addClass("tremplin-quiz");
    $("<p class=\\"tremplin-quiz-question\\"></p>")
      .text(this.params.question || "").appendTo($container);
    answers.forEach(function (answer, index) {
      var button = $("<button type=\\"button\\" class=\\"tremplin-quiz-option\\"></button>")
        .text(answer.text).attr("data-index", index)
        .attr("data-correct", answer.correct ? "true" : "false")
        .attr("aria-pressed", self.selected === index ? "true" : "false");
      button.on("click", function () {
        self.selected = index;
        $container.find(".tremplin-quiz-option").attr("aria-pressed", "false");
        button.attr("aria-pressed", "true");
      });
      button.appendTo($container);
    });
    var result = $("<p class=\\"tremplin-quiz-result\\" aria-live=\\"polite\\"></p>");
    $("<button type=\\"button\\" class=\\"tremplin-quiz-submit\\">Valider</button>")
      .on("click", function () {
        if (self.selected === null) { return; }
        self.answered = true;
        var score = self.getScore();
        result.text(score ? "Bonne réponse" : "Mauvaise réponse");
        var answered = self.createXAPIEventTemplate("answered");
        answered.setScoredResult(score, 1, self, true, score === 1);
        self.trigger(answered);
        self.triggerXAPIScored(score, 1, "completed", true, score === 1);
      })
      .appendTo($container);
    result.appendTo($container);
    if (this.answered) {
      result.text(this.getScore() ? "Bonne réponse" : "Mauvaise réponse");
    }
  };
  return TremplinQuiz;
})(H5P.jQuery, H5P.EventDispatcher);
"""

QUIZ_CSS = """.tremplin-quiz { font-family: sans-serif; padding: 1rem; }
.tremplin-quiz-option[aria-pressed="true"] { outline: 3px solid #1a5fb4; }
"""

DEFAULT_QUIZ_CONTENT = {
    "question": "Combien font 2 + 2 ?",
    "answers": [
        {"text": "3", "correct": False},
        {"text": "4", "correct": True},
        {"text": "5", "correct": False},
    ],
}


def library_json(
    machine_name: str = QUIZ_LIBRARY,
    major: int = 1,
    minor: int = 0,
    *,
    patch: int = 0,
    runnable: int = 1,
    preloaded_js: list[str] | None = None,
    preloaded_css: list[str] | None = None,
    dependencies: list[tuple[str, int, int]] | None = None,
) -> str:
    """A ``library.json`` for a library folder ``<machine_name>-<major>.<minor>``."""
    document: dict[str, Any] = {
        "title": machine_name,
        "machineName": machine_name,
        "majorVersion": major,
        "minorVersion": minor,
        "patchVersion": patch,
        "runnable": runnable,
        "license": "MIT",
        "author": "Tremplin",
        "embedTypes": ["iframe"],
        "coreApi": {"majorVersion": 1, "minorVersion": 24},
        "preloadedJs": [{"path": p} for p in (preloaded_js or [])],
        "preloadedCss": [{"path": p} for p in (preloaded_css or [])],
    }
    if dependencies:
        document["preloadedDependencies"] = [
            {"machineName": m, "majorVersion": a, "minorVersion": b}
            for m, a, b in dependencies
        ]
    return json.dumps(document, indent=2)


def h5p_json(
    *,
    title: str = "Quiz H5P",
    main_library: str = QUIZ_LIBRARY,
    dependencies: list[tuple[str, int, int]] | None = None,
    language: str = "fr",
) -> str:
    """An ``h5p.json`` whose main library is ``main_library``."""
    dependencies = dependencies or [(QUIZ_LIBRARY, 1, 0)]
    return json.dumps(
        {
            "title": title,
            "language": language,
            "mainLibrary": main_library,
            "embedTypes": ["iframe"],
            "license": "U",
            "preloadedDependencies": [
                {"machineName": m, "majorVersion": str(a), "minorVersion": str(b)}
                for m, a, b in dependencies
            ],
        },
        indent=2,
    )


def build_h5p(
    *,
    title: str = "Quiz H5P",
    content: Mapping[str, Any] | None = None,
    library_js: str = QUIZ_JS,
    library_css: str = QUIZ_CSS,
    files: Mapping[str, FileContent] | None = None,
    root_folder: str | None = None,
) -> bytes:
    """An ``.h5p`` archive: ``h5p.json``, ``content/content.json`` and the
    ``H5P.TremplinQuiz-1.0`` library (``quiz.js``, ``quiz.css``)."""
    folder = f"{QUIZ_LIBRARY}-1.0"
    entries: dict[str, FileContent] = {
        "h5p.json": h5p_json(title=title),
        "content/content.json": json.dumps(
            dict(content) if content is not None else DEFAULT_QUIZ_CONTENT
        ),
        f"{folder}/library.json": library_json(
            preloaded_js=["quiz.js"], preloaded_css=["quiz.css"]
        ),
        f"{folder}/quiz.js": library_js,
        f"{folder}/quiz.css": library_css,
    }
    entries.update(files or {})
    return make_zip(entries, root_folder=root_folder)
