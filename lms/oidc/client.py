"""The OpenID Connect client: discovery, authorization URL, code exchange, ID token checks.

Built on Authlib (PKCE, token request) and joserfc (JWS, claims). Discovery
metadata and the provider's keys are cached in the shared cache; every call to
the provider has a timeout (``OIDC_TIMEOUT_SECONDS``). Failures raise
``OIDCError`` subclasses whose ``message`` is French and safe to show.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.integrations.httpx_client._compat import httpx2
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

logger = logging.getLogger(__name__)

#: Authlib's client runs on httpx2 when installed, else on httpx.
HTTP_ERRORS = (httpx.HTTPError, httpx2.HTTPError)

#: Only asymmetric signatures: a token signed with the client secret (HS*) or
#: not signed at all ("none") is refused.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
#: Clock skew tolerated on ``exp``, ``iat`` and ``nbf``, in seconds.
LEEWAY_SECONDS = 60


class OIDCError(Exception):
    """Sign-in with the provider failed; ``message`` tells the person why (French)."""

    status = 400

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message


class ProviderUnavailable(OIDCError):
    """The provider did not answer in time, or answered nonsense."""

    status = 503


class SignInRefused(OIDCError):
    """The provider's answer cannot be trusted or used (token, state, claims)."""


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint gave, the ID token checked."""

    id_token: str
    access_token: str
    claims: dict[str, Any]


def is_enabled() -> bool:
    """Whether sign-in with Mon Espace is on (``OIDC_ISSUER`` set)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def _unavailable(detail: str) -> ProviderUnavailable:
    logger.warning("oidc provider unavailable: %s", detail)
    return ProviderUnavailable(
        _(
            "Mon Espace ne répond pas pour le moment. Réessayez dans quelques "
            "minutes ou connectez-vous avec votre mot de passe Tremplin si vous "
            "en avez un."
        ),
        detail,
    )


def _refused(detail: str) -> SignInRefused:
    logger.warning("oidc sign-in refused: %s", detail)
    return SignInRefused(
        _(
            "La réponse de Mon Espace n'a pas pu être vérifiée ; vous n'êtes pas "
            "connecté·e. Recommencez la connexion depuis Tremplin."
        ),
        detail,
    )


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=settings.OIDC_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise _unavailable(f"GET {url}: {error!r}") from error
    if not isinstance(data, dict):
        raise _unavailable(f"GET {url}: not a JSON object")
    return data


def _cache_key(kind: str) -> str:
    digest = hashlib.sha256(settings.OIDC_ISSUER.encode()).hexdigest()[:16]
    return f"oidc:{kind}:{digest}"


def _cached(
    kind: str, fetch: Callable[[], dict[str, Any]], *, force: bool = False
) -> dict[str, Any]:
    key = _cache_key(kind)
    if not force:
        try:
            found = cache.get(key)
        except Exception:  # noqa: BLE001 (a cache outage must not block sign-in)
            logger.warning("oidc cache unavailable")
            found = None
        if found is not None:
            return found
    value = fetch()
    try:
        cache.set(key, value, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("oidc cache unavailable")
    return value


def _discover() -> dict[str, Any]:
    issuer = settings.OIDC_ISSUER
    metadata = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    # OpenID Connect Discovery 1.0, section 4.3: the issuer must be the one asked.
    if metadata.get("issuer") != issuer:
        raise _unavailable(f"discovery issuer {metadata.get('issuer')!r} != {issuer!r}")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(name), str):
            raise _unavailable(f"discovery lacks {name}")
    return metadata


def provider_metadata() -> dict[str, Any]:
    """The provider's discovery document (cached ``OIDC_DISCOVERY_CACHE_SECONDS``).

    Raises ``ProviderUnavailable`` when it cannot be fetched in time or names
    another issuer.
    """
    return _cached("metadata", _discover)


def _key_set(*, force: bool = False) -> KeySet:
    uri = provider_metadata()["jwks_uri"]
    data = _cached("jwks", lambda: _get_json(uri), force=force)
    try:
        return KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise _unavailable(f"bad JWKS: {error!r}") from error


