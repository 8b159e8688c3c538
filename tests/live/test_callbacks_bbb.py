"""BBB callbacks from the stand-in to a live Tremplin: end and recording ready.

The stand-in posts to ``SITE_URL`` (here the live server), as BBB does.
"""

from __future__ import annotations

import datetime as dt
import time

import httpx
import jwt
import pytest
from django.urls import reverse
from django.utils import timezone

from live import classes, polling
from live.models import AttendanceRecord, CallbackReceipt, Recording, VirtualClass
from live.tasks import process_callback
from tests.factories.live import make_class
from tests.factories.tutoring import make_cohort

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server


def _class_in_session(bbb, *, record=False):
    setup = make_cohort(learners=2)
    vc = make_class(
        setup.cohort,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        record_allowed=record,
    )
    vc = classes.ensure_created(vc)
    for user, role in ((setup.tutor, "MODERATOR"), (setup.learners[0], "VIEWER")):
        bbb.control(
            "add_attendee",
            meetingID=vc.meeting_id,
            userID=str(user.pk),
            fullName=user.get_full_name(),
            role=role,
        )
    polling.poll_class(vc)
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    return setup, vc


def _end_url(site, vc, nonce=None, uuid=None):
    path = reverse(
        "live:bbb_end_callback", args=[uuid or vc.uuid, nonce or vc.end_nonce]
    )
    return f"{site.url}{path}?meetingID={vc.meeting_id}&recordingmarks=false"


def _ready_url(site, vc):
    return site.url + reverse("live:bbb_recording_ready", args=[vc.uuid])


# --- end of meeting -----------------------------------------------------------------
def test_end_callback_closes_the_class_once(bbb, site):
    setup, vc = _class_in_session(bbb)
    answer = bbb.control("end", meetingID=vc.meeting_id)
    assert [c["status"] for c in answer["callbacks"]] == [200]
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED
    ended_at = vc.ended_at
    records = dict(
        AttendanceRecord.objects.filter(virtual_class=vc).values_list("user", "status")
    )
    assert set(records) == {u.pk for u in setup.learners}
    assert records[setup.learners[1].pk] == AttendanceRecord.Status.ABSENT
    for _ in range(3):  # replays
        replay = httpx.get(_end_url(site, vc))
        assert replay.status_code == 202
        assert "already processed" in replay.text
    vc.refresh_from_db()
    assert vc.ended_at == ended_at
    assert CallbackReceipt.objects.filter(kind="end").count() == 1


def test_forged_end_callbacks_are_refused_and_change_nothing(bbb, site, caplog):
    _setup, vc = _class_in_session(bbb)
    other = make_class(vc.cohort)
    forged = [
        _end_url(site, vc, nonce="guessed-nonce"),
        _end_url(site, vc, nonce=other.end_nonce),
        _end_url(site, vc, uuid=other.uuid),  # another class, this class's nonce
        site.url + f"/live/bbb/end/{vc.uuid}/%20/",
    ]
    for url in forged:
        answer = httpx.get(url)
        assert answer.status_code in (401, 404), url
    assert httpx.get(forged[0]).status_code == 401
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    assert not CallbackReceipt.objects.exists()
    assert "bbb callback refused" in caplog.text
    assert bbb.control("state")["meetings"][vc.meeting_id]["running"] is True


def test_end_callback_while_bbb_says_running_is_kept_for_later(bbb, site):
    _setup, vc = _class_in_session(bbb)
    answer = httpx.get(_end_url(site, vc))  # valid nonce, but the meeting runs
    assert answer.status_code == 202
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    receipt = CallbackReceipt.objects.get()
    assert receipt.processed_at is None
    # The real end arrives: the same receipt is processed.
    assert [
        c["status"] for c in bbb.control("end", meetingID=vc.meeting_id)["callbacks"]
    ] == [200]
    receipt.refresh_from_db()
    assert receipt.processed_at is not None
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED


def test_end_callback_with_bbb_down_is_retried(bbb, live_server, settings):
    settings.SITE_URL = "http://127.0.0.1:9"  # BBB's own end callback is lost
    site = live_server
    _setup, vc = _class_in_session(bbb)
    bbb.control("end", meetingID=vc.meeting_id)
    bbb.control("set_down", down="true")
    try:
        answer = httpx.get(_end_url(site, vc))
    finally:
        bbb.control("set_down", down="false")
    assert answer.status_code == 202
    receipt = CallbackReceipt.objects.get()
    assert receipt.processed_at is None and "503" in receipt.last_error
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING
    assert process_callback.apply(args=(receipt.pk,)).get() == "processed"
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.ENDED


