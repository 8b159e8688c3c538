"""Wagtail admin (/cms/) views of registrations: approval queue, registrants, exports.

Registrations managers and administrators act (accept, refuse, waitlist,
cancel, in bulk, with an optional note); catalogue managers read and export.
Everyone else gets a 403 (teachers cannot even reach /cms/). Decisions go
through ``catalogue.services``; these views only parse input and render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms import audit

from .. import exports, services
from ..errors import RegistrationError
from ..models import Registration, RegistrationLog, Session
from ..permissions import can_decide_registrations, can_read_registrations

Status = Registration.Status
PAGE_SIZE = 50
NOTE_MAX_LENGTH = 500

#: Bulk actions offered to deciders: value → label.
ACTIONS = {
    services.Decision.ACCEPT: gettext_lazy("Accepter"),
    services.Decision.WAITLIST: gettext_lazy("Placer sur liste d'attente"),
    services.Decision.REFUSE: gettext_lazy("Refuser"),
    "cancel": gettext_lazy("Annuler (au nom de la personne)"),
}


def _queue_queryset() -> QuerySet[Registration]:
    """Registrations in the order staff should decide them.

    For "priority to the targeted audience" sessions, targeted people come
    first and people outside the audience after them; otherwise, and within
    each group, first come first served.
    """
    priority_last = Case(
        When(
            session__policy=Session.Policy.MANUAL_PRIORITY,
            is_audience_mismatch=True,
            then=Value(1),
        ),
        default=Value(0),
    )
    return Registration.objects.select_related("user", "session__training").order_by(
        "session__starts_on", "session_id", priority_last, "created_at", "pk"
    )


class _RegistrationsAdminMixin(WagtailAdminTemplateMixin):
    header_icon = "group"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not can_read_registrations(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("catalogue_registrations:queue"),
                "label": _("Inscriptions"),
            },
        ]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Apply a bulk action to the ticked registrations, then come back."""
        if not can_decide_registrations(request.user):
            raise PermissionDenied
        back = request.POST.get("back") or ""
        if not back.startswith("/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = request.path
        action = request.POST.get("action", "")
        ids = [int(v) for v in request.POST.getlist("registration") if v.isdigit()]
        note = request.POST.get("note", "").strip()[:NOTE_MAX_LENGTH]
        if action not in ACTIONS:
            messages.error(request, _("Choisissez une action."))
            return HttpResponseRedirect(back)
        if not ids:
            messages.error(request, _("Cochez au moins une inscription."))
            return HttpResponseRedirect(back)
        registrations = list(self.scope(Registration.objects.filter(pk__in=ids)))
        order = {pk: index for index, pk in enumerate(ids)}
        registrations.sort(key=lambda r: order[r.pk])
        if action == "cancel":
            done, problems = 0, []
            for registration in registrations:
                try:
                    services.cancel_registration(registration, actor=request.user)
                except RegistrationError as error:
                    problems.append(f"{registration.pk} : {error.message}")
                else:
                    done += 1
        else:
            report = services.decide_registrations(
                registrations, decision=action, actor=request.user, note=note
            )
            done = len(report.changed)
            problems = [f"{pk} : {reason}" for pk, reason in report.skipped]
        if done:
            messages.success(
                request,
                _("%(action)s : %(count)s inscription(s) traitée(s).")
                % {"action": ACTIONS[action], "count": done},
            )
        if problems:
            messages.warning(
                request,
                _("Non traitées (n° : motif) — %(list)s")
                % {"list": " ; ".join(problems)},
            )
        return HttpResponseRedirect(back)

    def scope(self, queryset: QuerySet[Registration]) -> QuerySet[Registration]:
        return queryset

    def common_context(self) -> dict[str, Any]:
        return {
            "actions": ACTIONS.items(),
            "can_decide": can_decide_registrations(self.request.user),
            "note_max_length": NOTE_MAX_LENGTH,
            "statuses": Status.choices,
        }


class RegistrationQueueView(_RegistrationsAdminMixin, TemplateView):
    """Registrations across sessions, pending ones first, with filters."""

    template_name = "catalogue/registration_admin_queue.html"
    page_title = gettext_lazy("Inscriptions à traiter")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        status = params.get("status", Status.PENDING)
        queryset = _queue_queryset()
        if status in Status.values:
            queryset = queryset.filter(status=status)
        else:
            status = ""
        session_id = params.get("session", "")
        if session_id.isdigit():
            queryset = queryset.filter(session_id=int(session_id))
        mismatch = params.get("mismatch", "")
        if mismatch in ("0", "1"):
            queryset = queryset.filter(is_audience_mismatch=mismatch == "1")
        query = params.get("q", "").strip()
        if query:
            queryset = queryset.filter(
                Q(session__code__icontains=query)
                | Q(session__training__title__icontains=query)
                | Q(session__training__code__icontains=query)
                | Q(user__last_name__icontains=query)
                | Q(user__email__icontains=query)
            )
        page = Paginator(queryset, PAGE_SIZE).get_page(params.get("page"))
        filters = {
            k: v
            for k, v in {
                "status": status,
                "session": session_id,
                "mismatch": mismatch,
                "q": query,
            }.items()
            if v
        }
        sessions = (
            Session.objects.filter(registrations__status=Status.PENDING)
            .annotate(pending=Count("registrations"))
            .select_related("training")
            .order_by("starts_on", "code")
        )
        context.update(
            self.common_context(),
            page=page,
            filters=filters,
            query_string=urlencode(filters),
            status=status,
            session_id=session_id,
            mismatch=mismatch,
            query=query,
            pending_sessions=list(sessions),
            back=self.request.get_full_path(),
        )
        return context


class SessionRegistrantsView(_RegistrationsAdminMixin, TemplateView):
    """Every registration of one session, by status, with exports."""

    template_name = "catalogue/registration_admin_session.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.session = get_object_or_404(
            Session.objects.select_related("training"), pk=kwargs["session_id"]
        )

    def get_page_title(self) -> str:
        return _("Inscriptions — %(code)s") % {"code": self.session.code}

    def scope(self, queryset: QuerySet[Registration]) -> QuerySet[Registration]:
        return queryset.filter(session=self.session)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        registrations = (
            _queue_queryset()
            .filter(session=self.session)
            .prefetch_related(
                Prefetch(
                    "log",
                    queryset=RegistrationLog.objects.select_related("actor").order_by(
                        "created_at", "pk"
                    ),
                )
            )
        )
        counts = dict(
            self.session.registrations.values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if status in Status.values:
            registrations = registrations.filter(status=status)
        else:
            status = ""
        page = Paginator(registrations, PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            self.common_context(),
            session=self.session,
            page=page,
            status=status,
            query_string=urlencode({"status": status} if status else {}),
            counts=[
                (value, label, counts.get(value, 0)) for value, label in Status.choices
            ],
            back=self.request.get_full_path(),
            show_history=True,
        )
        return context


def export_registrants(request: HttpRequest, session_id: int, fmt: str) -> HttpResponse:
    """Download the session's registrants as CSV or XLSX (IFPC staff)."""
    if not can_read_registrations(request.user):
        raise PermissionDenied
    session = get_object_or_404(Session, pk=session_id)
    if fmt == "csv":
        content, content_type = (
            exports.registrants_csv(session),
            exports.CSV_CONTENT_TYPE,
        )
    elif fmt == "xlsx":
        content = exports.registrants_xlsx(session)
        content_type = exports.XLSX_CONTENT_TYPE
    else:
        raise Http404
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Liste des inscrits (%(format)s)") % {"format": fmt.upper()},
        obj=session,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename(session, fmt)}"'
    )
    return response


class RegistrationsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_read_registrations(request.user)


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    urls = [
        path("", RegistrationQueueView.as_view(), name="queue"),
        path(
            "sessions/<int:session_id>/",
            SessionRegistrantsView.as_view(),
            name="session",
        ),
        path(
            "sessions/<int:session_id>/export.<str:fmt>",
            export_registrants,
            name="export",
        ),
    ]
    return [
        path(
            "catalogue/registrations/",
            include(
                (urls, "catalogue_registrations"), namespace="catalogue_registrations"
            ),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_menu_item() -> MenuItem:
    return RegistrationsMenuItem(
        gettext_lazy("Inscriptions"),
        reverse("catalogue_registrations:queue"),
        name="catalogue-registrations",
        icon_name="group",
        order=310,
    )
