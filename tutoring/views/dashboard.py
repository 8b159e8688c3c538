"""Tutor dashboard: learner table, charts, bulk actions, exports, learner detail.

Every view asks ``tutoring.tutor_cohort`` on the cohort and reads learners only
through ``tutoring.permissions.scoped_enrolments`` (a group tutor sees only
their groups). Figures come from the aggregates on ``Enrolment`` and
``CohortActivityStat`` (see ``tutoring.dashboard_query`` and
``tutoring.charts``); only the learner detail reads tracking rows, for one
learner.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from courses.models import ActivityProgress, Submission
from lms import audit
from lms.permissions import check_object_permission

from .. import charts, exports
from ..aggregates import cohort_activities
from ..dashboard_query import (
    SORT_LABELS,
    DashboardFilters,
    filter_enrolments,
    get_page,
    page_number,
    parse_filters,
)
from ..dashboard_query import decorate as decorate_rows
from ..models import Cohort, CohortGroup, Enrolment, NudgeLog, TutorMessage
from ..permissions import TutorScope, scoped_enrolments, tutor_scope

logger = logging.getLogger(__name__)

#: Columns the table header can sort on (query-string key → label).
SORTABLE = {"name", "progress", "last_activity", "score"}


def _tutored_cohort(request: HttpRequest, cohort_id: int) -> tuple[Cohort, TutorScope]:
    """The cohort (404 if unknown) and the user's tutor scope (403 if none)."""
    cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=cohort_id)
    check_object_permission(request.user, "tutoring.tutor_cohort", cohort)
    return cohort, tutor_scope(request.user, cohort)


def _groups(cohort: Cohort, scope: TutorScope) -> tuple[list[CohortGroup], dict]:
    """Groups offered in the filter (the user's scope) and every group's name."""
    every = list(CohortGroup.objects.filter(cohort=cohort).order_by("name"))
    names = {g.pk: g.name for g in every}
    visible = [g for g in every if scope.allows_group(g.pk)]
    return visible, names


def _base(request: HttpRequest, cohort: Cohort) -> QuerySet[Enrolment]:
    return scoped_enrolments(request.user, cohort, include_withdrawn=True)


