"""``BbbClient`` against the BBB stand-in, a real process speaking the BBB API."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from live.bbb.client import BbbClient, BbbError, BbbUnavailable

NOTICE = (
    "Simulateur BigBlueButton de Tremplin — ceci n'est pas une vraie classe virtuelle"
)


@pytest.fixture
def client(bbb):
    return BbbClient(bbb.url, bbb.secret, algorithm="sha256", timeout=5)


class Receiver:
    """A local HTTP endpoint that records the callbacks it receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self, body: str) -> None:
                url = urlsplit(self.path)
                params = parse_qs(url.query) | parse_qs(body)
                receiver.requests.append((self.command, url.path, params))
                self.send_response(202 if self.command == "POST" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def do_GET(self):  # noqa: N802
                self._record("")

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._record(self.rfile.read(length).decode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = threading.Event()
        for _ in range(int(timeout * 20)):
            if len(self.requests) >= count:
                return
            deadline.wait(0.05)
        raise AssertionError(f"{len(self.requests)} callbacks, expected {count}")


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _join(client, meeting_id, user_id, name, *, moderator=False, **kwargs):
    """Follow a join URL as a browser does; the final response."""
    url = client.join_url(
        meeting_id, full_name=name, user_id=user_id, moderator=moderator, **kwargs
    )
    return httpx.get(url, follow_redirects=True, timeout=5)


def test_standin_root_answers_like_bbb(bbb):
    """The API root answers SUCCESS with the API version, without a checksum."""
    body = httpx.get(bbb.url + "api/").text
    assert "<returncode>SUCCESS</returncode>" in body
    assert "<version>2.0</version>" in body


def test_create_is_idempotent_for_the_same_meeting_id(bbb, client):
    """Creating the same meeting twice keeps one meeting (duplicateWarning)."""
    first = client.create("m-1", name="Classe", attendeePW="ap", moderatorPW="mp")
    again = client.create("m-1", name="Classe", attendeePW="ap", moderatorPW="mp")
    assert first["duplicate"] is False
    assert again["duplicate"] is True
    assert again["internal_meeting_id"] == first["internal_meeting_id"]
    assert again["create_time"] == first["create_time"]
    meetings = bbb.control("state")["meetings"]
    assert list(meetings) == ["m-1"]
    assert meetings["m-1"]["createCalls"] == 2


def test_create_with_other_passwords_is_refused(bbb, client):
    """A second create with different passwords is refused (idNotUnique)."""
    client.create("m-1", attendeePW="ap", moderatorPW="mp")
    with pytest.raises(BbbError) as refused:
        client.create("m-1", attendeePW="other", moderatorPW="mp")
    assert refused.value.key == "idNotUnique"


def test_create_stores_the_meeting_parameters(bbb, client):
    """Name, passwords, flags, limits, URLs, welcome and every meta_* are kept."""
    client.create(
        "m-2",
        name="Écrire, c'est 🎉 & <penser>",
        attendeePW="ap",
        moderatorPW="mp",
        record=True,
        duration=90,
        maxParticipants=30,
        guestPolicy="ALWAYS_DENY",
        logoutURL="https://tremplin.test/cohorte/1/?a=1&b=2",
        welcome="Bienvenue !",
        **{
            "meta_endCallbackUrl": "https://tremplin.test/live/bbb/end/u/n/",
            "meta_bbb-recording-ready-url": "https://tremplin.test/live/bbb/rr/u/",
            "meta_bbb-origin": "Tremplin",
        },
    )
    meeting = bbb.control("state")["meetings"]["m-2"]
    assert meeting["name"] == "Écrire, c'est 🎉 & <penser>"
    assert (meeting["attendeePW"], meeting["moderatorPW"]) == ("ap", "mp")
    assert meeting["record"] is True
    assert meeting["duration"] == 90
    assert meeting["maxParticipants"] == 30
    assert meeting["guestPolicy"] == "ALWAYS_DENY"
    assert meeting["logoutURL"] == "https://tremplin.test/cohorte/1/?a=1&b=2"
    assert meeting["welcome"] == "Bienvenue !"
    assert meeting["meta"] == {
        "endCallbackUrl": "https://tremplin.test/live/bbb/end/u/n/",
        "bbb-recording-ready-url": "https://tremplin.test/live/bbb/rr/u/",
        "bbb-origin": "Tremplin",
    }
    assert meeting["running"] is False


def test_following_join_urls_adds_attendees_with_their_roles(bbb, client):
    """The tutor's join URL makes a moderator, the learner's a viewer; both
    are listed by getMeetingInfo with their user id and full name."""
    client.create("m-3", name="Classe")
    assert _join(client, "m-3", "11", "Tina Tutrice", moderator=True).status_code == 200
    assert _join(client, "m-3", "42", "Zoé Lambert").status_code == 200
    info = client.get_meeting_info("m-3")
    assert info.running is True
    assert info.participant_count == 2
    by_id = {a.user_id: a for a in info.attendees}
    assert by_id["11"].full_name == "Tina Tutrice"
    assert by_id["11"].is_moderator
    assert by_id["42"].full_name == "Zoé Lambert"
    assert by_id["42"].role == "VIEWER"
    assert info.start_time is not None


def test_join_url_redirects_to_the_simulated_room(bbb, client):
    """A join URL answers 302 to the stand-in's room page (not an XML body)."""
    client.create("m-4")
    url = client.join_url("m-4", full_name="Zoé", user_id="42", moderator=False)
    response = httpx.get(url)
    assert response.status_code == 302
    assert response.headers["location"].startswith(bbb.url.split("/bigbluebutton")[0])


def test_room_page_says_it_is_a_simulator_and_lists_participants(bbb, client):
    """The room page says clearly it is a simulator, in French, and lists who
    is there."""
    client.create("m-5", name="Atelier d'écriture")
    _join(client, "m-5", "11", "Tina Tutrice", moderator=True)
    page = _join(client, "m-5", "42", "Zoé Lambert")
    assert NOTICE in page.text
    assert 'lang="fr"' in page.text
    assert "<h1>Atelier d'écriture</h1>" in page.text
    assert "Tina Tutrice (modérateur)" in page.text
    assert "Zoé Lambert" in page.text
    assert "Quitter la classe" in page.text


def test_leave_button_removes_the_attendee_and_returns_to_tremplin(bbb, client):
    """ "Quitter la classe" takes the attendee out of the meeting and sends
    them to the logout URL."""
    client.create("m-6", logoutURL="https://tremplin.test/cohortes/3/")
    _join(client, "m-6", "11", "Tina", moderator=True)
    page = _join(client, "m-6", "42", "Zoé")
    token = re.search(r'name="sessionToken" value="([^"]+)"', page.text).group(1)
    room = page.url
    response = httpx.post(
        f"{room.scheme}://{room.host}:{room.port}/html5client/leave",
        data={"sessionToken": token},
    )
    assert response.status_code == 302
    assert response.headers["location"] == "https://tremplin.test/cohortes/3/"
    info = client.get_meeting_info("m-6")
    assert [a.user_id for a in info.attendees] == ["11"]
    # The token is spent: its room page no longer shows the class.
    assert httpx.get(str(room)).status_code == 404


def test_is_meeting_running_follows_joins_and_end(bbb, client):
    """A created meeting runs once someone joins, and stops when it ends."""
    assert client.is_meeting_running("m-7") is False
    client.create("m-7")
    assert client.is_meeting_running("m-7") is False
    _join(client, "m-7", "11", "Tina", moderator=True)
    assert client.is_meeting_running("m-7") is True
    assert client.end("m-7") is True
    assert client.is_meeting_running("m-7") is False


def test_unknown_meeting_info_is_none(bbb, client):
    """getMeetingInfo of a meeting BBB does not know gives None (notFound)."""
    assert client.get_meeting_info("nobody-created-this") is None


def test_end_closes_the_meeting(bbb, client):
    """After end, the meeting is gone for monitoring; ending it again reports
    that BBB no longer knows it."""
    client.create("m-8")
    _join(client, "m-8", "42", "Zoé")
    assert client.end("m-8") is True
    assert client.get_meeting_info("m-8") is None
    assert client.end("m-8") is False
    meeting = bbb.control("state")["meetings"]["m-8"]
    assert meeting["ended"] is True
    assert meeting["attendees"] == []


def test_create_after_end_starts_a_new_meeting(bbb, client):
    """Creating an ended meeting's id again starts a new meeting."""
    first = client.create("m-9")
    client.end("m-9")
    second = client.create("m-9")
    assert second["duplicate"] is False
    assert second["create_time"] >= first["create_time"]
    assert client.get_meeting_info("m-9").running is False


def test_join_with_stale_create_time_is_refused(bbb, client):
    """A join URL carrying another createTime is refused, as BBB does."""
    created = client.create("m-10")
    url = client.join_url(
        "m-10",
        full_name="Zoé",
        user_id="42",
        moderator=False,
        create_time=created["create_time"] - 1,
    )
    body = httpx.get(url).text
    assert "<messageKey>mismatchCreateTimeParam</messageKey>" in body
    assert client.get_meeting_info("m-10").participant_count == 0


def test_end_api_call_fires_the_end_callback(bbb, client, receiver):
    """Ending a meeting calls meta_endCallbackUrl (even with a query already)
    with meetingID and recordingmarks appended."""
    client.create("m-11", **{"meta_endCallbackUrl": f"{receiver.url}/end/?nonce=abc"})
    _join(client, "m-11", "11", "Tina", moderator=True)
    client.end("m-11")
    receiver.wait_for(1)
    method, path, params = receiver.requests[0]
    assert (method, path) == ("GET", "/end/")
    assert params == {
        "nonce": ["abc"],
        "meetingID": ["m-11"],
        "recordingmarks": ["false"],
    }


def test_control_end_of_recorded_meeting_delivers_both_callbacks(bbb, client, receiver):
    """Ending a recorded meeting calls the end URL, publishes a recording and
    POSTs a recording-ready JWT (HS256, shared secret) naming that recording."""
    client.create(
        "m-12",
        name="Classe enregistrée",
        record=True,
        **{
            "meta_endCallbackUrl": f"{receiver.url}/end",
            "meta_bbb-recording-ready-url": f"{receiver.url}/ready",
        },
    )
    _join(client, "m-12", "11", "Tina", moderator=True)
    _join(client, "m-12", "42", "Zoé")
    answer = bbb.control("end", meetingID="m-12")
    assert [c["status"] for c in answer["callbacks"]] == [200, 202]
    assert len(receiver.requests) == 2  # delivered before the control answered
    end, ready = receiver.requests
    assert end[2]["recordingmarks"] == ["true"]
    assert ready[0] == "POST"
    claims = jwt.decode(
        ready[2]["signed_parameters"][0], bbb.secret, algorithms=["HS256"]
    )
    recordings = client.get_recordings("m-12")
    assert claims == {"meeting_id": "m-12", "record_id": recordings[0].record_id}


def test_get_recordings_lists_the_published_recording(bbb, client):
    """A recorded meeting that ended has one published presentation recording
    whose playback page is the simulated one."""
    client.create("m-13", name="Classe enregistrée", record=True)
    _join(client, "m-13", "11", "Tina", moderator=True)
    _join(client, "m-13", "42", "Zoé")
    client.end("m-13")
    (recording,) = client.get_recordings("m-13")
    assert recording.meeting_id == "m-13"
    assert recording.name == "Classe enregistrée"
    assert recording.published is True
    assert recording.state == "published"
    assert recording.participants == 2
    assert recording.playback_format == "presentation"
    assert recording.length_minutes == 0
    page = httpx.get(recording.playback_url)
    assert page.status_code == 200
    assert "Enregistrement simulé" in page.text
    assert NOTICE in page.text


def test_meeting_without_recording_has_no_recordings(bbb, client):
    """A meeting created without record=true leaves no recording."""
    client.create("m-14")
    _join(client, "m-14", "11", "Tina", moderator=True)
    client.end("m-14")
    assert client.get_recordings("m-14") == []


def test_publish_recording_control_adds_another_recording(bbb, client, receiver):
    """publish_recording adds a recording and announces it by callback."""
    client.create("m-15", **{"meta_bbb-recording-ready-url": f"{receiver.url}/ready"})
    answer = bbb.control("publish_recording", meetingID="m-15")
    assert [c["status"] for c in answer["callbacks"]] == [202]
    assert [r.record_id for r in client.get_recordings("m-15")] == [
        answer["recording"]["recordID"]
    ]


def test_wrong_secret_is_refused_with_checksum_error(bbb):
    """Calls signed with another secret are refused with checksumError."""
    intruder = BbbClient(bbb.url, "not-the-secret", algorithm="sha256")
    with pytest.raises(BbbError) as refused:
        intruder.create("m-16")
    assert refused.value.key == "checksumError"
    assert bbb.control("state")["meetings"] == {}


def test_missing_checksum_is_refused(bbb):
    """A call without checksum is refused."""
    body = httpx.get(bbb.url + "api/getMeetingInfo?meetingID=m-1").text
    assert "<returncode>FAILED</returncode>" in body
    assert "<messageKey>checksumError</messageKey>" in body


def test_tampered_join_url_adds_nobody(bbb, client):
    """A join URL whose role was changed after signing is refused."""
    client.create("m-17")
    url = client.join_url("m-17", full_name="Zoé", user_id="42", moderator=False)
    body = httpx.get(url.replace("role=VIEWER", "role=MODERATOR")).text
    assert "<messageKey>checksumError</messageKey>" in body
    assert client.get_meeting_info("m-17").participant_count == 0


@pytest.mark.parametrize("algorithm", ["sha1", "sha384", "sha512"])
def test_every_checksum_algorithm_is_accepted(bbb, algorithm):
    """SHA-1, SHA-384 and SHA-512 checksums are accepted, as on BBB 2.5+."""
    other = BbbClient(bbb.url, bbb.secret, algorithm=algorithm)
    assert other.create("m-18")["duplicate"] is False
    assert other.get_meeting_info("m-18") is not None


def test_control_refuses_bad_checksum(bbb):
    """The control endpoints are signed too."""
    response = httpx.get(bbb.url + "standin/reset?checksum=" + "0" * 40)
    assert response.status_code == 401


def test_max_participants_is_enforced(bbb, client):
    """Past maxParticipants, a join is refused; someone already in may rejoin."""
    client.create("m-19", maxParticipants=2)
    _join(client, "m-19", "11", "Tina", moderator=True)
    _join(client, "m-19", "42", "Zoé")
    refused = _join(client, "m-19", "43", "Léa")
    assert "<messageKey>maxParticipantsReached</messageKey>" in refused.text
    assert _join(client, "m-19", "42", "Zoé").status_code == 200
    info = client.get_meeting_info("m-19")
    assert sorted(a.user_id for a in info.attendees) == ["11", "42"]
    with pytest.raises(httpx.HTTPStatusError):
        bbb.control("add_attendee", meetingID="m-19", userID="44", fullName="Max")


def test_control_add_and_leave_change_meeting_info(bbb, client):
    """add_attendee and leave act as people joining and leaving the room."""
    client.create("m-20")
    bbb.control(
        "add_attendee", meetingID="m-20", userID="7", fullName="Ana", role="MODERATOR"
    )
    bbb.control("add_attendee", meetingID="m-20", userID="8", fullName="Bob")
    info = client.get_meeting_info("m-20")
    assert {(a.user_id, a.role) for a in info.attendees} == {
        ("7", "MODERATOR"),
        ("8", "VIEWER"),
    }
    assert bbb.control("leave", meetingID="m-20", userID="8")["left"] is True
    assert [a.user_id for a in client.get_meeting_info("m-20").attendees] == ["7"]


def test_set_down_makes_the_client_raise_unavailable(bbb, client):
    """During a simulated outage every call raises BbbUnavailable; afterwards
    the meetings are still there."""
    client.create("m-21")
    bbb.control("set_down", down="true")
    with pytest.raises(BbbUnavailable):
        client.get_meeting_info("m-21")
    with pytest.raises(BbbUnavailable):
        client.create("m-22")
    bbb.control("set_down", down="false")
    assert client.get_meeting_info("m-21") is not None


def test_unreachable_server_raises_unavailable(bbb):
    """A server that does not answer at all raises BbbUnavailable."""
    dead = BbbClient("http://127.0.0.1:9/bigbluebutton/", bbb.secret, timeout=1)
    with pytest.raises(BbbUnavailable):
        dead.is_meeting_running("m-23")


def test_large_meeting_info_is_parsed(bbb, client):
    """getMeetingInfo of a 100-attendee meeting lists all of them."""
    client.create("m-24")
    for n in range(100):
        bbb.control("add_attendee", meetingID="m-24", userID=str(n), fullName=f"P{n}")
    info = client.get_meeting_info("m-24")
    assert info.participant_count == 100
    assert len({a.user_id for a in info.attendees}) == 100


def test_room_page_escapes_names(bbb, client):
    """Names are shown as text on the room page, never as markup."""
    client.create("m-25", name="<script>alert(1)</script>")
    page = _join(client, "m-25", "42", "<img src=x onerror=alert(1)>")
    assert "<script>alert(1)</script>" not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_getmeetinginfo_xml_escapes_values(bbb, client):
    """Names with &, < and emoji survive the XML round trip."""
    client.create("m-26", name="R&D <atelier> 🎉")
    _join(client, "m-26", "42", "Zoé & Léa <b>")
    (attendee,) = client.get_meeting_info("m-26").attendees
    assert attendee.full_name == "Zoé & Léa <b>"
