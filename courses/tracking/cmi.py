"""The CMI data model of SCORM 1.2 and 2004: element names, access and value rules.

The rules mirror what scorm-again 3.4 checks in the browser (``scorm12_regex``,
``scorm2004_regex`` and its CMI classes, read in ``node_modules/scorm-again``).
The server must never refuse a value the runtime accepted: a refused commit is
refused again at every later commit (each one is a full dump), so the learner's
progress would stop being saved. And it must refuse what a forged or buggy client
sends, with the standard's own error code:

=========================  ========  ==========
problem                    SCORM 1.2  SCORM 2004
=========================  ========  ==========
unknown element              401        401
keyword (``_count``…)        402        404
read-only element            403        404
wrong type / too long        405        406
out of range                 405        407
index out of sequence        201        351
identifier changed            —         351
dependency not established   408        408
=========================  ========  ==========

Deliberate choices, the same as scorm-again's:

* ``cmi.suspend_data`` holds up to **64,000 characters in SCORM 1.2 too** (the
  1.2 spec says 4,096; content that outgrows it would have no way to recover).
  Longer values are refused with 405 (1.2) / 406 (2004), never truncated.
* Lengths are counted in characters (code points). The browser counts UTF-16
  code units, which are never fewer, so anything it accepted fits here.

A commit is a *flattened dump* of the runtime's CMI (``{"cmi.core.lesson_status":
"incomplete", ...}``): it also carries the read-only elements the LMS supplied at
launch, ``""`` for elements never set and ``{}`` for empty collections. So:
read-only elements are accepted only as well-formed echoes and are never stored
(the learner id must match exactly); ``""`` means "not set" and is ignored,
except for elements the SCO may itself clear (``Rule.allow_empty``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from django.utils.translation import gettext as _

SCORM_12 = "scorm12"
SCORM_2004 = "scorm2004"

#: Highest index accepted in a collection (interactions, objectives, comments…).
MAX_INDEX = 1999
#: Longest element name accepted (the longest real one is under 60 characters).
MAX_ELEMENT_NAME = 255
SUSPEND_DATA_MAX = 64_000


class Problem(Enum):
    UNDEFINED = "undefined"
    KEYWORD = "keyword"
    READ_ONLY = "read_only"
    TYPE = "type"
    RANGE = "range"
    INDEX = "index"
    IMMUTABLE = "immutable"
    DEPENDENCY = "dependency"


ERROR_CODES: dict[str, dict[Problem, int]] = {
    SCORM_12: {
        Problem.UNDEFINED: 401,
        Problem.KEYWORD: 402,
        Problem.READ_ONLY: 403,
        Problem.TYPE: 405,
        Problem.RANGE: 405,
        Problem.INDEX: 201,
        Problem.IMMUTABLE: 405,
        Problem.DEPENDENCY: 408,
    },
    SCORM_2004: {
        Problem.UNDEFINED: 401,
        Problem.KEYWORD: 404,
        Problem.READ_ONLY: 404,
        Problem.TYPE: 406,
        Problem.RANGE: 407,
        Problem.INDEX: 351,
        Problem.IMMUTABLE: 351,
        Problem.DEPENDENCY: 408,
    },
}


def _message(problem: Problem) -> str:
    messages = {
        Problem.UNDEFINED: _("Élément inconnu du modèle de données."),
        Problem.KEYWORD: _("Ce mot-clé ne peut pas être modifié."),
        Problem.READ_ONLY: _("Élément en lecture seule."),
        Problem.TYPE: _("Valeur d'un type incorrect ou trop longue."),
        Problem.RANGE: _("Valeur hors des limites permises."),
        Problem.INDEX: _("Index hors séquence ou trop grand."),
        Problem.IMMUTABLE: _("Cet identifiant ne peut plus être modifié."),
        Problem.DEPENDENCY: _("L'identifiant doit être défini avant cet élément."),
    }
    return str(messages[problem])


@dataclass(frozen=True, slots=True)
class ElementError:
    """One refused element, with the standard's error code."""

    element: str
    code: int
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"element": self.element, "code": self.code, "message": self.message}


def element_error(standard: str, element: str, problem: Problem) -> ElementError:
    return ElementError(element, ERROR_CODES[standard][problem], _message(problem))


# --- Value checks ------------------------------------------------------------------

