"""Sign-in with Mon Espace: start, callback, link confirmation, login page and logout."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import throttling, two_factor
from ..models import User
from . import client, services
from .client import OIDCError, SignInRefused

FLOWS_KEY = "oidc_flows"
PENDING_KEY = "oidc_pending"
ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105 (a session key, not a secret)
#: A sign-in started longer ago than this is refused when it comes back.
FLOW_MAX_AGE_SECONDS = 600
#: Sign-ins started in other tabs that are remembered at once.
MAX_FLOWS = 5
BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    """The login page: the local form, and the Mon Espace button when OIDC is on."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "oidc_enabled": client.is_enabled(),
        }


class LogoutView(auth_views.LogoutView):
    """Log out; after a Mon Espace sign-in, log out at the provider too
    (RP-initiated logout, back to the home page)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get(ID_TOKEN_KEY)
        response = super().post(request, *args, **kwargs)
        if id_token and client.is_enabled():
            home = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
            url = client.logout_url(id_token, home)
            if url:
                return HttpResponseRedirect(url)
        return response


def _error(request: HttpRequest, error: OIDCError) -> HttpResponse:
    return render(
        request, "lms/oidc/error.html", {"message": error.message}, status=error.status
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to Mon Espace with a fresh state, nonce and PKCE challenge."""
    if not client.is_enabled():
        raise Http404
    redirect_uri = request.build_absolute_uri(reverse("oidc:callback"))
    try:
        auth = client.authorization_request(redirect_uri)
    except OIDCError as error:
        return _error(request, error)
    flows = dict(request.session.get(FLOWS_KEY, {}))
    flows[auth.state] = {
        "nonce": auth.nonce,
        "verifier": auth.code_verifier,
        "redirect_uri": redirect_uri,
        "next": _safe_next(request, request.GET.get("next", "")),
        "at": time.time(),
    }
    newest = sorted(flows, key=lambda key: flows[key]["at"])[-MAX_FLOWS:]
    request.session[FLOWS_KEY] = {key: flows[key] for key in newest}
    return HttpResponseRedirect(auth.url)


def _take_flow(request: HttpRequest) -> dict[str, Any]:
    """The sign-in this answer belongs to, forgotten at once (one use)."""
    flows = dict(request.session.get(FLOWS_KEY, {}))
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[FLOWS_KEY] = flows
    if flow is None or time.time() - flow["at"] > FLOW_MAX_AGE_SECONDS:
        raise SignInRefused(
            _(
                "Cette réponse de Mon Espace ne correspond à aucune connexion en "
                "cours (lien déjà utilisé, expiré ou ouvert dans un autre "
                "navigateur). Recommencez la connexion."
            ),
            "state mismatch",
        )
    return flow


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Mon Espace's answer: check it, find or create the account, sign in."""
    if not client.is_enabled():
        raise Http404
    try:
        flow = _take_flow(request)
        if "error" in request.GET or not request.GET.get("code"):
            raise SignInRefused(
                _("La connexion a été annulée ou refusée par Mon Espace."),
                f"provider error {request.GET.get('error', 'no code')!r}",
            )
        tokens = client.exchange_code(
            request.GET["code"],
            redirect_uri=flow["redirect_uri"],
            code_verifier=flow["verifier"],
            nonce=flow["nonce"],
        )
        claims = {
            **client.userinfo(tokens.access_token, str(tokens.claims["sub"])),
            **tokens.claims,
        }
        resolution = services.resolve(settings.OIDC_ISSUER, claims)
    except OIDCError as error:
        return _error(request, error)
    if resolution.user is None:
        request.session[PENDING_KEY] = {
            "user": getattr(resolution.pending, "pk", None),
            "claims": claims,
            "id_token": tokens.id_token,
            "next": flow["next"],
            "at": time.time(),
        }
        return redirect("oidc:confirm_link")
    _sign_in(request, resolution.user, tokens.id_token)
    return HttpResponseRedirect(flow["next"])


def _sign_in(request: HttpRequest, user: User, id_token: str) -> None:
    """Open the session; it is marked as a Mon Espace one, which the provider
    authenticated: no second factor is asked on top (``lms.two_factor``)."""
    login(request, user, backend=BACKEND)
    request.session[ID_TOKEN_KEY] = id_token
    request.session[two_factor.AUTH_METHOD_SESSION_KEY] = two_factor.AUTH_METHOD_OIDC


class ConfirmLinkForm(forms.Form):
    """The local password of the account to link."""

    password = forms.CharField(
        label=gettext_lazy("Mot de passe Tremplin"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_link(request: HttpRequest) -> HttpResponse:
    """Link a privileged or unverified-e-mail match once its password is typed."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > FLOW_MAX_AGE_SECONDS:
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = ConfirmLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lock = throttling.current_lock(user.email, request)
        if lock is None and user.check_password(form.cleaned_data["password"]):
            throttling.record_success(user.email)
            try:
                user = services.confirm_link(
                    user, settings.OIDC_ISSUER, pending["claims"]
                )
            except OIDCError as error:
                del request.session[PENDING_KEY]
                return _error(request, error)
            del request.session[PENDING_KEY]
            _sign_in(request, user, pending["id_token"])
            return HttpResponseRedirect(pending["next"])
        if lock is None:
            lock = throttling.record_failure(user.email, request)
        form.add_error(
            "password",
            _("Trop de tentatives. Réessayez dans %(minutes)s minute(s).")
            % {"minutes": lock.minutes}
            if lock
            else _("Mot de passe incorrect."),
        )
    return render(
        request, "lms/oidc/confirm_link.html", {"form": form, "account": user}
    )
