"""Read catalogue import files (CSV or XLSX) into tables, and parse their cells.

Malformed files raise ``ImportRefused`` with a French message (size cap,
encoding, not a workbook, zip bomb, too many rows or columns); a bad cell raises
``CellError``. The format itself is described in ``catalogue.tabular``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import tabular

logger = logging.getLogger(__name__)

#: Uncompressed bytes a workbook may expand to, per byte of upload (zip bombs).
XLSX_MAX_EXPANSION = 40
XLSX_MAX_ENTRIES = 500
#: Columns read in a sheet (the format has fewer than 25).
MAX_COLUMNS = 64
#: Cells wider than this are refused (the csv module's own limit is 128 KiB).
MAX_CELL_CHARS = 100_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRefused(Exception):  # noqa: N818 - reads as a sentence
    """The file cannot be read at all; ``message`` is French, for staff."""

    def __init__(self, message: str, sheet: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.line = line


@dataclass
class Table:
    """One sheet (or CSV file) of one kind: raw headers and rows (line, cells)."""

    kind: str
    sheet: str
    headers: list[str]
    header_line: int
    rows: list[tuple[int, list[Any]]]


# --- Reading files -------------------------------------------------------------


def read_tables(data: bytes, filename: str = "") -> list[Table]:
    """Parse an upload into tables; raise ``ImportRefused`` if it is unreadable."""
    max_bytes = settings.CATALOGUE_IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise ImportRefused(too_big_message(max_bytes))
    if not data.strip():
        raise ImportRefused(_("Le fichier est vide."))
    lower = filename.lower()
    if data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if lower.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportRefused(
            _(
                "Les classeurs Excel 97-2003 (.xls) ne sont pas acceptés : "
                "enregistrez le fichier au format .xlsx ou CSV."
            )
        )
    return [_read_csv(data, filename)]


def too_big_message(max_bytes: int) -> str:
    return _(
        "Le fichier dépasse la taille maximale de %(size)s Mo : "
        "découpez-le en plusieurs fichiers."
    ) % {"size": f"{max_bytes / (1024 * 1024):.0f}"}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportRefused(_("Le fichier UTF-16 est mal encodé.")) from error
    if b"\x00" in data:
        raise ImportRefused(
            _(
                "Ce fichier n'est pas un fichier texte CSV (il contient des "
                "données binaires). Enregistrez-le au format CSV UTF-8 ou .xlsx."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel's "CSV (séparateur : point-virgule)" on Windows.
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportRefused(
                _(
                    "Encodage du fichier non reconnu : enregistrez-le au format "
                    "« CSV UTF-8 »."
                )
            ) from error
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 5:
        raise ImportRefused(
            _(
                "Ce fichier n'est pas un fichier texte CSV (il contient des "
                "données binaires). Enregistrez-le au format CSV UTF-8 ou .xlsx."
            )
        )
    return text


def _read_csv(data: bytes, filename: str) -> Table:
    text = _decode(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise ImportRefused(
            _(
                "Impossible de lire l'en-tête du fichier : les colonnes doivent "
                "être séparées par des points-virgules."
            ),
            line=1,
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    max_rows = settings.CATALOGUE_IMPORT_MAX_ROWS
    rows: list[tuple[int, list[Any]]] = []
    headers: list[str] | None = None
    header_line = 0
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if headers is None:
                if not any(cell.strip() for cell in record):
                    continue
                headers, header_line = record, start
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                raise ImportRefused(too_many_rows_message(max_rows))
            rows.append((start, record))
    except csv.Error as error:
        raise ImportRefused(
            _("Fichier CSV mal formé (%(error)s).") % {"error": error}, line=line
        ) from error
    if headers is None:
        raise ImportRefused(_("Le fichier est vide."))
    kind = _detect_kind(headers)
    if kind is None:
        raise ImportRefused(unknown_kind_message(), line=header_line)
    return Table(kind, kind, headers, header_line, rows)


def too_many_rows_message(max_rows: int) -> str:
    return _("Le fichier compte plus de %(max)s lignes : découpez-le.") % {
        "max": f"{max_rows:,}".replace(",", " ")
    }


def unknown_kind_message() -> str:
    return _(
        "Type de fichier non reconnu : l'en-tête doit contenir les colonnes des "
        "formations (code, titre, resume, modalite…) ou des sessions "
        "(formation, code, debut, fin…)."
    )


def _detect_kind(headers: list[str]) -> str | None:
    keys = {tabular.normalise(h).replace(".", "_") for h in headers}
    if keys & {"debut", "starts_on", "cloture_inscriptions", "places"}:
        return tabular.SESSIONS
    if keys & {"titre", "title", "modalite", "modality", "resume", "summary"}:
        return tabular.TRAININGS
    return None


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(not_a_workbook_message()) from error
    with archive:
        entries = archive.infolist()
        if len(entries) > XLSX_MAX_ENTRIES:
            raise ImportRefused(not_a_workbook_message())
        budget = max(len(data) * XLSX_MAX_EXPANSION, 10 * 1024 * 1024)
        if sum(entry.file_size for entry in entries) > budget:
            raise ImportRefused(
                _(
                    "Le classeur se décompresse en un volume anormalement grand : "
                    "il est refusé."
                )
            )
        names = {entry.filename for entry in entries}
        if "xl/workbook.xml" not in names:
            raise ImportRefused(not_a_workbook_message())


def not_a_workbook_message() -> str:
    return _(
        "Ce fichier n'est pas un classeur Excel (.xlsx) valide. Enregistrez-le "
        "au format .xlsx ou CSV UTF-8."
    )


def _read_xlsx(data: bytes) -> list[Table]:
    import openpyxl  # imported here: only the import and export need it

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except Exception as error:  # noqa: BLE001 - any parse failure is a bad file
        logger.info("Unreadable workbook: %s", error)
        raise ImportRefused(not_a_workbook_message()) from error
    tables: list[Table] = []
    max_rows = settings.CATALOGUE_IMPORT_MAX_ROWS
    try:
        for sheet in workbook.worksheets:
            table = _read_sheet(sheet, max_rows)
            if table is not None:
                tables.append(table)
    except ImportRefused:
        raise
    except Exception as error:  # noqa: BLE001 - corrupt sheet XML
        logger.info("Unreadable worksheet: %s", error)
        raise ImportRefused(not_a_workbook_message()) from error
    finally:
        workbook.close()
    if not tables:
        raise ImportRefused(
            _(
                "Le classeur ne contient ni feuille « formations » ni feuille "
                "« sessions »."
            )
        )
    kinds = [t.kind for t in tables]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            raise ImportRefused(
                _("Le classeur contient plusieurs feuilles de %(kind)s.")
                % {"kind": kind}
            )
    return tables


def _read_sheet(sheet: Any, max_rows: int) -> Table | None:
    rows: list[tuple[int, list[Any]]] = []
    headers: list[str] | None = None
    header_line = 0
    # Column and raw-row caps: a sheet may declare a huge, mostly empty range.
    rows_iter = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    for number, values in enumerate(rows_iter, start=1):
        if number > 2 * max_rows + 1000:
            raise ImportRefused(too_many_rows_message(max_rows), sheet=sheet.title)
        cells = list(values)
        while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
            cells.pop()
        if not cells:
            continue
        if headers is None:
            headers = ["" if c is None else str(c) for c in cells]
            header_line = number
            continue
        if len(rows) >= max_rows:
            raise ImportRefused(too_many_rows_message(max_rows), sheet=sheet.title)
        rows.append((number, cells))
    if headers is None:
        return None  # an empty sheet
    name = tabular.normalise(sheet.title)
    if name in {"formations", "formation", "trainings"}:
        kind: str | None = tabular.TRAININGS
    elif name in {"sessions", "session"}:
        kind = tabular.SESSIONS
    else:
        kind = _detect_kind(headers)
    if kind is None:
        raise ImportRefused(
            _(
                "Feuille « %(sheet)s » non reconnue : nommez les feuilles "
                "« formations » et « sessions »."
            )
            % {"sheet": sheet.title},
            sheet=sheet.title,
        )
    return Table(kind, sheet.title, headers, header_line, rows)


# --- Cell parsing --------------------------------------------------------------


class CellError(Exception):
    """A cell's value is invalid; the message is French."""


