"""End to end in Chromium: SCORM and H5P modules play in the sandboxed player on the
content origin, track, resume after the tab is closed, survive going offline, refuse
a stale second tab, and cannot reach the platform."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from courses.models import Activity, Commit, ScoState, Statement
from lms.roles import Role
from tests.browser.conftest import serious_axe_violations
from tests.browser.dialogs import accept_dialogs as accept_all_dialogs
from tests.courses import package_builders as builders
from tests.courses.package_fixtures import package_env_fixture  # noqa: F401
from tests.factories import UserFactory
from tests.factories.courses import ActivityFactory, ModuleFactory, ParticipantFactory
from tests.shared_data import SCORM_SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Rustici's "Golf Explained" samples (CC BY 3.0), kept in shared/ beside the repo.
GOLF = SCORM_SAMPLES
NOT_SAVED = "Progression non enregistrée"


# --- helpers -------------------------------------------------------------------------


def wait_for(
    predicate: Callable[[], Any], timeout: float = 8.0, message: str = ""
) -> Any:
    """Poll the database (written by the live server) until ``predicate`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(0.1)


def sco_state(activity: Activity, sco: str | None = None) -> ScoState | None:
    states = ScoState.objects.filter(attempt__activity=activity)
    if sco:
        states = states.filter(sco_identifier=sco)
    return states.order_by("-updated_at").first()


@pytest.fixture
def learner(db):
    return UserFactory(roles=[Role.TEACHER], first_name="Camille", last_name="Dupont")


@pytest.fixture
def context_factory(browser, player_origins):
    """Browser contexts with the site's real CSP (no bypass) and a signed-in learner."""
    contexts = []

    def make(user=None):
        context = browser.new_context(base_url=player_origins[0], locale="fr-BE")
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": player_origins[0],
                    }
                ]
            )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        try:
            context.close()
        except PlaywrightError:
            # A page closed with ``run_before_unload`` may take its context down
            # with it under load: it is closed either way.
            pass


@pytest.fixture
def make_activity(package_env, learner):  # noqa: F811
    """An activity of a course the learner follows, with a package imported by the
    real importer (bytes, or a path to a zip)."""

    def make(archive: bytes | Path, name: str = "paquet.zip", **fields) -> Activity:
        data = archive.read_bytes() if isinstance(archive, Path) else archive
        package = package_env.process(data, name=name)
        assert package.status == "ready", package.errors
        module = ModuleFactory()
        ParticipantFactory(course=module.course, user=learner)
        kind = Activity.Kind.H5P if package.standard == "h5p" else Activity.Kind.SCORM
        fields.setdefault("completion_rule", Activity.CompletionRule.COMPLETED)
        return ActivityFactory(module=module, kind=kind, package=package, **fields)

    return make


def open_player(context, activity: Activity, *, accept_dialogs: bool = True):
    page = context.new_page()
    if accept_dialogs:
        accept_all_dialogs(page)
    page.goto(f"/courses/activities/{activity.uuid}/play/")
    return page


def sco_frame(page, pattern: str):
    """The SCO's frame (inside the wrapper frame), once loaded."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frame = page.frame(url=regex)
        if frame is not None:
            frame.wait_for_load_state()
            return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no frame matching {pattern}")


def wrapper(page):
    return page.frame_locator("#player-frame")


# --- SCORM 1.2 -------------------------------------------------------------------------


def test_scorm12_commits_closes_and_resumes_where_it_was(
    context_factory, learner, make_activity
):
    """A SCORM 1.2 SCO commits each page; an uncommitted change is still saved when
    the tab is closed (pagehide beacon); reopening resumes at that page."""
    activity = make_activity(builders.build_scorm12())
    context = context_factory(learner)
    page = open_player(context, activity)
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    assert sco.inner_text("#entry") == "ab-initio"
    sco.click("#next")
    assert sco.inner_text("#last-result") == "true"
    state = wait_for(lambda: sco_state(activity))
    assert state.location == "2"
    assert state.suspend_data == '{"page":2}'
    assert state.exit == "suspend"
    # suspend_data: 64,000 characters are stored exactly; one more is refused
    # with the standard's error and a visible warning, never truncated.
    result = sco.evaluate(
        """() => { const api = window.parent.API;
                   return [api.LMSSetValue('cmi.suspend_data', 'é'.repeat(64000)),
                           api.LMSCommit(''),
                           api.LMSSetValue('cmi.suspend_data', 'é'.repeat(64001)),
                           api.LMSGetLastError()]; }"""
    )
    assert result == ["true", "true", "false", "405"]
    assert sco_state(activity).suspend_data == "é" * 64000
    warning = wrapper(page).locator("#player-message")
    assert "cmi.suspend_data" in warning.inner_text()
    # A change the SCO never commits: only the pagehide beacon can save it.
    sco.evaluate("window.parent.API.LMSSetValue('cmi.core.lesson_location', '7')")
    page.close(run_before_unload=True)
    wait_for(lambda: sco_state(activity).location == "7", message="beacon not stored")

    page = open_player(context, activity)
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    assert sco.inner_text("#entry") == "resume"
    assert sco.inner_text("#location") == "7"
    assert "Tentative n° 1 — en cours" in page.inner_text("#attempt-status")


def test_golf_scorm12_saves_bookmark_on_close_and_resumes(
    context_factory, learner, make_activity
):
    """Rustici's Golf Explained (SCORM 1.2) only commits when it unloads: closing the
    tab mid-course stores its bookmark, and reopening resumes at that page."""
    activity = make_activity(GOLF / "RuntimeBasicCalls_SCORM12.zip", name="golf12.zip")
    context = context_factory(learner)
    page = open_player(context, activity)
    launch = sco_frame(page, r".*/shared/launchpage\.html")
    launch.wait_for_function(
        "() => document.getElementById('contentFrame').src.includes('Playing.html')"
    )
    for _ in range(3):
        launch.click("#butNext")
    launch.wait_for_function(
        "() => document.getElementById('contentFrame').src.endsWith('Playing/OtherScoring.html')"
    )
    page.close(run_before_unload=True)
    state = wait_for(
        lambda: (s := sco_state(activity)) and s.location == "3" and s,
        message="bookmark lost",
    )
    assert state.exit == "suspend"
    assert state.lesson_status == "incomplete"

    page = open_player(context, activity)  # accepts "resume where you left off?"
    launch = sco_frame(page, r".*/shared/launchpage\.html")
    launch.wait_for_function(
        "() => document.getElementById('contentFrame').src.endsWith('Playing/OtherScoring.html')"
    )


def test_golf_scorm2004_quiz_score_and_completion_are_recorded(
    context_factory, learner, make_activity
):
    """Golf Explained (SCORM 2004 3rd edition): advancing to the end and passing its
    quiz records completion, success and score, and completes the activity."""
    activity = make_activity(
        GOLF / "RuntimeBasicCalls_SCORM20043rdEdition.zip", name="golf2004.zip"
    )
    context = context_factory(learner)
    page = open_player(context, activity)
    launch = sco_frame(page, r".*/shared/launchpage\.html")
    launch.wait_for_function(
        "() => document.getElementById('contentFrame').src.includes('Playing.html')"
    )
    for _ in range(14):
        launch.click("#butNext")
    quiz = sco_frame(page, r".*assessmenttemplate\.html\?.*")
    quiz.wait_for_selector("#frmTest")
    for radio in quiz.locator(".correctAnswer input[type=radio]").all():
        radio.check()
    quiz.evaluate(
        """() => test.Questions.filter((q) => q.Type === 'numeric').forEach((q) => {
             document.getElementById('question_' + q.Id + '_Text').value = String(q.CorrectAnswer);
           })"""
    )
    quiz.click("input[value='Submit Answers']")
    quiz.wait_for_selector("text=Score: 100")
    page.close(run_before_unload=True)
    state = wait_for(
        lambda: (s := sco_state(activity)) and s.success_status == "passed" and s,
        message="quiz result lost",
    )
    assert state.completion_status == "completed"
    assert state.score_raw == 100
    assert state.score_scaled == 1
    progress = wait_for(lambda: activity.progress.filter(user=learner).first())
    assert progress.is_completed
    assert progress.score == 100

    page = open_player(context, activity)
    assert "réussie" in page.inner_text("#attempt-status")
    assert page.get_by_role("button", name="Nouvelle tentative").is_visible()


def test_uncommitted_changes_are_sent_after_a_minute_and_when_hidden(
    context_factory, learner, make_activity
):
    """A SCO that never calls LMSCommit still gets its changes stored: 60 s after
    the first change, and when the tab is hidden."""
    activity = make_activity(builders.build_scorm12())
    context = context_factory(learner)
    page = context.new_page()
    page.clock.install()
    page.goto(f"/courses/activities/{activity.uuid}/play/")
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    sco.evaluate("window.parent.API.LMSSetValue('cmi.core.lesson_location', '5')")
    page.clock.fast_forward(59_000)
    page.wait_for_timeout(300)
    assert sco_state(activity) is None
    page.clock.fast_forward(2_000)
    wait_for(lambda: (s := sco_state(activity)) and s.location == "5")

    sco.evaluate("window.parent.API.LMSSetValue('cmi.core.lesson_location', '6')")
    page.frame(url=re.compile(r".*/play/scorm/.*")).evaluate(
        """() => {
             Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
             document.dispatchEvent(new Event('visibilitychange'));
           }"""
    )
    wait_for(
        lambda: sco_state(activity).location == "6", message="not sent when hidden"
    )


# --- multi-SCO ---------------------------------------------------------------------------


def test_multi_sco_table_of_contents_choice_flow_and_nav_requests(
    context_factory, learner, make_activity
):
    """A 2004 package with three SCOs: the table of contents lists them, a click
    (choice) or Next/Previous (flow) switches SCO, each SCO keeps its own data, and
    a SCO's own "continue" request moves on."""
    activity = make_activity(builders.build_scorm2004(scos=builders.multi_sco_2004()))
    context = context_factory(learner)
    page = open_player(context, activity)
    player = wrapper(page)
    toc = player.get_by_role("navigation", name="Sommaire")
    assert toc.get_by_role("button").all_inner_texts() == [
        "Introduction",
        "Leçon",
        "Évaluation",
    ]
    intro = sco_frame(page, r".*/intro/index\.html")
    intro.wait_for_selector("#api-status:text('ready')")
    assert (
        player.get_by_role("button", name="Introduction").get_attribute("aria-current")
        == "step"
    )
    assert player.get_by_role("button", name="Précédent").is_disabled()
    intro.click("#next")
    assert intro.inner_text("#last-result") == "true"

    player.get_by_role("button", name="Évaluation").click()
    quiz = sco_frame(page, r".*/quiz/index\.html")
    quiz.wait_for_selector("#api-status:text('ready')")
    assert player.get_by_role("button", name="Suivant").is_disabled()
    quiz.click("#answer")
    assert quiz.inner_text("#last-result") == "true"
    quiz_state = wait_for(lambda: sco_state(activity, "quiz"))
    assert quiz_state.success_status == "passed"
    assert sco_state(activity, "intro").location == "2"

    player.get_by_role("button", name="Précédent").click()
    lesson = sco_frame(page, r".*/lesson/index\.html\?page=2")
    lesson.wait_for_selector("#api-status:text('ready')")
    lesson.evaluate(
        """() => { const api = window.parent.API_1484_11;
                   api.SetValue('adl.nav.request', 'continue'); api.Terminate(''); }"""
    )
    quiz = sco_frame(page, r".*/quiz/index\.html")
    quiz.wait_for_selector("#api-status:text('ready')")
    assert quiz.inner_text("#entry") in ("resume", "")


def test_golf_multi_sco_assets_are_completed_on_launch(
    context_factory, learner, make_activity
):
    """Golf Explained's one-file-per-SCO package (assets only): choosing an item shows
    it and counts it as completed, since assets never call the API."""
    activity = make_activity(
        GOLF / "ContentPackagingOneFilePerSCO_SCORM20043rdEdition.zip",
        name="golf-cp.zip",
    )
    context = context_factory(learner)
    page = open_player(context, activity)
    player = wrapper(page)
    sco_frame(page, r".*/Playing/Playing\.html")
    player.get_by_role("button", name="Par", exact=True).click()
    sco_frame(page, r".*/Playing/Par\.html")
    state = wait_for(
        lambda: (
            (s := sco_state(activity, "playing_par_item"))
            and s.completion_status == "completed"
        )
    )
    assert state is not None
    assert (
        player.get_by_role("button", name="Par", exact=True).get_attribute(
            "aria-current"
        )
        == "step"
    )


# --- no data lost ------------------------------------------------------------------------


def queued_commits(page) -> list[dict]:
    """Unacknowledged commits kept for the player (relayed to the platform page's
    first-party storage, since the content frame's own storage may be blocked)."""
    return page.evaluate(
        """() => Object.keys(localStorage)
                 .filter((k) => k.startsWith('tremplin:v1:') && k.includes(':q:'))
                 .flatMap((k) => JSON.parse(localStorage.getItem(k)))"""
    )


def test_offline_commits_are_queued_announced_and_replayed(
    context_factory, learner, make_activity
):
    """Offline, LMSCommit answers "false" (error 101), a "not saved" alert shows and
    the commits wait on the device; back online they are sent in order and the
    alert clears."""
    activity = make_activity(builders.build_scorm12())
    context = context_factory(learner)
    page = open_player(context, activity)
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    sco.click("#next")
    assert sco.inner_text("#last-result") == "true"
    context.set_offline(True)
    sco.click("#next")
    assert sco.inner_text("#last-result") == "false"
    assert sco.evaluate("window.parent.API.LMSGetLastError()") == "101"
    alert = wrapper(page).get_by_role("alert")
    assert NOT_SAVED in alert.inner_text()
    sco.click("#next")
    assert [c["seq"] for c in queued_commits(page)] == [2, 3]
    assert sco_state(activity).location == "2"

    context.set_offline(False)
    alert.wait_for(state="hidden", timeout=15000)
    state = wait_for(lambda: (s := sco_state(activity)) and s.location == "4" and s)
    assert list(
        Commit.objects.filter(sco_state=state)
        .order_by("received_at")
        .values_list("seq", flat=True)
    ) == [1, 2, 3]
    assert queued_commits(page) == []


def test_commits_left_unsent_are_replayed_with_their_seq_after_reload(
    context_factory, learner, make_activity
):
    """Commits the server could not take (database down until the tab was closed,
    final beacon refused too) are replayed in order, with their original sequence
    numbers, on the next visit, before the SCO starts."""
    from django.db import OperationalError

    from courses.tracking import api

    def database_down(*args, **kwargs):
        raise OperationalError("database unavailable")

    activity = make_activity(builders.build_scorm12())
    context = context_factory(learner)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api, "apply_commit", database_down)
        page = open_player(context, activity)
        sco = sco_frame(page, r".*/sco12\.html")
        sco.wait_for_selector("#api-status:text('ready')")
        sco.click("#next")
        sco.click("#next")
        assert sco.inner_text("#last-result") == "false"
        assert NOT_SAVED in wrapper(page).get_by_role("alert").inner_text()
        assert [c["seq"] for c in queued_commits(page)] == [1, 2]
        keeper = context.new_page()
        page.close(run_before_unload=True)
        keeper.wait_for_timeout(500)  # the closing tab's beacon is refused too
        assert sco_state(activity) is None

    page = open_player(context, activity)
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    assert sco.inner_text("#location") == "3"
    state = sco_state(activity)
    assert state.location == "3"
    assert list(
        state.commits.order_by("received_at").values_list("seq", flat=True)
    ) == [1, 2]
    assert queued_commits(page) == []


def test_second_tab_wins_and_stale_tab_is_stopped(
    context_factory, learner, make_activity
):
    """Two tabs on one attempt: the older tab is told the course is open elsewhere,
    cannot overwrite the newer data, and "Continuer ici" reloads the latest state."""
    activity = make_activity(builders.build_scorm12())
    context = context_factory(learner)
    first = open_player(context, activity)
    sco_a = sco_frame(first, r".*/sco12\.html")
    sco_a.wait_for_selector("#api-status:text('ready')")
    sco_a.click("#next")  # page 2

    second = open_player(context, activity)
    sco_b = sco_frame(second, r".*/sco12\.html")
    sco_b.wait_for_selector("#api-status:text('ready')")
    assert sco_b.inner_text("#location") == "2"
    sco_b.click("#next")
    sco_b.click("#next")  # page 4
    assert sco_b.inner_text("#last-result") == "true"

    sco_a.click("#next")  # page 3 in the stale tab
    assert sco_a.inner_text("#last-result") == "false"
    dialog = wrapper(first).get_by_role("alertdialog")
    assert "ouvert ailleurs" in dialog.inner_text()
    assert sco_state(activity).location == "4"
    # Even numbering ahead, the stale tab can never write again.
    assert (
        sco_a.evaluate(
            """() => { const api = window.parent.API;
                   api.LMSSetValue('cmi.core.lesson_location', '99');
                   return api.LMSCommit(''); }"""
        )
        == "false"
    )
    assert sco_state(activity).location == "4"

    dialog.get_by_role("button", name="Continuer ici").click()
    first.wait_for_load_state()
    sco_a = sco_frame(first, r".*/sco12\.html")
    sco_a.wait_for_selector("#api-status:text('ready')")
    assert sco_a.inner_text("#location") == "4"


def test_expired_token_asks_to_reload_and_keeps_the_commit(
    context_factory, learner, make_activity, settings
):
    """When the attempt token expires, the commit is kept, the learner is asked to
    reload, and the reloaded player (fresh token) delivers it."""
    activity = make_activity(builders.build_scorm12())
    settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS = 3
    context = context_factory(learner)
    page = open_player(context, activity)
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    page.wait_for_timeout(4500)
    sco.click("#next")
    assert sco.inner_text("#last-result") == "false"
    alert = wrapper(page).get_by_role("alert")
    assert "session de suivi a expiré" in alert.inner_text()
    settings.ATTEMPT_TOKEN_MAX_AGE_SECONDS = 3600
    alert.get_by_role("button", name="Recharger la page").click()
    page.wait_for_load_state()
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    assert sco.inner_text("#location") == "2"
    assert sco_state(activity).location == "2"


# --- H5P -----------------------------------------------------------------------------------


def test_h5p_answer_records_score_and_restores_state(
    context_factory, learner, make_activity
):
    """Answering the H5P question sends its xAPI result (score recorded, activity
    completed) and saves the content's state, restored on the next visit."""
    activity = make_activity(builders.build_h5p(), name="quiz.h5p")
    context = context_factory(learner)
    page = open_player(context, activity)
    content = wrapper(page).frame_locator("iframe.h5p-iframe")
    content.get_by_role("button", name="4").click()
    content.get_by_role("button", name="Valider").click()
    assert content.locator(".tremplin-quiz-result").inner_text() == "Bonne réponse"
    wait_for(
        lambda: (
            set(
                Statement.objects.filter(attempt__activity=activity).values_list(
                    "verb", flat=True
                )
            )
            >= {
                "http://adlnet.gov/expapi/verbs/answered",
                "http://adlnet.gov/expapi/verbs/completed",
            }
        ),
        message="xAPI statements not stored",
    )
    state = wait_for(
        lambda: (
            (s := sco_state(activity, "h5p"))
            and s.completion_status == "completed"
            and s
        )
    )
    assert state.success_status == "passed"
    progress = wait_for(
        lambda: activity.progress.filter(user=learner, state="completed").first()
    )
    assert progress.score == 100
    wait_for(
        lambda: any(
            k.startswith("h5p.data.state") for k in sco_state(activity, "h5p").cmi
        )
    )

    page.reload()
    content = wrapper(page).frame_locator("iframe.h5p-iframe")
    assert (
        content.get_by_role("button", name="4").get_attribute("aria-pressed") == "true"
    )
    assert content.locator(".tremplin-quiz-result").inner_text() == "Bonne réponse"


# --- isolation and accessibility ---------------------------------------------------------------

PROBE_HTML = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Sonde</title></head>
<body><h1>Sonde</h1><pre id="results">…</pre>
<script>
(function () {
  var platform = "%(platform)s";
  var results = {};
  results.api = window.parent.API ? "reachable" : "missing";
  results.cookie = /sessionid|csrftoken/.test(document.cookie) ? "open: " + document.cookie : "blocked";
  try { results.topDocument = window.top.document.body ? "open" : "blocked"; }
  catch (e) { results.topDocument = "blocked"; }
  try { results.platformDocument = window.parent.parent.document.title ? "open" : "blocked"; }
  catch (e) { results.platformDocument = "blocked"; }
  try { window.top.location = platform + "/dashboard/"; results.topNavigation = "attempted"; }
  catch (e) { results.topNavigation = "blocked"; }
  try { results.platformStorage = window.top.localStorage ? "open" : "blocked"; }
  catch (e) { results.platformStorage = "blocked"; }
  fetch(platform + "/dashboard/", {credentials: "include"})
    .then(function (r) { return r.text().then(function (t) {
      results.fetch = t.indexOf("Camille") >= 0 ? "open" : "blocked"; }); },
      function () { results.fetch = "blocked"; })
    .then(function () {
      document.getElementById("results").textContent = JSON.stringify(results);
    });
})();
</script></body></html>
"""


def test_probe_sco_cannot_reach_the_platform(
    context_factory, learner, make_activity, player_origins
):
    """A hostile SCO finds the SCORM API but cannot read the session cookie, the
    platform's DOM or storage, navigate the top window, or call the platform with
    the learner's credentials."""
    platform, _content = player_origins
    probe = PROBE_HTML % {"platform": platform}
    activity = make_activity(builders.build_scorm12(sco_html=probe))
    context = context_factory(learner)
    page = open_player(context, activity)
    play_url = page.url
    sco = sco_frame(page, r".*/sco12\.html")
    sco.wait_for_function(
        "() => document.getElementById('results').textContent.startsWith('{')"
    )
    results = json.loads(sco.inner_text("#results"))
    assert results == {
        "api": "reachable",
        "cookie": "blocked",
        "topDocument": "blocked",
        "platformDocument": "blocked",
        "topNavigation": results["topNavigation"],
        "platformStorage": "blocked",
        "fetch": "blocked",
    }
    page.wait_for_timeout(300)
    assert page.url == play_url, "the SCO navigated the platform page"


def test_play_page_is_accessible(page, player_origins, learner, make_activity):
    """The play page and the player wrapper have no serious accessibility violation:
    titled frame, headings, labelled table of contents and buttons."""
    activity = make_activity(builders.build_scorm2004(scos=builders.multi_sco_2004()))
    client = Client()
    client.force_login(learner)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": player_origins[0],
            }
        ]
    )
    page.goto(f"/courses/activities/{activity.uuid}/play/")
    assert page.get_by_role("heading", level=1).inner_text() == activity.title
    frame = page.get_by_title(f"Module : {activity.title}")
    assert frame.is_visible()
    sco = sco_frame(page, r".*/intro/index\.html")
    sco.wait_for_selector("#api-status:text('ready')")
    assert serious_axe_violations(page) == []
    player = page.frame(url=re.compile(r".*/play/scorm/.*"))
    assert serious_axe_violations(player) == []
