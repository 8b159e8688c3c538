"""Public, unauthenticated documents: published keys (JWKS, did:web) and the
Bitstring Status Lists. Cacheable, CORS-open: verifiers elsewhere read them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .. import keys, status_list


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    return _public(JsonResponse(keys.jwks()), 300)


@require_GET
def did_document(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(keys.did_document())
    response["Content-Type"] = "application/did+json"
    return _public(response, 300)


@require_GET
def status_list_credential(request: HttpRequest, number: int) -> HttpResponse:
    """The signed ``BitstringStatusListCredential`` (``application/vc+jwt``)."""
    token = status_list.signed_status_list(number)
    response = HttpResponse(token, content_type="application/vc+jwt")
    return _public(response, 60)
