"""Activity pages: page, file, link, assignment, SCORM launch; access and locks."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from courses import services
from courses.models import Activity, ActivityProgress, Submission
from tests.courses.structure_fixtures import (  # noqa: F401
    media_fixture,
    ready_package,
    run_with_learner,
    tutor_of,
)
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


def _detail(activity):
    return reverse("courses:activity_detail", args=[activity.uuid])


def _state(user, activity):
    row = ActivityProgress.objects.filter(user=user, activity=activity).first()
    return row.state if row else None


def test_opening_a_page_marks_it_viewed_and_shows_the_sanitised_body(client):
    """A learner opening a page completes it; the stored body is rendered."""
    _run, learner, pages = run_with_learner(activities=1)
    page = pages[0]
    page.body = services.sanitize_page_body("<p>Bonjour <em>classe</em></p>")
    page.save()
    force_login_verified(client, learner)
    response = client.get(_detail(page))
    assert response.status_code == 200
    assert "<p>Bonjour <em>classe</em></p>" in response.text
    assert _state(learner, page) == "completed"


def test_staff_viewing_a_page_records_no_progress(client, catalogue_manager):
    """A manager can read the page; no progress row is created for them."""
    _run, _learner, pages = run_with_learner(activities=1)
    force_login_verified(client, catalogue_manager)
    response = client.get(_detail(pages[0]))
    assert response.status_code == 200
    assert "sans en être apprenant" in response.text
    assert not ActivityProgress.objects.filter(user=catalogue_manager).exists()


def test_outsider_and_anonymous_cannot_open_an_activity(client, teacher):
    """Another teacher gets 403; an anonymous visitor goes to the login page."""
    _run, _learner, pages = run_with_learner(activities=1)
    response = client.get(_detail(pages[0]))
    assert response.status_code == 302
    force_login_verified(client, teacher)
    assert client.get(_detail(pages[0])).status_code == 403


def test_locked_page_explains_its_prerequisites_and_records_nothing(client):
    """A locked page lists what to finish first and is not marked viewed."""
    _run, learner, (first, second) = run_with_learner(activities=2)
    second.prerequisites.set([first])
    force_login_verified(client, learner)
    response = client.get(_detail(second))
    assert response.status_code == 200
    assert "Cette activité est encore verrouillée." in response.text
    assert first.title in response.text
    assert "<p>Texte</p>" not in response.text
    assert _state(learner, second) is None


def test_file_download_is_an_access_checked_attachment(client, media, teacher):
    """The file is served as an RFC 6266 attachment to the learner, counted as viewed;
    an outsider gets 403."""
    _run, learner, pages = run_with_learner(activities=1)
    activity = ActivityFactory(
        module=pages[0].module, kind=Activity.Kind.FILE, title="Guide", position=9
    )
    activity.file.save("courses/files/abc/Guide élève.pdf", ContentFile(b"%PDF-1.4"))
    url = reverse("courses:activity_file", args=[activity.uuid])
    force_login_verified(client, teacher)
    assert client.get(url).status_code == 403
    force_login_verified(client, learner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Guide_%C3%A9l%C3%A8ve.pdf" in disposition
    assert _state(learner, activity) == "completed"


def test_locked_file_cannot_be_downloaded(client, media):
    """Downloading a file whose prerequisites are not met is refused."""
    _run, learner, pages = run_with_learner(activities=1)
    activity = ActivityFactory(
        module=pages[0].module, kind=Activity.Kind.FILE, position=9
    )
    activity.file.save("courses/files/x/a.pdf", ContentFile(b"%PDF"))
    activity.prerequisites.set([pages[0]])
    force_login_verified(client, learner)
    assert (
        client.get(reverse("courses:activity_file", args=[activity.uuid])).status_code
        == 403
    )


def test_link_opens_in_a_new_tab_and_is_marked_viewed(client):
    """The page links with target=_blank rel=noopener; following it records the view."""
    _run, learner, pages = run_with_learner(activities=1)
    link = ActivityFactory(
        module=pages[0].module,
        kind=Activity.Kind.LINK,
        title="e-classe",
        url="https://www.e-classe.be/ressource?id=1",
        position=9,
    )
    force_login_verified(client, learner)
    html = client.get(_detail(link)).text
    open_url = reverse("courses:activity_link", args=[link.uuid])
    assert f'href="{open_url}" target="_blank" rel="noopener noreferrer"' in html
    assert _state(learner, link) is None
    response = client.get(open_url)
    assert response.status_code == 302
    assert response["Location"] == "https://www.e-classe.be/ressource?id=1"
    assert _state(learner, link) == "completed"


def test_scorm_activity_links_to_the_player(client):
    """A SCORM activity's page offers the launch button to the player."""
    _run, learner, pages = run_with_learner(activities=1)
    scorm = ActivityFactory(
        module=pages[0].module,
        kind=Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.COMPLETED,
        package=ready_package(),
        position=9,
    )
    force_login_verified(client, learner)
    html = client.get(_detail(scorm)).text
    assert reverse("courses:activity_play", args=[scorm.uuid]) in html
    assert "Lancer le module" in html


