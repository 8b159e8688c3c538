"""Benchmark: chat broadcast to 1,000 WebSocket clients in one cohort room.

Usage::

    .venv/bin/python bench/chat_broadcast.py [--learners 1000] [--messages 50]
        [--senders 10] [--rate 5]

What it does (prints figures, asserts nothing, exits 1 when deliveries are lost
or doubled):

1. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_chat``),
   migrates it, and creates one cohort with ``--learners`` active learners (bulk
   rows; reused on later runs) and a signed-in Django session for each of them
   (written to the session store directly: no login round trips).
2. Starts ``uvicorn lms.asgi:application`` with ONE worker and the production
   settings (Redis channel layer and cache on ``REDIS_URL``, default db 9), with
   the open-file limit raised for 1,000 sockets.
3. Opens one WebSocket per learner to ``/ws/tutoring/<id>/chat/`` from this
   single asyncio process (the ``websockets`` library), each sending ``hello``
   as the browser client does.
4. ``--senders`` of them post ``--messages`` messages in total at a steady
   ``--rate`` per second (within the per-user rate limit); every message is
   matched by its client id at every receiver.
5. Prints the broadcast latency from send to each receiver (p50 / p95 / max),
   the time until the last receiver has a message, the ack latency, and the
   lost and duplicated deliveries (expected: learners × messages, each once),
   plus the server's peak RSS and CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    free_port,
    load_average,
    prepare_environment,
    start_server,
    use_uvloop,
)

SITE_HOST = "tremplin.bench.test"
CONTENT_HOST = "content.bench.test"
ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tremplin_bench_chat",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
    "ALLOWED_HOSTS": f"127.0.0.1,localhost,{SITE_HOST},{CONTENT_HOST}",
    "CONTENT_ORIGIN": f"https://{CONTENT_HOST}",
    "SITE_URL": f"https://{SITE_HOST}",
    "TREMPLIN_VAR_DIR": tempfile.mkdtemp(prefix="tremplin-bench-"),
    "LOG_LEVEL": "WARNING",
}
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from lms.models import RoleAssignment, User  # noqa: E402
from lms.roles import Role  # noqa: E402
from tutoring.models import ChatMessage, Cohort, Enrolment  # noqa: E402

COHORT_CODE = "BENCH-CHAT"


def raise_open_file_limit(wanted: int) -> int:
    """Raise the soft limit of open files (inherited by the server process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def prepare_cohort(learners: int) -> tuple[Cohort, list[User]]:
    """The benchmark cohort with ``learners`` active learners (created once)."""
    today = timezone.localdate()
    with transaction.atomic():
        cohort, _ = Cohort.objects.get_or_create(
            code=COHORT_CODE,
            defaults={
                "title": "Cohorte de charge (chat)",
                "starts_on": today,
                "ends_on": today.replace(year=today.year + 1),
            },
        )
        have = Enrolment.objects.filter(cohort=cohort).count()
        if have < learners:
            password = make_password(None)
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"chat-{n}@bench.test",
                        first_name="Prof",
                        last_name=f"N°{n:04d}",
                        password=password,
                    )
                    for n in range(have, learners)
                ]
            )
            RoleAssignment.objects.bulk_create(
                [RoleAssignment(user=u, role=Role.TEACHER) for u in users]
            )
            now = timezone.now()
            Enrolment.objects.bulk_create(
                [Enrolment(cohort=cohort, user=u, enrolled_at=now) for u in users]
            )
    people = list(
        User.objects.filter(
            cohort_enrolments__cohort=cohort,
            cohort_enrolments__status=Enrolment.Status.ACTIVE,
        ).order_by("pk")[:learners]
    )
    return cohort, people


def session_cookies(users: list[User]) -> list[str]:
    """A signed-in session per user, written straight to the session store."""
    backend = settings.AUTHENTICATION_BACKENDS[0]
    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return cookies


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def server_stats(pid: int) -> tuple[float, float]:
    """(peak RSS in MB, CPU seconds) of the server process."""
    peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return peak, (int(fields[11]) + int(fields[12])) / ticks


class Client:
    """One learner's socket: records when each message (by client id) arrives."""

    def __init__(self, index: int, user_id: int, cookie: str) -> None:
        self.index = index
        self.user_id = user_id
        self.cookie = cookie
        self.socket = None
        self.received: list[tuple[str, float]] = []
        self.acks: dict[str, float] = {}
        self.errors: Counter[str] = Counter()
        self.history = asyncio.Event()

    async def open(self, url: str) -> None:
        from websockets.asyncio.client import connect

        self.socket = await connect(
            url,
            additional_headers={"Cookie": self.cookie},
            origin=f"https://{SITE_HOST}",
            open_timeout=120,
            ping_interval=None,
            max_queue=None,
        )
        await self.socket.send(json.dumps({"type": "hello", "last_id": None}))

    async def read(self) -> None:
        async for raw in self.socket:
            now = time.perf_counter()
            data = json.loads(raw)
            kind = data.get("type")
            if kind == "message":
                self.received.append((data["message"]["client_id"], now))
            elif kind == "ack":
                self.acks[data["client_id"]] = now
            elif kind == "history":
                self.history.set()
            elif kind == "error":
                self.errors[data.get("code", "?")] += 1