Check = Callable[[str], Problem | None]

# JavaScript's "." stops at these line terminators; Python's only at "\n".
_LINE = r"[^\n\r\u2028\u2029]"


def _regex(pattern: str, flags: int = 0) -> Check:
    compiled = re.compile(pattern, flags)

    def check(value: str) -> Problem | None:
        return None if compiled.fullmatch(value) else Problem.TYPE

    return check


def _max_length(limit: int) -> Check:
    def check(value: str) -> Problem | None:
        return None if len(value) <= limit else Problem.TYPE

    return check


def _vocabulary(*words: str) -> Check:
    allowed = frozenset(words)

    def check(value: str) -> Problem | None:
        return None if value in allowed else Problem.TYPE

    return check


def _any_text(value: str) -> Problem | None:
    return None


def _number(
    pattern: str,
    low: float | None = None,
    high: float | None = None,
    *,
    open_low: bool = False,
) -> Check:
    """A decimal matching ``pattern``, finite, within ``[low, high]``."""
    compiled = re.compile(pattern)

    def check(value: str) -> Problem | None:
        if not compiled.fullmatch(value):
            return Problem.TYPE
        try:
            number = float(value)
        except ValueError:
            return Problem.TYPE
        if not math.isfinite(number):
            return Problem.TYPE
        if low is not None and (number < low or (open_low and number == low)):
            return Problem.RANGE
        if high is not None and number > high:
            return Problem.RANGE
        return None

    return check


# SCORM 1.2 (RTE appendix A; scorm-again ``scorm12_regex``).
DECIMAL_12 = r"-?[0-9]{0,10}(\.[0-9]*)?"
SINTEGER = r"-?[0-9]+"
TIMESPAN_12 = r"([0-9]+):([0-9]{2}):([0-9]{2})(\.[0-9]{1,2})?"
TIME_12 = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,2})?"
IDENTIFIER_12 = r"[\u0021-\u007e\s]{0,255}"
STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed")
STATUS2_12 = (*STATUS_12, "not attempted")
# scorm-again also takes 2004's "incorrect" and stores it as "wrong".
RESULT_12 = r"correct|wrong|incorrect|unanticipated|neutral|([0-9]{0,3})?(\.[0-9]*)?"
TYPE_12 = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)

# SCORM 2004 (RTE appendix C; scorm-again ``scorm2004_regex``).
DECIMAL_2004 = r"-?[0-9]{1,10}(\.[0-9]{1,18})?"
TIMESPAN_2004 = (
    r"P(?:([.,0-9]+)Y)?(?:([.,0-9]+)M)?(?:([.,0-9]+)W)?(?:([.,0-9]+)D)?"
    r"(?:T?(?:([.,0-9]+)H)?(?:([.,0-9]+)M)?(?:([0-9]+(?:\.[0-9]{1,2})?)S)?)?"
)
TIME_2004 = (
    r"(19[7-9][0-9]|[2-9][0-9]{3})((-(0[1-9]|1[0-2]))((-(0[1-9]|[1-2][0-9]|3[0-1]))"
    r"(T([0-1][0-9]|2[0-3])((:[0-5][0-9])((:[0-5][0-9])((\.[0-9]{1,6})((Z|([+|-]"
    r"([0-1][0-9]|2[0-3])))(:[0-5][0-9])?)?)?)?)?)?)?)?"
)
LANG = r"([a-zA-Z]{1,8}|i|x)(-[a-zA-Z0-9-]{2,8})?|"
_LANG_TAG = r"(\{lang=([a-zA-Z]{1,8}|i|x)(-[a-zA-Z0-9-]{2,8})?\})?"


def _lang_string(limit: int | None) -> Check:
    bound = f"{{0,{limit}}}" if limit is not None else "*"
    return _regex(rf"{_LANG_TAG}((?!\{{{_LINE}*$){_LINE}{bound})?")


LONG_IDENTIFIER = rf"{_LINE}{{1,4000}}"
RESULT_2004 = r"correct|incorrect|unanticipated|neutral|-?[0-9]{1,4}(\.[0-9]{1,18})?"
TYPE_2004 = (*TYPE_12, "long-fill-in", "other")
COMPLETION_2004 = ("completed", "incomplete", "not attempted", "unknown")
SUCCESS_2004 = ("passed", "failed", "unknown")
NAV_REQUEST = (
    r"_?(start|resumeAll|previous|continue|exit|exitAll|abandon|abandonAll|"
    r"suspendAll|retry|retryAll)|_none_|(\{target=\S*[a-zA-Z0-9_-]+\})?(choice|jump)"
)