# --- recording ready ----------------------------------------------------------------
def test_recorded_class_end_brings_its_recording(bbb, site):
    setup, vc = _class_in_session(bbb, record=True)
    answer = bbb.control("end", meetingID=vc.meeting_id)
    assert sorted(c["status"] for c in answer["callbacks"]) == [200, 200]
    recording = Recording.objects.get(virtual_class=vc)
    assert recording.is_published and recording.playback_url
    # Listed to an enrolled learner.
    from django.test import Client

    client = Client()
    client.force_login(setup.learners[1])
    page = client.get(reverse("live:class_detail", args=[vc.uuid])).content.decode()
    assert reverse("live:recording_open", args=[recording.pk]) in page


def _token(vc, record_id, secret, **extra):
    claims = {"meeting_id": vc.meeting_id, "record_id": record_id, **extra}
    return jwt.encode(claims, secret, algorithm=extra.pop("alg", "HS256"))


def test_recording_ready_before_the_end_and_replays(bbb, site):
    _setup, vc = _class_in_session(bbb, record=True)
    answer = bbb.control("publish_recording", meetingID=vc.meeting_id)
    assert [c["status"] for c in answer["callbacks"]] == [200]
    record_id = bbb.control("state")["recordings"][0]["recordID"]
    assert Recording.objects.filter(record_id=record_id).count() == 1
    vc.refresh_from_db()
    assert vc.status == VirtualClass.Status.RUNNING  # not closed by a recording
    token = _token(vc, record_id, bbb.secret)
    for _ in range(3):
        replay = httpx.post(_ready_url(site, vc), data={"signed_parameters": token})
        assert replay.status_code == 202
        assert "already processed" in replay.text
    assert Recording.objects.count() == 1
    assert CallbackReceipt.objects.filter(kind="recording_ready").count() == 1


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_invalid_recording_ready_tokens_are_refused(bbb, live_server, settings, caplog):
    settings.SITE_URL = "http://127.0.0.1:9"  # the genuine callback is lost
    site = live_server
    _setup, vc = _class_in_session(bbb, record=True)
    bbb.control("publish_recording", meetingID=vc.meeting_id)
    record_id = bbb.control("state")["recordings"][0]["recordID"]
    other = make_class(vc.cohort)
    past = int(time.time()) - 60
    header_none = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(
        f'{{"meeting_id":"{vc.meeting_id}","record_id":"{record_id}"}}'.encode()
    ).decode()
    bad_tokens = {
        "missing": None,
        "garbage": "not-a-jwt",
        "wrong secret": _token(vc, record_id, "not-the-secret-" * 4),
        "alg none": f"{header_none}.{body}.",
        "HS512": jwt.encode(
            {"meeting_id": vc.meeting_id, "record_id": record_id},
            bbb.secret,
            algorithm="HS512",
        ),
        "expired": _token(vc, record_id, bbb.secret, exp=past),
        "other meeting": jwt.encode(
            {"meeting_id": other.meeting_id, "record_id": record_id},
            bbb.secret,
            algorithm="HS256",
        ),
        "no record_id": jwt.encode(
            {"meeting_id": vc.meeting_id}, bbb.secret, algorithm="HS256"
        ),
    }
    for name, token in bad_tokens.items():
        data = {} if token is None else {"signed_parameters": token}
        answer = httpx.post(_ready_url(site, vc), data=data)
        assert answer.status_code == 401, name
    assert not Recording.objects.exists()
    assert not CallbackReceipt.objects.exists()
    assert caplog.text.count("bbb callback refused") >= len(bad_tokens)
    # A valid one (with a future exp) is accepted.
    good = _token(vc, record_id, bbb.secret, exp=int(time.time()) + 60)
    answer = httpx.post(_ready_url(site, vc), data={"signed_parameters": good})
    assert answer.status_code == 200
    assert Recording.objects.filter(record_id=record_id).exists()


def test_get_on_recording_ready_is_not_allowed(bbb, site):
    _setup, vc = _class_in_session(bbb)
    assert httpx.get(_ready_url(site, vc)).status_code == 405
