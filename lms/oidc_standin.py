"""A small OpenID Connect provider with fault injection, for tests (not for production).

``python -m lms.oidc_standin --port N --client-id ID --client-secret S`` serves
discovery, JWKS, authorize (consents at once for the configured person),
token (code flow, PKCE S256 checked, one-use codes), userinfo and end-session,
with RS256 ID tokens. ``POST /_standin/config`` sets ``claims`` (the person),
``fault`` (``wrong_issuer``, ``wrong_audience``, ``wrong_nonce``, ``expired``,
``bad_signature``), ``delay`` (seconds every answer waits, a slow provider)
and ``rotate`` (a new signing key under a new key id);
``GET /_standin/state`` tells what it received.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

logger = logging.getLogger("lms.oidc_standin")

FAULTS = (
    "",
    "wrong_issuer",
    "wrong_audience",
    "wrong_nonce",
    "expired",
    "bad_signature",
)


class Provider:
    """The provider's state, shared by the request threads."""

    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer, self.client_id, self.client_secret = (
            issuer,
            client_id,
            client_secret,
        )
        self.key = RSAKey.generate_key(2048, parameters={"kid": "standin-1"})
        self.generation = 1
        # Same key id, another key: a token it signs must not verify.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "standin-1"})
        self.lock = threading.Lock()
        self.claims: dict[str, Any] = {"sub": "standin-user"}
        self.fault = ""
        self.delay = 0.0
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, int] = {}
        self.end_sessions: list[dict[str, str]] = []

    def metadata(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/end_session",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, grant: dict[str, Any], access_token: str) -> str:
        now = int(time.time())
        digest = hashlib.sha256(access_token.encode()).digest()
        claims = {
            **grant["claims"],
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "at_hash": base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode(),
        }
        fault = grant["fault"]
        if fault == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:1/autre-fournisseur"
        elif fault == "wrong_audience":
            claims["aud"] = "un-autre-client"
        elif fault == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif fault == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        key = self.rogue_key if fault == "bad_signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def rotate(self) -> None:
        self.generation += 1
        kid = f"standin-{self.generation}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid})
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": kid})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.info("%s %s", self.command, self.path.split("?")[0])

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def _send(self, status: int, body: Any = None, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, url: str) -> None:
        self._send(302, headers={"Location": url})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def _count(self, path: str) -> None:
        with self.provider.lock:
            self.provider.counts[path] = self.provider.counts.get(path, 0) + 1
        if not path.startswith("/_standin/") and self.provider.delay:
            time.sleep(self.provider.delay)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self._count(url.path)
        provider = self.provider
        if url.path == "/.well-known/openid-configuration":
            self._send(200, provider.metadata())
        elif url.path == "/jwks":
            self._send(200, {"keys": [provider.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            self._authorize(query)
        elif url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            grant = provider.tokens.get(token)
            if grant is None:
                self._send(401, {"error": "invalid_token"})
            else:
                self._send(200, grant["claims"])
        elif url.path == "/end_session":
            with provider.lock:
                provider.end_sessions.append(query)
            target = query.get("post_logout_redirect_uri")
            if target:
                self._redirect(target)
            else:
                self._send(200, {"logged_out": True})
        elif url.path == "/_standin/state":
            with provider.lock:
                self._send(
                    200,
                    {
                        "counts": provider.counts,
                        "end_sessions": provider.end_sessions,
                        "codes_pending": len(provider.codes),
                    },
                )
        else:
            self._send(404, {"error": "not_found"})

    def _authorize(self, query: dict[str, str]) -> None:
        provider = self.provider
        if query.get("client_id") != provider.client_id:
            self._send(400, {"error": "invalid_client"})
            return
        if (
            query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
        ):
            self._send(400, {"error": "invalid_request"})
            return
        if query.get("code_challenge_method") != "S256" or not query.get(
            "code_challenge"
        ):
            self._send(400, {"error": "invalid_request", "error_description": "PKCE"})
            return
        code = secrets.token_urlsafe(24)
        with provider.lock:
            provider.codes[code] = {
                "claims": dict(provider.claims),
                "fault": provider.fault,
                "nonce": query.get("nonce"),
                "redirect_uri": query.get("redirect_uri"),
                "challenge": query["code_challenge"],
            }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        self._redirect(f"{query['redirect_uri']}?{urlencode(params)}")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        self._count(url.path)
        if url.path == "/token":
            self._token(self._form())
        elif url.path == "/_standin/config":
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with self.provider.lock:
                for name in ("claims", "fault", "delay"):
                    if name in body:
                        setattr(self.provider, name, body[name])
                if body.get("rotate"):
                    self.provider.rotate()
            self._send(200, {"ok": True})
        else:
            self._send(404, {"error": "not_found"})

    def _client_ok(self, form: dict[str, str]) -> bool:
        provider = self.provider
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == provider.client_id and secrets.compare_digest(
            secret, provider.client_secret
        )

    def _token(self, form: dict[str, str]) -> None:
        provider = self.provider
        if not self._client_ok(form):
            self._send(401, {"error": "invalid_client"})
            return
        with provider.lock:
            # One use: a replayed code finds nothing.
            grant = provider.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or _s256(form.get("code_verifier", "")) != grant["challenge"]
        ):
            self._send(400, {"error": "invalid_grant"})
            return
        access_token = secrets.token_urlsafe(24)
        with provider.lock:
            provider.tokens[access_token] = grant
        self._send(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": provider.id_token(grant, access_token),
            },
        )


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], provider_args: tuple) -> None:
        super().__init__(address, Handler)
        host, port = self.server_address[:2]
        self.provider = Provider(f"http://{host}:{port}", *provider_args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lms.oidc_standin",
        description="Simulateur de fournisseur OpenID Connect (tests uniquement).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--client-id", default="tremplin")
    parser.add_argument("--client-secret", default="tremplin-simulateur-oidc")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    server = Server((args.host, args.port), (args.client_id, args.client_secret))
    logger.info("OIDC stand-in on %s", server.provider.issuer)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
