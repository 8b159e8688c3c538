"""Validate a zip archive before extracting anything, then extract it safely.

Threats and answers (``/work/shared/specs/reliability.md``, rows A1–A7):

* Not a zip, a zip hidden behind other bytes (JPEG/HTML polyglot), truncated,
  bad CRC, overlapping entries ("quoted overlap" bombs), lying sizes: the file
  must start with a local header, the central directory must be consistent and
  every CRC and size is checked while extracting → ``not_a_zip`` /
  ``corrupt_archive``.
* Encrypted entries and compression methods other than stored/deflate are
  refused (``encrypted_entry``, ``unsupported_compression``).
* Entry names are validated, never rewritten: ``..`` and ``.`` segments,
  absolute paths, drive letters, backslashes, NUL and control or invisible
  characters (bidi overrides…), Unicode dot or slash lookalikes (``‥``, ``．``),
  percent-encoded dot segments, Windows-reserved names and characters,
  trailing dots or spaces, over-long components or paths → ``unsafe_path`` /
  ``invalid_name``. Storage keys are built by us from validated segments.
* Symlinks, devices, fifos and any mode other than a regular file or folder →
  ``special_file``. Nothing ever calls ``os.symlink``; files are created with
  ``O_EXCL | O_NOFOLLOW`` in a fresh, empty staging folder.
* Duplicates — exact, case-insensitive or NFC/NFD-equivalent — and a file
  clashing with a folder → ``duplicate_entry`` / ``file_dir_clash``: a later
  entry can never overwrite an earlier one, on any file system or object store.
* Zip bombs: the declared entry count (read from the end-of-central-directory
  record before ``zipfile`` builds its index) ≤ ``PACKAGE_MAX_FILES``; the
  declared uncompressed total ≤ ``PACKAGE_MAX_UNCOMPRESSED_BYTES``; per-entry
  and overall ratios ≤ ``PACKAGE_MAX_COMPRESSION_RATIO`` (for anything over
  1 MiB); and while extracting, the bytes actually produced are counted and the
  extraction aborts at the budget. Inner archives are ordinary files: never
  opened.

Package root (deterministic rule, reliability A8): the root is the archive
root, unless every entry (ignoring macOS/Windows litter: ``__MACOSX/``,
``.DS_Store``, ``Thumbs.db``, ``desktop.ini``) sits inside one single top-level
folder, in which case that folder is the root and is stripped (one level only).
Litter entries are still validated, then skipped.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import PackageError, Problem

#: Entries under this size never trip the compression-ratio check.
RATIO_MIN_BYTES = 1024 * 1024
#: Caps on names (UTF-8 bytes); storage keys add ``packages/<uuid>/`` (46 bytes)
#: and must stay below S3's 1,024-byte limit.
MAX_COMPONENT_BYTES = 255
MAX_PATH_BYTES = 900
MAX_DEPTH = 48
#: Bytes of central directory allowed per permitted entry (header + name + extras).
CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 2048
#: Stop collecting problems after this many; the package is refused anyway.
MAX_PROBLEMS = 25
CHUNK_SIZE = 64 * 1024

_LOCAL_HEADER = b"PK\x03\x04"
_EMPTY_ARCHIVE = b"PK\x05\x06"
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_ALLOWED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    "conin$",
    "conout$",
    *(f"com{i}" for i in "123456789¹²³"),
    *(f"lpt{i}" for i in "123456789¹²³"),
}
_FORBIDDEN_CHARACTERS = set('\\:*?"<>|')
_DRIVE = re.compile(r"^[A-Za-z]:")
# Control, format (bidi overrides, zero-width), separators, surrogates, private
# use and unassigned code points have no business in a file name.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_LITTER_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
_LITTER_FOLDERS = {"__macosx"}


@dataclass(frozen=True, slots=True)
class Limits:
    """The budgets one archive must fit in."""

    max_files: int
    max_bytes: int
    max_ratio: int
    ratio_min_bytes: int = RATIO_MIN_BYTES

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_files=settings.PACKAGE_MAX_FILES,
            max_bytes=settings.PACKAGE_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.PACKAGE_MAX_COMPRESSION_RATIO,
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """One validated archive entry."""

    info: zipfile.ZipInfo
    #: The name as stored in the archive (for messages only).
    name: str
    #: Validated path segments relative to the package root.
    parts: tuple[str, ...]
    is_dir: bool

    @property
    def path(self) -> str:
        return "/".join(self.parts)

    @property
    def size(self) -> int:
        return self.info.file_size


@dataclass(slots=True)
class Listing:
    """Everything known about an archive before a single byte is extracted."""

    #: The stripped top-level folder (``"course/"``) or ``""``.
    root: str
    #: Files (not folders) under the root, by package path, in archive order.
    files: dict[str, Entry] = field(default_factory=dict)
    #: Litter skipped by the documented rule.
    skipped: list[Entry] = field(default_factory=list)
    entry_count: int = 0

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.files.values())


ProgressCallback = Callable[[int, int], None]


def _fold(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


def _problem(code: str, message: str, entry: str = "") -> PackageError:
    return PackageError.one(code, message, entry)


# --- Opening ----------------------------------------------------------------------


def _read_at(fp: BinaryIO, offset: int, size: int) -> bytes:
    fp.seek(offset)
    return fp.read(size)


def declared_totals(fp: BinaryIO) -> tuple[int, int]:
    """Entry count and central-directory size declared by the archive's end record.

    Read before ``zipfile`` parses the central directory, so an archive that
    declares millions of entries is refused without building millions of objects.
    Raises ``corrupt_archive`` when no end record is found (truncated archive).
    """
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    tail_size = min(size, 22 + 0xFFFF)
    tail = _read_at(fp, size - tail_size, tail_size)
    position = tail.rfind(_EOCD)
    if position < 0 or len(tail) - position < 22:
        raise _problem(
            "corrupt_archive",
            _("L'archive zip est tronquée ou endommagée (fin d'archive introuvable)."),
        )
    (_sig, _disk, _cd_disk, _disk_entries, entries, cd_size, _cd_offset, _clen) = (
        struct.unpack("<4s4H2LH", tail[position : position + 22])
    )
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator_offset = size - tail_size + position - 20
        locator = _read_at(fp, locator_offset, 20) if locator_offset >= 0 else b""
        if len(locator) != 20 or locator[:4] != _ZIP64_LOCATOR:
            raise _problem(
                "corrupt_archive",
                _("L'archive est endommagée (enregistrement ZIP64 introuvable)."),
            )
        (_sig, _disk, zip64_offset, _disks) = struct.unpack("<4sLQL", locator)
        record = _read_at(fp, zip64_offset, 56) if zip64_offset < size else b""
        if len(record) != 56 or record[:4] != _ZIP64_EOCD:
            raise _problem(
                "corrupt_archive",
                _("L'archive est endommagée (enregistrement ZIP64 invalide)."),
            )
        fields = struct.unpack("<4sQ2H2L4Q", record)
        entries, cd_size = fields[7], fields[8]
    return entries, cd_size


def check_archive_header(fp: BinaryIO) -> None:
    """Refuse anything that does not start like a zip (renamed files, polyglots)."""
    fp.seek(0)
    magic = fp.read(4)
    if magic not in (_LOCAL_HEADER, _EMPTY_ARCHIVE):
        raise _problem(
            "not_a_zip",
            _("Ce fichier n'est pas une archive zip (paquet SCORM ou H5P attendu)."),
        )


def open_archive(fp: BinaryIO, limits: Limits) -> zipfile.ZipFile:
    """Open ``fp`` as a zip after the cheap checks; the caller closes it.

    Names without the UTF-8 flag are decoded as UTF-8 when they are valid UTF-8
    (what most zip tools write today), else as CP437 (the zip default).
    """
    check_archive_header(fp)
    entries, cd_size = declared_totals(fp)
    if entries > limits.max_files:
        raise _problem(
            "too_many_files",
            _("L'archive contient %(count)s entrées ; le maximum est %(max)s.")
            % {"count": entries, "max": limits.max_files},
        )
    if cd_size > max(limits.max_files, 1) * CENTRAL_DIRECTORY_BYTES_PER_ENTRY:
        raise _problem(
            "too_many_files",
            _("Le répertoire central de l'archive est anormalement grand."),
        )
    last_error: Exception | None = None
    for encoding in ("utf-8", None):
        fp.seek(0)
        try:
            return zipfile.ZipFile(fp, metadata_encoding=encoding)
        except UnicodeDecodeError as exc:
            last_error = exc
            continue
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            OSError,
            ValueError,
            struct.error,
            IndexError,
            KeyError,
            NotImplementedError,
            OverflowError,
        ) as exc:
            raise _problem(
                "corrupt_archive",
                _("L'archive zip est endommagée ou tronquée."),
            ) from exc
    raise _problem(
        "corrupt_archive", _("Les noms de fichiers de l'archive sont illisibles.")
    ) from last_error


# --- Names ------------------------------------------------------------------------


def split_name(raw: str) -> tuple[tuple[str, ...], bool]:
    """Validate an entry name; return its segments and whether it is a folder.

    Raises ``PackageError`` (``unsafe_path`` or ``invalid_name``) naming the entry.
    Never normalises: a name is accepted as it is or refused.
    """

    def unsafe(reason: str) -> PackageError:
        return _problem(
            "unsafe_path",
            _("Chemin dangereux dans l'archive (%(reason)s) : « %(name)s ».")
            % {"reason": reason, "name": raw},
            raw,
        )

    def invalid(reason: str) -> PackageError:
        return _problem(
            "invalid_name",
            _("Nom de fichier refusé (%(reason)s) : « %(name)s ».")
            % {"reason": reason, "name": raw},
            raw,
        )

    if raw == "":
        raise invalid(_("nom vide"))
    if "\x00" in raw:
        raise invalid(_("caractère nul"))
    if "\\" in raw:
        raise unsafe(_("barre oblique inverse"))
    if raw.startswith("/"):
        raise unsafe(_("chemin absolu"))
    if _DRIVE.match(raw):
        raise unsafe(_("lettre de lecteur"))
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise invalid(_("chemin trop long"))
    is_dir = raw.endswith("/")
    parts = (raw[:-1] if is_dir else raw).split("/")
    if len(parts) > MAX_DEPTH:
        raise invalid(_("trop de dossiers imbriqués"))
    for part in parts:
        if part == "":
            raise unsafe(_("segment vide"))
        if part in (".", ".."):
            raise unsafe(_("segment « . » ou « .. »"))
        for character in part:
            if unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
                raise invalid(_("caractère de contrôle ou invisible"))
        lookalike = unicodedata.normalize("NFKC", part)
        if _is_dot_segment_or_separator(lookalike):
            raise unsafe(_("caractère ressemblant à « . » ou « / »"))
        decoded = part
        for _round in range(3):
            decoded = unquote(decoded)
        if _is_dot_segment_or_separator(decoded):
            raise unsafe(_("segment encodé en pourcentage"))
        if _FORBIDDEN_CHARACTERS.intersection(part):
            raise invalid(_('caractère interdit parmi \\ : * ? " < > |'))
        if part != part.strip() or part.endswith("."):
            raise invalid(_("espace ou point en début ou fin de nom"))
        if len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
            raise invalid(_("nom de plus de 255 octets"))
        if part.split(".")[0].rstrip(" ").casefold() in _WINDOWS_RESERVED:
            raise invalid(_("nom réservé par Windows"))
    return tuple(parts), is_dir


def _is_dot_segment_or_separator(text: str) -> bool:
    return (
        "/" in text
        or "\\" in text
        or "\x00" in text
        or (text != "" and text.strip(". ") == "")
    )


def _check_type(info: zipfile.ZipInfo, raw: str, is_dir: bool) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if info.create_system == 3 and kind:
        if stat.S_ISLNK(mode):
            raise _problem(
                "special_file",
                _("L'archive contient un lien symbolique : « %(name)s ».")
                % {"name": raw},
                raw,
            )
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise _problem(
                "special_file",
                _(
                    "L'archive contient une entrée spéciale (ni fichier ni dossier) : « %(name)s »."
                )
                % {"name": raw},
                raw,
            )
        if stat.S_ISDIR(mode) and not is_dir:
            raise _problem(
                "special_file",
                _(
                    "Entrée marquée comme dossier mais nommée comme un fichier : « %(name)s »."
                )
                % {"name": raw},
                raw,
            )
    elif info.external_attr & 0x10 and not is_dir:
        raise _problem(
            "special_file",
            _(
                "Entrée marquée comme dossier mais nommée comme un fichier : « %(name)s »."
            )
            % {"name": raw},
            raw,
        )
    if is_dir and info.file_size:
        raise _problem(
            "special_file",
            _("Un dossier de l'archive contient des données : « %(name)s ».")
            % {"name": raw},
            raw,
        )


def _check_storage(
    info: zipfile.ZipInfo, raw: str, is_dir: bool, limits: Limits
) -> None:
    if info.flag_bits & 0x41:
        raise _problem(
            "encrypted_entry",
            _("L'archive contient un fichier chiffré : « %(name)s ».") % {"name": raw},
            raw,
        )
    if info.compress_type not in _ALLOWED_COMPRESSION:
        raise _problem(
            "unsupported_compression",
            _(
                "Méthode de compression non prise en charge pour « %(name)s » "
                "(seules « stockée » et « deflate » sont acceptées)."
            )
            % {"name": raw},
            raw,
        )
    if (
        info.compress_type == zipfile.ZIP_STORED
        and info.compress_size != info.file_size
    ):
        raise _problem(
            "corrupt_archive",
            _("Tailles incohérentes dans l'archive pour « %(name)s ».") % {"name": raw},
            raw,
        )
    if (
        not is_dir
        and info.file_size >= limits.ratio_min_bytes
        and info.file_size > limits.max_ratio * max(info.compress_size, 1)
    ):
        raise _problem(
            "suspicious_ratio",
            _(
                "Taux de compression suspect pour « %(name)s » (bombe zip ?) : "
                "plus de %(ratio)s pour 1."
            )
            % {"name": raw, "ratio": limits.max_ratio},
            raw,
        )


def _check_overlaps(zf: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo]) -> None:
    """Each entry's local header and data must end before the next one starts."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    end_of_data = getattr(zf, "start_dir", None)
    for index, info in enumerate(ordered):
        minimum_end = (
            info.header_offset + 30 + len(info.orig_filename) + info.compress_size
        )
        following = (
            ordered[index + 1].header_offset
            if index + 1 < len(ordered)
            else end_of_data
        )
        if info.header_offset < 0 or (
            following is not None and minimum_end > following
        ):
            raise _problem(
                "corrupt_archive",
                _("L'archive contient des entrées qui se chevauchent : « %(name)s ».")
                % {"name": info.orig_filename},
                info.orig_filename,
            )
    if ordered and ordered[0].header_offset != 0:
        raise _problem(
            "not_a_zip",
            _("Des données inconnues précèdent l'archive zip (fichier piégé ?)."),
        )


