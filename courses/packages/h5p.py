"""Validate an H5P package (``.h5p``) before extraction (reliability A13).

Rules, following the H5P core's validator (``h5p-php-library``,
``H5PValidator::isValidPackage``):

* any file or folder whose name starts with ``.`` or ``_`` is skipped (never
  extracted), as H5P core does;
* ``h5p.json`` at the root: a JSON object with ``title`` (1–255 characters),
  ``language`` (1–10 letters or ``-``), ``mainLibrary`` and a non-empty
  ``preloadedDependencies`` list of ``{machineName, majorVersion,
  minorVersion}``; ``embedTypes`` when present only ``iframe``/``div``;
  ``mainLibrary`` must be one of the preloaded dependencies;
* ``content/content.json`` present and a JSON object;
* file extensions against H5P core's default whitelists: content (and root)
  files against :data:`CONTENT_EXTENSIONS`, library files against those plus
  ``js`` and ``css`` — anything else (``.php``, ``.html``, ``.exe``…) refuses
  the package;
* every other top-level folder is a library named ``Machine-Major.Minor`` (the
  form ``h5p-standalone`` loads) holding a valid ``library.json`` whose
  machine name and version match the folder, and whose ``preloadedJs`` /
  ``preloadedCss`` files exist;
* every preloaded or dynamic dependency (of ``h5p.json`` and of each library)
  is present; editor dependencies are not needed to play and are not required;
* preloaded dependencies must not form a cycle.

Libraries are never installed into a shared library store: each package plays
only the library files it carries, from its own immutable folder on the
sandboxed content origin. So a "fork with an official machine name and a
higher version" can only affect the package that ships it, and the library
install permission question of H5P platforms does not arise; uploading any
package is itself a staff permission. SVG and other active content is confined
by the content origin's ``Content-Security-Policy: sandbox``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .errors import PackageError, Problem
from .zipsafe import Listing

#: H5P core ``H5PCore::$defaultContentWhitelist`` (h5p-php-library, 2021+).
CONTENT_EXTENSIONS = frozenset(
    "json png jpg jpeg gif bmp tif tiff svg eot ttf woff woff2 otf webm mp4 ogg "
    "mp3 m4a wav txt pdf rtf doc docx xls xlsx ppt pptx odt ods odp xml csv diff "
    "patch swf md textile vtt webvtt gltf glb".split()
)
#: H5P core ``H5PCore::$defaultLibraryWhitelistExtras``.
LIBRARY_EXTRA_EXTENSIONS = frozenset({"js", "css"})
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | LIBRARY_EXTRA_EXTENSIONS

H5P_JSON_MAX_BYTES = 1024 * 1024
LIBRARY_JSON_MAX_BYTES = 1024 * 1024
CONTENT_JSON_MAX_BYTES = 16 * 1024 * 1024
MAX_PROBLEMS = 25

_MACHINE_NAME = re.compile(r"^[\w\-.]{1,255}$")
_MAIN_LIBRARY = re.compile(r"^[$a-z_][0-9a-z_.$]{1,254}$", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[-a-zA-Z]{1,10}$")
_VERSION = re.compile(r"^[0-9]{1,5}$")
_FOLDER = re.compile(
    r"^(?P<machine>[\w\-.]{1,240})-(?P<major>[0-9]{1,5})\.(?P<minor>[0-9]{1,5})$"
)

Reader = Callable[[str, int, str], bytes]


@dataclass(slots=True)
class H5PPackage:
    """What the importer needs from a valid H5P package."""

    title: str
    main_library: str
    structure: dict[str, Any]
    #: Package paths to extract (skipped ``.``/``_`` names excluded).
    files: list[str] = field(default_factory=list)


def _problem(code: str, message: str, entry: str = "") -> Problem:
    return Problem(code=code, message=message, entry=entry)


def _load_json(data: bytes, name: str, code: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise PackageError.one(
            code, _("« %(name)s » n'est pas un JSON valide.") % {"name": name}, name
        ) from exc


def _version(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str) and _VERSION.match(str(value)):
        return int(value)
    return None


def _dependencies(value: Any, where: str, key: str) -> list[tuple[str, int, int]]:
    """Validate a dependency list; returns ``(machineName, major, minor)`` tuples."""
    if value is None:
        return []
    error = PackageError.one(
        "h5p_json_invalid" if where == "h5p.json" else "h5p_library_invalid",
        _("« %(key)s » est invalide dans « %(where)s ».")
        % {"key": key, "where": where},
        where,
    )
    if not isinstance(value, list):
        raise error
    result = []
    for dependency in value:
        if not isinstance(dependency, dict):
            raise error
        machine = dependency.get("machineName")
        major = _version(dependency.get("majorVersion"))
        minor = _version(dependency.get("minorVersion"))
        if not (isinstance(machine, str) and _MACHINE_NAME.match(machine)):
            raise error
        if major is None or minor is None:
            raise error
        result.append((machine, major, minor))
    return result


def parse_h5p_json(data: bytes) -> dict[str, Any]:
    """Validate ``h5p.json`` bytes; return the subset we keep. Total: raises only
    ``PackageError``."""
    if len(data) > H5P_JSON_MAX_BYTES:
        raise PackageError.one(
            "h5p_json_invalid", _("h5p.json est trop volumineux."), "h5p.json"
        )
    document = _load_json(data, "h5p.json", "h5p_json_invalid")

    def invalid(key: str) -> PackageError:
        return PackageError.one(
            "h5p_json_invalid",
            _("h5p.json est invalide : « %(key)s » manquant ou incorrect.")
            % {"key": key},
            "h5p.json",
        )

    if not isinstance(document, dict):
        raise invalid("{}")
    title = document.get("title")
    if not (isinstance(title, str) and 1 <= len(title) <= 255 and "\n" not in title):
        raise invalid("title")
    language = document.get("language")
    if not (isinstance(language, str) and _LANGUAGE.match(language)):
        raise invalid("language")
    main = document.get("mainLibrary")
    if not (isinstance(main, str) and _MAIN_LIBRARY.match(main)):
        raise invalid("mainLibrary")
    preloaded = _dependencies(
        document.get("preloadedDependencies"), "h5p.json", "preloadedDependencies"
    )
    if not preloaded:
        raise invalid("preloadedDependencies")
    embed = document.get("embedTypes", ["iframe"])
    if not (
        isinstance(embed, list)
        and embed
        and all(kind in ("iframe", "div") for kind in embed)
    ):
        raise invalid("embedTypes")
    if main not in {machine for machine, _major, _minor in preloaded}:
        raise invalid("mainLibrary")
    kept: dict[str, Any] = {
        "title": title,
        "language": language,
        "mainLibrary": main,
        "embedTypes": list(embed),
        "preloadedDependencies": [
            {"machineName": m, "majorVersion": a, "minorVersion": b}
            for m, a, b in preloaded
        ],
    }
    for key in ("license", "licenseVersion", "defaultLanguage", "contentType"):
        value = document.get(key)
        if isinstance(value, str) and len(value) <= 255:
            kept[key] = value
    return kept


def is_skipped(path: str) -> bool:
    """H5P core skips any file or folder whose name starts with ``.`` or ``_``."""
    return any(part.startswith((".", "_")) for part in path.split("/"))


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _check_whitelist(paths: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for path in paths:
        in_library = "/" in path and not path.startswith("content/")
        allowed = LIBRARY_EXTENSIONS if in_library else CONTENT_EXTENSIONS
        if _extension(path) not in allowed:
            problems.append(
                _problem(
                    "h5p_file_not_allowed",
                    _(
                        "Le fichier « %(name)s » n'est pas autorisé dans un paquet H5P "
                        "(extensions permises : %(allowed)s)."
                    )
                    % {"name": path, "allowed": " ".join(sorted(allowed))},
                    path,
                )
            )
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems


def _library_problem(folder: str, reason: str) -> Problem:
    return _problem(
        "h5p_library_invalid",
        _("Bibliothèque H5P « %(folder)s » invalide : %(reason)s")
        % {"folder": folder, "reason": reason},
        folder,
    )


def _read_library(
    folder: str, files: set[str], read: Reader
) -> tuple[dict[str, Any], list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Validate one library folder; return its summary and its dependencies."""
    match = _FOLDER.match(folder)
    if not match:
        raise PackageError(
            [
                _library_problem(
                    folder,
                    _("le dossier doit s'appeler « NomMachine-Majeure.Mineure »."),
                )
            ]
        )
    path = f"{folder}/library.json"
    if path not in files:
        raise PackageError([_library_problem(folder, _("library.json est absent."))])
    document = _load_json(
        read(path, LIBRARY_JSON_MAX_BYTES, "h5p_library_invalid"),
        path,
        "h5p_library_invalid",
    )
    if not isinstance(document, dict):
        raise PackageError([_library_problem(folder, _("library.json est invalide."))])
    title = document.get("title")
    machine = document.get("machineName")
    major = _version(document.get("majorVersion"))
    minor = _version(document.get("minorVersion"))
    patch = _version(document.get("patchVersion"))
    runnable = document.get("runnable")
    if not (
        isinstance(title, str)
        and 1 <= len(title) <= 255
        and isinstance(machine, str)
        and _MACHINE_NAME.match(machine)
        and major is not None
        and minor is not None
        and patch is not None
        and runnable in (0, 1, True, False)
    ):
        raise PackageError(
            [
                _library_problem(
                    folder,
                    _(
                        "library.json doit contenir title, machineName, majorVersion, "
                        "minorVersion, patchVersion et runnable valides."
                    ),
                )
            ]
        )
    if (machine, str(major), str(minor)) != (
        match["machine"],
        str(int(match["major"])),
        str(int(match["minor"])),
    ):
        raise PackageError(
            [
                _library_problem(
                    folder,
                    _("le nom du dossier ne correspond pas à library.json (%(name)s).")
                    % {"name": f"{machine}-{major}.{minor}"},
                )
            ]
        )
    for key, extension in (("preloadedJs", ".js"), ("preloadedCss", ".css")):
        entries = document.get(key, [])
        if not isinstance(entries, list):
            raise PackageError(
                [_library_problem(folder, _("%(key)s invalide.") % {"key": key})]
            )
        for asset in entries:
            asset_path = asset.get("path") if isinstance(asset, dict) else None
            if not (
                isinstance(asset_path, str)
                and asset_path.lower().endswith(extension)
                and f"{folder}/{asset_path}" in files
            ):
                raise PackageError(
                    [
                        _library_problem(
                            folder,
                            _(
                                "le fichier « %(path)s » déclaré dans %(key)s est absent."
                            )
                            % {"path": str(asset_path)[:200], "key": key},
                        )
                    ]
                )
    preloaded = _dependencies(
        document.get("preloadedDependencies"), path, "preloadedDependencies"
    )
    dynamic = _dependencies(
        document.get("dynamicDependencies"), path, "dynamicDependencies"
    )
    _dependencies(document.get("editorDependencies"), path, "editorDependencies")
    summary = {
        "folder": folder,
        "machine_name": machine,
        "major_version": major,
        "minor_version": minor,
        "patch_version": patch,
        "title": title,
        "runnable": bool(runnable),
    }
    return summary, preloaded, dynamic