class Access(Enum):
    READ_WRITE = "rw"
    READ_ONLY = "ro"
    WRITE_ONLY = "wo"
    KEYWORD = "keyword"
    #: Runtime-only requests (``adl.nav.request``): checked, never stored.
    TRANSIENT = "transient"


@dataclass(frozen=True, slots=True)
class Rule:
    access: Access
    check: Check = _any_text
    #: The SCO itself may set "" (so "" clears a stored value).
    allow_empty: bool = False


RW, RO, WO = Access.READ_WRITE, Access.READ_ONLY, Access.WRITE_ONLY
KEYWORD = Rule(Access.KEYWORD)


def _score_12() -> Rule:
    return Rule(RW, _number(DECIMAL_12, 0, 100), allow_empty=True)


RULES_12: dict[str, Rule] = {
    "cmi._version": KEYWORD,
    "cmi.core._children": KEYWORD,
    "cmi.core.student_id": Rule(RO, _regex(IDENTIFIER_12)),
    "cmi.core.student_name": Rule(RO, _max_length(255)),
    "cmi.core.lesson_location": Rule(RW, _max_length(255), allow_empty=True),
    "cmi.core.credit": Rule(RO, _vocabulary("credit", "no-credit")),
    # "not attempted" is only the LMS's initial value, echoed back in dumps.
    "cmi.core.lesson_status": Rule(RW, _vocabulary(*STATUS2_12)),
    "cmi.core.entry": Rule(RO, _vocabulary("ab-initio", "resume", "")),
    "cmi.core.score._children": KEYWORD,
    "cmi.core.score.raw": _score_12(),
    "cmi.core.score.min": _score_12(),
    "cmi.core.score.max": _score_12(),
    "cmi.core.total_time": Rule(RO, _regex(TIMESPAN_12)),
    "cmi.core.lesson_mode": Rule(RO, _vocabulary("normal", "browse", "review")),
    "cmi.core.exit": Rule(
        WO, _vocabulary("time-out", "suspend", "logout", "", "normal"), True
    ),
    "cmi.core.session_time": Rule(WO, _regex(TIMESPAN_12)),
    "cmi.suspend_data": Rule(RW, _max_length(SUSPEND_DATA_MAX), allow_empty=True),
    "cmi.launch_data": Rule(RO, _max_length(4096)),
    "cmi.comments": Rule(RW, _max_length(4096), allow_empty=True),
    "cmi.comments_from_lms": Rule(RO, _max_length(4096)),
    "cmi.objectives._children": KEYWORD,
    "cmi.objectives._count": KEYWORD,
    "cmi.objectives.n.id": Rule(RW, _regex(IDENTIFIER_12)),
    "cmi.objectives.n.score._children": KEYWORD,
    "cmi.objectives.n.score.raw": _score_12(),
    "cmi.objectives.n.score.min": _score_12(),
    "cmi.objectives.n.score.max": _score_12(),
    "cmi.objectives.n.status": Rule(RW, _vocabulary(*STATUS2_12)),
    "cmi.student_data._children": KEYWORD,
    "cmi.student_data.mastery_score": Rule(RO, _number(DECIMAL_12, 0, 100)),
    "cmi.student_data.max_time_allowed": Rule(RO, _regex(TIMESPAN_12)),
    "cmi.student_data.time_limit_action": Rule(
        RO,
        _vocabulary(
            "exit,message", "exit,no message", "continue,message", "continue,no message"
        ),
    ),
    "cmi.student_preference._children": KEYWORD,
    "cmi.student_preference.audio": Rule(RW, _number(SINTEGER, -1, 100)),
    "cmi.student_preference.language": Rule(RW, _max_length(255), allow_empty=True),
    "cmi.student_preference.speed": Rule(RW, _number(SINTEGER, -100, 100)),
    "cmi.student_preference.text": Rule(RW, _number(SINTEGER, -1, 1)),
    "cmi.interactions._children": KEYWORD,
    "cmi.interactions._count": KEYWORD,
    "cmi.interactions.n.id": Rule(WO, _regex(IDENTIFIER_12)),
    "cmi.interactions.n.objectives._count": KEYWORD,
    "cmi.interactions.n.objectives.n.id": Rule(WO, _regex(IDENTIFIER_12)),
    "cmi.interactions.n.time": Rule(WO, _regex(TIME_12)),
    "cmi.interactions.n.type": Rule(WO, _vocabulary(*TYPE_12)),
    "cmi.interactions.n.correct_responses._count": KEYWORD,
    "cmi.interactions.n.correct_responses.n.pattern": Rule(WO, _regex(f"{_LINE}*")),
    "cmi.interactions.n.weighting": Rule(WO, _number(DECIMAL_12, -100, 100)),
    "cmi.interactions.n.student_response": Rule(WO, _regex(f"{_LINE}*")),
    "cmi.interactions.n.result": Rule(WO, _regex(RESULT_12)),
    "cmi.interactions.n.latency": Rule(WO, _regex(TIMESPAN_12)),
}


