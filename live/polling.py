"""Who is in a virtual class: ``getMeetingInfo`` polls turned into intervals.

``poll_class`` (task every minute while the join window is open or the class
runs) follows the rules of ``AttendanceInterval``: an interval opens when a
poll first sees a person (at their join request time if it came since the
previous poll, else at the poll time), each poll that still sees them extends
``last_seen_at``, the first poll that no longer does closes it at
``last_seen_at``. The class row is locked (``select_for_update``) while a poll
applies what BBB said, so two concurrent polls cannot open two intervals (the
partial unique constraint protects too).

``close_class`` ends a class once (tutor, end callback, or a poll that finds
the meeting over): closes open intervals, final attendance records, then the
recordings sync.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import attendance
from .bbb import BbbUnavailable, MeetingInfo, client_for
from .classes import END_MARGIN
from .models import AttendanceInterval, JoinRequest, VirtualClass

logger = logging.getLogger(__name__)

Status = VirtualClass.Status


def _seen_users(info: MeetingInfo) -> dict[int, bool]:
    """Tremplin user ids among the attendees → moderator or not."""
    seen: dict[int, bool] = {}
    for attendee in info.attendees:
        try:
            user_id = int(attendee.user_id)
        except (TypeError, ValueError):
            continue  # a guest or someone not joined through Tremplin
        if user_id <= 0:
            continue
        seen[user_id] = seen.get(user_id, False) or attendee.is_moderator
    if seen:
        existing = set(
            get_user_model().objects.filter(pk__in=seen).values_list("pk", flat=True)
        )
        seen = {uid: mod for uid, mod in seen.items() if uid in existing}
    return seen


def _meeting_over(
    virtual_class: VirtualClass, info: MeetingInfo | None, now: dt.datetime
) -> bool:
    past_end = now >= virtual_class.ends_at + END_MARGIN
    if info is None:
        return virtual_class.status == Status.RUNNING or past_end
    if not info.running and info.has_been_forcibly_ended:
        return True
    return past_end and not info.attendees


def poll_class(virtual_class: VirtualClass, *, now: dt.datetime | None = None) -> str:
    """One poll; returns ``"failed"``, ``"skipped"``, ``"closed"`` or ``"polled"``."""
    if virtual_class.status in (Status.ENDED, Status.CANCELLED):
        return "skipped"
    try:
        info = client_for(virtual_class).get_meeting_info(virtual_class.meeting_id)
    except BbbUnavailable as exc:
        VirtualClass.objects.filter(pk=virtual_class.pk).update(
            poll_failures=F("poll_failures") + 1, last_error=str(exc)[:300]
        )
        logger.warning("poll class=%s failed: %s", virtual_class.pk, exc)
        return "failed"
    now = now or timezone.now()
    with transaction.atomic():
        vc = VirtualClass.objects.select_for_update().get(pk=virtual_class.pk)
        if vc.status in (Status.ENDED, Status.CANCELLED):
            return "skipped"
        if _meeting_over(vc, info, now):
            ended_at = now
            if info is not None and info.end_time:
                ended_at = info.end_time
            elif vc.started_at is None:
                ended_at = min(now, vc.ends_at)
            elif info is None and vc.last_polled_at:
                ended_at = vc.last_polled_at
            close_class(vc, ended_at)
            return "closed"
        previous_poll = vc.last_polled_at
        seen = _seen_users(info) if info is not None else {}
        open_intervals = {
            interval.user_id: interval
            for interval in AttendanceInterval.objects.select_for_update().filter(
                virtual_class=vc, left_at__isnull=True
            )
        }
        to_update, to_create = [], []
        for user_id, interval in open_intervals.items():
            if user_id in seen:
                interval.last_seen_at = max(interval.last_seen_at, now)
                interval.is_moderator = interval.is_moderator or seen[user_id]
            else:
                interval.left_at = interval.last_seen_at
            to_update.append(interval)
        new_users = [uid for uid in seen if uid not in open_intervals]
        if new_users:
            requests = JoinRequest.objects.filter(
                virtual_class=vc, user_id__in=new_users, requested_at__lte=now
            )
            if previous_poll is not None:
                requests = requests.filter(requested_at__gt=previous_poll)
            joined = {}
            for user_id, requested_at in requests.order_by("requested_at").values_list(
                "user_id", "requested_at"
            ):
                joined[user_id] = requested_at  # the latest one wins
            for user_id in new_users:
                to_create.append(
                    AttendanceInterval(
                        virtual_class=vc,
                        user_id=user_id,
                        joined_at=joined.get(user_id, now),
                        last_seen_at=now,
                        is_moderator=seen[user_id],
                    )
                )
        AttendanceInterval.objects.bulk_update(
            to_update, ["last_seen_at", "left_at", "is_moderator"]
        )
        AttendanceInterval.objects.bulk_create(to_create, ignore_conflicts=True)
        fields = ["last_polled_at", "poll_failures", "last_error", "updated_at"]
        vc.last_polled_at = now
        vc.poll_failures = 0
        vc.last_error = ""
        if seen and vc.status == Status.SCHEDULED:
            vc.status = Status.RUNNING
            vc.started_at = vc.started_at or min(
                [i.joined_at for i in to_create] or [now]
            )
            fields += ["status", "started_at"]
        if info is not None and info.internal_meeting_id and not vc.internal_meeting_id:
            vc.internal_meeting_id = info.internal_meeting_id[:120]
            fields.append("internal_meeting_id")
        vc.save(update_fields=fields)
        attendance.recompute_class_records(vc)
    return "polled"


def close_class(virtual_class: VirtualClass, ended_at: dt.datetime) -> bool:
    """End the class once: intervals closed, final records, recordings sync.

    ``False`` when it was already ended (replays, a poll racing a callback).
    """
    with transaction.atomic():
        vc = VirtualClass.objects.select_for_update().get(pk=virtual_class.pk)
        if vc.status in (Status.ENDED, Status.CANCELLED):
            return False
        for interval in AttendanceInterval.objects.select_for_update().filter(
            virtual_class=vc, left_at__isnull=True
        ):
            interval.left_at = max(interval.last_seen_at, ended_at)
            if interval.left_at > interval.last_seen_at:
                interval.last_seen_at = interval.left_at
            interval.save(update_fields=["left_at", "last_seen_at"])
        vc.status = Status.ENDED
        vc.ended_at = ended_at
        vc.attendance_closed_at = timezone.now()
        vc.save(
            update_fields=["status", "ended_at", "attendance_closed_at", "updated_at"]
        )
        attendance.recompute_class_records(vc, final=True)
        if vc.record_allowed:
            from .tasks import sync_recordings

            class_id = vc.pk
            transaction.on_commit(lambda: sync_recordings.delay(class_id))
        logger.info("class=%s closed at %s", vc.pk, ended_at.isoformat())
    virtual_class.refresh_from_db()
    return True
