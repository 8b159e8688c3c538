"""Fixtures of the tutoring tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): …`` runs the block's after-commit callbacks (domain
    events, pushes) as a real commit would, inside the test transaction."""

    def context():
        return django_capture_on_commit_callbacks(execute=True)

    return context
