"""Benchmark: the tutor dashboard of a 12,000-learner cohort with 20 activities.

Usage::

    .venv/bin/python bench/tutor_dashboard.py [--learners 12000] [--activities 20]
        [--requests 100] [--workers 2] [--reset]

What it does (prints figures, asserts nothing):

1. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_tutoring``),
   migrates it and, unless it already holds the cohort, bulk-creates a course
   run with ``--activities`` activities, a cohort with 6 groups and a lead
   tutor, and ``--learners`` teachers whose dashboard aggregates
   (``Enrolment.progress_percent``, ``activity_states``, scores, attendance,
   last activity, 2 % withdrawn) and the cohort's ``CohortActivityStat`` rows are
   written directly with plausible, varied values (no tracking rows).
2. Counts the SQL queries of the dashboard in-process (Django test client).
3. Starts ``uvicorn lms.asgi:application`` with the production settings and,
   signed in as the lead tutor (session cookie), sends ``--requests`` requests
   each, one at a time on a keep-alive connection, for the first page, a
   filtered page (flag + group + progress range) and a sorted page (last
   activity, then a middle page); then downloads the full CSV and XLSX exports.
4. Prints p50/p95/max latency per pass, export times and sizes, and the peak
   memory (VmHWM) of each uvicorn worker process, read from ``/proc``.

Targets (issue 5): first page p95 < 300 ms; full CSV < 10 s; peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
    worker_pids,
)

HOST = BENCH_HOST
COHORT_CODE = "BENCH-TUTORAT"
#: An unusable password hash (no hashing cost for 12,000 accounts).
UNUSABLE = "!bench"
ENV_DEFAULTS = production_env("tutoring", 12)
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from courses.models import Activity, Course, Module  # noqa: E402
from lms.models import RoleAssignment, User  # noqa: E402
from lms.roles import Role  # noqa: E402
from tutoring.models import (  # noqa: E402
    Cohort,
    CohortActivityStat,
    CohortGroup,
    CohortTutor,
    Enrolment,
)

FIRST_NAMES = [
    "Amélie", "Benoît", "Céline", "Damien", "Élodie", "François", "Géraldine",
    "Hélène", "Isabelle", "Jérôme", "Karine", "Laurent", "Maëlle", "Nicolas",
    "Océane", "Pierre", "Quentin", "Renée", "Sébastien", "Thérèse", "Ursule",
    "Valérie", "William", "Xavier", "Yasmine", "Zoé",
]  # fmt: skip
LAST_NAMES = [
    "Dupont", "Lambert", "Dubois", "Martin", "Peeters", "Janssens", "Maes",
    "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Lemaire", "Lefèvre", "Renard", "Collard", "Gérard", "Leclercq", "Noël",
    "François", "Simon", "Laurent", "Hubert", "Delvaux", "Piron", "Thiry",
]  # fmt: skip


def create_cohort(learners: int, activity_count: int, seed: int = 11) -> Cohort:
    """Bulk-create the run, cohort, tutor, groups, learners and aggregates."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        template = Course.objects.create(code="BENCH-TUT-T", title="Tutorat (modèle)")
        run = Course.objects.create(
            code="BENCH-TUT-R", title="Tutorat à grande échelle", source=template
        )
        modules = [
            Module.objects.create(course=run, position=i, title=f"Module {i + 1}")
            for i in range(4)
        ]
        kinds = [Activity.Kind.SCORM, Activity.Kind.PAGE, Activity.Kind.H5P]
        activities = Activity.objects.bulk_create(
            [
                Activity(
                    module=modules[i * len(modules) // activity_count],
                    position=i,
                    title=f"Activité {i + 1} : séquence {rng.choice(LAST_NAMES)}",
                    kind=kinds[i % len(kinds)],
                )
                for i in range(activity_count)
            ]
        )
        cohort = Cohort.objects.create(
            code=COHORT_CODE,
            title="Référentiel de compétences initiales 2019-20",
            course=run,
            starts_on=today - dt.timedelta(days=90),
            ends_on=today + dt.timedelta(days=90),
        )
        tutor = User.objects.create(
            email="tuteur.bench@example.test",
            first_name="Tina",
            last_name="Tutrice",
            password=UNUSABLE,
        )
        RoleAssignment.objects.create(user=tutor, role=Role.TUTOR)
        CohortTutor.objects.create(cohort=cohort, user=tutor, is_lead=True)
        groups = CohortGroup.objects.bulk_create(
            [CohortGroup(cohort=cohort, name=f"Groupe {i + 1}") for i in range(6)]
        )
        users = User.objects.bulk_create(
            [
                User(
                    email=f"apprenant{n:05d}@ecole.bench.test",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    password=UNUSABLE,
                )
                for n in range(learners)
            ],
            batch_size=2000,
        )
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, role=Role.TEACHER) for u in users],
            batch_size=4000,
        )
        stats = {a.pk: [0, 0] for a in activities}
        rows = []
        for user in users:
            profile = rng.random()
            if profile < 0.12:
                done = 0
            elif profile < 0.85:
                done = rng.randint(1, activity_count - 1)
            else:
                done = activity_count
            in_progress = 1 if 0 < done < activity_count and rng.random() < 0.6 else 0
            states = {}
            scores = []
            for index, activity in enumerate(activities):
                if index < done:
                    score = (
                        round(rng.uniform(40, 100), 1)
                        if activity.kind != Activity.Kind.PAGE
                        else None
                    )
                    states[str(activity.pk)] = {"state": "completed", "score": score}
                    if score is not None:
                        scores.append(score)
                elif index < done + in_progress:
                    states[str(activity.pk)] = {"state": "in_progress", "score": None}
            withdrawn = rng.random() < 0.02
            last = (
                now - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 45))
                if done or in_progress
                else None
            )
            rows.append(
                Enrolment(
                    cohort=cohort,
                    user=user,
                    group=rng.choice(groups),
                    status=(
                        Enrolment.Status.WITHDRAWN
                        if withdrawn
                        else Enrolment.Status.ACTIVE
                    ),
                    source=Enrolment.Source.REGISTRATION,
                    enrolled_at=now - dt.timedelta(days=rng.randint(60, 95)),
                    withdrawn_at=now if withdrawn else None,
                    progress_percent=done * 100 // activity_count,
                    completed_count=done,
                    started_at=(last - dt.timedelta(days=10)) if last else None,
                    last_activity_at=last,
                    average_score=(
                        Decimal(str(round(sum(scores) / len(scores), 2)))
                        if scores
                        else None
                    ),
                    attendance_percent=(
                        rng.choice([None, 50, 75, 100]) if rng.random() < 0.7 else None
                    ),
                    activity_states=states,
                )
            )
            if not withdrawn:
                for key, entry in states.items():
                    stats[int(key)][0] += 1
                    stats[int(key)][1] += int(entry["state"] == "completed")
        Enrolment.objects.bulk_create(rows, batch_size=2000)
        CohortActivityStat.objects.bulk_create(
            [
                CohortActivityStat(
                    cohort=cohort, activity_id=pk, started=s, completed=c
                )
                for pk, (s, c) in stats.items()
            ]
        )
    with db.cursor() as cursor:
        # Fresh bulk data: set the visibility map and statistics as autovacuum would.
        for model in (User, Enrolment, RoleAssignment):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return cohort


