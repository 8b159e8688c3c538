"""The audit journal's retention path on the embedded default (SQLite), where
the delete guard is a trigger lifted and restored inside the purge."""

from __future__ import annotations

import textwrap

import pytest

from tests.embedded_support import embedded_env, manage

SCRIPT = textwrap.dedent(
    """
    import datetime as dt
    from django.db import DatabaseError, transaction
    from django.utils import timezone
    from lms import retention
    from lms.models import AuditEvent

    now = timezone.now()
    for message, age in (("vieux", 900), ("récent", 5)):
        AuditEvent.objects.create(
            action="changed", message=message, at=now - dt.timedelta(days=age)
        )
    print("purged", retention.purge_audit_journal(now=now))
    print("left", sorted(AuditEvent.objects.values_list("message", flat=True)))
    try:
        with transaction.atomic():
            AuditEvent.objects.filter(message="récent").delete()
    except DatabaseError:
        print("guard restored")
    """
)


@pytest.mark.timeout(600)
def test_the_journal_purge_works_on_sqlite_and_restores_the_guard(tmp_path):
    """On SQLite too, old entries go, young ones stay, and plain deletes are refused after."""
    env = embedded_env(tmp_path, RETENTION_AUDIT_JOURNAL_DAYS="365")
    for args in (["migrate", "--no-input", "-v", "0"], ["shell", "-c", SCRIPT]):
        result = manage(*args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "purged 1" in lines
    assert any(line.startswith("left [") and "vieux" not in line for line in lines)
    assert "guard restored" in lines
