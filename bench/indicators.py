"""Benchmark: the IFPC indicator refresh and dashboard on a large data set.

Usage::

    .venv/bin/python bench/indicators.py [--requests 100] [--reset]

What it does (prints figures, asserts nothing):

1. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_ind``),
   migrates it and, unless it already holds them, creates with set-based SQL
   (``generate_series``, ``INSERT … SELECT``): 170,000 users with
   establishments and roles, 5,000 training pages and 20,000 sessions (through
   ``bench.catalogue_search.create_catalogue``), one cohort, course run (7
   activities, 6 required) and virtual class per session, 400,000
   registrations, 2,000,000 activity-progress rows, one attendance record per
   accepted registration, ~100,000 attestations with their outbox rows, and
   20,000 self-test campaign participations with 4 competence estimates each.
2. Runs ``indicators.refresh.refresh`` and prints its duration, rows written,
   the Python peak allocation (``tracemalloc``) and the process's peak RSS.
3. Opens an administrator's session (as after a Mon Espace sign-in), counts
   the SQL queries of one page, starts uvicorn (``--workers``, default 2)
   with the production settings and sends ``--requests`` dashboard requests
   with varied filters (school year, network, level, province, function,
   table kind, chart dimension, page) from one keep-alive client, printing
   p50/p95/max latency, then times the CSV and XLSX exports.
"""

# ruff: noqa: S608 - the SQL strings interpolate this module's integer constants only

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
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
)

HOST = BENCH_HOST
ENV_DEFAULTS = production_env("ind", 10)
USERS = 170_000
ESTABLISHMENTS = 2_000
TRAININGS = 5_000
SESSIONS = 20_000
REGISTRATIONS = 400_000
PROGRESS_ROWS = 2_000_000
PARTICIPATIONS = 20_000


def step(label: str, sql: str, params: list | None = None) -> None:
    from django.db import connection

    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
    print(f"  {label}: {rows:,} rows in {time.monotonic() - began:.1f} s", flush=True)


