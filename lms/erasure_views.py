"""Erasure requests in the Wagtail admin (/cms/erasure/): administrators decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import erasure
from .models import ErasureRequest
from .permissions import RoleRequiredMixin, is_administrator
from .roles import Role

PAGE_SIZE = 50


class ErasureRequestsView(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Requests, pending ones first (oldest first), then the decided ones."""

    required_roles = (Role.ADMINISTRATOR,)
    template_name = "lms/erasure_requests.html"
    page_title = gettext_lazy("Demandes d'effacement")
    header_icon = "warning"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pending_first = Case(
            When(status=ErasureRequest.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        requests = ErasureRequest.objects.select_related("user", "decided_by").order_by(
            pending_first, "created_at", "pk"
        )
        context["page"] = Paginator(requests, PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return context


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    erasure_request = get_object_or_404(ErasureRequest, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Décision inconnue."))
    else:
        try:
            erasure.decide_erasure(
                erasure_request,
                approve=decision == "approve",
                by=request.user,
                note=request.POST.get("note", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Compte anonymisé.")
                if decision == "approve"
                else _("Demande refusée."),
            )
    return HttpResponseRedirect(reverse("lms_erasure:list"))


class ErasureMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    urls = [
        path("", ErasureRequestsView.as_view(), name="list"),
        path("<int:pk>/decide/", decide, name="decide"),
    ]
    return [path("erasure/", include((urls, "lms_erasure"), namespace="lms_erasure"))]


@hooks.register("register_settings_menu_item")
def register_menu_item() -> MenuItem:
    return ErasureMenuItem(
        gettext_lazy("Demandes d'effacement"),
        reverse("lms_erasure:list"),
        name="erasure-requests",
        icon_name="warning",
        order=910,
    )
