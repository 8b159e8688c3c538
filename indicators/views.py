"""The IFPC indicator dashboard in the Wagtail admin (/cms/indicators/): IFPC staff.

Every figure comes from the aggregate tables (``indicators.models``), never
from the platform's own tables: a page view costs a handful of small queries,
whatever the size of the data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms import audit
from lms.permissions import check_object_permission

from . import exports, selectors
from .charts import dimension_bars, level_chart
from .refresh import SELFTEST_MIN_GROUP, pending_run, request_refresh
from .selectors import DIMENSIONS, NOT_SET, TABLES, Filters

PAGE_SIZE = 25


def _table_kind(request: HttpRequest) -> str:
    kind = request.GET.get("table", "training")
    return kind if kind in TABLES else "training"


def _chart_dimension(request: HttpRequest) -> str:
    by = request.GET.get("by", "province")
    return by if by in DIMENSIONS else "province"


class IndicatorDashboardView(WagtailAdminTemplateMixin, TemplateView):
    """Filters, headline figures, charts and paginated tables."""

    template_name = "indicators/dashboard.html"
    page_title = gettext_lazy("Indicateurs IFPC")
    header_icon = "table"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        check_object_permission(request.user, "indicators.view_dashboard", None)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request = self.request
        filters = Filters.from_query(request.GET)
        kind = _table_kind(request)
        by = _chart_dimension(request)
        refreshed = selectors.last_refresh()
        context.update(
            filters=filters,
            selected=filters.as_query(),
            pending=pending_run(),
            refreshed=refreshed,
            table_kind=kind,
            tables=TABLES,
            chart_by=by,
            dimensions=[
                (name, label, choices) for name, (label, choices) in DIMENSIONS.items()
            ],
            not_set=NOT_SET,
            min_group=SELFTEST_MIN_GROUP,
        )
        if refreshed is None:
            return context
        query = filters.as_query()
        figures_by = selectors.by_dimension(filters, by)
        bars, bar_width, bar_height = dimension_bars(figures_by)
        competences = selectors.selftest_levels(filters)
        chart, chart_width, chart_height = level_chart(competences)
        page = Paginator(selectors.table_rows(filters, kind), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(
            years=selectors.school_years(),
            headline=selectors.headline(filters),
            figures_by=figures_by,
            bars=bars,
            bar_width=bar_width,
            bar_height=bar_height,
            competences=competences,
            chart=chart,
            chart_width=chart_width,
            chart_height=chart_height,
            levels=selectors.LEVELS,
            page=page,
            rows=selectors.labelled(list(page.object_list), kind),
            page_query=urlencode({**query, "table": kind, "by": by}),
            table_query=urlencode({**query, "by": by}),
            chart_query=urlencode({**query, "table": kind}),
            csv_url=reverse("indicators:export_csv")
            + "?"
            + urlencode({**query, "table": kind}),
            xlsx_url=reverse("indicators:export_xlsx")
            + "?"
            + urlencode({**query, "table": kind}),
        )
        return context


@require_POST
def refresh_now(request: HttpRequest) -> HttpResponse:
    """Ask for a refresh now (after commit); a second click while one is
    requested or running does nothing more."""
    check_object_permission(request.user, "indicators.request_refresh", None)
    _run, created = request_refresh(request.user)
    if created:
        messages.success(
            request,
            _(
                "L'actualisation des indicateurs est demandée ; rechargez la page "
                "dans quelques minutes."
            ),
        )
    else:
        messages.info(request, _("Une actualisation est déjà en cours."))
    return redirect("indicators:dashboard")


def _export_audit(request: HttpRequest, filters: Filters, fmt: str) -> None:
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Indicateurs IFPC (%(format)s) %(filters)s")
        % {"format": fmt, "filters": urlencode(filters.as_query())},
        object_type="indicators.ParticipationFact",
        object_label=_("Indicateurs IFPC"),
    )


def _filename(kind: str, extension: str) -> str:
    stamp = timezone.localdate().isoformat()
    return f"indicateurs-ifpc-{kind}-{stamp}.{extension}"


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered detail table (per training, session or cohort) as CSV."""
    check_object_permission(request.user, "indicators.view_dashboard", None)
    filters = Filters.from_query(request.GET)
    kind = _table_kind(request)
    _export_audit(request, filters, "CSV")
    response = StreamingHttpResponse(
        exports.csv_lines(filters, kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(kind, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """Headline figures, detail table and self-test levels as an XLSX workbook."""
    check_object_permission(request.user, "indicators.view_dashboard", None)
    filters = Filters.from_query(request.GET)
    kind = _table_kind(request)
    refreshed = selectors.last_refresh()
    stamp = (
        timezone.localtime(refreshed.finished_at).strftime("%d/%m/%Y %H:%M")
        if refreshed and refreshed.finished_at
        else ""
    )
    _export_audit(request, filters, "XLSX")
    response = FileResponse(
        exports.write_xlsx(filters, kind, stamp),
        as_attachment=True,
        filename=_filename(kind, "xlsx"),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
