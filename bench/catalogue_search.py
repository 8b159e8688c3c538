"""Benchmark: catalogue search with facets through the real HTTP API.

Usage::

    .venv/bin/python bench/catalogue_search.py [--trainings 5000] [--sessions 20000]
        [--queries 200] [--clients 20] [--workers 2] [--html] [--reset]

What it does (prints figures, asserts nothing):

1. Creates (or reuses) a dedicated PostgreSQL database, ``DATABASE_URL``
   (default ``postgres://postgres@127.0.0.1:5432/tremplin_bench_catalogue``),
   migrates it and, unless it already holds them, bulk-creates ``--trainings``
   live training pages (real Wagtail pages in the tree under one catalogue
   index, with levels, audiences and DigCompEdu competences) and
   ``--sessions`` sessions spread over the coming year and the provinces, then
   rebuilds the search index (``catalogue.search.rebuild_index``).
2. Counts the SQL queries of a sample of requests in-process (Django test client).
3. Starts ``uvicorn lms.asgi:application --workers 2`` with the production
   settings (DEBUG off, Redis cache on ``REDIS_URL``, HTTPS proxy header).
4. Sends ``--queries`` distinct, varied searches (free text with and without
   accents, word forms, 0–3 facet filters, both sorts, later pages) to
   ``GET /api/v1/catalogue/trainings/`` from ``--clients`` concurrent
   clients, each request on a new connection (as many browsers, or a proxy,
   spread over the workers): a **cold** pass (every query new to the result
   cache), then the same queries again (**warm**: cached answers). Then a cold
   pass of other queries from as many **keep-alive** connections, opened
   together: uvicorn's workers split such a burst unevenly (one may take them
   all), so this pass shows that worst case. With ``--html``, a cold pass of
   other queries on the HTML catalogue page. Before these, a quarter as many
   other queries from one client show the latency without queueing.
5. Prints p50/p95/p99/max latency, statuses, throughput and CPU per request
   (web workers, PostgreSQL, load generator) per pass, the cost of one
   process's copy of the index, and the SQL queries per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    BENCH_HOST,
    HttpConnection,
    cpu_seconds,
    database_cpu_seconds,
    free_port,
    load_average,
    machine_ticks,
    prepare_environment,
    production_env,
    start_server,
    use_uvloop,
    worker_pids,
)

HOST = BENCH_HOST
ACCEPT_LANGUAGE = "Accept-Language: fr-BE\r\n"
ENV_DEFAULTS = production_env("catalogue", 5)
prepare_environment(ENV_DEFAULTS)

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from wagtail.models import Page, Site  # noqa: E402

from catalogue.models import (  # noqa: E402
    Audience,
    AudienceFunction,
    CatalogueIndexPage,
    EducationLevel,
    Level,
    Modality,
    Session,
    TrainingPage,
    TrainingSearchEntry,
)
from catalogue.search import rebuild_index  # noqa: E402
from lms.models import Competence  # noqa: E402

API_PATH = "/api/v1/catalogue/trainings/"

# --- Data ----------------------------------------------------------------------------

SUBJECTS = [
    "le numérique",
    "l'évaluation formative",
    "la différenciation pédagogique",
    "la robotique éducative",
    "la programmation par blocs",
    "l'inclusion scolaire",
    "l'apprentissage collaboratif",
    "la citoyenneté numérique",
    "l'intelligence artificielle",
    "la classe inversée",
    "les tableaux interactifs",
    "la lecture numérique",
    "les podcasts en classe",
    "la création de capsules vidéo",
    "l'éducation aux médias",
    "la sécurité en ligne",
    "les environnements numériques de travail",
    "la rétroaction efficace",
    "les compétences transversales",
    "l'orientation des élèves",
]
FORMATS = [
    "Intégrer {s} en classe",
    "Découvrir {s}",
    "Approfondir {s} au quotidien",
    "{S} : premiers pas",
    "Concevoir des activités avec {s}",
    "Évaluer avec {s}",
    "Piloter un projet autour de {s}",
    "Enseigner {s} au {level}",
]
SENTENCES = [
    "Les participants expérimentent des outils numériques adaptés à leurs élèves.",
    "La formation alterne apports théoriques, ateliers pratiques et échanges.",
    "On y construit des grilles d'évaluation critériées et des rétroactions.",
    "Chacun repart avec une séquence prête à l'emploi pour sa classe.",
    "Une attention particulière est portée à l'accessibilité et à l'inclusion.",
    "Les activités favorisent l'autonomie et la collaboration des élèves.",
    "La pédagogie différenciée est au cœur des mises en situation.",
    "Les enseignants analysent des traces d'apprentissage authentiques.",
    "Un accompagnement à distance prolonge les journées en présentiel.",
    "Les ressources e-classe sont explorées et adaptées.",
]
CITIES = [
    ("1000", "Bruxelles"),
    ("1348", "Louvain-la-Neuve"),
    ("4000", "Liège"),
    ("5000", "Namur"),
    ("6000", "Charleroi"),
    ("6700", "Arlon"),
    ("7000", "Mons"),
    ("7500", "Tournai"),
]
QUERY_WORDS = [
    "numerique",
    "numérique",
    "évaluer",
    "evaluation",
    "différenciation",
    "robotique",
    "programmation",
    "inclusion",
    "collaboratif",
    "citoyenneté",
    "intelligence artificielle",
    "classe inversée",
    "podcasts",
    "capsules vidéo",
    "médias",
    "sécurité",
    "rétroaction",
    "orientation",
    "accessibilité",
    "lecture",
    "pédagogique",
    "enseigner",
    "projet",
    "outils numeriques",
    "traces apprentissage",
]


def create_catalogue(trainings: int, sessions: int, seed: int = 7) -> None:
    """Bulk-create live training pages in the Wagtail tree, their sessions and the index."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    root = Site.objects.get(is_default_site=True).root_page
    index = CatalogueIndexPage.objects.first()
    if index is None:
        index = CatalogueIndexPage(title="Catalogue des formations", slug="formations")
        root.add_child(instance=index)
        index.save_revision().publish()
        index.refresh_from_db()
    content_type = ContentType.objects.get_for_model(TrainingPage)
    now = timezone.now()
    levels = {lv.code: lv.pk for lv in EducationLevel.objects.all()}
    audiences = {a.code: a.pk for a in AudienceFunction.objects.all()}
    competences = list(Competence.objects.values_list("pk", flat=True))
    level_values = list(Level.values)
    audience_values = list(Audience.values)

    with transaction.atomic():
        start = index.numchild
        pages = []
        for number in range(trainings):
            subject = rng.choice(SUBJECTS)
            title = rng.choice(FORMATS).format(
                s=subject,
                S=subject[0].upper() + subject[1:],
                level=rng.choice(["primaire", "secondaire", "maternel"]),
            )
            slug = f"formation-{start + number + 1:05d}"
            pages.append(
                Page(
                    title=f"{title} ({number + 1})",
                    draft_title=f"{title} ({number + 1})",
                    slug=slug,
                    content_type=content_type,
                    path=Page._get_path(
                        index.path, index.depth + 1, start + number + 1
                    ),
                    depth=index.depth + 1,
                    numchild=0,
                    url_path=f"{index.url_path}{slug}/",
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=now,
                    last_published_at=now,
                    locale_id=index.locale_id,
                    translation_key=uuid.uuid4(),
                )
            )
        Page.objects.bulk_create(pages, batch_size=1000)
        training_rows = []
        for number, page in enumerate(pages):
            training = TrainingPage(page_ptr_id=page.pk)
            training.__dict__.update(
                {
                    f.attname: getattr(page, f.attname)
                    for f in Page._meta.concrete_fields
                }
            )
            training.code = f"BENCH-{start + number + 1:05d}"
            training.summary = " ".join(rng.sample(SENTENCES, 2))
            training.objectives = "<p>" + " ".join(rng.sample(SENTENCES, 2)) + "</p>"
            training.programme = "".join(
                f"<p>Jour {day} : {rng.choice(SENTENCES)}</p>" for day in (1, 2)
            )
            training.network_scope = "interreseaux"
            training.modality = rng.choice(Modality.values)
            training.sync_hours = rng.choice([0, 3, 6, 9, 12, 18, 24, 30])
            training.async_hours = rng.choice([0, 2, 4, 6, 10, 20])
            training.language = "fr"
            training.prerequisites = ""
            training.organiser = "IFPC"
            training.contact_name = ""
            training.contact_email = ""
            training.image_alt = ""
            training_rows.append(training)
        fields = [
            f for f in TrainingPage._meta.local_concrete_fields if f.name != "page_ptr"
        ]
        fields.insert(0, TrainingPage._meta.get_field("page_ptr"))
        for offset in range(0, len(training_rows), 1000):
            TrainingPage._base_manager._insert(
                training_rows[offset : offset + 1000], fields=fields, raw=True
            )
        Page.objects.filter(pk=index.pk).update(numchild=start + trainings)

        level_through = TrainingPage._meta.get_field("levels").remote_field.through
        audience_through = TrainingPage._meta.get_field(
            "audiences"
        ).remote_field.through
        competence_through = TrainingPage._meta.get_field(
            "competences"
        ).remote_field.through
        level_links, audience_links, competence_links = [], [], []
        for training in training_rows:
            for code in rng.sample(level_values, rng.randint(1, 3)):
                level_links.append(
                    level_through(
                        trainingpage_id=training.pk, educationlevel_id=levels[code]
                    )
                )
            for code in rng.sample(audience_values, rng.randint(1, 3)):
                audience_links.append(
                    audience_through(
                        trainingpage_id=training.pk, audiencefunction_id=audiences[code]
                    )
                )
            for pk in rng.sample(competences, rng.randint(1, 4)):
                competence_links.append(
                    competence_through(trainingpage_id=training.pk, competence_id=pk)
                )
        level_through.objects.bulk_create(level_links, batch_size=5000)
        audience_through.objects.bulk_create(audience_links, batch_size=5000)
        competence_through.objects.bulk_create(competence_links, batch_size=5000)

        today = timezone.localdate()
        session_rows = []
        for number in range(sessions):
            training = training_rows[number % len(training_rows)]
            starts_on = today + dt_days(rng.randint(3, 360))
            online = rng.random() < 0.2
            postal_code, city = rng.choice(CITIES)
            closes = timezone.make_aware(
                timezone.datetime.combine(
                    starts_on - dt_days(1), timezone.datetime.min.time()
                )
            )
            session = Session(
                training_id=training.pk,
                code=f"{training.code}-S{number + 1}",
                starts_on=starts_on,
                ends_on=starts_on + dt_days(rng.choice([0, 0, 1, 2])),
                is_online=online,
                postal_code="" if online else postal_code,
                city="" if online else city,
                address="" if online else "Rue de la Formation 1",
                capacity=rng.choice([12, 16, 20, 24, 30]),
                registration_closes_at=closes,
                status=rng.choice(
                    [Session.Status.OPEN] * 5
                    + [
                        Session.Status.PLANNED,
                        Session.Status.FULL,
                        Session.Status.CANCELLED,
                    ]
                ),
            )
            session.derive_place()
            session_rows.append(session)
        Session.objects.bulk_create(session_rows, batch_size=2000)
    rebuild_index()