def _decimal_2004(low: float | None = None, high: float | None = None) -> Rule:
    return Rule(RW, _number(DECIMAL_2004, low, high))


RULES_2004: dict[str, Rule] = {
    "cmi._version": KEYWORD,
    "cmi.comments_from_learner._children": KEYWORD,
    "cmi.comments_from_learner._count": KEYWORD,
    "cmi.comments_from_learner.n.comment": Rule(RW, _lang_string(4000), True),
    "cmi.comments_from_learner.n.location": Rule(RW, _max_length(250)),
    "cmi.comments_from_learner.n.timestamp": Rule(RW, _regex(TIME_2004)),
    "cmi.comments_from_lms._children": KEYWORD,
    "cmi.comments_from_lms._count": KEYWORD,
    "cmi.comments_from_lms.n.comment": Rule(RO, _lang_string(4000)),
    "cmi.comments_from_lms.n.location": Rule(RO, _max_length(250)),
    "cmi.comments_from_lms.n.timestamp": Rule(RO, _regex(TIME_2004)),
    "cmi.completion_status": Rule(RW, _vocabulary(*COMPLETION_2004)),
    "cmi.completion_threshold": Rule(RO, _number(DECIMAL_2004, 0, 1)),
    "cmi.credit": Rule(RO, _vocabulary("credit", "no-credit")),
    "cmi.entry": Rule(RO, _vocabulary("ab-initio", "resume", "")),
    "cmi.exit": Rule(
        WO, _vocabulary("time-out", "suspend", "logout", "normal", ""), True
    ),
    "cmi.interactions._children": KEYWORD,
    "cmi.interactions._count": KEYWORD,
    "cmi.interactions.n.id": Rule(RW, _regex(LONG_IDENTIFIER)),
    "cmi.interactions.n.type": Rule(RW, _vocabulary(*TYPE_2004)),
    "cmi.interactions.n.objectives._count": KEYWORD,
    "cmi.interactions.n.objectives.n.id": Rule(RW, _regex(LONG_IDENTIFIER)),
    "cmi.interactions.n.timestamp": Rule(RW, _regex(TIME_2004)),
    "cmi.interactions.n.correct_responses._count": KEYWORD,
    # Response formats depend on the interaction type; the runtime checks them.
    "cmi.interactions.n.correct_responses.n.pattern": Rule(RW, allow_empty=True),
    "cmi.interactions.n.weighting": _decimal_2004(),
    "cmi.interactions.n.learner_response": Rule(RW, allow_empty=True),
    "cmi.interactions.n.result": Rule(RW, _regex(RESULT_2004)),
    "cmi.interactions.n.latency": Rule(RW, _regex(TIMESPAN_2004)),
    "cmi.interactions.n.description": Rule(RW, _lang_string(None), True),
    "cmi.launch_data": Rule(RO, _max_length(4000)),
    "cmi.learner_id": Rule(RO, _regex(LONG_IDENTIFIER)),
    "cmi.learner_name": Rule(RO, _lang_string(None)),
    "cmi.learner_preference._children": KEYWORD,
    "cmi.learner_preference.audio_level": _decimal_2004(0, 999.9999999),
    "cmi.learner_preference.language": Rule(RW, _regex(LANG)),
    "cmi.learner_preference.delivery_speed": Rule(
        RW, _number(DECIMAL_2004, 0, 999.9999999, open_low=True)
    ),
    "cmi.learner_preference.audio_captioning": Rule(RW, _number(SINTEGER, -1, 1)),
    "cmi.location": Rule(RW, _max_length(1000)),
    "cmi.max_time_allowed": Rule(RO, _regex(TIMESPAN_2004)),
    "cmi.mode": Rule(RO, _vocabulary("normal", "browse", "review")),
    "cmi.objectives._children": KEYWORD,
    "cmi.objectives._count": KEYWORD,
    "cmi.objectives.n.id": Rule(RW, _regex(LONG_IDENTIFIER)),
    "cmi.objectives.n.score._children": KEYWORD,
    "cmi.objectives.n.score.scaled": _decimal_2004(-1, 1),
    "cmi.objectives.n.score.raw": _decimal_2004(),
    "cmi.objectives.n.score.min": _decimal_2004(),
    "cmi.objectives.n.score.max": _decimal_2004(),
    "cmi.objectives.n.success_status": Rule(RW, _vocabulary(*SUCCESS_2004)),
    "cmi.objectives.n.completion_status": Rule(RW, _vocabulary(*COMPLETION_2004)),
    "cmi.objectives.n.progress_measure": _decimal_2004(0, 1),
    "cmi.objectives.n.description": Rule(RW, _lang_string(None), True),
    "cmi.progress_measure": _decimal_2004(0, 1),
    "cmi.scaled_passing_score": Rule(RO, _number(DECIMAL_2004, -1, 1)),
    "cmi.score._children": KEYWORD,
    "cmi.score.scaled": _decimal_2004(-1, 1),
    "cmi.score.raw": _decimal_2004(),
    "cmi.score.min": _decimal_2004(),
    "cmi.score.max": _decimal_2004(),
    "cmi.session_time": Rule(WO, _regex(TIMESPAN_2004)),
    "cmi.success_status": Rule(RW, _vocabulary(*SUCCESS_2004)),
    "cmi.suspend_data": Rule(RW, _max_length(SUSPEND_DATA_MAX), allow_empty=True),
    "cmi.time_limit_action": Rule(
        RO,
        _vocabulary(
            "exit,message", "exit,no message", "continue,message", "continue,no message"
        ),
    ),
    "cmi.total_time": Rule(RO, _regex(TIMESPAN_2004)),
    "adl.nav.request": Rule(Access.TRANSIENT, _regex(NAV_REQUEST)),
    "adl.nav.request_valid.continue": Rule(RO),
    "adl.nav.request_valid.previous": Rule(RO),
    "adl.data._children": KEYWORD,
    "adl.data._count": KEYWORD,
    "adl.data.n.id": Rule(RO, _regex(LONG_IDENTIFIER)),
    "adl.data.n.store": Rule(RW, _max_length(SUSPEND_DATA_MAX), allow_empty=True),
}

