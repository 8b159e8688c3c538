"""Benchmark: the minute beat polling 20 running classes of 100 attendees each.

Usage::

    .venv/bin/python bench/live_polling.py [--classes 20] [--attendees 100]
        [--worker N]

What it does (prints figures, asserts nothing, exits 1 if a poll went wrong):

1. Starts the BBB stand-in (``python -m live.bbb_standin``) on a free port and
   points Tremplin at it (``BBB_URL``, ``BBB_SECRET``, SHA-256 checksums).
2. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_live_poll``),
   with ``--classes`` cohorts of ``--attendees`` learners, and in each cohort a
   fresh class in its join window, created on BBB (``classes.ensure_created``),
   whose tutor and learners are all in the meeting: control ``add_attendee``
   on the stand-in, plus their join requests a minute earlier.
3. Runs the beat's task ``live.tasks.poll_running_classes`` (it fans out one
   ``poll_class`` task per class) twice: the first poll opens one attendance
   interval per person, the second extends them. By default the fan-out runs
   eagerly in this process, one class after the other (the embedded mode, and
   the worst case of a single worker); ``--worker N`` runs a real Celery worker
   with N processes on the Redis broker and times until every class has been
   polled.
4. Prints the time of each pass against the 60 s beat interval, the intervals
   opened and extended, and the per-class p50/max when eager.

Target: a pass well under the 60 s beat interval.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_support import (  # noqa: E402
    ensure_cohort,
    fresh_class,
    start_standin,
)
from bench.support import load_average, percentile, prepare_environment  # noqa: E402

HOST = "tremplin.bench.test"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--attendees", type=int, default=100)
    parser.add_argument(
        "--worker",
        type=int,
        default=0,
        metavar="N",
        help="run a Celery worker with N processes (default: eager, in-process)",
    )
    return parser.parse_args()


ARGS = _parse()
ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tremplin_bench_live_poll",
    "REDIS_URL": "redis://127.0.0.1:6379/11",
    "DJANGO_SETTINGS_MODULE": "bench.live_settings",  # production + stand-in
    "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
    "ALLOWED_HOSTS": f"127.0.0.1,localhost,{HOST}",
    "CONTENT_ORIGIN": "https://content.bench.test",
    "SITE_URL": f"https://{HOST}",
    "TREMPLIN_VAR_DIR": tempfile.mkdtemp(prefix="tremplin-bench-live-poll-"),
    "LOG_LEVEL": "WARNING",
    "CELERY_TASK_ALWAYS_EAGER": "false" if ARGS.worker else "true",
}

STANDIN = start_standin()
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.utils import timezone  # noqa: E402

from live import classes, polling, tasks  # noqa: E402
from live.bbb.checksum import signed_query  # noqa: E402
from live.models import AttendanceInterval, JoinRequest, VirtualClass  # noqa: E402
from lms.models import User  # noqa: E402
from tutoring.models import CohortTutor  # noqa: E402


def fill_meeting(http: httpx.Client, vc: VirtualClass, people: list[User]) -> None:
    """Everyone in the meeting (control ``add_attendee``), as if they joined."""
    tutor_ids = set(
        CohortTutor.objects.filter(cohort=vc.cohort_id).values_list(
            "user_id", flat=True
        )
    )
    for person in people:
        params = {
            "meetingID": vc.meeting_id,
            "userID": str(person.pk),
            "fullName": person.get_full_name(),
            "role": "MODERATOR" if person.pk in tutor_ids else "VIEWER",
        }
        query = signed_query("add_attendee", params, STANDIN.secret)
        http.get(f"{STANDIN.url}standin/add_attendee?{query}").raise_for_status()
    JoinRequest.objects.bulk_create(
        [
            JoinRequest(
                virtual_class=vc,
                user=person,
                is_moderator=person.pk in tutor_ids,
                requested_at=timezone.now() - dt.timedelta(minutes=1),
            )
            for person in people
        ]
    )


def prepare() -> list[VirtualClass]:
    call_command("migrate", verbosity=0)
    # Only this run's classes may be due for polling.
    VirtualClass.objects.all().delete()
    prepared = []
    with httpx.Client(timeout=30) as http:
        for index in range(ARGS.classes):
            cohort = ensure_cohort(f"BENCH-LIVE-POLL-{index:02d}", ARGS.attendees)
            vc = classes.ensure_created(fresh_class(cohort, title=f"Classe {index}"))
            people = list(
                User.objects.filter(cohort_enrolments__cohort=cohort).order_by("pk")
            ) + list(
                User.objects.filter(
                    pk__in=CohortTutor.objects.filter(cohort=cohort).values("user_id")
                )
            )
            fill_meeting(http, vc, people)
            prepared.append(vc)
    return prepared


def pass_eager(ids: list[int]) -> tuple[float, list[float], dict[str, int]]:
    """The beat task, fanned out eagerly; total and per-class times."""
    per_class: list[float] = []
    outcomes: dict[str, int] = {}
    original = polling.poll_class

    def timed(vc: VirtualClass, **kwargs: object) -> str:
        began = time.perf_counter()
        outcome = original(vc, **kwargs)
        per_class.append((time.perf_counter() - began) * 1000)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return outcome

    polling.poll_class = timed  # measure each class; the task calls it
    try:
        began = time.perf_counter()
        fanned = tasks.poll_running_classes.delay().get()
        total = time.perf_counter() - began
    finally:
        polling.poll_class = original
    if fanned != len(ids):
        outcomes["not fanned out"] = len(ids) - fanned
    return total, per_class, outcomes


def pass_worker(ids: list[int]) -> tuple[float, list[float], dict[str, int]]:
    """The beat task sent to the broker; time until every class is polled."""
    began_at = timezone.now()
    began = time.perf_counter()
    tasks.poll_running_classes.delay()
    deadline = began + 300
    while time.perf_counter() < deadline:
        done = VirtualClass.objects.filter(
            pk__in=ids, last_polled_at__gte=began_at
        ).count()
        if done == len(ids):
            break
        time.sleep(0.05)
    total = time.perf_counter() - began
    polled = VirtualClass.objects.filter(
        pk__in=ids, last_polled_at__gte=began_at
    ).count()
    return total, [], {"polled": polled}


def start_worker(processes: int) -> subprocess.Popen:
    from lms.celery import app

    app.control.purge()
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
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if app.control.ping(timeout=0.5):
            return worker
    worker.kill()
    raise SystemExit("the Celery worker did not start")


def main() -> None:
    worker = None
    try:
        started = time.perf_counter()
        prepared = prepare()
        ids = [vc.pk for vc in prepared]
        people = ARGS.attendees + 1
        print(
            f"prepared {len(ids)} classes × {people} people in the meeting "
            f"in {time.perf_counter() - started:.1f} s"
        )
        db.close()
        if ARGS.worker:
            worker = start_worker(ARGS.worker)
        run = pass_worker if ARGS.worker else pass_eager
        load_before = load_average()
        first = run(ids)
        opened = AttendanceInterval.objects.filter(
            virtual_class_id__in=ids, left_at__isnull=True
        ).count()
        marks = dict(
            VirtualClass.objects.filter(pk__in=ids).values_list("pk", "last_polled_at")
        )
        time.sleep(1)
        second = run(ids)
        extended = sum(
            AttendanceInterval.objects.filter(
                virtual_class_id=pk, left_at__isnull=True, last_seen_at__gt=mark
            ).count()
            for pk, mark in marks.items()
        )
        mode = (
            f"Celery worker, {ARGS.worker} processes, Redis broker"
            if ARGS.worker
            else "eager fan-out in one process (embedded mode / one worker)"
        )
        print(
            f"\nLive polling: {len(ids)} running classes × {people} attendees on "
            f"the BBB stand-in, beat task poll_running_classes → poll_class per "
            f"class, {mode}, load before {load_before}"
        )
        for name, (total, per_class, outcomes) in (
            ("first pass (opens intervals)", first),
            ("second pass (extends them)", second),
        ):
            detail = (
                f"  per class p50 {percentile(per_class, 0.5):6.1f} ms"
                f"  max {max(per_class):6.1f} ms"
                if per_class
                else ""
            )
            print(
                f"  {name:<30} {total:6.2f} s of the 60 s beat interval"
                f" ({total / 60:.1%}){detail}  {outcomes}"
            )
        expected = len(ids) * people
        print(
            f"  open intervals after pass 1: {opened} (expected {expected}); "
            f"extended by pass 2: {extended}"
        )
        if opened != expected or extended != expected:
            sys.exit(1)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        STANDIN.stop()


if __name__ == "__main__":
    main()
