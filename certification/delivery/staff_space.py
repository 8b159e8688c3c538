"""HTTP client of the staff space ("Mon Espace"), following docs/staff-space-api.md.

``attestation_body`` / ``revocation_body`` build the JSON bodies from the frozen
attestation row (same row, same body: a retry sends the identical body, so the
staff space answers 200 with the first receipt). ``StaffSpaceClient.send``
makes one HTTP call and sorts the answer into an ``Outcome``: ``delivered``,
``retry`` (network error, timeout, 429, 5xx) or ``dead`` (a permanent refusal,
or a success without a receipt: schema drift). It touches no database, so the
delivery engine can call it from a thread pool.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from ..models import Attestation

logger = logging.getLogger(__name__)

ATTESTATIONS_PATH = "/v1/attestations"
MAX_TEXT = 1_000  # the contract's limit for text fields
MAX_RECEIPT = 200  # Delivery.receipt
ERROR_EXCERPT = 1_000
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 405, 409, 410, 413, 422})
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

Kind = Literal["delivered", "retry", "dead"]


@dataclass(frozen=True)
class Request:
    """One call to make: built from the database in the caller's thread."""

    path: str
    key: str
    body: dict[str, Any]
    is_revocation: bool = False


@dataclass(frozen=True)
class Outcome:
    """What one call came to."""

    kind: Kind
    status_code: int | None = None
    receipt: str = ""
    error: str = ""
    retry_after: float | None = None
    flags: list[str] = field(default_factory=list)
    duration_ms: int = 0


def _iso_datetime(moment: Any) -> str:
    return (
        moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def _text(value: str) -> str:
    return value.strip()[:MAX_TEXT]


def attestation_body(attestation: Attestation, pdf: bytes) -> dict[str, Any]:
    """The body of ``POST /v1/attestations`` for ``attestation`` and its PDF.

    Without a staff number the ``matricule`` member is left out, as the
    contract allows: the staff space stores the attestation flagged
    ``matricule_missing``.
    """
    from ..credentials import verification_url

    person: dict[str, Any] = {
        "email": attestation.holder_email,
        # The names are required non-empty: fall back on the full name.
        "given_name": _text(attestation.holder_given_name or attestation.holder_name),
        "family_name": _text(attestation.holder_family_name or attestation.holder_name),
    }
    if attestation.holder_matricule.strip():
        person["matricule"] = _text(attestation.holder_matricule)
    sync_hours = float(attestation.sync_hours)
    async_hours = float(attestation.async_hours)
    return {
        "id": str(attestation.uuid),
        "person": person,
        "training": {
            "code": _text(attestation.training_code),
            "title": _text(attestation.training_title),
            "modality": attestation.modality,
            "operator": _text(attestation.operator) or "IFPC",
        },
        "session": {
            "start": attestation.starts_on.isoformat(),
            "end": attestation.ends_on.isoformat(),
        },
        "hours": {
            "synchronous": sync_hours,
            "asynchronous": async_hours,
            "total": float(attestation.sync_hours + attestation.async_hours),
        },
        "competences": list(attestation.competences),
        "issued_at": _iso_datetime(attestation.issued_at),
        "verification_url": verification_url(attestation),
        "credential": attestation.credential,
        "pdf_base64": base64.b64encode(pdf).decode("ascii"),
    }


def revocation_body(attestation: Attestation) -> dict[str, Any]:
    """The body of ``POST /v1/attestations/{id}/revocation``."""
    return {"reason": _text(attestation.revocation_reason) or _("Révoquée")}


def issue_request(attestation: Attestation, pdf: bytes) -> Request:
    return Request(
        path=ATTESTATIONS_PATH,
        key=str(attestation.uuid),
        body=attestation_body(attestation, pdf),
    )


def revocation_request(attestation: Attestation) -> Request:
    return Request(
        path=f"{ATTESTATIONS_PATH}/{attestation.uuid}/revocation",
        key=str(attestation.uuid),
        body=revocation_body(attestation),
        is_revocation=True,
    )


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = moment.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, float(settings.STAFF_SPACE_RETRY_MAX_SECONDS)))