def clean_text(value: Any) -> str:
    """A cell as stripped text (integral floats without ".0", formula guard removed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > MAX_CELL_CHARS:
        raise CellError(_("Valeur trop longue."))
    return tabular.strip_formula_guard(text)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise CellError(
        _("Date invalide « %(value)s » : écrivez 2027-01-12 ou 12/01/2027.")
        % {"value": text}
    )


def parse_time(text: str) -> dt.time:
    text = text.strip().lower().replace("h", ":")
    if text.endswith(":"):
        text += "00"
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes or 0))
    except ValueError as error:
        raise CellError(
            _("Heure invalide « %(value)s » : écrivez 09:00.") % {"value": text}
        ) from error


def parse_datetime(value: Any, *, end_of_day: bool = False) -> dt.datetime:
    """A local date-time; a bare date means midnight (or 23:59 with ``end_of_day``)."""
    tz = timezone.get_current_timezone()
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        moment = dt.time(23, 59) if end_of_day else dt.time(0, 0)
        return dt.datetime.combine(value, moment, tzinfo=tz)
    text = clean_text(value).replace("T", " ")
    if " " not in text:
        return parse_datetime(parse_date(text), end_of_day=end_of_day)
    date_part, time_part = text.split(None, 1)
    try:
        date = parse_date(date_part)
        time_text = time_part.strip()
        if time_text.count(":") == 2:
            parsed = dt.datetime.strptime(time_text, "%H:%M:%S").time()  # noqa: DTZ007
        else:
            parsed = parse_time(time_text)
    except (CellError, ValueError) as error:
        raise CellError(
            _(
                "Date et heure invalides « %(value)s » : écrivez 2027-01-12 18:00 "
                "ou 12/01/2027 18:00."
            )
            % {"value": text}
        ) from error
    return dt.datetime.combine(date, parsed, tzinfo=tz)


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Nombre attendu."))
    if isinstance(value, int | float):
        result = Decimal(str(value))
    else:
        text = (
            clean_text(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
        )
        try:
            result = Decimal(text)
        except InvalidOperation as error:
            raise CellError(
                _("Nombre invalide « %(value)s ».") % {"value": text}
            ) from error
    if not result.is_finite():
        raise CellError(_("Nombre invalide."))
    return result


def parse_int(value: Any) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(_("Nombre entier attendu."))
    return int(number)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = tabular.normalise(clean_text(value))
    if word in tabular.TRUE_WORDS:
        return True
    if word in tabular.FALSE_WORDS:
        return False
    raise CellError(_("Écrivez « oui » ou « non »."))


def split_list(value: Any, separators: str = ";|,\n") -> list[str]:
    text = clean_text(value)
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]


def parse_choice(value: Any, mapping: dict[str, str], column: str) -> str:
    text = clean_text(value)
    code = mapping.get(tabular.normalise(text))
    if code is None:
        allowed = ", ".join(sorted(set(mapping.values())))
        raise CellError(
            _("Valeur inconnue « %(value)s » (valeurs possibles : %(allowed)s).")
            % {"value": text, "allowed": allowed}
        )
    return code


def parse_rich_text(value: Any) -> str:
    """HTML cleaned as the admin editor would store it; plain text → paragraphs."""
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
    from wagtail.rich_text import features as feature_registry

    text = clean_text(value)
    if not text:
        return ""
    if "<" not in text:
        paragraphs = [p.strip() for p in text.replace("\r", "").split("\n\n")]
        text = "".join(
            f"<p>{escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs if p
        )
    converter = ContentstateConverter(feature_registry.get_default_features())
    return converter.to_database_format(converter.from_database_format(text))


_BLOCK_KEY_RE = re.compile(r'\s+data-block-key="[^"]*"')


def same_rich_text(cleaned: str, current: str) -> bool:
    """True when ``cleaned`` and the stored ``current`` HTML differ only by block keys."""
    if not current:
        return not cleaned
    return _BLOCK_KEY_RE.sub("", cleaned) == _BLOCK_KEY_RE.sub(
        "", parse_rich_text(current)
    )
