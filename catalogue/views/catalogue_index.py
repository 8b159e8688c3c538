"""Context of the catalogue index page: search form, facets, results, pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from lms.digcompedu import ATTRIBUTION

from ..models import CatalogueIndexPage, TrackPage
from ..selectors import (
    FACETS,
    SORTS,
    CatalogueResults,
    parse_catalogue_query,
    search_catalogue,
)


@dataclass
class ActiveFilter:
    """A chosen filter value, with the address that removes it."""

    label: str
    facet_label: str
    remove_url: str


def _url(params: QueryDict) -> str:
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _normalised_params(request: HttpRequest) -> QueryDict:
    """The GET parameters as the form submits them (one value per parameter)."""
    params = QueryDict(mutable=True)
    for key in request.GET:
        for item in request.GET.getlist(key):
            for value in item.split(",") if key in FACETS else [item]:
                if value.strip():
                    params.appendlist(key, value.strip())
    return params


def _active_filters(results: CatalogueResults, params: QueryDict) -> list[ActiveFilter]:
    active = []
    for facet in results.facets:
        for value in facet.values:
            if not value.selected:
                continue
            remaining = params.copy()
            remaining.setlist(
                facet.name, [v for v in params.getlist(facet.name) if v != value.value]
            )
            remaining.pop("page", None)
            active.append(ActiveFilter(value.label, facet.label, _url(remaining)))
    return active


def _page_links(results: CatalogueResults, params: QueryDict) -> dict[str, Any]:
    def link(number: int) -> str:
        linked = params.copy()
        if number == 1:
            linked.pop("page", None)
        else:
            linked["page"] = str(number)
        return _url(linked)

    window = range(
        max(1, results.page - 2), min(results.num_pages, results.page + 2) + 1
    )
    return {
        "previous_url": link(results.page - 1) if results.has_previous else "",
        "next_url": link(results.page + 1) if results.has_next else "",
        "pages": [
            {"number": n, "url": link(n), "current": n == results.page} for n in window
        ],
        "first_url": link(1) if window.start > 1 else "",
        "last_url": link(results.num_pages) if window.stop <= results.num_pages else "",
    }


def catalogue_index_context(
    page: CatalogueIndexPage, request: HttpRequest
) -> dict[str, Any]:
    """Search the live catalogue with the request's GET parameters.

    Invalid values are dropped (a stale shared link still answers), a page past
    the last shows the last one.
    """
    query = parse_catalogue_query(request.GET, strict=False)
    results = search_catalogue(
        query, clamp_page=True, index_url=page.get_url(request=request) or ""
    )
    params = _normalised_params(request)
    tracks: list[TrackPage] = []
    if not query.has_filters and results.page == 1:
        tracks = list(
            TrackPage.objects.child_of(page).live().public().order_by("title")
        )
    clear = QueryDict(mutable=True)
    if query.text:
        clear["q"] = query.text
    return {
        "results": results,
        "catalogue_query": query,
        "active_filters": _active_filters(results, params),
        "clear_filters_url": _url(clear),
        "pagination": _page_links(results, params),
        "sorts": list(SORTS.items()),
        "tracks": tracks,
        "digcompedu_attribution": ATTRIBUTION,
        "search_label": _("Rechercher une formation"),
    }
