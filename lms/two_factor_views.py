"""Second-factor pages: verification after sign-in, enrolment, backup codes
(/accounts/two-factor/), and the administrators' reset page (/cms/two-factor/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import TemplateView
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import two_factor
from .permissions import RoleRequiredMixin, is_administrator
from .roles import Role, group_name

PAGE_SIZE = 50


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code de vérification"),
        max_length=32,
        help_text=gettext_lazy(
            "Le code à 6 chiffres affiché par votre application d'authentification, "
            "ou l'un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class EnrolmentCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.help_text = _("Le code à 6 chiffres affiché par votre application.")
        field.widget.attrs.update({"inputmode": "numeric", "pattern": r"\d{6}"})
        field.widget.attrs.pop("autofocus", None)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _submitted_code(request: HttpRequest, form: forms.Form, verify: Any) -> Any:
    """Run ``verify(request, code)`` on a valid form; errors go on the field."""
    if not form.is_valid():
        return None
    try:
        return verify(request, form.cleaned_data["code"])
    except two_factor.SecondFactorError as error:
        form.add_error("code", error)
        return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask a signed-in user for their second factor (code or backup code)."""
    next_url = _next_url(request)
    if two_factor.is_verified(request.user) or not two_factor.requires_second_factor(
        request.user, request
    ):
        return HttpResponseRedirect(next_url)
    if not two_factor.has_second_factor(request.user):
        return redirect(_with_next("two_factor:enrol", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _submitted_code(request, form, two_factor.verify):
        return HttpResponseRedirect(next_url)
    return render(
        request, "lms/two_factor_verify.html", {"form": form, "next": next_url}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, then a code to confirm;
    the backup codes are shown once, on success. A verified user may enrol a
    new app here (it replaces the old one); an unverified user who has one
    must verify first; accounts that need no second factor cannot enrol."""
    next_url = _next_url(request)
    user = request.user
    if not two_factor.requires_second_factor(user, request):
        return HttpResponseRedirect(next_url)
    if not two_factor.is_verified(user) and two_factor.has_second_factor(user):
        return redirect(_with_next("two_factor:verify", next_url))
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST":
        codes = _submitted_code(request, form, two_factor.confirm_enrolment)
        if codes:
            return render(
                request,
                "lms/two_factor_backup_codes.html",
                {"codes": codes, "next": next_url, "enrolled": True},
            )
    device = two_factor.pending_totp_device(user)
    context = {
        "form": form,
        "next": next_url,
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_text(device),
        "required": two_factor.requires_second_factor(user, request),
    }
    return render(request, "lms/two_factor_enrol.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The user's second factor: status, backup codes left; POST regenerates
    the backup codes (shown once). Needs a verified session when the user has
    an authenticator app."""
    user = request.user
    has_device = two_factor.has_second_factor(user)
    if has_device and not two_factor.is_verified(user):
        return redirect(_with_next("two_factor:verify", request.path))
    if request.method == "POST" and has_device:
        codes = two_factor.regenerate_backup_codes(user)
        return render(
            request,
            "lms/two_factor_backup_codes.html",
            {"codes": codes, "next": reverse("two_factor:manage"), "enrolled": False},
        )
    context = {
        "device": two_factor.confirmed_totp_device(user),
        "codes_left": two_factor.backup_codes_left(user),
        "required": two_factor.requires_second_factor(user, request),
    }
    return render(request, "lms/two_factor_manage.html", context)


urlpatterns = [
    path("", manage, name="manage"),
    path("verification/", verify, name="verify"),
    path("enrolment/", enrol, name="enrol"),
]


# --- Wagtail admin: administrators reset a person's second factor -------------


def privileged_users() -> QuerySet[Any]:
    """Accounts that must use a second factor (local password sign-in), with
    ``has_totp`` annotated, by name."""
    required_groups = [group_name(role) for role in settings.MFA_REQUIRED_ROLES]
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_staff=True)
            | Q(is_superuser=True)
            | Q(role_assignments__role__in=settings.MFA_REQUIRED_ROLES)
            | Q(groups__name__in=required_groups)
        )
        .distinct()
        .annotate(
            has_totp=Exists(
                TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
            )
        )
        .order_by("last_name", "first_name", "pk")
    )


class SecondFactorAdminView(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Staff accounts and whether each has enrolled a second factor."""

    required_roles = (Role.ADMINISTRATOR,)
    template_name = "lms/two_factor_admin.html"
    page_title = gettext_lazy("Double authentification")
    header_icon = "lock"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(privileged_users(), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return context


@require_POST
def admin_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a person's second-factor devices (administrators only; journalled)."""
    if not is_administrator(request.user):
        raise PermissionDenied
    person = get_object_or_404(get_user_model(), pk=pk)
    removed = two_factor.reset_second_factor(person, by=request.user)
    if removed:
        messages.success(
            request,
            _(
                "Double authentification de %(name)s réinitialisée : la personne "
                "enregistrera une nouvelle application à sa prochaine connexion."
            )
            % {"name": person.get_full_name() or person.email},
        )
    else:
        messages.info(request, _("Cette personne n'avait aucun second facteur."))
    return HttpResponseRedirect(reverse("lms_two_factor_admin:list"))


class SecondFactorMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    urls = [
        path("", SecondFactorAdminView.as_view(), name="list"),
        path("<int:pk>/reset/", admin_reset, name="reset"),
    ]
    return [
        path(
            "two-factor/",
            include((urls, "lms_two_factor_admin"), namespace="lms_two_factor_admin"),
        )
    ]


@hooks.register("register_settings_menu_item")
def register_menu_item() -> MenuItem:
    return SecondFactorMenuItem(
        gettext_lazy("Double authentification"),
        reverse("lms_two_factor_admin:list"),
        name="two-factor",
        icon_name="lock",
        order=920,
    )


@hooks.register("register_account_menu_item")
def register_account_menu_item(request: HttpRequest) -> dict[str, Any]:
    """A link from the Wagtail account page to the person's second factor."""
    return {
        "url": reverse("two_factor:manage"),
        "label": _("Double authentification"),
        "help_text": _(
            "Codes de secours et application d'authentification de votre compte."
        ),
    }
