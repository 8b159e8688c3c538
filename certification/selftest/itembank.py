"""The item bank's rules, import and export (JSON and CSV).

One validator (``content_errors``) serves the Wagtail admin form and the
import, so an item can never be saved through one door with a rule the other
refuses. The exchange format is a JSON document::

    {"format": "tremplin-selftest-items", "version": 1, "items": [...]}

(see ``ITEM_KEYS``); CSV has one row per item with the same columns, the
options as ``option_1 … option_8`` plus ``correct`` (e.g. "1;3"; empty for
ordering items, whose options are in the correct order). Exports contain the
scoring keys: they are for IFPC staff only.

``import_items`` checks every row before writing anything: one invalid row and
nothing is saved (French messages with row numbers). An existing ``uid`` is
updated; its ``revision`` is bumped when its stem, options or key change.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lms import audit

from ..models import Item, ItemFamily, ItemOption
from ..models.selftest import LEVEL_CHOICES, SEED_DIFFICULTY
from .bank import bump_bank_version

logger = logging.getLogger("certification.selftest.itembank")

FORMAT = "tremplin-selftest-items"
VERSION = 1
MAX_OPTIONS = 8
#: Top-level keys of a document besides ``items`` that import accepts and ignores.
DOCUMENT_KEYS = frozenset({"format", "version", "items", "notice", "exported_at"})
KEYS_NOTICE = (
    "Contient les clés de correction et les paramètres des items : "
    "réservé au personnel de l'IFPC, ne pas diffuser."
)

#: The keys of one item, in export order.
ITEM_KEYS = (
    "uid",
    "competence",
    "target_level",
    "item_type",
    "stem",
    "options",
    "numeric_answer",
    "numeric_tolerance",
    "numeric_unit",
    "shuffle_options",
    "family",
    "status",
    "a",
    "b",
    "c",
    "parameter_source",
    "is_demo",
    "screen_reader_ok",
    "keyboard_only_ok",
    "colour_blind_ok",
    "est_seconds",
)
REQUIRED_KEYS = ("uid", "competence", "target_level", "item_type", "stem")
BOOLEAN_KEYS = (
    "shuffle_options",
    "is_demo",
    "screen_reader_ok",
    "keyboard_only_ok",
    "colour_blind_ok",
)
#: Columns where an empty cell is a value ("" or null), not a missing one.
TEXT_COLUMNS = ("numeric_answer", "numeric_unit", "family")
OPTION_COLUMNS = tuple(f"option_{n}" for n in range(1, MAX_OPTIONS + 1))
CSV_COLUMNS = (
    *ITEM_KEYS[:5],
    *OPTION_COLUMNS,
    "correct",
    *ITEM_KEYS[6:],
)

STEM_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "ol", "ul", "li", "a"})
STEM_ATTRIBUTES = {"a": {"href"}}
#: Draftail's per-block keys change on every save without changing the content.
BLOCK_KEY_RE = re.compile(r'\s+data-block-key="[^"]*"')
UID_RE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
LEVELS = tuple(code for code, _label in LEVEL_CHOICES)
A_RANGE = (0.05, 5.0)  # a in (0.05, 5]
B_RANGE = (-6.0, 6.0)
C_RANGE = (0.0, 0.5)
MAX_DECIMAL = Decimal("9999999999.9999")  # max_digits=14, decimal_places=4
TRUE_WORDS = frozenset({"1", "true", "vrai", "oui", "yes", "o", "y"})
FALSE_WORDS = frozenset({"0", "false", "faux", "non", "no", "n"})
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NEWLINE_RE = re.compile(r"\r\n|\r|\n")
COMMENT_LINES_RE = re.compile(r"(?:[ \t]*#[^\r\n]*(?:\r\n|\r|\n))*")


# --- Content rules (admin form and import) -----------------------------------


def sanitize_stem(html: str) -> str:
    """``html`` reduced to the stem's tags (no script, style, event handler, image)."""
    return nh3.clean(
        html or "",
        tags=set(STEM_TAGS),
        attributes={k: set(v) for k, v in STEM_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        clean_content_tags={"script", "style"},
    ).strip()


def stem_text(html: str) -> str:
    """The visible text of a stem (tags removed)."""
    text = nh3.clean(html or "", tags=set(), clean_content_tags={"script", "style"})
    return " ".join(text.split())


def content_errors(
    *,
    item_type: str,
    stem: str,
    options: Sequence[tuple[str, bool]],
    numeric_answer: Decimal | None,
    has_image: bool = False,
    image_alt: str = "",
    a: float | None = None,
    b: float | None = None,
    c: float | None = None,
) -> list[tuple[str | None, str]]:
    """The problems of an item's content as ``(field, French message)`` pairs.

    ``options`` are ``(text, is_correct)`` in authored order; ``field`` is
    ``"options"`` for the options as a whole, or None.
    """
    errors: list[tuple[str | None, str]] = []
    if not stem_text(stem):
        errors.append(("stem", _("L'énoncé est vide.")))
    correct = sum(1 for _text, is_correct in options if is_correct)
    if item_type == Item.Type.SINGLE_CHOICE:
        if len(options) < 2:
            errors.append(
                ("options", _("Un choix unique demande au moins deux propositions."))
            )
        if correct != 1:
            errors.append(
                (
                    "options",
                    _(
                        "Un choix unique demande exactement une bonne réponse "
                        "(%(n)s cochée(s))."
                    )
                    % {"n": correct},
                )
            )
    elif item_type == Item.Type.MULTIPLE_CHOICE:
        if len(options) < 2:
            errors.append(
                ("options", _("Un choix multiple demande au moins deux propositions."))
            )
        if correct < 1:
            errors.append(
                ("options", _("Un choix multiple demande au moins une bonne réponse."))
            )
    elif item_type == Item.Type.ORDERING:
        if len(options) < 2:
            errors.append(
                (
                    "options",
                    _("Une remise en ordre demande au moins deux propositions."),
                )
            )
    elif item_type == Item.Type.NUMERIC:
        if numeric_answer is None:
            errors.append(
                (
                    "numeric_answer",
                    _("Une réponse numérique demande la valeur attendue."),
                )
            )
        if options:
            errors.append(
                (
                    "options",
                    _("Une réponse numérique n'a pas de propositions : retirez-les."),
                )
            )
    else:
        errors.append(("item_type", _("Type d'item inconnu.")))
    if item_type != Item.Type.NUMERIC and len(options) > MAX_OPTIONS:
        errors.append(
            (
                "options",
                _("Au plus %(n)s propositions par item.") % {"n": MAX_OPTIONS},
            )
        )
    if any(not text.strip() for text, _correct in options):
        errors.append(("options", _("Une proposition est vide.")))
    if has_image and not image_alt.strip():
        errors.append(
            (
                "image_alt",
                _("Une image demande un texte alternatif (ce qu'elle apporte)."),
            )
        )
    for name, value, low, high, low_open in (
        ("a", a, *A_RANGE, True),
        ("b", b, *B_RANGE, False),
        ("c", c, *C_RANGE, False),
    ):
        if value is None:
            continue
        if (
            not math.isfinite(value)
            or value > high
            or value < low
            or (low_open and value <= low)
        ):
            bracket = "]" if low_open else "["
            errors.append(
                (
                    name,
                    _("%(name)s doit être dans %(bracket)s%(low)s ; %(high)s].")
                    % {"name": name, "bracket": bracket, "low": low, "high": high},
                )
            )
    return errors


def content_signature(item: Item) -> tuple:
    """What a respondent sees and how it is scored: a change makes a new revision."""
    options = tuple(
        (o.text, o.is_correct)
        for o in ItemOption.objects.filter(item_id=item.pk).order_by("sort_order", "pk")
    )
    return _signature(
        item.item_type,
        item.stem,
        options,
        item.numeric_answer,
        item.numeric_tolerance,
        item.numeric_unit,
        item.image_id,
    )


def _signature(
    item_type: str,
    stem: str,
    options: Iterable[tuple[str, bool]],
    numeric_answer: Decimal | None,
    tolerance: Decimal | None,
    unit: str,
    image_id: int | None,
) -> tuple:
    def number(value: Decimal | None) -> Decimal | None:
        return None if value is None else Decimal(value).normalize()

    return (
        item_type,
        BLOCK_KEY_RE.sub("", stem or "").strip(),
        tuple(options),
        number(numeric_answer),
        number(tolerance or Decimal(0)),
        unit,
        image_id,
    )


def schedule_bank_bump() -> None:
    """Bump the engine's bank version once the current transaction commits."""
    transaction.on_commit(bump_bank_version)


# --- Export ------------------------------------------------------------------


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def export_item(item: Item) -> dict[str, Any]:
    """One item in the exchange format (with its key)."""
    options = sorted(item.options.all(), key=lambda o: (o.sort_order or 0, o.pk))
    return {
        "uid": item.uid,
        "competence": item.competence.code,
        "target_level": item.target_level,
        "item_type": item.item_type,
        "stem": item.stem,
        "options": [
            {
                "text": o.text,
                "is_correct": bool(o.is_correct)
                and item.item_type != Item.Type.ORDERING,
            }
            for o in options
        ],
        "numeric_answer": _decimal_text(item.numeric_answer),
        "numeric_tolerance": _decimal_text(item.numeric_tolerance) or "0",
        "numeric_unit": item.numeric_unit,
        "shuffle_options": item.shuffle_options,
        "family": item.family.name if item.family_id else None,
        "status": item.status,
        "a": item.a,
        "b": item.b,
        "c": item.c,
        "parameter_source": item.parameter_source,
        "is_demo": item.is_demo,
        "screen_reader_ok": item.screen_reader_ok,
        "keyboard_only_ok": item.keyboard_only_ok,
        "colour_blind_ok": item.colour_blind_ok,
        "est_seconds": item.est_seconds,
    }


def export_items(queryset: QuerySet[Item]) -> dict[str, Any]:
    """The items of ``queryset`` as an exchange document (keys included: staff only)."""
    items = (
        queryset.select_related("competence", "family")
        .prefetch_related("options")
        .order_by("competence__code", "target_level", "uid")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "notice": KEYS_NOTICE,
        "items": [export_item(item) for item in items],
    }


# --- CSV <-> JSON ------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    # A spreadsheet would run "=…" as a formula: quote it (undone on import).
    if text.startswith(FORMULA_PREFIXES) or text.startswith("'"):
        return "'" + text
    return text


def _uncell(text: str) -> str:
    if text.startswith("'") and (
        text[1:].startswith(FORMULA_PREFIXES) or text[1:].startswith("'")
    ):
        return text[1:]
    return text


def items_to_csv(document: Mapping[str, Any]) -> str:
    """An exchange document as CSV (``;``-separated, first line a ``#`` notice)."""
    buffer = io.StringIO()
    buffer.write(f"# {KEYS_NOTICE}\r\n")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in document.get("items", []):
        options = list(item.get("options") or [])
        row: list[str] = []
        for column in CSV_COLUMNS:
            if column in OPTION_COLUMNS:
                index = OPTION_COLUMNS.index(column)
                row.append(
                    _cell(options[index]["text"]) if index < len(options) else ""
                )
            elif column == "correct":
                row.append(
                    ";".join(
                        str(n)
                        for n, option in enumerate(options, start=1)
                        if option.get("is_correct")
                    )
                )
            else:
                row.append(_cell(item.get(column)))
        writer.writerow(row)
    return buffer.getvalue()


def _csv_value(column: str, text: str) -> Any:
    """A CSV cell as the JSON value of ``column``; unreadable text is kept as is
    (the validator then reports it)."""
    if column in BOOLEAN_KEYS:
        word = text.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return text
    if column in ("a", "b", "c"):
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return text
    if column == "est_seconds":
        try:
            return int(text.strip())
        except ValueError:
            return text
    if column in ("numeric_answer", "family"):
        return text if text.strip() else None
    return text


def _row_lines(body: str, delimiter: str) -> dict[int, int]:
    """The 1-based line where each CSV record starts (records may span lines)."""
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    starts: dict[int, int] = {}
    previous = 0
    try:
        for index, _cells in enumerate(reader):
            starts[index] = previous + 1
            previous = reader.line_num
    except csv.Error:
        pass
    return starts


def csv_to_items(text: str) -> dict[str, Any]:
    """CSV text (``;`` or ``,``, leading ``#`` lines skipped) as an exchange document.

    Each item gets the key ``_row`` (its line in the file) for error messages;
    ``import_items`` ignores it. Empty cells are left out (missing: default on
    creation, unchanged on update), except in ``TEXT_COLUMNS`` where they mean
    "" or null. Raises ``ValueError``
    with a French message on a file without the required columns.
    """
    text = text.lstrip("\ufeff")
    comments = COMMENT_LINES_RE.match(text)
    skipped = len(NEWLINE_RE.findall(comments.group(0))) if comments else 0
    body = text[comments.end() :] if comments else text
    header_line = NEWLINE_RE.split(body, maxsplit=1)[0]
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ValueError(
            _("CSV illisible (ligne %(line)s) : %(msg)s.")
            % {"line": skipped + reader.line_num, "msg": error}
        ) from None
    if not rows:
        raise ValueError(_("Le fichier CSV est vide."))
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in REQUIRED_KEYS if name not in header]
    if missing:
        raise ValueError(
            _("Colonnes obligatoires absentes : %(names)s.")
            % {"names": ", ".join(missing)}
        )
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise ValueError(
            _("Colonnes inconnues : %(names)s.") % {"names": ", ".join(unknown)}
        )
    items: list[dict[str, Any]] = []
    line_numbers = _row_lines(body, delimiter)
    for index, cells in enumerate(rows[1:], start=1):
        line = skipped + line_numbers.get(index, index + 1)
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: _uncell(cells[i]) if i < len(cells) else ""
            for i, name in enumerate(header)
        }
        item: dict[str, Any] = {"_row": line}
        for column in ITEM_KEYS:
            if column == "options":
                continue
            if column not in values:
                continue
            raw = values[column]
            if raw == "" and column not in (*REQUIRED_KEYS, *TEXT_COLUMNS):
                continue  # no value: the default, or unchanged on update
            item[column] = _csv_value(column, raw)
        option_texts = [values.get(name, "") for name in OPTION_COLUMNS]
        while option_texts and option_texts[-1] == "":
            option_texts.pop()
        correct_cell = values.get("correct", "").strip()
        wanted: set[int] = set()
        bad_correct = False
        for token in re.split(r"[;,| ]+", correct_cell) if correct_cell else []:
            if token.isdigit():
                wanted.add(int(token))
            else:
                bad_correct = True
        if bad_correct or any(n < 1 or n > len(option_texts) for n in wanted):
            item["correct"] = correct_cell  # reported by the validator
        item["options"] = [
            {"text": option_text, "is_correct": n in wanted}
            for n, option_text in enumerate(option_texts, start=1)
        ]
        items.append(item)
    return {"format": FORMAT, "version": VERSION, "items": items}