def _client(redirect_uri: str) -> OAuth2Client:
    secret = settings.OIDC_CLIENT_SECRET
    return OAuth2Client(
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=secret or None,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        scope=settings.OIDC_SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=settings.OIDC_TIMEOUT_SECONDS,
    )


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and the secrets to keep until it comes back."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def authorization_request(redirect_uri: str) -> AuthorizationRequest:
    """A fresh authorization request (code flow, PKCE S256, nonce).

    Raises ``ProviderUnavailable`` when discovery fails.
    """
    endpoint = provider_metadata()["authorization_endpoint"]
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    with _client(redirect_uri) as client:
        url, _state = client.create_authorization_url(
            endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
    return AuthorizationRequest(
        url=url, state=state, nonce=nonce, code_verifier=verifier
    )


def exchange_code(
    code: str, *, redirect_uri: str, code_verifier: str, nonce: str
) -> Tokens:
    """Trade the authorization code for tokens and check the ID token.

    Raises ``ProviderUnavailable`` (timeout, provider error) or ``SignInRefused``
    (code refused — already used or expired —, ID token invalid).
    """
    endpoint = provider_metadata()["token_endpoint"]
    try:
        with _client(redirect_uri) as client:
            token = client.fetch_token(
                endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
    except OAuthError as error:
        logger.warning("oidc token endpoint refused the code: %s", error.error)
        raise SignInRefused(
            _(
                "Mon Espace a refusé cette connexion (code déjà utilisé ou "
                "expiré). Recommencez la connexion depuis Tremplin."
            ),
            f"token endpoint: {error.error}",
        ) from error
    except (*HTTP_ERRORS, ValueError) as error:
        raise _unavailable(f"token endpoint: {error!r}") from error
    id_token = token.get("id_token")
    access_token = token.get("access_token", "")
    if not isinstance(id_token, str):
        raise _refused("no id_token in the token response")
    claims = validate_id_token(id_token, nonce=nonce, access_token=access_token)
    return Tokens(id_token=id_token, access_token=access_token, claims=claims)


def _decode(id_token: str, key_set: KeySet) -> jwt.Token:
    return jwt.decode(
        id_token,
        key=key_set,
        registry=JWSRegistry(algorithms=list(ALLOWED_ALGORITHMS)),
    )


def validate_id_token(
    id_token: str, *, nonce: str, access_token: str = ""
) -> dict[str, Any]:
    """The ID token's claims once its signature (provider keys), ``iss``,
    ``aud``, ``exp``/``iat``, ``nonce`` and ``at_hash`` are checked.

    Raises ``SignInRefused`` on any failure; the keys are fetched again once
    when the token names an unknown key (key rotation).
    """
    try:
        try:
            token = _decode(id_token, _key_set())
        except InvalidKeyIdError:
            token = _decode(id_token, _key_set(force=True))
        options = {
            "iss": {"essential": True, "value": settings.OIDC_ISSUER},
            "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
            "nonce": {"essential": True, "value": nonce},
            "sub": {"essential": True},
        }
        params = {"nonce": nonce, "client_id": settings.OIDC_CLIENT_ID}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(token.claims, token.header, options, params)
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError) as error:
        raise _refused(f"id token: {error!r}") from error
    return dict(claims)


def userinfo(access_token: str, subject: str) -> dict[str, Any]:
    """Claims from the userinfo endpoint, if the provider has one; ``{}`` otherwise.

    Raises ``ProviderUnavailable`` on timeout and ``SignInRefused`` when the
    answer is about another subject.
    """
    endpoint = provider_metadata().get("userinfo_endpoint")
    if not endpoint or not settings.OIDC_USE_USERINFO:
        return {}
    try:
        response = httpx.get(
            endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.OIDC_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise _unavailable(f"userinfo: {error!r}") from error
    if not isinstance(data, dict) or data.get("sub") != subject:
        raise _refused("userinfo is about another subject")
    return data


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or ``None`` when it
    has none or cannot be reached."""
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": settings.OIDC_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
