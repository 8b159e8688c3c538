"""The table of contents and launch list of a SCORM package, read from its structure.

``Package.structure`` is written by the importer (``courses.packages``). Every
string in it comes from the package and is rendered escaped by the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from courses.models import Package

MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class ScoLaunch:
    """One launchable item: where it starts and the manifest values the runtime needs."""

    identifier: str
    title: str
    href: str
    mastery_score: str = ""
    scaled_passing_score: str = ""
    completion_threshold: str = ""
    data_from_lms: str = ""
    time_limit_action: str = ""
    max_time_allowed: str = ""
    is_asset: bool = False

    def as_config(self) -> dict[str, Any]:
        return {
            "id": self.identifier,
            "title": self.title,
            "href": self.href,
            "masteryScore": self.mastery_score,
            "scaledPassingScore": self.scaled_passing_score,
            "completionThreshold": self.completion_threshold,
            "launchData": self.data_from_lms,
            "timeLimitAction": self.time_limit_action,
            "maxTimeAllowed": self.max_time_allowed,
            "isAsset": self.is_asset,
        }


@dataclass(frozen=True, slots=True)
class TocNode:
    identifier: str
    title: str
    sco: str | None
    children: tuple[TocNode, ...] = ()
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Outline:
    """What the SCORM wrapper shows and launches, in manifest order."""

    title: str
    nodes: tuple[TocNode, ...]
    scos: tuple[ScoLaunch, ...]
    flow: bool = True
    choice: bool = True
    unsupported: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_multi_sco(self) -> bool:
        return len(self.scos) > 1

    def sco(self, identifier: str) -> ScoLaunch | None:
        return next((s for s in self.scos if s.identifier == identifier), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _launch(raw: dict[str, Any]) -> ScoLaunch:
    kind = _text(raw.get("scorm_type") or raw.get("scormtype")).lower()
    return ScoLaunch(
        identifier=_text(raw.get("identifier")),
        title=_text(raw.get("title")),
        href=_text(raw.get("href")),
        mastery_score=_text(raw.get("mastery_score")),
        scaled_passing_score=_text(raw.get("scaled_passing_score")),
        completion_threshold=_text(raw.get("completion_threshold")),
        data_from_lms=_text(raw.get("data_from_lms")),
        time_limit_action=_text(raw.get("time_limit_action")),
        max_time_allowed=_text(raw.get("max_time_allowed")),
        is_asset=kind == "asset",
    )


def _nodes(
    items: list[Any], launches: dict[str, ScoLaunch], depth: int = 0
) -> tuple[TocNode, ...]:
    if depth > MAX_DEPTH:
        return ()
    nodes = []
    for item in items:
        if not isinstance(item, dict):
            continue
        sco = _text(item.get("sco")) or None
        children = item.get("children") or []
        nodes.append(
            TocNode(
                identifier=_text(item.get("identifier")),
                title=_text(item.get("title"))
                or (launches[sco].title if sco in launches else ""),
                sco=sco if sco in launches else None,
                children=_nodes(
                    children if isinstance(children, list) else [], launches, depth + 1
                ),
                visible=item.get("visible", True) is not False,
            )
        )
    return tuple(nodes)


def _launch_order(nodes: tuple[TocNode, ...]) -> list[str]:
    order: list[str] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if node.sco and node.sco not in order:
            order.append(node.sco)
        stack.extend(reversed(node.children))
    return order


def build_outline(package: Package) -> Outline:
    """The outline of a SCORM package (default organisation, SCOs in manifest order)."""
    structure = package.structure if isinstance(package.structure, dict) else {}
    launches = {
        launch.identifier: launch
        for launch in (
            _launch(raw) for raw in structure.get("scos", []) if isinstance(raw, dict)
        )
        if launch.identifier and launch.href
    }
    organizations = [
        o for o in structure.get("organizations", []) if isinstance(o, dict)
    ]
    default_id = structure.get("default_organization")
    organization = next(
        (o for o in organizations if o.get("identifier") == default_id),
        organizations[0] if organizations else None,
    )
    if organization is not None:
        nodes = _nodes(organization.get("items") or [], launches)
        title = _text(organization.get("title")) or package.title
    else:
        nodes = tuple(
            TocNode(identifier=i, title=s.title, sco=i) for i, s in launches.items()
        )
        title = package.title
    order = _launch_order(nodes) or list(launches)
    sequencing = structure.get("sequencing") or {}
    unsupported = sequencing.get("unsupported") or []
    return Outline(
        title=title,
        nodes=nodes,
        scos=tuple(launches[i] for i in order if i in launches),
        flow=bool(sequencing.get("flow", True)),
        choice=bool(sequencing.get("choice", True)),
        unsupported=tuple(_text(u) for u in unsupported if u),
    )
