"""The server's CMI rules against scorm-again's: never stricter, same error codes.

The browser runtime (scorm-again, from ``node_modules``) is run under Node.js on
the same values: anything it accepts must be accepted by the server (a refused
commit would be refused again at every later commit), and the full CMI dumps it
commits must validate.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from courses.tracking import cmi

SCORM_AGAIN = Path(settings.BASE_DIR) / "node_modules/scorm-again/dist/scorm-again.js"
NODE = shutil.which("node")

HARNESS = r"""
global.window = global;
global.document = {addEventListener() {}, removeEventListener() {}};
global.navigator = {};
require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = {cases: [], dumps: []};
console.warn = () => {}; console.error = () => {}; console.log = () => {};
function api(std) {
  const API = std === "scorm12" ? global.Scorm12API : global.Scorm2004API;
  const a = new API({logLevel: 5, autocommit: false, dataCommitFormat: "flattened"});
  const is12 = std === "scorm12";
  return {
    a,
    init: () => is12 ? a.LMSInitialize("") : a.Initialize(""),
    set: (k, v) => is12 ? a.LMSSetValue(k, v) : a.SetValue(k, v),
    err: () => String(is12 ? a.LMSGetLastError() : a.GetLastError()),
  };
}
for (const c of input.cases) {
  const x = api(c.std); x.init();
  for (const [k, v] of c.prereq) x.set(k, v);
  const ok = x.set(c.el, c.val);
  out.cases.push({ok: ok === "true", code: Number(x.err())});
}
for (const d of input.dumps) {
  const x = api(d.std);
  x.a.loadFromFlattenedJSON(d.initial, "");
  x.init();
  for (const [k, v] of d.ops) x.set(k, v);
  out.dumps.push(x.a.renderCommitCMI(true));
}
process.stdout.write(JSON.stringify(out));
"""

pytestmark = pytest.mark.skipif(
    NODE is None or not SCORM_AGAIN.exists(), reason="Node.js or scorm-again missing"
)


def run_scorm_again(cases: list[dict], dumps: list[dict] | None = None) -> dict:
    completed = subprocess.run(
        [NODE, "-e", HARNESS, str(SCORM_AGAIN)],
        input=json.dumps({"cases": cases, "dumps": dumps or []}),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout)


ELEMENTS_12 = [
    "cmi.core.lesson_location",
    "cmi.core.lesson_status",
    "cmi.core.score.raw",
    "cmi.core.score.min",
    "cmi.core.score.max",
    "cmi.core.exit",
    "cmi.core.session_time",
    "cmi.suspend_data",
    "cmi.comments",
    "cmi.objectives.0.id",
    "cmi.objectives.0.status",
    "cmi.objectives.0.score.raw",
    "cmi.student_preference.audio",
    "cmi.student_preference.language",
    "cmi.student_preference.speed",
    "cmi.student_preference.text",
    "cmi.interactions.0.id",
    "cmi.interactions.0.time",
    "cmi.interactions.0.type",
    "cmi.interactions.0.weighting",
    "cmi.interactions.0.student_response",
    "cmi.interactions.0.result",
    "cmi.interactions.0.latency",
    "cmi.interactions.0.objectives.0.id",
    "cmi.interactions.0.correct_responses.0.pattern",
]
ELEMENTS_2004 = [
    "cmi.location",
    "cmi.completion_status",
    "cmi.success_status",
    "cmi.score.scaled",
    "cmi.score.raw",
    "cmi.score.min",
    "cmi.score.max",
    "cmi.progress_measure",
    "cmi.exit",
    "cmi.session_time",
    "cmi.suspend_data",
    "cmi.learner_preference.audio_level",
    "cmi.learner_preference.language",
    "cmi.learner_preference.delivery_speed",
    "cmi.learner_preference.audio_captioning",
    "cmi.objectives.0.id",
    "cmi.objectives.0.score.scaled",
    "cmi.objectives.0.score.raw",
    "cmi.objectives.0.success_status",
    "cmi.objectives.0.completion_status",
    "cmi.objectives.0.progress_measure",
    "cmi.objectives.0.description",
    "cmi.interactions.0.id",
    "cmi.interactions.0.type",
    "cmi.interactions.0.timestamp",
    "cmi.interactions.0.weighting",
    "cmi.interactions.0.result",
    "cmi.interactions.0.latency",
    "cmi.interactions.0.description",
    "cmi.interactions.0.objectives.0.id",
    "cmi.comments_from_learner.0.comment",
    "cmi.comments_from_learner.0.location",
    "cmi.comments_from_learner.0.timestamp",
    "adl.nav.request",
]
WORDS = [
    "passed", "completed", "failed", "incomplete", "browsed", "not attempted",
    "unknown", "suspend", "normal", "logout", "time-out", "choice", "true-false",
    "fill-in", "long-fill-in", "other", "correct", "wrong", "incorrect", "neutral",
    "continue", "previous", "{target=sco_2}choice", "_none_", "fr", "fr-BE", "x-klingon",
    "00:00:05", "0000:01:30.5", "12:30:00", "24:00:00", "1:2:3", "PT1H30M", "P1DT2H",
    "PT0.5S", "PT1.555S", "P", "PT", "PT-1S", "2024-05-01T10:00:00", "2024-05-01T10:00:00.5Z",
    "1970-01-01", "1969-12-31", "{lang=fr}bonjour", "{lang=}x", "{bad", "0", "-0", "1",
    "-1", "100", "101", "-100", "-101", "0.5", "1.5", "-1.5", ".5", "5.", "1e3", "NaN",
    "Infinity", "00000000000", "0.0000000000000000001", "999.9999999", "1000",
]  # fmt: skip
ALPHABET = "0123456789.-:PTHMSYDW ,eé{}=_/#\n"


def random_values(rng: random.Random, count: int) -> list[str]:
    values = list(WORDS)
    for limit in (250, 255, 256, 1000, 4000, 4096, 64_000):
        values += ["a" * limit, "a" * (limit + 1)]
    while len(values) < count:
        size = rng.randint(0, 12)
        values.append("".join(rng.choice(ALPHABET) for _ in range(size)))
    return values


def prerequisites(element: str) -> list[list[str]]:
    """What the runtime needs set first (an interaction or objective id)."""
    if element.startswith("cmi.interactions.0.") and not element.endswith(".0.id"):
        return [["cmi.interactions.0.id", "q0"], ["cmi.interactions.0.type", "choice"]]
    if element == "cmi.interactions.0.objectives.0.id":
        return [["cmi.interactions.0.id", "q0"]]
    if element.startswith("cmi.objectives.0.") and element != "cmi.objectives.0.id":
        return [["cmi.objectives.0.id", "o0"]]
    return []


def server_accepts(standard: str, prereq: list[list[str]], element: str, value: str):
    elements = dict(prereq)
    elements[element] = value
    validated = cmi.validate_elements(standard, elements, learner_id="1")
    errors = validated.errors or cmi.check_against_state(standard, validated.values, {})
    return [e for e in errors if e.element == element]


@pytest.mark.parametrize(
    ("standard", "elements"), [("scorm12", ELEMENTS_12), ("scorm2004", ELEMENTS_2004)]
)
def test_server_accepts_everything_scorm_again_accepts(standard, elements):
    """Fuzzed values: whatever the browser runtime accepts, the server accepts."""
    rng = random.Random(f"cmi-parity-{standard}")  # noqa: S311 - reproducible fuzz
    values = random_values(rng, 400)
    cases = [
        {"std": standard, "prereq": prerequisites(el), "el": el, "val": val}
        for el in elements
        for val in values
    ]
    results = run_scorm_again(cases)["cases"]
    too_strict = []
    for case, result in zip(cases, results, strict=True):
        if result["ok"]:
            errors = server_accepts(standard, case["prereq"], case["el"], case["val"])
            if errors:
                too_strict.append((case["el"], case["val"][:40], errors[0].code))
    assert too_strict == []


@pytest.mark.parametrize(
    ("standard", "element", "value"),
    [
        ("scorm12", "cmi.core.lesson_status", "foo"),
        ("scorm12", "cmi.core.score.raw", "1e309"),
        ("scorm12", "cmi.core.score.raw", "NaN"),
        ("scorm12", "cmi.core.score.raw", "101"),
        ("scorm12", "cmi.core.session_time", "PT1S"),
        ("scorm12", "cmi.core.student_id", "intrus"),
        ("scorm12", "cmi.core.lesson_mode", "bogus"),
        ("scorm12", "cmi.core.credit", "maybe"),
        ("scorm12", "cmi.suspend_data", "x" * 64_001),
        ("scorm12", "cmi.core.lesson_location", "x" * 256),
        ("scorm12", "cmi.interactions.0.id", "x" * 256),
        ("scorm12", "cmi.interactions.0.weighting", "101"),
        ("scorm12", "cmi.student_preference.text", "2"),
        ("scorm12", "cmi.nope", "x"),
        ("scorm12", "cmi.core._children", "x"),
        ("scorm2004", "cmi.completion_status", "done"),
        ("scorm2004", "cmi.score.scaled", "1.5"),
        ("scorm2004", "cmi.score.raw", "1e309"),
        ("scorm2004", "cmi.session_time", "PT-1S"),
        ("scorm2004", "cmi.session_time", "PT1.555S"),
        ("scorm2004", "cmi.progress_measure", "1.1"),
        ("scorm2004", "cmi.learner_id", "intrus"),
        ("scorm2004", "cmi.mode", "bogus"),
        ("scorm2004", "cmi.entry", "again"),
        ("scorm2004", "cmi.suspend_data", "x" * 64_001),
        ("scorm2004", "cmi.location", "x" * 1001),
        ("scorm2004", "cmi.learner_preference.audio_captioning", "2"),
        ("scorm2004", "cmi.learner_preference.delivery_speed", "0"),
        ("scorm2004", "cmi.comments_from_learner.0.comment", "x" * 4001),
        ("scorm2004", "cmi.nope", "x"),
        ("scorm2004", "cmi.score._children", "x"),
    ],
)
def test_refusals_carry_the_same_error_code_as_scorm_again(standard, element, value):
    """Typical invalid writes get the very code the runtime gives.

    (Read-only elements are refused unless they are well-formed echoes of what
    the LMS supplied: see the next test.)
    """
    expected = run_scorm_again(
        [{"std": standard, "prereq": [], "el": element, "val": value}]
    )["cases"][0]
    assert not expected["ok"]
    errors = server_accepts(standard, [], element, value)
    assert [e.code for e in errors] == [expected["code"]]


@pytest.mark.parametrize(
    ("standard", "element", "value"),
    [
        ("scorm12", "cmi.core.lesson_mode", "review"),
        ("scorm12", "cmi.core.total_time", "0001:00:00"),
        ("scorm12", "cmi.launch_data", "chapitre=2"),
        ("scorm2004", "cmi.mode", "review"),
        ("scorm2004", "cmi.comments_from_lms.0.comment", "Bonjour"),
        ("scorm2004", "cmi.completion_threshold", "0.8"),
    ],
)
def test_well_formed_read_only_echoes_are_accepted_but_not_stored(
    standard, element, value
):
    """A dump echoes the LMS's read-only values: accepted, never stored."""
    validated = cmi.validate_elements(standard, {element: value}, learner_id="1")
    assert validated.errors == []
    assert validated.values == {}