def session_cookie(user: User) -> str:
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def count_queries(cookie: str, paths: list[str]) -> list[int]:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    counts = []
    for path in paths:
        with CaptureQueriesContext(db) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        counts.append(len(captured))
    return counts


async def timed_pass(
    port: int, cookie: str, paths: list[str]
) -> tuple[list[float], dict[int, int]]:
    connection = HttpConnection(port, HOST)
    headers = f"Cookie: {cookie}\r\nAccept-Language: fr-BE\r\n"
    latencies, statuses = [], {}
    for path in paths:
        started = time.perf_counter()
        status, _body = await connection.get(path, headers)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return latencies, statuses


async def timed_download(port: int, cookie: str, path: str) -> tuple[float, int, int]:
    connection = HttpConnection(port, HOST)
    started = time.perf_counter()
    status, body = await connection.get(path, f"Cookie: {cookie}\r\n")
    return time.perf_counter() - started, status, len(body)


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(name: str, latencies: list[float], statuses: dict[int, int]) -> None:
    print(
        f"  {name:<44} n={len(latencies):>4}  p50 {percentile(latencies, 0.5):6.1f} ms"
        f"  p95 {percentile(latencies, 0.95):6.1f} ms  max {max(latencies):6.1f} ms"
        f"  statuses {statuses}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=12000)
    parser.add_argument("--activities", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reset", action="store_true", help="recreate the data")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    existing = Cohort.objects.filter(code=COHORT_CODE).first()
    if existing is not None and (
        args.reset or existing.enrolments.count() != args.learners
    ):
        with transaction.atomic():
            user_ids = list(existing.enrolments.values_list("user_id", flat=True))
            course = existing.course
            existing.delete()
            CohortTutor.objects.filter(cohort__code=COHORT_CODE).delete()
            User.objects.filter(pk__in=user_ids).delete()
            User.objects.filter(email="tuteur.bench@example.test").delete()
            if course is not None:
                template = course.source
                course.delete()
                if template is not None:
                    template.delete()
        existing = None
    started = time.perf_counter()
    if existing is None:
        cohort = create_cohort(args.learners, args.activities)
        print(
            f"created {args.learners} learners × {args.activities} activities "
            f"in {time.perf_counter() - started:.1f} s"
        )
    else:
        cohort = existing
    call_command("collectstatic", interactive=False, verbosity=0)
    tutor = User.objects.get(email="tuteur.bench@example.test")
    group = cohort.groups.order_by("name").first()
    base = f"/tutoring/{cohort.pk}/dashboard/"
    first_page = base
    filtered = f"{base}?group={group.pk}&flag=behind&progress_min=10&progress_max=80"
    sorted_page = f"{base}?sort=-last_activity&page=40"
    search = f"{base}?q=helene"
    cookie = session_cookie(tutor)
    queries = count_queries(cookie, [first_page, filtered, sorted_page, search])
    db.close()

    port = free_port()
    load_before = load_average()
    server = start_server(ROOT, port, args.workers, "lms.asgi:application")
    try:
        use_uvloop()
        asyncio.run(timed_pass(port, cookie, [first_page] * (args.workers * 5)))
        passes = [
            ("first page (default: name sort)", first_page),
            ("filtered (group+flag+progress range)", filtered),
            ("sorted by last activity, page 40", sorted_page),
            ("search « helene » (accent-insensitive)", search),
        ]
        results = [
            (name, *asyncio.run(timed_pass(port, cookie, [path] * args.requests)))
            for name, path in passes
        ]
        csv_time, csv_status, csv_bytes = asyncio.run(
            timed_download(port, cookie, f"/tutoring/{cohort.pk}/dashboard/export.csv")
        )
        xlsx_time, xlsx_status, xlsx_bytes = asyncio.run(
            timed_download(port, cookie, f"/tutoring/{cohort.pk}/dashboard/export.xlsx")
        )
        peaks = [peak_memory_mb(pid) for pid in worker_pids(server.pid)]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    active = cohort.enrolments.filter(status=Enrolment.Status.ACTIVE).count()
    print(
        f"\nTutor dashboard: cohort of {cohort.enrolments.count()} learners "
        f"({active} active) × {args.activities} activities, 1 client, keep-alive, "
        f"uvicorn --workers {args.workers}, PostgreSQL {db.pg_version // 10000}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, load before {load_before}"
    )
    for name, latencies, statuses in results:
        report(name, latencies, statuses)
    print(
        f"  SQL queries per page (first, filtered, sorted, search): "
        f"{', '.join(str(n) for n in queries)}"
    )
    print(
        f"  full CSV export: {csv_time:.2f} s, status {csv_status}, "
        f"{csv_bytes / 1e6:.1f} MB"
    )
    print(
        f"  full XLSX export: {xlsx_time:.2f} s, status {xlsx_status}, "
        f"{xlsx_bytes / 1e6:.1f} MB"
    )
    print(
        "  peak memory per worker (VmHWM): "
        + ", ".join(f"{peak:.0f} MB" for peak in peaks)
    )


if __name__ == "__main__":
    main()
