"""The HTTP side: BBB API routes, control routes, the simulated room pages.

Routes:

* ``/bigbluebutton/api/`` (version), ``/bigbluebutton/api/<call>``: the API
  calls ``create``, ``join``, ``isMeetingRunning``, ``getMeetingInfo``,
  ``getMeetings``, ``end``, ``getRecordings``; checksum-verified as BBB does;
* ``/bigbluebutton/standin/<action>``: the control actions of
  ``tests/live/standin.py`` (checksum-signed with the action as call name,
  JSON answers);
* ``/html5client/join?sessionToken=…`` (the room a join URL leads to) and
  ``POST /html5client/leave`` ("Quitter la classe");
* ``/playback/presentation/2.3/<recordID>``: a simulated recording.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from live.bbb.checksum import verify_query

from . import pages, responses
from .callbacks import deliver, deliver_later
from .state import NOT_FOUND, Refused, Store

logger = logging.getLogger(__name__)

API = "/bigbluebutton/api"
CONTROL = "/bigbluebutton/standin/"
PLAYBACK = "/playback/presentation/2.3/"
XML = "text/xml;charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON = "application/json"


def _params(raw_query: str) -> dict[str, str]:
    """Query parameters (the first value of each), blanks kept."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params.setdefault(key, value)
    return params


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], store: Store, verbose: bool) -> None:
        super().__init__(address, Handler)
        self.store = store
        self.verbose = verbose


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TremplinBBBStandIn/1.0"
    server: StandInServer
    # One buffered write per response (flushed by http.server after each
    # request) and no Nagle: small keep-alive responses would otherwise wait
    # for the client's delayed ACK (~40 ms per call).
    wbufsize = 64 * 1024

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # Never write to stderr: the test harness reads it only when we crash.
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.server.verbose:
            logger.info("%s %s", self.command, urlsplit(self.path).path)

    @property
    def store(self) -> Store:
        return self.server.store

    # --- plumbing ------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = HTML,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: dict[str, object]) -> None:
        self._send(status, json.dumps(data).encode(), JSON)

    def _redirect(self, url: str) -> None:
        self._send(302, b"", HTML, {"Location": url})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        return _params(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._dispatch(post=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(post=False)

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch(post=True)

    def _dispatch(self, *, post: bool) -> None:
        url = urlsplit(self.path)
        path, raw = url.path, url.query
        try:
            if path in (API, API + "/"):
                self._send(200, responses.version(), XML)
            elif path.startswith(API + "/"):
                self._api(path[len(API) + 1 :], raw, post)
            elif path.startswith(CONTROL):
                self._control(path[len(CONTROL) :], raw)
            elif path == "/html5client/join":
                self._room(_params(raw).get("sessionToken", ""))
            elif path == "/html5client/leave" and post:
                self._leave(self._form().get("sessionToken", ""))
            elif path.startswith(PLAYBACK):
                self._playback(path[len(PLAYBACK) :].strip("/"))
            elif path in ("/", "/bigbluebutton", "/bigbluebutton/"):
                self._send(200, pages.home())
            else:
                self._send(404, pages.not_found())
        except Exception:
            logger.exception("stand-in error on %s", path)
            self._send(500, b"internal error", "text/plain")

    # --- API ---------------------------------------------------------------------
    def _api(self, call: str, raw: str, post: bool) -> None:
        if post:
            # BBB also accepts form bodies; the stand-in sticks to signed GETs.
            self._form()
        if self.store.down:
            self._send(503, b"Service Unavailable (simulated outage)", "text/plain")
            return
        handler = self._calls().get(call)
        if handler is None:
            self._send(
                200,
                responses.failed(
                    "unsupportedRequest", "This request is not supported."
                ),
                XML,
            )
            return
        if not verify_query(call, raw, self.store.secret):
            self._send(200, responses.checksum_error(), XML)
            return
        try:
            handler(_params(raw))
        except Refused as refused:
            self._send(200, responses.failed(refused.key, refused.message), XML)

    def _calls(self) -> dict[str, Callable[[dict[str, str]], None]]:
        return {
            "create": self._create,
            "join": self._join,
            "isMeetingRunning": self._is_meeting_running,
            "getMeetingInfo": self._get_meeting_info,
            "getMeetings": self._get_meetings,
            "end": self._end,
            "getRecordings": self._get_recordings,
        }

    def _create(self, params: dict[str, str]) -> None:
        meeting, duplicate = self.store.create(params)
        with self.store.lock:
            body = responses.created(meeting, duplicate)
        self._send(200, body, XML)

    def _join(self, params: dict[str, str]) -> None:
        meeting, attendee = self.store.join(
            params.get("meetingID", ""),
            full_name=params.get("fullName", ""),
            user_id=params.get("userID", ""),
            role=params.get("role", ""),
            password=params.get("password", ""),
            create_time=params.get("createTime", ""),
            guest=params.get("guest", "").lower() == "true",
        )
        room_url = f"{self.store.base_url}/html5client/join?" + urlencode(
            {"sessionToken": attendee.token}
        )
        if params.get("redirect", "true").lower() == "false":
            self._send(
                200,
                responses.joined(meeting, attendee.user_id, attendee.token, room_url),
                XML,
            )
        else:
            self._redirect(room_url)

    def _is_meeting_running(self, params: dict[str, str]) -> None:
        with self.store.lock:
            meeting = self.store.live_meeting(params.get("meetingID", ""))
            body = responses.running(bool(meeting and meeting.running))
        self._send(200, body, XML)

    def _get_meeting_info(self, params: dict[str, str]) -> None:
        with self.store.lock:
            meeting = self.store.live_meeting(params.get("meetingID", ""))
            body = responses.meeting_info(meeting) if meeting else None
        if body is None:
            raise Refused(*NOT_FOUND)
        self._send(200, body, XML)

    def _get_meetings(self, params: dict[str, str]) -> None:
        with self.store.lock:
            body = responses.meetings(
                [m for m in self.store.meetings.values() if not m.ended]
            )
        self._send(200, body, XML)

    def _end(self, params: dict[str, str]) -> None:
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            raise Refused(
                "missingParamMeetingID",
                "You must specify a meeting ID for the meeting.",
            )
        deliveries, _recording = self.store.end(meeting_id)
        self._send(200, responses.ended(), XML)
        deliver_later(deliveries)

    def _get_recordings(self, params: dict[str, str]) -> None:
        states = _split(params.get("state", "")) or ["published", "unpublished"]
        found = self.store.find_recordings(
            _split(params.get("meetingID", "")),
            _split(params.get("recordID", "")),
            states,
        )
        self._send(200, responses.recordings(found, self.store.base_url), XML)

    # --- control -----------------------------------------------------------------
    def _control(self, action: str, raw: str) -> None:
        if not verify_query(action, raw, self.store.secret):
            self._json(401, {"ok": False, "messageKey": "checksumError"})
            return
        params = _params(raw)
        params.pop("checksum", None)
        actions: dict[str, Callable[[dict[str, str]], dict[str, object]]] = {
            "reset": self._c_reset,
            "state": self._c_state,
            "add_attendee": self._c_add_attendee,
            "leave": self._c_leave,
            "end": self._c_end,
            "publish_recording": self._c_publish_recording,
            "set_down": self._c_set_down,
        }
        handler = actions.get(action)
        if handler is None:
            self._json(400, {"ok": False, "error": f"unknown action {action!r}"})
            return
        try:
            self._json(200, handler(params))
        except KeyError as missing:
            self._json(400, {"ok": False, "error": f"missing parameter {missing}"})
        except Refused as refused:
            self._json(
                409,
                {"ok": False, "messageKey": refused.key, "message": refused.message},
            )

    def _c_reset(self, params: dict[str, str]) -> dict[str, object]:
        self.store.reset()
        return {"ok": True}

    def _c_state(self, params: dict[str, str]) -> dict[str, object]:
        return {"ok": True, **self.store.snapshot()}

    def _c_add_attendee(self, params: dict[str, str]) -> dict[str, object]:
        meeting, attendee = self.store.join(
            params["meetingID"],
            full_name=params.get("fullName") or params["userID"],
            user_id=params["userID"],
            role=params.get("role") or "VIEWER",
        )
        with self.store.lock:
            count = len(meeting.attendees)
        return {"ok": True, "attendee": attendee.as_dict(), "participantCount": count}

    def _c_leave(self, params: dict[str, str]) -> dict[str, object]:
        return {
            "ok": True,
            "left": self.store.leave(params["meetingID"], params["userID"]),
        }

    def _c_end(self, params: dict[str, str]) -> dict[str, object]:
        deliveries, recording = self.store.end(params["meetingID"])
        return {
            "ok": True,
            "callbacks": deliver(deliveries),
            "recording": recording.as_dict(self.store.base_url) if recording else None,
        }

    def _c_publish_recording(self, params: dict[str, str]) -> dict[str, object]:
        deliveries, recording = self.store.publish_recording(params["meetingID"])
        return {
            "ok": True,
            "callbacks": deliver(deliveries),
            "recording": recording.as_dict(self.store.base_url),
        }

    def _c_set_down(self, params: dict[str, str]) -> dict[str, object]:
        down = params.get("down", "true").lower() == "true"
        with self.store.lock:
            self.store.down = down
        return {"ok": True, "down": down}

    # --- pages -------------------------------------------------------------------
    def _room(self, token: str) -> None:
        found = self.store.by_token(token)
        if found is None:
            self._send(
                404,
                pages.left(
                    "Vous n'êtes pas (ou plus) dans cette classe virtuelle.",
                ),
            )
            return
        meeting, me = found
        with self.store.lock:
            people = list(meeting.attendees.values())
        self._send(200, pages.room(meeting, me, people))

    def _leave(self, token: str) -> None:
        meeting = self.store.leave_by_token(token)
        if meeting is not None and meeting.logout_url:
            self._redirect(meeting.logout_url)
            return
        self._send(
            200,
            pages.left(
                "Vous avez quitté la classe virtuelle."
                if meeting
                else "Vous n'êtes pas (ou plus) dans cette classe virtuelle."
            ),
        )

    def _playback(self, record_id: str) -> None:
        recording = self.store.recording(record_id)
        if recording is None or not recording.published:
            self._send(404, pages.not_found("Cet enregistrement n'existe pas."))
            return
        self._send(200, pages.recording(recording))


def make_server(
    host: str, port: int, secret: str, *, verbose: bool = False, public_url: str = ""
) -> StandInServer:
    """A ready-to-serve stand-in (call ``serve_forever()``)."""
    base_url = public_url or f"http://{host}:{port}"
    return StandInServer((host, port), Store(secret, base_url), verbose)
