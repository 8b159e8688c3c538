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
