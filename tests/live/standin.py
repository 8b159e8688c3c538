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
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from live.bbb.checksum import signed_query

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StandIn:
    port: int
    secret: str
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bigbluebutton/"

    @classmethod
    def start(cls, *, secret: str | None = None) -> StandIn:
        standin = cls(port=free_port(), secret=secret or secrets.token_hex(16))
        standin.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "live.bbb_standin",
                "--port",
                str(standin.port),
                "--secret",
                standin.secret,
            ],
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if standin.process.poll() is not None:
                raise RuntimeError(
                    "BBB stand-in exited: "
                    + standin.process.stderr.read().decode(errors="replace")
                )
            try:
                if httpx.get(standin.url + "api", timeout=1).status_code == 200:
                    return standin
            except httpx.HTTPError:
                time.sleep(0.1)
        standin.stop()
        raise RuntimeError("BBB stand-in did not start within 20 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def control(self, action: str, **params: object) -> dict:
        query = signed_query(action, params, self.secret)
        response = httpx.get(f"{self.url}standin/{action}?{query}", timeout=30)
        response.raise_for_status()
        return json.loads(response.text)