def dt_days(days: int):
    import datetime as dt

    return dt.timedelta(days=days)


# --- Queries -------------------------------------------------------------------------


def make_queries(count: int, seed: int) -> list[str]:
    """``count`` distinct, varied query strings."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    today = timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _i in range(11):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    facet_values = {
        "modality": list(Modality.values),
        "level": list(Level.values),
        "audience": list(Audience.values),
        "competence": list(Competence.objects.values_list("code", flat=True)),
        "area": ["1", "2", "3", "4", "5", "6"],
        "month": months,
        "province": [
            "bruxelles",
            "liege",
            "namur",
            "hainaut",
            "luxembourg",
            "en_ligne",
        ],
        "hours": ["lt6", "6-12", "12-30", "gt30"],
        "open": ["1"],
    }
    queries: dict[str, None] = {}
    while len(queries) < count:
        params: list[tuple[str, str]] = []
        kind = rng.random()
        if kind < 0.75:
            params.append(("q", rng.choice(QUERY_WORDS)))
        if kind > 0.35:
            for facet in rng.sample(list(facet_values), rng.randint(1, 3)):
                for value in rng.sample(
                    facet_values[facet],
                    min(len(facet_values[facet]), 1 if rng.random() < 0.7 else 2),
                ):
                    params.append((facet, value))
        if rng.random() < 0.35:
            params.append(("sort", "date"))
        if rng.random() < 0.15:
            params.append(("page", str(rng.randint(2, 3))))
        queries[urlencode(params)] = None
    return list(queries)


def count_queries(paths: list[str]) -> list[int]:
    """SQL queries per request, in-process (Django test client, cold result cache)."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalogue.search import bump_index_version

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    counts = []
    for path in paths:
        bump_index_version()
        with CaptureQueriesContext(db) as captured:
            response = client.get(path)
        if response.status_code in (200, 404):
            counts.append(len(captured))
    return counts


