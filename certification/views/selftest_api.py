"""JSON API of the self-test, for the browser's own use (``/api/v1/selftest/``).

Session authentication (401 JSON when signed out) and Django's CSRF check on
every POST (403 JSON: send the ``X-CSRFToken`` header); an attempt is only
visible to its owner (404 otherwise). Every answer, error included, is JSON
with a French ``error`` message. Like the pages, the API never sends a scoring
key or an IRT parameter: the current item is its stem, options (id and text,
in this attempt's order; the id is the option's place 1 … n, not a database
id), image and unit.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from lms.digcompedu import ATTRIBUTION

from ..models import Attempt, Item
from ..selftest import attempts
from ..selftest import profile as selectors
from .selftest import (
    UnreadableAnswer,
    expected_range,
    image_url,
    latest_blueprint,
    public_options,
    resolve_options,
    stem_html,
)

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 16 * 1024

ApiView = Callable[..., JsonResponse]


class ApiError(Exception):
    """An answer other than success: a French message and an HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    def response(self) -> JsonResponse:
        return error_response(str(self), self.status)


def error_response(
    message: str, status: int, extra: dict[str, Any] | None = None
) -> JsonResponse:
    return JsonResponse({"error": message, **(extra or {})}, status=status)


def _csrf_refused(request: HttpRequest) -> bool:
    """Django's own CSRF check (the view is exempt so that refusals are JSON)."""
    middleware = CsrfViewMiddleware(lambda r: None)  # type: ignore[arg-type]
    return middleware.process_view(request, None, (), {}) is not None