def _key(machine: str, major: int, minor: int) -> str:
    return f"{machine}-{major}.{minor}"


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """An iterative depth-first search; returns one cycle, or ``None``."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            children = graph.get(node, [])
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    return path[path.index(child) :] + [child]
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    return None


def validate_h5p(listing: Listing, read: Reader) -> H5PPackage:
    """Validate the H5P package described by ``listing``; extract nothing.

    ``read(path, max_bytes, code)`` returns a file's bytes with a cap. Raises
    ``PackageError`` listing the problems.
    """
    kept = [path for path in listing.files if not is_skipped(path)]
    files = set(kept)
    problems = _check_whitelist(kept)
    if problems:
        raise PackageError(problems)
    if "h5p.json" not in files:
        raise PackageError.one(
            "manifest_missing", _("h5p.json est absent de la racine du paquet.")
        )
    h5p = parse_h5p_json(read("h5p.json", H5P_JSON_MAX_BYTES, "h5p_json_invalid"))
    if "content/content.json" not in files:
        raise PackageError.one(
            "h5p_content_missing",
            _("Le contenu H5P est absent (content/content.json introuvable)."),
            "content/content.json",
        )
    content = _load_json(
        read("content/content.json", CONTENT_JSON_MAX_BYTES, "h5p_content_invalid"),
        "content/content.json",
        "h5p_content_invalid",
    )
    if not isinstance(content, dict):
        raise PackageError.one(
            "h5p_content_invalid",
            _("content/content.json doit contenir un objet JSON."),
            "content/content.json",
        )

    folders = sorted(
        {path.split("/", 1)[0] for path in kept if "/" in path} - {"content"}
    )
    libraries: dict[str, dict[str, Any]] = {}
    graph: dict[str, list[str]] = {}
    required: list[tuple[str, str]] = []  # (needed key, needed by)
    for folder in folders:
        try:
            summary, preloaded, dynamic = _read_library(folder, files, read)
        except PackageError as exc:
            problems.extend(exc.problems)
            continue
        libraries[folder] = summary
        graph[folder] = [_key(*dependency) for dependency in preloaded]
        required.extend((_key(*d), folder) for d in [*preloaded, *dynamic])
    if problems:
        raise PackageError(problems[:MAX_PROBLEMS])

    main_key = ""
    for machine, major, minor in (
        (d["machineName"], d["majorVersion"], d["minorVersion"])
        for d in h5p["preloadedDependencies"]
    ):
        required.append((_key(machine, major, minor), "h5p.json"))
        if machine == h5p["mainLibrary"] and not main_key:
            main_key = _key(machine, major, minor)
    missing: dict[str, str] = {}
    for needed, by in required:
        if needed not in libraries and needed not in missing:
            missing[needed] = by
    if missing:
        raise PackageError(
            [
                _problem(
                    "h5p_library_missing",
                    _(
                        "La bibliothèque H5P « %(library)s », requise par « %(by)s », "
                        "est absente du paquet."
                    )
                    % {"library": needed, "by": by},
                    needed,
                )
                for needed, by in list(missing.items())[:MAX_PROBLEMS]
            ]
        )
    cycle = _find_cycle(graph)
    if cycle:
        raise PackageError.one(
            "h5p_dependency_cycle",
            _("Dépendances H5P circulaires : %(cycle)s.")
            % {"cycle": " → ".join(cycle)},
            cycle[0],
        )
    structure = {
        "h5p": h5p,
        "libraries": [libraries[folder] for folder in sorted(libraries)],
        "main_library": main_key,
    }
    return H5PPackage(
        title=h5p["title"], main_library=main_key, structure=structure, files=kept
    )
