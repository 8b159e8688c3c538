"""Shared fixtures. Tests run against the real PostgreSQL and Redis (see lms.settings.test)."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers

from lms.roles import Role
from tests.factories import EstablishmentFactory, UserFactory

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture(autouse=True)
def _fresh_channel_layers():
    """Channel layers are cached per process; each test gets fresh ones."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _fresh_wagtail_site_cache():
    """Wagtail caches site root paths in Redis; tests rebuild page trees."""
    from wagtail.models import Site

    Site.clear_site_root_paths_cache()
    yield
    Site.clear_site_root_paths_cache()


@pytest.fixture(autouse=True)
def _own_login_throttle(monkeypatch):
    """Failed sign-ins of one test must not lock accounts of the next."""
    import uuid

    from lms import throttling

    monkeypatch.setattr(throttling, "_PREFIX", f"login-throttle-{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _fresh_catalogue_facet_index():
    """The process's copy of the search index outlives a rolled-back test."""
    from catalogue import facet_index

    facet_index.forget()
    yield
    facet_index.forget()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests run on a database that an earlier one flushed: put back
    the rows migrations create (Wagtail root and site, catalogue vocabularies,
    DigCompEdu framework) before the test."""
    marker = request.node.get_closest_marker("django_db")
    uses_transactions = (marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    )
    if not uses_transactions:
        return
    request.getfixturevalue("transactional_db")
    from catalogue.reference import ensure_reference_rows, site_root

    ensure_reference_rows()
    site_root()


@pytest.fixture
def establishment(db):
    return EstablishmentFactory()


@pytest.fixture
def teacher(db):
    return UserFactory(roles=[Role.TEACHER])


@pytest.fixture
def tutor(db):
    return UserFactory(roles=[Role.TUTOR])


@pytest.fixture
def administrator(db):
    return UserFactory(roles=[Role.ADMINISTRATOR])


@pytest.fixture
def catalogue_manager(db):
    return UserFactory(roles=[Role.CATALOGUE_MANAGER])


@pytest.fixture
def verified_login():
    """``verified_login(client, user)``: sign a staff member in with a verified
    second factor (a real TOTP device and code, see tests/two_factor_support.py);
    plain ``client.force_login`` leaves staff at the verification page."""
    from tests.two_factor_support import force_login_verified

    return force_login_verified


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): …`` runs the block's after-commit callbacks (domain
    events, pushes) as a real commit would, inside the test transaction."""

    def context():
        return django_capture_on_commit_callbacks(execute=True)

    return context


@pytest.fixture
def eager_tasks():
    """Celery tasks enqueued during the test run at once, in-process (as in the
    embedded default) instead of going to the broker."""
    from lms.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
