"""Benchmark: close a 12,000-learner session and deliver every attestation to a
failing staff space.

Usage::

    .venv/bin/python bench/attestations.py [--learners 12000] [--processes 2]
        [--fail-rate 0.3] [--timeout-rate 0.05] [--timeout-seconds 5]
        [--limit-minutes 30]

What it does (prints figures, asserts nothing, exits 1 if an attestation is
missing or was received twice):

1. Starts the staff-space stand-in (``python -m certification.staff_space_standin``)
   on a free port with ``--fail-rate 0.3 --timeout-rate 0.05 --timeout-seconds 5``
   and points Tremplin at it (client timeout 2 s, retries from 2 s, capped at
   60 s).
2. Drops and recreates a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_attestations``),
   migrates it and bulk-creates a training, a session that ended a month ago
   (its cohort linked to a course run with two required activities) and
   ``--learners`` active teachers who each completed the first activity (so each earns a
   *participation* attestation, none a *completion* one); 5 % have no staff
   number.
3. Starts two Celery workers on its own Redis database — ``-Q celery
   --concurrency 2`` (two processes: issue and PDFs) and ``-Q delivery --pool
   threads --concurrency 2`` (deliveries, which wait on the network) — then
   closes the session through
   ``certification.tasks.close_session``: bulk issue, PDFs
   (``render_pdfs``), delivery (``deliver_due``, retries scheduled by itself;
   no beat).
4. Waits until every outbox row is delivered or dead, then prints the total
   time, the issue time, PDFs per second, the peak memory (VmHWM) of the
   worker processes, the delivery attempts and their outcomes, the faults the
   stand-in injected, and what it received: distinct attestations and
   duplicates (requests for an attestation already stored).

Target (issue 8): < 10 min in total on this 2-core machine with 2 workers;
exactly ``--learners`` distinct attestations received, none lost.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import load_average, prepare_environment, worker_pids  # noqa: E402
from tests.certification.staff_space import StaffSpaceStandIn  # noqa: E402

PARSER = argparse.ArgumentParser(description=__doc__.split("\n")[0])
PARSER.add_argument("--learners", type=int, default=12_000)
PARSER.add_argument("--processes", type=int, default=2)
PARSER.add_argument("--fail-rate", type=float, default=0.3)
PARSER.add_argument("--timeout-rate", type=float, default=0.05)
PARSER.add_argument("--timeout-seconds", type=float, default=5)
PARSER.add_argument("--limit-minutes", type=float, default=30)
ARGS = PARSER.parse_args()

DB_NAME = "tremplin_bench_attestations"
STANDIN = StaffSpaceStandIn.start(
    fail_rate=ARGS.fail_rate,
    timeout_rate=ARGS.timeout_rate,
    timeout_seconds=ARGS.timeout_seconds,
)
atexit.register(STANDIN.stop)
ENV_DEFAULTS = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    # The embedded default with a broker: a real worker, tasks not eager.
    "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
    "SITE_URL": "https://tremplin.bench.test",
    "TREMPLIN_VAR_DIR": tempfile.mkdtemp(prefix="tremplin-bench-attestations-"),
    "LOG_LEVEL": "WARNING",
}
os.environ.update(
    {
        "STAFF_SPACE_URL": STANDIN.url,
        "STAFF_SPACE_TOKEN": STANDIN.token,
        "STAFF_SPACE_TIMEOUT_SECONDS": "2",
        "STAFF_SPACE_RETRY_BASE_SECONDS": "2",
        "STAFF_SPACE_RETRY_MAX_SECONDS": "60",
    }
)


def recreate_database() -> None:
    """Drop the benchmark database (a fresh run each time); ``prepare_environment``
    creates it again."""
    import dj_database_url
    import psycopg

    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')


recreate_database()
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalogue.models import Session  # noqa: E402
from certification import keys, tasks  # noqa: E402
from certification.models import (  # noqa: E402
    Attestation,
    Delivery,
    DeliveryAttempt,
    SessionClosure,
)
from courses.models import Activity, ActivityProgress, Course, Module  # noqa: E402
from lms.models import RoleAssignment, User  # noqa: E402
from lms.roles import Role  # noqa: E402
from tests.factories.catalogue import make_session, make_training  # noqa: E402
from tutoring.models import Cohort, Enrolment  # noqa: E402

UNUSABLE = "!bench"
FIRST_NAMES = [
    "Amélie", "Benoît", "Céline", "Damien", "Élodie", "François", "Hélène",
    "Jérôme", "Karine", "Maëlle", "Océane", "Sébastien", "Thérèse", "Zoé",
]  # fmt: skip
LAST_NAMES = [
    "Dupont", "Lambert", "Dubois", "Peeters", "Janssens", "Maes", "Lemaire",
    "Lefèvre", "Renard", "Collard", "Gérard", "Leclercq", "Noël", "Delvaux",
]  # fmt: skip


def create_session(learners: int, seed: int = 8) -> Session:
    """The training, its ended session, the course run and the enrolled cohort."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    now = timezone.now()
    training = make_training(
        title="Évaluer avec le numérique",
        code="BENCH-ATT-001",
        competences=["2.1", "3.1", "4.1"],
        sync_hours=0,
        async_hours=12,
    )
    session = make_session(training, starts_in_days=-30, length_days=1, capacity=20)
    with transaction.atomic():
        template = Course.objects.create(code="BENCH-ATT-T", title="Modèle")
        run = Course.objects.create(
            code="BENCH-ATT-R", title="Évaluer avec le numérique", source=template
        )
        module = Module.objects.create(course=run, position=0, title="Module 1")
        first, _second = Activity.objects.bulk_create(
            Activity(
                module=module,
                position=i,
                title=f"Séquence {i + 1}",
                kind=Activity.Kind.PAGE,
                is_required=True,
            )
            for i in range(2)
        )
        # Creating the session made its cohort (catalogue signal): give it the run.
        cohort = Cohort.objects.get(session=session)
        cohort.course = run
        cohort.save(update_fields=["course"])
        users = User.objects.bulk_create(
            [
                User(
                    email=f"enseignant{n:05d}@ecole.bench.test",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    matricule="" if n % 20 == 7 else f"BE-{n:08d}",
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
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    cohort=cohort,
                    user=user,
                    status=Enrolment.Status.ACTIVE,
                    source=Enrolment.Source.REGISTRATION,
                    enrolled_at=now - dt.timedelta(days=40),
                )
                for user in users
            ],
            batch_size=2000,
        )
        ActivityProgress.objects.bulk_create(
            [
                ActivityProgress(
                    user=user,
                    activity=first,
                    state=ActivityProgress.State.COMPLETED,
                    completed_at=now - dt.timedelta(days=2),
                )
                for user in users
            ],
            batch_size=4000,
        )
    with db.cursor() as cursor:
        for model in (User, Enrolment, RoleAssignment, ActivityProgress):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return session