@dataclass
class PassResult:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: CPU ms per request: web workers, PostgreSQL, load generator.
    cpu_ms: tuple[float, float, float] | None = None
    #: Share of the machine's CPU time in use during the pass.
    machine_busy: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def run_pass(
    name: str,
    port: int,
    paths: list[str],
    clients: int,
    server_pid: int = 0,
    keep_alive: bool = False,
) -> PassResult:
    result = PassResult(name)
    workers = worker_pids(server_pid) if server_pid else []
    cpu_before = (
        sum(cpu_seconds(pid) for pid in workers),
        database_cpu_seconds(),
        cpu_seconds(os.getpid()),
    )
    ticks_before = machine_ticks()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)

    async def client() -> None:
        connection = HttpConnection(port, HOST)
        while True:
            try:
                path = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            if not keep_alive:
                connection = HttpConnection(port, HOST)
            status, _body = await connection.get(path, ACCEPT_LANGUAGE)
            if not keep_alive and connection.writer is not None:
                connection.writer.close()
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    busy, total = (a - b for a, b in zip(machine_ticks(), ticks_before, strict=True))
    result.machine_busy = busy / total if total else 0.0
    result.cpu_ms = tuple(
        (after - before) * 1000 / max(1, len(paths))
        for before, after in zip(
            cpu_before,
            (
                sum(cpu_seconds(pid) for pid in workers),
                database_cpu_seconds(),
                cpu_seconds(os.getpid()),
            ),
            strict=True,
        )
    )
    return result


