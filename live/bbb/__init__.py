"""A small BigBlueButton API client (checksums, calls, XML parsing).

``checksum`` and ``signed_query`` implement the API's signing rule; ``BbbClient``
makes the calls Tremplin needs against one server; ``servers`` picks the server
of a class among the configured ones (one BBB, several, or a Scalelite).

Why not ``bigbluebutton-api-python``: it is a 0.0.x package with no tagged
release, builds SHA-1 checksums only and has no timeouts or error types to
tell "BBB down" from "BBB said no"; this client is a few hundred lines, typed
and tested against the stand-in and the documented checksum vectors.
"""

from .checksum import ALGORITHMS, checksum, signed_query, verify_query
from .client import (
    Attendee,
    BbbClient,
    BbbError,
    BbbUnavailable,
    MeetingInfo,
    RecordingInfo,
)
from .servers import BbbServer, client_for, configured_servers, pick_server

__all__ = [
    "ALGORITHMS",
    "Attendee",
    "BbbClient",
    "BbbError",
    "BbbServer",
    "BbbUnavailable",
    "MeetingInfo",
    "RecordingInfo",
    "checksum",
    "client_for",
    "configured_servers",
    "pick_server",
    "signed_query",
    "verify_query",
]
