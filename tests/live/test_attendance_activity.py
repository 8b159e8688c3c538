"""Course slot activities: a live class or in-person day on the learner's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Activity
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registered():
    """``live`` registers its slot kinds at start-up (a courses test unregisters)."""
    from live.activity_types import register

    register()


def _detail(activity):
    return reverse("courses:activity_detail", args=[activity.uuid])


def test_live_class_slot_shows_date_to_come_then_the_class(client):
    setup = make_cohort(learners=1, activities=1, kind=Activity.Kind.LIVE_CLASS)
    slot = setup.activities[0]
    client.force_login(setup.learners[0])
    assert "Date à venir" in client.get(_detail(slot)).text
    start = timezone.now() + dt.timedelta(minutes=10)
    vc = make_class(setup.cohort, title="Classe liée", starts_at=start, activity=slot)
    html = client.get(_detail(slot)).text
    assert "Classe liée" in html
    assert "La classe est ouverte" in html
    assert reverse("live:class_detail", args=[vc.uuid]) in html


def test_in_person_day_slot_shows_date_and_place(client):
    setup = make_cohort(learners=1, activities=1, kind=Activity.Kind.IN_PERSON_DAY)
    slot = setup.activities[0]
    client.force_login(setup.learners[0])
    assert "Date à venir" in client.get(_detail(slot)).text
    day = make_day(
        setup.cohort,
        title="Journée liée",
        date=timezone.localdate() + dt.timedelta(days=3),
        activity=slot,
    )
    html = client.get(_detail(slot)).text
    assert "Journée liée" in html and "Centre IFPC, Namur" in html
    assert "09:00–12:00" in html
    assert reverse("live:day_detail", args=[day.uuid]) in html
