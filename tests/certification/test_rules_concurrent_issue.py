"""Two concurrent issues of the same attestation: one row, one outbox row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from certification import issuance
from certification.issuance import issue_attestation
from certification.models import Attestation, Delivery
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.factories.certification import content_for

from .builders_rules import no_side_tasks  # noqa: F401


@pytest.mark.usefixtures("no_side_tasks")
def test_two_concurrent_issues_give_one_attestation(transactional_db, monkeypatch):
    """Two threads that both found no attestation meet on the unique constraint:
    one attestation, one outbox row, and the loser returns the winner's row."""
    session = make_session(make_training(), starts_in_days=-5)
    user = UserFactory()
    content = content_for(session)
    barrier = threading.Barrier(2)
    checked = threading.local()
    original = issuance._existing

    def existing_then_wait(*args):
        found = original(*args)
        if not getattr(checked, "done", False):
            checked.done = True
            barrier.wait(timeout=10)  # both checked before either writes
        return found

    monkeypatch.setattr(issuance, "_existing", existing_then_wait)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            attestation, created = issue_attestation(
                user=user,
                kind=Attestation.Kind.COMPLETION,
                content=content,
                origin=Attestation.Origin.RULE,
                session=session,
            )
            results.append((attestation.pk, created))
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len({pk for pk, _created in results}) == 1
    assert sorted(created for _pk, created in results) == [False, True]
    assert Attestation.objects.count() == 1
    assert Delivery.objects.count() == 1