def is_litter(parts: Sequence[str]) -> bool:
    """macOS and Windows leftovers that are validated, then never extracted."""
    return (
        parts[0].casefold() in _LITTER_FOLDERS or parts[-1].casefold() in _LITTER_FILES
    )


# --- Inspection -------------------------------------------------------------------


def inspect_archive(zf: zipfile.ZipFile, limits: Limits) -> Listing:
    """Validate every entry of ``zf`` and choose the package root; extract nothing.

    Raises ``PackageError`` listing every problem found (up to ``MAX_PROBLEMS``).
    """
    infos = zf.infolist()
    if len(infos) > limits.max_files:
        raise _problem(
            "too_many_files",
            _("L'archive contient %(count)s entrées ; le maximum est %(max)s.")
            % {"count": len(infos), "max": limits.max_files},
        )
    problems: list[Problem] = []
    entries: list[Entry] = []
    for info in infos:
        raw = info.orig_filename
        try:
            parts, is_dir = split_name(raw)
            _check_type(info, raw, is_dir)
            _check_storage(info, raw, is_dir, limits)
        except PackageError as exc:
            problems.extend(exc.problems)
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        entries.append(Entry(info=info, name=raw, parts=parts, is_dir=is_dir))
    if problems:
        raise PackageError(problems[:MAX_PROBLEMS])

    _check_overlaps(zf, infos)
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_bytes:
        raise _problem(
            "too_large",
            _(
                "Le paquet est trop volumineux une fois décompressé "
                "(%(size)s octets ; maximum %(max)s)."
            )
            % {"size": declared, "max": limits.max_bytes},
        )
    compressed = sum(info.compress_size for info in infos)
    if declared >= limits.ratio_min_bytes and declared > limits.max_ratio * max(
        compressed, 1
    ):
        raise _problem(
            "suspicious_ratio",
            _(
                "Taux de compression global suspect (bombe zip ?) : plus de %(ratio)s pour 1."
            )
            % {"ratio": limits.max_ratio},
        )
    _check_collisions(entries)

    kept = [entry for entry in entries if not is_litter(entry.parts)]
    root = _choose_root(kept)
    listing = Listing(root=root, entry_count=len(infos))
    listing.skipped = [entry for entry in entries if is_litter(entry.parts)]
    strip = 1 if root else 0
    for entry in kept:
        parts = entry.parts[strip:]
        if entry.is_dir or not parts:
            continue
        listing.files["/".join(parts)] = Entry(
            info=entry.info, name=entry.name, parts=parts, is_dir=False
        )
    return listing


