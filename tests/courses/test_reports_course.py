"""Run reports: learner × SCO table, CSV exports, permissions, query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Activity, Attempt, ScoState
from courses.reports import csv_safe, interactions_of
from lms.roles import Role
from tests.courses.structure_fixtures import ready_package, tutor_of
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db

SCOS = [
    {"identifier": "sco_intro", "title": "Introduction <b>SAMR</b>", "href": "a.html"},
    {"identifier": "sco_quiz", "title": 'Quiz; "final"', "href": "b.html"},
]


@pytest.fixture
def report_run():
    """A run with a two-SCO SCORM activity and an H5P activity; two learners."""
    template = CourseFactory(code="RPT")
    module = ModuleFactory(course=template, title="Module")
    ActivityFactory(
        module=module,
        title="Module SAMR",
        kind=Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.COMPLETED,
        package=ready_package(scos=SCOS),
        position=0,
    )
    ActivityFactory(
        module=module,
        title="Quiz H5P",
        kind=Activity.Kind.H5P,
        completion_rule=Activity.CompletionRule.COMPLETED,
        package=ready_package("h5p"),
        position=1,
    )
    run = services.start_run(template, code="RPT-2026", title="Suivi")
    alice = UserFactory(
        last_name="Alpha", first_name="Alice", email="alice@example.test"
    )
    bruno = UserFactory(
        last_name='=HYPERLINK("http://evil")',
        first_name="Bruno",
        email="bruno@example.test",
    )
    for user in (alice, bruno):
        services.grant_course_access(user, run)
    scorm = Activity.objects.get(module__course=run, kind=Activity.Kind.SCORM)
    now = timezone.now()
    first = Attempt.objects.create(
        user=alice,
        activity=scorm,
        package=scorm.package,
        number=1,
        is_closed=True,
        last_activity_at=now - timedelta(days=2),
    )
    second = Attempt.objects.create(
        user=alice,
        activity=scorm,
        package=scorm.package,
        number=2,
        last_activity_at=now - timedelta(hours=1),
    )
    ScoState.objects.create(
        attempt=first,
        sco_identifier="sco_intro",
        lesson_status="failed",
        score_raw=40,
        score_min=0,
        score_max=100,
        total_time_seconds=600,
        cmi={
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.student_response": "@SUM(1+1)",
            "cmi.interactions.0.result": "wrong",
            "cmi.interactions.0.correct_responses.0.pattern": "b",
            "cmi.interactions.0.time": "10:00:00",
        },
    )
    ScoState.objects.create(
        attempt=second,
        sco_identifier="sco_intro",
        lesson_status="passed",
        score_raw=85,
        score_min=0,
        score_max=100,
        total_time_seconds=1325,
        cmi={
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.student_response": "b",
            "cmi.interactions.0.result": "correct",
            "cmi.interactions.1.id": "q2; suite",
            "cmi.interactions.1.type": "fill-in",
            "cmi.interactions.1.student_response": 'ligne 1\nligne "2"',
            "cmi.interactions.1.result": "correct",
            "cmi.interactions.1.correct_responses.0.pattern": "x",
            "cmi.interactions.1.correct_responses.1.pattern": "y",
            "cmi.suspend_data": "secret",
        },
    )
    return run, alice, bruno


def _rows(response):
    return response.context["rows"]


def test_report_permissions_per_role(client, report_run, catalogue_manager):
    """Managers and registrations managers see it; the run's tutor too; another
    run's tutor, a learner and a teacher get 403; anonymous goes to login."""
    run, alice, _bruno = report_run
    url = reverse("courses:course_report", args=[run.pk])
    assert client.get(url).status_code == 302
    allowed = [
        catalogue_manager,
        UserFactory(roles=[Role.REGISTRATIONS_MANAGER]),
        UserFactory(roles=[Role.ADMINISTRATOR]),
        tutor_of(run),
    ]
    other_run = services.start_run(CourseFactory(), code="AUTRE", title="Autre")
    refused = [alice, UserFactory(roles=[Role.TEACHER]), tutor_of(other_run)]
    for user in allowed:
        force_login_verified(client, user)
        assert client.get(url).status_code == 200, user
    for user in refused:
        force_login_verified(client, user)
        for name in ("course_report", "course_report_csv", "interactions_csv"):
            response = client.get(reverse(f"courses:{name}", args=[run.pk]))
            assert response.status_code == 403, (user, name)


def test_report_rows_show_latest_status_total_time_and_attempts(
    client, report_run, catalogue_manager
):
    """Per SCO: latest attempt's status and score, time summed, attempt count;
    a learner with no attempt appears as not started."""
    run, alice, bruno = report_run
    force_login_verified(client, catalogue_manager)
    response = client.get(reverse("courses:course_report", args=[run.pk]))
    rows = {
        (r.learner.pk, r.activity.title, r.sco_identifier): r for r in _rows(response)
    }
    intro = rows[(alice.pk, "Module SAMR", "sco_intro")]
    assert intro.status_label == "réussi"
    assert intro.score == 85
    assert intro.total_time == "0:32:05"
    assert intro.attempt_count == 2
    assert intro.last_activity_at is not None
    quiz = rows[(alice.pk, "Module SAMR", "sco_quiz")]
    assert quiz.status_label == "pas commencé"
    assert quiz.attempt_count == 2
    assert rows[(bruno.pk, "Quiz H5P", "")].attempt_count == 0
    assert len(rows) == 6  # 2 learners × (2 SCOs + 1 H5P)
    html = response.text
    assert "Introduction &lt;b&gt;SAMR&lt;/b&gt;" in html
    assert "<b>SAMR</b>" not in html
    assert "85 %" in html