@pytest.mark.parametrize(
    ("standard", "initial", "ops"),
    [
        (
            "scorm12",
            {
                "cmi.core.student_id": "1",
                "cmi.core.student_name": "Dupont, Anne",
                "cmi.core.entry": "ab-initio",
                "cmi.core.credit": "credit",
                "cmi.core.lesson_mode": "normal",
                "cmi.core.lesson_status": "not attempted",
                "cmi.core.total_time": "0000:12:00",
                "cmi.launch_data": "chapitre=2",
                "cmi.student_data.mastery_score": "80",
            },
            [
                ["cmi.core.lesson_status", "incomplete"],
                ["cmi.core.lesson_location", "p3"],
                ["cmi.suspend_data", "😀" * 100],
                ["cmi.core.score.raw", "55.5"],
                ["cmi.core.session_time", "00:05:00"],
                ["cmi.core.exit", "suspend"],
                ["cmi.objectives.0.id", "obj-1"],
                ["cmi.objectives.0.status", "passed"],
                ["cmi.interactions.0.id", "q1"],
                ["cmi.interactions.0.type", "choice"],
                ["cmi.interactions.0.student_response", "a,b"],
                ["cmi.interactions.0.result", "wrong"],
                ["cmi.interactions.0.objectives.0.id", "obj-1"],
                ["cmi.interactions.0.correct_responses.0.pattern", "a"],
                ["cmi.interactions.1.id", "q2"],
                ["cmi.student_preference.audio", "50"],
                ["cmi.comments", "Très bien"],
            ],
        ),
        (
            "scorm2004",
            {
                "cmi.learner_id": "1",
                "cmi.learner_name": "Anne Dupont",
                "cmi.entry": "resume",
                "cmi.credit": "credit",
                "cmi.mode": "normal",
                "cmi.total_time": "PT12M",
                "cmi.completion_threshold": "0.8",
                "cmi.scaled_passing_score": "0.7",
                "cmi.location": "p1",
                "cmi.suspend_data": "ancien",
            },
            [
                ["cmi.completion_status", "incomplete"],
                ["cmi.progress_measure", "0.4"],
                ["cmi.location", "p3"],
                ["cmi.suspend_data", '{"slide":3}'],
                ["cmi.score.scaled", "0.5"],
                ["cmi.score.raw", "5"],
                ["cmi.session_time", "PT5M"],
                ["cmi.exit", "suspend"],
                ["cmi.objectives.0.id", "urn:obj:1"],
                ["cmi.objectives.0.success_status", "passed"],
                ["cmi.interactions.0.id", "q1"],
                ["cmi.interactions.0.type", "true-false"],
                ["cmi.interactions.0.learner_response", "true"],
                ["cmi.interactions.0.correct_responses.0.pattern", "true"],
                ["cmi.interactions.0.result", "correct"],
                ["cmi.interactions.0.timestamp", "2026-01-01T10:00:00"],
                ["cmi.interactions.0.objectives.0.id", "urn:obj:1"],
                ["cmi.comments_from_learner.0.comment", "{lang=fr}Bien"],
                ["cmi.learner_preference.language", "fr-BE"],
                ["adl.nav.request", "continue"],
            ],
        ),
    ],
)
def test_full_dumps_committed_by_scorm_again_validate(standard, initial, ops):
    """The flattened CMI dump the runtime commits is valid as a whole."""
    dump = run_scorm_again([], [{"std": standard, "initial": initial, "ops": ops}])[
        "dumps"
    ][0]
    validated = cmi.validate_elements(standard, dump, learner_id="1")
    assert [e.as_dict() for e in validated.errors] == []
    assert cmi.check_against_state(standard, validated.values, {}) == []
    # What the learner wrote is kept; the LMS's own values are not.
    assert validated.values["cmi.suspend_data"] == dict(ops)["cmi.suspend_data"]
    learner_id = "cmi.core.student_id" if standard == "scorm12" else "cmi.learner_id"
    assert learner_id not in validated.values


