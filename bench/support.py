"""Shared parts of the benchmarks: environment and database, uvicorn, HTTP client."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from pathlib import Path

#: The host name benchmark requests are sent to.
BENCH_HOST = "tremplin.bench.test"


def prepare_environment(defaults: dict[str, str]) -> None:
    """Apply ``defaults`` to unset variables, then create the benchmark database.

    The database named by ``DATABASE_URL`` is created (empty) when it does not
    exist yet; migrations run later, once Django is set up.
    """
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    if os.environ.get("DJANGO_SETTINGS_MODULE") == "lms.settings.production":
        for name, value in _production_placeholders().items():
            os.environ.setdefault(name, value)
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def production_env(
    name: str, redis_db: int, *, settings: str = "lms.settings.production"
) -> dict[str, str]:
    """The usual ``ENV_DEFAULTS`` of a benchmark served as in production: its
    own database ``tremplin_bench_<name>`` and Redis database, a throwaway
    secret key and var directory, the host ``BENCH_HOST``."""
    import secrets
    import tempfile

    return {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/tremplin_bench_{name}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": f"127.0.0.1,localhost,{BENCH_HOST},testserver",
        "CONTENT_ORIGIN": "https://content.bench.test",
        "SITE_URL": f"https://{BENCH_HOST}",
        "TREMPLIN_VAR_DIR": tempfile.mkdtemp(prefix=f"tremplin-bench-{name}-"),
        "LOG_LEVEL": "WARNING",
    }


def _production_placeholders() -> dict[str, str]:
    """Outside systems production requires and a benchmark does not exercise:
    placeholders (never contacted) and a throwaway signing key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "BBB_URL": "https://bbb.bench.invalid/bigbluebutton/",
        "BBB_SECRET": "bench-bbb-secret",
        "ATTESTATION_SIGNING_KEYS_PEM": pem.decode(),
        "STAFF_SPACE_URL": "https://staff-space.bench.invalid/api",
        "STAFF_SPACE_TOKEN": "bench-staff-space-token",
    }


# --- The benchmark server and a minimal keep-alive HTTP/1.1 client -------------------


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path, port: int, workers: int, app: str) -> subprocess.Popen:
    """Start ``uvicorn APP --workers N`` on ``port`` and wait until it answers."""
    command = [
        str(root / ".venv/bin/uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]
    server = subprocess.Popen(command, cwd=root, env=os.environ.copy())  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(2)  # let every worker finish importing Django
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("uvicorn did not start")


class HttpConnection:
    """One keep-alive connection; cheap on CPU so the load generator stays light.

    ``host`` is the ``Host`` header; requests carry ``X-Forwarded-Proto: https``
    as behind the production TLS proxy. A dropped connection is reopened and the
    request retried (up to 3 tries).
    """

    def __init__(self, port: int, host: str) -> None:
        self.port = port
        self.host = host
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: str = "") -> tuple[int, bytes]:
        return await self.request("GET", path, b"", headers)

    async def post(
        self, path: str, body: bytes, content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        headers = f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        return await self.request("POST", path, body, headers)

    async def request(
        self, method: str, path: str, body: bytes, headers: str
    ) -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{headers}"
            "X-Forwarded-Proto: https\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        for attempt in range(3):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    "127.0.0.1", self.port
                )
            try:
                self.writer.write(head + body)
                await self.writer.drain()
                return await self._read_response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
                await asyncio.sleep(0.05)
        raise RuntimeError("unreachable")

    async def _read_response(self) -> tuple[int, bytes]:
        if self.reader is None:
            raise ConnectionError("not connected")
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = b""
        if headers.get("connection") == "close":
            self.writer = None
        return status, body


def worker_pids(server_pid: int) -> list[int]:
    """The uvicorn worker processes (children of the supervisor), or the server
    itself when it runs a single worker in-process."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server_pid:
            children.append(int(entry.name))
    return sorted(children) or [server_pid]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float:
    """CPU time so far of every PostgreSQL process on this machine."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("postgres"):
                total += cpu_seconds(int(entry.name))
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (``/proc/stat``)."""
    values = [
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def use_uvloop() -> None:
    """Run the load generator on uvloop when installed (lighter on the CPU it
    shares with the server)."""
    try:
        import uvloop
    except ImportError:
        return
    uvloop.install()


def load_average() -> str:
    """The 1/5/15-minute load averages, to print beside the figures."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values`` by the nearest-rank rule."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]
