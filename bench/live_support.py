"""Shared parts of the live benchmarks: the BBB stand-in and bulk cohorts.

``start_standin()`` must run before Django is set up: it exports ``BBB_URL``,
``BBB_SECRET`` and ``BBB_CHECKSUM_ALGORITHM`` (and ``BENCH_STANDIN_URL`` for
``bench.live_settings``, production settings with the stand-in) so that Tremplin (in-process and
in the uvicorn workers) talks to the stand-in. The data helpers import Django
models, so call them after ``django.setup()``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import random
from typing import Any

#: An unusable password hash (no hashing cost for thousands of accounts).
UNUSABLE = "!bench"
FIRST_NAMES = [
    "Amélie", "Benoît", "Céline", "Damien", "Élodie", "François", "Hélène",
    "Jérôme", "Karine", "Maëlle", "Océane", "Sébastien", "Thérèse", "Zoé",
]  # fmt: skip
LAST_NAMES = [
    "Dupont", "Lambert", "Dubois", "Peeters", "Janssens", "Maes", "Lemaire",
    "Lefèvre", "Renard", "Collard", "Gérard", "Leclercq", "Noël", "Delvaux",
]  # fmt: skip


def start_standin() -> Any:
    """Start ``python -m live.bbb_standin`` on a free port and point Tremplin at it."""
    from tests.live.standin import StandIn

    standin = StandIn.start()
    atexit.register(standin.stop)  # also when Django set-up fails
    os.environ["BBB_URL"] = standin.url
    os.environ["BENCH_STANDIN_URL"] = standin.url  # see bench/live_settings.py
    os.environ["BBB_SECRET"] = standin.secret
    os.environ["BBB_CHECKSUM_ALGORITHM"] = "sha256"
    os.environ["BBB_IS_SIMULATOR"] = "true"
    return standin


def ensure_cohort(code: str, learners: int, seed: int = 7) -> Any:
    """The cohort ``code`` with a lead tutor and ``learners`` active learners,
    bulk-created unless it already exists with that many learners."""
    from django.db import transaction
    from django.utils import timezone

    from courses.models import Course
    from lms.models import RoleAssignment, User
    from lms.roles import Role
    from tutoring.models import Cohort, CohortTutor, Enrolment

    existing = Cohort.objects.filter(code=code).first()
    if existing is not None and existing.enrolments.count() == learners:
        return existing
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    now = timezone.now()
    today = timezone.localdate()
    slug = code.lower()
    with transaction.atomic():
        if existing is not None:
            user_ids = list(existing.enrolments.values_list("user_id", flat=True))
            existing.virtual_classes.all().delete()
            CohortTutor.objects.filter(cohort=existing).delete()
            existing.delete()
            User.objects.filter(pk__in=user_ids).delete()
        # Also what a failed earlier run may have left.
        User.objects.filter(email=f"tuteur.{slug}@bench.test").delete()
        Course.objects.filter(code=f"{code}-R").delete()
        Course.objects.filter(code=f"{code}-T").delete()
        template = Course.objects.create(code=f"{code}-T", title="Classes (modèle)")
        run = Course.objects.create(
            code=f"{code}-R",
            title="Classes virtuelles à grande échelle",
            source=template,
        )
        cohort = Cohort.objects.create(
            code=code,
            title=f"Cohorte {code}",
            course=run,
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=60),
        )
        tutor = User.objects.create(
            email=f"tuteur.{slug}@bench.test",
            first_name="Tina",
            last_name="Tutrice",
            password=UNUSABLE,
        )
        RoleAssignment.objects.create(user=tutor, role=Role.TUTOR)
        CohortTutor.objects.create(cohort=cohort, user=tutor, is_lead=True)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"{slug}.apprenant{n:05d}@bench.test",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    password=UNUSABLE,
                )
                for n in range(learners)
            ],
            batch_size=2000,
        )
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, role=Role.TEACHER) for u in users],
            batch_size=4000,
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    cohort=cohort,
                    user=user,
                    status=Enrolment.Status.ACTIVE,
                    source=Enrolment.Source.REGISTRATION,
                    enrolled_at=now - dt.timedelta(days=20),
                )
                for user in users
            ],
            batch_size=2000,
        )
    return cohort


def fresh_class(cohort: Any, *, title: str = "Classe virtuelle du jour") -> Any:
    """A class of ``cohort`` in its join window (started 5 minutes ago, 2 h)."""
    from django.utils import timezone

    from live.models import VirtualClass

    return VirtualClass.objects.create(
        cohort=cohort,
        title=title,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        duration_minutes=120,
    )
