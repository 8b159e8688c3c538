"""Request middleware of the shared core."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


def _supported(code: str | None) -> str | None:
    codes = {code for code, _name in settings.LANGUAGES}
    return code if code in codes else None


class PreferredLanguageMiddleware:
    """Pick the interface language: French unless the person chose otherwise.

    Order: a signed-in user's preferred language, then the language cookie set
    by the switcher, then ``LANGUAGE_CODE`` (fr-be). The browser's
    Accept-Language is deliberately ignored: Tremplin is French first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = None
        if user is not None and user.is_authenticated:
            language = _supported(user.preferred_language)
        language = (
            language
            or _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
            or settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class AdminContentSecurityPolicyMiddleware:
    """Give the Wagtail and Django admin pages the relaxed ``ADMIN_CSP`` policy.

    Both admin interfaces rely on inline scripts and styles; the public site
    keeps the strict ``SECURE_CSP`` with nonces.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(tuple(settings.ADMIN_PATH_PREFIXES)):
            response._csp_config = settings.ADMIN_CSP  # type: ignore[attr-defined]
        return response


#: Seconds a client is asked to wait when every database connection is busy.
OVERLOAD_RETRY_AFTER = 5


def _is_pool_timeout(error: BaseException) -> bool:
    """A database error caused by waiting too long for a pooled connection."""
    if not isinstance(error, OperationalError):
        return False
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # no pool installed: nothing to recognise
        return False
    return isinstance(error.__cause__, PoolTimeout)


class OverloadMiddleware:
    """Answer 503 with ``Retry-After`` instead of 500 when a view could not get a
    database connection in time (``DATABASE_POOL_TIMEOUT``): every write runs in
    a transaction, so nothing was recorded and the same request can be sent again.
    Last in ``MIDDLEWARE`` so that it sees the view's exception first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not _is_pool_timeout(exception):
            return None
        logging.getLogger(__name__).warning(
            "overloaded: no database connection for %s %s", request.method, request.path
        )
        message = _(
            "Le service est momentanément surchargé : rien n'a été enregistré. "
            "Réessayez dans quelques secondes."
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"error": message},
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = HttpResponse(
                render_to_string("503.html", {"message": message}), status=503
            )
        response["Retry-After"] = str(OVERLOAD_RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
