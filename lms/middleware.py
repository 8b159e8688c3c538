"""Request middleware of the shared core."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