# --- Validation of imported rows ---------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an imported row (``row``: item number or CSV line)."""

    row: int
    uid: str
    field: str
    message: str

    def __str__(self) -> str:
        where = _("Ligne %(row)s") % {"row": self.row}
        if self.uid:
            where += f" ({self.uid})"
        if self.field:
            where += f", {self.field}"
        return f"{where} : {self.message}"


@dataclass
class ImportReport:
    """The outcome of an import: counts, and the errors that stopped it."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ParsedItem:
    """A valid imported row: model field values, options, family name."""

    row: int
    uid: str
    values: dict[str, Any]
    options: list[tuple[str, bool]] | None
    family: str | None = None
    has_family: bool = False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decimal(value: Any) -> Decimal | None:
    if _is_number(value) or isinstance(value, str):
        try:
            number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            return None
        if number.is_finite() and abs(number) <= MAX_DECIMAL:
            return (
                number.quantize(Decimal("0.0001"))
                if number == number.quantize(Decimal("0.0001"))
                else None
            )
    return None


def _has_forbidden_characters(text: str) -> bool:
    return "\x00" in text


def parse_row(
    raw: Any,
    row: int,
    *,
    competences: Mapping[str, int],
    existing: Item | None = None,
) -> tuple[ParsedItem | None, list[RowError]]:
    """Check one imported item; never raises on any input.

    ``competences`` maps codes to ids; ``existing`` is the item with this uid
    (missing keys keep its values; on creation they take the defaults).
    """
    errors: list[RowError] = []
    if not isinstance(raw, Mapping):
        return None, [RowError(row, "", "", _("Un item doit être un objet JSON."))]
    uid_value = raw.get("uid")
    uid = uid_value if isinstance(uid_value, str) else ""

    def error(name: str, message: str) -> None:
        errors.append(RowError(row, uid, name, message))

    for key in raw:
        if key not in ITEM_KEYS and key not in ("_row", "correct"):
            error(str(key)[:40], _("Champ inconnu."))
    if "correct" in raw:
        error(
            "correct",
            _("Numéros de bonnes réponses illisibles ou hors des propositions."),
        )
    for key in REQUIRED_KEYS:
        if raw.get(key) in (None, ""):
            error(key, _("Champ obligatoire."))
    values: dict[str, Any] = {}
    if uid and not UID_RE.match(uid):
        error(
            "uid",
            _("Identifiant invalide : lettres, chiffres, « - » ou « _ », 40 au plus."),
        )
    elif uid_value not in (None, "") and not isinstance(uid_value, str):
        error("uid", _("Texte attendu."))
    competence = raw.get("competence")
    if competence not in (None, ""):
        if isinstance(competence, str) and competence.strip() in competences:
            values["competence_id"] = competences[competence.strip()]
        else:
            error("competence", _("Compétence DigCompEdu inconnue (ex. « 2.1 »)."))
    for key, allowed, message in (
        ("target_level", LEVELS, _("Niveau inconnu (A1 à C2).")),
        ("item_type", tuple(Item.Type.values), _("Type inconnu.")),
        ("status", tuple(Item.Status.values), _("Statut inconnu.")),
        (
            "parameter_source",
            tuple(Item.ParameterSource.values),
            _("Origine des paramètres inconnue."),
        ),
    ):
        if key not in raw or (key in REQUIRED_KEYS and raw.get(key) in (None, "")):
            continue
        if isinstance(raw[key], str) and raw[key] in allowed:
            values[key] = raw[key]
        else:
            error(key, message + " " + _("Valeurs : %s.") % ", ".join(allowed))
    stem = raw.get("stem")
    if stem not in (None, ""):
        if not isinstance(stem, str):
            error("stem", _("Texte attendu."))
        elif _has_forbidden_characters(stem):
            error("stem", _("Caractère interdit (NUL)."))
        else:
            clean = sanitize_stem(stem)
            if len(clean) > 5000:
                error("stem", _("Énoncé trop long (5 000 caractères au plus)."))
            values["stem"] = clean
    options: list[tuple[str, bool]] | None = None
    if "options" in raw:
        raw_options = raw["options"]
        if not isinstance(raw_options, list):
            error("options", _("Liste de propositions attendue."))
        else:
            options = []
            for n, option in enumerate(raw_options, start=1):
                if not isinstance(option, Mapping) or not isinstance(
                    option.get("text"), str
                ):
                    error(
                        f"options[{n}]",
                        _("Proposition attendue : {« text », « is_correct »}."),
                    )
                    continue
                extra = set(option) - {"text", "is_correct"}
                if extra:
                    error(f"options[{n}]", _("Champ inconnu."))
                text = option["text"].strip()
                if len(text) > 500:
                    error(f"options[{n}]", _("Proposition trop longue (500 au plus)."))
                if _has_forbidden_characters(text):
                    error(f"options[{n}]", _("Caractère interdit (NUL)."))
                is_correct = option.get("is_correct", False)
                if not isinstance(is_correct, bool):
                    error(f"options[{n}]", _("« is_correct » vaut true ou false."))
                    is_correct = False
                options.append((text, is_correct))
    for key in ("numeric_answer", "numeric_tolerance"):
        if key not in raw or (raw[key] is None and key == "numeric_answer"):
            if key in raw:
                values[key] = None
            continue
        number = _decimal(raw[key])
        if number is None:
            error(key, _("Nombre attendu (au plus 4 décimales), ex. « 42.5 »."))
        elif key == "numeric_tolerance" and number < 0:
            error(key, _("La tolérance ne peut pas être négative."))
        else:
            values[key] = number
    for key, limit in (("numeric_unit", 20), ("family", 120)):
        if key not in raw or (key == "family" and raw[key] is None):
            continue
        if not isinstance(raw[key], str) or len(raw[key].strip()) > limit:
            error(key, _("Texte de %(n)s caractères au plus attendu.") % {"n": limit})
        elif key == "numeric_unit":
            values[key] = raw[key].strip()
    for key in BOOLEAN_KEYS:
        if key in raw:
            if isinstance(raw[key], bool):
                values[key] = raw[key]
            else:
                error(key, _("true ou false attendu."))
    for key in ("a", "b", "c"):
        if key in raw:
            if _is_number(raw[key]) and math.isfinite(raw[key]):
                values[key] = float(raw[key])
            else:
                error(key, _("Nombre attendu."))
    if "est_seconds" in raw:
        seconds = raw["est_seconds"]
        if (
            isinstance(seconds, int)
            and not isinstance(seconds, bool)
            and (1 <= seconds <= 3600)
        ):
            values["est_seconds"] = seconds
        else:
            error("est_seconds", _("Nombre entier de secondes (1 à 3 600) attendu."))
    if errors:
        return None, errors

    # Fill the gaps (defaults or the existing item), then check the whole.
    if existing is None:
        level = values["target_level"]
        defaults: dict[str, Any] = {
            "status": Item.Status.DRAFT,
            "a": 1.0,
            "b": SEED_DIFFICULTY[level],
            "c": 0.0,
            "numeric_answer": None,
            "numeric_tolerance": Decimal(0),
            "numeric_unit": "",
            "parameter_source": (
                Item.ParameterSource.IMPORT
                if "a" in values or "b" in values
                else Item.ParameterSource.EXPERT_SEED
            ),
        }
        merged = {**defaults, **values}
        merged_options = options or []
        has_image, image_alt = False, ""
    else:
        merged = {
            "item_type": existing.item_type,
            "a": existing.a,
            "b": existing.b,
            "c": existing.c,
            "numeric_answer": existing.numeric_answer,
            **values,
        }
        merged_options = (
            options
            if options is not None
            else [(o.text, o.is_correct) for o in existing.options.all()]
        )
        has_image, image_alt = bool(existing.image_id), existing.image_alt
    if merged["item_type"] == Item.Type.ORDERING:
        # The authored order is the key: a flag would mean nothing.
        merged_options = [(text, False) for text, _flag in merged_options]
        if options is not None:
            options = merged_options
    for name, message in content_errors(
        item_type=merged["item_type"],
        stem=merged.get("stem", existing.stem if existing else ""),
        options=merged_options,
        numeric_answer=merged.get("numeric_answer"),
        has_image=has_image,
        image_alt=image_alt,
        a=merged["a"],
        b=merged["b"],
        c=merged["c"],
    ):
        error(name or "", message)
    if errors:
        return None, errors
    if existing is None:
        values = merged
        options = merged_options
    family = raw.get("family") if "family" in raw else None
    return (
        ParsedItem(
            row=row,
            uid=uid,
            values=values,
            options=options,
            family=family.strip()
            if isinstance(family, str) and family.strip()
            else None,
            has_family="family" in raw,
        ),
        [],
    )


# --- Import ------------------------------------------------------------------


def _document_errors(data: Any) -> list[RowError]:
    if not isinstance(data, Mapping):
        return [RowError(0, "", "", _("Le document doit être un objet JSON."))]
    errors = []
    if data.get("format") != FORMAT:
        errors.append(
            RowError(0, "", "format", _("« format » doit valoir « %s ».") % FORMAT)
        )
    if data.get("version") != VERSION:
        errors.append(RowError(0, "", "version", _("Version %s attendue.") % VERSION))
    if not isinstance(data.get("items"), list):
        errors.append(RowError(0, "", "items", _("Liste « items » attendue.")))
    unknown = set(data) - DOCUMENT_KEYS
    if unknown:
        errors.append(
            RowError(
                0,
                "",
                ", ".join(sorted(str(k) for k in unknown))[:80],
                _("Champ inconnu."),
            )
        )
    return errors


def _save_options(item: Item, options: list[tuple[str, bool]]) -> None:
    """Replace the options in place (ids kept where a position survives)."""
    current = list(ItemOption.objects.filter(item=item).order_by("sort_order", "pk"))
    for position, (text, is_correct) in enumerate(options):
        if position < len(current):
            option = current[position]
            if (option.text, option.is_correct, option.sort_order) != (
                text,
                is_correct,
                position,
            ):
                option.text, option.is_correct = text, is_correct
                option.sort_order = position
                option.save(update_fields=["text", "is_correct", "sort_order"])
        else:
            ItemOption.objects.create(
                item=item, text=text, is_correct=is_correct, sort_order=position
            )
    surplus = [option.pk for option in current[len(options) :]]
    if surplus:
        ItemOption.objects.filter(pk__in=surplus).delete()


def import_items(data: Any, *, by: Any = None, dry_run: bool = False) -> ImportReport:
    """Create or update the items of an exchange document, all or nothing.

    Every row is checked first; with any error nothing is written and the
    report lists them all. ``dry_run`` checks and counts without writing.
    Rows carry their number in the document (1-based) or their CSV line.
    """
    from lms.models import Competence

    report = ImportReport(dry_run=dry_run)
    report.errors = _document_errors(data)
    if report.errors:
        return report
    rows: list[Any] = list(data["items"])
    competences = dict(Competence.objects.values_list("code", "id"))
    uids = [
        raw.get("uid")
        for raw in rows
        if isinstance(raw, Mapping) and isinstance(raw.get("uid"), str)
    ]
    with transaction.atomic():
        existing = {
            item.uid: item
            for item in Item.objects.select_for_update(of=("self",))
            .filter(uid__in=uids)
            .select_related("competence", "family")
            .prefetch_related("options")
        }
        parsed: list[ParsedItem] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(rows, start=1):
            row = raw.get("_row", index) if isinstance(raw, Mapping) else index
            row = row if isinstance(row, int) else index
            uid = raw.get("uid") if isinstance(raw, Mapping) else None
            if isinstance(uid, str) and uid in seen:
                report.errors.append(
                    RowError(
                        row,
                        uid,
                        "uid",
                        _("Identifiant déjà présent ligne %(row)s du fichier.")
                        % {"row": seen[uid]},
                    )
                )
                continue
            if isinstance(uid, str):
                seen[uid] = row
            item, errors = parse_row(
                raw,
                row,
                competences=competences,
                existing=existing.get(uid) if isinstance(uid, str) else None,
            )
            report.errors.extend(errors)
            if item is not None:
                parsed.append(item)
        if report.errors:
            return report
        families = {f.name: f for f in ItemFamily.objects.all()}
        created_items: list[Item] = []
        updated_items: list[Item] = []
        for row in parsed:
            item = existing.get(row.uid)
            before = content_signature(item) if item is not None else None
            snapshot = _field_snapshot(item) if item is not None else None
            if item is None:
                item = Item(uid=row.uid)
            for name, value in row.values.items():
                setattr(item, name, value)
            if row.has_family:
                if row.family is None:
                    item.family = None
                elif dry_run:
                    item.family_id = getattr(families.get(row.family), "pk", None)
                else:
                    if row.family not in families:
                        families[row.family] = ItemFamily.objects.create(
                            name=row.family
                        )
                    item.family = families[row.family]
            if before is None:
                report.created += 1
                if not dry_run:
                    item.save()
                    _save_options(item, row.options or [])
                    created_items.append(item)
                continue
            options_changed = row.options is not None and row.options != [
                (o.text, o.is_correct)
                for o in sorted(
                    item.options.all(), key=lambda o: (o.sort_order or 0, o.pk)
                )
            ]
            after_fields = _field_snapshot(item)
            family_changed = row.has_family and (
                (row.family or None)
                != (
                    existing[row.uid].family.name
                    if existing[row.uid].family_id
                    else None
                )
            )
            if after_fields == snapshot and not options_changed and not family_changed:
                report.unchanged += 1
                continue
            report.updated += 1
            if dry_run:
                continue
            item.save()
            if row.options is not None:
                _save_options(item, row.options)
            if content_signature(item) != before:
                item.revision += 1
                item.save(update_fields=["revision"])
            updated_items.append(item)
        if dry_run:
            return report
        for item in created_items + updated_items:
            item.save_revision(user=by, clean=False, log_action=True)
        audit.record(
            by,
            created_items,
            audit.ADDITION,
            _("Item importé."),
            logger=logger,
            action=audit.Action.ITEM_BANK_EDITED,
        )
        audit.record(
            by,
            updated_items,
            audit.CHANGE,
            _("Item mis à jour par import."),
            logger=logger,
            action=audit.Action.ITEM_BANK_EDITED,
        )
        if created_items or updated_items:
            schedule_bank_bump()
    return report


def _field_snapshot(item: Item) -> tuple:
    names = (
        "competence_id",
        "target_level",
        "item_type",
        "stem",
        "numeric_answer",
        "numeric_tolerance",
        "numeric_unit",
        "shuffle_options",
        "status",
        "a",
        "b",
        "c",
        "parameter_source",
        "is_demo",
        "screen_reader_ok",
        "keyboard_only_ok",
        "colour_blind_ok",
        "est_seconds",
    )
    return tuple(
        Decimal(v).normalize() if isinstance(v, Decimal) else v
        for v in (getattr(item, name) for name in names)
    )


def parse_upload(content: bytes, filename: str) -> dict[str, Any]:
    """An uploaded ``.json`` or ``.csv`` file as an exchange document.

    Raises ``ValueError`` with a French message when the file cannot be read.
    """
    import json

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("Le fichier doit être encodé en UTF-8.")) from None
    if filename.lower().endswith(".csv"):
        return csv_to_items(text)
    if filename.lower().endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as error:
            raise ValueError(
                _("JSON illisible (ligne %(line)s) : %(msg)s.")
                % {
                    "line": getattr(error, "lineno", "?"),
                    "msg": getattr(error, "msg", ""),
                }
            ) from None
    raise ValueError(_("Fichier .json ou .csv attendu."))
