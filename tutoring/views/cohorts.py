"""Cohort pages: the staff/tutor list, management (tutors, groups, enrolments,
CSV import) and the learner side (my trainings, cohort home, calendar)."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import zlib
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.forms import apply_validation_error
from lms.permissions import check_object_permission, has_role
from lms.roles import Role

from .. import calendar as cohort_calendar_lib
from .. import cohorts, selectors
from .. import enrolment_import as csv_import
from ..flags import flag_q, personal_deadlines
from ..forms_cohorts import (
    AssignGroupForm,
    EnrolForm,
    GroupCreateForm,
    ImportUploadForm,
    TutorsForm,
)
from ..models import Cohort, Enrolment
from ..permissions import (
    is_ifpc_staff,
    learner_enrolment,
    scoped_enrolments,
    tutor_scope,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
PREVIEW_VALID_LINES = 500
IMPORT_SESSION_KEY = "tutoring.csv_import.%s"


# --- staff / tutor list ---------------------------------------------------------------


@login_required
@require_GET
def cohort_list(request: HttpRequest) -> HttpResponse:
    """Cohorts a tutor follows (all of them for IFPC staff): search, filter, pages."""
    user = request.user
    if not (is_ifpc_staff(user) or has_role(user, Role.TUTOR)):
        raise PermissionDenied
    search = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    if state not in selectors.COHORT_STATES:
        state = ""
    queryset = selectors.cohort_list(user, search=search, state=state)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {"cohort": cohort, "state": selectors.cohort_state(cohort, today)}
        for cohort in page.object_list
    ]
    query = urlencode({k: v for k, v in (("q", search), ("state", state)) if v})
    return render(
        request,
        "tutoring/cohorts/cohort_list.html",
        {
            "page": page,
            "rows": rows,
            "search": search,
            "state": state,
            "query": query,
            "is_staff": is_ifpc_staff(user),
            "states": [
                ("", _("Toutes")),
                ("running", _("En cours ou à venir")),
                ("finished", _("Terminées")),
                ("archived", _("Archivées")),
            ],
        },
    )


# --- management (IFPC staff) -------------------------------------------------------------


def _managed_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = get_object_or_404(
        Cohort.objects.select_related("session", "course"), pk=cohort_id
    )
    check_object_permission(request.user, "tutoring.manage_cohort", cohort)
    return cohort


def _manage_url(cohort: Cohort) -> str:
    return reverse("tutoring:cohort_manage", args=[cohort.pk])


def _manage_page(
    request: HttpRequest, cohort: Cohort, *, status: int = 200, **forms: Any
) -> HttpResponse:
    links = list(
        cohort.tutor_links.select_related("user").order_by(
            "-is_lead", "user__last_name"
        )
    )
    tutors_form = forms.get("tutors_form") or TutorsForm(
        cohort=cohort,
        initial={
            "tutors": [link.user_id for link in links],
            "lead": next((link.user_id for link in links if link.is_lead), None),
        },
    )
    learner_status = request.GET.get("status", "")
    if learner_status not in Enrolment.Status.values:
        learner_status = ""
    page = Paginator(
        selectors.manage_enrolments(cohort, learner_status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    groups = list(selectors.cohort_groups(cohort))
    counts = dict(
        Enrolment.objects.filter(cohort=cohort)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return render(
        request,
        "tutoring/cohorts/cohort_manage.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "tutor_links": links,
            "tutors_form": tutors_form,
            "group_form": forms.get("group_form") or GroupCreateForm(cohort=cohort),
            "enrol_form": forms.get("enrol_form") or EnrolForm(cohort=cohort),
            "assign_error": forms.get("assign_error"),
            "groups": groups,
            "page": page,
            "learner_status": learner_status,
            "query": urlencode({"status": learner_status}) if learner_status else "",
            "active_count": counts.get(Enrolment.Status.ACTIVE, 0),
            "withdrawn_count": counts.get(Enrolment.Status.WITHDRAWN, 0),
        },
        status=status,
    )


@login_required
@require_GET
def cohort_manage(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Tutors, groups and enrolments of a cohort (IFPC staff)."""
    cohort = _managed_cohort(request, cohort_id)
    return _manage_page(request, cohort)


