"""Staff pages: who may manage courses, forms with French errors, structure edits."""

import pytest
from django.urls import reverse

from courses import services
from courses.models import Activity, Course, Module, Participant
from lms.roles import Role
from tests.courses.structure_fixtures import (
    page_activity,
    ready_package,
    run_with_learner,
)
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def structure():
    course = CourseFactory(code="TPL-1", title="Modèle un")
    module = ModuleFactory(course=course, title="Module un", position=0)
    activity = page_activity(module, "Page un", position=0)
    return course, module, activity


def _staff_urls(course, module, activity):
    """(method, url) of every staff endpoint, for permission sweeps."""
    return [
        ("get", reverse("courses:course_manage_list")),
        ("get", reverse("courses:course_create")),
        ("get", reverse("courses:course_manage", args=[course.pk])),
        ("get", reverse("courses:course_edit", args=[course.pk])),
        ("get", reverse("courses:run_create", args=[course.pk])),
        ("get", reverse("courses:course_participants", args=[course.pk])),
        ("get", reverse("courses:module_create", args=[course.pk])),
        ("get", reverse("courses:module_edit", args=[module.pk])),
        ("get", reverse("courses:module_delete", args=[module.pk])),
        ("post", reverse("courses:module_move", args=[module.pk])),
        ("get", reverse("courses:activity_create", args=[module.pk])),
        ("get", reverse("courses:activity_edit", args=[activity.uuid])),
        ("get", reverse("courses:activity_delete", args=[activity.uuid])),
        ("post", reverse("courses:activity_move", args=[activity.uuid])),
        ("post", reverse("courses:activity_package_replace", args=[activity.uuid])),
        ("get", reverse("courses:package_list")),
        ("get", reverse("courses:package_upload")),
        ("post", reverse("courses:package_upload")),
    ]


@pytest.mark.parametrize(
    "role", [Role.TEACHER, Role.TUTOR, Role.REGISTRATIONS_MANAGER, Role.CTP]
)
def test_non_managers_are_refused_every_staff_page(client, structure, role):
    """Teachers, tutors, registrations managers and CTPs get 403 everywhere."""
    force_login_verified(client, UserFactory(roles=[role]))
    for method, url in _staff_urls(*structure):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, url)


def test_anonymous_is_sent_to_login_from_staff_pages(client, structure):
    """Without a session, staff pages redirect to the login page."""
    for method, url in _staff_urls(*structure):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.CATALOGUE_MANAGER, Role.ADMINISTRATOR])
def test_managers_reach_the_staff_pages(client, structure, role):
    """Catalogue managers and administrators open every staff GET page."""
    force_login_verified(client, UserFactory(roles=[role]))
    for method, url in _staff_urls(*structure):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_course_list_searches_paginates_and_pins_queries(
    client, catalogue_manager, django_assert_num_queries
):
    """Search by code or title; 25 per page; query count independent of size."""
    for index in range(30):
        CourseFactory(code=f"NUM-{index:02d}", title=f"Numérique {index}")
    CourseFactory(code="MATH-1", title="Géométrie dynamique")
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:course_manage_list")
    client.get(url)
    with django_assert_num_queries(6):  # +1: 2FA device
        response = client.get(url)
    assert len(response.context["page"].object_list) == 25
    assert "31 modèles de cours" in response.text
    response = client.get(url, {"q": "géométrie"})
    assert [c.code for c in response.context["page"].object_list] == ["MATH-1"]
    response = client.get(url, {"q": "introuvable"})
    assert "Aucun modèle de cours ne correspond à « introuvable »." in response.text


def test_create_course_form_shows_french_errors_then_creates(client, catalogue_manager):
    """A taken code is reported on the field; a valid form creates the template."""
    CourseFactory(code="PRIS")
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:course_create")
    response = client.post(url, {"code": "pris", "title": "Titre"})
    assert response.status_code == 400
    assert "Un cours porte déjà le code « pris »." in response.text
    response = client.post(
        url, {"code": "NEUF-1", "title": "Nouveau", "description": ""}
    )
    course = Course.objects.get(code="NEUF-1")
    assert response["Location"] == reverse("courses:course_manage", args=[course.pk])
    assert course.is_template and course.created_by == catalogue_manager


def test_add_module_and_activities_through_the_forms(
    client, catalogue_manager, structure
):
    """Modules and activities are added with their kind-specific fields."""
    course, module, activity = structure
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("courses:module_create", args=[course.pk]), {"title": "Module deux"}
    )
    assert response.status_code == 302
    second = course.modules.get(title="Module deux")
    assert second.position == 1

    chooser = client.get(reverse("courses:activity_create", args=[second.pk]))
    assert "Quel type d'activité ?" in chooser.text
    url = reverse("courses:activity_create", args=[second.pk]) + "?kind=link"
    form = client.get(url)
    assert 'name="url"' in form.text and 'name="body"' not in form.text
    response = client.post(
        url, {"title": "Ressource", "url": "javascript:x", "completion_rule": "viewed"}
    )
    assert response.status_code == 400
    assert "http:// ou https://" in response.text
    response = client.post(
        url,
        {
            "title": "Ressource",
            "url": "https://www.e-classe.be/",
            "completion_rule": "viewed",
            "is_required": "on",
            "prerequisites": [activity.pk],
        },
    )
    assert response.status_code == 302
    link = second.activities.get(title="Ressource")
    assert list(link.prerequisites.all()) == [activity]


