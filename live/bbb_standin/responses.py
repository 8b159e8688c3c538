"""The XML bodies of the BBB API, shaped as in the API reference.

https://docs.bigbluebutton.org/development/api/ (create, getMeetingInfo and
getRecordings example responses). Values are escaped; built as strings because
``getMeetingInfo`` of a 100-attendee meeting is polled every minute.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from .state import Meeting, Recording


def _element(tag: str, value: object) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _response(*parts: str) -> bytes:
    return ("<response>" + "".join(parts) + "</response>").encode()


def success(**fields: object) -> bytes:
    return _response(
        _element("returncode", "SUCCESS"),
        *(_element(tag, value) for tag, value in fields.items()),
    )


def failed(key: str, message: str) -> bytes:
    return _response(
        _element("returncode", "FAILED"),
        _element("messageKey", key),
        _element("message", message),
    )


def checksum_error() -> bytes:
    return failed("checksumError", "Checksums do not match")


def version() -> bytes:
    return success(
        version="2.0", apiVersion="2.0", bbbVersion="3.0.0 (simulateur Tremplin)"
    )


def _create_date(millis: int) -> str:
    moment = dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def _meeting_fields(meeting: Meeting) -> list[str]:
    return [
        _element("meetingID", meeting.meeting_id),
        _element("internalMeetingID", meeting.internal_id),
        _element("parentMeetingID", "bbb-none"),
        _element("attendeePW", meeting.attendee_pw),
        _element("moderatorPW", meeting.moderator_pw),
        _element("createTime", meeting.create_time),
        _element("voiceBridge", meeting.voice_bridge),
        _element("dialNumber", "613-555-1234"),
        _element("createDate", _create_date(meeting.create_time)),
        _element("hasUserJoined", meeting.has_user_joined),
        _element("duration", meeting.duration),
        _element("hasBeenForciblyEnded", meeting.forcibly_ended),
    ]


def created(meeting: Meeting, duplicate: bool) -> bytes:
    parts = [_element("returncode", "SUCCESS"), *_meeting_fields(meeting)]
    if duplicate:
        parts += [
            _element("messageKey", "duplicateWarning"),
            _element(
                "message",
                "This conference was already in existence and may currently be "
                "in progress.",
            ),
        ]
    else:
        parts += [_element("messageKey", ""), _element("message", "")]
    return _response(*parts)


def joined(meeting: Meeting, user_id: str, token: str, url: str) -> bytes:
    return success(
        messageKey="successfullyJoined",
        message="You have joined successfully.",
        meeting_id=meeting.internal_id,
        user_id=user_id,
        auth_token=token[:12],
        session_token=token,
        guestStatus="ALLOW",
        url=url,
    )


def running(is_running: bool) -> bytes:
    return success(running=is_running)


def _attendees(meeting: Meeting) -> str:
    rows = []
    for attendee in meeting.attendees.values():
        rows.append(
            "<attendee>"
            + _element("userID", attendee.user_id)
            + _element("fullName", attendee.full_name)
            + _element("role", attendee.role)
            + _element("isPresenter", attendee.role == "MODERATOR")
            + _element("isListeningOnly", False)
            + _element("hasJoinedVoice", True)
            + _element("hasVideo", False)
            + _element("clientType", "HTML5")
            + "<customdata></customdata>"
            + "</attendee>"
        )
    return "<attendees>" + "".join(rows) + "</attendees>"


def _metadata(meta: dict[str, str]) -> str:
    # BBB hands metadata back with lower-cased names.
    return (
        "<metadata>"
        + "".join(_element(key.lower(), value) for key, value in meta.items())
        + "</metadata>"
    )


def meeting_info(meeting: Meeting) -> bytes:
    count = len(meeting.attendees)
    return _response(
        _element("returncode", "SUCCESS"),
        _element("meetingName", meeting.name),
        *_meeting_fields(meeting)[:2],
        _element("createTime", meeting.create_time),
        _element("createDate", _create_date(meeting.create_time)),
        _element("voiceBridge", meeting.voice_bridge),
        _element("dialNumber", "613-555-1234"),
        _element("attendeePW", meeting.attendee_pw),
        _element("moderatorPW", meeting.moderator_pw),
        _element("running", meeting.running),
        _element("duration", meeting.duration),
        _element("hasUserJoined", meeting.has_user_joined),
        _element("recording", meeting.record),
        _element("hasBeenForciblyEnded", meeting.forcibly_ended),
        _element("startTime", meeting.start_time),
        _element("endTime", meeting.end_time),
        _element("participantCount", count),
        _element("listenerCount", 0),
        _element("voiceParticipantCount", count),
        _element("videoCount", 0),
        _element("maxUsers", meeting.max_participants),
        _element("moderatorCount", meeting.moderator_count),
        _attendees(meeting),
        _metadata(meeting.meta),
        _element("isBreakout", False),
    )


def ended() -> bytes:
    return success(
        messageKey="sentEndMeetingRequest",
        message=(
            "A request to end the meeting was sent.  Please wait a few seconds, "
            "and then use the getMeetingInfo or isMeetingRunning API calls to "
            "verify that it was ended."
        ),
    )


def _recording(recording: Recording, base_url: str) -> str:
    return (
        "<recording>"
        + _element("recordID", recording.record_id)
        + _element("meetingID", recording.meeting_id)
        + _element("internalMeetingID", recording.internal_id)
        + _element("name", recording.name)
        + _element("isBreakout", False)
        + _element("published", recording.published)
        + _element("state", recording.state)
        + _element("startTime", recording.start_time)
        + _element("endTime", recording.end_time)
        + _element("participants", recording.participants)
        + _metadata(
            {
                "isBreakout": "false",
                "meetingName": recording.name,
                "meetingId": recording.meeting_id,
                **recording.meta,
            }
        )
        + "<playback><format>"
        + _element("type", "presentation")
        + _element("url", base_url + recording.playback_path)
        + _element("processingTime", 7177)
        + _element("length", recording.length_minutes)
        + "</format></playback>"
        + "</recording>"
    )


def recordings(found: list[Recording], base_url: str) -> bytes:
    body = "<recordings>" + "".join(_recording(r, base_url) for r in found)
    body += "</recordings>"
    parts = [_element("returncode", "SUCCESS"), body]
    if not found:
        parts += [
            _element("messageKey", "noRecordings"),
            _element("message", "There are no recordings for the meeting(s)."),
        ]
    return _response(*parts)


def meetings(found: list[Meeting]) -> bytes:
    body = "".join(
        "<meeting>"
        + meeting_info(meeting).decode()[
            len("<response><returncode>SUCCESS</returncode>") : -len("</response>")
        ]
        + "</meeting>"
        for meeting in found
    )
    return _response(_element("returncode", "SUCCESS"), f"<meetings>{body}</meetings>")
