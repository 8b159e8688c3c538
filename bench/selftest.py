"""Benchmark: the self-test end to end — simulation, the Django service, HTTP.

Usage::

    .venv/bin/python bench/selftest.py [--simulees 1000] [--bank 2000]
        [--latency-attempts 60] [--takers 200] [--workers 2] [--seed 1]
        [--think 3 8] [--skip-http]

What it does (prints figures, asserts nothing):

1. **Simulation** (issue 7 "Verification", spec C2), no database: ``--simulees``
   seeded examinees with a known θ answer from the 2PL model; the engine only
   sees the 0/1 scores (``certification.selftest.engine.simulate``).
   - profile mode (the main mode), 6 competences, a synthetic bank of 50 items
     per competence (a ~ LogNormal(0, 0.3) on [0.5, 3], b ~ U(−3, 3)), the
     blueprint defaults (3–8 items per competence, SE ≤ 0.55, top-K 5),
     independent true θ ~ N(0, 1) per competence;
   - global mode on the reference bank R1 (200 items, SE ≤ 0.40, top-K 3).
   For each: RMSE, bias (mean θ̂ − θ), coverage of the 80 % interval
   [q10, q90], mean items used, and level accuracy against the level of the
   true θ under the same (bank-derived) cut scores: exact and within ±1 level.
2. **Next-item latency through the Django service** on its own PostgreSQL
   database (``DATABASE_URL``, default ``tremplin_bench_selftest``, created and
   migrated by the script): a ``--bank``-item bank over the 22 competences
   (3-option single-choice items, 40 of them in pretest), a profile blueprint
   (6 competences) and a global one (22); ``--latency-attempts`` sittings
   driven through ``attempts.current_item`` / ``attempts.answer`` (each answer
   records the response and serves the next item under the attempt's row
   lock; the last one computes the result instead, shown apart): p50/p95/max
   per call. Target: next-item p95 < 30 ms.
3. **200 concurrent test takers over HTTP**: ``uvicorn lms.asgi:application
   --workers 2`` with the production settings; ``--takers`` signed-in
   teachers each start the profile test through the JSON API
   (``POST /api/v1/selftest/attempts/``) and answer until it ends
   (``GET …/current``, ``POST …/answer``), all at once, one keep-alive
   connection each, spending ``--think`` seconds on each question (teachers
   take far longer; ``--think 0 0`` is a stress test with no pause at all):
   p50/p95/max of answer and current-item requests, test lengths and errors
   (any non-2xx or dropped request). Target: 0 errors.

Figures hold *under the model*: simulation says nothing about whether the
items measure DigCompEdu competences (that needs pilot data and experts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import signal
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
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
from certification.selftest.engine import (  # noqa: E402
    GLOBAL_SCOPE,
    LEVELS,
    Config,
    Engine,
)
from certification.selftest.engine.levels import level_index  # noqa: E402
from certification.selftest.engine.simulate import (  # noqa: E402
    make_bank,
    seeded_rng,
    simulees,
    take_test,
)

HOST = BENCH_HOST
#: An unusable password hash (no hashing cost for the bench accounts).
UNUSABLE = "!bench"
EMAIL_PREFIX = "bench-autotest-"
UID_PREFIX = "bench-"
PROFILE_SLUG = "bench-profil"
GLOBAL_SLUG = "bench-global"
PROFILE_COMPETENCES = ("3.1", "3.2", "3.3", "3.4", "4.1", "4.2")
# The 22 DigCompEdu competence codes.
COMPETENCES = (
    *(f"1.{k}" for k in range(1, 5)),
    *(f"2.{k}" for k in range(1, 4)),
    *(f"3.{k}" for k in range(1, 5)),
    *(f"4.{k}" for k in range(1, 4)),
    *(f"5.{k}" for k in range(1, 4)),
    *(f"6.{k}" for k in range(1, 6)),
)
ENV_DEFAULTS = {
    **production_env("selftest", 15),
    # Production refuses to start without these; the self-test uses none of them.
    "BBB_URL": "https://bbb.bench.invalid/bigbluebutton/",
    "BBB_SECRET": secrets.token_urlsafe(32),
    "STAFF_SPACE_URL": "https://staff-space.bench.invalid/api/",
    "STAFF_SPACE_TOKEN": secrets.token_urlsafe(32),
}


def signing_key_pem() -> str:
    """A throwaway Ed25519 key (production requires an attestation signing key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


# --- 1. Simulation (pure engine) ---------------------------------------------------


@dataclass
class Tally:
    """Errors, 80 % interval hits, lengths and level hits over measurements."""

    errors: list[float]
    covered80: int = 0
    exact: int = 0
    within_one: int = 0

    def add(self, truth: float, theta: float, q10: float, q90: float, gap: int) -> None:
        self.errors.append(theta - truth)
        self.covered80 += q10 <= truth <= q90
        self.exact += gap == 0
        self.within_one += gap <= 1

    def line(self, label: str, items: Sequence[int]) -> str:
        n = len(self.errors)
        rmse = math.sqrt(statistics.fmean(e * e for e in self.errors))
        return (
            f"  {label:<34} n={n:<5} RMSE {rmse:.3f}  bias "
            f"{statistics.fmean(self.errors):+.3f}  coverage80 {self.covered80 / n:.3f}"
            f"  mean items {statistics.fmean(items):5.1f}  level exact "
            f"{self.exact / n:.3f}  ±1 {self.within_one / n:.3f}"
        )


def simulate_profile(n: int, seed: int) -> None:
    bank = make_bank(
        seed + 100, 50 * len(PROFILE_COMPETENCES), competences=PROFILE_COMPETENCES
    )
    config = Config(competences=PROFILE_COMPETENCES, pretest_items_per_attempt=0)
    rng = seeded_rng(seed + 1)
    truths_rng = seeded_rng(seed + 2)
    tally = Tally([])
    per_test, per_competence = [], []
    for index in range(n):
        truth = {c: truths_rng.gauss(0.0, 1.0) for c in PROFILE_COMPETENCES}
        engine = Engine(bank, config, f"bench-profile-{seed}-{index}")
        state = take_test(engine, truth, rng)
        result = engine.result(state)
        per_test.append(result.n_scored)
        for row in result.competences:
            cuts = engine.cut_scores(row.competence)
            gap = abs(
                LEVELS.index(row.level) - level_index(truth[row.competence], cuts)
            )
            tally.add(
                truth[row.competence], row.theta, row.theta_q10, row.theta_q90, gap
            )
            per_competence.append(row.n_items)
    print(
        f"Simulation, profile mode, {len(PROFILE_COMPETENCES)} competences × 50 items, "
        f"{n} simulees (one θ per competence), SE ≤ 0.55, 3–8 items per competence:"
    )
    print(tally.line("per competence", per_competence))
    print(f"  items per test: mean {statistics.fmean(per_test):.1f}")


def simulate_global(n: int, seed: int) -> None:
    bank = make_bank(seed + 200, 200)
    config = Config(
        competences=("1.1",),
        mode="global",
        top_k=3,
        exposure_ceiling=None,
        pretest_items_per_attempt=0,
        max_items_total=60,
        min_items_total=1,
    )
    rng = seeded_rng(seed + 3)
    tally = Tally([])
    lengths = []
    for index, truth in enumerate(simulees(seed + 4, n)):
        engine = Engine(bank, config, f"bench-global-{seed}-{index}")
        result = engine.result(take_test(engine, {GLOBAL_SCOPE: truth}, rng))
        overall = result.overall
        if overall is None:
            raise RuntimeError("a global-mode result has an overall θ")
        row = result.competence("1.1")
        gap = abs(
            LEVELS.index(row.level) - level_index(truth, engine.cut_scores("1.1"))
        )
        tally.add(truth, overall.theta, overall.theta_q10, overall.theta_q90, gap)
        lengths.append(result.n_scored)
    print(
        f"Simulation, global mode, R1 bank (200 items, a ≈ 1), {n} simulees, SE ≤ 0.40:"
    )
    print(tally.line("overall θ", lengths))


# --- 2 and 3. Django ---------------------------------------------------------------


def setup_django() -> None:
    os.environ.setdefault("ATTESTATION_SIGNING_KEYS_PEM", signing_key_pem())
    prepare_environment(ENV_DEFAULTS)
    import django

    django.setup()


def build_bank(size: int, seed: int) -> None:
    """The bench bank (reused when it already has ``size`` items) and blueprints."""
    from django.db import transaction

    from certification.models import Blueprint, Item, ItemOption
    from certification.selftest.bank import bump_bank_version
    from lms.models import Competence, User

    User.objects.filter(email__startswith=EMAIL_PREFIX).delete()  # old sittings
    items = Item.objects.filter(uid__startswith=UID_PREFIX)
    if items.count() != size:
        with transaction.atomic():
            Blueprint.objects.filter(slug__in=[PROFILE_SLUG, GLOBAL_SLUG]).delete()
            items.delete()
            competences = {c.code: c for c in Competence.objects.all()}
            synthetic = make_bank(
                seed + 300, size, competences=COMPETENCES, n_pretest=40
            )
            rows = Item.objects.bulk_create(
                Item(
                    uid=f"{UID_PREFIX}{item.id}",
                    competence=competences[item.competence],
                    target_level=item.level or "B1",
                    item_type=Item.Type.SINGLE_CHOICE,
                    stem=f"<p>Question de banc d'essai {item.id}</p>",
                    status=(
                        Item.Status.PRETEST
                        if item.is_pretest
                        else Item.Status.CALIBRATED
                    ),
                    a=item.a,
                    b=item.b,
                    is_demo=True,
                )
                for item in synthetic
            )
            ItemOption.objects.bulk_create(
                ItemOption(item=row, text=text, is_correct=k == 0, sort_order=k)
                for row in rows
                for k, text in enumerate((RIGHT_TEXT, "Leurre A", "Leurre B"))
            )
    for slug, mode, codes in (
        (PROFILE_SLUG, "profile", PROFILE_COMPETENCES),
        (GLOBAL_SLUG, "global", COMPETENCES),
    ):
        blueprint, _created = Blueprint.objects.get_or_create(
            slug=slug,
            version=1,
            defaults={
                "name": f"Banc d'essai ({mode})",
                "mode": mode,
                "retake_min_days": 0,
            },
        )
        blueprint.competences.set(Competence.objects.filter(code__in=codes))
    bump_bank_version()


#: The text of the right option of every bench item.
RIGHT_TEXT = "Juste"


def answer_keys() -> dict[str, tuple[int, float, float]]:
    """uid → (correct option id, a, b): what a simulated teacher 'knows'."""
    from certification.models import ItemOption

    return {
        uid: (pk, a, b)
        for pk, uid, a, b in ItemOption.objects.filter(
            is_correct=True, item__uid__startswith=UID_PREFIX
        ).values_list("pk", "item__uid", "item__a", "item__b")
    }


def wrong_option(options: Sequence[tuple[int, str]], right: int) -> int:
    return next(pk for pk, _text in options if pk != right)


def service_latency(attempt_count: int, seed: int) -> None:
    from django.db import connection

    from certification.models import Blueprint
    from certification.selftest import attempts
    from certification.selftest.engine import p_correct
    from lms.models import User

    keys = answer_keys()
    rng = random.Random(seed + 5)  # noqa: S311 (simulation)
    users = User.objects.bulk_create(
        User(email=f"{EMAIL_PREFIX}svc{k}@example.test", password=UNUSABLE)
        for k in range(2 * attempt_count)
    )
    print(
        f"Next-item latency through the service (attempts.current_item / answer), "
        f"{len(keys)}-item bank, PostgreSQL {connection.pg_version // 10000}:"
    )
    for label, slug, offset in (
        ("profile, 6 competences", PROFILE_SLUG, 0),
        ("global, 22 competences", GLOBAL_SLUG, attempt_count),
    ):
        blueprint = Blueprint.objects.get(slug=slug)
        current_times, answer_times, last_times, lengths = [], [], [], []
        # Warm-up: the first call of a process builds the bank (cached by version).
        warm = attempts.start_attempt(users[offset], blueprint)
        attempts.current_item(warm)
        for k in range(attempt_count):
            theta = rng.gauss(0.0, 1.0)
            attempt = (
                attempts.start_attempt(users[offset + k], blueprint) if k else warm
            )
            steps = 0
            while True:
                started = time.perf_counter()
                served = attempts.current_item(attempt)
                current_times.append((time.perf_counter() - started) * 1000)
                if served is None:
                    break
                right, a, b = keys[served.item.uid]
                correct = rng.random() < p_correct(theta, a, b)
                payload = right if correct else wrong_option(served.options, right)
                started = time.perf_counter()
                going_on = attempts.answer(
                    attempt,
                    order=served.order,
                    payload=payload,
                    lock_token=served.lock_token,
                )
                # The last answer computes the result instead of a next item.
                elapsed = (time.perf_counter() - started) * 1000
                (answer_times if going_on else last_times).append(elapsed)
                steps += 1
            lengths.append(steps)
        for name, times in (
            ("answer (record + next)", answer_times),
            ("last answer (+ result)", last_times),
            ("current item", current_times),
        ):
            print(
                f"  {label:<24} {name:<24} n={len(times):<5} p50 "
                f"{percentile(times, 0.5):6.2f} ms  p95 {percentile(times, 0.95):6.2f} ms"
                f"  max {max(times):7.2f} ms"
            )
        print(f"  {label:<24} mean test length {statistics.fmean(lengths):.1f} items")


def session_cookies(count: int) -> list[tuple[str, str]]:
    """``count`` signed-in teachers: (Cookie header, CSRF token)."""
    from django.conf import settings
    from django.test import Client

    from lms.models import RoleAssignment, User
    from lms.roles import Role

    users = User.objects.bulk_create(
        User(email=f"{EMAIL_PREFIX}http{k}@example.test", password=UNUSABLE)
        for k in range(count)
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=Role.TEACHER) for u in users
    )
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    name = settings.SESSION_COOKIE_NAME
    alphabet = string.ascii_letters + string.digits
    cookies = []
    for user in users:
        client.force_login(user)
        csrf = "".join(secrets.choice(alphabet) for _ in range(32))
        cookies.append(
            (
                f"{name}={client.cookies[name].value}; {settings.CSRF_COOKIE_NAME}={csrf}",
                csrf,
            )
        )
        client.cookies.clear()
    return cookies


