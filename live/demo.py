"""Demo live data for ``seed_demo``: in the demo cohort, a virtual class open to
join now (on the BBB simulator of ``make run``), one tomorrow, one last week
with its attendance, an in-person day last week with its sheet and one today
(for the QR check-in), plus the session's own days.

Idempotent: every object is looked up by its cohort and title; attendance is
only computed for slots created by this run.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.utils import timezone

logger = logging.getLogger(__name__)

NOW_CLASS = "Classe virtuelle : lancement du parcours"
NEXT_CLASS = "Classe virtuelle : retour sur le module 2"
PAST_CLASS = "Classe virtuelle : prise en main"
PAST_DAY = "Journée en présentiel : ateliers"
TODAY_DAY = "Journée en présentiel : mise en pratique"


def _demo_cohort():
    from tutoring.demo import TEACHER, TUTOR
    from tutoring.models import Cohort

    return (
        Cohort.objects.filter(
            tutor_links__user__email__iexact=TUTOR,
            enrolments__user__email__iexact=TEACHER,
        )
        .order_by("pk")
        .first()
    )


def _past_class_attendance(vc, learners, tutor) -> None:
    from live import attendance
    from live.models import AttendanceInterval

    rng = random.Random(vc.pk)  # noqa: S311 (demo data)
    rows = [
        AttendanceInterval(
            virtual_class=vc,
            user=tutor,
            joined_at=vc.starts_at - dt.timedelta(minutes=10),
            last_seen_at=vc.ends_at,
            left_at=vc.ends_at,
            is_moderator=True,
        )
    ]
    for index, learner in enumerate(learners):
        if index % 7 == 6:
            continue  # absent
        late = rng.choice((0, 0, 0, 5, 20))
        early = rng.choice((0, 0, 0, 10, 45))
        rows.append(
            AttendanceInterval(
                virtual_class=vc,
                user=learner,
                joined_at=vc.starts_at + dt.timedelta(minutes=late),
                last_seen_at=vc.ends_at - dt.timedelta(minutes=early),
                left_at=vc.ends_at - dt.timedelta(minutes=early),
            )
        )
    AttendanceInterval.objects.bulk_create(rows)
    attendance.recompute_class_records(vc, final=True)


def _past_day_sheet(day, learners, tutor) -> None:
    from live import attendance

    Status = attendance.Status
    for index, learner in enumerate(learners):
        for half, _start, _end in day.halves():
            if index % 9 == 8:
                status = Status.EXCUSED
            elif index % 6 == 5 and half == "pm":
                status = Status.ABSENT
            else:
                status = Status.PRESENT
            attendance.mark_half_day(
                day, half, learner.pk, status, source="sheet", by=tutor
            )


def seed_demo_live() -> None:
    from live.models import InPersonDay, VirtualClass
    from lms.models import User
    from tutoring.demo import TUTOR
    from tutoring.models import Enrolment

    cohort = _demo_cohort()
    tutor = User.objects.filter(email__iexact=TUTOR).first()
    if cohort is None or tutor is None:
        logger.warning("no demo cohort: demo live classes skipped")
        return
    try:
        from live.sync import sync_session_days

        sync_session_days(cohort, by=tutor)
    except ImportError:  # pragma: no cover (part not installed)
        pass
    learners = list(
        User.objects.filter(
            pk__in=Enrolment.objects.active()
            .filter(cohort=cohort)
            .values_list("user_id", flat=True)
        ).order_by("pk")
    )
    now = timezone.now().replace(second=0, microsecond=0)
    today = timezone.localdate()
    classes = (
        (NOW_CLASS, now - dt.timedelta(minutes=10), 120, True),
        (NEXT_CLASS, now + dt.timedelta(days=1), 90, False),
        (PAST_CLASS, now - dt.timedelta(days=7), 90, False),
    )
    for title, starts_at, duration, record in classes:
        vc = VirtualClass.objects.filter(cohort=cohort, title=title).first()
        if vc is None:
            vc = VirtualClass.objects.create(
                cohort=cohort,
                title=title,
                starts_at=starts_at,
                duration_minutes=duration,
                record_allowed=record,
                welcome="Bienvenue dans la classe virtuelle de la cohorte !",
                created_by=tutor,
            )
            if title == PAST_CLASS:
                VirtualClass.objects.filter(pk=vc.pk).update(
                    status=VirtualClass.Status.ENDED,
                    started_at=vc.starts_at,
                    ended_at=vc.ends_at,
                    attendance_closed_at=vc.ends_at,
                )
                vc.refresh_from_db()
                _past_class_attendance(vc, learners, tutor)
        elif title == NOW_CLASS and vc.join_window_state() == "closed":
            # A later `seed_demo`: keep a class open to join for the demo.
            VirtualClass.objects.filter(pk=vc.pk).update(
                starts_at=starts_at, status=VirtualClass.Status.SCHEDULED, ended_at=None
            )
    days = (
        (PAST_DAY, today - dt.timedelta(days=6)),
        (TODAY_DAY, today),
    )
    for title, date in days:
        day = InPersonDay.objects.filter(cohort=cohort, title=title).first()
        if day is None:
            day = InPersonDay.objects.create(
                cohort=cohort,
                title=title,
                date=date,
                morning_starts=dt.time(9),
                morning_ends=dt.time(12, 30),
                afternoon_starts=dt.time(13, 30),
                afternoon_ends=dt.time(16),
                venue="IFPC — Centre de formation",
                address="Rue Dewez 14",
                city="Namur",
                notes="Apportez votre ordinateur portable chargé.",
                created_by=tutor,
            )
            if title == PAST_DAY:
                _past_day_sheet(day, learners, tutor)
    logger.info("demo live classes ready in %s", cohort.code)


def register() -> None:
    from lms.demo import register_step

    register_step(seed_demo_live)
