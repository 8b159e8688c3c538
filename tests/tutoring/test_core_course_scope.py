"""A group tutor follows only their groups in the course run's own reports and
submission downloads too (``courses.permissions.visible_learner_ids``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Activity
from courses.services import submit_assignment
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    setup = make_cohort(learners=2, activities=1, kind=Activity.Kind.ASSIGNMENT)
    mine, other = setup.learners
    group_tutor = UserFactory(roles=[Role.TUTOR])
    make_group(setup.cohort, "Groupe A", tutor=group_tutor, members=[mine])
    make_group(setup.cohort, "Groupe B", members=[other])
    submissions = {
        learner: submit_assignment(
            learner,
            setup.activities[0],
            text="Mon travail",
            file=SimpleUploadedFile("travail.txt", b"contenu", "text/plain"),
        )
        for learner in setup.learners
    }
    return setup, group_tutor, submissions


def test_group_tutor_downloads_only_their_groups_submissions(client, setup):
    cohort_setup, group_tutor, submissions = setup
    mine, other = cohort_setup.learners
    client.force_login(group_tutor)
    url = "courses:submission_file"
    assert client.get(reverse(url, args=[submissions[mine].pk])).status_code == 200
    assert client.get(reverse(url, args=[submissions[other].pk])).status_code == 403
    client.force_login(cohort_setup.tutor)  # the cohort's tutor sees everyone
    assert client.get(reverse(url, args=[submissions[other].pk])).status_code == 200


def test_group_tutor_report_lists_only_their_groups(client, setup):
    cohort_setup, group_tutor, _ = setup
    mine, other = cohort_setup.learners
    client.force_login(group_tutor)
    page = client.get(reverse("courses:course_report", args=[cohort_setup.course.pk]))
    assert page.status_code == 200
    learners = [p.user for p in page.context["page"].object_list]
    assert learners == [mine]
    client.force_login(cohort_setup.tutor)
    page = client.get(reverse("courses:course_report", args=[cohort_setup.course.pk]))
    assert {p.user for p in page.context["page"].object_list} == {mine, other}