@dataclass
class TakerLog:
    answers: list[float]
    currents: list[float]
    errors: dict[str, int]
    lengths: list[int]

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def one_taker(
    port: int,
    cookie: tuple[str, str],
    keys: dict[str, tuple[int, float, float]],
    theta: float,
    rng: random.Random,
    log: TakerLog,
    think: tuple[float, float] = (0.0, 0.0),
) -> None:
    from certification.selftest.engine import p_correct

    session, csrf = cookie
    connection = HttpConnection(port, HOST)
    headers = (
        f"Cookie: {session}\r\nX-CSRFToken: {csrf}\r\nOrigin: https://{HOST}\r\n"
        "Accept: application/json\r\n"
    )

    async def post(path: str, data: dict) -> tuple[int, bytes]:
        body = json.dumps(data).encode()
        return await connection.request(
            "POST",
            path,
            body,
            headers
            + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n",
        )

    try:
        status, body = await post(
            "/api/v1/selftest/attempts/", {"blueprint": PROFILE_SLUG}
        )
        if status not in (200, 201):
            log.error(f"start {status}")
            return
        links = json.loads(body)["links"]
        steps = 0
        while steps < 100:
            started = time.perf_counter()
            status, body = await connection.request(
                "GET", links["current"], b"", headers
            )
            log.currents.append((time.perf_counter() - started) * 1000)
            if status != 200:
                log.error(f"current {status}")
                return
            current = json.loads(body)
            if current["finished"]:
                log.lengths.append(steps)
                return
            _right_id, a, b = keys[current["item"]["uid"]]
            # The API names options by their place on the page, never by id.
            options = [(o["id"], o["text"]) for o in current["item"]["options"]]
            right = next(place for place, text in options if text == RIGHT_TEXT)
            correct = rng.random() < p_correct(theta, a, b)
            if think[1] > 0:  # reading the question and choosing
                await asyncio.sleep(rng.uniform(*think))
            started = time.perf_counter()
            status, body = await post(
                links["answer"],
                {
                    "order": current["order"],
                    "lock_token": current["lock_token"],
                    "payload": right if correct else wrong_option(options, right),
                },
            )
            log.answers.append((time.perf_counter() - started) * 1000)
            if status != 200:
                log.error(f"answer {status}")
                return
            steps += 1
            if json.loads(body)["finished"]:
                log.lengths.append(steps)
                return
        log.error("too long")
    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError) as error:
        log.error(type(error).__name__)


