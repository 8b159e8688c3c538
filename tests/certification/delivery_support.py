"""Helpers of the delivery tests: attestations with a stored PDF, the stand-in
wired into the settings, and a loop that drains the outbox."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from celery import current_app
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from certification.delivery import engine
from certification.models import Attestation, Delivery
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import make_attestation

from .staff_space import StaffSpaceStandIn

#: A small, valid PDF (one empty page).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

MATRICULES = itertools.count(1)


def with_pdf(attestation: Attestation) -> Attestation:
    """Store a PDF for ``attestation`` (as ``certification.pdf`` would) and set ``pdf_path``."""
    path = default_storage.save(
        f"attestations/test-{attestation.uuid}.pdf", ContentFile(PDF)
    )
    Attestation.objects.filter(pk=attestation.pk).update(pdf_path=path)
    attestation.pdf_path = path
    return attestation


def issued(count: int = 1, *, session=None, **user_fields) -> list[Attestation]:
    """``count`` attestations of one session, each with its PDF."""
    session = session or make_session(
        make_training(competences=["2.1", "3.1"]), starts_in_days=-20
    )
    attestations = []
    for _ in range(count):
        fields = {"matricule": f"12E{next(MATRICULES):07d}"} | user_fields
        user = UserFactory(**fields)
        attestations.append(with_pdf(make_attestation(user=user, session=session)))
    return attestations


def drain(seconds: float = 60) -> int:
    """Call ``deliver_due()`` until no row is pending; returns the calls made."""
    deadline = time.monotonic() + seconds
    calls = 0
    while Delivery.objects.filter(state=Delivery.State.PENDING).exists():
        if time.monotonic() > deadline:
            raise AssertionError("the outbox did not drain in time")
        if not engine.deliver_due():
            time.sleep(0.1)  # rows wait for their Retry-After
        calls += 1
    return calls


@pytest.fixture(scope="module")
def standin_process() -> Iterator[StaffSpaceStandIn]:
    standin = StaffSpaceStandIn.start()
    yield standin
    standin.stop()


@pytest.fixture
def standin(standin_process, settings) -> StaffSpaceStandIn:
    """The running stand-in, reset and without faults, with Tremplin pointed at it."""
    standin_process.reset()
    standin_process.set_faults(
        fail_rate=0,
        timeout_rate=0,
        reset_rate=0,
        throttle_rate=0,
        duplicate_rate=0,
        latency_ms=0,
        timeout_seconds=1,
        retry_after_max=2,
        refuse=[],
    )
    settings.STAFF_SPACE_URL = standin_process.url
    settings.STAFF_SPACE_TOKEN = standin_process.token
    settings.STAFF_SPACE_TIMEOUT_SECONDS = 0.5
    settings.STAFF_SPACE_RETRY_BASE_SECONDS = 0
    settings.STAFF_SPACE_CONCURRENCY = 8
    settings.STAFF_SPACE_BATCH_SIZE = 20
    return standin_process


@pytest.fixture(autouse=True)
def _no_broker() -> Iterator[None]:
    """Tasks run in-process (no follow-up is scheduled on the broker)."""
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    cache.delete(engine.WAKE_KEY)
    yield
    current_app.conf.task_always_eager = previous
