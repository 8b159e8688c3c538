"""Secret iCalendar feeds (a person's and a cohort's) and their links page."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from live.calendars import feed_for_cohort, feed_for_user
from live.models import VirtualClass
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db


def _events(client, token):
    response = client.get(reverse("live:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_learner_feed_lists_classes_and_day_halves_of_all_cohorts(client):
    first = make_cohort(learners=1)
    learner = first.learners[0]
    second = make_cohort(learners=0)
    from tutoring.cohorts import enrol

    enrol(second.cohort, learner)
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    vc = make_class(
        first.cohort, title="Classe, un; deux", starts_at=starts, duration_minutes=90
    )
    make_class(
        first.cohort,
        title="Classe annulée",
        starts_at=starts,
        status=VirtualClass.Status.CANCELLED,
    )
    day = make_day(
        second.cohort, title="Atelier", date=timezone.localdate() + dt.timedelta(days=4)
    )
    make_class(make_cohort(learners=0).cohort, title="Autre cohorte")
    events = _events(client, feed_for_user(learner).token)  # no login needed
    assert set(events) == {
        "Classe, un; deux (classe virtuelle)",
        "Classe annulée (classe virtuelle)",
        "Atelier (matin, présentiel)",
        "Atelier (après-midi, présentiel)",
    }
    vc_event = events["Classe, un; deux (classe virtuelle)"]
    assert vc_event["DTSTART"].dt == starts
    assert vc_event["DTEND"].dt == starts + dt.timedelta(minutes=90)
    assert str(vc_event["LOCATION"]) == "En ligne"
    assert str(vc_event["STATUS"]) == "CONFIRMED"
    assert str(vc_event["URL"]).endswith(f"/live/classes/{vc.uuid}/")
    assert str(events["Classe annulée (classe virtuelle)"]["STATUS"]) == "CANCELLED"
    morning = events["Atelier (matin, présentiel)"]
    assert morning["DTSTART"].dt == timezone.make_aware(
        dt.datetime.combine(day.date, dt.time(9))
    )
    assert str(morning["LOCATION"]) == "Centre IFPC, Namur"
    assert str(morning["UID"]).startswith(f"live-day-{day.uuid}-am@")
    # UIDs are stable from one download to the next.
    again = _events(client, feed_for_user(learner).token)
    assert str(again["Atelier (matin, présentiel)"]["UID"]) == str(morning["UID"])


def test_cohort_feed_and_unknown_token(client):
    setup = make_cohort(learners=0)
    make_class(setup.cohort, title="Classe A")
    make_class(make_cohort(learners=0).cohort, title="Classe B")
    events = _events(client, feed_for_cohort(setup.cohort).token)
    assert set(events) == {"Classe A (classe virtuelle)"}
    response = client.get(reverse("live:calendar_feed", args=["pas-un-jeton"]))
    assert response.status_code == 404


def test_links_page_and_regeneration(client):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    client.force_login(learner)
    html = client.get(reverse("live:calendar_links")).text
    old = feed_for_user(learner).token
    assert old in html
    cohort_token = feed_for_cohort(setup.cohort).token
    assert cohort_token in html
    assert "Générer une nouvelle adresse" in html
    response = client.post(reverse("live:calendar_regenerate"), follow=True)
    assert "l&#x27;ancienne ne fonctionne plus" in response.text
    new = feed_for_user(learner).token
    assert new != old and new in response.text
    assert client.get(reverse("live:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("live:calendar_feed", args=[new])).status_code == 200
    # A learner cannot regenerate the cohort's feed; its tutor can.
    response = client.post(
        reverse("live:calendar_regenerate"), {"cohort": setup.cohort.pk}
    )
    assert response.status_code == 403
    assert feed_for_cohort(setup.cohort).token == cohort_token
    client.force_login(setup.tutor)
    client.post(reverse("live:calendar_regenerate"), {"cohort": setup.cohort.pk})
    assert feed_for_cohort(setup.cohort).token != cohort_token
    url = reverse("live:calendar_feed", args=[cohort_token])
    assert client.get(url).status_code == 404


def test_links_page_needs_login(client):
    response = client.get(reverse("live:calendar_links"))
    assert response.status_code == 302
    client.force_login(UserFactory(roles=[Role.TEACHER]))
    assert client.get(reverse("live:calendar_links")).status_code == 200
