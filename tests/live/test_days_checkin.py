"""In-person days: QR check-in (signed, time-limited, single use per learner)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from live import checkin
from live.attendance import mark_half_day
from live.models import AttendanceRecord, QrCheckIn
from tests.factories import UserFactory
from tests.factories.live import make_day
from tests.factories.tutoring import make_cohort
from tutoring import cohorts
from tutoring.models import Enrolment

pytestmark = pytest.mark.django_db


def _running_day(cohort, **fields):
    """A day whose morning is in progress now (kept inside today)."""
    now = timezone.localtime()
    start = max(now - dt.timedelta(hours=1), now.replace(hour=0, minute=0))
    end = min(now + dt.timedelta(hours=1), now.replace(hour=23, minute=59))
    return make_day(
        cohort, morning=(start.time(), end.time()), afternoon=None, **fields
    )


class _PastSigner(signing.TimestampSigner):
    def __init__(self, seconds_ago):
        super().__init__(salt=checkin.SALT)
        self.seconds_ago = seconds_ago

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.seconds_ago)


def _path(token):
    return reverse("live:checkin", args=[token])


def test_days_valid_code_records_presence(client):
    """A learner scans, confirms, and is marked present (source QR)."""
    setup = make_cohort()
    learner = setup.learners[0]
    day = _running_day(setup.cohort)
    token = checkin.make_token(day, "am")
    client.force_login(learner)
    page = client.get(_path(token))
    assert page.status_code == 200
    assert "Confirmer ma présence" in page.content.decode()
    assert not AttendanceRecord.objects.exists()  # GET records nothing
    response = client.post(_path(token))
    assert response.status_code == 200
    assert "Votre présence est enregistrée" in response.content.decode()
    record = AttendanceRecord.objects.get(day=day, user=learner, half="am")
    assert (record.status, record.source) == ("present", "qr")
    assert record.minutes_attended == day.half_minutes("am")
    assert QrCheckIn.objects.filter(day=day, user=learner).count() == 1


def test_days_anonymous_is_sent_to_login_then_back(client):
    """An anonymous scan goes to the login page with the code as ``next``."""
    setup = make_cohort()
    day = _running_day(setup.cohort)
    path = _path(checkin.make_token(day, "am"))
    response = client.get(path)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert "next=" in response["Location"]


def test_days_expired_code_is_refused(client, settings):
    """A code older than its validity is refused with the expected message."""
    settings.LIVE_CHECKIN_TOKEN_SECONDS = 90
    setup = make_cohort()
    day = _running_day(setup.cohort)
    token = checkin.make_token(day, "am", using=_PastSigner(120))
    client.force_login(setup.learners[0])
    response = client.post(_path(token))
    assert response.status_code == 400
    assert (
        "Ce code a expiré : scannez le code affiché actuellement"
        in response.content.decode()
    )
    assert not AttendanceRecord.objects.exists()
    # Still valid at 60 seconds old.
    fresh = checkin.make_token(day, "am", using=_PastSigner(60))
    assert checkin.redeem(fresh, setup.learners[0]).is_present


def test_days_forged_code_is_refused(client):
    """A code with a changed payload or another salt is refused."""
    setup = make_cohort()
    day = _running_day(setup.cohort)
    other_day = _running_day(setup.cohort, title="Autre")
    token = checkin.make_token(day, "am")
    forged = signing.TimestampSigner(salt="autre").sign(f"{other_day.pk}.am.x")
    other_id = str(other_day.pk) + token[len(str(day.pk)) :]
    payload, rest = token.split(":", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    client.force_login(setup.learners[0])
    for bad in (forged, tampered, other_id, "n-importe-quoi"):
        response = client.post(_path(bad))
        assert response.status_code == 400
        assert "Ce code n&#x27;est pas valide" in response.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_days_replay_by_same_learner_is_refused_but_others_may_use_it(client):
    """The displayed code works once per learner; a second learner may use it."""
    setup = make_cohort(learners=2)
    first, second = setup.learners
    day = _running_day(setup.cohort)
    token = checkin.make_token(day, "am")
    client.force_login(first)
    assert client.post(_path(token)).status_code == 200
    replay = client.post(_path(token))
    assert replay.status_code == 400
    assert "Ce code a déjà été utilisé" in replay.content.decode()
    assert client.get(_path(token)).status_code == 400
    with pytest.raises(checkin.CheckInRefused, match="déjà été utilisé"):
        checkin.redeem(token, first)
    client.force_login(second)
    assert client.post(_path(token)).status_code == 200
    assert QrCheckIn.objects.filter(day=day).count() == 2
    assert set(
        AttendanceRecord.objects.filter(day=day).values_list("user_id", flat=True)
    ) == {first.pk, second.pk}


def test_days_not_enrolled_or_withdrawn_is_refused(client):
    """Outsiders, tutors and withdrawn learners cannot check in."""
    setup = make_cohort(learners=2)
    day = _running_day(setup.cohort)
    token = checkin.make_token(day, "am")
    withdrawn = setup.learners[1]
    cohorts.unenrol(setup.cohort, withdrawn)
    for person in (UserFactory(), setup.tutor, withdrawn):
        client.force_login(person)
        response = client.post(_path(token))
        assert response.status_code == 400
        assert "Vous n&#x27;êtes pas inscrit·e" in response.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_days_code_refused_when_not_today_cancelled_or_half_not_running(client):
    """Another day, a cancelled day or a half not in progress are refused."""
    setup = make_cohort()
    learner = setup.learners[0]
    client.force_login(learner)
    yesterday = make_day(setup.cohort, date=timezone.localdate() - dt.timedelta(days=1))
    response = client.post(_path(checkin.make_token(yesterday, "am")))
    assert response.status_code == 400
    assert "pas celle d&#x27;aujourd&#x27;hui" in response.content.decode()

    cancelled = _running_day(setup.cohort)
    token = checkin.make_token(cancelled, "am")
    cancelled.is_cancelled = True
    cancelled.save()
    response = client.post(_path(token))
    assert "Cette journée a été annulée." in response.content.decode()

    now = timezone.localtime()
    if now.hour <= 21:  # a half starting in two hours, still today
        later = make_day(
            setup.cohort,
            morning=None,
            afternoon=(
                (now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0),
                dt.time(23, 59),
            ),
        )
        response = client.post(_path(checkin.make_token(later, "pm")))
        assert response.status_code == 400
        assert "n&#x27;est pas ouvert" in response.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_days_qr_never_overwrites_a_tutor_mark(client):
    """If the tutor already marked the learner, the check-in is noted only."""
    setup = make_cohort()
    learner = setup.learners[0]
    day = _running_day(setup.cohort)
    mark_half_day(day, "am", learner.pk, "absent", source="sheet", by=setup.tutor)
    client.force_login(learner)
    response = client.post(_path(checkin.make_token(day, "am")))
    assert response.status_code == 200
    assert "avait déjà saisi" in response.content.decode()
    assert AttendanceRecord.objects.get(day=day, user=learner).status == "absent"
    assert QrCheckIn.objects.filter(day=day, user=learner).exists()


def test_days_tutor_qr_page_and_token_json(client):
    """The tutor sees a QR SVG and the URL; the JSON gives a fresh usable code."""
    setup = make_cohort()
    day = _running_day(setup.cohort)
    client.force_login(setup.tutor)
    page = client.get(reverse("live:day_qr", args=[day.uuid, "am"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "/live/checkin/" in html
    assert 'aria-live="polite"' in html and "live/checkin.js" in html
    assert client.get(reverse("live:day_qr", args=[day.uuid, "pm"])).status_code == 404
    data = client.get(reverse("live:day_qr_token", args=[day.uuid, "am"])).json()
    assert data["svg"].startswith("<svg") and data["count"] == 0
    assert data["url"].startswith("http")
    token = data["url"].rstrip("/").rsplit("/", 1)[1]
    learner = setup.learners[0]
    checkin.redeem(token, learner)
    data = client.get(reverse("live:day_qr_token", args=[day.uuid, "am"])).json()
    assert data["count"] == 1
    client.force_login(learner)
    assert (
        client.get(reverse("live:day_qr_token", args=[day.uuid, "am"])).status_code
        == 403
    )


def test_days_qr_presence_counts_in_totals_once_the_day_is_over(committed):
    """A QR check-in feeds the learner's attendance % when the half is held."""
    setup = make_cohort()
    learner = setup.learners[0]
    day = _running_day(setup.cohort)
    with committed():
        checkin.redeem(checkin.make_token(day, "am"), learner)
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=learner)
    assert enrolment.attendance_percent is None  # the half is not over yet
    past = make_day(
        setup.cohort,
        date=timezone.localdate() - dt.timedelta(days=1),
        afternoon=None,
    )
    with committed():
        mark_half_day(past, "am", learner.pk, "present", source="sheet")
    enrolment.refresh_from_db()
    assert enrolment.attendance_percent == 100
