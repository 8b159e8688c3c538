"""Pages of the attendance part: agenda, attendance matrix and records,
the learner's attendance, absence justifications."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.reports import stream_csv
from lms import audit
from lms.permissions import check_object_permission
from tutoring.exports import aiter_batched
from tutoring.models import Cohort, Enrolment
from tutoring.permissions import learner_enrolment, scoped_enrolments, tutor_scope

from .. import attendance, justifications
from ..agenda import cohort_agenda as build_agenda
from ..forms_attendance import CorrectionForm, JustificationForm, ReviewForm
from ..models import (
    AbsenceJustification,
    AttendanceRecord,
    InPersonDay,
    VirtualClass,
)
from ..sync import sync_session_days

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
Status = AttendanceRecord.Status
SYMBOLS = {
    Status.PRESENT: "✔",
    Status.PARTIAL: "◐",
    Status.ABSENT: "✘",
    Status.EXCUSED: "E",
}


def _cohort(request: HttpRequest, cohort_id: int, action: str) -> Cohort:
    cohort = get_object_or_404(Cohort.objects.select_related("session"), pk=cohort_id)
    check_object_permission(request.user, action, cohort)
    return cohort


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".replace(".", ",")


def slot_code(slot: attendance.Slot) -> str:
    return (
        f"class-{slot.object_id}"
        if slot.kind == "class"
        else (f"day-{slot.object_id}-{slot.half}")
    )


def parse_slot_code(cohort: Cohort, code: str) -> tuple[Any, str]:
    """``(VirtualClass | InPersonDay, half)`` of a slot code of ``cohort`` or 404."""
    parts = code.split("-")
    try:
        if parts[0] == "class" and len(parts) == 2:
            return get_object_or_404(VirtualClass, pk=int(parts[1]), cohort=cohort), ""
        if parts[0] == "day" and len(parts) == 3:
            day = get_object_or_404(InPersonDay, pk=int(parts[1]), cohort=cohort)
            if day.half_minutes(parts[2]) <= 0:
                raise Http404
            return day, parts[2]
    except ValueError as error:
        raise Http404 from error
    raise Http404


def _slot_label(slot: attendance.Slot, titles: dict) -> str:
    title = titles.get((slot.kind, slot.object_id), "")
    when = timezone.localtime(slot.starts_at).strftime("%d/%m/%Y %H:%M")
    if slot.kind == "day":
        return f"{title} — {InPersonDay.Half(slot.half).label} {when}"
    return f"{title} — {when}"


# --- agenda --------------------------------------------------------------------------


@login_required
@require_GET
def cohort_agenda(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's classes and days: upcoming first, then past."""
    cohort = _cohort(request, cohort_id, "tutoring.view_cohort")
    is_tutor = tutor_scope(request.user, cohort).is_tutor
    upcoming, past = build_agenda(cohort.pk)
    return render(
        request,
        "live/attendance/agenda.html",
        {
            "cohort": cohort,
            "is_tutor": is_tutor,
            "upcoming": upcoming,
            "past": past,
            "can_import": is_tutor and cohort.session_id,
        },
    )


