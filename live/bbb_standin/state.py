"""The stand-in's memory: meetings, their attendees and recordings, behind a lock.

Every method of ``Store`` takes the lock for its whole duration, so the HTTP
threads never see a half-updated meeting. Callback deliveries are returned as
``Delivery`` values and sent by the caller once the lock is released.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

#: Roles of the join call (BBB's ``role`` parameter).
MODERATOR = "MODERATOR"
VIEWER = "VIEWER"


def now_ms() -> int:
    return int(time.time() * 1000)


class Refused(Exception):
    """A call BBB answers with ``FAILED`` (``key`` is the ``messageKey``)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


NOT_FOUND = (
    "notFound",
    "We could not find a meeting with that meeting ID - perhaps the meeting "
    "is not yet running?",
)


@dataclass
class Attendee:
    user_id: str
    full_name: str
    role: str
    token: str
    joined_at: int
    is_guest: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "userID": self.user_id,
            "fullName": self.full_name,
            "role": self.role,
            "joinedAt": self.joined_at,
            "guest": self.is_guest,
        }


@dataclass
class Meeting:
    meeting_id: str
    internal_id: str
    name: str
    create_time: int
    attendee_pw: str
    moderator_pw: str
    record: bool = False
    duration: int = 0
    max_participants: int = 0
    guest_policy: str = "ALWAYS_ACCEPT"
    logout_url: str = ""
    welcome: str = ""
    voice_bridge: str = ""
    #: ``meta_*`` parameters, without the prefix, keys as sent.
    meta: dict[str, str] = field(default_factory=dict)
    start_time: int = 0
    end_time: int = 0
    running: bool = False
    ended: bool = False
    forcibly_ended: bool = False
    has_user_joined: bool = False
    create_calls: int = 1
    #: Present attendees by userID (a rejoin replaces the earlier session).
    attendees: dict[str, Attendee] = field(default_factory=dict)
    #: Everyone who has been in the meeting (recording participants).
    seen: set[str] = field(default_factory=set)

    def meta_value(self, name: str) -> str:
        """A meta parameter, its name compared without case (as BBB stores it)."""
        wanted = name.lower()
        for key, value in self.meta.items():
            if key.lower() == wanted:
                return value
        return ""

    @property
    def moderator_count(self) -> int:
        return sum(1 for a in self.attendees.values() if a.role == MODERATOR)

    def as_dict(self) -> dict[str, object]:
        return {
            "meetingID": self.meeting_id,
            "internalMeetingID": self.internal_id,
            "name": self.name,
            "createTime": self.create_time,
            "createCalls": self.create_calls,
            "attendeePW": self.attendee_pw,
            "moderatorPW": self.moderator_pw,
            "record": self.record,
            "duration": self.duration,
            "maxParticipants": self.max_participants,
            "guestPolicy": self.guest_policy,
            "logoutURL": self.logout_url,
            "welcome": self.welcome,
            "meta": dict(self.meta),
            "running": self.running,
            "ended": self.ended,
            "hasBeenForciblyEnded": self.forcibly_ended,
            "hasUserJoined": self.has_user_joined,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "participantCount": len(self.attendees),
            "attendees": [a.as_dict() for a in self.attendees.values()],
        }


@dataclass
class Recording:
    record_id: str
    meeting_id: str
    internal_id: str
    name: str
    start_time: int
    end_time: int
    participants: int
    meta: dict[str, str]
    published: bool = True

    @property
    def state(self) -> str:
        return "published" if self.published else "unpublished"

    @property
    def length_minutes(self) -> int:
        return max(0, round((self.end_time - self.start_time) / 60000))

    @property
    def playback_path(self) -> str:
        return f"/playback/presentation/2.3/{self.record_id}"

    def as_dict(self, base_url: str) -> dict[str, object]:
        return {
            "recordID": self.record_id,
            "meetingID": self.meeting_id,
            "internalMeetingID": self.internal_id,
            "name": self.name,
            "published": self.published,
            "state": self.state,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "participants": self.participants,
            "length": self.length_minutes,
            "url": base_url + self.playback_path,
        }


