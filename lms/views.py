"""Views of the shared core: home, dashboard, language switch, health, staff lists."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from . import dashboard, selectors, services
from .health import run_checks
from .models import Establishment
from .permissions import check_object_permission

STAFF_PAGE_SIZE = 50


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Public landing page."""
    return render(request, "lms/home.html")


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The signed-in user's personal dashboard, built from role-dependent panels."""
    context = {
        **selectors.profile_summary(request.user),
        "panels": dashboard.panels_for(request.user),
    }
    return render(request, "lms/dashboard.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user's choice is remembered."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_preferred_language(request.user, language)
    # Django's view sets the cookie and refuses a ``next`` URL on another host.
    return django_set_language(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON health report; 503 when any part is down."""
    report = run_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@login_required
@require_GET
def establishment_staff(request: HttpRequest, fase_number: int) -> HttpResponse:
    """Staff of one establishment, for its director(s) and IFPC managers."""
    establishment = get_object_or_404(Establishment, fase_number=fase_number)
    check_object_permission(request.user, "lms.view_establishment_staff", establishment)
    paginator = Paginator(selectors.establishment_staff(establishment), STAFF_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "lms/establishment_staff.html",
        {"establishment": establishment, "page": page},
    )
