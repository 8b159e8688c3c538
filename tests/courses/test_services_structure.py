"""Course structure services: validation in French, sanitised pages, order, audit."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Activity, ActivityProgress, Module, Package
from courses.services import ActivityInput
from tests.courses.structure_fixtures import media_fixture, ready_package  # noqa: F401
from tests.factories.courses import ActivityFactory, CourseFactory, ModuleFactory

pytestmark = pytest.mark.django_db

Kind = Activity.Kind
Rule = Activity.CompletionRule


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_create_course_refuses_a_code_already_used_case_insensitively(
    catalogue_manager,
):
    """Two courses cannot share a code, whatever its case; the message is French."""
    services.create_course(
        code="IFPC-NUM", title="Numérique", created_by=catalogue_manager
    )
    with pytest.raises(ValidationError) as excinfo:
        services.create_course(code="ifpc-num", title="Autre")
    assert "déjà le code" in _errors(excinfo)["code"][0]


def test_create_course_refuses_spaces_and_empty_title():
    """A code with spaces and an empty title are both reported, per field."""
    with pytest.raises(ValidationError) as excinfo:
        services.create_course(code="mon cours", title="  ")
    errors = _errors(excinfo)
    assert "lettres sans accent" in errors["code"][0]
    assert errors["title"] == ["Indiquez un titre."]


def test_create_course_is_logged_in_the_admin_history(catalogue_manager):
    """Who created a course is recorded as an admin LogEntry."""
    course = services.create_course(
        code="LOG-1", title="Trace", created_by=catalogue_manager
    )
    entry = LogEntry.objects.get(object_id=str(course.pk))
    assert entry.user == catalogue_manager
    assert entry.action_flag == ADDITION


def test_min_score_rule_requires_a_score_between_0_and_100():
    """The minimum-score rule needs a score, and only within 0–100."""
    module = ModuleFactory()
    package = ready_package()
    data = ActivityInput(
        kind=Kind.SCORM, title="Quiz", completion_rule=Rule.MIN_SCORE, package=package
    )
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(module, data)
    assert _errors(excinfo)["min_score"] == [
        "Indiquez le score minimum (entre 0 et 100)."
    ]
    data.min_score = Decimal("120")
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(module, data)
    assert "entre 0 et 100" in _errors(excinfo)["min_score"][0]
    data.min_score = Decimal("75")
    activity = services.create_activity(module, data)
    assert activity.min_score == Decimal("75")


def test_scorm_activity_needs_a_ready_package_of_the_right_standard():
    """SCORM refuses a missing, pending or H5P package; H5P refuses a SCORM one."""
    module = ModuleFactory()
    data = ActivityInput(kind=Kind.SCORM, title="Module")
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(module, data)
    assert _errors(excinfo)["package"] == ["Choisissez un paquet prêt."]

    pending = Package.objects.create(original_filename="a.zip", standard="scorm12")
    data.package = pending
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(module, data)
    assert "n'est pas prêt" in _errors(excinfo)["package"][0]

    data.package = ready_package(Package.Standard.H5P)
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(module, data)
    assert "au format H5P" in _errors(excinfo)["package"][0]

    h5p = ActivityInput(kind=Kind.H5P, title="H5P", package=ready_package("scorm2004"))
    with pytest.raises(ValidationError):
        services.create_activity(module, h5p)


def test_link_needs_an_http_url():
    """A link activity refuses javascript: and relative URLs, accepts https."""
    module = ModuleFactory()
    for url in ("", "javascript:alert(1)", "/relative", "ftp://example.org/x"):
        data = ActivityInput(
            kind=Kind.LINK, title="Lien", completion_rule=Rule.VIEWED, url=url
        )
        with pytest.raises(ValidationError) as excinfo:
            services.create_activity(module, data)
        assert "url" in _errors(excinfo)
    data = ActivityInput(
        kind=Kind.LINK,
        title="e-classe",
        completion_rule=Rule.VIEWED,
        url="https://www.e-classe.be/",
    )
    assert services.create_activity(module, data).url == "https://www.e-classe.be/"


def test_completion_rule_must_fit_the_kind():
    """A page cannot require an accepted submission; an assignment can."""
    module = ModuleFactory()
    data = ActivityInput(
        kind=Kind.PAGE,
        title="Page",
        body="<p>x</p>",
        completion_rule=Rule.SUBMISSION_ACCEPTED,
    )
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(module, data)
    assert "choisissez parmi" in _errors(excinfo)["completion_rule"][0]
    assignment = services.create_activity(
        module,
        ActivityInput(
            kind=Kind.ASSIGNMENT,
            title="Travail",
            completion_rule=Rule.SUBMISSION_ACCEPTED,
        ),
    )
    assert assignment.kind == Kind.ASSIGNMENT


def test_page_body_is_sanitised_on_save():
    """Scripts, event handlers, styles and javascript: links never reach the page."""
    module = ModuleFactory()
    body = (
        '<h2>Titre</h2><p onclick="steal()">Texte <strong>gras</strong></p>'
        '<script>alert(1)</script><a href="javascript:alert(2)">piège</a>'
        '<a href="https://e-classe.be">ok</a><img src="https://evil.test/x.png">'
        '<p style="color:red">rouge</p>'
    )
    activity = services.create_activity(
        module,
        ActivityInput(
            kind=Kind.PAGE, title="Page", completion_rule=Rule.VIEWED, body=body
        ),
    )
    assert "<script" not in activity.body
    assert "onclick" not in activity.body
    assert "javascript:" not in activity.body
    assert "<img" not in activity.body
    assert "style=" not in activity.body
    assert "<strong>gras</strong>" in activity.body
    assert 'href="https://e-classe.be"' in activity.body
    assert 'rel="noopener noreferrer"' in activity.body


def test_page_with_only_a_script_is_refused_as_empty():
    """A body that is empty once sanitised is reported as missing."""
    module = ModuleFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(
            module,
            ActivityInput(
                kind=Kind.PAGE,
                title="Page",
                completion_rule=Rule.VIEWED,
                body="<script>x()</script>",
            ),
        )
    assert _errors(excinfo)["body"] == ["Rédigez le contenu de la page."]


def test_prerequisites_must_belong_to_the_same_course():
    """An activity of another course cannot be a prerequisite."""
    module = ModuleFactory()
    elsewhere = ActivityFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(
            module,
            ActivityInput(
                kind=Kind.PAGE,
                title="B",
                completion_rule=Rule.VIEWED,
                body="<p>b</p>",
                prerequisites=[elsewhere],
            ),
        )
    assert "même cours" in _errors(excinfo)["prerequisites"][0]


def test_prerequisite_cycles_are_refused():
    """A → B → C, then making A require C is refused as a loop."""
    module = ModuleFactory()

    def page(title, prerequisites=()):
        return services.create_activity(
            module,
            ActivityInput(
                kind=Kind.PAGE,
                title=title,
                completion_rule=Rule.VIEWED,
                body="<p>x</p>",
                prerequisites=list(prerequisites),
            ),
        )

    a = page("A")
    b = page("B", [a])
    c = page("C", [b])
    data = services.activity_input_from(a)
    data.prerequisites = [c]
    with pytest.raises(ValidationError) as excinfo:
        services.update_activity(a, data)
    assert "boucle" in _errors(excinfo)["prerequisites"][0]
    data.prerequisites = [a]
    with pytest.raises(ValidationError) as excinfo:
        services.update_activity(a, data)
    assert "son propre prérequis" in _errors(excinfo)["prerequisites"][0]
    assert list(a.prerequisites.all()) == []


def test_file_activity_refuses_an_executable_and_keeps_an_accepted_file(media):
    """A .exe is refused; a PDF is stored under a generated name."""
    module = ModuleFactory()
    exe = SimpleUploadedFile("outil.exe", b"MZ")
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(
            module,
            ActivityInput(
                kind=Kind.FILE, title="Outil", completion_rule=Rule.VIEWED, file=exe
            ),
        )
    assert "n'est pas accepté" in _errors(excinfo)["file"][0]
    pdf = SimpleUploadedFile("Guide élève.pdf", b"%PDF-1.4")
    activity = services.create_activity(
        module,
        ActivityInput(
            kind=Kind.FILE, title="Guide", completion_rule=Rule.VIEWED, file=pdf
        ),
    )
    assert activity.file.name.startswith("courses/files/")
    assert activity.file.name.endswith("Guide_élève.pdf")
    assert activity.file.read() == b"%PDF-1.4"


def test_update_activity_records_changed_fields(catalogue_manager):
    """Changing a title leaves a CHANGE entry naming the field."""
    module = ModuleFactory()
    activity = services.create_activity(
        module,
        ActivityInput(
            kind=Kind.PAGE, title="Avant", completion_rule=Rule.VIEWED, body="<p>x</p>"
        ),
    )
    data = services.activity_input_from(activity)
    data.title = "Après"
    services.update_activity(activity, data, by=catalogue_manager)
    entry = LogEntry.objects.get(action_flag=CHANGE, object_id=str(activity.pk))
    assert "title" in entry.change_message


def test_modules_and_activities_are_reordered():
    """Moving up and down and explicit reorders renumber positions 0..n."""
    course = CourseFactory()
    first = services.create_module(course, title="Un")
    second = services.create_module(course, title="Deux")
    third = services.create_module(course, title="Trois")
    services.move_module(third, "up")
    titles = list(course.modules.order_by("position").values_list("title", flat=True))
    assert titles == ["Un", "Trois", "Deux"]
    services.reorder_modules(course, [second.pk, third.pk, first.pk])
    assert list(
        course.modules.order_by("position").values_list("title", flat=True)
    ) == [
        "Deux",
        "Trois",
        "Un",
    ]
    with pytest.raises(ValidationError):
        services.reorder_modules(course, [second.pk, first.pk])

    a = ActivityFactory(module=first, position=0, title="a")
    b = ActivityFactory(module=first, position=1, title="b")
    services.move_activity(a, "down")
    assert list(
        first.activities.order_by("position").values_list("title", flat=True)
    ) == [
        "b",
        "a",
    ]
    services.move_activity(b, "up")  # already first: nothing changes
    assert list(first.activities.order_by("position").values_list("pk", flat=True)) == [
        b.pk,
        a.pk,
    ]


def test_deleting_a_tracked_activity_or_its_module_is_refused(teacher):
    """Once a learner has progress, neither the activity nor its module can go."""
    activity = ActivityFactory()
    ActivityProgress.objects.create(
        user=teacher, activity=activity, state="in_progress"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.delete_activity(activity)
    assert "facultative" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        services.delete_module(activity.module)
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_deleting_an_untracked_activity_renumbers_the_module():
    """The remaining activities keep a compact order after a deletion."""
    module = ModuleFactory()
    a, b, c = (ActivityFactory(module=module, position=i) for i in range(3))
    services.delete_activity(b)
    assert list(
        module.activities.order_by("position").values_list("pk", "position")
    ) == [
        (a.pk, 0),
        (c.pk, 1),
    ]
    services.delete_module(module)
    assert not Module.objects.filter(pk=module.pk).exists()