@login_required
@require_POST
def agenda_import(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Create the classes and days of the cohort's catalogue session (tutors)."""
    cohort = _cohort(request, cohort_id, "tutoring.tutor_cohort")
    if not cohort.session_id:
        messages.error(request, _("Cette cohorte n'est liée à aucune session."))
    else:
        classes, days = sync_session_days(cohort, by=request.user)
        if classes or days:
            messages.success(
                request,
                _(
                    "Journées importées : %(classes)s classe(s) virtuelle(s) et "
                    "%(days)s journée(s) en présentiel."
                )
                % {"classes": classes, "days": days},
            )
        else:
            messages.info(
                request, _("Toutes les journées de la session sont déjà importées.")
            )
    return redirect("live:cohort_agenda", cohort.pk)


# --- matrix --------------------------------------------------------------------------


def _matrix_rows(request: HttpRequest, cohort: Cohort, search: str):
    enrolments = scoped_enrolments(request.user, cohort).select_related("user")
    if search:
        enrolments = enrolments.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    enrolments = list(enrolments.order_by("user__last_name", "user__first_name"))
    summaries = attendance.summaries_for_cohort(cohort, [e.user_id for e in enrolments])
    return enrolments, summaries


def _sorted(enrolments, summaries, sort: str):
    if sort in ("percent", "-percent"):
        reverse_ = sort == "-percent"
        missing = -1 if reverse_ else 101

        def key(e):
            pct = summaries[e.user_id].percent
            return (
                pct if pct is not None else missing,
                e.user.last_name.lower(),
                e.user.first_name.lower(),
            )

        return sorted(enrolments, key=key, reverse=reverse_)
    if sort == "-name":
        return list(reversed(enrolments))
    return enrolments


@login_required
@require_GET
def attendance_matrix(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Learners × slots with each status, and everyone's totals (tutors)."""
    cohort = _cohort(request, cohort_id, "tutoring.tutor_cohort")
    search = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "name")
    if sort not in ("name", "-name", "percent", "-percent"):
        sort = "name"
    slots = attendance.cohort_slots(cohort)
    titles = {
        ("class", pk): title
        for pk, title in VirtualClass.objects.filter(cohort=cohort).values_list(
            "pk", "title"
        )
    }
    titles.update(
        {
            ("day", pk): title
            for pk, title in InPersonDay.objects.filter(cohort=cohort).values_list(
                "pk", "title"
            )
        }
    )
    enrolments, summaries = _matrix_rows(request, cohort, search)
    enrolments = _sorted(enrolments, summaries, sort)
    if request.GET.get("format") == "csv":
        return _matrix_csv(request, cohort, slots, titles, enrolments, summaries)
    page = Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))
    page_ids = [e.user_id for e in page.object_list]
    records = {
        (record.user_id, attendance.record_slot_key(record)): record
        for record in AttendanceRecord.objects.filter(
            cohort=cohort, user_id__in=page_ids
        ).only("pk", "user_id", "virtual_class_id", "day_id", "half", "status")
    }
    now = timezone.now()
    rows = []
    for enrolment in page.object_list:
        cells = []
        for slot in slots:
            record = records.get((enrolment.user_id, slot.key))
            cells.append(
                {
                    "record": record,
                    "label": record.get_status_display() if record else "",
                    "symbol": SYMBOLS.get(record.status, "") if record else "",
                    "status": record.status if record else "",
                    "code": slot_code(slot),
                    "is_past": slot.starts_at <= now,
                }
            )
        summary = summaries[enrolment.user_id]
        rows.append(
            {
                "enrolment": enrolment,
                "cells": cells,
                "summary": summary,
                "attended_h": _hours(summary.attended_minutes),
                "expected_h": _hours(summary.expected_minutes),
            }
        )
    headers = [
        {"slot": slot, "label": _slot_label(slot, titles), "code": slot_code(slot)}
        for slot in slots
    ]
    base_query = urlencode({k: v for k, v in (("q", search), ("sort", sort)) if v})
    return render(
        request,
        "live/attendance/matrix.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "headers": headers,
            "rows": rows,
            "page": page,
            "search": search,
            "sort": sort,
            "query": base_query,
            "search_query": urlencode({"q": search}) if search else "",
            "symbols": [(SYMBOLS[s], s.label) for s in Status],
        },
    )


def _matrix_csv(
    request, cohort, slots, titles, enrolments, summaries
) -> StreamingHttpResponse:
    header = [_("Nom"), _("Prénom"), _("Adresse e-mail")]
    header += [_slot_label(slot, titles) for slot in slots]
    header += [_("Heures suivies"), _("Heures attendues"), _("Présence (%)")]
    labels = dict(Status.choices)
    slot_index = {slot.key: i for i, slot in enumerate(slots)}

    def rows():
        ids = [e.user_id for e in enrolments]
        for start in range(0, len(ids), 500):
            chunk = enrolments[start : start + 500]
            statuses: dict[int, list[str]] = {
                e.user_id: [""] * len(slots) for e in chunk
            }
            for record in AttendanceRecord.objects.filter(
                cohort=cohort, user_id__in=[e.user_id for e in chunk]
            ).only("user_id", "virtual_class_id", "day_id", "half", "status"):
                index = slot_index.get(attendance.record_slot_key(record))
                if index is not None:
                    statuses[record.user_id][index] = str(labels[record.status])
            for enrolment in chunk:
                summary = summaries[enrolment.user_id]
                yield [
                    enrolment.user.last_name,
                    enrolment.user.first_name,
                    enrolment.user.email,
                    *statuses[enrolment.user_id],
                    _hours(summary.attended_minutes),
                    _hours(summary.expected_minutes),
                    "" if summary.percent is None else summary.percent,
                ]

    audit.event(
        request.user, audit.Action.DATA_EXPORTED, _("Présences (CSV)"), obj=cohort
    )
    lines = stream_csv(header, rows())
    # Under ASGI a sync iterator would be read whole first: batch it (as the
    # dashboard export does).
    content = aiter_batched(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "no-store"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in cohort.code)
    response["Content-Disposition"] = f'attachment; filename="presences-{safe}.csv"'
    return response


# --- one record -----------------------------------------------------------------------