def error_excerpt(response: httpx.Response) -> str:
    """The staff space's own words about a refusal, cut to a readable length."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and ("message" in data or "error" in data):
        text = str(data.get("message") or data.get("error"))
        if data.get("error") and data.get("message"):
            text = f"{data['message']} ({data['error']})"
        details = data.get("errors")
        if isinstance(details, list) and details:
            text += " — " + " ; ".join(
                f"{item.get('field')} : {item.get('message')}"
                if isinstance(item, dict)
                else str(item)
                for item in details[:20]
            )
    else:
        text = response.text.strip() or response.reason_phrase
    return text[:ERROR_EXCERPT]


def _receipt(response: httpx.Response) -> tuple[str, list[str]] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    receipt = data.get("receipt")
    if not isinstance(receipt, str) or not receipt.strip():
        return None
    if len(receipt) > MAX_RECEIPT:
        return None
    flags = data.get("flags")
    return receipt, [str(flag) for flag in flags] if isinstance(flags, list) else []


def classify(response: httpx.Response, request: Request, duration_ms: int) -> Outcome:
    """Sort an HTTP answer into delivered / retry / dead (docs/staff-space-api.md)."""
    status = response.status_code
    if status in (200, 201):
        found = _receipt(response)
        if found is None:
            return Outcome(
                "dead",
                status,
                error=_(
                    "Réponse %(status)s sans accusé de réception valide "
                    "(le format de l'espace personnel a changé) : %(body)s"
                )
                % {"status": status, "body": response.text[:300]},
                duration_ms=duration_ms,
            )
        receipt, flags = found
        return Outcome(
            "delivered", status, receipt=receipt, flags=flags, duration_ms=duration_ms
        )
    if status == 404 and request.is_revocation:
        # The staff space lost (or never got) the attestation: deliver it
        # again, then the revocation (the engine re-queues the issue row).
        return Outcome(
            "retry",
            status,
            error=_("L'espace personnel ne connaît pas cette attestation : %(e)s")
            % {"e": error_excerpt(response)},
            duration_ms=duration_ms,
        )
    if status in RETRY_STATUSES or status >= 500:
        return Outcome(
            "retry",
            status,
            error=_("Erreur temporaire %(status)s : %(e)s")
            % {"status": status, "e": error_excerpt(response)},
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            duration_ms=duration_ms,
        )
    if status in PERMANENT_STATUSES or 300 <= status < 500:
        return Outcome(
            "dead",
            status,
            error=_("Refus %(status)s : %(e)s")
            % {"status": status, "e": error_excerpt(response)},
            duration_ms=duration_ms,
        )
    return Outcome(
        "dead",
        status,
        error=_("Réponse inattendue %(status)s") % {"status": status},
        duration_ms=duration_ms,
    )


class StaffSpaceClient:
    """One ``httpx.Client`` (a connection pool) shared by the sending threads."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
        max_connections: int | None = None,
    ) -> None:
        self.base_url = (base_url or settings.STAFF_SPACE_URL).rstrip("/")
        self.token = token if token is not None else settings.STAFF_SPACE_TOKEN
        seconds = float(
            timeout if timeout is not None else settings.STAFF_SPACE_TIMEOUT_SECONDS
        )
        connections = max_connections or settings.STAFF_SPACE_CONCURRENCY
        self.client = httpx.Client(
            timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
            limits=httpx.Limits(
                max_connections=connections, max_keepalive_connections=connections
            ),
            follow_redirects=False,
        )

    def __enter__(self) -> StaffSpaceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def send(self, request: Request) -> Outcome:
        """Make one call; never raises for HTTP or network trouble."""
        started = time.monotonic()
        content = json.dumps(
            request.body, ensure_ascii=False, separators=(",", ":")
        ).encode()
        try:
            response = self.client.post(
                self.base_url + request.path,
                content=content,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": request.key,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        except httpx.TimeoutException:
            return Outcome(
                "retry",
                error=_("Pas de réponse de l'espace personnel (délai dépassé)."),
                duration_ms=_ms(started),
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            return Outcome(
                "dead",
                error=_("Adresse de l'espace personnel invalide : %(e)s")
                % {"e": error},
                duration_ms=_ms(started),
            )
        except httpx.HTTPError as error:
            return Outcome(
                "retry",
                error=_("Connexion à l'espace personnel impossible ou coupée : %(e)s")
                % {"e": type(error).__name__},
                duration_ms=_ms(started),
            )
        return classify(response, request, _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