def start_worker(processes: int, *options: str) -> subprocess.Popen:
    """A Celery worker with ``processes`` pool slots and extra ``options``."""
    from lms.celery import app

    name = f"bench-{len(options)}-{os.getpid()}@%h"
    worker = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "lms",
            "worker",
            "--concurrency",
            str(processes),
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "-n",
            name,
            *options,
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.time() + 60
    expected = name.replace("%h", socket.gethostname())
    while time.time() < deadline:
        if any(expected in reply for reply in app.control.ping(timeout=0.5)):
            return worker
    worker.kill()
    raise SystemExit("the Celery worker did not start")


def high_water_mb(pids: list[int]) -> dict[int, float]:
    """VmHWM (peak resident memory) of each process, in MB."""
    peaks = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1]) / 1024
    return peaks


def outbox() -> dict[str, int]:
    return dict(
        Delivery.objects.values_list("state").annotate(n=Count("id")).order_by()
    )


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    keys.active_key()  # make the signing key once, before the worker processes
    session = create_session(ARGS.learners)
    print(
        f"prepared: {ARGS.learners} learners, session {session.code} "
        f"in {time.perf_counter() - started:.1f} s; stand-in fail {ARGS.fail_rate:.0%}"
        f", timeout {ARGS.timeout_rate:.0%} ({ARGS.timeout_seconds:g} s); "
        f"load {load_average()}",
        flush=True,
    )
    db.close()
    from lms.celery import app

    app.control.purge()
    # Issue and PDFs: ARGS.processes worker processes on the default queue.
    # Deliveries: one thread-pool worker on the "delivery" queue (network waits).
    workers = [
        start_worker(ARGS.processes, "-Q", "celery"),
        start_worker(2, "-Q", "delivery", "--pool", "threads"),
    ]
    try:
        run(session, workers)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        STANDIN.stop()


