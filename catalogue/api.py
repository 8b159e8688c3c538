"""Public read API of the catalogue: search live trainings with facets (JSON)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypedDict

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import search
from .models import CatalogueIndexPage
from .selectors import (
    CACHE_SECONDS,
    CatalogueQuery,
    CatalogueQueryError,
    CatalogueResults,
    SessionCard,
    TrainingCard,
    parse_catalogue_query,
    search_catalogue,
)

#: Next sessions listed per training.
MAX_SESSIONS = 3
#: Public listing: shared caches may keep an answer briefly.
CACHE_MAX_AGE = 60
JSON = "application/json"


class SessionPayload(TypedDict):
    code: str
    starts_on: str
    ends_on: str
    place: str
    province: str
    seats_left: int
    is_open: bool


class TrainingPayload(TypedDict):
    code: str
    title: str
    url: str
    modality: str
    hours: dict[str, float]
    competences: list[str]
    levels: list[str]
    audiences: list[str]
    next_sessions: list[SessionPayload]


def _place(session: SessionCard, online: str = "") -> str:
    if session.is_online:
        return online or _("En ligne")
    parts = [
        session.venue,
        " ".join(p for p in (session.postal_code, session.city) if p),
    ]
    return ", ".join(p for p in parts if p)


def session_payload(session: SessionCard, online: str = "") -> SessionPayload:
    return {
        "code": session.code,
        "starts_on": session.starts_on.isoformat(),
        "ends_on": session.ends_on.isoformat(),
        "place": _place(session, online),
        "province": session.province,
        "seats_left": session.seats_left,
        "is_open": session.is_open_for_registration(),
    }


def training_payload(
    training: TrainingCard, request: HttpRequest, online: str = ""
) -> TrainingPayload:
    return {
        "code": training.code,
        "title": training.title,
        "url": request.build_absolute_uri(training.url),
        "modality": training.modality,
        "hours": {
            "sync": float(training.sync_hours),
            "async": float(training.async_hours),
            "total": float(training.total_hours),
        },
        "competences": [c.code for c in training.competences],
        "levels": [code for code, _label in training.levels],
        "audiences": [code for code, _label in training.audiences],
        "next_sessions": [
            session_payload(s, online)
            for s in training.upcoming_sessions[:MAX_SESSIONS]
        ],
    }


def _index_url(request: HttpRequest) -> str:
    """The catalogue index's URL, cached briefly: a cached search then needs no
    database connection at all."""
    key = f"catalogue:index-url:{request.get_host()}"
    url = cache.get(key)
    if url is None:
        index = CatalogueIndexPage.objects.live().only("id", "url_path").first()
        url = (index.get_url(request=request) or "") if index else ""
        cache.set(key, url, CACHE_MAX_AGE)
    return url


def _page_url(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def results_payload(results: CatalogueResults, request: HttpRequest) -> dict[str, Any]:
    return {
        "count": results.count,
        "page": results.page,
        "num_pages": results.num_pages,
        "next": _page_url(request, results.page + 1) if results.has_next else None,
        "previous": (
            _page_url(request, results.page - 1) if results.has_previous else None
        ),
        "results": [
            training_payload(t, request, online=_("En ligne"))
            for t in results.trainings
        ],
        "facets": {
            facet.name: [
                {"value": v.value, "label": v.label, "count": v.count}
                for v in facet.values
            ]
            for facet in results.facets
        },
    }


def _error(
    status: int, message: str, details: dict[str, str] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    response = JsonResponse(
        body, status=status, json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, no_store=True)
    return response


@require_safe
def training_list(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/catalogue/trainings/``: live trainings matching the parameters.

    Public. Parameters: ``q``, ``modality``, ``level``, ``audience``, ``area``,
    ``competence``, ``month`` (``YYYY-MM``), ``province``, ``hours``, ``open=1``,
    ``sort`` (``relevance``/``date``), ``page``. Invalid parameters → 400, a page
    past the last → 404, both as ``{"error": …, "details": …}`` in French.
    Answers are cached whole for ``CACHE_SECONDS`` under the index version.
    """
    try:
        query = parse_catalogue_query(request.GET, strict=True)
    except CatalogueQueryError as error:
        return _error(400, _("Paramètres de recherche invalides."), error.errors)
    version = search.index_version()
    key = _answer_key(request, version)
    answer = cache.get(key)
    if answer is None:
        answer = _answer(request, query, version)
        cache.set(key, answer, CACHE_SECONDS)
    status, content = answer
    if status != 200:
        response = HttpResponse(content, status=status, content_type=JSON)
        patch_cache_control(response, no_store=True)
        return response
    response = HttpResponse(content, content_type=JSON)
    patch_cache_control(response, public=True, max_age=CACHE_MAX_AGE)
    # Labels follow the language, chosen from the header or the language cookie.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def _answer_key(request: HttpRequest, version: int) -> str:
    """Cache key of an answer: it holds absolute links and labels in a language."""
    digest = hashlib.sha256(
        "\n".join(
            [request.scheme, request.get_host(), request.get_full_path()]
        ).encode()
    ).hexdigest()[:32]
    return ":".join(
        [
            "catalogue:api",
            str(version),
            str(timezone.localdate()),
            get_language() or "",
            digest,
        ]
    )


def _answer(
    request: HttpRequest, query: CatalogueQuery, version: int
) -> tuple[int, bytes]:
    """(status, JSON body) of a valid query, computed without the results cache:
    the answer itself is cached, under the same version."""
    results = search_catalogue(
        query, index_url=_index_url(request), version=version, cache_results=False
    )
    if query.page > results.num_pages:
        return 404, _error(
            404,
            _("La page %(page)s n'existe pas : il y a %(total)s page(s).")
            % {"page": query.page, "total": results.num_pages},
        ).content
    return 200, json.dumps(
        results_payload(results, request), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode()