def test_scorm_activity_form_offers_only_ready_packages_of_its_standard(
    client, catalogue_manager, structure
):
    """The package list holds READY SCORM packages; min score is checked in French."""
    _course, module, _activity = structure
    scorm = ready_package(title="Paquet SCORM")
    ready_package("h5p", title="Paquet H5P")
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:activity_create", args=[module.pk]) + "?kind=scorm"
    html = client.get(url).text
    assert "Paquet SCORM" in html and "Paquet H5P" not in html
    data = {
        "title": "Quiz",
        "package": scorm.pk,
        "completion_rule": "min_score",
        "attempt_policy": "on_request",
        "is_required": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Indiquez le score minimum (entre 0 et 100)." in response.text
    response = client.post(url, {**data, "min_score": "80"})
    assert response.status_code == 302
    assert module.activities.get(title="Quiz").min_score == 80


def test_edit_activity_refuses_a_prerequisite_loop(
    client, catalogue_manager, structure
):
    """The edit form reports a loop on the prerequisites field."""
    _course, module, first = structure
    second = page_activity(module, "Page deux", position=1)
    second.prerequisites.set([first])
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("courses:activity_edit", args=[first.uuid]),
        {
            "title": first.title,
            "body": "<p>x</p>",
            "completion_rule": "viewed",
            "is_required": "on",
            "prerequisites": [second.pk],
            "module": module.pk,
        },
    )
    assert response.status_code == 400
    assert "boucle" in response.text


def test_move_and_delete_from_the_structure_page(client, catalogue_manager, structure):
    """Moving an activity down reorders it; deleting asks, then removes it."""
    _course, module, first = structure
    second = page_activity(module, "Page deux", position=1)
    force_login_verified(client, catalogue_manager)
    client.post(
        reverse("courses:activity_move", args=[first.uuid]), {"direction": "down"}
    )
    assert list(module.activities.order_by("position")) == [second, first]
    confirm = client.get(reverse("courses:activity_delete", args=[second.uuid]))
    assert "Supprimer l&#x27;activité « Page deux » ?" in confirm.text
    client.post(reverse("courses:activity_delete", args=[second.uuid]))
    assert not Activity.objects.filter(pk=second.pk).exists()


def test_deleting_a_tracked_activity_shows_the_reason(client, catalogue_manager):
    """In a run, an activity a learner has started cannot be deleted (French reason)."""
    run, learner, pages = run_with_learner(activities=1)
    services.mark_viewed(learner, pages[0])
    force_login_verified(client, catalogue_manager)
    response = client.post(reverse("courses:activity_delete", args=[pages[0].uuid]))
    assert response.status_code == 400
    assert "Rendez-la plutôt facultative." in response.text
    assert Activity.objects.filter(pk=pages[0].pk).exists()


def test_start_run_from_the_form(client, catalogue_manager, structure):
    """The run form copies the template and opens the run's structure page."""
    course, _module, _activity = structure
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("courses:run_create", args=[course.pk]),
        {"code": "TPL-1-2026", "title": "Session 2026"},
    )
    run = Course.objects.get(code="TPL-1-2026")
    assert response["Location"] == reverse("courses:course_manage", args=[run.pk])
    assert run.source == course
    assert run.modules.get().activities.get().title == "Page un"
    assert client.get(reverse("courses:run_create", args=[run.pk])).status_code == 404


def test_participants_page_adds_and_revokes(client, catalogue_manager):
    """Staff add a tutor by e-mail, unknown e-mails are reported, access is revoked."""
    run, learner, _pages = run_with_learner(activities=1)
    tutor = UserFactory(roles=[Role.TUTOR], email="tuteur@example.test")
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:course_participants", args=[run.pk])
    response = client.post(url, {"email": "personne@nulle.part", "role": "tutor"})
    assert "Aucun compte actif n&#x27;utilise cette adresse." in response.text
    client.post(url, {"email": "TUTEUR@example.test", "role": "tutor"})
    assert Participant.objects.get(course=run, user=tutor).role == "tutor"
    participant = Participant.objects.get(course=run, user=learner)
    client.post(reverse("courses:participant_revoke", args=[participant.pk]))
    participant.refresh_from_db()
    assert not participant.is_active
    assert learner.email in client.get(url).text


def test_manage_structure_page_pins_queries(
    client, catalogue_manager, structure, django_assert_num_queries
):
    """The structure page does not query per module or activity."""
    course, module, _activity = structure
    force_login_verified(client, catalogue_manager)
    url = reverse("courses:course_manage", args=[course.pk])
    client.get(url)
    with django_assert_num_queries(9):  # +1: 2FA device
        client.get(url)
    for index in range(5):
        extra = ModuleFactory(course=course, position=index + 1)
        ActivityFactory(module=extra, package=ready_package(), kind="scorm")
    with django_assert_num_queries(9):  # +1: 2FA device
        client.get(url)
    assert Module.objects.filter(course=course).count() == 6
