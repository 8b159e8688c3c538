"""The BBB stand-in as a real HTTP process, for tests and benchmarks.

``StandIn.start()`` runs ``python -m live.bbb_standin --port N --secret S`` and
waits until it answers; ``control(action, **params)`` calls one of its control
endpoints (``/bigbluebutton/standin/<action>``, checksum-signed like the API)
and returns the JSON answer:

* ``reset``: forget every meeting and recording;
* ``state``: ``{"meetings": {meetingID: {...}}, "recordings": [...]}``;
* ``add_attendee`` (meetingID, userID, fullName, role): as if a join URL was
  followed; ``leave`` (meetingID, userID);
* ``end`` (meetingID): end the meeting as BBB would when the last moderator
  ends it, fire its end callback and (if it was recorded) publish a recording
  and fire the recording-ready callback; answers ``{"callbacks": [{"url",
  "status"}]}`` once the callbacks are delivered;
* ``publish_recording`` (meetingID): add a published recording and fire the
  recording-ready callback;
* ``set_down`` (down=true|false): answer every API call with HTTP 503 (outage).
"""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import dataclass

import httpx

from live.bbb.checksum import signed_query
from tests.process_support import ServerProcess, free_port


@dataclass
class StandIn(ServerProcess):
    secret: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bigbluebutton/"

    @classmethod
    def start(cls, *, secret: str | None = None) -> StandIn:
        standin = cls(port=free_port(), secret=secret or secrets.token_hex(16))
        standin.launch(
            [
                sys.executable,
                "-m",
                "live.bbb_standin",
                "--port",
                str(standin.port),
                "--secret",
                standin.secret,
            ],
            lambda: httpx.get(standin.url + "api", timeout=1).status_code == 200,
            name="BBB stand-in",
        )
        return standin

    def control(self, action: str, **params: object) -> dict:
        query = signed_query(action, params, self.secret)
        response = httpx.get(f"{self.url}standin/{action}?{query}", timeout=30)
        response.raise_for_status()
        return json.loads(response.text)