def _record_for_tutor(request: HttpRequest, pk: int) -> AttendanceRecord:
    record = get_object_or_404(
        AttendanceRecord.objects.select_related(
            "user", "virtual_class", "day", "cohort", "recorded_by"
        ),
        pk=pk,
    )
    _check_learner_in_scope(request, record.cohort, record.user_id)
    return record


def _check_learner_in_scope(request: HttpRequest, cohort: Cohort, user_id: int) -> None:
    scope = tutor_scope(request.user, cohort)
    if not scope.is_tutor:
        raise PermissionDenied
    if (
        not scoped_enrolments(request.user, cohort, include_withdrawn=True)
        .filter(user_id=user_id)
        .exists()
    ):
        raise Http404


def _record_page(request, *, cohort, learner, slot_obj, half, record, form, status=200):
    corrections = (
        list(record.corrections.select_related("by")) if record is not None else []
    )
    labels = dict(Status.choices)
    for correction in corrections:
        correction.before_label = labels.get(correction.before.get("status"), "")
        correction.after_label = labels.get(correction.after.get("status"), "")
    return render(
        request,
        "live/attendance/record.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "learner": learner,
            "slot_obj": slot_obj,
            "is_class": isinstance(slot_obj, VirtualClass),
            "half_label": InPersonDay.Half(half).label if half else "",
            "record": record,
            "form": form,
            "corrections": corrections,
        },
        status=status,
    )