async def run_takers(
    port: int,
    cookies: list[tuple[str, str]],
    keys: dict,
    seed: int,
    think: tuple[float, float],
) -> tuple[TakerLog, float]:
    rng = random.Random(seed + 6)  # noqa: S311 (simulation)
    thetas = [rng.gauss(0.0, 1.0) for _ in cookies]
    log = TakerLog([], [], {}, [])
    started = time.perf_counter()
    await asyncio.gather(
        *(
            one_taker(
                port,
                cookie,
                keys,
                theta,
                random.Random(seed * 1000 + k),  # noqa: S311 (simulation)
                log,
                think,
            )
            for k, (cookie, theta) in enumerate(zip(cookies, thetas, strict=True))
        )
    )
    return log, time.perf_counter() - started


def http_section(
    takers: int, workers: int, seed: int, think: tuple[float, float]
) -> None:
    from django.db import connection
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/selftest/attempts/")
    except Resolver404:
        print("HTTP: the JSON API /api/v1/selftest/ is not mounted yet — pending.")
        return
    keys = answer_keys()
    cookies = session_cookies(takers)
    connection.close()
    port = free_port()
    load_before = load_average()
    server = start_server(ROOT, port, workers, "lms.asgi:application")
    try:
        use_uvloop()
        log, wall = asyncio.run(run_takers(port, cookies, keys, seed, think))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(
        f"HTTP: {takers} concurrent test takers (profile test, 6 competences), "
        f"{think[0]:g}–{think[1]:g} s to answer each question, "
        f"uvicorn --workers {workers}, settings {os.environ['DJANGO_SETTINGS_MODULE']}, "
        f"load before {load_before}, wall {wall:.1f} s:"
    )
    for name, times in (("answer POST", log.answers), ("current GET", log.currents)):
        if times:
            print(
                f"  {name:<12} n={len(times):<6} p50 {percentile(times, 0.5):7.1f} ms  "
                f"p95 {percentile(times, 0.95):7.1f} ms  max {max(times):7.1f} ms"
            )
    finished = len(log.lengths)
    mean_length = statistics.fmean(log.lengths) if log.lengths else float("nan")
    print(
        f"  finished tests {finished}/{takers} (mean {mean_length:.1f} items)  "
        f"errors {sum(log.errors.values())} {log.errors or ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--simulees", type=int, default=1000)
    parser.add_argument("--bank", type=int, default=2000)
    parser.add_argument("--latency-attempts", type=int, default=60)
    parser.add_argument("--takers", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(3.0, 8.0),
        metavar=("MIN", "MAX"),
        help="seconds a taker spends on a question (0 0: a stress test)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    simulate_profile(args.simulees, args.seed)
    simulate_global(args.simulees, args.seed)
    print(f"(simulation {time.perf_counter() - started:.0f} s)")

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build_bank(args.bank, args.seed)
    service_latency(args.latency_attempts, args.seed)
    if not args.skip_http:
        call_command("collectstatic", interactive=False, verbosity=0)
        http_section(args.takers, args.workers, args.seed, tuple(args.think))
    print(f"Done in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