def report(result: PassResult) -> None:
    print(
        f"  {result.name:<34} n={len(result.latencies_ms):>4}  "
        f"p50 {result.percentile(0.50):6.1f} ms  p95 {result.percentile(0.95):6.1f} ms  "
        f"p99 {result.percentile(0.99):6.1f} ms  max {max(result.latencies_ms):6.1f} ms  "
        f"{len(result.latencies_ms) / result.seconds:6.1f} req/s  statuses {result.statuses}"
    )
    if result.cpu_ms:
        web, database, generator = result.cpu_ms
        print(
            f"  {'':<34} CPU per request: web workers {web:.1f} ms, "
            f"PostgreSQL {database:.1f} ms, load generator {generator:.1f} ms; "
            f"machine busy {result.machine_busy:.0%}"
        )


async def warm_up(port: int, clients: int) -> None:
    """Open the workers' database connections, import lazily loaded modules and
    let each worker build its copy of the index, as its first visitors would.

    Each request comes on a new connection, two at a time, so that both
    workers accept some; deep pages sorted by date, which no measured query
    asks for.
    """
    await run_pass(
        "warm-up",
        port,
        [API_PATH + "?q=warmup" + str(i) for i in range(clients)],
        clients,
    )

    async def fresh(path: str) -> None:
        connection = HttpConnection(port, HOST)
        await connection.get(path, ACCEPT_LANGUAGE)
        if connection.writer is not None:
            connection.writer.close()

    for page in range(10, 10 + clients * 2, 2):
        await asyncio.gather(
            fresh(f"{API_PATH}?sort=date&page={page}"),
            fresh(f"{API_PATH}?sort=date&page={page + 1}"),
        )


