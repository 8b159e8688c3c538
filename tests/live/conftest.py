"""Fixtures of the live tests: the BBB stand-in as a real process."""

from __future__ import annotations

import pytest

from tests.catalogue.builders_registrations import eager_tasks  # noqa: F401 (fixture)

from .standin import StandIn


@pytest.fixture(scope="session")
def bbb_standin_process():
    standin = StandIn.start()
    yield standin
    standin.stop()


@pytest.fixture
def bbb(bbb_standin_process, settings):
    """The stand-in, emptied, with Tremplin's settings pointing at it."""
    settings.BBB_URL = bbb_standin_process.url
    settings.BBB_SECRET = bbb_standin_process.secret
    settings.BBB_CHECKSUM_ALGORITHM = "sha256"
    settings.BBB_IS_SIMULATOR = True
    bbb_standin_process.control("reset")
    return bbb_standin_process
