"""start_run deep copies and course access (grant/revoke)."""

import pytest
from django.core.exceptions import ValidationError

from courses import services
from courses.models import Activity, ActivityProgress, Attempt, Course, Participant
from tests.courses.structure_fixtures import page_activity, ready_package
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    course = CourseFactory(code="TPL", title="Modèle", description="Desc")
    first = ModuleFactory(course=course, position=0, title="Module 1")
    second = ModuleFactory(course=course, position=1, title="Module 2")
    intro = page_activity(first, "Intro", position=0)
    package = ready_package()
    scorm = ActivityFactory(
        module=first,
        position=1,
        title="SCORM",
        kind=Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.MIN_SCORE,
        min_score=80,
        package=package,
    )
    scorm.prerequisites.set([intro])
    work = ActivityFactory(
        module=second,
        position=0,
        title="Travail",
        kind=Activity.Kind.ASSIGNMENT,
        completion_rule=Activity.CompletionRule.SUBMISSION_ACCEPTED,
        is_required=False,
    )
    work.prerequisites.set([scorm, intro])
    return course


def _outline(course: Course) -> list[tuple]:
    rows = []
    for activity in Activity.objects.filter(module__course=course).order_by(
        "module__position", "position"
    ):
        rows.append(
            (
                activity.module.title,
                activity.module.position,
                activity.title,
                activity.position,
                activity.kind,
                activity.completion_rule,
                activity.min_score,
                activity.is_required,
                activity.package_id,
                sorted(p.title for p in activity.prerequisites.all()),
            )
        )
    return rows


def test_start_run_copies_modules_activities_and_remaps_prerequisites(
    template, catalogue_manager
):
    """The run has the same outline; prerequisites point at the run's own copies."""
    run = services.start_run(
        template, code="TPL-2026", title="Session 2026", by=catalogue_manager
    )
    assert run.source == template
    assert run.description == "Desc"
    assert _outline(run) == _outline(template)
    run_ids = set(
        Activity.objects.filter(module__course=run).values_list("pk", flat=True)
    )
    for activity in Activity.objects.filter(module__course=run):
        assert activity.source.module.course_id == template.pk
        assert {p.pk for p in activity.prerequisites.all()} <= run_ids
    # Packages are shared, not duplicated.
    scorm_copy = Activity.objects.get(module__course=run, title="SCORM")
    assert (
        scorm_copy.package_id
        == Activity.objects.get(module__course=template, title="SCORM").package_id
    )


def test_editing_the_template_after_start_run_leaves_the_run_unchanged(template):
    """Renaming, rescoring, removing prerequisites and adding modules in the
    template do not touch the run."""
    run = services.start_run(template, code="TPL-A", title="A")
    before = _outline(run)
    scorm = Activity.objects.get(module__course=template, title="SCORM")
    data = services.activity_input_from(scorm)
    data.title = "SCORM v2"
    data.min_score = 50
    data.prerequisites = []
    services.update_activity(scorm, data)
    services.create_module(template, title="Nouveau module")
    services.update_module(template.modules.get(title="Module 1"), title="Renommé")
    assert _outline(run) == before
    assert run.modules.count() == 2


def test_deleting_a_template_activity_keeps_the_run_tracking(template, teacher):
    """The run's copy, its progress and attempts survive the template's deletion."""
    run = services.start_run(template, code="TPL-B", title="B")
    services.grant_course_access(teacher, run)
    copy = Activity.objects.get(module__course=run, title="SCORM")
    ActivityProgress.objects.create(user=teacher, activity=copy, state="completed")
    Attempt.objects.create(user=teacher, activity=copy, package=copy.package)
    services.delete_activity(
        Activity.objects.get(module__course=template, title="SCORM")
    )
    copy.refresh_from_db()
    assert copy.source is None
    assert ActivityProgress.objects.filter(activity=copy, state="completed").exists()
    assert Attempt.objects.filter(activity=copy).exists()


def test_start_run_refuses_a_run_as_template_and_a_taken_code(template):
    """Runs of runs are refused; a code already used is reported on the field."""
    run = services.start_run(template, code="TPL-C", title="C")
    with pytest.raises(ValidationError):
        services.start_run(run, code="TPL-D", title="D")
    with pytest.raises(ValidationError) as excinfo:
        services.start_run(template, code="tpl-c", title="C bis")
    assert "code" in excinfo.value.message_dict
    assert Course.objects.filter(source=template).count() == 1


def test_grant_course_access_is_idempotent_and_reactivates(template, teacher):
    """Granting twice gives one row; revoking deactivates; granting again reactivates."""
    run = services.start_run(template, code="TPL-E", title="E")
    first = services.grant_course_access(teacher, run)
    again = services.grant_course_access(teacher, run)
    assert first.pk == again.pk
    assert services.revoke_course_access(teacher, run) == 1
    assert services.revoke_course_access(teacher, run) == 0
    assert not services.is_active_learner(teacher, run)
    services.grant_course_access(teacher, run)
    assert Participant.objects.filter(course=run, user=teacher).count() == 1
    assert services.is_active_learner(teacher, run)


def test_grant_course_access_refuses_templates_and_unknown_roles(template, teacher):
    """People follow runs, not templates; the role must be learner or tutor."""
    with pytest.raises(ValidationError):
        services.grant_course_access(teacher, template)
    run = services.start_run(template, code="TPL-F", title="F")
    with pytest.raises(ValidationError):
        services.grant_course_access(teacher, run, role="director")


def test_revoke_one_role_keeps_the_other(template, tutor):
    """A person who is both tutor and learner keeps the role not revoked."""
    run = services.start_run(template, code="TPL-G", title="G")
    services.grant_course_access(tutor, run, Participant.Role.TUTOR)
    services.grant_course_access(tutor, run, Participant.Role.LEARNER)
    services.revoke_course_access(tutor, run, Participant.Role.LEARNER)
    assert Participant.objects.get(course=run, user=tutor, role="tutor").is_active
    assert not Participant.objects.get(course=run, user=tutor, role="learner").is_active
