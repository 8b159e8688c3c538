"""The dashboard's « Mes cours » panel and the staff navigation item."""

import pytest
from django.urls import reverse

from courses import services
from lms.roles import Role
from tests.courses.structure_fixtures import run_with_learner
from tests.factories import UserFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


def test_my_courses_panel_lists_active_runs_with_progress(client):
    """The learner sees each run with its percentage and a resume link."""
    run, learner, pages = run_with_learner(activities=4)
    services.mark_viewed(learner, pages[0])
    force_login_verified(client, learner)
    response = client.get(reverse("lms:dashboard"))
    html = response.text
    assert "Mes cours" in html
    assert run.title in html
    assert '<progress class="progress-bar progress-small" max="100" value="25"' in html
    assert "25 % — 1 activité obligatoire terminée sur 4" in html
    assert reverse("courses:course_detail", args=[run.pk]) in html
    assert ">Reprendre<" in html


def test_my_courses_panel_hides_revoked_and_archived_runs(client):
    """Withdrawn access and archived runs leave the panel; the empty state shows."""
    run, learner, _pages = run_with_learner()
    other, _other_learner, _ = run_with_learner()
    services.grant_course_access(learner, other)
    other.is_archived = True
    other.save()
    services.revoke_course_access(learner, run)
    force_login_verified(client, learner)
    html = client.get(reverse("lms:dashboard")).text
    assert "Vous ne suivez aucun cours en ligne pour le moment." in html


def test_my_courses_panel_query_count_is_fixed(client, django_assert_num_queries):
    """Listing 1 or 6 runs costs the same number of queries (7 with every panel)."""
    run, learner, _pages = run_with_learner()
    force_login_verified(client, learner)
    url = reverse("lms:dashboard")
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for _index in range(5):
        extra, _l, _p = run_with_learner()
        services.grant_course_access(learner, extra)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["panels"][0]["context"]["courses"]) == 6


def test_navigation_offers_course_management_to_managers_only(
    client, catalogue_manager
):
    """Catalogue managers see « Cours en ligne » in the menu; teachers do not."""
    url = reverse("courses:course_manage_list")
    force_login_verified(client, catalogue_manager)
    assert f'href="{url}"' in client.get(reverse("lms:dashboard")).text
    force_login_verified(client, UserFactory(roles=[Role.TEACHER]))
    assert f'href="{url}"' not in client.get(reverse("lms:dashboard")).text
