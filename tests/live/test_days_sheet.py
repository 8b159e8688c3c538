"""In-person days: the attendance sheet (marks, corrections, scope, totals, queries)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from live import checkin
from live.attendance import mark_half_day
from live.models import AttendanceCorrection, AttendanceRecord
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.live import make_day
from tests.factories.tutoring import make_cohort, make_group
from tutoring.models import Enrolment

pytestmark = pytest.mark.django_db

Status = AttendanceRecord.Status


def _marks(day):
    return {
        (r.user_id, r.half): r.status for r in AttendanceRecord.objects.filter(day=day)
    }


def test_days_sheet_lists_learners_with_labelled_radios(client):
    """Each learner × half is a radio group labelled with the name and the half."""
    setup = make_cohort(learners=2)
    day = make_day(setup.cohort)
    client.force_login(setup.tutor)
    page = client.get(reverse("live:day_sheet", args=[day.uuid])).content.decode()
    learner = setup.learners[0]
    name = learner.get_full_name()
    assert f'name="mark-{learner.pk}-am"' in page
    assert f'name="mark-{learner.pk}-pm"' in page
    assert "<legend" in page and f"{name} — matin" in page.replace("&#x27;", "'")
    assert "Tous présents (matin)" in page
    assert "live/sheet.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_days_sheet_post_marks_and_correction_keeps_history(client, committed):
    """Saving the sheet marks learners; changing a mark keeps a correction."""
    setup = make_cohort(learners=2)
    first, second = setup.learners
    day = make_day(setup.cohort, date=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(setup.tutor)
    url = reverse("live:day_sheet", args=[day.uuid])
    data = {
        f"mark-{first.pk}-am": "present",
        f"mark-{first.pk}-pm": "absent",
        f"mark-{second.pk}-am": "excused",
    }
    with committed():
        response = client.post(url, data)
    assert response.status_code == 302
    assert _marks(day) == {
        (first.pk, "am"): "present",
        (first.pk, "pm"): "absent",
        (second.pk, "am"): "excused",
    }
    assert not AttendanceCorrection.objects.exists()
    record = AttendanceRecord.objects.get(day=day, user=first, half="am")
    assert (record.source, record.recorded_by) == ("sheet", setup.tutor)
    # The same submission again changes nothing (double submit is harmless).
    client.post(url, data)
    assert not AttendanceCorrection.objects.exists()
    # A correction: absent → present in the afternoon.
    with committed():
        client.post(url, {**data, f"mark-{first.pk}-pm": "present"})
    correction = AttendanceCorrection.objects.get()
    assert correction.before["status"] == "absent"
    assert correction.after["status"] == "present"
    assert correction.by == setup.tutor
    # Totals: first learner 6 h of 6 h, second excused in the morning, unmarked pm.
    enrolments = dict(
        Enrolment.objects.filter(cohort=setup.cohort).values_list(
            "user_id", "attendance_percent"
        )
    )
    assert enrolments[first.pk] == 100
    page = client.get(url).content.decode()
    assert 'présents <span data-count="present">1</span>' in page


def test_days_all_present_button_works_without_js(client):
    """ "Tous présents" marks every learner present for that half."""
    setup = make_cohort(learners=3)
    day = make_day(setup.cohort)
    client.force_login(setup.tutor)
    client.post(reverse("live:day_sheet", args=[day.uuid]), {"all_present": "pm"})
    assert _marks(day) == {(u.pk, "pm"): "present" for u in setup.learners}


def test_days_group_tutor_sees_and_marks_only_their_group(client):
    """A group tutor's sheet lists their group; marks for others are ignored."""
    setup = make_cohort(learners=3)
    mine, other, _ungrouped = setup.learners
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "A", tutor=group_tutor, members=[mine])
    make_group(setup.cohort, "B", members=[other])
    day = make_day(setup.cohort)
    client.force_login(group_tutor)
    url = reverse("live:day_sheet", args=[day.uuid])
    page = client.get(url).content.decode()
    assert f"mark-{mine.pk}-am" in page
    assert f"mark-{other.pk}-am" not in page
    client.post(url, {f"mark-{mine.pk}-am": "present", f"mark-{other.pk}-am": "absent"})
    assert _marks(day) == {(mine.pk, "am"): "present"}
    client.post(url, {"all_present": "am"})
    assert _marks(day) == {(mine.pk, "am"): "present"}


def test_days_learner_cannot_post_the_sheet(client):
    """A learner is refused (403) and nothing is recorded."""
    setup = make_cohort()
    day = make_day(setup.cohort)
    learner = setup.learners[0]
    client.force_login(learner)
    response = client.post(
        reverse("live:day_sheet", args=[day.uuid]), {f"mark-{learner.pk}-am": "present"}
    )
    assert response.status_code == 403
    assert not AttendanceRecord.objects.exists()


def test_days_sheet_shows_qr_checkin_time(client):
    """A QR check-in appears on the sheet with its time."""
    setup = make_cohort()
    learner = setup.learners[0]
    now = timezone.localtime()
    day = make_day(
        setup.cohort,
        morning=(
            max(now - dt.timedelta(hours=1), now.replace(hour=0, minute=0)).time(),
            min(now + dt.timedelta(hours=1), now.replace(hour=23, minute=59)).time(),
        ),
        afternoon=None,
    )
    result = checkin.redeem(checkin.make_token(day, "am"), learner)
    client.force_login(setup.tutor)
    page = client.get(reverse("live:day_sheet", args=[day.uuid])).content.decode()
    stamp = timezone.localtime(result.checked_in_at).strftime("%H:%M")
    assert f"Pointé par code QR à {stamp}" in page
    assert f'name="mark-{learner.pk}-am" value="present" checked' in page


def test_days_unknown_value_is_ignored_with_a_message(client):
    """A forged value is not recorded."""
    setup = make_cohort()
    day = make_day(setup.cohort)
    learner = setup.learners[0]
    client.force_login(setup.tutor)
    response = client.post(
        reverse("live:day_sheet", args=[day.uuid]),
        {f"mark-{learner.pk}-am": "partial"},
        follow=True,
    )
    assert "pas reconnues" in response.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_days_sheet_queries_are_bounded(client, django_assert_max_num_queries):
    """The sheet of 30 learners costs as many queries as the sheet of 3."""
    small = make_cohort(learners=3)
    big = make_cohort(learners=30, tutor=small.tutor)
    for setup in (small, big):
        day = make_day(setup.cohort)
        for learner in setup.learners:
            mark_half_day(day, "am", learner.pk, "present", source="sheet")
        setup.day = day
    client.force_login(small.tutor)
    client.get(reverse("live:day_sheet", args=[small.day.uuid]))  # warm caches
    with django_assert_max_num_queries(20) as captured:
        assert (
            client.get(reverse("live:day_sheet", args=[small.day.uuid])).status_code
            == 200
        )
    count = len(captured.captured_queries)
    with django_assert_max_num_queries(count):
        response = client.get(reverse("live:day_sheet", args=[big.day.uuid]))
    assert response.content.decode().count('value="present" checked') == 30