def _check_collisions(entries: Iterable[Entry]) -> None:
    files: dict[str, str] = {}
    folders: dict[str, str] = {}
    problems: list[Problem] = []
    for entry in entries:
        key = _fold(entry.path)
        prefixes = entry.parts if entry.is_dir else entry.parts[:-1]
        for depth in range(1, len(prefixes) + 1):
            folders.setdefault(_fold("/".join(prefixes[:depth])), entry.name)
        if entry.is_dir:
            continue
        previous = files.get(key)
        if previous is None:
            files[key] = entry.name
        elif previous == entry.name:
            problems.append(
                Problem(
                    "duplicate_entry",
                    _("Le fichier « %(name)s » apparaît deux fois dans l'archive.")
                    % {"name": entry.name},
                    entry.name,
                )
            )
        else:
            problems.append(
                Problem(
                    "duplicate_entry",
                    _(
                        "« %(name)s » et « %(other)s » ne diffèrent que par la casse "
                        "ou la normalisation Unicode."
                    )
                    % {"name": entry.name, "other": previous},
                    entry.name,
                )
            )
    for key, name in files.items():
        if key in folders:
            problems.append(
                Problem(
                    "file_dir_clash",
                    _("« %(name)s » est à la fois un fichier et un dossier.")
                    % {"name": name},
                    name,
                )
            )
    if problems:
        raise PackageError(problems[:MAX_PROBLEMS])


