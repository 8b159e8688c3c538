"""Benchmark: learners committing SCORM CMI data through the real HTTP endpoint.

Usage::

    .venv/bin/python bench/scorm_commits.py [--learners 500] [--rate 400]
        [--seconds 20] [--workers 2]

What it does (prints figures, asserts nothing):

1. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench``), migrates it,
   and creates a SCORM 1.2 activity with ``--learners`` learners, each with an
   attempt and a signed attempt token.
2. Starts ``uvicorn lms.asgi:application --workers 2`` (the platform as
   deployed, tracking fast path included; ``--app`` to serve another) as a
   subprocess with the
   production settings (DEBUG off, Redis cache on ``REDIS_URL``, default db 12,
   ``X-Forwarded-Proto: https`` as behind the TLS proxy).
3. Every learner loads its launch state, then commits realistic full CMI dumps
   (as scorm-again sends them: 2–20 KB of suspend data, location, score, session
   time, interactions, the LMS's read-only echoes) to
   ``POST /api/v1/tracking/commits`` with ``Host`` = the content origin, one
   commit at a time and in order, as the player's queue does:

   * **paced** phase: an open-loop schedule at ``--rate`` commits/s in total;
     latency counts from the scheduled time (no coordinated omission);
   * **saturation** phase: every learner commits back to back, for the maximum
     commits/s;
   * a final commit per learner as a ``text/plain`` beacon, and re-sent
     duplicates of acknowledged commits.

4. Checks that for every learner the server holds the state of the last
   acknowledged seq (seq, suspend data, location) and that the ledger holds
   every acknowledged commit: lost and regressed counts.
5. Reports the peak RSS (``VmHWM``) of each uvicorn worker.
6. Measures the raw PostgreSQL upsert rate of the same rows (same columns and
   sizes, one transaction per row, 2–32 connections) as the floor, and prints
   our rate as a ratio of it.

The load generator runs on the same machine: it uses a minimal keep-alive
HTTP/1.1 client on asyncio to keep its own CPU use low.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    HttpConnection,
    cpu_seconds,
    free_port,
    load_average,
    prepare_environment,
    start_server,
    use_uvloop,
    worker_pids,
)

CONTENT_HOST = "content.bench.test"
ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tremplin_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/12",
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
    "ALLOWED_HOSTS": f"127.0.0.1,localhost,{CONTENT_HOST}",
    "CONTENT_ORIGIN": f"https://{CONTENT_HOST}",
    "SITE_URL": "https://tremplin.bench.test",
    "TREMPLIN_VAR_DIR": tempfile.mkdtemp(prefix="tremplin-bench-"),
    "LOG_LEVEL": "WARNING",
}
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402

from courses.models import (  # noqa: E402
    Activity,
    Attempt,
    Commit,
    Course,
    Module,
    Package,
    ScoState,
)
from courses.tracking.tokens import make_attempt_token  # noqa: E402
from lms.models import User  # noqa: E402

COMMIT_PATH = "/api/v1/tracking/commits"
STATE_PATH = "/api/v1/tracking/state"
SCO = "sco_1"


# --- Data --------------------------------------------------------------------------


@dataclass
class Learner:
    index: int
    attempt_uuid: str
    user_id: int
    token: str
    name: str
    suspend_base: str
    seq: int = 0
    session_seconds: int = 0
    acked: dict[int, tuple[str, str]] = field(default_factory=dict)
    last_acked: int = 0
    last_body: bytes = b""

    def dump(self, final: bool = False) -> tuple[dict, str, str]:
        """A scorm-again-like flattened dump for the next commit."""
        self.session_seconds += random.randint(5, 40)  # noqa: S311
        marker = f"[{self.seq}]"
        suspend = marker + self.suspend_base[len(marker) :]
        location = f"slide-{self.seq % 60}"
        minutes, seconds = divmod(self.session_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        elements = {
            "cmi.core.student_id": str(self.user_id),
            "cmi.core.student_name": self.name,
            "cmi.core.credit": "credit",
            "cmi.core.entry": "ab-initio",
            "cmi.core.lesson_mode": "normal",
            "cmi.core.total_time": "0000:00:00",
            "cmi.launch_data": "",
            "cmi.comments": "",
            "cmi.comments_from_lms": "",
            "cmi.core.lesson_location": location,
            "cmi.core.lesson_status": "completed" if final else "incomplete",
            "cmi.core.score.raw": str(min(100, self.seq * 3)),
            "cmi.core.score.min": "0",
            "cmi.core.score.max": "100",
            "cmi.core.session_time": f"{hours:02d}:{minutes:02d}:{seconds:02d}",
            "cmi.core.exit": "suspend",
            "cmi.suspend_data": suspend,
            "cmi.student_data.mastery_score": "",
            "cmi.student_preference.audio": "0",
            "cmi.student_preference.language": "",
            "cmi.student_preference.speed": "0",
            "cmi.student_preference.text": "0",
        }
        for n in range(min(8, 1 + self.seq // 4)):
            elements |= {
                f"cmi.interactions.{n}.id": f"question-{n}",
                f"cmi.interactions.{n}.time": "10:00:00",
                f"cmi.interactions.{n}.type": "choice",
                f"cmi.interactions.{n}.weighting": "1",
                f"cmi.interactions.{n}.student_response": "b",
                f"cmi.interactions.{n}.result": "correct",
                f"cmi.interactions.{n}.latency": "00:00:12",
                f"cmi.interactions.{n}.objectives": {},
                f"cmi.interactions.{n}.correct_responses": {},
            }
        return elements, suspend, location


def create_learners(count: int) -> list[Learner]:
    """One SCORM 1.2 activity and ``count`` learners with an attempt each."""
    User.objects.filter(email__endswith="@bench.test").delete()
    Course.objects.filter(code="BENCH-SCORM").delete()
    Package.objects.filter(original_filename="bench.zip").delete()
    course = Course.objects.create(code="BENCH-SCORM", title="Banc d'essai SCORM")
    module = Module.objects.create(course=course, title="Module", position=0)
    package = Package.objects.create(
        title="Paquet de test",
        original_filename="bench.zip",
        standard=Package.Standard.SCORM_12,
        status=Package.Status.READY,
        progress=100,
        structure={
            "scos": [{"identifier": SCO, "title": "Leçon", "href": "index.html"}]
        },
    )
    activity = Activity.objects.create(
        module=module,
        title="Module SCORM",
        kind=Activity.Kind.SCORM,
        package=package,
        completion_rule=Activity.CompletionRule.COMPLETED,
    )
    users = User.objects.bulk_create(
        User(
            email=f"learner{i:04d}@bench.test",
            first_name="Apprenant",
            last_name=f"N{i:04d}",
        )
        for i in range(count)
    )
    attempts = Attempt.objects.bulk_create(
        Attempt(user=user, activity=activity, package=package, number=1)
        for user in users
    )
    rng = random.Random(42)  # noqa: S311
    alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789{}:,"éà'
    learners = []
    for index, (user, attempt) in enumerate(zip(users, attempts, strict=True)):
        size = rng.randint(2_000, 20_000)
        base = "".join(rng.choice(alphabet) for _ in range(size))
        learners.append(
            Learner(
                index=index,
                attempt_uuid=str(attempt.uuid),
                user_id=user.pk,
                token=make_attempt_token(attempt),
                name=f"{user.last_name}, {user.first_name}",
                suspend_base=base,
            )
        )
    return learners


# --- Load phases -----------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def send_commit(
    connection: HttpConnection,
    learner: Learner,
    result: PhaseResult | None,
    *,
    final: bool = False,
    scheduled: float | None = None,
) -> None:
    learner.seq += 1
    elements, suspend, location = learner.dump(final)
    payload = {
        "token": learner.token,
        "sco": SCO,
        "seq": learner.seq,
        "final": final,
        "elements": elements,
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    started = time.perf_counter()
    content_type = "text/plain;charset=UTF-8" if final else "application/json"
    status, answer = await connection.post(COMMIT_PATH, body, content_type)
    done = time.perf_counter()
    if status == 200 and json.loads(answer).get("status") == "applied":
        digest = hashlib.sha256(suspend.encode()).hexdigest()
        learner.acked[learner.seq] = (digest, location)
        learner.last_acked = learner.seq
        learner.last_body = body
    elif status in (429, 503):
        learner.seq -= 1  # the player retries the same seq later
    if result is not None:
        result.statuses[status] = result.statuses.get(status, 0) + 1
        base = scheduled if scheduled is not None else started
        result.latencies_ms.append((done - base) * 1000)


async def launch(port: int, learners: list[Learner]) -> None:
    """Every learner loads its launch state (as the player does) and commits once."""

    async def one(learner: Learner) -> None:
        connection = HttpConnection(port, CONTENT_HOST)
        body = json.dumps({"token": learner.token, "sco": SCO}).encode()
        status, answer = await connection.post(STATE_PATH, body)
        if status != 200:
            raise SystemExit(f"launch state answered {status}: {answer[:200]!r}")
        learner.seq = json.loads(answer)["seq"]
        await send_commit(connection, learner, None)

    await asyncio.gather(*(one(learner) for learner in learners))


async def paced_phase(
    port: int, learners: list[Learner], rate: float, seconds: float
) -> PhaseResult:
    """Open loop: commits scheduled at ``rate``/s in total, spread over learners."""
    result = PhaseResult(f"paced at {rate:.0f} commits/s")
    interval = len(learners) / rate
    start = time.perf_counter() + 0.5
    end = start + seconds

    async def run(learner: Learner) -> None:
        connection = HttpConnection(port, CONTENT_HOST)
        scheduled = start + random.uniform(0, interval)  # noqa: S311
        while scheduled < end:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await send_commit(connection, learner, result, scheduled=scheduled)
            scheduled += interval

    await asyncio.gather(*(run(learner) for learner in learners))
    result.seconds = max(time.perf_counter(), end) - start
    return result


async def saturation_phase(
    port: int, learners: list[Learner], seconds: float
) -> PhaseResult:
    """Closed loop: every learner commits again as soon as acknowledged."""
    result = PhaseResult("saturation (back to back)")
    start = time.perf_counter()
    end = start + seconds

    async def run(learner: Learner) -> None:
        connection = HttpConnection(port, CONTENT_HOST)
        while time.perf_counter() < end:
            await send_commit(connection, learner, result)

    await asyncio.gather(*(run(learner) for learner in learners))
    result.seconds = time.perf_counter() - start
    return result


async def final_phase(port: int, learners: list[Learner]) -> tuple[PhaseResult, int]:
    """A final beacon commit per learner, then duplicates of acknowledged ones."""
    result = PhaseResult("final commits (text/plain beacons)")
    start = time.perf_counter()

    async def run(learner: Learner) -> None:
        await send_commit(
            HttpConnection(port, CONTENT_HOST), learner, result, final=True
        )

    await asyncio.gather(*(run(learner) for learner in learners))
    result.seconds = time.perf_counter() - start
    duplicates_ok = 0
    connection = HttpConnection(port, CONTENT_HOST)
    for learner in learners[:100]:
        # A retry after a timeout: the acknowledged final commit, byte for byte.
        status, answer = await connection.post(
            COMMIT_PATH, learner.last_body, "text/plain;charset=UTF-8"
        )
        duplicates_ok += status == 200 and json.loads(answer)["status"] == "duplicate"
    return result, duplicates_ok


# --- Server ------------------------------------------------------------------------


def memory_kb(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


# --- Verification and floor ----------------------------------------------------------


def verify(learners: list[Learner]) -> dict[str, int]:
    """Server state = last acknowledged commit for every learner; ledger complete."""
    states = {
        str(uuid_): (seq, suspend, location)
        for uuid_, seq, suspend, location in ScoState.objects.filter(
            attempt__uuid__in=[learner.attempt_uuid for learner in learners]
        ).values_list("attempt__uuid", "seq", "suspend_data", "location")
    }
    ledger: dict[str, set[int]] = {}
    for uuid_, seq in Commit.objects.filter(
        sco_state__attempt__uuid__in=[learner.attempt_uuid for learner in learners]
    ).values_list("sco_state__attempt__uuid", "seq"):
        ledger.setdefault(str(uuid_), set()).add(seq)
    lost = regressed = mismatched = acked = 0
    for learner in learners:
        acked += len(learner.acked)
        seq, suspend, location = states.get(learner.attempt_uuid, (0, "", ""))
        missing = set(learner.acked) - ledger.get(learner.attempt_uuid, set())
        lost += len(missing)
        if seq < learner.last_acked:
            regressed += 1
        elif seq == learner.last_acked and learner.last_acked:
            digest, expected_location = learner.acked[learner.last_acked]
            if (hashlib.sha256(suspend.encode()).hexdigest(), location) != (
                digest,
                expected_location,
            ):
                mismatched += 1
        else:
            mismatched += 1
    return {
        "acknowledged": acked,
        "lost": lost,
        "regressed": regressed,
        "mismatched": mismatched,
    }


async def floor_rate(
    learners: list[Learner], connections: int, seconds: float
) -> float:
    """Raw upserts of the same rows (one transaction each) per second."""
    import psycopg

    settings_db = db.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        host=settings_db["HOST"],
        port=settings_db["PORT"] or 5432,
        user=settings_db["USER"],
        password=settings_db["PASSWORD"] or None,
        dbname=settings_db["NAME"],
    )
    sample = learners[0].dump()[0]
    cmi = {k: v for k, v in sample.items() if k.startswith("cmi.interactions")}
    sql = """
        INSERT INTO bench_floor_scostate AS s
            (attempt, sco_identifier, seq, cmi, lesson_status, completion_status,
             score_raw, total_time_seconds, location, suspend_data, updated_at)
        VALUES (%s, %s, %s, %s, 'incomplete', 'incomplete', %s, %s, %s, %s, now())
        ON CONFLICT (attempt, sco_identifier) DO UPDATE SET
            seq = EXCLUDED.seq, cmi = EXCLUDED.cmi,
            lesson_status = EXCLUDED.lesson_status,
            completion_status = EXCLUDED.completion_status,
            score_raw = EXCLUDED.score_raw,
            total_time_seconds = s.total_time_seconds + 1,
            location = EXCLUDED.location, suspend_data = EXCLUDED.suspend_data,
            updated_at = now()
    """
    async with await psycopg.AsyncConnection.connect(
        conninfo, autocommit=True
    ) as setup:
        await setup.execute("DROP TABLE IF EXISTS bench_floor_scostate")
        await setup.execute(
            """CREATE TABLE bench_floor_scostate (
                attempt uuid, sco_identifier varchar(255), seq bigint, cmi jsonb,
                lesson_status varchar(20), completion_status varchar(20),
                score_raw double precision, total_time_seconds double precision,
                location text, suspend_data text, updated_at timestamptz,
                PRIMARY KEY (attempt, sco_identifier))"""
        )
    count = 0
    end = time.perf_counter() + seconds

    async def run(part: list[Learner]) -> None:
        nonlocal count
        async with await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True
        ) as connection:
            seq = 0
            while time.perf_counter() < end:
                for learner in part:
                    seq += 1
                    await connection.execute(
                        sql,
                        [
                            learner.attempt_uuid,
                            SCO,
                            seq,
                            json.dumps(cmi),
                            seq % 100,
                            seq,
                            f"slide-{seq}",
                            learner.suspend_base,
                        ],
                    )
                    count += 1
                    if time.perf_counter() >= end:
                        break

    started = time.perf_counter()
    await asyncio.gather(*(run(learners[i::connections]) for i in range(connections)))
    rate = count / (time.perf_counter() - started)
    async with await psycopg.AsyncConnection.connect(
        conninfo, autocommit=True
    ) as setup:
        await setup.execute("DROP TABLE IF EXISTS bench_floor_scostate")
    return rate


# --- Main ----------------------------------------------------------------------------


def report(result: PhaseResult) -> float:
    rate = result.ok / result.seconds if result.seconds else 0.0
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
    print(
        f"  {result.name:<36} {rate:8.1f} commits/s   "
        f"p50 {result.percentile(0.50):7.1f} ms   p95 {result.percentile(0.95):7.1f} ms"
        f"   p99 {result.percentile(0.99):7.1f} ms   ({statuses})"
    )
    return rate


async def drive(
    args: argparse.Namespace, learners: list[Learner], port: int, pids: list[int]
):
    await launch(port, learners)
    paced = await paced_phase(port, learners, args.rate, args.seconds)
    before = {pid: cpu_seconds(pid) for pid in [*pids, os.getpid()]}
    saturated = await saturation_phase(port, learners, args.seconds)
    used = {pid: cpu_seconds(pid) - seconds for pid, seconds in before.items()}
    final, duplicates = await final_phase(port, learners)
    return paced, saturated, final, duplicates, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--floor-seconds", type=float, default=8.0)
    parser.add_argument(
        "--app",
        default="lms.asgi:application",
        help="ASGI application to serve (module:attribute)",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    learners = create_learners(args.learners)
    load_before = load_average()
    db.close()
    port = free_port()
    server = start_server(ROOT, port, args.workers, args.app)
    try:
        pids = worker_pids(server.pid)
        use_uvloop()
        paced, saturated, final, duplicates, cpu = asyncio.run(
            drive(args, learners, port, pids)
        )
        peaks = {pid: memory_kb(pid, "VmHWM") / 1024 for pid in pids}
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    checks = verify(learners)
    floors = {}
    for connections in (2, 8, 32):
        floors[connections] = asyncio.run(
            floor_rate(learners, connections, args.floor_seconds)
        )
    floor = max(floors.values())

    print(
        f"\nSCORM commits: {args.learners} learners, uvicorn {args.app} "
        f"--workers {args.workers}, load average before {load_before}, "
        f"PostgreSQL {db.pg_version // 10000}, settings {os.environ['DJANGO_SETTINGS_MODULE']}"
    )
    report(paced)
    saturated_rate = report(saturated)
    report(final)
    print(f"  100 acknowledged commits re-sent: {duplicates} answered 'duplicate'")
    print(
        f"  verification: {checks['acknowledged']} acknowledged commits, "
        f"lost {checks['lost']}, regressed {checks['regressed']}, "
        f"state ≠ last acknowledged {checks['mismatched']}"
    )
    for pid, peak in peaks.items():
        print(f"  worker {pid}: peak RSS {peak:.0f} MB")
    if saturated.ok:
        server_cpu = sum(v for pid, v in cpu.items() if pid != os.getpid())
        print(
            f"  CPU per commit during saturation: server "
            f"{server_cpu / saturated.ok * 1000:.2f} ms, load generator "
            f"{cpu[os.getpid()] / saturated.ok * 1000:.2f} ms "
            f"(workers busy {server_cpu / saturated.seconds:.2f} CPUs)"
        )
    print(
        "  raw PostgreSQL upserts of the same rows: "
        + ", ".join(f"{n} conn {rate:.0f}/s" for n, rate in floors.items())
    )
    print(
        f"  our saturated rate = {saturated_rate:.0f}/s = "
        f"{saturated_rate / floor:.0%} of the best raw upsert rate ({floor:.0f}/s)"
    )


if __name__ == "__main__":
    main()