@dataclass(frozen=True)
class Delivery:
    """A callback to send: ``GET url`` or ``POST url`` with a form body."""

    method: str
    url: str
    form: dict[str, str] | None = None


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() == "true"


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def with_params(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` appended, whether or not it has a query yet."""
    if url.endswith(("?", "&")):
        separator = ""
    else:
        separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"


class Store:
    """Meetings by meetingID, recordings by recordID, session tokens."""

    def __init__(self, secret: str, base_url: str) -> None:
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.meetings: dict[str, Meeting] = {}
            self.recordings: dict[str, Recording] = {}
            self.tokens: dict[str, tuple[str, str]] = {}
            self.down = False

    # --- administration ---------------------------------------------------------
    def create(self, params: dict[str, str]) -> tuple[Meeting, bool]:
        """The meeting of ``params`` and whether it already existed."""
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            raise Refused(
                "missingParamMeetingID",
                "You must specify a meeting ID for the meeting.",
            )
        with self.lock:
            existing = self.meetings.get(meeting_id)
            if existing is not None and not existing.ended:
                for name, stored in (
                    ("attendeePW", existing.attendee_pw),
                    ("moderatorPW", existing.moderator_pw),
                ):
                    if params.get(name) and params[name] != stored:
                        raise Refused(
                            "idNotUnique",
                            "A meeting already exists with that meeting ID. "
                            "Please use a different meeting ID.",
                        )
                existing.create_calls += 1
                return existing, True
            create_time = now_ms()
            meeting = Meeting(
                meeting_id=meeting_id,
                internal_id=(
                    hashlib.sha1(meeting_id.encode()).hexdigest()  # noqa: S324 (BBB's id)
                    + f"-{create_time}"
                ),
                name=params.get("name") or meeting_id,
                create_time=create_time,
                attendee_pw=params.get("attendeePW") or secrets.token_urlsafe(6),
                moderator_pw=params.get("moderatorPW") or secrets.token_urlsafe(6),
                record=_bool(params.get("record")),
                duration=_int(params.get("duration")),
                max_participants=_int(params.get("maxParticipants")),
                guest_policy=params.get("guestPolicy") or "ALWAYS_ACCEPT",
                logout_url=params.get("logoutURL", ""),
                welcome=params.get("welcome", ""),
                voice_bridge=params.get("voiceBridge")
                or str(70000 + secrets.randbelow(10000)),
                meta={
                    key[len("meta_") :]: value
                    for key, value in params.items()
                    if key.startswith("meta_")
                },
            )
            self.meetings[meeting_id] = meeting
            return meeting, False

    def join(
        self,
        meeting_id: str,
        *,
        full_name: str,
        user_id: str = "",
        role: str = "",
        password: str = "",
        create_time: str = "",
        guest: bool = False,
    ) -> tuple[Meeting, Attendee]:
        """Put someone in the meeting, as following a join URL does."""
        if not meeting_id:
            raise Refused(
                "missingParamMeetingID",
                "You must specify a meeting ID for the meeting.",
            )
        if not full_name:
            raise Refused("missingParamFullName", "You must specify a name.")
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None or meeting.ended:
                raise Refused(
                    "invalidMeetingIdentifier",
                    "The meeting ID that you supplied did not match any existing "
                    "meetings",
                )
            if create_time and create_time != str(meeting.create_time):
                raise Refused(
                    "mismatchCreateTimeParam",
                    "The createTime parameter submitted mismatches with the current "
                    "meeting.",
                )
            if role:
                role = role.upper()
                if role not in (MODERATOR, VIEWER):
                    raise Refused("invalidRole", "The role is not valid.")
            elif password and password == meeting.moderator_pw:
                role = MODERATOR
            elif password and password == meeting.attendee_pw:
                role = VIEWER
            else:
                raise Refused(
                    "invalidPassword",
                    "You either did not supply a password or the password supplied "
                    "is neither the attendee or moderator password for this "
                    "conference.",
                )
            if guest and meeting.guest_policy == "ALWAYS_DENY":
                raise Refused("guestDeniedAccess", "Guests are not allowed.")
            user_id = user_id or f"w_{secrets.token_hex(6)}"
            rejoin = user_id in meeting.attendees
            if (
                meeting.max_participants
                and not rejoin
                and len(meeting.attendees) >= meeting.max_participants
            ):
                raise Refused(
                    "maxParticipantsReached",
                    "The number of participants allowed for this meeting has been "
                    "reached.",
                )
            if rejoin:
                self.tokens.pop(meeting.attendees[user_id].token, None)
            attendee = Attendee(
                user_id=user_id,
                full_name=full_name,
                role=role,
                token=secrets.token_urlsafe(16),
                joined_at=now_ms(),
                is_guest=guest,
            )
            meeting.attendees[user_id] = attendee
            meeting.seen.add(user_id)
            self.tokens[attendee.token] = (meeting_id, user_id)
            if not meeting.running:
                meeting.running = True
                meeting.has_user_joined = True
                meeting.start_time = meeting.start_time or attendee.joined_at
            return meeting, attendee

    def leave(self, meeting_id: str, user_id: str) -> bool:
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None or user_id not in meeting.attendees:
                return False
            attendee = meeting.attendees.pop(user_id)
            self.tokens.pop(attendee.token, None)
            return True

    def leave_by_token(self, token: str) -> Meeting | None:
        """Remove the attendee of a room-page token; their meeting, or None."""
        with self.lock:
            found = self.tokens.pop(token, None)
            if found is None:
                return None
            meeting = self.meetings.get(found[0])
            if meeting is not None:
                meeting.attendees.pop(found[1], None)
            return meeting

    def by_token(self, token: str) -> tuple[Meeting, Attendee] | None:
        with self.lock:
            found = self.tokens.get(token)
            if found is None:
                return None
            meeting = self.meetings.get(found[0])
            if meeting is None or found[1] not in meeting.attendees:
                return None
            return meeting, meeting.attendees[found[1]]

    def end(self, meeting_id: str) -> tuple[list[Delivery], Recording | None]:
        """End a meeting; the callbacks to send and the recording it produced."""
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None or meeting.ended:
                raise Refused(*NOT_FOUND)
            meeting.ended = True
            meeting.running = False
            meeting.forcibly_ended = True
            meeting.end_time = now_ms()
            for attendee in meeting.attendees.values():
                self.tokens.pop(attendee.token, None)
            meeting.attendees.clear()
            deliveries = []
            end_url = meeting.meta_value("endCallbackUrl")
            if end_url:
                deliveries.append(
                    Delivery(
                        "GET",
                        with_params(
                            end_url,
                            {
                                "meetingID": meeting.meeting_id,
                                "recordingmarks": "true" if meeting.record else "false",
                            },
                        ),
                    )
                )
            recording = None
            if meeting.record:
                recording = self._add_recording(meeting, meeting.internal_id)
                deliveries.extend(self._recording_ready(meeting, recording))
            return deliveries, recording

    # --- recordings ---------------------------------------------------------------
    def publish_recording(self, meeting_id: str) -> tuple[list[Delivery], Recording]:
        """A further published recording of the meeting (its callback to send)."""
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                raise Refused(*NOT_FOUND)
            prefix, stamp = meeting.internal_id.split("-")[0], now_ms()
            while f"{prefix}-{stamp}" in self.recordings:
                stamp += 1
            recording = self._add_recording(meeting, f"{prefix}-{stamp}")
            return self._recording_ready(meeting, recording), recording

    def _add_recording(self, meeting: Meeting, record_id: str) -> Recording:
        start = meeting.start_time or meeting.create_time
        recording = Recording(
            record_id=record_id,
            meeting_id=meeting.meeting_id,
            internal_id=meeting.internal_id,
            name=meeting.name,
            start_time=start,
            end_time=meeting.end_time or now_ms(),
            participants=len(meeting.seen),
            meta=dict(meeting.meta),
        )
        self.recordings[record_id] = recording
        return recording

    def _recording_ready(
        self, meeting: Meeting, recording: Recording
    ) -> list[Delivery]:
        url = meeting.meta_value("bbb-recording-ready-url")
        if not url:
            return []
        import jwt

        token = jwt.encode(
            {"meeting_id": meeting.meeting_id, "record_id": recording.record_id},
            self.secret,
            algorithm="HS256",
        )
        return [Delivery("POST", url, {"signed_parameters": token})]

    def find_recordings(
        self, meeting_ids: list[str], record_ids: list[str], states: list[str]
    ) -> list[Recording]:
        with self.lock:
            found = []
            for recording in self.recordings.values():
                if meeting_ids and recording.meeting_id not in meeting_ids:
                    continue
                if record_ids and not any(
                    recording.record_id == wanted
                    or recording.record_id.startswith(wanted + "-")
                    for wanted in record_ids
                ):
                    continue
                if "any" not in states and recording.state not in states:
                    continue
                found.append(recording)
            return found

    def recording(self, record_id: str) -> Recording | None:
        with self.lock:
            return self.recordings.get(record_id)

    # --- monitoring -------------------------------------------------------------
    def live_meeting(self, meeting_id: str) -> Meeting | None:
        """The meeting if it exists and has not ended (a copy-safe snapshot is
        built by the caller under ``lock``)."""
        meeting = self.meetings.get(meeting_id)
        if meeting is None or meeting.ended:
            return None
        return meeting

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {
                "meetings": {
                    key: meeting.as_dict() for key, meeting in self.meetings.items()
                },
                "recordings": [
                    recording.as_dict(self.base_url)
                    for recording in self.recordings.values()
                ],
                "down": self.down,
            }