def _apply_correction(form: CorrectionForm, record: AttendanceRecord, by) -> bool:
    try:
        attendance.correct_record(
            record,
            status=form.cleaned_data["status"],
            minutes_attended=form.cleaned_data["minutes_attended"],
            reason=form.cleaned_data["reason"],
            by=by,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def attendance_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One record, its correction form and history (tutors)."""
    record = _record_for_tutor(request, pk)
    slot_obj = record.virtual_class or record.day
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid() and _apply_correction(form, record, request.user):
            messages.success(request, _("La présence a été corrigée."))
            return redirect("live:attendance_record", record.pk)
        status = 400
    else:
        form = CorrectionForm(
            initial={
                "status": record.status,
                "minutes_attended": record.minutes_attended,
            }
        )
        status = 200
    return _record_page(
        request,
        cohort=record.cohort,
        learner=record.user,
        slot_obj=slot_obj,
        half=record.half,
        record=record,
        form=form,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance_record_new(
    request: HttpRequest, cohort_id: int, slot: str, user_id: int
) -> HttpResponse:
    """A slot without a record for this learner: create it through a correction."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    _check_learner_in_scope(request, cohort, user_id)
    slot_obj, half = parse_slot_code(cohort, slot)
    if isinstance(slot_obj, VirtualClass):
        existing = AttendanceRecord.objects.filter(
            virtual_class=slot_obj, user_id=user_id
        ).first()
    else:
        existing = AttendanceRecord.objects.filter(
            day=slot_obj, half=half, user_id=user_id
        ).first()
    if existing is not None:
        return redirect("live:attendance_record", existing.pk)
    learner = (
        Enrolment.objects.select_related("user")
        .get(cohort=cohort, user_id=user_id)
        .user
    )
    form = CorrectionForm(request.POST or None, initial={"status": Status.ABSENT})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            record = justifications.ensure_record(slot_obj, user_id, half)
            if _apply_correction(form, record, request.user):
                messages.success(request, _("La présence a été enregistrée."))
                return redirect("live:attendance_record", record.pk)
            transaction.set_rollback(True)
    return _record_page(
        request,
        cohort=cohort,
        learner=learner,
        slot_obj=slot_obj,
        half=half,
        record=None,
        form=form,
        status=400 if request.method == "POST" else 200,
    )


# --- learner --------------------------------------------------------------------------


@login_required
@require_GET
def my_attendance(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The learner's records, totals and justifications."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    if learner_enrolment(request.user, cohort) is None:
        raise PermissionDenied
    slots = attendance.cohort_slots(cohort)
    records = {
        attendance.record_slot_key(r): r
        for r in AttendanceRecord.objects.filter(cohort=cohort, user=request.user)
    }
    titles = {("class", vc.pk): vc for vc in VirtualClass.objects.filter(cohort=cohort)}
    titles.update({("day", d.pk): d for d in InPersonDay.objects.filter(cohort=cohort)})
    now = timezone.now()
    rows = []
    for slot in slots:
        record = records.get(slot.key)
        obj = titles.get((slot.kind, slot.object_id))
        rows.append(
            {
                "slot": slot,
                "obj": obj,
                "half_label": InPersonDay.Half(slot.half).label if slot.half else "",
                "record": record,
                "symbol": SYMBOLS.get(record.status, "") if record else "",
                "is_future": slot.starts_at > now,
            }
        )
    summary = attendance.attendance_summary(cohort, request.user)
    pending = AbsenceJustification.objects.filter(
        cohort=cohort, user=request.user
    ).select_related("virtual_class", "day")
    return render(
        request,
        "live/attendance/my_attendance.html",
        {
            "cohort": cohort,
            "is_tutor": False,
            "rows": rows,
            "summary": summary,
            "attended_h": _hours(summary.attended_minutes),
            "expected_h": _hours(summary.expected_minutes),
            "justifications": list(pending),
        },
    )


def _slot_choices(cohort: Cohort) -> list[tuple[str, str]]:
    choices = []
    for vc in VirtualClass.objects.filter(cohort=cohort).exclude(
        status=VirtualClass.Status.CANCELLED
    ):
        when = timezone.localtime(vc.starts_at).strftime("%d/%m/%Y %H:%M")
        choices.append(
            (f"class-{vc.pk}", f"{vc.title} — {when} ({_('classe virtuelle')})")
        )
    for day in InPersonDay.objects.filter(cohort=cohort, is_cancelled=False):
        choices.append(
            (f"day-{day.pk}", f"{day.title} — {day.date:%d/%m/%Y} ({_('présentiel')})")
        )
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def justify(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A learner justifies an absence (past or upcoming class or day)."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    if learner_enrolment(request.user, cohort) is None:
        raise PermissionDenied
    choices = _slot_choices(cohort)
    form = JustificationForm(
        request.POST or None,
        request.FILES or None,
        slot_choices=choices,
        initial={"slot": request.GET.get("slot", "")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            kind, _sep, pk = form.cleaned_data["slot"].partition("-")
            model = VirtualClass if kind == "class" else InPersonDay
            slot = model.objects.filter(pk=int(pk), cohort=cohort).first()
            try:
                if slot is None:
                    raise ValidationError({"slot": _("Séance inconnue.")})
                justifications.submit(
                    cohort=cohort,
                    user=request.user,
                    slot=slot,
                    reason=form.cleaned_data["reason"],
                    file=form.cleaned_data.get("file"),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error("file", error)
            else:
                messages.success(
                    request,
                    _("Votre justificatif a été envoyé à votre tuteur·rice."),
                )
                return redirect("live:my_attendance", cohort.pk)
    return render(
        request,
        "live/attendance/justify.html",
        {"cohort": cohort, "is_tutor": False, "form": form},
        status=status,
    )


# --- tutors: justifications -----------------------------------------------------------


@login_required
@require_GET
def justification_list(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _cohort(request, cohort_id, "tutoring.tutor_cohort")
    state = request.GET.get("status", AbsenceJustification.Status.PENDING)
    if state not in AbsenceJustification.Status.values and state != "all":
        state = AbsenceJustification.Status.PENDING
    user_ids = scoped_enrolments(request.user, cohort, include_withdrawn=True).values(
        "user_id"
    )
    queryset = AbsenceJustification.objects.filter(
        cohort=cohort, user_id__in=user_ids
    ).select_related("user", "virtual_class", "day", "reviewed_by")
    if state != "all":
        queryset = queryset.filter(status=state)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "live/attendance/justification_list.html",
        {
            "cohort": cohort,
            "is_tutor": True,
            "page": page,
            "state": state,
            "states": [*AbsenceJustification.Status.choices, ("all", _("Tous"))],
            "review_form": ReviewForm(),
        },
    )


def _justification_for_tutor(request: HttpRequest, pk: int) -> AbsenceJustification:
    justification = get_object_or_404(
        AbsenceJustification.objects.select_related("cohort", "virtual_class", "day"),
        pk=pk,
    )
    _check_learner_in_scope(request, justification.cohort, justification.user_id)
    return justification


@login_required
@require_POST
def justification_review(request: HttpRequest, pk: int) -> HttpResponse:
    justification = _justification_for_tutor(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Choisissez d'accepter ou de refuser le justificatif.")
        )
    else:
        accept = form.cleaned_data["decision"] == "accept"
        try:
            justifications.review(
                justification,
                accept=accept,
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Justificatif accepté : l'absence est excusée.")
                if accept
                else _("Justificatif refusé."),
            )
    return redirect(reverse("live:justification_list", args=[justification.cohort_id]))


@login_required
@require_GET
def justification_file(request: HttpRequest, pk: int) -> FileResponse:
    """The attached file, for its learner and the cohort's tutors only."""
    justification = get_object_or_404(AbsenceJustification, pk=pk)
    if justification.user_id != request.user.pk:
        _check_learner_in_scope(request, justification.cohort, justification.user_id)
    if not justification.file:
        raise Http404
    name = justification.file.name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower()
    content_type = justifications.ALLOWED.get(extension, ("application/octet-stream",))[
        0
    ]
    response = FileResponse(
        justification.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
