"""The learner course page: access per role, states, next activity, queries."""

import re

import pytest
from django.urls import reverse

from courses import services
from courses.models import Activity, Course
from lms.roles import Role
from tests.courses.structure_fixtures import page_activity, run_with_learner, tutor_of
from tests.factories import UserFactory
from tests.factories.courses import CourseFactory, ModuleFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


def _url(course):
    return reverse("courses:course_detail", args=[course.pk])


@pytest.fixture
def course_setup():
    """A run: module A (intro, quiz requiring intro), module B (optional page)."""
    template = CourseFactory(title="Intégrer le numérique")
    first = ModuleFactory(course=template, position=0, title="Découvrir")
    second = ModuleFactory(course=template, position=1, title="Approfondir")
    intro = page_activity(first, "Introduction", position=0)
    quiz = page_activity(first, "Quiz final", position=1)
    quiz.prerequisites.set([intro])
    page_activity(second, "Lecture libre", position=0, is_required=False)
    run = services.start_run(template, code="RUN-1", title="Intégrer le numérique")
    learner = UserFactory(roles=[Role.TEACHER], first_name="Camille")
    services.grant_course_access(learner, run)
    return run, learner


def test_anonymous_visitor_is_sent_to_login(client, course_setup):
    """Without a session the course page redirects to the login page."""
    run, _learner = course_setup
    response = client.get(_url(run))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_learner_of_another_run_is_refused(client, course_setup):
    """A teacher following another run gets a 403."""
    run, _learner = course_setup
    other_run, other_learner, _pages = run_with_learner()
    force_login_verified(client, other_learner)
    assert client.get(_url(run)).status_code == 403
    assert client.get(_url(other_run)).status_code == 200


def test_revoked_learner_is_refused(client, course_setup):
    """After revocation the learner no longer sees the course."""
    run, learner = course_setup
    services.revoke_course_access(learner, run)
    force_login_verified(client, learner)
    assert client.get(_url(run)).status_code == 403


def test_tutor_and_manager_may_view_without_progress(
    client, course_setup, catalogue_manager
):
    """The run's tutor and a catalogue manager see the page with a notice."""
    run, _learner = course_setup
    report = reverse("courses:course_report", args=[run.pk])
    for user in (tutor_of(run), catalogue_manager):
        force_login_verified(client, user)
        response = client.get(_url(run))
        assert response.status_code == 200
        assert "aucune progression n'est enregistrée" in response.text
        assert f'href="{report}"' in response.text


def test_learner_gets_no_report_link(client, course_setup):
    """The report link is for tutors and staff only."""
    run, learner = course_setup
    force_login_verified(client, learner)
    response = client.get(_url(run))
    assert reverse("courses:course_report", args=[run.pk]) not in response.text


def test_new_learner_sees_start_button_and_locked_quiz(client, course_setup):
    """Nothing done: 0 %, « Commencer » to the intro, the quiz locked with its reason."""
    run, learner = course_setup
    force_login_verified(client, learner)
    response = client.get(_url(run))
    page = response.context["page"]
    assert page.percent == 0
    assert page.next_activity.title == "Introduction"
    html = response.text
    assert "0 % terminé" in html
    assert ">Commencer<" in html
    # French plural forms treat 0 as singular once the catalogue is compiled.
    assert re.search(r"0 activités? obligatoires? terminées? sur 2", html)
    assert "Se débloque quand vous aurez terminé : « Introduction »" in html
    assert "Verrouillée" in html
    assert "facultative" in html
    intro = Activity.objects.get(module__course=run, title="Introduction")
    assert reverse("courses:activity_detail", args=[intro.uuid]) in html


def test_progress_moves_the_resume_button_and_unlocks(client, course_setup):
    """After the intro: 50 %, « Reprendre » to the quiz, quiz unlocked; then done."""
    run, learner = course_setup
    intro = Activity.objects.get(module__course=run, title="Introduction")
    quiz = Activity.objects.get(module__course=run, title="Quiz final")
    services.mark_viewed(learner, intro)
    force_login_verified(client, learner)
    response = client.get(_url(run))
    page = response.context["page"]
    assert page.percent == 50
    assert page.next_activity == quiz
    assert ">Reprendre<" in response.text
    assert "Terminée" in response.text
    assert "Se débloque" not in response.text
    module_a = page.modules[0]
    assert (module_a.completed_required, module_a.total_required) == (1, 2)

    services.mark_viewed(learner, quiz)
    response = client.get(_url(run))
    assert response.context["page"].percent == 100
    assert "vous avez terminé toutes les activités obligatoires" in response.text
    assert ">Reprendre<" not in response.text


def test_empty_course_shows_an_empty_state(client, catalogue_manager):
    """A course without activities says so instead of a 0 % bar."""
    course = Course.objects.create(code="VIDE", title="Vide")
    force_login_verified(client, catalogue_manager)
    response = client.get(_url(course))
    assert "Ce cours ne contient encore aucune activité." in response.text
    assert "<progress" not in response.text


def test_course_page_query_count_does_not_grow_with_activities(
    client, course_setup, django_assert_num_queries
):
    """The page costs the same number of queries with 3 or 13 activities."""
    run, learner = course_setup
    force_login_verified(client, learner)
    client.get(_url(run))  # warm the session
    expected = 10
    with django_assert_num_queries(expected):
        assert client.get(_url(run)).status_code == 200
    module = run.modules.first()
    for index in range(10):
        extra = page_activity(module, f"Extra {index}", position=10 + index)
        extra.prerequisites.set(
            [Activity.objects.get(module__course=run, title="Introduction")]
        )
    with django_assert_num_queries(expected):
        assert client.get(_url(run)).status_code == 200