def api_view(*methods: str) -> Callable[[ApiView], ApiView]:
    """JSON in and out, session auth, CSRF on unsafe methods, JSON errors."""

    def decorator(func: ApiView) -> ApiView:
        @csrf_exempt  # checked below, to answer JSON
        @never_cache
        @functools.wraps(func)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                response = error_response(_("Méthode non autorisée."), 405)
                response["Allow"] = ", ".join(methods)
                return response
            if not request.user.is_authenticated:
                return error_response(_("Connectez-vous pour passer l'autotest."), 401)
            if request.method not in SAFE_METHODS and _csrf_refused(request):
                return error_response(
                    _(
                        "Vérification de sécurité (CSRF) échouée : rechargez la "
                        "page et réessayez."
                    ),
                    403,
                )
            try:
                return func(request, *args, **kwargs)
            except ApiError as error:
                return error.response()
            except Http404:
                return error_response(_("Introuvable."), 404)

        return view

    return decorator


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object (400 otherwise)."""
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiError(_("Requête trop volumineuse."), 413)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(
            _("Le corps de la requête n'est pas du JSON valide."), 400
        ) from error
    if not isinstance(data, dict):
        raise ApiError(_("Le corps de la requête doit être un objet JSON."), 400)
    return data


def own_attempt(request: HttpRequest, uuid: Any) -> Attempt:
    attempt = (
        Attempt.objects.select_related("blueprint")
        .filter(uuid=uuid, user=request.user)
        .first()
    )
    if attempt is None:
        raise ApiError(_("Passage introuvable."), 404)
    return attempt


def _links(attempt: Attempt) -> dict[str, str]:
    return {
        "current": reverse("selftest_api:attempt_current", args=[attempt.uuid]),
        "answer": reverse("selftest_api:attempt_answer", args=[attempt.uuid]),
        "result": reverse("selftest_api:attempt_result", args=[attempt.uuid]),
        "page": reverse("certification:selftest_attempt", args=[attempt.uuid]),
    }


def attempt_payload(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": str(attempt.uuid),
        "status": attempt.status,
        "blueprint": attempt.blueprint.slug,
        "links": _links(attempt),
    }


# --- Endpoints ------------------------------------------------------------------------


@api_view("POST")
def attempts_collection(request: HttpRequest) -> JsonResponse:
    """Start a sitting: 201 (new), 200 (the one in progress), 409 (too early)."""
    data = read_json(request)
    slug = data.get("blueprint")
    needs = data.get("accessibility_needs", [])
    if not isinstance(slug, str) or not slug:
        raise ApiError(_("Indiquez le test à passer (« blueprint »)."), 400)
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise ApiError(
            _("« accessibility_needs » doit être une liste de besoins."), 400
        )
    unknown = sorted(set(needs) - set(attempts.ACCESSIBILITY_NEEDS))
    if unknown:
        raise ApiError(
            _("Besoin d'accessibilité inconnu : %(needs)s.")
            % {"needs": ", ".join(unknown)},
            400,
        )
    try:
        blueprint = latest_blueprint(slug)
    except Http404 as error:
        raise ApiError(_("Ce test n'est pas proposé."), 404) from error
    existing = attempts.in_progress(request.user, blueprint)
    try:
        attempt = attempts.start_attempt(request.user, blueprint, needs)
    except attempts.RetakeTooEarly as error:
        raise ApiError(str(error), 409) from error
    status = 200 if existing is not None else 201
    if existing is None:
        logger.info("selftest start user=%s attempt=%s", request.user.pk, attempt.uuid)
    return JsonResponse(attempt_payload(attempt), status=status)


def item_payload(attempt: Attempt, served: attempts.ServedItem) -> dict[str, Any]:
    """The current item as the browser may see it: no key, no parameter."""
    item = served.item
    shortest, longest = expected_range(attempt)
    return {
        "order": served.order,
        "lock_token": served.lock_token,
        "progress": {
            "number": served.order,
            "min_total": shortest,
            "max_total": longest,
        },
        "item": {
            "uid": item.uid,
            "type": item.item_type,
            "locale": item.locale,
            "stem": stem_html(item),
            "image": image_url(item) or None,
            "image_alt": item.image_alt if item.image_id else "",
            "options": [
                {"id": place, "text": text} for place, text in public_options(served)
            ],
            "unit": item.numeric_unit if item.item_type == Item.Type.NUMERIC else "",
        },
    }


@api_view("GET")
def attempt_current(request: HttpRequest, uuid: Any) -> JsonResponse:
    """The pending item (the same until answered), or ``{"finished": true}``."""
    attempt = own_attempt(request, uuid)
    served = (
        attempts.current_item(attempt)
        if attempt.status == Attempt.Status.IN_PROGRESS
        else None
    )
    if served is None:
        attempt.refresh_from_db()
        return JsonResponse(
            {"finished": True, "status": attempt.status, "links": _links(attempt)}
        )
    return JsonResponse({"finished": False, **item_payload(attempt, served)})


def api_payload(item_type: str | None, payload: Any) -> Any:
    """Check the JSON answer's shape for ``item_type`` (``UnreadableAnswer``)."""
    if item_type == Item.Type.SINGLE_CHOICE:
        if isinstance(payload, int) and not isinstance(payload, bool):
            return payload
        raise UnreadableAnswer(
            _("Choisissez une réponse (un identifiant de proposition).")
        )
    if item_type in (Item.Type.MULTIPLE_CHOICE, Item.Type.ORDERING):
        if (
            isinstance(payload, list)
            and payload
            and all(isinstance(v, int) and not isinstance(v, bool) for v in payload)
        ):
            if item_type == Item.Type.ORDERING and len(set(payload)) != len(payload):
                raise UnreadableAnswer(
                    _("Chaque proposition ne peut occuper qu'une seule place.")
                )
            return payload
        raise UnreadableAnswer(_("Donnez une liste d'identifiants de propositions."))
    if item_type == Item.Type.NUMERIC:
        if isinstance(payload, str) and payload.strip():
            return payload
        if isinstance(payload, int | float) and not isinstance(payload, bool):
            return str(payload)
        raise UnreadableAnswer(_("Saisissez un nombre, par exemple 12,5."))
    raise UnreadableAnswer(
        _("Réponse illisible : choisissez ou saisissez une réponse.")
    )


