"""The staff-space stand-in as a real HTTP process, for tests and benchmarks.

``StaffSpaceStandIn.start(fail_rate=..., seed=...)`` runs ``python -m
certification.staff_space_standin --port N --token T [flags]`` on a free port
and waits until it answers; ``state()``, ``reset()``, ``set_faults(**rates)``
and ``attestation(id)`` call its control endpoints (``/_standin/...``, same
bearer token); ``post_attestation(body)`` and ``post_revocation(id, reason)``
deliver as Tremplin would; ``log()`` is what it printed (one line a request).
"""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import dataclass
from typing import Any

import httpx

from tests.process_support import ServerProcess, free_port


@dataclass
class StaffSpaceStandIn(ServerProcess):
    token: str = ""

    @property
    def url(self) -> str:
        """``STAFF_SPACE_URL``: the base the contract paths are appended to."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @classmethod
    def start(cls, *, token: str | None = None, **flags: object) -> StaffSpaceStandIn:
        """Start the process; ``flags`` are its options (``fail_rate=0.3`` → ``--fail-rate 0.3``)."""
        standin = cls(port=free_port(), token=token or secrets.token_urlsafe(24))
        command = [
            sys.executable,
            "-m",
            "certification.staff_space_standin",
            "--port",
            str(standin.port),
            # One argument: a random token may start with "-", which argparse
            # would take for an option in the two-argument form.
            f"--token={standin.token}",
        ]
        for name, value in flags.items():
            if value is not None:
                command.append("--" + name.replace("_", "-") + "=" + str(value))
        state = standin.url + "/_standin/state"
        standin.launch(
            command,
            lambda: (
                httpx.get(state, headers=standin.headers, timeout=1).status_code == 200
            ),
            name="staff-space stand-in",
        )
        return standin

    # --- control ---------------------------------------------------------------
    def _control(self, method: str, action: str, data: Any = None) -> dict:
        response = httpx.request(
            method,
            f"{self.url}/_standin/{action}",
            headers=self.headers,
            json=data,
            timeout=30,
        )
        response.raise_for_status()
        return json.loads(response.text)

    def state(self) -> dict:
        """Received attestations by id, revocations, counts and faults injected."""
        return self._control("GET", "state")

    def attestation(self, attestation_id: str) -> dict:
        """One stored attestation with its body (the PDF as size and digest)."""
        return self._control("GET", f"attestations/{attestation_id}")

    def reset(self) -> dict:
        return self._control("POST", "reset")

    def set_faults(self, **changes: object) -> dict:
        """Change fault settings at run time (``fail_rate=0.5``, ``refuse=[id]``…)."""
        return self._control("POST", "faults", changes)

    # --- contract --------------------------------------------------------------
    def post_attestation(
        self,
        body: dict[str, Any],
        *,
        client: httpx.Client | None = None,
        timeout: float = 10,
        key: str | None = None,
    ) -> httpx.Response:
        headers = {**self.headers, "Idempotency-Key": key or body["id"]}
        return (client or httpx).post(
            f"{self.url}/v1/attestations", json=body, headers=headers, timeout=timeout
        )

    def post_revocation(
        self, attestation_id: str, reason: str, *, timeout: float = 10
    ) -> httpx.Response:
        headers = {**self.headers, "Idempotency-Key": attestation_id}
        return httpx.post(
            f"{self.url}/v1/attestations/{attestation_id}/revocation",
            json={"reason": reason},
            headers=headers,
            timeout=timeout,
        )
