"""The audit journal in the Wagtail admin (/cms/audit/): administrators only.

Entries are filtered by action, date range, actor, person concerned and
object, newest first, 50 per page; the filtered journal downloads as CSV (an
export that is itself journalled).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import audit
from .models import AuditEvent
from .permissions import RoleRequiredMixin, is_administrator
from .roles import Role

PAGE_SIZE = 50
#: Rows of one CSV download (the newest of the filtered entries).
EXPORT_LIMIT = 100_000
SEARCH_MAX_LENGTH = 200


def _date(value: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` filter value; ``None`` when absent or not a real date."""
    try:
        return parse_date(value.strip()) if value else None
    except ValueError:  # well formed but impossible, e.g. 2026-02-31
        return None


def _filtered(request: HttpRequest) -> tuple[QuerySet[AuditEvent], dict[str, str]]:
    """Entries matching the GET filters, and the filters kept (for links)."""
    params = request.GET
    events = AuditEvent.objects.all()
    kept: dict[str, str] = {}
    action = params.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
        kept["action"] = action
    start = _date(params.get("from", ""))
    if start:
        events = events.filter(at__date__gte=start)
        kept["from"] = start.isoformat()
    end = _date(params.get("to", ""))
    if end:
        events = events.filter(at__date__lte=end)
        kept["to"] = end.isoformat()
    actor = params.get("actor", "").strip()[:SEARCH_MAX_LENGTH]
    if actor:
        events = events.filter(actor_label__icontains=actor)
        kept["actor"] = actor
    subject = params.get("subject", "").strip()
    if subject.isdigit():
        events = events.filter(subject_id=int(subject))
        kept["subject"] = subject
    query = params.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    if query:
        events = events.filter(
            Q(object_label__icontains=query)
            | Q(message__icontains=query)
            | Q(object_type__icontains=query)
        )
        kept["q"] = query
    return events, kept


class AuditJournalView(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """The journal, filtered and paginated."""

    required_roles = (Role.ADMINISTRATOR,)
    template_name = "lms/audit_journal.html"
    page_title = gettext_lazy("Journal d'audit")
    header_icon = "history"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        events, kept = _filtered(self.request)
        page = Paginator(events, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            filters=kept,
            query_string=urlencode(kept),
            actions=AuditEvent.Action.choices,
            export_url=reverse("lms_audit:export")
            + (f"?{urlencode(kept)}" if kept else ""),
        )
        return context


def export_journal(request: HttpRequest) -> HttpResponse:
    """The filtered journal as CSV (UTF-8 with BOM, for spreadsheets)."""
    if not is_administrator(request.user):
        raise PermissionDenied
    events, kept = _filtered(request)
    output = io.StringIO()
    output.write("\ufeff")
    writer = csv.writer(output)
    writer.writerow(
        [
            _("Date"),
            _("Auteur"),
            _("Action"),
            _("Type d'objet"),
            _("Identifiant"),
            _("Objet"),
            _("Personne concernée (id)"),
            _("Détail"),
        ]
    )
    labels = dict(AuditEvent.Action.choices)
    for event in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
        writer.writerow(
            [
                timezone.localtime(event.at).isoformat(timespec="seconds"),
                event.actor_label or _("Système"),
                labels.get(event.action, event.action),
                event.object_type,
                event.object_id,
                event.object_label,
                event.subject_id or "",
                event.message,
            ]
        )
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Journal d'audit (CSV) %(filters)s") % {"filters": urlencode(kept)},
        object_type="lms.AuditEvent",
        object_label=_("Journal d'audit"),
    )
    response = HttpResponse(
        output.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="journal-audit-{stamp}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


class AuditMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    urls = [
        path("", AuditJournalView.as_view(), name="journal"),
        path("export.csv", export_journal, name="export"),
    ]
    return [path("audit/", include((urls, "lms_audit"), namespace="lms_audit"))]


@hooks.register("register_settings_menu_item")
def register_menu_item() -> MenuItem:
    return AuditMenuItem(
        gettext_lazy("Journal d'audit"),
        reverse("lms_audit:journal"),
        name="audit-journal",
        icon_name="history",
        order=900,
    )