@pytest.mark.parametrize(
    ("standard", "text", "seconds"),
    [
        ("scorm12", "0000:00:00", 0),
        ("scorm12", "01:02:03.5", 3723.5),
        ("scorm12", "17496:00:00", 17496 * 3600),
        ("scorm12", "nonsense", 0),
        ("scorm2004", "PT1H2M3.5S", 3723.5),
        ("scorm2004", "P1DT2H", 93600),
        ("scorm2004", "P1Y2M3W", 365 * 86400 + 60 * 86400 + 21 * 86400),
        ("scorm2004", "PT", 0),
        ("scorm2004", "P1.2.3D", 0),
    ],
)
def test_timespans_convert_like_the_runtime(standard, text, seconds):
    """CMITimespan values convert to seconds as scorm-again computes them."""
    assert cmi.timespan_seconds(standard, text) == pytest.approx(seconds)


@pytest.mark.parametrize("seconds", [0, 0.01, 59.99, 3600, 86_399.5, 360_000.25])
@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_formatted_timespans_are_valid_and_round_trip(standard, seconds):
    """Total times sent at launch are valid CMITimespans worth the same time."""
    text = cmi.format_timespan(standard, seconds)
    rule = cmi.RULES[standard][
        "cmi.core.total_time" if standard == "scorm12" else "cmi.total_time"
    ]
    assert rule.check(text) is None
    assert cmi.timespan_seconds(standard, text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "name",
    [
        "cmi.interactions.n.id",
        "cmi.interactions.01.id",
        "cmi..core",
        "",
        "cmi." + "x" * 300,
    ],
)
def test_malformed_element_names_are_unknown(name):
    """Placeholders, leading zeros and absurd names are not elements."""
    validated = cmi.validate_elements("scorm12", {name: "x"}, learner_id="1")
    assert [e.code for e in validated.errors] == [401]


def test_index_gaps_are_refused_against_the_stored_state():
    """New interactions must follow the stored ones without a gap."""
    stored = {"cmi.interactions.0.id": "q0", "cmi.interactions.1.id": "q1"}
    ok = cmi.check_against_state("scorm12", {"cmi.interactions.2.id": "q2"}, stored)
    gap = cmi.check_against_state("scorm12", {"cmi.interactions.3.id": "q3"}, stored)
    assert ok == []
    assert [e.code for e in gap] == [201]


def test_scorm_2004_identifiers_are_immutable_and_needed_first():
    """A stored 2004 id never changes; other fields need the id."""
    stored = {"cmi.objectives.0.id": "o1"}
    changed = cmi.check_against_state(
        "scorm2004", {"cmi.objectives.0.id": "o2"}, stored
    )
    orphan = cmi.check_against_state(
        "scorm2004", {"cmi.interactions.0.result": "correct"}, {}
    )
    assert [e.code for e in changed] == [351]
    assert [e.code for e in orphan] == [408]