RULES: dict[str, dict[str, Rule]] = {SCORM_12: RULES_12, SCORM_2004: RULES_2004}

#: Elements naming the learner: a commit may only echo the exact value.
LEARNER_ID_ELEMENTS = {SCORM_12: "cmi.core.student_id", SCORM_2004: "cmi.learner_id"}

_SEGMENT_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")


_PARSED: dict[str, tuple[str, tuple[int, ...]] | None] = {}
_PARSED_MAX = 50_000


def parse_element(name: str) -> tuple[str, tuple[int, ...]] | None:
    """``"cmi.interactions.3.id"`` → ``("cmi.interactions.n.id", (3,))``.

    ``None`` for names that cannot be an element (too long, empty or
    non-canonical segments such as ``01``). Results are memoised: the same
    names come back in every commit.
    """
    try:
        return _PARSED[name]
    except KeyError:
        pass
    parsed = _parse_element(name)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[name] = parsed
    return parsed


def _parse_element(name: str) -> tuple[str, tuple[int, ...]] | None:
    if not name or len(name) > MAX_ELEMENT_NAME or not name.isascii():
        return None
    segments = name.split(".")
    indices: list[int] = []
    for position, segment in enumerate(segments):
        if not segment or segment == "n":
            return None
        if segment[0].isdigit():
            if not _SEGMENT_INDEX.fullmatch(segment):
                return None
            indices.append(int(segment))
            segments[position] = "n"
    return ".".join(segments), tuple(indices)


