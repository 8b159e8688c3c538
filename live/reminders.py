"""Reminders 24 h and 1 h before each class and in-person day (beat, every 5 min).

An event is reminded when its start is within the lead ± the beat period
(a late beat still sends) and never once it has started. ``ReminderLog`` keeps
one row per person × event start × lead; rows are inserted with
``ON CONFLICT DO NOTHING … RETURNING`` and only the people whose row was
inserted are notified, so repeated or concurrent runs never send twice, while
a rescheduled event (new start) is reminded again. Cancelled events are skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tutoring.models import CohortGroup, CohortTutor, Enrolment, Notification
from tutoring.notify import notify

from .agenda import safe_reverse
from .models import InPersonDay, ReminderLog, VirtualClass

logger = logging.getLogger(__name__)

BEAT_PERIOD = dt.timedelta(minutes=5)
LEADS = {"24h": dt.timedelta(hours=24), "1h": dt.timedelta(hours=1)}


def recipients(cohort_id: int) -> list[int]:
    """Active learners and tutors (cohort and group tutors) of a cohort."""
    ids = list(
        Enrolment.objects.active()
        .filter(cohort_id=cohort_id)
        .values_list("user_id", flat=True)
    )
    ids += CohortTutor.objects.filter(cohort_id=cohort_id).values_list(
        "user_id", flat=True
    )
    ids += CohortGroup.objects.filter(
        cohort_id=cohort_id, tutor__isnull=False
    ).values_list("tutor_id", flat=True)
    return list(dict.fromkeys(ids))


def claim(user_ids: list[int], event_key: str, lead: str) -> list[int]:
    """Insert the log rows; return the users whose row is new."""
    if not user_ids:
        return []
    table = ReminderLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, event_key, lead, sent_at) "  # noqa: S608
            "SELECT u, %s, %s, %s FROM unnest(%s::bigint[]) AS u "
            "ON CONFLICT (user_id, event_key, lead) DO NOTHING RETURNING user_id",
            [event_key, lead, timezone.now(), list(user_ids)],
        )
        return [row[0] for row in cursor.fetchall()]


def _events(now: dt.datetime, lead: dt.timedelta) -> list[tuple[Any, str, dt.datetime]]:
    low = max(now + lead - BEAT_PERIOD, now)
    high = now + lead + BEAT_PERIOD
    events: list[tuple[Any, str, dt.datetime]] = []
    for vc in VirtualClass.objects.filter(
        status=VirtualClass.Status.SCHEDULED, starts_at__gt=low, starts_at__lte=high
    ).select_related("cohort"):
        events.append((vc, f"class:{vc.pk}:{vc.starts_at.isoformat()}", vc.starts_at))
    local_low = timezone.localdate(low) - dt.timedelta(days=1)
    local_high = timezone.localdate(high) + dt.timedelta(days=1)
    for day in InPersonDay.objects.filter(
        is_cancelled=False, date__gte=local_low, date__lte=local_high
    ).select_related("cohort"):
        if not day.halves():
            continue
        starts_at = day.starts_at
        if low < starts_at <= high:
            events.append((day, f"day:{day.pk}:{starts_at.isoformat()}", starts_at))
    return events


def _message(event: Any, lead: str, starts_at: dt.datetime) -> tuple[str, str, str]:
    local = timezone.localtime(starts_at)
    when = formats.date_format(local, "l j F Y à H:i")
    if isinstance(event, VirtualClass):
        title = (
            _("Rappel : classe virtuelle « %(title)s » demain")
            if lead == "24h"
            else _("Rappel : classe virtuelle « %(title)s » dans une heure")
        ) % {"title": event.title}
        body = _("Début le %(when)s, en ligne.") % {"when": when}
        url = safe_reverse("live:class_detail", event.uuid)
    else:
        title = (
            _("Rappel : journée en présentiel « %(title)s » demain")
            if lead == "24h"
            else _("Rappel : journée en présentiel « %(title)s » dans une heure")
        ) % {"title": event.title}
        place = ", ".join(p for p in (event.venue, event.address, event.city) if p)
        body = _("Début le %(when)s — %(place)s.") % {"when": when, "place": place}
        url = safe_reverse("live:day_detail", event.uuid)
    return title, body, url


def send_reminders(now: dt.datetime | None = None) -> int:
    """Send the due reminders; returns how many people were notified."""
    now = now or timezone.now()
    sent = 0
    for lead, delta in LEADS.items():
        for event, key, starts_at in _events(now, delta):
            with transaction.atomic():
                new = claim(recipients(event.cohort_id), key, lead)
                if not new:
                    continue
                title, body, url = _message(event, lead, starts_at)
                notify(
                    new,
                    Notification.Kind.AGENDA,
                    title,
                    body=body,
                    url=url,
                    cohort=event.cohort_id,
                )
                sent += len(new)
    if sent:
        logger.info("live reminders sent: %s", sent)
    return sent
