"""Absence justifications: upload checks, review, file access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from live import attendance
from live.models import AbsenceJustification, AttendanceRecord, VirtualClass
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort
from tutoring.models import Enrolment, Notification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _justify(client, cohort, slot, file=None, reason="Malade"):
    data = {"slot": slot, "reason": reason}
    if file is not None:
        data["file"] = file
    return client.post(reverse("live:justify", args=[cohort.pk]), data)


def test_learner_sends_a_justification_with_a_pdf(client):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort, title="Classe du mardi")
    client.force_login(setup.learners[0])
    page = client.get(reverse("live:justify", args=[setup.cohort.pk])).text
    assert "Classe du mardi" in page
    response = _justify(
        client,
        setup.cohort,
        f"class-{vc.pk}",
        SimpleUploadedFile("certificat.pdf", PDF, "application/pdf"),
    )
    assert response.status_code == 302
    justification = AbsenceJustification.objects.get()
    assert justification.virtual_class == vc
    assert justification.status == AbsenceJustification.Status.PENDING
    html = client.get(response.url).text
    assert "en attente" in html


def test_too_big_wrong_type_and_not_enrolled_are_refused(client, settings):
    settings.LIVE_JUSTIFICATION_MAX_BYTES = 100
    setup = make_cohort(learners=1)
    day = make_day(setup.cohort)
    client.force_login(setup.learners[0])
    big = SimpleUploadedFile("gros.pdf", PDF + b"x" * 200, "application/pdf")
    response = _justify(client, setup.cohort, f"day-{day.pk}", big)
    assert response.status_code == 400
    assert "trop volumineux" in response.text
    fake = SimpleUploadedFile("image.png", b"MZ\x90\x00 not a png", "image/png")
    response = _justify(client, setup.cohort, f"day-{day.pk}", fake)
    assert "type de fichier n&#x27;est pas accepté" in response.text
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream")
    assert "pas accepté" in _justify(client, setup.cohort, f"day-{day.pk}", exe).text
    assert not AbsenceJustification.objects.exists()
    # A slot of another cohort is not offered.
    other = make_cohort(learners=0)
    other_class = make_class(other.cohort)
    response = _justify(client, setup.cohort, f"class-{other_class.pk}")
    assert response.status_code == 400
    # Someone not enrolled cannot justify.
    client.force_login(UserFactory(roles=[Role.TEACHER]))
    assert _justify(client, setup.cohort, f"day-{day.pk}").status_code == 403
    assert not AbsenceJustification.objects.exists()


def test_accepting_a_class_justification_excuses_and_notifies(client, committed):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(days=1),
        status=VirtualClass.Status.ENDED,
    )
    other = make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(days=2),
        status=VirtualClass.Status.ENDED,
    )
    AttendanceRecord.objects.create(
        cohort=setup.cohort,
        user=learner,
        virtual_class=other,
        status="present",
        minutes_planned=60,
        minutes_attended=60,
        source="bbb",
    )
    assert attendance.attendance_summary(setup.cohort, learner).percent == 50
    justification = AbsenceJustification.objects.create(
        cohort=setup.cohort, user=learner, virtual_class=vc, reason="Grippe"
    )
    client.force_login(setup.tutor)
    html = client.get(reverse("live:justification_list", args=[setup.cohort.pk])).text
    assert "Grippe" in html
    with committed():
        response = client.post(
            reverse("live:justification_review", args=[justification.pk]),
            {"decision": "accept", "comment": "Certificat reçu"},
            follow=True,
        )
    assert "l&#x27;absence est excusée" in response.text
    record = AttendanceRecord.objects.get(virtual_class=vc, user=learner)
    assert record.status == AttendanceRecord.Status.EXCUSED
    assert attendance.attendance_summary(setup.cohort, learner).percent == 100
    assert (
        Enrolment.objects.get(cohort=setup.cohort, user=learner).attendance_percent
        == 100
    )
    note = Notification.objects.get(user=learner)
    assert note.kind == Notification.Kind.AGENDA and "accepté" in note.title
    # Reviewed once only.
    response = client.post(
        reverse("live:justification_review", args=[justification.pk]),
        {"decision": "reject"},
        follow=True,
    )
    assert "déjà été traité" in response.text


def test_accepting_a_day_justification_excuses_each_half(client, committed):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    day = make_day(setup.cohort, date=timezone.localdate() - dt.timedelta(days=1))
    justification = AbsenceJustification.objects.create(
        cohort=setup.cohort, user=learner, day=day, reason="Enfant malade"
    )
    client.force_login(setup.tutor)
    with committed():
        client.post(
            reverse("live:justification_review", args=[justification.pk]),
            {"decision": "accept"},
        )
    statuses = set(
        AttendanceRecord.objects.filter(day=day, user=learner).values_list(
            "half", "status"
        )
    )
    assert statuses == {("am", "excused"), ("pm", "excused")}


def test_rejecting_keeps_the_record(client, committed):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    day = make_day(setup.cohort)
    justification = AbsenceJustification.objects.create(
        cohort=setup.cohort, user=learner, day=day, reason="Panne"
    )
    client.force_login(setup.tutor)
    with committed():
        client.post(
            reverse("live:justification_review", args=[justification.pk]),
            {"decision": "reject", "comment": "Pas de preuve"},
        )
    justification.refresh_from_db()
    assert justification.status == AbsenceJustification.Status.REJECTED
    assert not AttendanceRecord.objects.filter(user=learner).exists()
    assert "refusé" in Notification.objects.get(user=learner).title
    # A learner cannot review.
    client.force_login(learner)
    response = client.post(
        reverse("live:justification_review", args=[justification.pk]),
        {"decision": "accept"},
    )
    assert response.status_code == 403


def test_file_download_is_limited_to_the_learner_and_tutors(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    setup = make_cohort(learners=2)
    owner, classmate = setup.learners
    day = make_day(setup.cohort)
    client.force_login(owner)
    _justify(
        client,
        setup.cohort,
        f"day-{day.pk}",
        SimpleUploadedFile("preuve.png", PNG, "image/png"),
    )
    justification = AbsenceJustification.objects.get()
    url = reverse("live:justification_file", args=[justification.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PNG
    client.force_login(setup.tutor)
    assert client.get(url).status_code == 200
    client.force_login(classmate)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(roles=[Role.TUTOR]))
    assert client.get(url).status_code == 403