def _url(name: str, cohort: Cohort, params: dict[str, str] | None = None) -> str:
    url = reverse(name, args=[cohort.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _sort_links(filters: DashboardFilters, cohort: Cohort) -> dict[str, dict]:
    """Per sortable column: the URL that sorts on it (toggling) and aria-sort."""
    links = {}
    for key in SORTABLE:
        current = filters.sort.lstrip("-") == key
        descending = filters.sort.startswith("-")
        target = f"-{key}" if current and not descending else key
        params = {**filters.as_params(), "sort": target}
        links[key] = {
            "url": _url("tutoring:dashboard", cohort, params),
            "aria": (
                ("descending" if descending else "ascending") if current else "none"
            ),
        }
    return links


@login_required
@require_GET
def dashboard(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The learners the tutor follows, with filters, charts and bulk actions."""
    cohort, scope = _tutored_cohort(request, cohort_id)
    groups, group_names = _groups(cohort, scope)
    form, filters = parse_filters(request.GET, groups=groups, scope=scope)
    now = timezone.now()
    base = _base(request, cohort)
    activities = cohort_activities(cohort)
    queryset = filter_enrolments(base, cohort, filters, now=now)
    active = base.filter(status=Enrolment.Status.ACTIVE)
    buckets = charts.progress_distribution(active)
    followed = sum(b.count for b in buckets)
    # Unfiltered, the table holds exactly the charted learners: no COUNT needed.
    page = get_page(
        queryset,
        filters.sort,
        page_number(request.GET.get("page")),
        count=None if filters.is_filtered else followed,
    )
    rows = decorate_rows(
        page.rows, cohort, [a.pk for a in activities], group_names, now=now
    )
    funnel = charts.completion_funnel(
        cohort, activities, whole_cohort=scope.whole_cohort, enrolments=active
    )
    params = filters.as_params()
    page_urls = [
        (n, _url("tutoring:dashboard", cohort, {**params, "page": str(n)}) if n else "")
        for n in page.page_links()
    ]
    return render(
        request,
        "tutoring/dashboard/dashboard.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "scope": scope,
            "form": form,
            "filters": filters,
            "query": urlencode(params),
            "page": page,
            "page_urls": page_urls,
            "previous_url": _url(
                "tutoring:dashboard", cohort, {**params, "page": str(page.number - 1)}
            ),
            "next_url": _url(
                "tutoring:dashboard", cohort, {**params, "page": str(page.number + 1)}
            ),
            "rows": rows,
            "activities": activities,
            "sort_links": _sort_links(filters, cohort),
            "sort_label": SORT_LABELS.get(filters.sort, ""),
            "buckets": buckets,
            "followed": followed,
            "funnel": funnel,
            "distribution_svg": charts.distribution_svg(buckets, chart_id="chart-dist"),
            "funnel_svg": charts.funnel_svg(funnel, followed, chart_id="chart-funnel"),
            "csv_url": reverse("tutoring:dashboard_export", args=[cohort.pk, "csv"])
            + (f"?{urlencode(params)}" if params else ""),
            "xlsx_url": reverse("tutoring:dashboard_export", args=[cohort.pk, "xlsx"])
            + (f"?{urlencode(params)}" if params else ""),
            "ws_path": f"/ws/tutoring/{cohort.pk}/dashboard/",
        },
    )


@login_required
@require_GET
def dashboard_export(request: HttpRequest, cohort_id: int, fmt: str) -> HttpResponse:
    """Every learner matching the dashboard's filters, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    cohort, scope = _tutored_cohort(request, cohort_id)
    groups, group_names = _groups(cohort, scope)
    _form, filters = parse_filters(request.GET, groups=groups, scope=scope)
    queryset = filter_enrolments(_base(request, cohort), cohort, filters)
    activities = cohort_activities(cohort)
    logger.info(
        "dashboard export cohort=%s format=%s by=%s", cohort.pk, fmt, request.user.pk
    )
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Tableau de bord de la cohorte (%(format)s)") % {"format": fmt.upper()},
        obj=cohort,
    )
    if fmt == "xlsx":
        output = exports.write_xlsx(
            queryset, cohort, activities, group_names, filters.sort
        )
        if isinstance(request, ASGIRequest):
            response: HttpResponse = StreamingHttpResponse(
                exports.aiter_file(output), content_type=exports.XLSX_CONTENT_TYPE
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{exports.filename(cohort, "xlsx")}"'
            )
        else:
            response = FileResponse(
                output,
                as_attachment=True,
                filename=exports.filename(cohort, "xlsx"),
                content_type=exports.XLSX_CONTENT_TYPE,
            )
    else:
        lines = exports.csv_lines(
            queryset, cohort, activities, group_names, filters.sort
        )
        # Under ASGI, a sync iterator would be read whole before sending: give
        # an async one that pulls batches in the request's thread.
        content = (
            exports.aiter_batched(lines) if isinstance(request, ASGIRequest) else lines
        )
        response = StreamingHttpResponse(
            content, content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.filename(cohort, "csv")}"'
        )
    response["Cache-Control"] = "no-store"
    return response


# --- Bulk actions ----------------------------------------------------------------


class MessageForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Message"), max_length=10_000, widget=forms.Textarea
    )


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=gettext_lazy("Nouvelle échéance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


ACTIONS = {
    "message": gettext_lazy("Envoyer un message"),
    "deadline": gettext_lazy("Reporter l'échéance"),
}


def _bulk_selection(
    request: HttpRequest,
    cohort: Cohort,
    scope: TutorScope,
) -> tuple[QuerySet[Enrolment], str, list[int]]:
    """The enrolments a bulk action targets, its description and the ids.

    Selected ids must all be in the tutor's scope: one outside (another cohort,
    another group, unknown) refuses the whole request (403), nothing is done.
    """
    base = _base(request, cohort)
    if request.POST.get("target") == "all":
        groups, group_names = _groups(cohort, scope)
        _form, filters = parse_filters(
            QueryDict(request.POST.get("filters", "")), groups=groups, scope=scope
        )
        queryset = filter_enrolments(base, cohort, filters)
        return queryset, filters.describe(group_names), []
    try:
        ids = sorted({int(value) for value in request.POST.getlist("enrolment")})
    except ValueError as error:
        raise ValidationError("bad id") from error
    queryset = base.filter(pk__in=ids)
    if ids and queryset.count() != len(ids):
        logger.warning(
            "bulk action with out-of-scope enrolments cohort=%s by=%s",
            cohort.pk,
            request.user.pk,
        )
        raise PermissionDenied
    description = ngettext(
        "Sélection de %(count)s apprenant·e",
        "Sélection de %(count)s apprenant·es",
        len(ids),
    ) % {"count": len(ids)}
    return queryset, description, ids


@login_required
@require_POST
def dashboard_bulk(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Confirm, then send a message to / extend the deadline of the selected
    learners (or all those matching the filters)."""
    cohort, scope = _tutored_cohort(request, cohort_id)
    action = request.POST.get("action", "")
    filters_qs = request.POST.get("filters", "")
    back = reverse("tutoring:dashboard", args=[cohort.pk]) + (
        f"?{filters_qs}" if filters_qs else ""
    )
    if action not in ACTIONS:
        messages.error(request, _("Choisissez une action."))
        return HttpResponseRedirect(back)
    try:
        queryset, description, ids = _bulk_selection(request, cohort, scope)
    except ValidationError:
        return HttpResponseBadRequest(_("Sélection invalide."))
    if request.POST.get("target") != "all" and not ids:
        messages.error(request, _("Sélectionnez au moins un·e apprenant·e."))
        return HttpResponseRedirect(back)
    active = queryset.filter(status=Enrolment.Status.ACTIVE)
    targets = active if action == "message" else queryset
    count = targets.count()
    skipped = queryset.count() - count if action == "message" else 0
    confirmed = request.POST.get("confirm") == "1"
    form: forms.Form
    if action == "message":
        form = MessageForm(request.POST if confirmed else None)
    else:
        form = DeadlineForm(request.POST if confirmed else None)
    key = request.POST.get("idempotency_key") or str(uuid.uuid4())
    try:
        idempotency_key = uuid.UUID(key)
    except ValueError:
        return HttpResponseBadRequest(_("Clé de confirmation invalide."))
    if confirmed and count == 0:
        messages.error(request, _("Aucun·e apprenant·e ne correspond à la sélection."))
        return HttpResponseRedirect(back)
    if confirmed and form.is_valid():
        try:
            done = _perform(
                request,
                cohort,
                action,
                targets,
                form.cleaned_data,
                idempotency_key=idempotency_key,
                description=description,
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(back)
    return render(
        request,
        "tutoring/dashboard/bulk_confirm.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "action": action,
            "action_label": ACTIONS[action],
            "form": form,
            "count": count,
            "skipped": skipped,
            "description": description,
            "target": request.POST.get("target", "selected"),
            "ids": ids,
            "filters_qs": filters_qs,
            "idempotency_key": idempotency_key,
            "back": back,
        },
        status=400 if confirmed else 200,
    )


def _attach_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _perform(
    request: HttpRequest,
    cohort: Cohort,
    action: str,
    targets: QuerySet[Enrolment],
    data: dict[str, Any],
    *,
    idempotency_key: uuid.UUID,
    description: str,
) -> str:
    """Run one bulk action; returns the French success message."""
    if action == "message":
        from .. import messaging

        recipients = list(targets.order_by("pk").values_list("user_id", flat=True))
        with transaction.atomic():
            messaging.send_tutor_message(
                cohort,
                request.user,
                recipients,
                data["subject"],
                data["body"],
                idempotency_key=idempotency_key,
                filter_description=description[:500],
            )
        return ngettext(
            "Message envoyé à %(count)s apprenant·e.",
            "Message envoyé à %(count)s apprenant·es.",
            len(recipients),
        ) % {"count": len(recipients)}
    rows = list(targets.only("pk", "cohort_id").order_by("pk"))
    changed = _extend(rows, data["deadline"], request.user)
    return ngettext(
        "Échéance reportée au %(date)s pour %(count)s apprenant·e.",
        "Échéance reportée au %(date)s pour %(count)s apprenant·es.",
        changed,
    ) % {"count": changed, "date": data["deadline"].strftime("%d/%m/%Y")}


def _extend(rows: list[Enrolment], deadline: Any, by: Any) -> int:
    from ..cohorts import extend_deadline

    return extend_deadline(rows, deadline, by=by)


# --- Learner detail --------------------------------------------------------------


@login_required
@require_GET
def learner_detail(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    """One learner of the cohort: aggregates, activities, submissions, nudges,
    messages received."""
    cohort, scope = _tutored_cohort(request, cohort_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("user", "group"),
        cohort=cohort,
        user_id=user_id,
    )
    if not _base(request, cohort).filter(pk=enrolment.pk).exists():
        raise PermissionDenied
    activities = cohort_activities(cohort)
    progress = {
        p.activity_id: p
        for p in ActivityProgress.objects.filter(
            user_id=user_id, activity_id__in=[a.pk for a in activities]
        )
    }
    activity_rows = [
        {"activity": activity, "progress": progress.get(activity.pk)}
        for activity in activities
    ]
    submissions = (
        list(
            Submission.objects.filter(
                user_id=user_id, activity__module__course_id=cohort.course_id
            )
            .select_related("activity")
            .order_by("-created_at")
        )
        if cohort.course_id
        else []
    )
    nudges = list(
        NudgeLog.objects.filter(enrolment=enrolment)
        .select_related("rule")
        .order_by("-sent_at")[:50]
    )
    received = list(
        TutorMessage.objects.filter(cohort=cohort, recipients=enrolment.user)
        .select_related("sender")
        .order_by("-created_at")[:50]
    )
    from ..dashboard_query import row_flags

    flags = row_flags(
        {
            "progress_percent": enrolment.progress_percent,
            "started_at": enrolment.started_at,
            "last_activity_at": enrolment.last_activity_at,
            "enrolled_at": enrolment.enrolled_at,
            "deadline": enrolment.deadline,
        },
        cohort,
        timezone.now(),
    )
    from ..flags import FLAG_LABELS

    return render(
        request,
        "tutoring/dashboard/learner_detail.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "enrolment": enrolment,
            "learner": enrolment.user,
            "flags": [FLAG_LABELS[f] for f in flags],
            "activity_rows": activity_rows,
            "submissions": submissions,
            "nudges": nudges,
            "received": received,
        },
    )
