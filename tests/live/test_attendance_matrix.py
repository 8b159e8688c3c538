"""The tutor's attendance matrix, one record's correction, the learner's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from live import attendance
from live.models import AttendanceRecord, VirtualClass
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort, make_group
from tutoring.cohorts import enrol
from tutoring.models import Enrolment

pytestmark = pytest.mark.django_db

Status = AttendanceRecord.Status


def _past_class(cohort, **fields):
    return make_class(
        cohort,
        starts_at=timezone.now() - dt.timedelta(days=1),
        duration_minutes=60,
        status=VirtualClass.Status.ENDED,
        **fields,
    )


def _record(vc, user, status, minutes):
    return AttendanceRecord.objects.create(
        cohort=vc.cohort,
        user=user,
        virtual_class=vc,
        status=status,
        minutes_planned=vc.duration_minutes,
        minutes_attended=minutes,
        source=AttendanceRecord.Source.BBB,
    )


def test_matrix_shows_statuses_totals_and_links(client):
    setup = make_cohort(learners=2)
    vc = _past_class(setup.cohort, title="Classe du lundi")
    alice, bob = setup.learners
    record = _record(vc, alice, Status.PRESENT, 60)
    client.force_login(setup.tutor)
    html = client.get(reverse("live:attendance", args=[setup.cohort.pk])).text
    assert "Classe du lundi" in html
    assert "présent" in html and "✔" in html
    assert reverse("live:attendance_record", args=[record.pk]) in html
    assert "1,0 h / 1,0 h" in html and "100 %" in html
    # Bob was never seen: a link lets the tutor enter his presence.
    assert (
        reverse(
            "live:attendance_record_new",
            args=[setup.cohort.pk, f"class-{vc.pk}", bob.pk],
        )
        in html
    )


def test_learner_and_outsider_cannot_see_the_matrix(client):
    setup = make_cohort(learners=1)
    client.force_login(setup.learners[0])
    assert (
        client.get(reverse("live:attendance", args=[setup.cohort.pk])).status_code
        == 403
    )


def test_group_tutor_sees_only_their_group(client):
    setup = make_cohort(learners=2)
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "G1", tutor=group_tutor, members=[setup.learners[0]])
    client.force_login(group_tutor)
    html = client.get(reverse("live:attendance", args=[setup.cohort.pk])).text
    assert setup.learners[0].last_name in html
    assert setup.learners[1].last_name not in html


def test_sort_by_percent_search_and_csv(client):
    setup = make_cohort(learners=2)
    vc = _past_class(setup.cohort, title="Classe; virgule")
    low, high = setup.learners
    low.last_name, high.last_name = "Zorro", "Alpha"
    low.save(), high.save()
    _record(vc, low, Status.PARTIAL, 15)
    _record(vc, high, Status.PRESENT, 60)
    client.force_login(setup.tutor)
    url = reverse("live:attendance", args=[setup.cohort.pk])
    html = client.get(url, {"sort": "percent"}).text
    assert html.index("Zorro") < html.index("Alpha")
    html = client.get(url, {"sort": "-percent"}).text
    assert html.index("Alpha") < html.index("Zorro")
    html = client.get(url, {"q": "zorr"}).text
    assert "Zorro" in html and "Alpha" not in html
    response = client.get(url, {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:3] == ["Nom", "Prénom", "Adresse e-mail"]
    assert lines[0].split(";")[-1] == "Présence (%)"
    alpha = next(line for line in lines if line.startswith("Alpha"))
    assert alpha.endswith(";présent;1,0;1,0;100")
    zorro = next(line for line in lines if line.startswith("Zorro"))
    assert zorro.endswith(";0,2;1,0;25")


def test_query_count_does_not_grow(client, django_assert_max_num_queries):
    setup = make_cohort(learners=2)
    for _ in range(2):
        vc = _past_class(setup.cohort)
        for learner in setup.learners:
            _record(vc, learner, Status.PRESENT, 60)
    make_day(setup.cohort, date=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(setup.tutor)
    url = reverse("live:attendance", args=[setup.cohort.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    baseline = len(small.captured_queries)
    for _ in range(6):
        person = UserFactory(roles=[Role.TEACHER])
        enrol(setup.cohort, person)
    for _ in range(4):
        vc = _past_class(setup.cohort)
        for enrolment in Enrolment.objects.filter(cohort=setup.cohort):
            _record(vc, enrolment.user, Status.ABSENT, 0)
    make_day(setup.cohort, date=timezone.localdate() - dt.timedelta(days=3))
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(baseline + 2):
        response = client.get(url, {"format": "csv"})
        b"".join(response.streaming_content)


def test_correction_requires_a_reason_keeps_history_and_updates_totals(
    client, committed
):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = _past_class(setup.cohort)
    record = _record(vc, learner, Status.ABSENT, 0)
    client.force_login(setup.tutor)
    url = reverse("live:attendance_record", args=[record.pk])
    response = client.post(url, {"status": "present", "minutes_attended": ""})
    assert response.status_code == 400
    assert "Indiquez le motif de la correction." in response.text
    with committed():
        response = client.post(
            url,
            {
                "status": "present",
                "minutes_attended": "",
                "reason": "Connexion par téléphone",
            },
            follow=True,
        )
    assert "La présence a été corrigée." in response.text
    assert "Connexion par téléphone" in response.text
    assert "absent" in response.text and "présent" in response.text
    record.refresh_from_db()
    assert record.status == Status.PRESENT and record.minutes_attended == 60
    assert record.is_corrected
    assert (
        Enrolment.objects.get(cohort=setup.cohort, user=learner).attendance_percent
        == 100
    )
    # A learner cannot open it.
    client.force_login(learner)
    assert client.get(url).status_code == 403


def test_tutor_creates_a_record_for_a_learner_never_seen(client, committed):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = _past_class(setup.cohort)
    client.force_login(setup.tutor)
    url = reverse(
        "live:attendance_record_new",
        args=[setup.cohort.pk, f"class-{vc.pk}", learner.pk],
    )
    assert "Pas encore relevée" in client.get(url).text
    with committed():
        response = client.post(
            url,
            {"status": "partial", "minutes_attended": "30", "reason": "Feuille papier"},
        )
    record = AttendanceRecord.objects.get(virtual_class=vc, user=learner)
    assert response.url == reverse("live:attendance_record", args=[record.pk])
    assert record.status == Status.PARTIAL and record.minutes_attended == 30
    assert attendance.attendance_summary(setup.cohort, learner).percent == 50


def test_my_attendance_shows_records_totals_and_progress(client):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = _past_class(setup.cohort, title="Classe passée")
    _record(vc, learner, Status.PARTIAL, 30)
    make_class(
        setup.cohort,
        title="Classe future",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )
    client.force_login(learner)
    html = client.get(reverse("live:my_attendance", args=[setup.cohort.pk])).text
    assert "Classe passée" in html and "présence partielle" in html
    assert "Classe future" in html and "à venir" in html
    assert '<progress max="100" value="50"' in html
    assert "Présence : 50 %" in html
    assert reverse("live:justify", args=[setup.cohort.pk]) in html
    client.force_login(setup.tutor)
    assert (
        client.get(reverse("live:my_attendance", args=[setup.cohort.pk])).status_code
        == 403
    )
