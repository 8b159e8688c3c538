"""Real OpenID Connect providers as processes on loopback, for the sign-in tests.

``ProviderProcess.mock()`` runs ``oidc-provider-mock`` (a complete provider:
claims per person with ``set_user``, consent with ``authorize``);
``ProviderProcess.standin()`` runs ``lms.oidc_standin`` (fault injection with
``configure``). ``settings_for(settings, provider)`` points Tremplin at one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.process_support import ServerProcess, free_port

CLIENT_ID = "tremplin-tests"
CLIENT_SECRET = "secret-des-tests-oidc"


@dataclass
class ProviderProcess(ServerProcess):
    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def _start(cls, command: list[str], port: int) -> ProviderProcess:
        provider = cls(port=port)
        discovery = provider.issuer + "/.well-known/openid-configuration"
        provider.launch(
            command,
            lambda: httpx.get(discovery, timeout=1).status_code == 200,
            name="OIDC provider",
            timeout=30,
        )
        return provider

    @classmethod
    def mock(cls) -> ProviderProcess:
        """``oidc-provider-mock``; nonce required, clients need no registration."""
        port = free_port()
        return cls._start(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--port",
                str(port),
                "--require-nonce",
            ],
            port,
        )

    @classmethod
    def standin(cls) -> ProviderProcess:
        port = free_port()
        return cls._start(
            [
                sys.executable,
                "-m",
                "lms.oidc_standin",
                "--port",
                str(port),
                "--client-id",
                CLIENT_ID,
                f"--client-secret={CLIENT_SECRET}",
            ],
            port,
        )

    # --- oidc-provider-mock ----------------------------------------------------
    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """The claims the mock gives ``sub`` (standard ones filtered by scope)."""
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Consent as ``sub`` on the mock's form; the redirect back to Tremplin."""
        response = httpx.post(authorize_url, data={"sub": sub}, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    # --- stand-in ---------------------------------------------------------------
    def configure(self, **config: Any) -> None:
        """``claims=``, ``fault=``, ``delay=`` of the stand-in."""
        response = httpx.post(f"{self.issuer}/_standin/config", json=config, timeout=5)
        response.raise_for_status()

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.issuer}/_standin/state", timeout=5).json()

    def consent(self, authorize_url: str) -> str:
        """The stand-in consents at once: the redirect back to Tremplin."""
        response = httpx.get(authorize_url, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def settings_for(settings: Any, provider: ProviderProcess, **extra: Any) -> None:
    """Point Tremplin at ``provider`` (and forget cached discovery)."""
    from django.core.cache import cache

    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_TIMEOUT_SECONDS = 2
    for name, value in extra.items():
        setattr(settings, name, value)
    cache.clear()


def local_path(url: str) -> str:
    """``http://testserver/x?y`` → ``/x?y`` for Django's test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
