"""Demo data of tutoring: a running cohort with learners, forum and chat; idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from lms.models import User
from tutoring.flags import flag_q
from tutoring.models import (
    ChatMessage,
    Cohort,
    CohortGroup,
    CohortTutor,
    Enrolment,
    Post,
    Thread,
)

pytestmark = pytest.mark.django_db

MODELS = (Cohort, CohortTutor, CohortGroup, Enrolment, Thread, Post, ChatMessage, User)


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_twice_changes_nothing(settings, client):
    """``seed_demo`` builds a cohort with ~40 learners at varied progress, two
    groups, threads (one pinned announcement) and chat; a second run adds nothing,
    and the demo teacher finds the cohort in "Mes formations"."""
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", "--quiet-accounts")
    first = _counts()
    snapshot = {
        e.pk: (e.progress_percent, e.last_activity_at, e.status)
        for e in Enrolment.objects.all()
    }
    call_command("seed_demo", "--quiet-accounts")
    assert _counts() == first
    assert {
        e.pk: (e.progress_percent, e.last_activity_at, e.status)
        for e in Enrolment.objects.all()
    } == snapshot

    tutor = User.objects.get(email="tuteur@demo.tremplin.test")
    cohort = Cohort.objects.get(tutor_links__user=tutor, tutor_links__is_lead=True)
    enrolments = Enrolment.objects.active().filter(cohort=cohort)
    assert enrolments.count() >= 40
    progress = set(enrolments.values_list("progress_percent", flat=True))
    assert 0 in progress and len(progress) >= 3
    assert enrolments.filter(started_at__isnull=True).exists()
    assert enrolments.filter(flag_q(cohort, "inactive")).exists()
    assert enrolments.filter(flag_q(cohort, "at_risk")).exists()
    assert cohort.groups.count() == 2
    assert Thread.objects.filter(
        cohort=cohort, is_pinned=True, is_announcement=True, author=tutor
    ).exists()
    assert ChatMessage.objects.filter(cohort=cohort).count() >= 15

    teacher = User.objects.get(email="enseignante@demo.tremplin.test")
    assert enrolments.filter(user=teacher).exists()
    client.force_login(teacher)
    page = client.get(reverse("tutoring:my_trainings")).content.decode()
    assert cohort.title in page