def _choose_root(entries: Sequence[Entry]) -> str:
    tops = {entry.parts[0] for entry in entries}
    if len(tops) != 1:
        return ""
    top = next(iter(tops))
    inside = all(len(entry.parts) > 1 or entry.is_dir for entry in entries)
    return f"{top}/" if inside else ""


# --- Reading and extracting -------------------------------------------------------


_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    OverflowError,
    zlib.error,
)


def read_member(
    zf: zipfile.ZipFile, entry: Entry, max_bytes: int, code: str = "too_large"
) -> bytes:
    """Read one small file (a manifest, a JSON) with a byte cap, before extraction."""
    try:
        with zf.open(entry.info) as handle:
            data = handle.read(max_bytes + 1)
    except _READ_ERRORS as exc:
        raise _problem(
            "corrupt_archive",
            _("Impossible de lire « %(name)s » : archive endommagée.")
            % {"name": entry.name},
            entry.name,
        ) from exc
    if len(data) > max_bytes:
        raise _problem(
            code,
            _("« %(name)s » dépasse la taille maximale autorisée (%(max)s octets).")
            % {"name": entry.name, "max": max_bytes},
            entry.name,
        )
    return data


def extract(
    zf: zipfile.ZipFile,
    entries: Sequence[Entry],
    destination: Path,
    budget: int,
    progress: ProgressCallback | None = None,
) -> int:
    """Stream ``entries`` into the fresh, empty folder ``destination``.

    Counts the bytes actually decompressed and aborts (``too_large``) once
    ``budget`` is exceeded, whatever the headers claimed; CRC or size mismatch →
    ``corrupt_archive``. ``progress(bytes written, bytes declared)`` is called
    as data flows. Returns the bytes written. The caller deletes
    ``destination`` on failure.
    """
    root = os.path.realpath(destination)
    declared = max(sum(entry.size for entry in entries), 1)
    if os.listdir(root):
        raise ValueError("the staging folder must be fresh and empty")
    written = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for entry in entries:
        target = os.path.join(root, *entry.parts)
        parent = os.path.dirname(target)
        if os.path.commonpath([root, os.path.abspath(target)]) != root:
            raise _problem(
                "unsafe_path",
                _("Chemin dangereux dans l'archive : « %(name)s ».")
                % {"name": entry.name},
                entry.name,
            )
        os.makedirs(parent, mode=0o700, exist_ok=True)
        if os.path.realpath(parent) != os.path.normpath(parent):
            raise _problem(
                "unsafe_path",
                _("Chemin dangereux dans l'archive : « %(name)s ».")
                % {"name": entry.name},
                entry.name,
            )
        try:
            descriptor = os.open(target, flags, 0o600)
        except (FileExistsError, IsADirectoryError, NotADirectoryError) as exc:
            raise _problem(
                "duplicate_entry",
                _("« %(name)s » entre en collision avec un autre fichier.")
                % {"name": entry.name},
                entry.name,
            ) from exc
        produced = 0
        try:
            with os.fdopen(descriptor, "wb") as output, zf.open(entry.info) as source:
                while chunk := source.read(CHUNK_SIZE):
                    produced += len(chunk)
                    written += len(chunk)
                    if written > budget:
                        raise _problem(
                            "too_large",
                            _(
                                "Le paquet est trop volumineux une fois décompressé "
                                "(plus de %(max)s octets)."
                            )
                            % {"max": budget},
                            entry.name,
                        )
                    if produced > entry.info.file_size:
                        break
                    output.write(chunk)
                    if progress is not None:
                        progress(written, declared)
        except _READ_ERRORS as exc:
            raise _problem(
                "corrupt_archive",
                _("L'archive est endommagée (« %(name)s » illisible ou CRC invalide).")
                % {"name": entry.name},
                entry.name,
            ) from exc
        if produced != entry.info.file_size:
            raise _problem(
                "corrupt_archive",
                _("La taille réelle de « %(name)s » ne correspond pas à l'archive.")
                % {"name": entry.name},
                entry.name,
            )
        if progress is not None:
            progress(written, declared)
    return written