def test_assignment_submission_through_the_page_then_feedback_is_shown(client):
    """The learner submits, sees « En attente », then the tutor's feedback."""
    run, learner, pages = run_with_learner(activities=1)
    work = ActivityFactory(
        module=pages[0].module,
        kind=Activity.Kind.ASSIGNMENT,
        completion_rule=Activity.CompletionRule.SUBMISSION_ACCEPTED,
        position=9,
    )
    force_login_verified(client, learner)
    url = reverse("courses:submission_create", args=[work.uuid])
    response = client.post(url, {"text": ""})
    assert response.status_code == 400
    assert "Écrivez une réponse ou joignez un fichier." in response.text
    response = client.post(url, {"text": "J'ai utilisé un mur collaboratif."})
    assert response.status_code == 302
    html = client.get(_detail(work)).text
    assert "En attente d'évaluation" in html
    assert "J&#x27;ai utilisé un mur collaboratif." in html
    submission = Submission.objects.get(user=learner)
    services.review_submission(submission, tutor_of(run), "accepted", "Bravo <b>!</b>")
    html = client.get(_detail(work)).text
    assert "Bravo &lt;b&gt;!&lt;/b&gt;" in html
    assert "Remettre mon travail" not in html
    assert _state(learner, work) == "completed"


def test_outsider_cannot_submit(client, teacher):
    """A teacher who does not follow the run cannot post work (403)."""
    _run, _learner, pages = run_with_learner(activities=1)
    work = ActivityFactory(
        module=pages[0].module,
        kind=Activity.Kind.ASSIGNMENT,
        completion_rule=Activity.CompletionRule.SUBMISSION_ACCEPTED,
    )
    force_login_verified(client, teacher)
    url = reverse("courses:submission_create", args=[work.uuid])
    assert client.post(url, {"text": "x"}).status_code == 403
    assert not Submission.objects.exists()


def test_submission_file_visible_to_author_and_tutor_only(client, media):
    """The author and the run's tutor download the file; another learner cannot."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    run, learner, pages = run_with_learner(activities=1)
    work = ActivityFactory(
        module=pages[0].module,
        kind=Activity.Kind.ASSIGNMENT,
        completion_rule=Activity.CompletionRule.SUBMISSION_ACCEPTED,
    )
    submission = services.submit_assignment(
        learner, work, "", SimpleUploadedFile("travail.pdf", b"%PDF")
    )
    url = reverse("courses:submission_file", args=[submission.pk])
    other = UserFactory()
    services.grant_course_access(other, run)
    force_login_verified(client, other)
    assert client.get(url).status_code == 403
    for user in (learner, tutor_of(run)):
        force_login_verified(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert 'filename="travail.pdf"' in response["Content-Disposition"]


def test_live_slot_shows_registered_content_or_a_neutral_text(
    client, settings, tmp_path
):
    """A live-class slot says details will come, until an app registers a renderer."""
    from courses.activity_types import (
        activity_type_for,
        register_activity_type,
        unregister_activity_type,
    )

    _run, learner, pages = run_with_learner(activities=1)
    slot = ActivityFactory(
        module=pages[0].module,
        kind=Activity.Kind.LIVE_CLASS,
        completion_rule=Activity.CompletionRule.COMPLETED,
        settings={"starts_at": "2026-03-02 14:00"},
        position=9,
    )
    force_login_verified(client, learner)
    installed = activity_type_for(Activity.Kind.LIVE_CLASS)  # the live app's
    (tmp_path / "slot.html").write_text(
        "<p>Classe virtuelle le {{ slot.starts_at }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]},
    ]
    try:
        unregister_activity_type(Activity.Kind.LIVE_CLASS)
        assert "vous seront communiquées" in client.get(_detail(slot)).text
        register_activity_type(
            Activity.Kind.LIVE_CLASS,
            template_name="slot.html",
            get_context=lambda activity, user: dict(activity.settings),
        )
        html = client.get(_detail(slot)).text
    finally:
        unregister_activity_type(Activity.Kind.LIVE_CLASS)
        if installed is not None:
            register_activity_type(
                installed.kind,
                template_name=installed.template_name,
                get_context=installed.get_context,
            )
    assert "Classe virtuelle le 2026-03-02 14:00" in html