def test_report_filters_by_activity(client, report_run, catalogue_manager):
    """Choosing an activity limits the rows and the export links to it."""
    run, _alice, _bruno = report_run
    h5p = Activity.objects.get(module__course=run, kind=Activity.Kind.H5P)
    force_login_verified(client, catalogue_manager)
    response = client.get(
        reverse("courses:course_report", args=[run.pk]), {"activity": str(h5p.uuid)}
    )
    assert {r.activity.pk for r in _rows(response)} == {h5p.pk}
    assert f"report.csv?activity={h5p.uuid}" in response.text


def test_report_query_count_is_fixed_and_paginates(
    client, report_run, catalogue_manager, django_assert_num_queries
):
    """Same queries for 2 or 62 learners; 50 learners per page."""
    run, _alice, _bruno = report_run
    url = reverse("courses:course_report", args=[run.pk])
    force_login_verified(client, catalogue_manager)
    client.get(url)
    with django_assert_num_queries(10):  # +1: 2FA device
        client.get(url)
    scorm = Activity.objects.get(module__course=run, kind=Activity.Kind.SCORM)
    for index in range(60):
        user = UserFactory(last_name=f"Zeta{index:02d}")
        services.grant_course_access(user, run)
        attempt = Attempt.objects.create(
            user=user, activity=scorm, package=scorm.package
        )
        ScoState.objects.create(
            attempt=attempt, sco_identifier="sco_quiz", lesson_status="incomplete"
        )
    with django_assert_num_queries(10):  # +1: 2FA device
        response = client.get(url)
    assert {r.learner.pk for r in _rows(response)}.__len__() == 50
    assert "62 apprenant·es" in response.text
    page_two = client.get(url, {"page": 2})
    assert len({r.learner.pk for r in _rows(page_two)}) == 12


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_report_csv_is_injection_safe_and_escaped(
    client, report_run, catalogue_manager, django_assert_num_queries
):
    """Formula-looking cells get a leading quote; ; and quotes survive the round trip."""
    run, _alice, _bruno = report_run
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:course_report_csv", args=[run.pk])
    # session, user, roles, course, activities, the audit entry of the export,
    # learners batch, SCO states, attempt counts, the empty next batch.
    with django_assert_num_queries(11):  # +1: 2FA device
        response = client.get(url)
        rows = _csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="RPT-2026-suivi.csv"'
    )
    header, *data = rows
    assert header[:3] == ["Nom", "Prénom", "Adresse e-mail"]
    assert len(data) == 6
    names = {row[0] for row in data}
    assert '\'=HYPERLINK("http://evil")' in names
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for row in data for cell in row
    )
    quiz_rows = [row for row in data if row[6] == "sco_quiz"]
    assert quiz_rows[0][5] == 'Quiz; "final"'
    alice_intro = next(
        r for r in data if r[2] == "alice@example.test" and r[6] == "sco_intro"
    )
    assert alice_intro[7:13] == ["réussi", "85.0", "85.0", "0:32:05", "1925", "2"]


def test_interactions_csv_lists_every_attempt_safely(
    client, report_run, catalogue_manager, django_assert_num_queries
):
    """One row per interaction and attempt; responses with formulas are neutralised,
    newlines and separators quoted; suspend data never exported."""
    run, _alice, _bruno = report_run
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:interactions_csv", args=[run.pk])
    # The same six queries whatever the number of learners, plus the audit entry.
    with django_assert_num_queries(8):  # +1: 2FA device
        rows = _csv(client.get(url))
    header, *data = rows
    assert header[7] == "Identifiant"
    assert [(row[5], row[6], row[7]) for row in data] == [
        ("1", "0", "q1"),
        ("2", "0", "q1"),
        ("2", "1", "q2; suite"),
    ]
    assert data[0][11] == "'@SUM(1+1)"
    assert data[0][12] == "b"
    assert data[0][9] == "10:00:00"
    assert data[2][11] == 'ligne 1\nligne "2"'
    assert data[2][12] == "x | y"
    assert not any("secret" in cell for row in data for cell in row)


def test_csv_safe_prefixes_formula_starts_only():
    """Only text starting with = + - @ tab or CR is prefixed; numbers are kept."""
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe("-2") == "'-2"
    assert csv_safe("\t=x") == "'\t=x"
    assert csv_safe("a=b") == "a=b"
    assert csv_safe(-2) == -2
    assert csv_safe(None) == ""


def test_interactions_of_merges_scorm_12_and_2004_names():
    """student_response/learner_response and time/timestamp end in the same columns."""
    items = interactions_of(
        {
            "cmi.interactions.1.id": "b",
            "cmi.interactions.1.learner_response": "2004",
            "cmi.interactions.1.timestamp": "2026-01-01T10:00:00",
            "cmi.interactions.1.objectives.0.id": "obj",
            "cmi.interactions.0.id": "a",
            "cmi.interactions.0.student_response": "1.2",
            "cmi.interactions.10.id": "k",
            "cmi.core.lesson_status": "passed",
        }
    )
    assert [i["id"] for i in items] == ["a", "b", "k"]
    assert items[0]["response"] == "1.2"
    assert items[1]["response"] == "2004"
    assert items[1]["timestamp"] == "2026-01-01T10:00:00"
    assert items[1]["objectives"] == ["obj"]
