"""Demo course seeded by ``seed_demo``: complete, playable package, idempotent."""

import pytest
from django.core.management import call_command

from courses.demo import RUN_CODE, TEMPLATE_CODE, build_demo_sco
from courses.models import Activity, Course, Module, Package, Participant
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Course.objects.count(),
        Module.objects.count(),
        Activity.objects.count(),
        Package.objects.count(),
        Participant.objects.count(),
        Activity.prerequisites.through.objects.count(),
    )


def test_seed_demo_builds_the_course_and_its_run(package_env):
    """Template with 3 modules (page, e-classe link, SCORM, assignment) and a run
    where the demo teacher learns and the demo tutor tutors."""
    call_command("seed_demo", "--quiet-accounts")
    template = Course.objects.get(code=TEMPLATE_CODE)
    assert template.title == "Intégrer le numérique en classe"
    assert list(template.modules.values_list("title", flat=True)) == [
        "Découvrir",
        "Se former",
        "Mettre en pratique",
    ]
    kinds = set(
        Activity.objects.filter(module__course=template).values_list("kind", flat=True)
    )
    assert {"page", "link", "scorm", "assignment"} <= kinds
    scorm = Activity.objects.get(module__course=template, kind="scorm")
    assert scorm.package.status == Package.Status.READY
    assert scorm.package.standard == Package.Standard.SCORM_12
    assert scorm.package.scos[0]["mastery_score"] in (70, 70.0, "70")
    run = Course.objects.get(code=RUN_CODE)
    assert run.source == template
    roles = dict(
        Participant.objects.filter(course=run).values_list("user__email", "role")
    )
    assert roles == {
        "enseignante@demo.tremplin.test": "learner",
        "tuteur@demo.tremplin.test": "tutor",
    }
    run_scorm = Activity.objects.get(module__course=run, kind="scorm")
    assert [p.title for p in run_scorm.prerequisites.all()] == [
        "Bienvenue dans le parcours"
    ]
    link = Activity.objects.get(module__course=run, kind="link")
    assert link.url.startswith("https://www.e-classe.be")


def test_seed_demo_twice_changes_nothing(package_env):
    """Running the seed again leaves exactly the same course rows."""
    call_command("seed_demo", "--quiet-accounts")
    before = _counts()
    call_command("seed_demo", "--quiet-accounts")
    assert _counts() == before


def test_demo_sco_calls_the_scorm_api_and_is_stable():
    """The SCO really uses the SCORM 1.2 API (location, suspend data, score,
    status, interactions) and its zip is byte-identical each time."""
    import io
    import zipfile

    data = build_demo_sco()
    assert data == build_demo_sco()
    script = zipfile.ZipFile(io.BytesIO(data)).read("sco.js").decode()
    for call in (
        "LMSInitialize",
        "cmi.core.lesson_location",
        "cmi.suspend_data",
        "cmi.core.score.raw",
        "cmi.core.lesson_status",
        "cmi.interactions.",
        "LMSCommit",
        "LMSFinish",
        "pagehide",
    ):
        assert call in script
