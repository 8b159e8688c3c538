"""Role and object checks on views: allowed and refused cases per role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.permissions import check_object_permission, has_object_permission
from lms.roles import Role
from lms.services import grant_role
from tests.factories import EstablishmentFactory, UserFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


def staff_url(establishment):
    return reverse("lms:establishment_staff", args=[establishment.fase_number])


def test_director_sees_own_establishment_staff(client):
    """A school director lists the staff of the school they direct."""
    school = EstablishmentFactory(name="Athénée des Tests")
    director = UserFactory()
    grant_role(director, Role.SCHOOL_DIRECTOR, establishment=school)
    colleague = UserFactory(last_name="Vandenberghe", roles=[Role.TEACHER])
    colleague.establishments.add(school)
    force_login_verified(client, director)
    response = client.get(staff_url(school))
    assert response.status_code == 200
    assert "Vandenberghe" in response.text
    assert "Enseignant·e" in response.text


def test_director_cannot_see_another_establishment(client):
    """A director of school A gets a 403 page, in French, for school B."""
    school_a, school_b = EstablishmentFactory(), EstablishmentFactory()
    director = UserFactory()
    grant_role(director, Role.SCHOOL_DIRECTOR, establishment=school_a)
    force_login_verified(client, director)
    response = client.get(staff_url(school_b))
    assert response.status_code == 403
    assert "Accès refusé" in response.text


@pytest.mark.parametrize(
    "role", [Role.TEACHER, Role.TUTOR, Role.CATALOGUE_MANAGER, Role.CTP, Role.DCO]
)
def test_roles_without_the_right_get_403(client, role):
    """Users without a director/IFPC/admin role get 403, not a 500 or an empty page."""
    school = EstablishmentFactory()
    force_login_verified(client, UserFactory(roles=[role]))
    response = client.get(staff_url(school))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.REGISTRATIONS_MANAGER])
def test_ifpc_roles_see_every_establishment(client, role):
    """Administrators and registrations managers see any establishment's staff."""
    school = EstablishmentFactory()
    force_login_verified(client, UserFactory(roles=[role]))
    assert client.get(staff_url(school)).status_code == 200


def test_anonymous_is_sent_to_login(client):
    """An anonymous visitor is redirected to the login page, keeping the target."""
    school = EstablishmentFactory()
    response = client.get(staff_url(school))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


def test_unknown_establishment_is_404(client, administrator):
    """An unknown FASE number answers 404."""
    force_login_verified(client, administrator)
    assert client.get("/establishments/99999/staff/").status_code == 404


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_staff_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    """The staff list costs the same number of queries for 3 or 40 members."""
    school = EstablishmentFactory()
    force_login_verified(client, UserFactory(roles=[Role.ADMINISTRATOR]))
    for _ in range(3):
        UserFactory(roles=[Role.TEACHER]).establishments.add(school)
    client.get(staff_url(school))  # warm up per-process caches (content types…)
    with_three, _response = count_queries(client, staff_url(school))
    for _ in range(37):
        UserFactory(roles=[Role.TEACHER]).establishments.add(school)
    with django_assert_max_num_queries(9):
        with_forty, response = count_queries(client, staff_url(school))
    assert with_forty == with_three
    assert response.text.count("<tr>") == 41  # header + 40 members


def test_staff_list_is_paginated(client, administrator):
    """More than 50 members are split into pages with navigation."""
    school = EstablishmentFactory()
    for _ in range(51):
        UserFactory().establishments.add(school)
    force_login_verified(client, administrator)
    first = client.get(staff_url(school))
    assert "Page 1 sur 2" in first.text
    second = client.get(staff_url(school) + "?page=2")
    assert second.text.count("<tr>") == 2


def test_unregistered_action_is_refused(teacher):
    """An action without a registered rule is refused, never allowed by default."""
    assert not has_object_permission(teacher, "nothing.registered", object())
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        check_object_permission(teacher, "nothing.registered", object())


def test_django_admin_is_for_administrators_only(
    client, catalogue_manager, administrator
):
    """The Django admin index opens for administrators; others go to its login."""
    force_login_verified(client, catalogue_manager)
    refused = client.get("/django-admin/")
    assert refused.status_code == 302
    assert "/django-admin/login/" in refused["Location"]
    force_login_verified(client, administrator)
    assert client.get("/django-admin/").status_code == 200


def test_wagtail_admin_for_ifpc_staff_only(client, teacher, catalogue_manager):
    """/cms/ opens for a catalogue manager and not for a teacher."""
    force_login_verified(client, catalogue_manager)
    assert client.get("/cms/").status_code == 200
    force_login_verified(client, teacher)
    response = client.get("/cms/")
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


def test_navigation_depends_on_roles(client, teacher, catalogue_manager, administrator):
    """Admin links appear only for the roles that may use them."""
    force_login_verified(client, teacher)
    page = client.get(reverse("lms:dashboard")).text
    assert "Administration du catalogue" not in page
    assert "Administration technique" not in page
    force_login_verified(client, catalogue_manager)
    page = client.get(reverse("lms:dashboard")).text
    assert "Administration du catalogue" in page
    assert "Administration technique" not in page
    force_login_verified(client, administrator)
    page = client.get(reverse("lms:dashboard")).text
    assert "Administration technique" in page


def test_dashboard_panels_follow_roles(client, teacher, tutor):
    """Teachers see their trainings panel; tutors see their cohorts panel."""
    force_login_verified(client, teacher)
    page = client.get(reverse("lms:dashboard")).text
    assert "Mes cours" in page and "Mes cohortes" not in page
    force_login_verified(client, tutor)
    page = client.get(reverse("lms:dashboard")).text
    assert "Mes cohortes" in page and "Mes cours" not in page
