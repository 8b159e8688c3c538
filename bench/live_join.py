"""Benchmark: 500 learners joining one virtual class within one minute.

Usage::

    .venv/bin/python bench/live_join.py [--learners 500] [--seconds 60]
        [--workers 2] [--no-follow]

What it does (prints figures, asserts nothing, exits 1 if a join failed):

1. Starts the BBB stand-in (``python -m live.bbb_standin``) on a free port and
   points Tremplin at it (``BBB_URL``, ``BBB_SECRET``, SHA-256 checksums).
2. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_live``), with
   one cohort of ``--learners`` active learners, and schedules a fresh class
   that started 5 minutes ago (join window open). The BBB meeting does not
   exist yet: the first join creates it (``create`` is called at every join,
   under the class row lock, as ``live.classes.join`` does).
3. Starts ``uvicorn lms.asgi:application`` with the production settings and
   signs every learner in (session cookie, CSRF cookie + header).
4. Each learner sends the join POST (``live:class_join``) once, at evenly
   spaced moments over ``--seconds``, on their own connection; the 302 to BBB
   is then followed on the stand-in (not timed) unless ``--no-follow``, so the
   meeting fills up as in real life.
5. Prints p50/p95/max of the join request, statuses, and checks the join
   requests recorded and the participants BBB (the stand-in) reports.

Target (issue 6): join request p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import string
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_support import (  # noqa: E402
    ensure_cohort,
    fresh_class,
    start_standin,
)
from bench.support import (  # noqa: E402
    BENCH_HOST,
    HttpConnection,
    free_port,
    load_average,
    percentile,
    prepare_environment,
    production_env,
    start_server,
    use_uvloop,
)

HOST = BENCH_HOST
COHORT_CODE = "BENCH-LIVE-JOIN"
# production + stand-in
ENV_DEFAULTS = production_env("live", 13, settings="bench.live_settings")

STANDIN = start_standin()
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.urls import reverse  # noqa: E402

from live.models import JoinRequest, VirtualClass  # noqa: E402
from lms.models import User  # noqa: E402


def session_cookies(users: list[User]) -> list[tuple[str, str]]:
    """One signed-in session per learner and a CSRF cookie: (Cookie, token)."""
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    name = settings.SESSION_COOKIE_NAME
    alphabet = string.ascii_letters + string.digits
    cookies = []
    for user in users:
        client.force_login(user)
        csrf = "".join(secrets.choice(alphabet) for _ in range(32))
        cookies.append(
            (
                f"{name}={client.cookies[name].value}; "
                f"{settings.CSRF_COOKIE_NAME}={csrf}",
                csrf,
            )
        )
        client.cookies.clear()
    return cookies


async def _exchange(port: int, head: str) -> tuple[int, str]:
    """One request on a fresh connection: status and ``Location`` (read up to the
    end of the body, without waiting for the server to close)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode())
    await writer.drain()
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
    await reader.readexactly(int(fields.get("content-length") or 0))
    writer.close()
    return int(lines[0].split()[1]), fields.get("location", "")


async def one_join(
    port: int, path: str, cookie: tuple[str, str], follow: bool
) -> tuple[float, int]:
    """A learner's join POST (timed), then the browser following it to BBB."""
    session, csrf = cookie
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nCookie: {session}\r\n"
        f"X-CSRFToken: {csrf}\r\nOrigin: https://{HOST}\r\n"
        f"Referer: https://{HOST}{path}\r\nAccept-Language: fr-BE\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n"
        "X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
    )
    started = time.perf_counter()
    status, location = await _exchange(port, head)
    elapsed = (time.perf_counter() - started) * 1000
    target = urlsplit(location)
    if follow and status == 302 and location.startswith(STANDIN.url.split("/big")[0]):
        await _exchange(
            target.port or 80,
            f"GET {target.path}?{target.query} HTTP/1.1\r\nHost: {target.netloc}"
            "\r\nConnection: close\r\n\r\n",
        )
    return elapsed, status


async def run_joins(
    port: int,
    path: str,
    cookies: list[tuple[str, str]],
    seconds: float,
    follow: bool,
) -> tuple[list[float], dict[int, int], float]:
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5
    gap = seconds / max(1, len(cookies))

    async def scheduled(index: int, cookie: tuple[str, str]) -> tuple[float, int]:
        await asyncio.sleep(max(0.0, start + index * gap - loop.time()))
        return await one_join(port, path, cookie, follow)

    began = time.perf_counter()
    results = await asyncio.gather(
        *(scheduled(i, cookie) for i, cookie in enumerate(cookies))
    )
    wall = time.perf_counter() - began
    statuses: dict[int, int] = {}
    for _elapsed, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    return [r[0] for r in results], statuses, wall


async def warm_up(port: int, path: str, cookie: tuple[str, str], count: int) -> None:
    session, _csrf = cookie
    connection = HttpConnection(port, HOST)
    for _ in range(count):
        await connection.get(path, f"Cookie: {session}\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-follow", action="store_true")
    args = parser.parse_args()

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        cohort = ensure_cohort(COHORT_CODE, args.learners)
        VirtualClass.objects.filter(cohort=cohort).delete()
        virtual_class = fresh_class(cohort)
        learners = list(
            User.objects.filter(cohort_enrolments__cohort=cohort).order_by("pk")[
                : args.learners
            ]
        )
        cookies = session_cookies(learners)
        print(
            f"prepared {len(learners)} learners, class {virtual_class.uuid} and "
            f"sessions in {time.perf_counter() - started:.1f} s"
        )
        call_command("collectstatic", interactive=False, verbosity=0)
        join_path = reverse("live:class_join", args=[virtual_class.uuid])
        detail_path = reverse("live:class_detail", args=[virtual_class.uuid])
        db.close()

        port = free_port()
        load_before = load_average()
        server = start_server(ROOT, port, args.workers, "lms.asgi:application")
        try:
            use_uvloop()
            asyncio.run(warm_up(port, detail_path, cookies[0], args.workers * 5))
            latencies, statuses, wall = asyncio.run(
                run_joins(port, join_path, cookies, args.seconds, not args.no_follow)
            )
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

        requests = JoinRequest.objects.filter(virtual_class=virtual_class).count()
        meeting = STANDIN.control("state")["meetings"].get(virtual_class.meeting_id)
        print(
            f"\nLive join: {len(cookies)} learners over {args.seconds:.0f} s "
            f"(one POST each, own connection), uvicorn --workers {args.workers}, "
            f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, BBB = stand-in "
            f"(SHA-256), load before {load_before}"
        )
        print(
            f"  join POST  n={len(latencies)}  p50 {percentile(latencies, 0.5):6.1f} ms"
            f"  p95 {percentile(latencies, 0.95):6.1f} ms"
            f"  max {max(latencies):6.1f} ms  statuses {statuses}"
            f"  (wall {wall:.1f} s)"
        )
        print(
            f"  join requests recorded: {requests}; BBB create calls: "
            f"{meeting['createCalls'] if meeting else 0}; participants in the "
            f"meeting: {meeting['participantCount'] if meeting else 0}"
        )
        print("  target: p95 < 200 ms")
        if statuses.get(302, 0) != len(cookies):
            sys.exit(1)
    finally:
        STANDIN.stop()


if __name__ == "__main__":
    main()