def seed() -> None:
    """Create the data set (skipped when the bench users exist)."""
    from django.db import connection, transaction

    from bench.catalogue_search import create_catalogue
    from catalogue.models import TrainingPage
    from certification.models import Blueprint, Campaign
    from lms.models import Competence, User

    if User.objects.filter(email__startswith="bench").exists():
        print("data set already present")
        return
    began = time.monotonic()
    print("creating the data set…", flush=True)
    with transaction.atomic():
        step(
            "establishments",
            f"""
            INSERT INTO lms_establishment (created_at, updated_at, fase_number, name,
                network, level, postal_code, city)
            SELECT now(), now(), 20000 + g, 'École bench n°' || g,
                (ARRAY['wbe','officiel_subventionne','libre_confessionnel',
                       'libre_non_confessionnel'])[1 + g % 4],
                (ARRAY['fondamental','maternel','primaire','secondaire','specialise',
                       'promotion_sociale','superieur'])[1 + g % 7],
                (ARRAY['1000','1348','4000','5000','6000','6700','7000','7500',
                       '9000'])[1 + g % 9], ''
            FROM generate_series(1, {ESTABLISHMENTS}) g
            """,
        )
        step(
            "users",
            f"""
            INSERT INTO lms_user (password, is_superuser, email, first_name,
                last_name, matricule, preferred_language, is_staff, is_active,
                date_joined)
            SELECT '!', false, 'bench' || g || '@example.test', 'Prénom',
                'Nom ' || g, '', 'fr', false, true, now()
            FROM generate_series(1, {USERS}) g
            """,
        )
        step(
            "user establishments",
            """
            INSERT INTO lms_user_establishments (user_id, establishment_id)
            SELECT u.id, e.id FROM lms_user u
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn
                  FROM lms_establishment) e ON e.rn = u.id % 2000
            WHERE u.email LIKE 'bench%' AND u.id % 10 <> 0
            """,
        )
        step(
            "roles",
            """
            INSERT INTO lms_roleassignment (created_at, updated_at, user_id, role)
            SELECT now(), now(), id, CASE id % 20 WHEN 0 THEN 'ctp'
                WHEN 1 THEN 'school_director' WHEN 2 THEN 'dco' ELSE 'teacher' END
            FROM lms_user WHERE email LIKE 'bench%'
            """,
        )
    t = time.monotonic()
    create_catalogue(TRAININGS, SESSIONS)
    print(f"  catalogue (pages, sessions, search index): {time.monotonic() - t:.1f} s")
    with transaction.atomic():
        step(
            "courses",
            """
            INSERT INTO courses_course (created_at, updated_at, code, title,
                description, is_archived)
            SELECT now(), now(), 'BENCH-C' || id, 'Cours ' || code, '', false
            FROM catalogue_session
            """,
        )
        step(
            "modules",
            """
            INSERT INTO courses_module (created_at, updated_at, course_id, position,
                title, description)
            SELECT now(), now(), id, 1, 'Module', '' FROM courses_course
            WHERE code LIKE 'BENCH-C%'
            """,
        )
        step(
            "activities",
            """
            INSERT INTO courses_activity (created_at, updated_at, uuid, module_id,
                position, title, description, kind, is_required, completion_rule,
                attempt_policy, body, file, url, settings)
            SELECT now(), now(), gen_random_uuid(), m.id, g, 'Activité ' || g, '',
                'page', g < 7, 'viewed', 'on_request', '', '', '', '{}'
            FROM courses_module m CROSS JOIN generate_series(1, 7) g
            """,
        )
        step(
            "cohorts",
            """
            INSERT INTO tutoring_cohort (created_at, updated_at, session_id, course_id,
                code, title, starts_on, ends_on, inactivity_days, is_archived)
            SELECT now(), now(), s.id, c.id, 'BENCH-COH-' || s.id, 'Cohorte ' || s.code,
                s.starts_on, s.ends_on, 14, false
            FROM catalogue_session s JOIN courses_course c ON c.code = 'BENCH-C' || s.id
            """,
        )
        step(
            "virtual classes",
            """
            INSERT INTO live_virtualclass (created_at, updated_at, uuid, cohort_id,
                title, welcome, starts_at, duration_minutes, record_allowed,
                guest_policy, status, cancelled_reason, meeting_id, moderator_pw,
                attendee_pw, end_nonce, server, internal_meeting_id, poll_failures,
                last_error)
            SELECT now(), now(), gen_random_uuid(), c.id, 'Classe', '',
                c.starts_on + time '09:00', 120, false, 'ASK_MODERATOR', 'ended', '',
                md5(random()::text) || c.id, md5(random()::text),
                md5(random()::text), md5(random()::text), '', '', 0, ''
            FROM tutoring_cohort c WHERE c.code LIKE 'BENCH-COH-%'
            """,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE TEMP TABLE bench_u AS SELECT id,
                    row_number() OVER (ORDER BY id) - 1 AS rn
                FROM lms_user WHERE email LIKE 'bench%';
                CREATE TEMP TABLE bench_s AS SELECT id,
                    row_number() OVER (ORDER BY id) - 1 AS rn FROM catalogue_session;
                CREATE INDEX ON bench_u (rn); CREATE INDEX ON bench_s (rn);
                """
            )
        step(
            "registrations",
            f"""
            INSERT INTO catalogue_registration (created_at, updated_at, session_id,
                user_id, status, is_audience_mismatch, motivation, decision_note)
            SELECT now(), now(), s.id, u.id,
                CASE WHEN g % 20 < 15 THEN 'accepted' WHEN g % 20 < 17 THEN 'waitlisted'
                     WHEN g % 20 = 17 THEN 'refused' WHEN g % 20 = 18 THEN 'cancelled'
                     ELSE 'pending' END,
                false, '', ''
            FROM generate_series(0, {REGISTRATIONS - 1}) g
            JOIN bench_u u ON u.rn = g % {USERS}
            JOIN bench_s s ON s.rn = ((g / {USERS}) * 7919 + g * 13) % {SESSIONS}
            ON CONFLICT DO NOTHING
            """,
        )
        step(
            "activity progress",
            f"""
            INSERT INTO courses_activityprogress (created_at, updated_at, user_id,
                activity_id, state, total_time_seconds)
            SELECT now(), now(), r.user_id, a.id,
                CASE WHEN (r.id + a.position) % 5 = 0 THEN 'in_progress'
                     ELSE 'completed' END, 60
            FROM catalogue_registration r
            JOIN tutoring_cohort c ON c.session_id = r.session_id
            JOIN courses_module m ON m.course_id = c.course_id
            JOIN courses_activity a ON a.module_id = m.id
            WHERE r.status = 'accepted'
            LIMIT {PROGRESS_ROWS}
            ON CONFLICT DO NOTHING
            """,
        )
        step(
            "attendance",
            """
            INSERT INTO live_attendancerecord (created_at, updated_at, cohort_id,
                user_id, virtual_class_id, half, status, minutes_planned,
                minutes_attended, source, is_corrected)
            SELECT now(), now(), c.id, r.user_id, v.id, '',
                (ARRAY['present','present','partial','absent','excused'])[1 + r.id % 5],
                120, (ARRAY[120, 120, 60, 0, 0])[1 + r.id % 5], 'bbb', false
            FROM catalogue_registration r
            JOIN tutoring_cohort c ON c.session_id = r.session_id
            JOIN live_virtualclass v ON v.cohort_id = c.id
            WHERE r.status = 'accepted'
            """,
        )
        step(
            "attestations",
            """
            INSERT INTO certification_attestation (uuid, kind, origin, user_id,
                session_id, holder_name, holder_matricule, holder_email,
                holder_given_name, holder_family_name, training_code, training_title,
                modality, operator, starts_on, ends_on, sync_hours, async_hours,
                competences, issued_at, issue_reason, credential, kid, pdf_path,
                pdf_sha256, revocation_reason, created_at, revoked_at)
            SELECT gen_random_uuid(), 'participation', 'closure', r.user_id,
                r.session_id, 'Bench', '', '', '', '', t.code, 'Formation', t.modality,
                'IFPC', s.starts_on, s.ends_on, t.sync_hours, t.async_hours, '[]',
                now(), '', 'x', 'bench', '', '', '', now(),
                CASE WHEN r.id % 50 = 0 THEN now() END
            FROM catalogue_registration r
            JOIN catalogue_session s ON s.id = r.session_id
            JOIN catalogue_trainingpage t ON t.page_ptr_id = s.training_id
            WHERE r.status = 'accepted' AND r.id % 3 = 0
            """,
        )
        step(
            "deliveries",
            """
            INSERT INTO certification_delivery (attestation_id, action, state,
                attempts, next_attempt_at, last_error, receipt, delivered_at,
                created_at, updated_at)
            SELECT id, 'issue', CASE WHEN id % 4 = 0 THEN 'pending' ELSE 'delivered' END,
                1, now(), '', '', CASE WHEN id % 4 <> 0 THEN now() END, now(), now()
            FROM certification_attestation
            """,
        )
        blueprint = Blueprint.objects.create(name="Bench", slug="bench")
        competences = Competence.objects.filter(code__in=["2.1", "2.2", "3.1", "3.2"])
        blueprint.competences.set(competences)
        campaign = Campaign.objects.create(
            code="BENCH0001",
            title="Campagne bench",
            scope=Campaign.Scope.IFPC,
            blueprint=blueprint,
            opens_at="2025-09-01T00:00:00Z",
        )
        step(
            "self-test participations",
            f"""
            INSERT INTO certification_campaignparticipation (created_at, updated_at,
                campaign_id, user_id, status, shared_at, is_improved)
            SELECT now(), now(), %s, u.id,
                CASE WHEN u.rn %% 5 = 0 THEN 'to_share' ELSE 'shared' END,
                CASE WHEN u.rn %% 5 = 0 THEN NULL
                     ELSE now() - (u.rn %% 400) * interval '1 day' END, false
            FROM bench_u u WHERE u.rn < {PARTICIPATIONS}
            """,
            [campaign.pk],
        )
        step(
            "self-test attempts",
            """
            INSERT INTO certification_attempt (created_at, updated_at, uuid, user_id,
                blueprint_id, participation_id, status, seed, state, lock_token,
                accessibility_needs, started_at, completed_at, stop_reason, result)
            SELECT now(), now(), gen_random_uuid(), p.user_id, %s, p.id, 'completed',
                'bench', '{}', '', '[]', now(), now(), '', '{}'
            FROM certification_campaignparticipation p WHERE p.campaign_id = %s
            """,
            [blueprint.pk, campaign.pk],
        )
        step(
            "self-test estimates",
            """
            INSERT INTO certification_competenceestimate (attempt_id, competence_id,
                theta, se, n_items, level, confidence, range_low, range_high,
                is_precise, has_provisional_cuts)
            SELECT a.id, c.id, 0, 0.3, 4, l.level, 0.9, l.level, l.level, true, false
            FROM certification_attempt a
            CROSS JOIN lms_competence c
            CROSS JOIN LATERAL (SELECT (ARRAY['A1','A2','B1','B2','C1','C2'])
                [1 + (a.id + c.id) %% 6] AS level) l
            WHERE a.blueprint_id = %s AND c.code IN ('2.1', '2.2', '3.1', '3.2')
            """,
            [blueprint.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data set created in {time.monotonic() - began:.0f} s")
    print(f"  trainings: {TrainingPage.objects.count():,}")


def counts() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "lms_user",
            "catalogue_trainingpage",
            "catalogue_session",
            "catalogue_registration",
            "courses_activityprogress",
            "live_attendancerecord",
            "certification_attestation",
            "certification_competenceestimate",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"  {table}: {cursor.fetchone()[0]:,}")


def run_refresh() -> None:
    from django.db import connection

    from indicators.refresh import refresh

    def temp_spill() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT temp_files, temp_bytes FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
            return cursor.fetchone()

    spill_before = temp_spill()
    tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.monotonic()
    run = refresh()
    elapsed = time.monotonic() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"refresh: {elapsed:.1f} s (recorded {run.duration_ms:,} ms)")
    print(f"  rows written: {run.row_counts}")
    spill_after = temp_spill()
    print(
        "  PostgreSQL temporary files (sorts/hashes past work_mem): "
        f"{spill_after[0] - spill_before[0]} files, "
        f"{(spill_after[1] - spill_before[1]) / 1024 / 1024:.0f} MiB"
    )
    print(f"  Python peak allocation during refresh: {peak / 1024:.0f} KiB")
    print(
        f"  process peak RSS: {rss_after / 1024:.0f} MiB (before: {rss_before / 1024:.0f} MiB)"
    )


def _session_cookie() -> str:
    """The cookie of an administrator's session opened through Mon Espace (no
    second factor is asked of those; see ``lms.two_factor``)."""
    from django.conf import settings
    from django.test import Client

    from lms.models import User
    from lms.roles import Role
    from lms.services import grant_role
    from lms.two_factor import AUTH_METHOD_OIDC, AUTH_METHOD_SESSION_KEY

    admin, created = User.objects.get_or_create(
        email="bench-admin@example.test",
        defaults={"first_name": "Bench", "last_name": "Admin"},
    )
    if created:
        grant_role(admin, Role.ADMINISTRATOR)
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    client.force_login(admin)
    session = client.session
    session[AUTH_METHOD_SESSION_KEY] = AUTH_METHOD_OIDC
    session.save()
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def _varied_paths(requests: int, seed_value: int) -> list[str]:
    from urllib.parse import urlencode

    from django.urls import reverse

    from indicators.selectors import DIMENSIONS, school_years

    url = reverse("indicators:dashboard")
    rng = random.Random(seed_value)  # noqa: S311 (reproducible, not secrets)
    years = [str(y) for y in school_years()]
    paths = []
    for _ in range(requests):
        params: dict[str, str] = {}
        if rng.random() < 0.7:
            params["year"] = rng.choice(years)
        for name, (_label, choices) in DIMENSIONS.items():
            if rng.random() < 0.3:
                params[name] = rng.choice(choices)[0]
        params["table"] = rng.choice(["training", "session", "cohort"])
        params["by"] = rng.choice(list(DIMENSIONS))
        if rng.random() < 0.3:
            params["page"] = str(rng.randint(2, 20))
        paths.append(f"{url}?{urlencode(params)}")
    return paths


async def _timed(port: int, cookie: str, paths: list[str]) -> list[float]:
    connection = HttpConnection(port, HOST)
    headers = f"Cookie: {cookie}\r\nAccept-Language: fr-BE\r\n"
    timings = []
    for path in paths:
        began = time.perf_counter()
        status, body = await connection.get(path, headers)
        timings.append(time.perf_counter() - began)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    return timings


def dashboard(requests: int, workers: int, seed_value: int = 11) -> None:
    """One client, keep-alive, through uvicorn with the production settings."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from indicators.selectors import school_years

    cookie = _session_cookie()
    paths = _varied_paths(requests, seed_value)
    year = str(school_years()[0])
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("indicators:dashboard"), {"year": year})
    if response.status_code != 200:
        raise SystemExit(f"dashboard answered {response.status_code}")
    print(f"dashboard: {len(captured.captured_queries)} SQL queries per page")
    connection.close()

    port = free_port()
    load_before = load_average()
    server = start_server(ROOT, port, workers, "lms.asgi:application")
    try:
        use_uvloop()
        asyncio.run(_timed(port, cookie, paths[: workers * 5]))  # warm-up
        timings = sorted(asyncio.run(_timed(port, cookie, paths)))
        downloads = {}
        for kind in ("csv", "xlsx"):
            path = f"{reverse(f'indicators:export_{kind}')}?year={year}&table=session"
            began = time.perf_counter()
            asyncio.run(_timed(port, cookie, [path]))
            downloads[kind] = time.perf_counter() - began
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(
        f"dashboard over {len(timings)} requests (1 client, keep-alive, uvicorn "
        f"--workers {workers}, settings {os.environ['DJANGO_SETTINGS_MODULE']}, "
        f"load before {load_before}): p50 {statistics.median(timings) * 1000:.0f} ms, "
        f"p95 {percentile(timings, 0.95) * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms"
    )
    for kind, seconds in downloads.items():
        print(f"export {kind} (one school year, per session): {seconds * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-refresh", action="store_true")
    args = parser.parse_args()
    prepare_environment(ENV_DEFAULTS)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # manifest storage
    seed()
    counts()
    if not args.skip_refresh:
        run_refresh()
    dashboard(args.requests, args.workers)


if __name__ == "__main__":
    main()
