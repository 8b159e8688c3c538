"""A BigBlueButton stand-in: a separate process that speaks the BBB API.

Run ``python -m live.bbb_standin --port 8090 --secret S``. It answers the API
calls Tremplin makes (``create``, ``join``, ``isMeetingRunning``,
``getMeetingInfo``, ``end``, ``getRecordings``) with the XML of a real server,
verifies checksums exactly as BBB does (SHA-1/256/384/512 told apart by the
digest length), sends the end callback (``meta_endCallbackUrl``) and the
recording-ready callback (``meta_bbb-recording-ready-url``, JWT HS256 signed
with the shared secret), and serves a simulated room page per attendee, clearly
marked as a simulator. Control endpoints under ``/bigbluebutton/standin/`` let
tests and benchmarks act as people in the room (see ``tests/live/standin.py``).

The control ``state`` answers ``{"ok", "down", "meetings": {meetingID: {...}},
"recordings": [...]}``; a meeting has ``meetingID``, ``internalMeetingID``,
``name``, ``createTime``, ``createCalls``, ``attendeePW``, ``moderatorPW``,
``record``, ``duration``, ``maxParticipants``, ``guestPolicy``, ``logoutURL``,
``welcome``, ``meta`` (``meta_*`` parameters without the prefix), ``running``,
``ended``, ``hasBeenForciblyEnded``, ``hasUserJoined``, ``startTime``,
``endTime``, ``participantCount`` and ``attendees`` (``userID``, ``fullName``,
``role``, ``joinedAt``, ``guest``); a recording has ``recordID``, ``meetingID``,
``internalMeetingID``, ``name``, ``published``, ``state``, ``startTime``,
``endTime``, ``participants``, ``length`` (minutes) and ``url`` (playback).

Like a real server, an ended meeting is gone for the monitoring calls
(``getMeetingInfo`` answers ``notFound``, ``isMeetingRunning`` false) and a
``create`` with its meetingID starts a new meeting (new ``createTime``).

No Django: only the standard library, ``live.bbb.checksum``, PyJWT and httpx.
"""

from .server import StandInServer, make_server
from .state import Store

__all__ = ["StandInServer", "Store", "make_server"]