def run(session: Session, workers: list[subprocess.Popen]) -> None:
    expected = ARGS.learners
    began = time.perf_counter()
    tasks.close_session.delay(session.pk, None)
    issued_at = rendered_at = None
    last_print = 0.0
    peaks: dict[int, float] = {}
    deadline = began + ARGS.limit_minutes * 60
    while time.perf_counter() < deadline:
        time.sleep(1)
        elapsed = time.perf_counter() - began
        peaks |= {
            pid: max(mb, peaks.get(pid, 0))
            for pid, mb in high_water_mb(
                [pid for w in workers for pid in (w.pid, *worker_pids(w.pid))]
            ).items()
        }
        closure = SessionClosure.objects.filter(session=session).first()
        if issued_at is None and closure and closure.state != "running":
            issued_at = elapsed
            if closure.state != "done":
                print(f"closure {closure.state}: {closure.error}", flush=True)
        attestations = Attestation.objects.filter(session=session).count()
        with_pdf = (
            Attestation.objects.filter(session=session).exclude(pdf_path="").count()
        )
        if rendered_at is None and attestations >= expected and with_pdf >= expected:
            rendered_at = elapsed
        states = outbox()
        if elapsed - last_print >= 15:
            last_print = elapsed
            print(
                f"  {elapsed:6.0f} s: {attestations} issued, {with_pdf} PDFs, "
                f"outbox {states}",
                flush=True,
            )
        if (
            issued_at is not None
            and attestations >= expected
            and not states.get(Delivery.State.PENDING)
        ):
            break
    total = time.perf_counter() - began
    report(total, issued_at, rendered_at, peaks)


def report(
    total: float,
    issued_at: float | None,
    rendered_at: float | None,
    peaks: dict[int, float],
) -> None:
    state = STANDIN.state()
    received = state["attestations"]
    counts = state["counts"]
    attestations = list(Attestation.objects.values_list("uuid", "pdf_path"))
    ids = {str(uuid) for uuid, _path in attestations}
    states = outbox()
    attempts = dict(
        DeliveryAttempt.objects.values_list("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    missing = ids - set(received)
    unexpected = set(received) - ids
    flagged = sum(
        1 for item in received.values() if "matricule_missing" in item["flags"]
    )
    duplicates = counts.get("deliveries", 0) - counts.get("attestations", 0)
    pdfs = sum(1 for _uuid, path in attestations if path)
    print(
        f"\nAttestations: close a {ARGS.learners}-learner session "
        f"(Celery: {ARGS.processes} worker processes for issue and PDFs, one "
        f"2-thread worker for deliveries; stand-in failing "
        f"{ARGS.fail_rate:.0%}, timing out {ARGS.timeout_rate:.0%}); "
        f"load {load_average()}"
    )
    print(f"  total time            {total:8.1f} s ({total / 60:.1f} min)")
    if issued_at is not None:
        print(f"  issue (closure done)  {issued_at:8.1f} s")
    if rendered_at is not None:
        print(
            f"  PDFs                  {rendered_at:8.1f} s for {pdfs} "
            f"({pdfs / rendered_at:.1f} PDFs/s)"
        )
    else:
        print(f"  PDFs                  {pdfs} rendered (not all)")
    print(
        "  peak memory (VmHWM)   "
        + ", ".join(f"{mb:.0f} MB" for _pid, mb in sorted(peaks.items()))
        + " (worker main and pool processes)"
    )
    print(
        f"  delivery attempts     {sum(attempts.values())} {attempts}; outbox {states}"
    )
    print(f"  faults injected       {state['faults_injected']}")
    print(
        f"  stand-in received     {len(received)} distinct attestations "
        f"(expected {len(ids)}), {duplicates} duplicate deliveries "
        f"(replays answered 200), {flagged} flagged matricule_missing"
    )
    print(
        f"  dead letters          {states.get(Delivery.State.DEAD, 0)}; "
        f"missing {len(missing)}; unknown {len(unexpected)}"
    )
    if missing or unexpected or len(ids) != ARGS.learners:
        sys.exit(1)


if __name__ == "__main__":
    main()
