"""In-person days: scheduling (validation, permissions, audit), cancel, day page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from courses.models import Activity
from live.models import AttendanceRecord, InPersonDay
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory
from tests.factories.live import make_day
from tests.factories.tutoring import make_cohort, make_group
from tutoring.models import Notification

pytestmark = pytest.mark.django_db


def _post_data(**overrides):
    data = {
        "title": "Journée d'atelier",
        "date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "morning_starts": "09:00",
        "morning_ends": "12:00",
        "afternoon_starts": "13:00",
        "afternoon_ends": "16:00",
        "venue": "Centre IFPC",
        "address": "Rue de la Gare 1",
        "city": "Namur",
        "notes": "Parking à l'arrière.",
        "activity": "",
    }
    data.update(overrides)
    return data


def test_days_tutor_schedules_a_day_and_it_is_audited(client):
    """A cohort tutor adds a day; it is shown on its page and logged."""
    setup = make_cohort()
    client.force_login(setup.tutor)
    response = client.post(
        reverse("live:day_create", args=[setup.cohort.pk]), _post_data()
    )
    day = InPersonDay.objects.get(cohort=setup.cohort)
    assert response.status_code == 302
    assert response["Location"] == reverse("live:day_detail", args=[day.uuid])
    assert day.morning_starts == dt.time(9) and day.afternoon_ends == dt.time(16)
    assert day.created_by == setup.tutor
    assert LogEntry.objects.filter(object_id=str(day.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Journée d&#x27;atelier" in page
    assert "Rue de la Gare 1" in page and "Namur" in page
    assert reverse("live:day_sheet", args=[day.uuid]) in page
    assert reverse("live:day_qr", args=[day.uuid, "am"]) in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "morning_starts": "",
                "morning_ends": "",
                "afternoon_starts": "",
                "afternoon_ends": "",
            },
            "Indiquez au moins une demi-journée",
        ),
        ({"morning_ends": "08:00"}, "La fin du matin doit être après son début."),
        (
            {"afternoon_starts": "15:00", "afternoon_ends": "14:00"},
            "La fin de l&#x27;après-midi doit être après son début.",
        ),
        (
            {"morning_ends": "13:30"},
            "Le matin doit se terminer avant le début de l&#x27;après-midi.",
        ),
        ({"morning_ends": ""}, "Indiquez l&#x27;heure de fin du matin."),
    ],
)
def test_days_invalid_halves_are_refused_in_french(client, overrides, message):
    """Missing halves, ends before starts and overlapping halves are refused."""
    setup = make_cohort()
    client.force_login(setup.tutor)
    response = client.post(
        reverse("live:day_create", args=[setup.cohort.pk]), _post_data(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not InPersonDay.objects.exists()


def test_days_a_morning_only_day_is_accepted(client):
    """A day may have only a morning."""
    setup = make_cohort()
    client.force_login(setup.tutor)
    client.post(
        reverse("live:day_create", args=[setup.cohort.pk]),
        _post_data(afternoon_starts="", afternoon_ends=""),
    )
    day = InPersonDay.objects.get()
    assert [half for half, _s, _e in day.halves()] == ["am"]


def test_days_link_to_an_in_person_activity_of_the_run_only_once(client):
    """Only an unlinked in-person-day activity of the cohort's run can be linked."""
    setup = make_cohort()
    module = setup.activities[0].module
    slot = ActivityFactory(module=module, position=10, kind=Activity.Kind.IN_PERSON_DAY)
    client.force_login(setup.tutor)
    url = reverse("live:day_create", args=[setup.cohort.pk])
    page = client.get(url).content.decode()
    assert f'value="{slot.pk}"' in page
    assert f'value="{setup.activities[0].pk}"' not in page  # a page, not a day
    client.post(url, _post_data(activity=str(slot.pk)))
    assert InPersonDay.objects.get().activity == slot
    response = client.post(url, _post_data(activity=str(slot.pk)))
    assert response.status_code == 400
    assert InPersonDay.objects.count() == 1


def test_days_learner_and_other_tutor_cannot_schedule(client):
    """A learner of the cohort or a tutor of another cohort gets 403."""
    setup = make_cohort()
    other = make_cohort()
    url = reverse("live:day_create", args=[setup.cohort.pk])
    for person in (setup.learners[0], other.tutor):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post(url, _post_data()).status_code == 403
    assert not InPersonDay.objects.exists()


def test_days_other_tutor_cannot_edit_cancel_or_open_the_sheet(client):
    """Another cohort's tutor is refused on every tutor page of the day."""
    setup = make_cohort()
    other = make_cohort()
    day = make_day(setup.cohort)
    client.force_login(other.tutor)
    for name in (
        "live:day_edit",
        "live:day_cancel",
        "live:day_sheet",
        "live:day_detail",
    ):
        assert client.get(reverse(name, args=[day.uuid])).status_code == 403
    assert client.get(reverse("live:day_qr", args=[day.uuid, "am"])).status_code == 403
    assert (
        client.get(reverse("live:day_qr_token", args=[day.uuid, "am"])).status_code
        == 403
    )


