"""Benchmark: server-side time of the core pages (home, dashboard, healthz, staff list).

Usage: ``.venv/bin/python bench/core_pages.py [--requests N]``. Uses the settings in
DJANGO_SETTINGS_MODULE (default: the embedded default on a throw-away SQLite file;
set DATABASE_URL/REDIS_URL to measure on PostgreSQL/Redis). Prints p50/p95 in ms and
queries per request. Not a test: it asserts nothing and prints figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
os.environ.setdefault("TREMPLIN_VAR_DIR", tempfile.mkdtemp(prefix="tremplin-bench-"))
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lms.models import Establishment, User  # noqa: E402
from lms.roles import Role  # noqa: E402
from lms.services import grant_role  # noqa: E402


def measure(client: Client, url: str, requests: int) -> tuple[float, float, int]:
    client.get(url)  # warm-up
    timings = []
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code not in (200, 503):
            raise SystemExit(f"{url} answered {response.status_code}")
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return statistics.median(timings), p95, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--staff", type=int, default=500, help="staff in the school")
    args = parser.parse_args()

    # Django clears the query log at each request start; keep it to count queries.
    request_started.disconnect(reset_queries)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--quiet-accounts")
    school = Establishment.objects.get(fase_number=90001)
    existing = school.staff.count()
    for i in range(existing, args.staff):
        user = User.objects.create_user(
            f"bench{i}@example.test", None, first_name="Bench", last_name=f"N{i:05d}"
        )
        user.establishments.add(school)
        grant_role(user, Role.TEACHER)

    client = Client()
    client.force_login(User.objects.get(email="direction@demo.tremplin.test"))
    print(f"settings: {os.environ['DJANGO_SETTINGS_MODULE']}, db: {connection.vendor}")
    print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url in [
        ("home", "/"),
        ("dashboard (director)", "/dashboard/"),
        (f"staff list ({args.staff} staff, page 1)", "/establishments/90001/staff/"),
        ("healthz", "/healthz"),
    ]:
        p50, p95, queries = measure(client, url, args.requests)
        print(f"{label:<40} {p50:8.2f} {p95:8.2f} {queries:8d}")


if __name__ == "__main__":
    main()
