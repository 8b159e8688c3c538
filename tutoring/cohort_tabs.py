"""Extra tabs of the cohort sub-navigation, registered by higher apps.

``live`` adds its agenda and attendance tabs without ``tutoring`` knowing it::

    register_cohort_tab(CohortTab("agenda", _("Agenda"), "live:cohort_agenda", 65))

``url_name`` is reversed with the cohort's pk; ``audience`` is ``"all"``,
``"tutor"`` or ``"learner"`` (a tutor sees ``tutor`` tabs, a learner ``learner``
ones, both see ``all``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True, slots=True)
class CohortTab:
    key: str
    label: Any  # lazy translation
    url_name: str
    order: int
    audience: str = "all"


_TABS: dict[str, CohortTab] = {}


def register_cohort_tab(tab: CohortTab) -> None:
    _TABS[tab.key] = tab


def tabs_for(cohort: Any, *, is_tutor: bool) -> list[dict[str, Any]]:
    """The registered tabs this person sees, in order, with their URLs."""
    result = []
    for tab in sorted(_TABS.values(), key=lambda t: (t.order, t.key)):
        if tab.audience == "tutor" and not is_tutor:
            continue
        if tab.audience == "learner" and is_tutor:
            continue
        try:
            url = reverse(tab.url_name, args=[cohort.pk])
        except NoReverseMatch:
            continue
        result.append({"key": tab.key, "label": tab.label, "url": url})
    return result