async def run(args: argparse.Namespace, port: int, cohort: Cohort, users, cookies):
    url = f"ws://127.0.0.1:{port}/ws/tutoring/{cohort.pk}/chat/"
    clients = [
        Client(n, u.pk, c) for n, (u, c) in enumerate(zip(users, cookies, strict=True))
    ]
    gate = asyncio.Semaphore(args.connect_concurrency)
    failures: Counter[str] = Counter()

    async def open_one(client: Client) -> None:
        async with gate:
            try:
                await client.open(url)
            except Exception as error:  # noqa: BLE001 - counted and reported
                failures[type(error).__name__] += 1

    started = time.perf_counter()
    await asyncio.gather(*(open_one(c) for c in clients))
    connected = [c for c in clients if c.socket is not None]
    readers = [asyncio.create_task(c.read()) for c in connected]
    await asyncio.wait_for(
        asyncio.gather(*(c.history.wait() for c in connected)), timeout=300
    )
    connect_seconds = time.perf_counter() - started
    print(
        f"connected {len(connected)}/{len(clients)} sockets with history in "
        f"{connect_seconds:.1f} s ({len(connected) / connect_seconds:.0f}/s)"
        + (f"; failures {dict(failures)}" if failures else "")
    )
    # Let the presence broadcasts of the ramp-up settle.
    await asyncio.sleep(3)
    for client in connected:
        client.received.clear()

    senders = connected[: args.senders]
    sent: dict[str, float] = {}
    interval = 1 / args.rate
    begin = time.perf_counter()
    for n in range(args.messages):
        target = begin + n * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        client_id = str(uuid.uuid4())
        sender = senders[n % len(senders)]
        sent[client_id] = time.perf_counter()
        await sender.socket.send(
            json.dumps(
                {"type": "message", "client_id": client_id, "body": f"Message {n}"}
            )
        )
    expected = len(connected) * len(sent)
    deadline = time.perf_counter() + args.drain_seconds
    while time.perf_counter() < deadline:
        total = sum(1 for c in connected for cid, _ in c.received if cid in sent)
        if total >= expected:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # late duplicates, if any

    latencies: list[float] = []
    last_arrival: dict[str, float] = defaultdict(float)
    delivered = duplicates = 0
    for client in connected:
        counts = Counter(cid for cid, _ in client.received if cid in sent)
        delivered += len(counts)
        duplicates += sum(n - 1 for n in counts.values())
        seen: set[str] = set()
        for cid, at in client.received:
            if cid in sent and cid not in seen:
                seen.add(cid)
                latency = at - sent[cid]
                latencies.append(latency)
                last_arrival[cid] = max(last_arrival[cid], latency)
    ack_latencies = [
        at - sent[cid] for s in senders for cid, at in s.acks.items() if cid in sent
    ]
    errors = sum((c.errors for c in connected), Counter())
    for client in connected:
        await client.socket.close()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return {
        "connected": len(connected),
        "messages": len(sent),
        "expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "duplicates": duplicates,
        "latencies": latencies,
        "fanout": list(last_arrival.values()),
        "acks": ack_latencies,
        "errors": dict(errors),
        "connect_seconds": connect_seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--drain-seconds", type=float, default=30.0)
    args = parser.parse_args()

    limit = raise_open_file_limit(args.learners * 2 + 1024)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    cohort, users = prepare_cohort(args.learners)
    ChatMessage.objects.filter(cohort=cohort).delete()
    cookies = session_cookies(users)
    print(
        f"cohort {cohort.code}: {len(users)} learners, sessions ready in "
        f"{time.perf_counter() - started:.1f} s (open-file limit {limit})"
    )
    # Forget the rate-limit counters and presence of an earlier run.
    from django.core.cache import cache

    cache.clear()
    db.close()

    port = free_port()
    load_before = load_average()
    server = start_server(ROOT, port, 1, "lms.asgi:application")
    try:
        use_uvloop()
        _, cpu_before = server_stats(server.pid)
        result = asyncio.run(run(args, port, cohort, users, cookies))
        peak, cpu_after = server_stats(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = ChatMessage.objects.filter(cohort=cohort).count()
    lat = [v * 1000 for v in result["latencies"]]
    fan = [v * 1000 for v in result["fanout"]]
    acks = [v * 1000 for v in result["acks"]]
    print(f"load average before: {load_before}")
    print(
        f"{result['messages']} messages at {args.rate:g}/s from {args.senders} senders "
        f"to {result['connected']} sockets; stored {stored}"
    )
    print(
        f"broadcast latency (send → each receiver): p50 {statistics.median(lat):.0f} ms, "
        f"p95 {percentile(lat, 95):.0f} ms, max {max(lat):.0f} ms"
        if lat
        else "no deliveries"
    )
    if fan:
        print(
            f"until the last receiver: p50 {statistics.median(fan):.0f} ms, "
            f"p95 {percentile(fan, 95):.0f} ms, max {max(fan):.0f} ms"
        )
    if acks:
        print(
            f"ack latency: p50 {statistics.median(acks):.0f} ms, max {max(acks):.0f} ms"
        )
    print(
        f"deliveries: expected {result['expected']}, delivered {result['delivered']}, "
        f"lost {result['lost']}, duplicated {result['duplicates']}; "
        f"errors {result['errors'] or 0}"
    )
    print(
        f"server: peak RSS {peak:.0f} MB, CPU {cpu_after - cpu_before:.1f} s during "
        f"the run (connect {result['connect_seconds']:.1f} s)"
    )
    ok = (
        result["lost"] == 0
        and result["duplicates"] == 0
        and stored == result["messages"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
