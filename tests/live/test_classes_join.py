"""Joining a virtual class: window, roles, lazy idempotent creation, BBB down."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from live.models import JoinRequest, VirtualClass
from tests.factories import UserFactory
from tests.factories.live import make_class
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db


def _join(client, user, vc):
    client.force_login(user)
    return client.post(reverse("live:class_join", args=[vc.uuid]))


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_learner_joins_as_viewer_and_tutor_as_moderator(client, bbb):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(minutes=10))

    tutor_answer = _join(client, setup.tutor, vc)
    learner_answer = _join(client, learner, vc)

    for answer in (tutor_answer, learner_answer):
        assert answer.status_code == 302
        assert answer["Location"].startswith(bbb.url)
        assert "no-store" in answer["Cache-Control"]
    query = parse_qs(urlsplit(learner_answer["Location"]).query)
    assert query["userID"] == [str(learner.pk)]
    assert query["fullName"] == [learner.get_full_name()]
    # Following the URLs puts both in the meeting with their roles.
    httpx.get(tutor_answer["Location"])
    httpx.get(learner_answer["Location"])
    meeting = bbb.control("state")["meetings"][str(vc.meeting_id)]
    roles = {a["userID"]: a["role"] for a in meeting["attendees"]}
    assert roles == {str(setup.tutor.pk): "MODERATOR", str(learner.pk): "VIEWER"}
    assert JoinRequest.objects.filter(virtual_class=vc).count() == 2
    assert set(
        JoinRequest.objects.filter(is_moderator=True).values_list("user", flat=True)
    ) == {setup.tutor.pk}


def test_meeting_is_created_once_with_our_parameters(client, bbb, settings):
    settings.SITE_URL = "https://tremplin.example"
    setup = make_cohort(learners=2)
    vc = make_class(
        setup.cohort,
        title=("Atelier, « lecture » 📚 " + "x" * 300)[:200],
        record_allowed=True,
        max_participants=30,
        welcome="Bonjour à toutes et tous",
    )
    first = _join(client, setup.learners[0], vc)
    _join(client, setup.learners[0], vc)  # a double click
    _join(client, setup.learners[1], vc)
    state = bbb.control("state")["meetings"]
    assert list(state) == [vc.meeting_id]
    meeting = state[vc.meeting_id]
    vc.refresh_from_db()
    assert vc.server and vc.create_time and vc.created_on_server_at
    assert meeting["createTime"] == vc.create_time
    assert meeting["createCalls"] >= 2  # create is called again, idempotently
    assert 2 <= len(meeting["name"]) <= 64
    assert "📚" not in meeting["name"] and "," not in meeting["name"]
    assert meeting["record"] is True
    assert meeting["maxParticipants"] == 30
    assert meeting["duration"] == 60 + 30
    assert meeting["welcome"] == "Bonjour à toutes et tous"
    assert meeting["logoutURL"] == (f"https://tremplin.example/live/classes/{vc.uuid}/")
    meta = meeting["meta"]
    assert meta["endCallbackUrl"] == (
        f"https://tremplin.example/live/bbb/end/{vc.uuid}/{vc.end_nonce}/"
    )
    assert meta["bbb-recording-ready-url"] == (
        f"https://tremplin.example/live/bbb/recording-ready/{vc.uuid}/"
    )
    assert meta["tremplin-cohort"] == setup.cohort.code
    assert parse_qs(urlsplit(first["Location"]).query)["createTime"] == [
        str(vc.create_time)
    ]


def test_too_early_then_open_then_closed(client, bbb):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    vc = make_class(setup.cohort, starts_at=timezone.now() + dt.timedelta(hours=2))

    early = _join(client, learner, vc)
    assert early.status_code == 302
    assert early["Location"] == reverse("live:class_detail", args=[vc.uuid])
    (message,) = _messages(early)
    assert "pas encore ouverte" in message
    opens = timezone.localtime(vc.join_opens_at).strftime("%H:%M")
    assert opens in message
    assert bbb.control("state")["meetings"] == {}

    vc.starts_at = timezone.now() + dt.timedelta(minutes=14)
    vc.save()
    assert _join(client, learner, vc)["Location"].startswith(bbb.url)

    vc.starts_at = timezone.now() - dt.timedelta(minutes=61)
    vc.save()
    closed = _join(client, learner, vc)
    assert closed["Location"] == reverse("live:class_detail", args=[vc.uuid])
    assert "terminée" in _messages(closed)[-1]


def test_cancelled_class_cannot_be_joined(client, bbb):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort, status=VirtualClass.Status.CANCELLED)
    answer = _join(client, setup.learners[0], vc)
    assert answer.status_code == 302
    assert "annulée" in _messages(answer)[-1]
    assert bbb.control("state")["meetings"] == {}


def test_people_outside_the_cohort_cannot_join(client, bbb):
    setup = make_cohort(learners=1)
    other = make_cohort(learners=1)
    vc = make_class(setup.cohort)
    assert _join(client, other.learners[0], vc).status_code == 403
    assert _join(client, other.tutor, vc).status_code == 403
    assert _join(client, UserFactory(), vc).status_code == 403
    assert not JoinRequest.objects.exists()
    assert bbb.control("state")["meetings"] == {}


def test_get_is_not_allowed(client, bbb):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort)
    client.force_login(setup.learners[0])
    assert client.get(reverse("live:class_join", args=[vc.uuid])).status_code == 405


def test_bbb_down_gives_a_clear_message_and_no_crash(client, bbb, caplog):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort)
    bbb.control("set_down", down="true")
    try:
        answer = _join(client, setup.learners[0], vc)
    finally:
        bbb.control("set_down", down="false")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("live:class_detail", args=[vc.uuid])
    assert "ne répond pas" in _messages(answer)[-1]
    assert not JoinRequest.objects.exists()
    page = client.get(answer["Location"])
    assert "ne répond pas" in page.content.decode()
    # Once BBB is back the same button works.
    joined = _join(client, setup.learners[0], vc)["Location"]
    assert joined.startswith(bbb.url)
    assert joined not in caplog.text  # join URLs are never logged
    assert "/api/join?" not in caplog.text


def test_withdrawn_learner_cannot_join(client, bbb):
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    setup.cohort.enrolments.filter(user=learner).update(status="withdrawn")
    vc = make_class(setup.cohort)
    assert _join(client, learner, vc).status_code == 403


def test_meeting_ended_on_bbb_is_not_created_again(client, bbb, settings):
    settings.SITE_URL = "http://127.0.0.1:9"  # the end callback is lost
    setup = make_cohort(learners=2)
    vc = make_class(setup.cohort, starts_at=timezone.now() - dt.timedelta(minutes=5))
    first = _join(client, setup.learners[0], vc)
    httpx.get(first["Location"])
    from live import polling

    polling.poll_class(vc)
    bbb.control("end", meetingID=vc.meeting_id)  # the tutor ended it in BBB
    late = _join(client, setup.learners[1], vc)
    assert late["Location"] == reverse("live:class_detail", args=[vc.uuid])
    assert "terminée" in _messages(late)[-1]
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED
    assert bbb.control("state")["meetings"][vc.meeting_id]["ended"] is True


def test_class_page_lets_the_join_form_reach_bbb(client, bbb):
    setup = make_cohort(learners=1)
    vc = make_class(setup.cohort)
    client.force_login(setup.learners[0])
    page = client.get(reverse("live:class_detail", args=[vc.uuid]))
    policy = page["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if "form-action" in p)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(bbb.url))
    assert "'self'" in form_action and origin in form_action