def index_copy_cost() -> tuple[float, float, float]:
    """Seconds to build one process's copy of the index and its listing cards,
    and the memory they hold (MB)."""
    import tracemalloc

    from catalogue import facet_index
    from catalogue.selectors import card_contents

    tracemalloc.start()
    started = time.perf_counter()
    index = facet_index.build()
    built = time.perf_counter() - started
    started = time.perf_counter()
    cards = card_contents()
    carded = time.perf_counter() - started
    size = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del index, cards
    return built, carded, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainings", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--html", action="store_true", help="also load the HTML page")
    parser.add_argument(
        "--reset", action="store_true", help="drop and recreate the data"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the search index"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if args.reset:
        with transaction.atomic():
            Session.objects.all().delete()
            for page in Page.objects.filter(
                depth=3, content_type__model="catalogueindexpage"
            ):
                Page.objects.filter(
                    path__startswith=page.path, depth__gt=page.depth
                ).delete()
                Page.objects.filter(pk=page.pk).update(numchild=0)
    existing = TrainingPage.objects.live().count()
    started = time.perf_counter()
    if existing < args.trainings:
        create_catalogue(args.trainings - existing, args.sessions)
        print(
            f"created {args.trainings - existing} trainings + sessions in {time.perf_counter() - started:.1f} s"
        )
    elif args.rebuild or TrainingSearchEntry.objects.count() < existing:
        rebuild_index()
        print(
            f"reused {existing} trainings; index rebuilt in {time.perf_counter() - started:.1f} s"
        )
    with db.cursor() as cursor:
        # A rebuild leaves the previous rows dead; compact as autovacuum would.
        cursor.execute(f"VACUUM FULL {TrainingSearchEntry._meta.db_table}")
        cursor.execute("ANALYZE")
    entries = TrainingSearchEntry.objects.count()
    sessions = Session.objects.count()

    paths = [f"{API_PATH}?{q}" for q in make_queries(args.queries, args.seed)]
    solo_paths = [
        f"{API_PATH}?{q}&solo=1" for q in make_queries(args.queries // 4, args.seed + 2)
    ]
    pinned_paths = [
        f"{API_PATH}?{q}&pinned=1" for q in make_queries(args.queries, args.seed + 3)
    ]
    html_paths = []
    if args.html:
        call_command("collectstatic", interactive=False, verbosity=0)
        index_url = CatalogueIndexPage.objects.first().url_path
        index_path = "/" + index_url.split("/", 2)[2]
        html_paths = [
            f"{index_path}?{q}" for q in make_queries(args.queries, args.seed + 1)
        ]
    sample = paths[:20]
    copy_cost = index_copy_cost()
    api_queries = count_queries(sample)
    html_queries = count_queries(html_paths[:10]) if html_paths else []
    db.close()

    port = free_port()
    load_before = load_average()
    server = start_server(ROOT, port, args.workers, "lms.asgi:application")
    try:
        use_uvloop()
        asyncio.run(warm_up(port, args.clients))
        single = asyncio.run(
            run_pass(
                "API, cold, 1 client (no queueing)", port, solo_paths, 1, server.pid
            )
        )
        cold = asyncio.run(
            run_pass("API, cold result cache", port, paths, args.clients, server.pid)
        )
        warm = asyncio.run(
            run_pass(
                "API, same queries again (cached)",
                port,
                paths,
                args.clients,
                server.pid,
            )
        )
        pinned = asyncio.run(
            run_pass(
                "API, cold, keep-alive connections",
                port,
                pinned_paths,
                args.clients,
                server.pid,
                keep_alive=True,
            )
        )
        html = (
            asyncio.run(
                run_pass(
                    "HTML page, cold result cache",
                    port,
                    html_paths,
                    args.clients,
                    server.pid,
                )
            )
            if html_paths
            else None
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    print(
        f"\nCatalogue search: {entries} live trainings indexed, {sessions} sessions, "
        f"{len(paths)} distinct queries, {args.clients} concurrent clients, "
        f"uvicorn --workers {args.workers}, PostgreSQL {db.pg_version // 10000}, "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, load before {load_before}"
    )
    report(single)
    report(cold)
    report(warm)
    report(pinned)
    if html:
        report(html)
    print(
        f"  Per-process copy of the index: built in {copy_cost[0] * 1000:.0f} ms, "
        f"listing cards {copy_cost[1] * 1000:.0f} ms, {copy_cost[2]:.1f} MB"
    )
    print(
        f"  SQL queries per API request (cold, {len(api_queries)} sampled): "
        f"min {min(api_queries)}, max {max(api_queries)}"
    )
    if html_queries:
        print(
            f"  SQL queries per HTML request (cold, {len(html_queries)} sampled): "
            f"min {min(html_queries)}, max {max(html_queries)}"
        )


if __name__ == "__main__":
    main()