def collection_of(name: str) -> tuple[str, int] | None:
    """The innermost collection holding an element and its index.

    ``"cmi.interactions.3.objectives.0.id"`` → ``("cmi.interactions.3.objectives",
    0)``; ``None`` for elements outside any collection.
    """
    segments = name.split(".")
    for position in range(len(segments) - 1, 0, -1):
        if segments[position].isdigit():
            return ".".join(segments[:position]), int(segments[position])
    return None


def to_cmi_string(value: object) -> str | None:
    """The CMI string for a JSON value; ``None`` to skip it; ``ValueError`` if bad.

    Dumps hold strings, ``null`` for never-set values and ``{}``/``[]`` for empty
    collections. Numbers are accepted as JavaScript would print them.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dict | list) and not value:
        return None
    raise ValueError("not a scalar")


@dataclass(slots=True)
class ValidatedElements:
    """Writable elements to merge (``values``) and the refused ones (``errors``)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[ElementError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def validate_elements(
    standard: str, elements: Mapping[str, object], *, learner_id: str
) -> ValidatedElements:
    """Check a commit's elements against the data model of ``standard``.

    Pure: looks at nothing stored (see :func:`check_against_state` for index
    sequence and identifier rules). Read-only echoes, transient requests and
    "not set" placeholders are dropped from ``values``; SCORM 1.2's non-standard
    ``cmi.core.exit = "normal"`` becomes ``""`` and an interaction result
    ``"incorrect"`` becomes ``"wrong"``, as the runtime does.
    """
    rules = RULES[standard]
    result = ValidatedElements()
    learner_element = LEARNER_ID_ELEMENTS[standard]
    for name, raw in elements.items():
        try:
            value = to_cmi_string(raw)
        except ValueError:
            result.errors.append(element_error(standard, str(name)[:255], Problem.TYPE))
            continue
        if value is None:
            continue  # never set, or an empty collection placeholder
        parsed = parse_element(name) if isinstance(name, str) else None
        rule = rules.get(parsed[0]) if parsed else None
        if parsed is None or rule is None:
            result.errors.append(
                element_error(standard, str(name)[:255], Problem.UNDEFINED)
            )
            continue
        if any(index > MAX_INDEX for index in parsed[1]):
            result.errors.append(element_error(standard, name, Problem.INDEX))
            continue
        if rule.access is Access.KEYWORD:
            result.errors.append(element_error(standard, name, Problem.KEYWORD))
            continue
        if rule.access is Access.READ_ONLY:
            if name == learner_element:
                is_echo = value in ("", learner_id)
            else:
                is_echo = value == "" or rule.check(value) is None
            if not is_echo:
                result.errors.append(element_error(standard, name, Problem.READ_ONLY))
            continue
        if value == "":
            if rule.allow_empty:
                result.values[name] = value
            continue
        problem = rule.check(value)
        if problem is not None:
            result.errors.append(element_error(standard, name, problem))
            continue
        if rule.access is Access.TRANSIENT:
            continue
        if standard == SCORM_12:
            # Non-standard values scorm-again accepts and normalises.
            if name == "cmi.core.exit" and value == "normal":
                value = ""
            elif value == "incorrect" and name.endswith(".result"):
                value = "wrong"
        result.values[name] = value
    return result


def _collection_counts(stored: Mapping[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in stored:
        located = collection_of(name)
        if located is not None:
            prefix, index = located
            if index + 1 > counts.get(prefix, 0):
                counts[prefix] = index + 1
    return counts


def check_against_state(
    standard: str, values: Mapping[str, str], stored: Mapping[str, str]
) -> list[ElementError]:
    """Rules that depend on what is already stored for the SCO.

    * New collection entries extend the stored ones without gaps (interaction 5
      cannot be written while only 0–2 exist, counting this commit's entries).
    * SCORM 2004: an interaction's or objective's other elements need its ``id``
      (stored or in this commit), and a stored ``id`` never changes.
    """
    errors: list[ElementError] = []
    touched: dict[str, set[int]] = {}
    for name in values:
        if name in stored:
            continue  # an element already stored: its entry exists
        located = collection_of(name)
        if located is not None:
            touched.setdefault(located[0], set()).add(located[1])
    if standard != SCORM_2004 and not touched:
        return errors
    counts = _collection_counts(stored) if touched else {}
    bad_entries: set[tuple[str, int]] = set()
    for prefix, indices in touched.items():
        expected = counts.get(prefix, 0)
        for index in sorted(indices):
            if index < expected:
                continue
            if index == expected:
                expected += 1
            else:
                bad_entries.add((prefix, index))
    for name in values:
        if bad_entries and name not in stored:
            located = collection_of(name)
            if located is not None and located in bad_entries:
                errors.append(element_error(standard, name, Problem.INDEX))
    if standard != SCORM_2004 or errors:
        return errors
    for name, value in values.items():
        if name in stored and not name.endswith(".id"):
            continue  # its entry's id was checked when it was first stored
        parsed = parse_element(name)
        if parsed is None:
            continue
        pattern = parsed[0]
        if pattern in ("cmi.interactions.n.id", "cmi.objectives.n.id"):
            previous = stored.get(name, "")
            if previous and value != previous:
                errors.append(element_error(standard, name, Problem.IMMUTABLE))
        elif pattern.startswith(("cmi.interactions.n.", "cmi.objectives.n.")):
            root = ".".join(name.split(".")[:3])
            id_name = f"{root}.id"
            if not (values.get(id_name) or stored.get(id_name)):
                errors.append(element_error(standard, name, Problem.DEPENDENCY))
    return errors


# --- Time -------------------------------------------------------------------------

_TIMESPAN_12 = re.compile(TIMESPAN_12)
_TIMESPAN_2004 = re.compile(TIMESPAN_2004)
_DURATION_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def _js_number(text: str | None) -> float:
    """JavaScript's ``Number(text) || 0`` for the digits a duration holds."""
    if not text:
        return 0.0
    try:
        number = float(text)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def timespan_seconds(standard: str, value: str) -> float:
    """Seconds in a CMITimespan (1.2 ``HHHH:MM:SS.SS``, 2004 ISO 8601 duration).

    Computed as scorm-again does (months are 30 days, years 365); a value that
    does not parse counts as 0.
    """
    if standard == SCORM_12:
        match = _TIMESPAN_12.fullmatch(value)
        if not match:
            return 0.0
        hours, minutes, seconds = (int(match[1]), int(match[2]), int(match[3]))
        fraction = float(match[4]) if match[4] else 0.0
        return hours * 3600 + minutes * 60 + seconds + fraction
    match = _TIMESPAN_2004.fullmatch(value)
    if not match:
        return 0.0
    return sum(
        _js_number(part) * unit
        for part, unit in zip(match.groups(), _DURATION_UNITS, strict=True)
    )


def format_timespan(standard: str, seconds: float) -> str:
    """``seconds`` as a CMITimespan of ``standard`` (centisecond precision)."""
    centis = max(0, round(seconds * 100))
    whole, fraction = divmod(centis, 100)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    decimals = f".{fraction:02d}".rstrip("0") if fraction else ""
    if standard == SCORM_12:
        return f"{hours:04d}:{minutes:02d}:{secs:02d}{decimals}"
    return f"PT{hours}H{minutes}M{secs}{decimals}S"


# --- Storage ----------------------------------------------------------------------

# PostgreSQL text and jsonb cannot hold NUL or unpaired surrogates, which a
# JavaScript string (hence a SCO's suspend data) may contain. Such characters,
# and the escape character itself, are stored as ESCAPE + 6 hex digits: lossless,
# and ordinary text is stored unchanged.
STORAGE_ESCAPE = "\U0010fffd"
_NEEDS_ESCAPE = re.compile("[\x00\ud800-\udfff\U0010fffd]")
_ESCAPED = re.compile("\U0010fffd([0-9a-f]{6})")


def to_storage(value: str) -> str:
    """``value`` in a form PostgreSQL text/jsonb can hold (see ``from_storage``)."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    return _NEEDS_ESCAPE.sub(lambda m: f"{STORAGE_ESCAPE}{ord(m[0]):06x}", value)


def from_storage(value: str) -> str:
    """The original string of a ``to_storage`` value (exact round trip)."""
    if STORAGE_ESCAPE not in value:
        return value
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), value)
