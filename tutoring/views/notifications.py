"""The notification inbox and the e-mail preference of the signed-in person."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms import audit

from ..forms_discussions import NotificationPreferenceForm
from ..models import Notification, NotificationPreference
from ..notify import email_preference

logger = logging.getLogger(__name__)

NOTIFICATIONS_PER_PAGE = 30


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; POST ``action=read`` (with ``id``) or
    ``action=read_all`` marks them read."""
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        now = timezone.now()
        if action == "read_all":
            count = mine.filter(read_at__isnull=True).update(read_at=now)
            messages.success(
                request,
                _("Toutes vos notifications sont marquées comme lues (%(count)s).")
                % {"count": count},
            )
        elif action == "read" and request.POST.get("id", "").isdigit():
            # Someone else's id answers 404, like an unknown one.
            item = get_object_or_404(mine, pk=int(request.POST["id"]))
            if item.read_at is None:
                mine.filter(pk=item.pk).update(read_at=now)
            messages.success(request, _("Notification marquée comme lue."))
        else:
            return HttpResponseBadRequest(_("Action inconnue."))
        return redirect(request.get_full_path())
    page = Paginator(mine.select_related("cohort"), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tutoring/notifications/inbox.html",
        {
            "page": page,
            "unread_count": mine.filter(read_at__isnull=True).count(),
            "email_preference": NotificationPreference.Email(
                email_preference(request.user.pk)
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of my notifications read and go to what it is about."""
    item = get_object_or_404(
        Notification.objects.filter(user=request.user), pk=notification_id
    )
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk).update(read_at=timezone.now())
    if item.url and url_has_allowed_host_and_scheme(
        item.url, allowed_hosts={request.get_host()}, require_https=False
    ):
        return redirect(item.url)
    return redirect("tutoring:notifications")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How I receive my notifications by e-mail (default: a daily digest)."""
    current = email_preference(request.user.pk)
    form = NotificationPreferenceForm(request.POST or None, initial={"email": current})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            pref, _created = NotificationPreference.objects.update_or_create(
                user=request.user, defaults={"email": form.cleaned_data["email"]}
            )
            audit.record(
                request.user,
                [pref],
                audit.CHANGE,
                _("Préférence de courriel : %(choice)s")
                % {"choice": pref.get_email_display()},
                logger=logger,
            )
        messages.success(request, _("Votre préférence est enregistrée."))
        return redirect("tutoring:notification_preferences")
    return render(
        request,
        "tutoring/notifications/preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
