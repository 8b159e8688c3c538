"""Calls to one BigBlueButton server (or Scalelite): signed GETs, XML answers.

Errors: ``BbbUnavailable`` when the server cannot be reached, times out,
answers 5xx or something that is not a BBB XML response (retry later);
``BbbError`` when BBB answers ``FAILED`` (``key`` is its ``messageKey``).
``get_meeting_info`` returns ``None`` for an unknown meeting (``notFound``).
Join URLs are built here and never requested by the server (the browser
follows them); they carry the checksum, so never log them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 (type only)

import defusedxml.ElementTree as SafeET
import httpx

from .checksum import signed_query

_MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class BbbUnavailable(Exception):
    """The BBB server could not be reached or did not answer properly."""


class BbbError(Exception):
    """BBB answered FAILED."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class Attendee:
    user_id: str
    full_name: str
    role: str  # MODERATOR | VIEWER

    @property
    def is_moderator(self) -> bool:
        return self.role.upper() == "MODERATOR"


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    meeting_id: str
    internal_meeting_id: str
    running: bool
    has_been_forcibly_ended: bool
    create_time: int | None
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    participant_count: int
    attendees: tuple[Attendee, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    record_id: str
    meeting_id: str
    name: str
    state: str
    published: bool
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    participants: int | None
    playback_format: str
    playback_url: str
    length_minutes: int | None


def _text(element: Element, tag: str, default: str = "") -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else default


def _bool(element: Element, tag: str) -> bool:
    return _text(element, tag).lower() == "true"


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _millis(value: str) -> dt.datetime | None:
    number = _int(value)
    if not number:
        return None
    return dt.datetime.fromtimestamp(number / 1000, tz=dt.UTC)


_local = threading.local()


def _http(timeout: float) -> httpx.Client:
    """One pooled HTTP client per thread (keeps connections to BBB alive)."""
    client = getattr(_local, "client", None)
    if client is None or client.timeout.read != timeout:
        client = httpx.Client(timeout=timeout, follow_redirects=False)
        _local.client = client
    return client


class BbbClient:
    """The API of one server. ``base_url`` ends with ``/bigbluebutton/``."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        algorithm: str = "sha1",
        timeout: float = 5.0,
        http: httpx.Client | None = None,
    ) -> None:
        if not base_url.endswith("/"):
            base_url += "/"
        if not base_url.endswith("api/"):
            base_url += "api/"
        self.api_url = base_url
        self.secret = secret
        self.algorithm = algorithm
        self.timeout = timeout
        self._http = http

    # --- URLs -----------------------------------------------------------------
    def url(self, call: str, params: Mapping[str, object]) -> str:
        return f"{self.api_url}{call}?{signed_query(call, params, self.secret, self.algorithm)}"

    def join_url(
        self,
        meeting_id: str,
        *,
        full_name: str,
        user_id: str,
        moderator: bool,
        password: str | None = None,
        create_time: int | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> str:
        """The URL that puts this person in the meeting (role MODERATOR/VIEWER)."""
        params: dict[str, object] = {
            "fullName": full_name,
            "meetingID": meeting_id,
            "role": "MODERATOR" if moderator else "VIEWER",
            "password": password,
            "userID": user_id,
            "createTime": create_time,
            "redirect": True,
        }
        params.update(extra or {})
        return self.url("join", params)

    # --- calls ------------------------------------------------------------------
    def call(self, call: str, params: Mapping[str, object]) -> Element:
        """GET one API call; the parsed ``<response>`` when it is SUCCESS."""
        http = self._http or _http(self.timeout)
        try:
            response = http.get(self.url(call, params))
        except httpx.HTTPError as exc:
            raise BbbUnavailable(f"{call}: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise BbbUnavailable(f"{call}: HTTP {response.status_code}")
        body = response.content
        if len(body) > _MAX_RESPONSE_BYTES:
            raise BbbUnavailable(f"{call}: response too large")
        try:
            root = SafeET.fromstring(body)
        except Exception as exc:  # noqa: BLE001 (any parse failure: not BBB)
            raise BbbUnavailable(f"{call}: not an XML response") from exc
        if root.tag != "response":
            raise BbbUnavailable(f"{call}: unexpected XML root {root.tag!r}")
        if _text(root, "returncode") != "SUCCESS":
            raise BbbError(_text(root, "messageKey"), _text(root, "message"))
        return root

    def create(self, meeting_id: str, **params: object) -> dict[str, Any]:
        """Create the meeting (idempotent on BBB for the same meetingID)."""
        root = self.call("create", {"meetingID": meeting_id, **params})
        return {
            "internal_meeting_id": _text(root, "internalMeetingID"),
            "create_time": _int(_text(root, "createTime")),
            "duplicate": _text(root, "messageKey") == "duplicateWarning",
        }

    def is_meeting_running(self, meeting_id: str) -> bool:
        return _bool(
            self.call("isMeetingRunning", {"meetingID": meeting_id}), "running"
        )

    def get_meeting_info(self, meeting_id: str) -> MeetingInfo | None:
        try:
            root = self.call("getMeetingInfo", {"meetingID": meeting_id})
        except BbbError as exc:
            if exc.key == "notFound":
                return None
            raise
        attendees = tuple(
            Attendee(
                user_id=_text(node, "userID"),
                full_name=_text(node, "fullName"),
                role=_text(node, "role"),
            )
            for node in root.iterfind("attendees/attendee")
        )
        return MeetingInfo(
            meeting_id=_text(root, "meetingID"),
            internal_meeting_id=_text(root, "internalMeetingID"),
            running=_bool(root, "running"),
            has_been_forcibly_ended=_bool(root, "hasBeenForciblyEnded"),
            create_time=_int(_text(root, "createTime")),
            start_time=_millis(_text(root, "startTime")),
            end_time=_millis(_text(root, "endTime")),
            participant_count=_int(_text(root, "participantCount")) or 0,
            attendees=attendees,
        )

    def end(self, meeting_id: str, password: str | None = None) -> bool:
        """End the meeting; ``False`` if BBB does not know it (already over)."""
        try:
            self.call("end", {"meetingID": meeting_id, "password": password})
        except BbbError as exc:
            if exc.key == "notFound":
                return False
            raise
        return True

    def get_recordings(self, meeting_id: str) -> list[RecordingInfo]:
        root = self.call("getRecordings", {"meetingID": meeting_id, "state": "any"})
        result = []
        for node in root.iterfind("recordings/recording"):
            playback = node.find("playback/format")
            result.append(
                RecordingInfo(
                    record_id=_text(node, "recordID"),
                    meeting_id=_text(node, "meetingID"),
                    name=_text(node, "name"),
                    state=_text(node, "state"),
                    published=_bool(node, "published"),
                    start_time=_millis(_text(node, "startTime")),
                    end_time=_millis(_text(node, "endTime")),
                    participants=_int(_text(node, "participants")),
                    playback_format=_text(playback, "type")
                    if playback is not None
                    else "",
                    playback_url=_text(playback, "url") if playback is not None else "",
                    length_minutes=_int(_text(playback, "length"))
                    if playback is not None
                    else None,
                )
            )
        return result