def test_days_learner_sees_the_day_and_own_presence_but_no_tutor_tools(client):
    """A learner sees place, times and their own mark; sheet and QR are refused."""
    setup = make_cohort()
    learner = setup.learners[0]
    day = make_day(setup.cohort, date=timezone.localdate() - dt.timedelta(days=2))
    AttendanceRecord.objects.create(
        cohort=setup.cohort,
        user=learner,
        day=day,
        half="am",
        status="present",
        minutes_planned=180,
        minutes_attended=180,
        source="qr",
    )
    client.force_login(learner)
    page = client.get(reverse("live:day_detail", args=[day.uuid])).content.decode()
    assert "Ma présence" in page and "Présent" in page and "Non saisie" in page
    assert "Matin : de 09:00 à 12:00" in page
    assert reverse("live:day_sheet", args=[day.uuid]) not in page
    assert client.get(reverse("live:day_sheet", args=[day.uuid])).status_code == 403
    assert client.get(reverse("live:day_qr", args=[day.uuid, "am"])).status_code == 403
    assert client.get(reverse("live:day_edit", args=[day.uuid])).status_code == 403


def test_days_group_tutor_may_schedule_and_stranger_sees_nothing(client):
    """A group tutor tutors the cohort (may schedule); an outsider gets 403."""
    setup = make_cohort()
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=setup.learners[:1])
    client.force_login(group_tutor)
    response = client.post(
        reverse("live:day_create", args=[setup.cohort.pk]), _post_data()
    )
    assert response.status_code == 302
    day = InPersonDay.objects.get()
    client.force_login(UserFactory())
    assert client.get(reverse("live:day_detail", args=[day.uuid])).status_code == 403


def test_days_edit_changes_times_and_keeps_marks_consistent(client):
    """Editing times re-plans present marks; a marked half cannot be removed."""
    setup = make_cohort()
    day = make_day(setup.cohort, date=timezone.localdate() + dt.timedelta(days=3))
    from live.attendance import mark_half_day

    record, _ = mark_half_day(
        day, "am", setup.learners[0].pk, "present", source="sheet", by=setup.tutor
    )
    client.force_login(setup.tutor)
    url = reverse("live:day_edit", args=[day.uuid])
    data = _post_data(date=day.date.isoformat(), morning_starts="08:30")
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert (record.minutes_planned, record.minutes_attended) == (210, 210)
    note = Notification.objects.get(user=setup.learners[1])
    assert note.kind == Notification.Kind.AGENDA and "modifiée" in note.title
    response = client.post(url, _post_data(morning_starts="", morning_ends=""))
    assert response.status_code == 400
    assert "ne peut pas être supprimée" in response.content.decode()
    day.refresh_from_db()
    assert day.morning_starts == dt.time(8, 30)


def test_days_cancel_needs_confirmation_and_notifies_learners(client):
    """Cancelling asks for confirmation, then notifies every active learner."""
    setup = make_cohort(learners=2)
    day = make_day(setup.cohort, date=timezone.localdate() + dt.timedelta(days=3))
    client.force_login(setup.tutor)
    url = reverse("live:day_cancel", args=[day.uuid])
    page = client.get(url).content.decode()
    assert "Je confirme l&#x27;annulation" in page
    response = client.post(url, {"reason": "Grève des trains"})
    assert response.status_code == 400
    assert "Cochez la case pour confirmer" in response.content.decode()
    day.refresh_from_db()
    assert not day.is_cancelled
    response = client.post(url, {"reason": "Grève des trains", "confirm": "on"})
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.is_cancelled
    notes = Notification.objects.filter(kind=Notification.Kind.AGENDA)
    assert sorted(notes.values_list("user_id", flat=True)) == sorted(
        u.pk for u in setup.learners
    )
    assert notes.first().body == "Grève des trains"
    assert "annulée" in notes.first().title
    assert LogEntry.objects.filter(
        object_id=str(day.pk), change_message__contains="cancelled"
    ).exists()
    page = client.get(reverse("live:day_detail", args=[day.uuid])).content.decode()
    assert "Cette journée est annulée." in page


def test_days_learner_cannot_cancel(client):
    """A learner's POST to cancel is refused and changes nothing."""
    setup = make_cohort()
    day = make_day(setup.cohort)
    client.force_login(setup.learners[0])
    response = client.post(
        reverse("live:day_cancel", args=[day.uuid]), {"confirm": "on"}
    )
    assert response.status_code == 403
    day.refresh_from_db()
    assert not day.is_cancelled
