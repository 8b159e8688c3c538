"""Helpers and fixtures for the course structure, page and report tests.

Import what you need in a test module, e.g.
``from tests.courses.structure_fixtures import media_fixture  # noqa: F401``.
"""

from __future__ import annotations

import pytest

from courses import services
from courses.models import Activity, Course, Package, Participant
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory


def ready_package(
    standard: str = Package.Standard.SCORM_12,
    *,
    title: str = "Paquet prêt",
    scos: list[dict] | None = None,
) -> Package:
    """A READY package row (no files: enough for structure, pages and reports)."""
    if scos is None:
        scos = [{"identifier": "sco_1", "title": "Leçon 1", "href": "index.html"}]
    return Package.objects.create(
        title=title,
        original_filename="paquet.zip",
        standard=standard,
        edition="1.2" if standard == Package.Standard.SCORM_12 else "",
        status=Package.Status.READY,
        progress=100,
        structure={"scos": scos} if standard != Package.Standard.H5P else {},
    )


def page_activity(module, title: str = "Page", **values) -> Activity:
    return ActivityFactory(
        module=module,
        title=title,
        kind=Activity.Kind.PAGE,
        completion_rule=Activity.CompletionRule.VIEWED,
        body="<p>Texte</p>",
        **values,
    )


def run_with_learner(*, activities: int = 2):
    """A run (copied from a template) with ``activities`` pages in one module and
    an active learner; returns ``(run, learner, [activities])``."""
    template = CourseFactory()
    module = ModuleFactory(course=template, title="Module A", position=0)
    for index in range(activities):
        page_activity(module, title=f"Page {index + 1}", position=index)
    run = services.start_run(template, code=f"{template.code}-RUN", title="Session")
    learner = UserFactory(roles=[Role.TEACHER])
    services.grant_course_access(learner, run)
    pages = list(Activity.objects.filter(module__course=run).order_by("position", "id"))
    return run, learner, pages


def tutor_of(run: Course):
    tutor = UserFactory(roles=[Role.TUTOR])
    services.grant_course_access(tutor, run, Participant.Role.TUTOR)
    return tutor


@pytest.fixture(name="media")
def media_fixture(settings, tmp_path):
    """Files saved during the test go to a private folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"
