"""Parse ``imsmanifest.xml`` safely and describe a SCORM package (reliability A8–A11).

Parsing: ``defusedxml`` with DTDs, entities and external references forbidden
(XXE, billion laughs, quadratic blowup all need a DTD), a byte cap, and element
count and depth caps enforced *while* parsing (``iterparse``), so a 100,000-deep
or million-element document is refused before it is built. Every walk over the
tree is iterative. Nothing the manifest points at is ever fetched.

Standards: SCORM 1.2 and SCORM 2004 (2nd edition ``CAM 1.3``, 3rd and 4th
editions, from ``<schemaversion>``; a 2004 manifest without a recognised
schemaversion is reported as edition ``"2004"``). A manifest with no ADL/SCORM
marker is plain IMS Content Packaging and is refused as an unsupported standard,
as are AICC, cmi5 and Tin Can packages (see ``detection.py``).

``structure`` (stored on ``Package.structure``)::

    {"organizations": [{"identifier", "title", "items": [
         {"identifier", "title", "sco": <launchable item identifier or None>,
          "visible": bool, "children": [...]}]}],
     "default_organization": "<identifier>",
     "scos": [{"identifier", "title", "href", "path", "parameters", "resource",
               "scorm_type", "organization", "mastery_score",
               "scaled_passing_score", "completion_threshold", "data_from_lms",
               "time_limit_action", "max_time_allowed"}],
     "sequencing": {"flow": bool, "choice": bool, "unsupported": [str, ...]}}

A "sco" entry is every launchable item (an item whose resource has an href),
SCO or asset (``scorm_type``); its ``identifier`` is the *item* identifier,
unique in the manifest, which the runtime uses as the SCO key. ``href`` is the
URL of the launch file relative to the package root, percent-encoded, with the
item's parameters applied by the ADL algorithm; ``path`` is the file's path in
the package. ``mastery_score`` is SCORM 1.2's ``adlcp:masteryscore`` (0–100);
``scaled_passing_score`` is SCORM 2004's primary-objective
``minNormalizedMeasure`` when ``satisfiedByMeasure`` is true (−1–1).
``completion_threshold`` is 2004's ``adlcp:completionThreshold`` (2nd/3rd
edition text, or 4th edition ``minProgressMeasure`` when ``completedByMeasure``).
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from .errors import PackageError, Problem

MANIFEST_MAX_BYTES = 5 * 1024 * 1024
MANIFEST_MAX_ELEMENTS = 50_000
MANIFEST_MAX_DEPTH = 64
TITLE_MAX_CHARS = 500

CP_NAMESPACES = {
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2",  # SCORM 1.2
    "http://www.imsglobal.org/xsd/imscp_v1p1",  # SCORM 2004 (and IMS CP 1.1.4)
}
ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_2004_NAMESPACES = {ADLCP_2004, IMSSS, ADLSEQ, ADLNAV}
_ADLCP = {ADLCP_12, ADLCP_2004}

STANDARD_SCORM_12 = "scorm12"
STANDARD_SCORM_2004 = "scorm2004"

#: Edition codes stored on ``Package.edition``.
EDITION_12 = "1.2"
EDITION_2004_2 = "2004 2nd"
EDITION_2004_3 = "2004 3rd"
EDITION_2004_4 = "2004 4th"
EDITION_2004 = "2004"

_EDITION_BY_NUMBER = {"2": EDITION_2004_2, "3": EDITION_2004_3, "4": EDITION_2004_4}
_FORBIDDEN_URL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_PATH_SAFE = "/!$&'()*+,;=@-._~"
_QUERY_SAFE = "=&;/:?@!$'()*+,-._~%"


@dataclass(slots=True)
class ParsedManifest:
    """What the importer needs from a SCORM manifest."""

    standard: str
    edition: str
    title: str
    structure: dict[str, Any]
    #: Launch URL of the first launchable item of the default organization.
    launch_href: str
    #: Package paths of every launch file, for the existence check.
    launch_paths: list[tuple[str, str]] = field(default_factory=list)


def describe_standard(standard: str, edition: str) -> str:
    """A French label such as « SCORM 2004 3e édition » or « H5P »."""
    labels = {
        EDITION_12: _("SCORM 1.2"),
        EDITION_2004_2: _("SCORM 2004 2e édition"),
        EDITION_2004_3: _("SCORM 2004 3e édition"),
        EDITION_2004_4: _("SCORM 2004 4e édition"),
        EDITION_2004: _("SCORM 2004"),
    }
    if standard == "h5p":
        return _("H5P")
    return labels.get(edition, standard)


def _invalid(message: str, entry: str = "imsmanifest.xml") -> PackageError:
    return PackageError.one(
        "manifest_invalid",
        _("imsmanifest.xml est invalide : %(reason)s") % {"reason": message},
        entry,
    )


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: object) -> str:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _clip(text: str) -> str:
    return text[:TITLE_MAX_CHARS]


# --- Safe parsing -----------------------------------------------------------------


def parse_xml(data: bytes) -> tuple[Element, set[str]]:
    """Parse with defusedxml under byte, element and depth caps.

    Returns the root element and the set of declared namespace URIs.
    Raises ``PackageError`` only.
    """
    if len(data) > MANIFEST_MAX_BYTES:
        raise PackageError.one(
            "manifest_too_large",
            _("imsmanifest.xml dépasse la taille maximale (%(max)s octets).")
            % {"max": MANIFEST_MAX_BYTES},
            "imsmanifest.xml",
        )
    namespaces: set[str] = set()
    root: Element | None = None
    depth = 0
    count = 0
    try:
        events = SafeET.iterparse(
            io.BytesIO(data),
            events=("start", "end", "start-ns"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
        for event, payload in events:
            if event == "start-ns":
                namespaces.add(str(payload[1]))
                continue
            if event == "end":
                depth -= 1
                continue
            depth += 1
            count += 1
            if root is None:
                root = payload
            if depth > MANIFEST_MAX_DEPTH or count > MANIFEST_MAX_ELEMENTS:
                raise PackageError.one(
                    "manifest_too_complex",
                    _(
                        "imsmanifest.xml est trop complexe (plus de %(count)s "
                        "éléments ou plus de %(depth)s niveaux d'imbrication)."
                    )
                    % {"count": MANIFEST_MAX_ELEMENTS, "depth": MANIFEST_MAX_DEPTH},
                    "imsmanifest.xml",
                )
    except DefusedXmlException as exc:
        raise PackageError.one(
            "manifest_forbidden_xml",
            _(
                "imsmanifest.xml contient une déclaration DTD, une entité ou une "
                "référence externe, refusées pour des raisons de sécurité."
            ),
            "imsmanifest.xml",
        ) from exc
    except (ParseError, ValueError, UnicodeError, LookupError, RecursionError) as exc:
        raise _invalid(_("XML mal formé (%(detail)s).") % {"detail": exc}) from exc
    if root is None:
        raise _invalid(_("document vide."))
    return root, namespaces


# --- Helpers on the CP tree -------------------------------------------------------


def _children(element: Element, name: str) -> Iterator[Element]:
    for child in element:
        if _local(child.tag) == name and (
            _namespace(child.tag) in CP_NAMESPACES or _namespace(child.tag) == ""
        ):
            yield child


def _child(element: Element, name: str) -> Element | None:
    return next(_children(element, name), None)


def _adlcp_child(element: Element, *names: str) -> Element | None:
    for child in element:
        if _namespace(child.tag) in _ADLCP and _local(child.tag) in names:
            return child
    return None


def _adlcp_attribute(element: Element, *names: str) -> str | None:
    for key, value in element.attrib.items():
        if _namespace(key) in _ADLCP and _local(key) in names:
            return value.strip()
    return None


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1")


def _iter_tree(root: Element) -> Iterator[Element]:
    stack = [root]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(reversed(list(element)))


# --- Standard detection -----------------------------------------------------------


def detect_standard(root: Element, namespaces: set[str]) -> tuple[str, str]:
    """``(standard, edition)``; raises ``unsupported_standard`` for plain IMS CP."""
    metadata = _child(root, "metadata")
    schema = _text(_child(metadata, "schema")) if metadata is not None else ""
    version = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    lowered = version.lower()
    if lowered == "1.2":
        return STANDARD_SCORM_12, EDITION_12
    if lowered == "cam 1.3":
        return STANDARD_SCORM_2004, EDITION_2004_2
    match = re.search(r"2004\s*(\d)\s*(?:st|nd|rd|th)", lowered)
    if match:
        edition = _EDITION_BY_NUMBER.get(match.group(1), EDITION_2004)
        return STANDARD_SCORM_2004, edition
    if lowered in ("1.3", "2004") or namespaces & _2004_NAMESPACES:
        return STANDARD_SCORM_2004, EDITION_2004
    if ADLCP_12 in namespaces or "scorm" in schema.lower():
        return STANDARD_SCORM_12, EDITION_12
    raise PackageError.one(
        "unsupported_standard",
        _(
            "Norme non prise en charge : ce paquet IMS Content Packaging ne déclare "
            "ni SCORM 1.2 ni SCORM 2004."
        ),
        "imsmanifest.xml",
    )


# --- Launch URLs ------------------------------------------------------------------


def _unsafe_launch(href: str) -> PackageError:
    return PackageError.one(
        "unsafe_launch",
        _(
            "Adresse de lancement refusée « %(href)s » : elle doit désigner un "
            "fichier à l'intérieur du paquet."
        )
        % {"href": href[:300]},
        href[:300],
    )


def _check_piece(piece: str, original: str) -> tuple[str, str, str]:
    """Split a relative URL piece into (decoded path, query, fragment) or refuse."""
    if any(unicodedata.category(c) in _FORBIDDEN_URL_CATEGORIES for c in piece):
        raise _unsafe_launch(original)
    if "\\" in piece:
        raise _unsafe_launch(original)
    parts = urlsplit(piece)
    if parts.scheme or parts.netloc or piece.startswith("//"):
        raise _unsafe_launch(original)
    path = parts.path
    if path.startswith("/"):
        raise _unsafe_launch(original)
    decoded = path
    for _round in range(3):
        decoded = unquote(decoded)
    segments = decoded.split("/")
    if any(s == ".." for s in segments) or "\\" in decoded or "\x00" in decoded:
        raise _unsafe_launch(original)
    if any(unicodedata.normalize("NFKC", s) in ("..",) for s in segments):
        raise _unsafe_launch(original)
    return path, parts.query, parts.fragment


def _join(base: str, relative: str) -> str:
    if not base:
        return relative
    if not relative:
        return base
    directory = base if base.endswith("/") else posixpath.dirname(base) + "/"
    return (directory + relative).lstrip("/")


def resolve_launch(bases: list[str], href: str, parameters: str) -> tuple[str, str]:
    """Resolve ``href`` against the ``xml:base`` chain and apply item parameters.

    Returns ``(url, path)``: the percent-encoded URL relative to the package root
    (with query and fragment) and the package path of the file (decoded). Raises
    ``unsafe_launch`` for anything that could leave the package.
    """
    original = href.strip()
    path = ""
    for base in bases:
        base = base.strip()
        if base:
            base_path, _query, _fragment = _check_piece(base, original)
            path = _join(path, base_path)
    href_path, query, fragment = _check_piece(original, original)
    if not href_path:
        raise _unsafe_launch(original)
    path = _join(path, href_path)
    segments = [s for s in path.split("/") if s not in ("", ".")]
    if not segments or path.endswith("/"):
        raise _unsafe_launch(original)
    raw_path = "/".join(segments)
    # Apply the item's parameters (ADL CAM, "parameters" algorithm).
    parameters = parameters.strip()
    if parameters:
        if any(
            unicodedata.category(c) in _FORBIDDEN_URL_CATEGORIES for c in parameters
        ):
            raise _unsafe_launch(parameters)
        if parameters.startswith("#"):
            if not fragment:
                fragment = parameters[1:]
        else:
            parameters = parameters.lstrip("?&")
            if parameters:
                query = f"{query}&{parameters}" if query else parameters
    url = quote(unquote(raw_path), safe=_PATH_SAFE)
    if query:
        url += "?" + quote(query, safe=_QUERY_SAFE)
    if fragment:
        url += "#" + quote(fragment, safe=_QUERY_SAFE)
    return url, raw_path


def check_launch_files(parsed: ParsedManifest, files: Collection[str]) -> None:
    """Every launch file must be a file of the package (``launch_missing``)."""
    folded = {unicodedata.normalize("NFC", f).casefold(): f for f in files}
    problems: list[Problem] = []
    seen: set[str] = set()
    resolved: dict[str, str] = {}
    for raw_path, href in parsed.launch_paths:
        if raw_path in seen:
            continue
        seen.add(raw_path)
        candidates = [unquote(raw_path), raw_path]
        found = next((c for c in candidates if c in files), None)
        if found is not None:
            resolved[raw_path] = found
            continue
        near = next(
            (
                folded[key]
                for key in (
                    unicodedata.normalize("NFC", c).casefold() for c in candidates
                )
                if key in folded
            ),
            None,
        )
        if near is not None:
            message = _(
                "Le fichier de lancement « %(href)s » est introuvable dans le paquet "
                "(un fichier « %(near)s » existe, mais la casse diffère)."
            ) % {"href": href, "near": near}
        else:
            message = _(
                "Le fichier de lancement « %(href)s » est introuvable dans le paquet."
            ) % {"href": href}
        problems.append(Problem("launch_missing", message, href))
    if problems:
        raise PackageError(problems)
    default = parsed.structure["default_organization"]
    launch = ""
    for sco in parsed.structure["scos"]:
        found = resolved.get(sco["path"], sco["path"])
        if found != unquote(sco["path"]):
            # The file's name itself contains "%xx": encode it as a URL again.
            rest = sco["href"][len(re.match(r"[^?#]*", sco["href"])[0]) :]
            sco["href"] = quote(found, safe=_PATH_SAFE) + rest
        sco["path"] = found
        if not launch and sco["organization"] == default:
            launch = sco["href"]
    parsed.launch_href = launch or parsed.launch_href


# --- Manifest walk ----------------------------------------------------------------


def _resources(root: Element) -> tuple[dict[str, Element], list[str]]:
    resources_element = _child(root, "resources")
    by_id: dict[str, Element] = {}
    bases = [root.get(f"{{{XML_NS}}}base", "")]
    if resources_element is None:
        return by_id, bases
    bases.append(resources_element.get(f"{{{XML_NS}}}base", ""))
    for resource in _children(resources_element, "resource"):
        identifier = (resource.get("identifier") or "").strip()
        if identifier and identifier not in by_id:
            by_id[identifier] = resource
    return by_id, bases


def _sequencing_hints(
    organization: Element, root: Element, standard: str
) -> dict[str, Any]:
    unsupported: set[str] = set()
    if standard == STANDARD_SCORM_12:
        for element in _iter_tree(organization):
            if (
                _namespace(element.tag) == ADLCP_12
                and _local(element.tag) == "prerequisites"
            ):
                unsupported.add("adlcp:prerequisites")
        return {"flow": True, "choice": True, "unsupported": sorted(unsupported)}
    choice, flow = True, False
    for child in organization:
        if _namespace(child.tag) == IMSSS and _local(child.tag) == "sequencing":
            if child.get("IDRef"):
                unsupported.add("imsss:sequencingCollection")
            for control in child:
                if _local(control.tag) == "controlMode":
                    choice = _bool(control.get("choice"), True)
                    flow = _bool(control.get("flow"), False)
    structural = {
        "sequencingRules",
        "rollupRules",
        "limitConditions",
        "randomizationControls",
        "auxiliaryResources",
        "constrainedChoiceConsiderations",
        "rollupConsiderations",
        "mapInfo",
        "sequencingCollection",
        "presentation",
    }
    prefixes = {IMSSS: "imsss", ADLSEQ: "adlseq", ADLNAV: "adlnav", ADLCP_2004: "adlcp"}
    for element in _iter_tree(root):
        namespace = _namespace(element.tag)
        name = _local(element.tag)
        if namespace not in prefixes:
            continue
        label = f"{prefixes[namespace]}:{name}"
        if name in structural:
            unsupported.add(label)
        elif name == "controlMode":
            if _bool(element.get("forwardOnly"), False):
                unsupported.add("imsss:controlMode@forwardOnly")
            if not _bool(element.get("choiceExit"), True):
                unsupported.add("imsss:controlMode@choiceExit")
        elif name == "deliveryControls" and not _bool(element.get("tracked"), True):
            unsupported.add("imsss:deliveryControls@tracked")
        elif name == "objective" and element.find(f"{{{IMSSS}}}mapInfo") is not None:
            unsupported.add("imsss:mapInfo")
        elif namespace == ADLCP_2004 and name in ("data", "map"):
            unsupported.add(f"adlcp:{name}")
    return {"flow": flow, "choice": choice, "unsupported": sorted(unsupported)}


def _item_runtime_data(item: Element, standard: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "mastery_score": None,
        "scaled_passing_score": None,
        "completion_threshold": None,
        "data_from_lms": "",
        "time_limit_action": "",
        "max_time_allowed": "",
    }
    data_element = _adlcp_child(item, "datafromlms", "dataFromLMS")
    data["data_from_lms"] = (
        "".join(data_element.itertext()).strip() if data_element is not None else ""
    )
    data["time_limit_action"] = _text(
        _adlcp_child(item, "timelimitaction", "timeLimitAction")
    )
    if standard == STANDARD_SCORM_12:
        data["mastery_score"] = _float(
            _text(_adlcp_child(item, "masteryscore")) or None
        )
        data["max_time_allowed"] = _text(_adlcp_child(item, "maxtimeallowed"))
        return data
    threshold = _adlcp_child(item, "completionThreshold")
    if threshold is not None:
        if threshold.get("completedByMeasure") is not None or threshold.get(
            "minProgressMeasure"
        ):
            if _bool(threshold.get("completedByMeasure"), False):
                data["completion_threshold"] = _float(
                    threshold.get("minProgressMeasure") or "1.0"
                )
        else:
            data["completion_threshold"] = _float(_text(threshold) or None)
    for sequencing in item:
        if not (
            _namespace(sequencing.tag) == IMSSS
            and _local(sequencing.tag) == "sequencing"
        ):
            continue
        for part in sequencing:
            if _local(part.tag) == "limitConditions":
                data["max_time_allowed"] = (
                    part.get("attemptAbsoluteDurationLimit") or ""
                ).strip()
            if _local(part.tag) != "objectives":
                continue
            for objective in part:
                if _local(objective.tag) != "primaryObjective":
                    continue
                if not _bool(objective.get("satisfiedByMeasure"), False):
                    continue
                measure = next(
                    (c for c in objective if _local(c.tag) == "minNormalizedMeasure"),
                    None,
                )
                data["scaled_passing_score"] = (
                    _float(_text(measure) or "1.0") if measure is not None else 1.0
                )
    return data


def parse_manifest(data: bytes) -> ParsedManifest:
    """Parse ``imsmanifest.xml`` bytes into a :class:`ParsedManifest`.

    Total: returns or raises ``PackageError``, whatever the bytes. Does not check
    that launch files exist (see :func:`check_launch_files`).
    """
    root, namespaces = parse_xml(data)
    if _local(root.tag) != "manifest" or _namespace(root.tag) not in CP_NAMESPACES:
        raise _invalid(
            _(
                "l'élément racine doit être <manifest> dans l'espace de noms IMS "
                "Content Packaging (trouvé : %(tag)s)."
            )
            % {"tag": str(root.tag)[:200]}
        )
    standard, edition = detect_standard(root, namespaces)
    resources, bases = _resources(root)
    organizations_element = _child(root, "organizations")
    organizations = (
        list(_children(organizations_element, "organization"))
        if organizations_element is not None
        else []
    )
    if not organizations:
        raise PackageError.one(
            "no_organization",
            _(
                "imsmanifest.xml ne décrit aucune organisation : il n'y a rien à "
                "lancer."
            ),
            "imsmanifest.xml",
        )
    default_id = (
        (organizations_element.get("default") or "").strip()
        if organizations_element is not None
        else ""
    )
    default = organizations[0]
    if default_id:
        default = next(
            (
                o
                for o in organizations
                if (o.get("identifier") or "").strip() == default_id
            ),
            None,
        )
        if default is None:
            raise PackageError.one(
                "default_organization_missing",
                _(
                    "L'organisation par défaut « %(id)s » annoncée par "
                    "imsmanifest.xml n'existe pas."
                )
                % {"id": default_id[:200]},
                "imsmanifest.xml",
            )
    ordered = [default] + [o for o in organizations if o is not default]

    problems: list[Problem] = []
    structure_orgs: list[dict[str, Any]] = []
    scos: list[dict[str, Any]] = []
    seen_items: set[str] = set()
    launch_paths: list[tuple[str, str]] = []
    for organization in ordered:
        org_id = (organization.get("identifier") or "").strip()
        org_entry: dict[str, Any] = {
            "identifier": org_id,
            "title": _clip(_text(_child(organization, "title")) or org_id),
            "items": [],
        }
        structure_orgs.append(org_entry)
        stack: list[tuple[Element, list[dict[str, Any]]]] = [
            (item, org_entry["items"])
            for item in reversed(list(_children(organization, "item")))
        ]
        while stack:
            item, siblings = stack.pop()
            identifier = (item.get("identifier") or "").strip()
            title = _clip(_text(_child(item, "title")) or identifier)
            node: dict[str, Any] = {
                "identifier": identifier,
                "title": title,
                "sco": None,
                "visible": _bool(item.get("isvisible"), True),
                "children": [],
            }
            siblings.append(node)
            stack.extend(
                (child, node["children"])
                for child in reversed(list(_children(item, "item")))
            )
            reference = (item.get("identifierref") or "").strip()
            if not reference:
                continue
            resource = resources.get(reference)
            if resource is None:
                problems.append(
                    Problem(
                        "resource_missing",
                        _(
                            "L'élément « %(item)s » renvoie à la ressource « %(ref)s », "
                            "absente de imsmanifest.xml."
                        )
                        % {"item": identifier[:200], "ref": reference[:200]},
                        reference[:200],
                    )
                )
                continue
            href = resource.get("href")
            if not href or not href.strip():
                problems.append(
                    Problem(
                        "resource_without_href",
                        _(
                            "La ressource « %(ref)s » utilisée par « %(item)s » n'a pas "
                            "de fichier de lancement (href)."
                        )
                        % {"item": identifier[:200], "ref": reference[:200]},
                        reference[:200],
                    )
                )
                continue
            try:
                url, path = resolve_launch(
                    [*bases, resource.get(f"{{{XML_NS}}}base", "")],
                    href,
                    item.get("parameters") or "",
                )
            except PackageError as exc:
                problems.extend(exc.problems)
                continue
            if not identifier or identifier in seen_items:
                problems.append(
                    Problem(
                        "manifest_invalid",
                        _("Identifiant d'élément absent ou en double : « %(id)s ».")
                        % {"id": identifier[:200]},
                        identifier[:200],
                    )
                )
                continue
            seen_items.add(identifier)
            node["sco"] = identifier
            scorm_type = (
                _adlcp_attribute(resource, "scormtype", "scormType") or "asset"
            ).lower()
            scos.append(
                {
                    "identifier": identifier,
                    "title": title,
                    "href": url,
                    "path": path,
                    "parameters": (item.get("parameters") or "").strip(),
                    "resource": reference,
                    "scorm_type": "sco" if scorm_type == "sco" else "asset",
                    "organization": org_id,
                    **_item_runtime_data(item, standard),
                }
            )
            launch_paths.append((path, href.strip()[:300]))
            if len(problems) >= 25:
                break
    if problems:
        raise PackageError(problems[:25])
    default_scos = [
        s for s in scos if s["organization"] == structure_orgs[0]["identifier"]
    ]
    if not default_scos:
        raise PackageError.one(
            "no_organization",
            _(
                "L'organisation par défaut ne contient aucun élément à lancer "
                "(aucune ressource avec un fichier de lancement)."
            ),
            "imsmanifest.xml",
        )
    structure = {
        "organizations": structure_orgs,
        "default_organization": structure_orgs[0]["identifier"],
        "scos": scos,
        "sequencing": _sequencing_hints(default, root, standard),
    }
    title = structure_orgs[0]["title"] or (root.get("identifier") or "").strip()
    return ParsedManifest(
        standard=standard,
        edition=edition,
        title=_clip(title),
        structure=structure,
        launch_href=default_scos[0]["href"],
        launch_paths=launch_paths,
    )
