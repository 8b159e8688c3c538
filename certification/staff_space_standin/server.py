"""The HTTP side of the staff-space stand-in.

Routes (``docs/staff-space-api.md``):

* ``POST /v1/attestations`` and ``POST /v1/attestations/{id}/revocation``: the
  contract, with the faults of the current ``FaultPlan``;
* ``GET /_standin/state``, ``GET /_standin/attestations/{id}``,
  ``POST /_standin/reset``, ``POST /_standin/faults``: control, same bearer
  token, never faulted.

Order of work for a contract call: read the body, add the latency, draw the
faults (timeout, reset, 5xx, 429 answer before anything is stored), then
token (401), headers (400), JSON (400), schema (422), refusal (403), store
(201/200/409/404); a "duplicate delivery" draw then replaces a 2xx answer with
a 5xx or a reset, the attestation staying stored.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from .store import Draw, FaultPlan, Store
from .validation import (
    attestation_errors,
    body_hash,
    is_valid_id,
    revocation_errors,
)

logger = logging.getLogger(__name__)

ATTESTATIONS = "/v1/attestations"
CONTROL = "/_standin/"
JSON_TYPE = "application/json"
MAX_BODY_BYTES = 32 * 1024 * 1024


class Malformed(Exception):
    """The request cannot be read (answered 400 or 413)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity); ``Malformed`` 400 otherwise."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise Malformed(400, "malformed_json", f"JSON illisible : {error}") from None


class StaffSpaceServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        store: Store,
        token: str,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        super().__init__(address, Handler)
        self.store = store
        self.token = token
        self.max_body_bytes = max_body_bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TremplinStaffSpaceStandIn/1.0"
    server: StaffSpaceServer
    # One buffered write per response and no Nagle (see live/bbb_standin).
    wbufsize = 64 * 1024

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._started = time.monotonic()
        self._note = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """http.server's own lines (stderr) are replaced by ``_log``."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Logged once the answer is written (see ``_log``)."""

    def _log(self, status: str) -> None:
        path = urlsplit(self.path).path
        key = self.headers.get("Idempotency-Key", "-") if self.headers else "-"
        logger.info(
            "%s %s %s key=%s %.0fms%s",
            self.command,
            path,
            status,
            key if is_valid_id(key) else "(invalide)",
            (time.monotonic() - self._started) * 1000,
            f" {self._note}" if self._note else "",
        )
        self._note = ""

    # --- plumbing ------------------------------------------------------------
    def _send(
        self,
        status: int,
        data: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self._log(str(status))

    def _error(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self._send(status, {"error": code, "message": message, **extra}, headers)

    def _read_body(self) -> bytes:
        limit = self.server.max_body_bytes
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size_line = self.rfile.readline(1024)
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    raise Malformed(400, "bad_chunk", "bloc HTTP illisible") from None
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > limit:
                    self.close_connection = True
                    raise Malformed(413, "payload_too_large", "corps trop gros")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise Malformed(
                400, "bad_content_length", "Content-Length illisible"
            ) from None
        if length > limit:
            self.close_connection = True
            raise Malformed(
                413, "payload_too_large", f"corps de plus de {limit} octets"
            )
        return self.rfile.read(length) if length > 0 else b""

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.server.token.encode()
        )

    def _unauthorised(self) -> None:
        self._error(
            401,
            "unauthorized",
            "jeton absent ou invalide",
            {"WWW-Authenticate": 'Bearer realm="staff-space"'},
        )

    def _reset_connection(self) -> None:
        """Close without answering: a RST, as a crashed proxy would send."""
        self.close_connection = True
        try:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
        except OSError:
            pass
        self._log("reset")

    def _fail(self, drawn: Draw, plan: FaultPlan) -> None:
        """Answer a pre-processing fault (nothing was stored)."""
        if drawn.fault == "timeout":
            self._note = "(simulated timeout)"
            self.close_connection = True
            time.sleep(plan.timeout_seconds)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._log("timeout")
        elif drawn.fault == "reset":
            self._reset_connection()
        else:
            headers = (
                {"Retry-After": str(drawn.retry_after)} if drawn.retry_after else {}
            )
            self._note = "(simulated fault)"
            code = "rate_limited" if drawn.status == 429 else "unavailable"
            self._error(
                drawn.status, code, "panne simulée, réessayer plus tard", headers
            )

    # --- dispatch --------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        # Timed from here: idle keep-alive time is not the request's.
        self._started = time.monotonic()
        path = urlsplit(self.path).path
        try:
            try:
                raw = self._read_body()
            except Malformed as malformed:
                self._error(malformed.status, malformed.code, malformed.message)
                return
            if path.startswith(CONTROL):
                self._control(path[len(CONTROL) :], raw)
                return
            route = self._route(path)
            if route is None:
                self._error(404, "not_found", "adresse inconnue")
            elif self.command != "POST":
                self._error(
                    405, "method_not_allowed", "POST attendu", {"Allow": "POST"}
                )
            else:
                self._contract(*route, raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self._log("client-gone")
        except Exception:
            logger.exception("stand-in error on %s", path)
            self._error(500, "internal_error", "erreur interne du simulateur")

    @staticmethod
    def _route(path: str) -> tuple[str, str | None] | None:
        """("attestation", None) or ("revocation", id) for a contract path."""
        if path in (ATTESTATIONS, ATTESTATIONS + "/"):
            return "attestation", None
        prefix, suffix = ATTESTATIONS + "/", "/revocation"
        if path.startswith(prefix) and path.endswith(suffix):
            attestation_id = unquote(path[len(prefix) : -len(suffix)])
            if attestation_id and "/" not in attestation_id:
                return "revocation", attestation_id
        return None

    # --- contract ------------------------------------------------------------
    def _contract(self, kind: str, path_id: str | None, raw: bytes) -> None:
        store = self.server.store
        key = self.headers.get("Idempotency-Key", "").strip()
        drawn, plan = store.draw(kind, key)
        if plan.latency_ms:
            time.sleep(plan.latency_ms / 1000)
        if drawn.fault != "none":
            self._fail(drawn, plan)
            return
        if not self._authorised():
            store.count("unauthorized")
            self._unauthorised()
            return
        if not key:
            store.count("bad_request")
            self._error(
                400, "missing_idempotency_key", "en-tête Idempotency-Key absent"
            )
            return
        if not is_valid_id(key):
            store.count("bad_request")
            self._error(
                400,
                "invalid_idempotency_key",
                "Idempotency-Key : 1 à 128 caractères [A-Za-z0-9._~:-]",
            )
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type.lower() != JSON_TYPE:
            store.count("bad_request")
            self._error(
                400, "invalid_content_type", "Content-Type application/json attendu"
            )
            return
        try:
            body = parse_json(raw)
        except Malformed as malformed:
            store.count("bad_request")
            self._error(malformed.status, malformed.code, malformed.message)
            return
        if kind == "attestation":
            self._attestation(key, body, drawn)
        else:
            assert path_id is not None  # noqa: S101 (set by _route)
            self._revocation(path_id, key, body, drawn)

    def _invalid(self, errors: list[Any]) -> None:
        self.server.store.count("invalid")
        self._error(422, "invalid_body", "corps non conforme au contrat", errors=errors)

    def _answer(self, status: int, data: dict[str, Any], drawn: Draw) -> None:
        """A 2xx answer, or the fault of a duplicate delivery in its place."""
        store = self.server.store
        store.count(f"status_{status}")
        if drawn.duplicate is None:
            headers = {"Idempotent-Replayed": "true"} if status == 200 else {}
            self._send(status, data, headers)
            return
        store.count("duplicate_answered_as_fault", "duplicate")
        self._note = f"(stored {status}, simulated duplicate)"
        if drawn.duplicate == "reset":
            self._reset_connection()
        else:
            self._error(
                int(drawn.duplicate),
                "unavailable",
                "panne simulée, réessayer plus tard",
            )

    def _attestation(self, key: str, body: Any, drawn: Draw) -> None:
        store = self.server.store
        errors = attestation_errors(body)
        if not errors and body["id"] != key:
            errors = [
                {"field": "id", "message": "différent de l'en-tête Idempotency-Key"}
            ]
        if errors:
            self._invalid(errors)
            return
        if key in store.plan.refuse:
            store.count("refused")
            self._error(403, "refused", "l'espace personnel refuse cette attestation")
            return
        digest = body_hash(body)
        outcome, received = store.record_attestation(body, digest)
        if outcome == "conflict":
            store.count("conflict")
            self._error(
                409,
                "conflict",
                "même Idempotency-Key, corps différent",
                stored_hash=received.body_hash,
                received_hash=digest,
            )
            return
        data: dict[str, Any] = {"receipt": received.receipt}
        if received.flags:
            data["flags"] = received.flags
        self._answer(201 if outcome == "created" else 200, data, drawn)

    def _revocation(self, path_id: str, key: str, body: Any, drawn: Draw) -> None:
        store = self.server.store
        errors = revocation_errors(body)
        if not errors and key != path_id:
            errors = [
                {
                    "field": "Idempotency-Key",
                    "message": "différent de l'identifiant de l'adresse",
                }
            ]
        if errors:
            self._invalid(errors)
            return
        if path_id in store.plan.refuse:
            store.count("refused")
            self._error(403, "refused", "l'espace personnel refuse cette révocation")
            return
        digest = body_hash(body)
        outcome, revocation = store.record_revocation(path_id, body["reason"], digest)
        if outcome == "not_found" or revocation is None:
            store.count("not_found")
            self._error(404, "not_found", "attestation inconnue")
            return
        if outcome == "conflict":
            store.count("conflict")
            self._error(
                409,
                "conflict",
                "révocation déjà reçue avec un autre motif",
                stored_hash=revocation.body_hash,
                received_hash=digest,
            )
            return
        self._answer(
            201 if outcome == "created" else 200, {"receipt": revocation.receipt}, drawn
        )

    # --- control ---------------------------------------------------------------
    def _control(self, action: str, raw: bytes) -> None:
        store = self.server.store
        if not self._authorised():
            self._unauthorised()
            return
        if action == "state" and self.command == "GET":
            self._send(200, store.snapshot())
        elif action.startswith("attestations/") and self.command == "GET":
            found = store.attestation(unquote(action[len("attestations/") :]))
            if found is None:
                self._error(404, "not_found", "attestation inconnue")
            else:
                self._send(200, found)
        elif action == "reset" and self.command == "POST":
            store.reset()
            self._send(200, {"ok": True})
        elif action == "faults" and self.command == "POST":
            try:
                changes = parse_json(raw) if raw.strip() else {}
                if not isinstance(changes, dict):
                    raise ValueError("objet JSON attendu")
                plan = store.set_plan(changes)
            except Malformed as malformed:
                self._error(400, malformed.code, malformed.message)
            except ValueError as error:
                self._error(400, "invalid_faults", str(error))
            else:
                self._send(200, {"ok": True, "faults": plan.as_dict()})
        else:
            self._error(404, "not_found", "action de contrôle inconnue")


def make_server(
    host: str,
    port: int,
    token: str,
    plan: FaultPlan | None = None,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> StaffSpaceServer:
    """A ready-to-serve stand-in (call ``serve_forever()``)."""
    plan = plan or FaultPlan()
    plan.check()
    return StaffSpaceServer((host, port), Store(plan), token, max_body_bytes)
