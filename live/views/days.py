"""Pages of in-person days: schedule/edit/cancel, day page, attendance sheet,
QR display for the tutor and QR check-in for learners."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from courses.forms import apply_validation_error
from lms.permissions import check_object_permission
from tutoring.models import Cohort
from tutoring.permissions import scoped_enrolments, tutor_scope

from .. import checkin as checkin_lib
from .. import days as days_lib
from ..attendance import mark_half_day
from ..forms_days import CancelDayForm, DayForm
from ..models import AttendanceRecord, InPersonDay, QrCheckIn

logger = logging.getLogger(__name__)

Status = AttendanceRecord.Status
SHEET_STATUSES = (Status.PRESENT, Status.ABSENT, Status.EXCUSED)
SHEET_KEYS = {Status.PRESENT: "P", Status.ABSENT: "A", Status.EXCUSED: "E"}


def _day(uuid: Any) -> InPersonDay:
    return get_object_or_404(
        InPersonDay.objects.select_related("cohort", "activity"), uuid=uuid
    )


def _halves(day: InPersonDay) -> list[dict[str, Any]]:
    return [
        {"key": half, "label": InPersonDay.Half(half).label, "start": start, "end": end}
        for half, start, end in day.halves()
    ]


def _half_or_404(day: InPersonDay, half: str) -> dict[str, Any]:
    for item in _halves(day):
        if item["key"] == half:
            return item
    raise Http404


def _base_context(day: InPersonDay, *, is_tutor: bool) -> dict[str, Any]:
    return {"day": day, "cohort": day.cohort, "is_tutor": is_tutor}


# --- scheduling -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def day_create(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A tutor adds an in-person day to the cohort."""
    cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=cohort_id)
    check_object_permission(request.user, "tutoring.tutor_cohort", cohort)
    form = DayForm(request.POST or None, cohort=cohort)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                day = days_lib.schedule_day(
                    cohort, by=request.user, **form.service_fields()
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("La journée a été ajoutée."))
                return redirect("live:day_detail", uuid=day.uuid)
        status = 400
    return render(
        request,
        "live/days/day_form.html",
        {"form": form, "cohort": cohort, "is_tutor": True, "day": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def day_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    day = _day(uuid)
    check_object_permission(request.user, "live.run_slot", day)
    if day.is_cancelled:
        messages.error(
            request, _("Cette journée est annulée : elle ne peut plus être modifiée.")
        )
        return redirect("live:day_detail", uuid=day.uuid)
    form = DayForm(request.POST or None, instance=day, cohort=day.cohort)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                days_lib.update_day(day, by=request.user, **form.service_fields())
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("La journée a été modifiée."))
                return redirect("live:day_detail", uuid=day.uuid)
        status = 400
    return render(
        request,
        "live/days/day_form.html",
        {**_base_context(day, is_tutor=True), "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def day_cancel(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Confirmation page (GET), then cancellation (POST) with learners notified."""
    day = _day(uuid)
    check_object_permission(request.user, "live.run_slot", day)
    if day.is_cancelled:
        messages.info(request, _("Cette journée est déjà annulée."))
        return redirect("live:day_detail", uuid=day.uuid)
    form = CancelDayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            days_lib.cancel_day(
                day, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("La journée a été annulée et les participant·es ont été prévenu·es."),
            )
            return redirect("live:day_detail", uuid=day.uuid)
        status = 400
    return render(
        request,
        "live/days/day_cancel.html",
        {**_base_context(day, is_tutor=True), "form": form},
        status=status,
    )


# --- day page ---------------------------------------------------------------------


@login_required
@require_GET
def day_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Date, place, half-days; a learner's own presence; a tutor's tools."""
    day = _day(uuid)
    check_object_permission(request.user, "live.view_slot", day)
    is_tutor = tutor_scope(request.user, day.cohort_id).is_tutor
    halves = _halves(day)
    mine: dict[str, AttendanceRecord] = {}
    if not is_tutor:
        mine = {
            record.half: record
            for record in AttendanceRecord.objects.filter(day=day, user=request.user)
        }
        for item in halves:
            item["record"] = mine.get(item["key"])
    now = timezone.now()
    for item in halves:
        opens, closes = checkin_lib.checkin_window(day, item["key"])
        item["checkin_open"] = not day.is_cancelled and opens <= now <= closes
    return render(
        request,
        "live/days/day_detail.html",
        {
            **_base_context(day, is_tutor=is_tutor),
            "halves": halves,
            "is_past": day.ends_at <= now,
        },
    )


# --- attendance sheet -------------------------------------------------------------


def _sheet_rows(request: HttpRequest, day: InPersonDay) -> list[dict[str, Any]]:
    """One row per learner the tutor may see, with their marks (three queries)."""
    enrolments = list(
        scoped_enrolments(request.user, day.cohort)
        .select_related("user", "group")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    user_ids = [enrolment.user_id for enrolment in enrolments]
    records = {
        (record.user_id, record.half): record
        for record in AttendanceRecord.objects.filter(day=day, user_id__in=user_ids)
    }
    checkins: dict[tuple[int, str], Any] = {}
    for user_id, half, at in (
        QrCheckIn.objects.filter(day=day, user_id__in=user_ids)
        .order_by("checked_in_at")
        .values_list("user_id", "half", "checked_in_at")
    ):
        checkins.setdefault((user_id, half), at)
    rows = []
    for enrolment in enrolments:
        user = enrolment.user
        name = user.get_full_name() or user.get_username()
        cells = []
        for half, _start, _end in day.halves():
            record = records.get((user.pk, half))
            cells.append(
                {
                    "half": half,
                    "half_label": InPersonDay.Half(half).label,
                    "name": f"mark-{user.pk}-{half}",
                    "record": record,
                    "value": record.status if record else "",
                    "checkin_at": checkins.get((user.pk, half)),
                }
            )
        rows.append(
            {"user": user, "name": name, "group": enrolment.group, "cells": cells}
        )
    return rows


def _summary(day: InPersonDay, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for cell in row["cells"]:
            counts[cell["half"]][cell["value"] or "none"] += 1
    return [
        {
            "key": half,
            "label": InPersonDay.Half(half).label,
            "present": counts[half][Status.PRESENT],
            "absent": counts[half][Status.ABSENT],
            "excused": counts[half][Status.EXCUSED],
            "partial": counts[half][Status.PARTIAL],
            "none": counts[half]["none"],
        }
        for half, _s, _e in day.halves()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def day_sheet(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The tutor marks present / absent / excused per learner and half-day."""
    day = _day(uuid)
    check_object_permission(request.user, "live.run_slot", day)
    rows = _sheet_rows(request, day)
    status = 200
    if request.method == "POST":
        if day.is_cancelled:
            messages.error(
                request,
                _("Cette journée est annulée : la feuille de présence est fermée."),
            )
            return redirect("live:day_detail", uuid=day.uuid)
        all_present = request.POST.get("all_present", "")
        changes, invalid = 0, 0
        with transaction.atomic():
            for row in rows:
                for cell in row["cells"]:
                    value = request.POST.get(cell["name"], "")
                    if all_present == cell["half"]:
                        value = Status.PRESENT
                    if not value or value == cell["value"]:
                        continue
                    if value not in SHEET_STATUSES:
                        invalid += 1
                        continue
                    _record, changed = mark_half_day(
                        day,
                        cell["half"],
                        row["user"].pk,
                        value,
                        source=AttendanceRecord.Source.SHEET,
                        by=request.user,
                    )
                    changes += int(changed)
        if invalid:
            messages.error(
                request,
                _("Certaines valeurs n'étaient pas reconnues et ont été ignorées."),
            )
        if changes:
            messages.success(
                request,
                _("Feuille de présence enregistrée (%(count)s modification(s)).")
                % {"count": changes},
            )
        else:
            messages.info(
                request, _("Aucune modification : la feuille était déjà à jour.")
            )
        return redirect("live:day_sheet", uuid=day.uuid)
    return render(
        request,
        "live/days/day_sheet.html",
        {
            **_base_context(day, is_tutor=True),
            "rows": rows,
            "halves": _halves(day),
            "summary": _summary(day, rows),
            "statuses": [
                {"value": value, "label": Status(value).label, "key": SHEET_KEYS[value]}
                for value in SHEET_STATUSES
            ],
            "strings": {
                "allPresent": _(
                    "Tous les participant·es sont marqué·es présent·es pour : %(half)s. Enregistrez pour valider."
                ),
                "marked": _("%(name)s, %(half)s : %(status)s"),
                "unsaved": _("Modifications non enregistrées."),
            },
        },
        status=status,
    )


# --- QR display (tutor) -----------------------------------------------------------


def _qr_payload(day: InPersonDay, half: str) -> dict[str, Any]:
    token = checkin_lib.make_token(day, half)
    url = checkin_lib.checkin_url(token)
    qr = segno.make(url, error="m")
    return {
        "url": url,
        "svg": qr.svg_inline(
            scale=8, border=4, dark="#000", light="#fff", omitsize=True
        ),
        "count": checkin_lib.checkin_count(day, half),
        "expires_in": int(_token_seconds()),
        "refresh_in": _refresh_seconds(),
    }


def _token_seconds() -> int:
    return int(settings.LIVE_CHECKIN_TOKEN_SECONDS)


def _refresh_seconds() -> int:
    """Refresh well before expiry: a scanned code leaves time to confirm."""
    return max(5, min(15, _token_seconds() // 3))


@login_required
@require_GET
@never_cache
def day_qr(request: HttpRequest, uuid: Any, half: str) -> HttpResponse:
    """The tutor's screen: a large QR code of the check-in URL, refreshed by JS."""
    day = _day(uuid)
    check_object_permission(request.user, "live.run_slot", day)
    item = _half_or_404(day, half)
    opens, closes = checkin_lib.checkin_window(day, half)
    now = timezone.now()
    return render(
        request,
        "live/days/day_qr.html",
        {
            **_base_context(day, is_tutor=True),
            "half": item,
            "qr": _qr_payload(day, half) if not day.is_cancelled else None,
            "is_open": not day.is_cancelled and opens <= now <= closes,
            "opens": opens,
            "closes": closes,
            "token_url": reverse("live:day_qr_token", args=[day.uuid, half]),
            "strings": {
                "count": _("Présences enregistrées par code : %(count)s"),
                "error": _(
                    "Le code n'a pas pu être actualisé ; nouvel essai dans quelques secondes."
                ),
                "refreshed": _("Nouveau code affiché."),
            },
        },
    )


@login_required
@require_GET
@never_cache
def day_qr_token(request: HttpRequest, uuid: Any, half: str) -> JsonResponse:
    """JSON for the tutor's screen: a fresh code (``url``, ``svg``) and the count."""
    day = _day(uuid)
    check_object_permission(request.user, "live.run_slot", day)
    _half_or_404(day, half)
    if day.is_cancelled:
        return JsonResponse({"error": _("Cette journée a été annulée.")}, status=410)
    response = JsonResponse(_qr_payload(day, half))
    response["Cache-Control"] = "no-store"
    return response


# --- check-in (learner) ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the code is for and a confirm button; POST: record the presence."""
    context: dict[str, Any] = {"token": token}
    try:
        if request.method == "POST":
            result = checkin_lib.redeem(token, request.user)
            context.update(
                result=result,
                day=result.day,
                half_label=InPersonDay.Half(result.half).label,
            )
        else:
            parsed = checkin_lib.check(token, request.user)
            context.update(
                parsed=parsed,
                day=parsed.day,
                half_label=InPersonDay.Half(parsed.half).label,
            )
    except checkin_lib.CheckInRefused as refusal:
        context["refusal"] = refusal.message
        response = render(request, "live/days/checkin.html", context, status=400)
    else:
        response = render(request, "live/days/checkin.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response