@login_required
@require_POST
def cohort_tutors_update(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _managed_cohort(request, cohort_id)
    form = TutorsForm(request.POST, cohort=cohort)
    if form.is_valid():
        try:
            cohorts.set_tutors(
                cohort,
                list(form.cleaned_data["tutors"]),
                lead=form.cleaned_data["lead"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Les tuteur·rices ont été enregistrés."))
            return redirect(_manage_url(cohort))
    return _manage_page(request, cohort, status=400, tutors_form=form)


@login_required
@require_POST
def cohort_group_create(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _managed_cohort(request, cohort_id)
    form = GroupCreateForm(request.POST, cohort=cohort)
    if form.is_valid():
        try:
            group = cohorts.create_group(
                cohort,
                form.cleaned_data["name"],
                tutor=form.cleaned_data["tutor"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Le groupe « %(name)s » a été créé.") % {"name": group.name}
            )
            return redirect(_manage_url(cohort))
    return _manage_page(request, cohort, status=400, group_form=form)


@login_required
@require_POST
def cohort_group_assign(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _managed_cohort(request, cohort_id)
    form = AssignGroupForm(request.POST, cohort=cohort)
    if form.is_valid():
        enrolment = get_object_or_404(
            Enrolment.objects.select_related("user"),
            pk=form.cleaned_data["enrolment"],
            cohort=cohort,
        )
        try:
            cohorts.assign_group(enrolment, form.cleaned_data["group"], by=request.user)
        except ValidationError as error:
            return _manage_page(
                request, cohort, status=400, assign_error=" ".join(error.messages)
            )
        group = form.cleaned_data["group"]
        messages.success(
            request,
            (
                _("%(name)s a rejoint le groupe « %(group)s ».")
                % {"name": enrolment.user, "group": group.name}
                if group
                else _("%(name)s n'est plus dans aucun groupe.")
                % {"name": enrolment.user}
            ),
        )
        return redirect(_manage_url(cohort))
    return _manage_page(
        request, cohort, status=400, assign_error=_("Choisissez un groupe existant.")
    )


@login_required
@require_POST
def cohort_enrol(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _managed_cohort(request, cohort_id)
    form = EnrolForm(request.POST, cohort=cohort)
    if form.is_valid():
        user = form.cleaned_data["email"]
        already = learner_enrolment(user, cohort) is not None
        try:
            cohorts.enrol(
                cohort,
                user,
                source=Enrolment.Source.MANUAL,
                group=form.cleaned_data["group"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if already:
                messages.info(
                    request, _("%(name)s était déjà inscrit·e.") % {"name": user}
                )
            else:
                messages.success(
                    request, _("%(name)s a été inscrit·e.") % {"name": user}
                )
            return redirect(_manage_url(cohort))
    return _manage_page(request, cohort, status=400, enrol_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_unenrol(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    """Ask, then withdraw a learner (their tracking data is kept)."""
    cohort = _managed_cohort(request, cohort_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("user"),
        cohort=cohort,
        user_id=user_id,
        status=Enrolment.Status.ACTIVE,
    )
    if request.method == "POST":
        cohorts.unenrol(cohort, enrolment.user, by=request.user)
        messages.success(
            request,
            _("%(name)s a été désinscrit·e ; ses données de suivi sont conservées.")
            % {"name": enrolment.user},
        )
        return redirect(_manage_url(cohort))
    return render(
        request,
        "tutoring/cohorts/unenrol_confirm.html",
        {"cohort": cohort, "enrolment": enrolment, "is_tutor": True},
    )


# --- CSV import ----------------------------------------------------------------------------


def _store_import(request: HttpRequest, cohort: Cohort, data: bytes, name: str) -> str:
    """Keep the previewed bytes server-side (session), under a one-time token."""
    token = secrets.token_urlsafe(16)
    request.session[IMPORT_SESSION_KEY % cohort.pk] = {
        "token": token,
        "name": name[:200],
        "data": base64.b64encode(zlib.compress(data, 6)).decode("ascii"),
    }
    return token


def _stored_import(request: HttpRequest, cohort: Cohort, token: str) -> bytes | None:
    stored = request.session.get(IMPORT_SESSION_KEY % cohort.pk)
    if not stored or not token or not secrets.compare_digest(stored["token"], token):
        return None
    try:
        data = zlib.decompress(base64.b64decode(stored["data"]))
    except (binascii.Error, zlib.error, ValueError):
        return None
    return data


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_import(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Upload a CSV → preview per line (nothing written) → confirm (applied)."""
    cohort = _managed_cohort(request, cohort_id)
    context: dict[str, Any] = {"cohort": cohort, "is_tutor": True}
    template = "tutoring/cohorts/enrolment_import.html"
    if request.method == "POST" and "confirm" in request.POST:
        data = _stored_import(request, cohort, request.POST.get("token", ""))
        if data is None:
            messages.error(
                request,
                _(
                    "Cet aperçu a expiré ou a déjà été appliqué : déposez le fichier à nouveau."
                ),
            )
            return redirect("tutoring:enrolment_import", cohort.pk)
        try:
            plan = csv_import.apply_import(cohort, data, by=request.user)
        except (csv_import.ImportFileError, ValidationError) as error:
            message = (
                str(error)
                if isinstance(error, csv_import.ImportFileError)
                else " ".join(error.messages)
            )
            messages.error(
                request,
                _("Aucune inscription n'a été faite : %(error)s") % {"error": message},
            )
            return redirect("tutoring:enrolment_import", cohort.pk)
        request.session.pop(IMPORT_SESSION_KEY % cohort.pk, None)
        messages.success(
            request,
            _("%(count)s personne(s) inscrite(s) depuis le fichier.")
            % {"count": len(plan.to_enrol)},
        )
        return redirect(_manage_url(cohort))
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(csv_import.MAX_BYTES + 1)
            try:
                parsed = csv_import.parse_csv(data)
            except csv_import.ImportFileError as error:
                form.add_error("file", str(error))
            else:
                plan = csv_import.plan_import(cohort, parsed)
                token = _store_import(request, cohort, data, upload.name)
                counts = plan.counts()
                labels = csv_import.summary_labels()
                summary = [
                    (labels[o], counts[o])
                    for o in csv_import.OUTCOME_ORDER
                    if counts.get(o)
                ]
                # Every refused line is listed; past PREVIEW_VALID_LINES, lines
                # that will be enrolled are only counted (a 20,000-line page is
                # of no use to anyone).
                lines, hidden = [], 0
                for line in plan.lines:
                    if line.is_valid and len(lines) >= PREVIEW_VALID_LINES:
                        hidden += 1
                        continue
                    lines.append(
                        {"line": line, "label": csv_import.outcome_label(line)}
                    )
                return render(
                    request,
                    "tutoring/cohorts/enrolment_import_preview.html",
                    {
                        **context,
                        "plan": plan,
                        "lines": lines,
                        "summary": summary,
                        "valid_count": len(plan.to_enrol),
                        "has_group_column": parsed.has_group_column,
                        "token": token,
                        "file_name": upload.name,
                        "hidden_valid": hidden,
                    },
                )
        return render(request, template, {**context, "form": form}, status=400)
    return render(request, template, {**context, "form": ImportUploadForm()})


# --- learner side --------------------------------------------------------------------------


@login_required
@require_GET
def my_trainings(request: HttpRequest) -> HttpResponse:
    """The signed-in person's active cohorts, progress, next step and deadline."""
    trainings = selectors.my_trainings(request.user)
    return render(
        request, "tutoring/cohorts/my_trainings.html", {"trainings": trainings}
    )


def _visible_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = (
        selectors.cohort_with_tutors(cohort_id)
        .select_related("session__training")
        .first()
    )
    if cohort is None:
        raise Http404
    check_object_permission(request.user, "tutoring.view_cohort", cohort)
    return cohort


def _tutor_summary(user: Any, cohort: Cohort) -> dict[str, int]:
    now = timezone.now()
    deadlines = personal_deadlines(cohort)
    return scoped_enrolments(user, cohort).aggregate(
        learners=Count("pk"),
        at_risk=Count(
            "pk", filter=flag_q(cohort, "at_risk", now=now, deadlines=deadlines)
        ),
        not_started=Count("pk", filter=flag_q(cohort, "not_started", now=now)),
        inactive=Count("pk", filter=flag_q(cohort, "inactive", now=now)),
    )


@login_required
@require_GET
def cohort_home(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's home: course, next steps, deadline, tutors, links (learners);
    a summary of the learners and links to the tools (tutors)."""
    cohort = _visible_cohort(request, cohort_id)
    scope = tutor_scope(request.user, cohort)
    enrolment = learner_enrolment(request.user, cohort)
    training = None
    if enrolment is not None:
        enrolment.cohort = cohort
        training = selectors.learner_training(enrolment)
    today = timezone.localdate()
    upcoming = [
        day for day in cohort_calendar_lib.session_days(cohort) if day.date >= today
    ][:3]
    return render(
        request,
        "tutoring/cohorts/cohort_home.html",
        {
            "cohort": cohort,
            "is_tutor": scope.is_tutor,
            "scope": scope,
            "training": training,
            "tutors": selectors.tutors_of(
                cohort, enrolment.group if enrolment else None
            ),
            "summary": _tutor_summary(request.user, cohort) if scope.is_tutor else None,
            "state": selectors.cohort_state(cohort, today),
            "upcoming_days": upcoming,
            "can_manage": is_ifpc_staff(request.user),
        },
    )


@login_required
@require_GET
def cohort_calendar(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's dates grouped by month, or an .ics file with ``?format=ics``."""
    cohort = _visible_cohort(request, cohort_id)
    enrolment = learner_enrolment(request.user, cohort)
    days = cohort_calendar_lib.session_days(cohort)
    if request.GET.get("format") == "ics":
        url = request.build_absolute_uri(
            reverse("tutoring:cohort_home", args=[cohort.pk])
        )
        response = HttpResponse(
            cohort_calendar_lib.cohort_calendar(cohort, enrolment, days, url=url),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{cohort_calendar_lib.calendar_filename(cohort)}"'
        )
        return response
    entries = cohort_calendar_lib.calendar_entries(cohort, enrolment, days)
    return render(
        request,
        "tutoring/cohorts/cohort_calendar.html",
        {
            "cohort": cohort,
            "is_tutor": tutor_scope(request.user, cohort).is_tutor,
            "months": cohort_calendar_lib.by_month(entries),
            "enrolment": enrolment,
            "deadline": enrolment.deadline or cohort.ends_on if enrolment else None,
            "today": timezone.localdate(),
        },
    )