@api_view("POST")
def attempt_answer(request: HttpRequest, uuid: Any) -> JsonResponse:
    """Record ``{order, payload, lock_token}``: 200 ``{finished}``, 400 or 409."""
    attempt = own_attempt(request, uuid)
    data = read_json(request)
    order = data.get("order")
    lock_token = data.get("lock_token")
    if not isinstance(order, int) or isinstance(order, bool):
        raise ApiError(_("« order » doit être le numéro de la question."), 400)
    if not isinstance(lock_token, str):
        raise ApiError(_("« lock_token » manque."), 400)
    served = (
        attempts.current_item(attempt)
        if attempt.status == Attempt.Status.IN_PROGRESS
        else None
    )
    unreadable = ""
    try:
        if served is None:
            raise UnreadableAnswer(_("Ce test est terminé."))
        payload = resolve_options(
            served, api_payload(served.item.item_type, data.get("payload"))
        )
    except UnreadableAnswer as error:
        unreadable = str(error)
        payload = None  # refused by scoring (400) unless refused earlier (409)
    try:
        going_on = attempts.answer(
            attempt, order=order, payload=payload, lock_token=lock_token
        )
    except attempts.AnswerRefused as refused:
        message = unreadable if refused.status == 400 and unreadable else str(refused)
        return error_response(message, refused.status)
    return JsonResponse(
        {
            "finished": not going_on,
            "status": attempt.status,
            "links": _links(attempt),
        }
    )


def _level(level: selectors.Level | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {
        "code": level.code,
        "rank": level.rank,
        "name": level.name,
        "descriptor": level.descriptor,
    }


def result_payload(result: selectors.AttemptResult) -> dict[str, Any]:
    attempt = result.attempt
    return {
        "id": str(attempt.uuid),
        "status": attempt.status,
        "blueprint": {
            "slug": attempt.blueprint.slug,
            "name": attempt.blueprint.name,
            "version": attempt.blueprint.version,
        },
        "completed_at": (
            attempt.completed_at.isoformat() if attempt.completed_at else None
        ),
        "mode": "global" if result.is_global else "profile",
        "competences": [
            {
                "code": row.code,
                "name": row.name,
                "area": row.area,
                "measured": row.is_measured,
                **(
                    {
                        "level": _level(row.level),
                        "label": row.summary,
                        "range": {
                            "low": row.range_low.code if row.range_low else None,
                            "high": row.range_high.code if row.range_high else None,
                        },
                        "confidence": row.confidence / 100,
                        "n_items": row.n_items,
                        "theta": round(row.theta, 3) if row.theta is not None else None,
                        "se": round(row.se, 3) if row.se is not None else None,
                        "is_provisional": row.is_provisional,
                        "cut_scores_provisional": row.cut_scores_provisional,
                        "from_overall": row.from_overall,
                        "next_level": _level(row.next_level),
                    }
                    if row.is_measured
                    else {}
                ),
            }
            for row in result.competences
        ],
        "areas": [
            {
                "code": area.code,
                "name": area.name,
                "level": area.level.code if area.level else None,
                "competences": list(area.competences),
                "indicative": True,
            }
            for area in result.areas
        ],
        "overall_level": (
            {"code": result.overall_level.code, "indicative": True}
            if result.overall_level
            else None
        ),
        "attribution": str(ATTRIBUTION),
        "disclaimer": _("Ce n'est pas un outil officiel de la Commission européenne."),
    }


@api_view("GET")
def attempt_result(request: HttpRequest, uuid: Any) -> JsonResponse:
    """The levels of a finished sitting (409 while it is in progress)."""
    attempt = own_attempt(request, uuid)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return error_response(
            _("Ce test n'est pas terminé."), 409, {"status": attempt.status}
        )
    return JsonResponse(result_payload(selectors.attempt_result(attempt)))
