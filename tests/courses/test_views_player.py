"""The play page (platform origin) and the wrapper pages (content origin)."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from courses.middleware import content_host
from courses.models import Activity, ActivityProgress, Attempt, Package, ScoState
from courses.tracking.tokens import read_attempt_token
from lms.roles import Role
from tests.conftest import PASSWORD
from tests.courses import package_builders as builders
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, ModuleFactory, ParticipantFactory
from tests.two_factor_support import force_login_verified

SANDBOX = (
    "allow-scripts allow-same-origin allow-forms allow-popups allow-modals "
    "allow-downloads"
)


@pytest.fixture
def scorm_package(package_env):
    package = package_env.process(builders.build_scorm12(title="Module d'essai"))
    assert package.status == Package.Status.READY, package.errors
    return package


@pytest.fixture
def learner(db):
    user = UserFactory(roles=[Role.TEACHER])
    user.set_password(PASSWORD)
    user.save()
    return user


def make_activity(package, learner=None, **fields):
    module = ModuleFactory()
    activity = ActivityFactory(
        module=module,
        kind=Activity.Kind.H5P if package.standard == "h5p" else Activity.Kind.SCORM,
        completion_rule=Activity.CompletionRule.COMPLETED,
        package=package,
        **fields,
    )
    if learner is not None:
        ParticipantFactory(course=module.course, user=learner)
    return activity


def logged_in(user) -> Client:
    client = Client()
    force_login_verified(client, user)
    return client


def player_src(response) -> str:
    match = re.search(
        r'<iframe id="player-frame"[^>]*\ssrc="([^"]+)"', response.content.decode()
    )
    assert match, "no player iframe"
    return unescape(match.group(1))


def play_url(activity) -> str:
    return reverse("courses:activity_play", args=[activity.uuid])


def test_anonymous_visitor_is_sent_to_login(scorm_package, client):
    """Playing needs an account: anonymous visitors go to the login page."""
    activity = make_activity(scorm_package)
    response = client.get(play_url(activity))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_teacher_outside_the_course_is_refused(scorm_package, learner):
    """A teacher who does not follow the run cannot play its modules."""
    activity = make_activity(scorm_package)
    response = logged_in(learner).get(play_url(activity))
    assert response.status_code == 403
    assert not Attempt.objects.exists()


def test_learner_gets_sandboxed_player_with_token_in_fragment(
    scorm_package, learner, settings
):
    """The learner's attempt starts; the iframe points at the content origin and the
    attempt token travels only in the fragment."""
    activity = make_activity(scorm_package, learner)
    response = logged_in(learner).get(play_url(activity))
    assert response.status_code == 200
    attempt = Attempt.objects.get(user=learner, activity=activity)
    src = player_src(response)
    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}" == settings.CONTENT_ORIGIN
    assert parts.path == f"/play/scorm/{scorm_package.uuid}/"
    assert "t=" not in parts.query
    fragment = parse_qs(parts.fragment)
    assert read_attempt_token(fragment["t"][0]) == attempt
    assert fragment["a"] == [str(attempt.uuid)]
    assert fragment["sco"] == ["item_1"]
    html = response.content.decode()
    assert f'sandbox="{SANDBOX}"' in html
    assert "allow-top-navigation" not in html
    assert "Tentative n° 1 — pas commencée" in html
    assert 'title="Module : ' in html
    csp = response["Content-Security-Policy"]
    assert f"frame-src {settings.CONTENT_ORIGIN}" in csp
    assert "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    progress = ActivityProgress.objects.get(user=learner, activity=activity)
    assert progress.state == ActivityProgress.State.IN_PROGRESS
    assert progress.first_viewed_at is not None


def test_reopening_resumes_the_same_attempt_with_a_new_token(scorm_package, learner):
    """Each visit resumes the open attempt; every visit mints its own token."""
    activity = make_activity(scorm_package, learner)
    client = logged_in(learner)
    first = parse_qs(urlsplit(player_src(client.get(play_url(activity)))).fragment)
    second = parse_qs(urlsplit(player_src(client.get(play_url(activity)))).fragment)
    assert Attempt.objects.filter(user=learner, activity=activity).count() == 1
    assert first["a"] == second["a"]
    assert first["t"] != second["t"]


def test_locked_module_explains_what_to_finish_first(scorm_package, learner):
    """Prerequisites not done: a French explanation, links to them, no attempt."""
    activity = make_activity(scorm_package, learner)
    first = ActivityFactory(module=activity.module, title="Lire l'introduction")
    activity.prerequisites.add(first)
    response = logged_in(learner).get(play_url(activity))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ce module est encore verrouillé." in html
    assert "Lire l&#x27;introduction" in html
    assert reverse("courses:activity_detail", args=[first.uuid]) in html
    assert not Attempt.objects.exists()
    ActivityProgress.objects.create(
        user=learner, activity=first, state=ActivityProgress.State.COMPLETED
    )
    assert logged_in(learner).get(play_url(activity)).status_code == 200


def test_package_not_ready_is_announced(package_env, learner):
    """A package still processing shows a clear message instead of a broken player."""
    package = package_env.upload(builders.build_scorm12())
    activity = make_activity(package, learner)
    response = logged_in(learner).get(play_url(activity))
    assert response.status_code == 404
    assert "Ce module n'est pas encore disponible" in response.content.decode()
    assert not Attempt.objects.exists()


def test_other_kinds_have_no_player(learner):
    """Pages, files and links are not played here."""
    activity = ActivityFactory(kind=Activity.Kind.PAGE)
    ParticipantFactory(course=activity.module.course, user=learner)
    assert logged_in(learner).get(play_url(activity)).status_code == 404


def test_h5p_activity_uses_the_h5p_wrapper(package_env, learner):
    """H5P content is played by the h5p-standalone wrapper."""
    package = package_env.process(builders.build_h5p(), name="quiz.h5p")
    activity = make_activity(package, learner)
    src = player_src(logged_in(learner).get(play_url(activity)))
    assert urlsplit(src).path == f"/play/h5p/{package.uuid}/"


def test_staff_preview_records_nothing(scorm_package, catalogue_manager):
    """A manager who is not a learner gets a preview: no attempt, no token."""
    activity = make_activity(scorm_package)
    response = logged_in(catalogue_manager).get(play_url(activity))
    assert response.status_code == 200
    fragment = parse_qs(urlsplit(player_src(response)).fragment)
    assert fragment["preview"] == ["1"]
    assert "t" not in fragment
    assert "rien n'est enregistré" in response.content.decode()
    assert not Attempt.objects.exists()


def finish(attempt):
    ScoState.objects.create(
        attempt=attempt,
        sco_identifier="item_1",
        seq=3,
        lesson_status="completed",
        completion_status="completed",
    )


def test_new_attempt_button_once_finished_when_policy_allows(scorm_package, learner):
    """ "Nouvelle tentative" appears after completion (on request) and starts attempt 2."""
    activity = make_activity(
        scorm_package, learner, attempt_policy=Activity.AttemptPolicy.ON_REQUEST
    )
    client = logged_in(learner)
    assert "Nouvelle tentative" not in client.get(play_url(activity)).content.decode()
    finish(Attempt.objects.get())
    page = client.get(play_url(activity)).content.decode()
    assert "Nouvelle tentative" in page
    assert "Tentative n° 1 — terminée" in page
    response = client.post(
        reverse("courses:activity_new_attempt", args=[activity.uuid])
    )
    assert response.status_code == 302
    assert response["Location"] == play_url(activity)
    latest = Attempt.objects.filter(user=learner).order_by("-number").first()
    assert latest.number == 2
    page = client.get(play_url(activity)).content.decode()
    assert "Tentative n° 2 — pas commencée" in page


def test_new_attempt_refused_when_policy_is_never(scorm_package, learner):
    """With the "never" policy, asking for a new attempt changes nothing."""
    activity = make_activity(
        scorm_package, learner, attempt_policy=Activity.AttemptPolicy.NEVER
    )
    client = logged_in(learner)
    client.get(play_url(activity))
    finish(Attempt.objects.get())
    assert "Nouvelle tentative" not in client.get(play_url(activity)).content.decode()
    response = client.post(
        reverse("courses:activity_new_attempt", args=[activity.uuid]), follow=True
    )
    assert "ne permet pas de nouvelle tentative" in response.content.decode()
    assert Attempt.objects.filter(user=learner).count() == 1


def test_new_attempt_needs_post(scorm_package, learner):
    """A link cannot start a new attempt: GET is refused."""
    activity = make_activity(scorm_package, learner)
    url = reverse("courses:activity_new_attempt", args=[activity.uuid])
    assert logged_in(learner).get(url).status_code == 405


# --- wrapper pages on the content origin ------------------------------------------


@pytest.fixture
def content_client() -> Client:
    return Client(HTTP_HOST=content_host())


def wrapper_config(response) -> dict:
    match = re.search(
        r'<script id="player-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_scorm_wrapper_lists_scos_escaped_with_navigation(package_env, content_client):
    """The table of contents shows every SCO in order, escapes package titles and
    offers previous/next (flow) and clickable items (choice)."""
    scos = builders.multi_sco_2004()
    scos[1]["title"] = '<img src=x onerror="alert(1)">Leçon'
    package = package_env.process(builders.build_scorm2004(scos=scos))
    response = content_client.get(f"/play/scorm/{package.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Leçon" in html
    assert re.findall(
        r'<button type="button" class="toc-item" data-sco="([^"]+)"', html
    ) == [
        "intro",
        "lesson",
        "quiz",
    ]
    assert 'id="sco-previous"' in html and 'id="sco-next"' in html
    assert "Partie 1" in html
    config = wrapper_config(response)
    assert config["standard"] == "scorm2004"
    assert config["packageUrl"] == f"/packages/{package.uuid}/"
    assert [s["href"] for s in config["scos"]] == [
        "intro/index.html",
        "lesson/index.html?page=2",
        "quiz/index.html",
    ]
    assert config["api"]["commits"] == "/api/v1/tracking/commits"
    assert "player-scorm2004.js" in html
    assert response["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert response["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in response


def test_scorm_wrapper_without_choice_shows_plain_items(package_env, content_client):
    """With choice disabled, items are listed but cannot be clicked."""
    package = package_env.process(
        builders.build_scorm2004(scos=builders.multi_sco_2004(), choice=False)
    )
    html = content_client.get(f"/play/scorm/{package.uuid}/").content.decode()
    assert 'class="toc-item" data-sco="intro"' in html
    assert '<button type="button" class="toc-item"' not in html


def test_single_sco_wrapper_has_no_table_of_contents(scorm_package, content_client):
    """One SCO: the content takes the whole frame, SCORM 1.2 runtime loaded."""
    response = content_client.get(f"/play/scorm/{scorm_package.uuid}/?lang=en")
    html = response.content.decode()
    assert "toc-item" not in html
    assert "player-scorm12.js" in html
    assert '<html lang="en">' in html


def test_wrappers_refuse_unready_or_mismatched_packages(package_env, content_client):
    """Only READY packages of the right standard have a wrapper."""
    pending = package_env.upload(builders.build_scorm12())
    h5p = package_env.process(builders.build_h5p(), name="quiz.h5p")
    assert content_client.get(f"/play/scorm/{pending.uuid}/").status_code == 404
    assert content_client.get(f"/play/scorm/{h5p.uuid}/").status_code == 404
    response = content_client.get(f"/play/h5p/{h5p.uuid}/")
    assert response.status_code == 200
    config = wrapper_config(response)
    assert config["h5p"]["h5pJsonPath"] == f"/packages/{h5p.uuid}"
    assert config["h5p"]["librariesPath"] == f"/packages/{h5p.uuid}"
    assert config["h5p"]["frameJs"].endswith("courses/build/h5p/frame.bundle.js")
    assert config["api"]["h5pState"] == "/api/v1/tracking/h5p-state"


def test_wrappers_are_not_served_on_the_platform_origin(scorm_package, client):
    """The platform origin has no wrapper route (it holds the session cookie)."""
    assert client.get(f"/play/scorm/{scorm_package.uuid}/").status_code == 404


def test_unsupported_sequencing_is_explained_and_hidden_items_skipped(
    db, content_client
):
    """Rules the player ignores are named in the wrapper; invisible items stay out
    of the table of contents but remain in the launch order."""
    package = Package.objects.create(
        original_filename="seq.zip",
        standard=Package.Standard.SCORM_2004,
        status=Package.Status.READY,
        structure={
            "organizations": [
                {
                    "identifier": "org",
                    "title": "Parcours",
                    "items": [
                        {
                            "identifier": "a",
                            "title": "Visible",
                            "sco": "a",
                            "children": [],
                        },
                        {
                            "identifier": "b",
                            "title": "Caché",
                            "sco": "b",
                            "visible": False,
                            "children": [],
                        },
                    ],
                }
            ],
            "default_organization": "org",
            "scos": [
                {"identifier": "a", "title": "Visible", "href": "a.html"},
                {"identifier": "b", "title": "Caché", "href": "b.html"},
            ],
            "sequencing": {
                "flow": True,
                "choice": True,
                "unsupported": ["règles de pré-condition (preConditionRule)"],
            },
        },
    )
    response = content_client.get(f"/play/scorm/{package.uuid}/")
    html = response.content.decode()
    assert "ne prend pas en charge tout le séquencement SCORM 2004" in html
    assert "règles de pré-condition (preConditionRule)" in html
    assert 'data-sco="a"' in html
    assert 'data-sco="b"' not in html
    assert [s["id"] for s in wrapper_config(response)["scos"]] == ["a", "b"]


def test_closed_attempt_opens_for_review(scorm_package, learner):
    """A closed attempt (policy "never") reopens in review: said on the page, and
    the player is told not to record anything."""
    activity = make_activity(
        scorm_package, learner, attempt_policy=Activity.AttemptPolicy.NEVER
    )
    client = logged_in(learner)
    client.get(play_url(activity))
    attempt = Attempt.objects.get()
    finish(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(is_closed=True)
    response = client.get(play_url(activity))
    fragment = parse_qs(urlsplit(player_src(response)).fragment)
    assert fragment["review"] == ["1"]
    assert "rien n'y est plus enregistré" in response.content.decode()
    assert Attempt.objects.count() == 1
