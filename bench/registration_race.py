"""Benchmark: 500 people racing for a 100-seat session (capacity under concurrency).

Usage::

    .venv/bin/python bench/registration_race.py [--users 500] [--capacity 100]
        [--concurrency 48]

What it does (prints figures, asserts nothing, exits 1 if the outcome is wrong):

1. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_race``) and
   migrates it.
2. Publishes one training with one AUTOMATIC session of ``--capacity`` seats
   with a waitlist, and creates ``--users`` distinct teachers.
3. Releases every registration at once: ``--concurrency`` threads, each with
   its own database connection (so real concurrent transactions that all
   contend for the same session row lock), call
   ``catalogue.services.register_for_session`` for one person at a time until
   everyone has registered. E-mails are queued after commit as in production
   (Celery, broker ``REDIS_URL``; the queue is purged at the end).
4. Prints accepted / waitlisted / errors, elapsed time, throughput and the
   p50/p95/max latency of one registration, then checks the database: the
   session's ``seats_taken`` and the number of accepted rows must both equal the
   capacity, and every person must hold exactly one registration.

Expected with the defaults: exactly 100 accepted, 400 waitlisted, 0 errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from queue import Empty, Queue
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import prepare_environment  # noqa: E402

ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tremplin_bench_race",
    "REDIS_URL": "redis://127.0.0.1:6379/6",
    "DJANGO_SETTINGS_MODULE": "lms.settings.test",
    "TREMPLIN_VAR_DIR": tempfile.mkdtemp(prefix="tremplin-bench-"),
    "LOG_LEVEL": "WARNING",
}
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from wagtail.models import Site  # noqa: E402

from catalogue import services  # noqa: E402
from catalogue.errors import RegistrationError  # noqa: E402
from catalogue.models import (  # noqa: E402
    AudienceFunction,
    CatalogueIndexPage,
    Registration,
    Session,
    SessionDay,
    TrainingPage,
)
from lms.models import RoleAssignment, User  # noqa: E402
from lms.roles import Role  # noqa: E402


def create_session(capacity: int, run: str) -> Session:
    """A live training with one open AUTOMATIC session with a waitlist."""
    index = CatalogueIndexPage.objects.first()
    if index is None:
        root = Site.objects.get(is_default_site=True).root_page
        index = CatalogueIndexPage(title="Catalogue", slug="formations")
        root.add_child(instance=index)
        index.save_revision().publish()
    training = TrainingPage(
        title=f"Course aux places {run}",
        slug=f"course-aux-places-{run}",
        code=f"BENCH-{run}",
        summary="Session très demandée.",
        modality="presentiel",
    )
    training.audiences = list(AudienceFunction.objects.filter(code="enseignant"))
    index.add_child(instance=training)
    training.save_revision().publish()
    starts = timezone.localdate() + dt.timedelta(days=30)
    session = Session.objects.create(
        training=training,
        code=f"BENCH-{run}-S1",
        starts_on=starts,
        ends_on=starts,
        capacity=capacity,
        has_waitlist=True,
        status=Session.Status.OPEN,
        policy=Session.Policy.AUTOMATIC,
        address="Rue de la Formation 1",
        postal_code="5000",
        city="Namur",
        province="namur",
        registration_closes_at=timezone.now() + dt.timedelta(days=20),
    )
    SessionDay.objects.create(
        session=session, date=starts, start_time=dt.time(9), end_time=dt.time(16)
    )
    return session


def create_users(count: int, run: str) -> list[User]:
    from django.contrib.auth.hashers import make_password

    UNUSABLE_PASSWORD = make_password(None)  # noqa: N806 - one value for all rows
    users = User.objects.bulk_create(
        [
            User(
                email=f"race-{run}-{n}@bench.test",
                first_name="Prof",
                last_name=f"N°{n}",
                password=UNUSABLE_PASSWORD,
            )
            for n in range(count)
        ]
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.TEACHER) for u in users]
    )
    return list(User.objects.filter(email__startswith=f"race-{run}-"))


start_event: Any = None


def race(session: Session, users: list[User], concurrency: int) -> dict:
    queue: Queue[User] = Queue()
    for user in users:
        queue.put(user)
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)

    def worker() -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            while True:
                try:
                    user = queue.get_nowait()
                except Empty:
                    return
                started = time.perf_counter()
                try:
                    result = services.register_for_session(user, session).status
                except RegistrationError as error:
                    result = f"error:{error.code}"
                    errors.append(str(error))
                except Exception as error:  # noqa: BLE001 - counted and reported
                    result = "error:crash"
                    errors.append(repr(error))
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    outcomes[result] += 1
                    latencies.append(elapsed)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "outcomes": outcomes,
        "latencies": sorted(latencies),
        "elapsed": elapsed,
        "errors": errors,
    }


def _process_main(args: tuple[int, list[int], int, Any]) -> None:
    """Child process: race its share of users on its own connections."""
    session_id, user_ids, threads, results = args
    session = Session.objects.get(pk=session_id)
    users = list(User.objects.filter(pk__in=user_ids))
    connection.close()
    start_event.wait()
    result = race(session, users, threads)
    results.put((dict(result["outcomes"]), result["latencies"], result["errors"][:5]))


def race_processes(
    session: Session, users: list[User], processes: int, threads: int
) -> dict:
    """Fork ``processes`` children, each racing with ``threads`` connections."""
    import multiprocessing

    global start_event
    context = multiprocessing.get_context("fork")
    start_event = context.Event()
    results = context.Queue()
    shares = [[u.pk for u in users[i::processes]] for i in range(processes)]
    connection.close()
    children = [
        context.Process(
            target=_process_main, args=((session.pk, share, threads, results),)
        )
        for share in shares
    ]
    for child in children:
        child.start()
    time.sleep(2.0)  # let every child load its users and open its connections
    started = time.perf_counter()
    start_event.set()
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    for _ in children:
        part_outcomes, part_latencies, part_errors = results.get()
        outcomes.update(part_outcomes)
        latencies += part_latencies
        errors += part_errors
    elapsed = time.perf_counter() - started
    for child in children:
        child.join()
    return {
        "outcomes": outcomes,
        "latencies": sorted(latencies),
        "elapsed": elapsed,
        "errors": errors,
    }


def http_race(
    session: Session, users: list[User], concurrency: int, workers: int
) -> dict:
    """The same race through the real HTTP endpoint served by uvicorn.

    Every person has a signed-in session (created in the database, as a login
    would) and a CSRF token; ``concurrency`` connections POST the registration
    form at once to ``uvicorn lms.asgi:application --workers N``.
    """
    import asyncio
    import socket
    import subprocess

    import httpx
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    backend = settings.AUTHENTICATION_BACKENDS[0]
    csrf = secrets.token_hex(16)  # a 32-character secret is a valid token
    session_keys = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        session_keys.append(store.session_key)
    connection.close()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - fixed argument list
        [
            sys.executable,
            "-m",
            "uvicorn",
            "lms.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        # Under ASGI every request runs in a fresh thread: persistent
        # connections would pile up (one per dead thread) until PostgreSQL
        # refuses new clients, so the server closes them after each request.
        env={
            **os.environ,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "0"),
        },
    )
    base = f"http://127.0.0.1:{port}"
    url = f"/catalogue/sessions/{session.pk}/register/"

    async def drive() -> dict:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=base, limits=limits, timeout=120
        ) as client:
            for _attempt in range(300):
                try:
                    if (await client.get("/healthz")).status_code < 500:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            gate = asyncio.Semaphore(concurrency)
            latencies: list[float] = []
            codes: Counter[str] = Counter()

            async def one(key: str) -> None:
                async with gate:
                    started = time.perf_counter()
                    response = await client.post(
                        url,
                        data={"csrfmiddlewaretoken": csrf},
                        cookies={
                            settings.SESSION_COOKIE_NAME: key,
                            settings.CSRF_COOKIE_NAME: csrf,
                        },
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    codes[str(response.status_code)] += 1

            started = time.perf_counter()
            await asyncio.gather(*(one(key) for key in session_keys))
            return {
                "latencies": sorted(latencies),
                "elapsed": time.perf_counter() - started,
                "codes": codes,
            }

    try:
        result = asyncio.run(drive())
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    outcomes: Counter[str] = Counter(
        Registration.objects.filter(session=session).values_list("status", flat=True)
    )
    bad = sum(n for code, n in result["codes"].items() if code != "302")
    if bad:
        outcomes["error:http"] = bad
    result["outcomes"] = outcomes
    result["errors"] = [
        f"HTTP {code}: {n}" for code, n in result["codes"].items() if code != "302"
    ]
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument(
        "--concurrency", type=int, default=48, help="connections in flight in all"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes (threads are split among them; 1 = threads only)",
    )
    parser.add_argument(
        "--http",
        action="store_true",
        help="POST the registration form to uvicorn instead of calling the service",
    )
    parser.add_argument("--http-workers", type=int, default=2)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    run = f"{int(time.time())}{secrets.token_hex(2)}"
    session = create_session(args.capacity, run)
    users = create_users(args.users, run)
    connection.close()

    if args.http:
        result = http_race(session, users, args.concurrency, args.http_workers)
    elif args.processes > 1:
        result = race_processes(
            session, users, args.processes, max(1, args.concurrency // args.processes)
        )
    else:
        result = race(session, users, args.concurrency)
    outcomes, latencies, elapsed = (
        result["outcomes"],
        result["latencies"],
        result["elapsed"],
    )
    accepted = outcomes.get(Registration.Status.ACCEPTED, 0)
    waitlisted = outcomes.get(Registration.Status.WAITLISTED, 0)
    errors = sum(n for key, n in outcomes.items() if key.startswith("error"))

    session.refresh_from_db()
    rows = Registration.objects.filter(session=session)
    db_accepted = rows.filter(status=Registration.Status.ACCEPTED).count()
    db_waitlisted = rows.filter(status=Registration.Status.WAITLISTED).count()
    distinct_people = rows.values("user").distinct().count()

    mode = (
        f"HTTP POSTs to uvicorn ({args.http_workers} workers)"
        if args.http
        else f"service calls in {args.processes} process(es)"
    )
    print(
        f"registration race: {args.users} people, {args.capacity} seats, "
        f"{args.concurrency} concurrent connections, {mode}, PostgreSQL "
        f"{connection.settings_dict['NAME']}"
    )
    print(f"  accepted     {accepted}")
    print(f"  waitlisted   {waitlisted}")
    print(f"  errors       {errors}")
    for message in result["errors"][:5]:
        print(f"    {message}")
    print(f"  elapsed      {elapsed:.2f} s")
    print(f"  throughput   {len(latencies) / elapsed:.0f} registrations/s")
    print(
        f"  latency      p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, max {latencies[-1]:.1f} ms"
    )
    print(
        f"  database     seats_taken={session.seats_taken} status={session.status} "
        f"accepted rows={db_accepted} waitlisted rows={db_waitlisted} "
        f"people={distinct_people}"
    )
    ok = (
        accepted == db_accepted == session.seats_taken == args.capacity
        and waitlisted == db_waitlisted == args.users - args.capacity
        and errors == 0
        and distinct_people == args.users
    )
    print(f"  verdict      {'OK' if ok else 'WRONG'}")
    try:
        from lms.celery import app

        app.control.purge()
    except Exception:  # noqa: BLE001, S110 - the broker is optional here
        pass
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
