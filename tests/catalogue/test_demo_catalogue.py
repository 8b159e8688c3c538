"""``seed_demo`` builds a realistic, idempotent demo catalogue."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from catalogue.demo import COURSE_TRAINING_CODE, TRACK_CODE, TRACK_TITLE
from catalogue.models import (
    CatalogueIndexPage,
    Level,
    Modality,
    Registration,
    Session,
    SessionDay,
    TrackPage,
    TrainingPage,
)
from lms.models import CompetenceArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--quiet-accounts")


def _counts() -> tuple[int, ...]:
    return (
        TrainingPage.objects.count(),
        TrackPage.objects.count(),
        Session.objects.count(),
        SessionDay.objects.count(),
        Registration.objects.count(),
        Revision.objects.count(),
    )


def test_demo_catalogue_covers_modalities_levels_and_areas(seeded):
    """At least 30 live trainings cover every modality, level and DigCompEdu area."""
    index = CatalogueIndexPage.objects.get()
    assert index.slug == "formations" and index.live
    trainings = TrainingPage.objects.live().descendant_of(index)
    assert trainings.count() >= 30
    assert set(trainings.values_list("modality", flat=True)) == set(Modality.values)
    assert set(trainings.values_list("levels__code", flat=True)) >= set(Level.values)
    areas = set(trainings.values_list("competences__area__code", flat=True))
    assert areas >= set(CompetenceArea.objects.values_list("code", flat=True))
    assert CompetenceArea.objects.count() == 6


def test_demo_sessions_are_upcoming_and_varied(seeded):
    """Every training has 1–3 upcoming sessions; some are full, some need approval.
    (Past sessions exist only closed: the history behind the demo attestations.)"""
    today = timezone.localdate()
    for training in TrainingPage.objects.all():
        count = training.sessions.filter(starts_on__gte=today).count()
        assert 1 <= count <= 3, training.code
    past = Session.objects.filter(starts_on__lt=today)
    assert not past.exclude(status=Session.Status.CLOSED).exists()
    assert Session.objects.filter(is_online=True).exists()
    assert Session.objects.filter(province="bruxelles").exists()
    assert Session.objects.filter(province__in=["namur", "liege", "hainaut"]).exists()
    assert Session.objects.filter(status=Session.Status.FULL).exists()
    assert Session.objects.exclude(policy=Session.Policy.AUTOMATIC).exists()
    full = Session.objects.filter(status=Session.Status.FULL).first()
    assert full.seats_taken == full.capacity


def test_demo_track_has_four_hybrid_sessions_over_ten_days(seeded):
    """The high-expertise track: 4 hybrid steps with fixed sessions, 10 days, CTP/DCO/trainers."""
    track = TrackPage.objects.get(code=TRACK_CODE)
    assert track.title == TRACK_TITLE and track.live
    steps = list(track.steps.select_related("training", "session"))
    assert len(steps) == 4
    assert {step.training.modality for step in steps} == {Modality.HYBRID}
    assert all(step.session_id for step in steps)
    days = SessionDay.objects.filter(session__in=[s.session for s in steps])
    assert days.count() == 10
    assert set(days.values_list("kind", flat=True)) == set(SessionDay.Kind.values)
    assert set(track.eligible_audiences.values_list("code", flat=True)) == {
        "ctp",
        "dco",
        "formateur_interne",
    }


def test_demo_training_uses_the_demo_course_template(seeded):
    """The demo course template is attached to its training."""
    training = TrainingPage.objects.get(code=COURSE_TRAINING_CODE)
    assert training.course_template is not None
    assert training.course_template.source_id is None


def test_seeding_twice_changes_nothing(seeded):
    """A second seed_demo creates, changes and publishes nothing more."""
    before = _counts()
    call_command("seed_demo", "--quiet-accounts")
    assert _counts() == before


def test_demo_has_two_catalogue_managers_for_moderation(seeded):
    """A second demo catalogue manager exists, so one submits and the other approves."""
    from catalogue.demo import MANAGER, SECOND_MANAGER
    from lms.models import User
    from lms.permissions import roles_of
    from lms.roles import Role

    for email in (MANAGER, SECOND_MANAGER):
        assert Role.CATALOGUE_MANAGER in roles_of(User.objects.get(email=email))
