"""The configured BBB servers and which one a class uses.

``BBB_URL`` and ``BBB_SECRET`` hold one value, or comma-separated lists of the
same length for several servers (a Scalelite endpoint counts as one). A class
is put on the server with the fewest scheduled or running classes in its time
range when it is first created on BBB, and stays there (``VirtualClass.server``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .client import BbbClient


@dataclass(frozen=True, slots=True)
class BbbServer:
    key: str
    url: str
    secret: str
    algorithm: str


def configured_servers() -> list[BbbServer]:
    urls = [u.strip() for u in settings.BBB_URL.split(",") if u.strip()]
    secrets = [s.strip() for s in settings.BBB_SECRET.split(",") if s.strip()]
    if not urls or len(urls) != len(secrets):
        raise ImproperlyConfigured("BBB_URL and BBB_SECRET must list as many values")
    algorithm = settings.BBB_CHECKSUM_ALGORITHM
    return [
        BbbServer(key=f"bbb{index + 1}", url=url, secret=secret, algorithm=algorithm)
        for index, (url, secret) in enumerate(zip(urls, secrets, strict=True))
    ]


def server_by_key(key: str) -> BbbServer:
    servers = configured_servers()
    for server in servers:
        if server.key == key:
            return server
    # A server removed from the configuration: fall back to the first one.
    return servers[0]


def pick_server(virtual_class) -> BbbServer:  # noqa: ANN001 (model, avoids import)
    """The server for a class being created on BBB (least busy at that time)."""
    servers = configured_servers()
    if len(servers) == 1:
        return servers[0]
    from django.db.models import Count

    from live.models import VirtualClass

    busy = dict(
        VirtualClass.objects.filter(status=VirtualClass.Status.RUNNING)
        .values_list("server")
        .annotate(n=Count("id"))
        .values_list("server", "n")
    )
    return min(servers, key=lambda server: (busy.get(server.key, 0), server.key))


def client_for(virtual_class) -> BbbClient:  # noqa: ANN001
    """A client for the server of ``virtual_class`` (``server`` must be set, or
    the first configured server is used)."""
    server = (
        server_by_key(virtual_class.server)
        if virtual_class.server
        else configured_servers()[0]
    )
    return BbbClient(
        server.url,
        server.secret,
        algorithm=server.algorithm,
        timeout=settings.BBB_TIMEOUT_SECONDS,
    )


def secret_for(virtual_class) -> str:  # noqa: ANN001
    """The shared secret of the server of ``virtual_class`` (callbacks)."""
    if virtual_class.server:
        return server_by_key(virtual_class.server).secret
    return configured_servers()[0].secret
